"""The re-poverty risk report: every section in both languages, numbers against the run's
tables, flags for unreliable and suppressed areas, saved files, and no household records."""

from __future__ import annotations

import json
import re

import pandas as pd
import pytest
from conftest import ROOT

from povmodel.reports.report_numbers import number, percent
from povmodel.reports.risk_report import RiskReport

SECTIONS = ("title", "models", "validation", "province_map", "district_map", "priority_provinces",
            "priority_districts", "synthetic_banner", "provenance")


@pytest.fixture(scope="module", params=["vi", "en"])
def built(request, report_run, tmp_path_factory):
    config, _ = report_run
    out = tmp_path_factory.mktemp(f"risk_{request.param}")
    report = RiskReport.from_parameters(config_path=str(config.source), run_id=config.results_id, output_dir=str(out),
                                        language=request.param, top=12)
    sections = {name: getattr(report, name)() for name in SECTIONS}
    return report, sections, {name: s._repr_html_() for name, s in sections.items()}, out


def test_every_section_renders(built):
    _, sections, html, _ = built
    for name in SECTIONS:
        assert html[name].strip(), name
    assert sections["province_map"].figures and sections["district_map"].figures
    assert "SYNTHETIC" in html["synthetic_banner"] or "TỔNG HỢP" in html["synthetic_banner"]


def test_vietnamese_text(built):
    report, _, html, _ = built
    if report.language == "vi":
        assert "Nguy cơ tái nghèo" in html["title"]
        assert "Hồi quy logistic" in html["validation"] and "kém tin cậy" in html["district_map"]
        assert "Tỉnh/thành phố" in html["priority_provinces"]
    else:
        assert "Re-poverty" in html["title"] and "Gradient boosting" in html["validation"]


def test_national_households_at_risk_recomputed(built, report_run):
    report, _, html, out = built
    _, outputs = report_run
    prov = outputs.table("risk_province")
    prov = prov[prov["quality"] != "suppressed"]
    total = prov["households_at_risk"].sum()
    share = total / prov["households_scored"].sum()
    assert report.national_at_risk() == pytest.approx((total, share))
    assert number(round(total, -2), report.language, 0) in html["province_map"]
    figures = json.loads((out / "key_figures.json").read_text(encoding="utf-8"))
    assert {f["key"] for f in figures} == {"risk_kf_households", "risk_kf_top"}
    top = prov.sort_values("expected_share").iloc[-1]
    assert any(top["name"] in f["value"] and percent(top["expected_share"], report.language, 1) in f["value"]
               for f in figures)


def test_validation_table_matches_metrics(built, report_run):
    report, sections, _, _ = built
    metrics = report_run[1].table("risk_metrics")
    table = sections["validation"].tables[0]
    assert len(table) == len(metrics)
    auc = table[report.t("risk_col_auc")].tolist()
    assert auc == [number(v, report.language, 3) for v in metrics["auc"]]
    vep = metrics[(metrics["split"] == "out_of_province") & (metrics["model"] == "vep")].iloc[0]
    assert number(vep["ece"], report.language, 3) in " ".join(sections["validation"].paragraphs)


def test_priority_lists_rank_and_flag(built, report_run):
    report, sections, _, out = built
    dist = report_run[1].table("risk_district")
    expected = dist[dist["quality"] != "suppressed"].nlargest(12, "expected_share")
    table = sections["priority_districts"].tables[0]
    assert len(table) == 12
    assert table[report.t("risk_col_district")].tolist() == expected["name"].tolist()
    assert table[report.t("risk_col_rank")].tolist() == list(range(1, 13))
    flags = table[report.t("risk_col_quality")].tolist()
    assert flags == [report.t(f"risk_quality_{q}") for q in expected["quality"]]
    assert report.t("risk_quality_unreliable") in flags
    suppressed = set(dist.loc[dist["quality"] == "suppressed", "name"])
    assert suppressed and not suppressed & set(table[report.t("risk_col_district")])
    for level in ("provinces", "districts"):
        saved = pd.read_csv(out / "tables" / f"risk_priority_{level}.csv", encoding="utf-8-sig")
        assert len(saved) == 12
        assert (out / "tables" / f"risk_priority_{level}.xlsx").stat().st_size > 0


def test_unreliable_provinces_named_on_the_map(built, report_run):
    report, _, html, _ = built
    prov = report_run[1].table("risk_province")
    for name in prov.loc[prov["quality"] == "unreliable", "name"]:
        assert name in html["province_map"]


def test_no_household_records(built):
    _, _, html, out = built
    text = "\n".join(html.values())
    assert "hh_id" not in text and "psu" not in text.lower().split()
    for path in (out / "tables").glob("*.csv"):
        header = path.read_text(encoding="utf-8-sig").splitlines()[0]
        assert "hh_id" not in header and "psu" not in header


def test_number_formatting():
    assert number(1234567.891, "en", 1) == "1,234,567.9"
    assert number(1234567.891, "vi", 1) == "1.234.567,9"
    assert percent(0.0523, "vi", 1) == "5,2%" and percent(float("nan"), "en") == "–"


@pytest.mark.report
def test_notebook_runs(report_run, tmp_path):
    import papermill

    config, _ = report_run
    out = tmp_path / "job"
    papermill.execute_notebook(str(ROOT / "notebooks" / "03_risk.ipynb"), str(tmp_path / "out.ipynb"),
                               parameters={"config_path": str(config.source), "run_id": config.results_id,
                                           "output_dir": str(out), "language": "vi", "top": 5},
                               progress_bar=False, kernel_name="python3")
    executed = (tmp_path / "out.ipynb").read_text(encoding="utf-8")
    assert "Danh sách ưu tiên" in executed and not re.search(r'"output_type": "error"', executed)
    assert (out / "figures" / "risk_province_map.png").is_file()
