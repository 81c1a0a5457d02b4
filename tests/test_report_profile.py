"""The poverty-profile report against the run's results cube."""

from __future__ import annotations

import json

import pytest

from povmodel.reports.profile import ProfileReport

SECTIONS = ("title", "synthetic_banner", "standards", "national", "standard_comparison", "regions", "fgt", "mpi",
            "mpi_contributions", "province_map", "provenance")


@pytest.fixture(scope="module")
def rendered(report_run, tmp_path_factory):
    config, _ = report_run
    out = {}
    for lang in ("en", "vi"):
        folder = tmp_path_factory.mktemp(f"profile_{lang}")
        report = ProfileReport.from_parameters(config_path=str(config.source), run_id=config.results_id,
                                               output_dir=str(folder), language=lang)
        sections = {name: getattr(report, name)() for name in SECTIONS}
        out[lang] = (report, folder, sections, {n: s._repr_html_() for n, s in sections.items()})
    return out


def test_every_section_renders(rendered):
    for lang in ("en", "vi"):
        _, _, sections, html = rendered[lang]
        assert all(html[n] for n in SECTIONS if n != "synthetic_banner" or sections[n].paragraphs)
        assert "SYNTHETIC" in html["synthetic_banner"] or "TỔNG HỢP" in html["synthetic_banner"]


def test_latest_national_rate_matches_the_cube(rendered, report_run):
    _, outputs = report_run
    report, folder, _, html = rendered["en"]
    cube = outputs.cube.sel(scenario="baseline", area="NATIONAL", year=2022)
    expected = f"{100 * float(cube['poor_rate']):.1f}%"
    assert expected in html["national"]
    assert "2022-2025" in html["national"] and "2016-2020" in html["national"]
    figures = json.loads((folder / "key_figures.json").read_text(encoding="utf-8"))
    assert [f["key"] for f in figures] == ["kf_profile_poor", "kf_profile_near"]
    assert figures[0]["value"].startswith(expected)


def test_vietnamese_text_and_separators(rendered, report_run):
    _, outputs = report_run
    _, folder, _, html = rendered["vi"]
    assert "Hộ nghèo và cận nghèo" in html["national"]
    rate = 100 * float(outputs.cube["poor_rate"].sel(scenario="baseline", area="NATIONAL", year=2022))
    assert f"{rate:.1f}%".replace(".", ",") in html["national"]
    assert "Trung du và miền núi phía Bắc" in html["regions"]
    assert "Nước sinh hoạt và vệ sinh" in html["mpi_contributions"]
    assert json.loads((folder / "key_figures.json").read_text(encoding="utf-8"))[0]["label"].startswith("Tỷ lệ hộ nghèo")


def test_mpi_contributions_add_up_and_match_the_cube(rendered, report_run):
    _, outputs = report_run
    report, folder, sections, _ = rendered["en"]
    m0 = float(outputs.cube["mpi_m0"].sel(scenario="baseline", area="NATIONAL", year=2022))
    assert f"M0 {m0:.3f}" in sections["mpi"].paragraphs[0]
    shares = sections["mpi_contributions"].tables[0].iloc[:, 1:].map(lambda s: float(s.rstrip("%")))
    assert ((shares.sum(axis=1) - 100).abs() < 0.5).all()
    assert (folder / "figures" / "mpi_contributions.png").stat().st_size > 10_000


def test_unreliable_provinces_are_flagged(rendered):
    report, _, sections, _ = rendered["en"]
    table = report.province_table()
    flagged = table[(table["cv"] > 0.3) | (table["n"] < 30)]
    assert set(flagged["name"]) == set(sections["province_map"].tables[0]["Province"]) if len(flagged) else True
    assert len(table) == 63


def test_standard_comparison_classifies_both_rounds_under_both_standards(rendered):
    _, _, sections, _ = rendered["en"]
    table = sections["standard_comparison"].tables[0]
    assert list(table["Year"]) == [2021, 2022]
    assert any("2016-2020" in c for c in table.columns) and any("2022-2025" in c for c in table.columns)


def test_no_household_ids(rendered, report_run):
    config, _ = report_run
    from povmodel import pipeline

    ids = set(pipeline.load_households(config)[0]["hh_id"].astype(str).head(200))
    for lang in ("en", "vi"):
        text = " ".join(rendered[lang][3].values())
        assert not [i for i in ids if f">{i}<" in text or f" {i} " in text]


@pytest.mark.report
def test_notebook_runs(report_run, tmp_path):
    import papermill

    config, _ = report_run
    from povmodel.reports.catalogue import REPORTS

    papermill.execute_notebook(str(REPORTS["profile"].notebook_path), str(tmp_path / "out.ipynb"), parameters={
        "config_path": str(config.source), "run_id": config.results_id, "output_dir": str(tmp_path / "job"),
        "language": "vi"}, progress_bar=False)
    assert (tmp_path / "job" / "figures" / "province_poor_rate_cv.png").is_file()
