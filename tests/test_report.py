"""The overview report runs end to end through papermill (a few seconds per execution)."""

from __future__ import annotations

import json
import re

import pytest
from conftest import ROOT, run_cli

from povmodel.config import load_config
from povmodel.reports import catalogue
from povmodel.reports.runner import run_reports

pytestmark = pytest.mark.report


def make_config(tmp_path, name="t", extra=""):
    path = tmp_path / f"{name}.yaml"
    path.write_text(f"extends: {ROOT / 'configs' / 'default.yaml'}\nname: {name}\n"
                    f"output_dir: {tmp_path / 'reports'}\n{extra}", encoding="utf-8")
    return path


@pytest.fixture(scope="module")
def english_run(tmp_path_factory, processed):
    tmp = tmp_path_factory.mktemp("report")
    config = load_config(make_config(tmp))
    return config, run_reports(config)


def test_overview_report_is_complete(english_run):
    config, result = english_run
    assert [r.status for r in result.reports] == ["ok"]
    run_dir = result.run_dir
    assert run_dir.name == config.run_id
    html = (run_dir / "overview.html").read_text(encoding="utf-8")
    assert len(re.findall(r'src="data:image/png;base64,', html)) == 2  # the map and the series
    assert "Poor-household rate by province" in html
    assert "4.03%" in html  # MOLISA 2022, a published figure
    assert "Hồ Chí Minh" in html  # diacritics intact (no 2016 value: flagged on the map)
    assert "from povmodel" not in html  # exported without code
    assert "poverty.indicators" in html  # uncertain parameters are shown
    table = (run_dir / "tables" / "province_poverty_gso.csv").read_text(encoding="utf-8").splitlines()
    assert len(table) == 1 + 62
    assert (run_dir / "figures" / "province_poverty_map.png").stat().st_size > 20_000


def test_manifest_and_index(english_run):
    config, result = english_run
    manifest = json.loads((result.run_dir / "manifest.json").read_text(encoding="utf-8"))
    for key in ("config_hash", "povmodel_version", "seed", "raw_data_sha256", "git_commit", "started",
                "finished", "processed_data", "code_sha256"):
        assert key in manifest
    assert manifest["config_hash"] == config.config_hash and manifest["seed"] == config.seed
    assert manifest["reports"][0]["status"] == "ok"
    index = (result.run_dir / "index.html").read_text(encoding="utf-8")
    assert 'href="overview.html"' in index


def test_unchanged_report_is_not_rerun_unless_forced(english_run):
    config, _ = english_run
    again = run_reports(config)
    assert [r.status for r in again.reports] == ["cached"]


def test_vietnamese_report(tmp_path, processed):
    config = load_config(make_config(tmp_path, "vi", "language: vi\n"))
    result = run_reports(config)
    html = (result.run_dir / "overview.html").read_text(encoding="utf-8")
    assert "Tỷ lệ hộ nghèo theo tỉnh" in html and "Nguồn dữ liệu" in html
    assert "Poor-household rate by province" not in html


def test_failing_report_is_kept_as_log_and_listed(tmp_path, processed, monkeypatch):
    broken = tmp_path / "broken.ipynb"
    nb = json.loads((ROOT / "notebooks" / "01_overview.ipynb").read_text(encoding="utf-8"))
    nb["cells"].append({"id": "broken-cell", "cell_type": "code", "execution_count": None, "metadata": {}, "outputs": [],
                        "source": "report.no_such_section()"})
    broken.write_text(json.dumps(nb), encoding="utf-8")
    spec = catalogue.ReportSpec("overview", str(broken), catalogue.OverviewParameters, "Broken", "Hỏng")
    monkeypatch.setitem(catalogue.REPORTS, "overview", spec)
    config = load_config(make_config(tmp_path, "broken"))
    result = run_reports(config)
    assert [r.status for r in result.failed] == ["failed"]
    assert "AttributeError" in result.failed[0].error
    executed = (result.run_dir / "overview.ipynb").read_text(encoding="utf-8")
    assert "no_such_section" in executed  # the executed notebook with the error is the log
    manifest = json.loads((result.run_dir / "manifest.json").read_text(encoding="utf-8"))
    assert manifest["status"] == "failed"


def test_report_cli_rejects_bad_config_before_any_kernel(tmp_path):
    bad = make_config(tmp_path, "bad", "provinces: [Ha Nio]\n")
    res = run_cli("report", str(bad))
    assert res.returncode == 2 and "did you mean Hà Nội" in res.stderr and "Traceback" not in res.stderr
    assert not (tmp_path / "reports").exists()
