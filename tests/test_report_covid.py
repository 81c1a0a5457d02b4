"""The COVID-19 report against the run's simulation table."""

from __future__ import annotations

import json

import pytest

from povmodel.reports.covid import CovidReport

SECTIONS = ("title", "synthetic_banner", "scenario_table", "headline", "support", "breakdowns", "regions",
            "provenance")


@pytest.fixture(scope="module")
def rendered(report_run, tmp_path_factory):
    config, _ = report_run
    out = {}
    for lang in ("en", "vi"):
        folder = tmp_path_factory.mktemp(f"covid_{lang}")
        report = CovidReport.from_parameters(config_path=str(config.source), run_id=config.results_id,
                                             output_dir=str(folder), language=lang)
        sections = {name: getattr(report, name)() for name in SECTIONS}
        out[lang] = (report, folder, sections, {n: s._repr_html_() for n, s in sections.items()})
    return out


def test_every_simulated_scenario_is_shown(rendered, report_run):
    config, outputs = report_run
    report, _, sections, html = rendered["en"]
    simulated = [s.name for s in config.scenario_specs if s.simulated]
    assert report.scenarios == simulated
    assert list(sections["headline"].tables[0].columns[1:]) == simulated
    assert "baseline" not in sections["headline"].tables[0].columns
    assert "FACTS.md" in html["title"]


def test_worst_scenario_and_key_figures(rendered, report_run):
    _, outputs = report_run
    report, folder, _, html = rendered["en"]
    sim = outputs.table("simulation")
    nat = sim[(sim["grouping"] == "national") & (sim["metric"] == "poor_rate_change")].set_index("scenario")["mean"]
    worst = nat.idxmax()
    assert report.worst() == worst
    figures = json.loads((folder / "key_figures.json").read_text(encoding="utf-8"))
    assert figures[0]["value"] == f"+{100 * nat[worst]:.2f} pp ({worst})"
    newly = sim[(sim["scenario"] == worst) & (sim["grouping"] == "national")
                & (sim["metric"] == "newly_poor_households")]["mean"].iloc[0]
    assert f"{newly:,.0f}" in html["headline"]


def test_breakdowns_and_regions(rendered):
    _, folder, sections, html = rendered["en"]
    groups = set(sections["breakdowns"].tables[0]["Group"])
    assert {"Services", "D1", "D10", "Urban", "Rural", "Ethnic minorities"} <= groups
    assert "Whole country" in html["regions"]
    assert len(list((folder / "figures").glob("province_change_*.png"))) == 1


def test_vietnamese(rendered, report_run):
    _, outputs = report_run
    _, _, _, html = rendered["vi"]
    assert "Số hộ nghèo mới" in html["headline"] and "Dân tộc thiểu số" in html["breakdowns"]
    assert "tỷ đồng" in html["support"] and "điểm %" in html["headline"]


def test_suppressed_provinces_have_no_number(rendered, monkeypatch):
    report = rendered["en"][0]
    outputs = report.outputs
    sim = outputs.table("simulation").copy()
    hide = (sim["grouping"] == "province") & (sim["group"] == "01")
    sim.loc[hide, ["mean", "low", "high"]] = float("nan")
    sim.loc[hide, "quality"] = "suppressed"
    monkeypatch.setitem(outputs._tables, "simulation", sim)
    prov = report.province_changes(report.worst()).set_index("province")
    assert prov.loc["01", "quality"] == "suppressed" and prov["mean"].isna().sum() == 1


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

    from povmodel.reports.catalogue import REPORTS

    config, _ = report_run
    papermill.execute_notebook(str(REPORTS["covid"].notebook_path), str(tmp_path / "out.ipynb"), parameters={
        "config_path": str(config.source), "run_id": config.results_id, "output_dir": str(tmp_path / "job"),
        "language": "en"}, progress_bar=False)
    assert (tmp_path / "job" / "figures" / "breakdowns.png").is_file()
