"""The province brief: every section in both languages for two provinces, numbers against the
results cube and tables, the fast cube reader against xarray, unknown codes, and the notebook."""

from __future__ import annotations

import json

import numpy as np
import pytest
from conftest import ROOT

from povmodel import admin
from povmodel.cube import save_cube
from povmodel.errors import PovmodelError
from povmodel.reports.brief import CUBE_VARIABLES, ProvinceBrief, read_cube_cells

SECTIONS = ("title", "synthetic_banner", "key_figures_table", "map_position", "risk", "scenario_impacts",
            "forecast", "provenance_line")
CASES = [("01", "vi"), ("01", "en"), ("62", "vi"), ("62", "en")]


def build(report_run, tmp_path, province: str, language: str) -> ProvinceBrief:
    config, outputs = report_run
    return ProvinceBrief.from_parameters(config_path=str(config.source), run_id=outputs.run_id,
                                         output_dir=str(tmp_path), language=language, province=province)


@pytest.fixture(scope="module")
def briefs(report_run, tmp_path_factory):
    """Every section's HTML of the four cases, with the report objects and their folders."""
    out = {}
    for province, language in CASES:
        folder = tmp_path_factory.mktemp(f"brief_{province}_{language}")
        report = build(report_run, folder, province, language)
        sections = {name: getattr(report, name)() for name in SECTIONS}
        out[province, language] = (report, folder, {n: s._repr_html_() for n, s in sections.items()}, sections)
    return out


def latest_poor_rate(cube, province: str) -> tuple[int, float, list[str]]:
    """Latest survey year, the province's poor rate then, and the 63 provinces by rate (highest first)."""
    rate = cube["poor_rate"].sel(scenario="baseline")
    year = int(rate.sel(area=province).dropna("year")["year"].max())
    values = rate.sel(year=year, area=admin.province_codes()).to_series().dropna()
    return year, float(values[province]), values.sort_values(ascending=False).index.tolist()


@pytest.mark.parametrize(("province", "language"), CASES)
def test_every_section_renders(briefs, province, language):
    report, folder, html, _ = briefs[province, language]
    name = admin.provinces().set_index("code").loc[province, "name"]
    assert name in html["title"] and "<h1>" in html["title"]
    assert "SYNTHETIC" in html["synthetic_banner"] or "TỔNG HỢP" in html["synthetic_banner"]
    for section in ("map_position", "forecast"):
        assert "data:image/png;base64," in html[section]
    for section in ("key_figures_table", "scenario_impacts", "forecast"):
        assert "<table" in html[section]
    assert report.outputs.run_id in html["provenance_line"]
    key_figures = json.loads((folder / "key_figures.json").read_text(encoding="utf-8"))
    assert [k["key"] for k in key_figures] == ["kf_brief_poor_rate", "kf_brief_risk", "kf_brief_forecast"]
    assert (folder / "figures" / f"province_{province}_position.png").stat().st_size > 10_000
    assert (folder / "tables" / f"province_{province}_key_figures.csv").is_file()
    text = "\n".join(html.values())
    assert "hh_id" not in text and "household_id" not in text
    vietnamese = ("Số liệu chính", "Nguy cơ tái nghèo", "Tác động của các kịch bản", "Dự báo 2021-2025")
    assert all((v in text) == (language == "vi") for v in vietnamese)


@pytest.mark.parametrize("province", ["01", "62"])
def test_poor_rate_and_rank_match_the_cube(briefs, report_run, province):
    _, outputs = report_run
    year, value, ranked = latest_poor_rate(outputs.cube, province)
    rank = ranked.index(province) + 1
    _, _, html, sections = briefs[province, "en"]
    table = sections["key_figures_table"].tables[0].iloc[0]
    assert table["Estimate"] == f"{100 * value:.1f}%"
    assert table["Rank of 63 (1 = highest)"] == f"{rank}/{len(ranked)}"
    assert f"rank <strong>{rank} of {len(ranked)}</strong>" in html["key_figures_table"]
    assert f"{year} (" in table["Year (standard)"]
    vi = briefs[province, "vi"][3]["key_figures_table"].tables[0].iloc[0]
    assert vi["Ước tính"] == f"{100 * value:.1f}%".replace(".", ",")


def test_risk_and_scenario_figures_match_the_tables(briefs, report_run):
    _, outputs = report_run
    risk = outputs.table("risk_province").set_index("province").loc["62"]
    _, _, html, sections = briefs["62", "en"]
    assert f"{100 * risk['expected_share']:.2f}%" in html["risk"]
    districts = sections["risk"].tables[0]
    assert 1 <= len(districts) <= 3 and "suppressed" not in " ".join(districts["Reliability"])
    change = float(outputs.cube["shock_poor_rate_change"].sel(scenario="covid_2021_delta", area="62", year=2021))
    row = sections["scenario_impacts"].tables[0].set_index("Scenario").loc["covid_2021_delta (2021)"]
    assert row["Poor rate change (pp)"].startswith(f"{'+' if change > 0 else '−'}{abs(100 * change):.2f} pp")


@pytest.mark.parametrize("fmt", ["netcdf", "zarr"])
def test_the_fast_cube_reader_matches_xarray(report_run, tmp_path, fmt):
    _, outputs = report_run
    cube = outputs.cube
    path = outputs.record["cube"] if fmt == "netcdf" else save_cube(cube, tmp_path / "cube.zarr")
    cells, standards = read_cube_cells(path)
    assert standards.tolist() == cube["standard"].values.tolist()
    for name in CUBE_VARIABLES:
        expected = cube[name].transpose("scenario", "area", "year").values.ravel()
        np.testing.assert_array_equal(cells[name].to_numpy(), expected)
    assert cells.index.get_level_values("area").unique().tolist() == cube["area"].values.tolist()


@pytest.mark.parametrize("code", ["99", "1", "Hà Nội"])
def test_an_unknown_province_code_is_refused(report_run, tmp_path, code):
    with pytest.raises(PovmodelError, match=repr(code)):
        build(report_run, tmp_path, code, "en")


@pytest.mark.report
def test_the_notebook_runs(report_run, tmp_path):
    import papermill

    config, outputs = report_run
    out = tmp_path / "brief.ipynb"
    papermill.execute_notebook(str(ROOT / "notebooks" / "06_province_brief.ipynb"), str(out), progress_bar=False,
                               parameters={"config_path": str(config.source), "run_id": outputs.run_id,
                                           "output_dir": str(tmp_path / "job"), "language": "vi",
                                           "province": "62"})
    text = out.read_text(encoding="utf-8")
    assert "Kon Tum" in text and "Nguy cơ tái nghèo" in text
    assert (tmp_path / "job" / "key_figures.json").is_file()
