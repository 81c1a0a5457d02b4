"""The full batch of 63 province briefs with one deliberately broken: the other 62 complete, the
failure is listed in the summary, the manifest and the index."""

from __future__ import annotations

import json

import pytest
from conftest import ROOT, SMALL_REPORT_CONFIG

from povmodel import admin
from povmodel.config import load_config
from povmodel.reports import catalogue
from povmodel.reports.runner import run_reports

pytestmark = [pytest.mark.report, pytest.mark.slow]
BROKEN = "62"


def test_one_broken_brief_leaves_the_other_62_complete(tmp_path, monkeypatch, report_run):
    nb = json.loads((ROOT / "notebooks" / "06_province_brief.ipynb").read_text(encoding="utf-8"))
    nb["cells"].append({"id": "break-one", "cell_type": "code", "execution_count": None, "metadata": {}, "outputs": [],
                        "source": f"assert province != '{BROKEN}', 'deliberately broken brief'"})
    broken = tmp_path / "06_province_brief_broken.ipynb"
    broken.write_text(json.dumps(nb), encoding="utf-8")
    spec = catalogue.REPORTS["province_brief"]
    monkeypatch.setitem(catalogue.REPORTS, "province_brief",
                        catalogue.ReportSpec(spec.name, str(broken), spec.parameters, spec.title_en, spec.title_vi))
    cfg = tmp_path / "batch.yaml"
    cfg.write_text(f"extends: {SMALL_REPORT_CONFIG}\nname: batch\noutput_dir: {tmp_path / 'reports'}\n"
                   "reports: [province_brief]\nreport_settings:\n  briefs: all\n", encoding="utf-8")
    result = run_reports(load_config(cfg), jobs=2, progress_bar=False)
    status = {r.name: r.status for r in result.reports}
    assert len(status) == 63
    assert [r.name for r in result.failed] == [f"province_brief_{BROKEN}"]
    assert "deliberately broken brief" in result.failed[0].error
    for code in admin.province_codes():
        if code != BROKEN:
            assert status[f"province_brief_{code}"] == "ok"
            assert "</html>" in (result.run_dir / f"province_brief_{code}.html").read_text(encoding="utf-8")
    summary = "\n".join(result.summary_lines())
    assert f"province_brief_{BROKEN}  failed" in summary and "deliberately broken brief" in summary
    index = (result.run_dir / "index.html").read_text(encoding="utf-8")
    assert "1 report(s) failed" in index
    print(f"63 briefs with 2 workers: {result.seconds:.0f} s")
