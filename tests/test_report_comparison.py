"""The scenario-comparison report for any pair of the run's scenarios."""

from __future__ import annotations

import json

import pytest

from povmodel.errors import PovmodelError
from povmodel.reports.comparison import ScenarioComparisonReport

SECTIONS = ("title", "synthetic_banner", "descriptions", "headline", "areas", "forecast", "targets", "provenance")


def build(report_run, folder, lang, baseline, alternative):
    config, _ = report_run
    report = ScenarioComparisonReport.from_parameters(
        config_path=str(config.source), run_id=config.results_id, output_dir=str(folder), language=lang,
        baseline=baseline, alternative=alternative)
    sections = {name: getattr(report, name)() for name in SECTIONS}
    return report, sections, {n: s._repr_html_() for n, s in sections.items()}


def test_reform_against_its_scenario(report_run, tmp_path):
    _, outputs = report_run
    report, sections, html = build(report_run, tmp_path, "en", "covid_2020_wave1", "double-poor-transfer-2020")
    sim = outputs.table("simulation")
    nat = sim[(sim["grouping"] == "national") & (sim["metric"] == "poor_rate_change")].set_index("scenario")["mean"]
    diff = 100 * (nat["double-poor-transfer-2020"] - nat["covid_2020_wave1"])
    assert f"−{abs(diff):.2f} pp" in html["headline"]
    assert "covid_support.res42.poor_near_poor" in html["descriptions"]
    table = sections["headline"].tables[0]
    assert "Intervals separate?" in table.columns
    figures = json.loads((tmp_path / "key_figures.json").read_text(encoding="utf-8"))
    assert {f["key"] for f in figures} == {"kf_cmp_rate_difference", "kf_cmp_newly_difference",
                                           "kf_cmp_forecast_difference"}
    assert (tmp_path / "figures" / "province_difference.png").is_file()
    prov = report.province_differences()
    assert len(prov) == 63 and prov["difference"].notna().all()


def test_non_simulated_baseline_shows_what_exists(report_run, tmp_path):
    _, outputs = report_run
    report, sections, html = build(report_run, tmp_path, "vi", "baseline", "covid_2021_delta")
    assert "baseline: không có mô phỏng vi mô cú sốc" in html["headline"]
    assert "không có mô phỏng" in html["areas"] and not sections["areas"].figures
    paths = outputs.table("forecast_paths")
    nat = paths[(paths["area"] == "NATIONAL") & (paths["indicator"] == "poor_rate") & (paths["year"] == 2021)]
    nat = nat.set_index("scenario")["mean"]
    diff = nat["covid_2021_delta"] - nat["baseline"]
    assert f"+{diff:.2f} điểm %".replace(".", ",") in html["forecast"]
    assert "Khả năng đạt các mục tiêu" in html["targets"] and "Cả nước" in html["targets"]


def test_unknown_scenario_is_a_clear_error(report_run, tmp_path):
    with pytest.raises(PovmodelError, match="unknown scenario"):
        build(report_run, tmp_path, "en", "baseline", "no-such-scenario")


def test_no_household_ids(report_run, tmp_path):
    config, _ = report_run
    from povmodel import pipeline

    ids = set(pipeline.load_households(config)[0]["hh_id"].astype(str).head(200))
    _, _, html = build(report_run, tmp_path, "en", "covid_2021_no_support", "covid_2021_delta")
    text = " ".join(html.values())
    assert not [i for i in ids if f">{i}<" in text or f" {i} " in text]


@pytest.mark.report
def test_notebook_runs(report_run, tmp_path):
    import papermill

    from povmodel.reports.catalogue import REPORTS

    config, _ = report_run
    papermill.execute_notebook(str(REPORTS["scenario_comparison"].notebook_path), str(tmp_path / "out.ipynb"),
                               parameters={"config_path": str(config.source), "run_id": config.results_id,
                                           "output_dir": str(tmp_path / "job"), "language": "en",
                                           "baseline": "baseline", "alternative": "covid_2021_no_support"},
                               progress_bar=False)
    assert (tmp_path / "job" / "figures" / "forecast_paths.png").is_file()
