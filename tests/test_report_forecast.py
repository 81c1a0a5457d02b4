"""The forecast report: every section in both languages, numbers against the run's forecast
tables, the real/synthetic labelling, the backtest table, saved files and key figures."""

from __future__ import annotations

import json
import re

import pandas as pd
import pytest
from conftest import ROOT

from povmodel.reports.forecast_report import ForecastReport
from povmodel.reports.report_numbers import number

SECTIONS = ("title", "data_basis", "national_path", "regional_paths", "province_table", "standard_change",
            "targets", "target_map", "rank_uncertainty", "allocation", "backtests", "synthetic_banner")


@pytest.fixture(scope="module", params=["vi", "en"])
def built(request, report_run, tmp_path_factory):
    config, _ = report_run
    out = tmp_path_factory.mktemp(f"forecast_{request.param}")
    report = ForecastReport.from_parameters(config_path=str(config.source), run_id=config.results_id,
                                            output_dir=str(out), language=request.param)
    sections = {name: getattr(report, name)() for name in SECTIONS}
    return report, sections, {name: s._repr_html_() for name, s in sections.items()}, out


def test_every_section_renders(built):
    _, sections, html, out = built
    for name in SECTIONS:
        assert html[name].strip(), name
    for name in ("national_path", "regional_paths", "target_map"):
        assert sections[name].figures, name
    assert {p.name for p in (out / "figures").glob("*.png")} == {
        "forecast_national.png", "forecast_regions.png", "forecast_target_lights.png"}


def test_vietnamese_text(built):
    report, _, html, _ = built
    if report.language == "vi":
        assert "Dự báo nghèo" in html["title"] and "Kiểm định dự báo" in html["backtests"]
        assert "Trung du và miền núi phía Bắc" in html["province_table"]
        assert "xanh" in html["targets"]
    else:
        assert "Backtests" in html["backtests"] and "Northern Midlands" in html["province_table"]


def test_national_2025_and_key_figures(built, report_run):
    report, _, html, out = built
    outputs = report_run[1]
    first = str(outputs.cube["scenario"].values[0])
    cube = outputs.cube.sel(scenario=first, area="NATIONAL", year=2025)
    value = 100 * float(cube["forecast_poor_rate"])
    assert report.national_2025()["mean"] == pytest.approx(value)
    assert f"{number(value, report.language, 2)}%" in html["national_path"]
    figures = {f["key"]: f["value"] for f in json.loads((out / "key_figures.json").read_text(encoding="utf-8"))}
    assert set(figures) == {"forecast_kf_national", "forecast_kf_target"}
    low = 100 * float(cube["forecast_poor_rate_ci_low"])
    assert number(low, report.language, 2) in figures["forecast_kf_national"]
    targets = outputs.table("forecast_targets")
    p = targets[(targets["scenario"] == first) & (targets["area"] == "NATIONAL")
                & (targets["target"] == "poverty_rate_fall_min")]["probability"].iloc[0]
    assert figures["forecast_kf_target"].startswith(f"{number(100 * p, report.language, 0)}%")


def test_real_and_synthetic_are_said(built):
    report, _, html, _ = built
    word = "TỔNG HỢP" if report.language == "vi" else "SYNTHETIC"
    for name in ("data_basis", "province_table", "standard_change", "allocation", "rank_uncertainty"):
        assert word in html[name], name
    assert ("thật" if report.language == "vi" else "real") in html["data_basis"]
    assert "2016" in html["data_basis"]


def test_province_table_recomputed(built, report_run):
    report, sections, _, out = built
    paths = report_run[1].table("forecast_paths")
    last = paths[(paths["scenario"] == report.first) & (paths["area_level"] == "province")
                 & (paths["indicator"] == "poor_rate") & (paths["year"] == 2025)]
    table = sections["province_table"].tables[0]
    assert len(table) == 63
    top = last.sort_values("mean").iloc[-1]
    assert table.iloc[0, 0] == top["area_name"]
    saved = pd.read_csv(out / "tables" / "forecast_provinces.csv", encoding="utf-8-sig")
    assert saved.iloc[0, 3] == pytest.approx(top["mean"], abs=0.01)


def test_target_lights_counts(built, report_run):
    report, sections, _, _ = built
    t = report_run[1].table("forecast_targets")
    t = t[(t["scenario"] == report.first) & (t["area_level"] == "province") & (t["target"] == "poverty_rate_fall_min")]
    counts = sections["target_map"].tables[0].iloc[0]
    assert counts[report.t("forecast_col_green")] == (t["light"] == "green").sum()
    assert counts[report.t("forecast_col_red")] == (t["light"] == "red").sum()


def test_backtest_table_and_verdict(built, report_run):
    report, sections, html, _ = built
    summary = report_run[1].table("backtest_summary")
    table = sections["backtests"].tables[0]
    assert len(table) == len(summary)
    assert table[report.t("forecast_col_mae")].tolist() == [number(v, report.language, 2) for v in summary["mae_pp"]]
    gso = summary[summary["series"].str.startswith("GSO")]
    winners = gso[gso["beats_last_value"] & gso["beats_national_trend"] & ~gso["model"].isin(["last_value",
                                                                                             "national_trend"])]
    best = winners.sort_values("mae_pp").iloc[0]
    assert f"{report._model_name(best['model'])} (MAE {number(best['mae_pp'], report.language, 2)}" in html["backtests"]


def test_allocation_sums_to_the_budget(built, report_run):
    _, _, _, out = built
    saved = pd.read_csv(out / "tables" / "forecast_allocation.csv", encoding="utf-8-sig")
    budget = report_run[1].table("allocation")["budget"].iloc[0]
    assert len(saved) == 63
    for col in saved.columns[-3:]:
        assert saved[col].sum() == pytest.approx(budget, rel=1e-3)


def test_no_household_records(built):
    _, _, html, out = built
    assert "hh_id" not in "\n".join(html.values())
    for path in (out / "tables").glob("*.csv"):
        assert "hh_id" not in path.read_text(encoding="utf-8-sig").splitlines()[0]


@pytest.mark.report
def test_notebook_runs(report_run, tmp_path):
    import papermill

    config, _ = report_run
    out = tmp_path / "job"
    papermill.execute_notebook(str(ROOT / "notebooks" / "05_forecast.ipynb"), str(tmp_path / "out.ipynb"),
                               parameters={"config_path": str(config.source), "run_id": config.results_id,
                                           "output_dir": str(out), "language": "en"},
                               progress_bar=False, kernel_name="python3")
    executed = (tmp_path / "out.ipynb").read_text(encoding="utf-8")
    assert "Backtests" in executed and not re.search(r'"output_type": "error"', executed)
    assert json.loads((out / "key_figures.json").read_text(encoding="utf-8"))
