"""The report runner end to end: parameters checked before any kernel, parallel jobs, caching,
failure isolation (a failing notebook, a dead kernel, a hang), manifest and index."""

from __future__ import annotations

import json
import time

import pytest
from conftest import ROOT, SMALL_REPORT_CONFIG, run_cli

from povmodel.config import load_config
from povmodel.errors import ConfigError
from povmodel.reports import catalogue
from povmodel.reports.runner import run_reports

pytestmark = pytest.mark.report


def make_config(tmp_path, name="t", extra=""):
    """A config extending the light report config, writing into ``tmp_path``: it shares the
    light config's results (same results_id), so no cube is rebuilt."""
    path = tmp_path / f"{name}.yaml"
    path.write_text(f"extends: {SMALL_REPORT_CONFIG}\nname: {name}\noutput_dir: {tmp_path / 'reports'}\n{extra}",
                    encoding="utf-8")
    return path


def notebook_with(tmp_path, source: str, name: str) -> str:
    """A copy of the overview notebook's parameters cell followed by one cell of ``source``."""
    nb = json.loads((ROOT / "notebooks" / "01_overview.ipynb").read_text(encoding="utf-8"))
    nb["cells"] = [c for c in nb["cells"] if "parameters" in c["metadata"].get("tags", [])]
    nb["cells"].append({"id": "test-cell", "cell_type": "code", "execution_count": None, "metadata": {},
                        "outputs": [], "source": source})
    path = tmp_path / f"{name}.ipynb"
    path.write_text(json.dumps(nb), encoding="utf-8")
    return str(path)


@pytest.fixture(scope="module")
def small_run(tmp_path_factory, report_run):
    tmp = tmp_path_factory.mktemp("report")
    config = load_config(make_config(tmp, extra="reports: [overview, province_brief]\n"))
    return config, run_reports(config, jobs=2, progress_bar=False)


def test_jobs_run_in_parallel_into_their_own_folders(small_run):
    config, result = small_run
    assert config.results_id == load_config(SMALL_REPORT_CONFIG).results_id  # presentation only: shared results
    assert [(r.name, r.status) for r in result.reports] == [
        ("overview", "ok"), ("province_brief_01", "ok"), ("province_brief_62", "ok")]
    run_dir = result.run_dir
    assert run_dir.name == config.run_id
    for r in result.reports:
        html = (run_dir / f"{r.name}.html").read_text(encoding="utf-8")
        assert "data:image/png;base64," in html and "from povmodel" not in html  # figures, no code
        assert (run_dir / r.name / "key_figures.json").is_file()
    overview = (run_dir / "overview.html").read_text(encoding="utf-8")
    assert "4.03%" in overview and "Hồ Chí Minh" in overview  # a published figure; diacritics intact
    assert (run_dir / "overview" / "figures" / "province_poverty_map.png").stat().st_size > 20_000
    assert "Hà Nội" in (run_dir / "province_brief_01.html").read_text(encoding="utf-8")
    assert "Kon Tum" in (run_dir / "province_brief_62.html").read_text(encoding="utf-8")
    assert not list(run_dir.rglob("*.tmp.*"))  # no half-written file left


def test_manifest_and_index(small_run):
    config, result = small_run
    manifest = json.loads((result.run_dir / "manifest.json").read_text(encoding="utf-8"))
    for key in ("config_hash", "povmodel_version", "seed", "raw_data_sha256", "git_commit", "started",
                "finished", "processed_data", "code_sha256", "results_cube_sha256", "run_tables"):
        assert key in manifest, key
    assert manifest["config_hash"] == config.config_hash and manifest["seed"] == config.seed
    assert manifest["status"] == "ok" and {r["status"] for r in manifest["reports"]} == {"ok"}
    index = (result.run_dir / "index.html").read_text(encoding="utf-8")
    for r in result.reports:
        assert f'href="{r.name}.html"' in index
    assert "Province briefs" in index and "SYNTHETIC" in index
    key = json.loads((result.run_dir / "overview" / "key_figures.json").read_text(encoding="utf-8"))
    assert key[0]["value"] in index  # key figures shown next to the link


def test_unchanged_reports_are_not_rerun_unless_forced(small_run):
    config, _ = small_run
    t0 = time.perf_counter()
    again = run_reports(config, jobs=2, progress_bar=False)
    assert [r.status for r in again.reports] == ["cached"] * 3
    assert time.perf_counter() - t0 < 5
    forced = run_reports(config, only=["overview"], force=True, jobs=1, progress_bar=False)
    assert [r.status for r in forced.reports] == ["ok"]


def test_province_option_selects_briefs(small_run):
    config, _ = small_run
    jobs = catalogue.plan_jobs(config, "/tmp/x", only=["province_brief"], provinces=["Kon Tum", "79"])
    assert [j.name for j in jobs] == ["province_brief_62", "province_brief_79"]
    assert all(j.params["output_dir"] == f"/tmp/x/{j.name}" for j in jobs)


def test_bad_province_or_scenario_fails_before_any_kernel(tmp_path):
    config = load_config(make_config(tmp_path))
    t0 = time.perf_counter()
    with pytest.raises(ConfigError, match="99"):
        run_reports(config, provinces=["99"])
    assert time.perf_counter() - t0 < 1 and not (tmp_path / "reports").exists()
    bad = make_config(tmp_path, "bad", "report_settings:\n  comparisons:\n    - {baseline: baseline, alternative: covid_2021_delts}\n")
    with pytest.raises(ConfigError, match="did you mean 'covid_2021_delta'"):
        load_config(bad)


def test_report_cli_rejects_bad_input_before_any_kernel(tmp_path):
    res = run_cli("report", str(make_config(tmp_path)), "--province", "Ha Nio")
    assert res.returncode == 2 and "Hà Nội" in res.stderr and "Traceback" not in res.stderr
    bad = make_config(tmp_path, "bad", "report_settings:\n  briefs: ['01', '99']\n")
    res = run_cli("report", str(bad))
    assert res.returncode == 2 and "'99'" in res.stderr and "Traceback" not in res.stderr
    assert not (tmp_path / "reports").exists()


def test_failures_are_isolated_and_listed(tmp_path, monkeypatch, report_run):
    """A failing notebook, a kernel that dies and a cell that hangs past the timeout each fail
    their own job only; the executed notebooks are kept as logs; the CLI exits 1."""
    broken = {
        "overview": notebook_with(tmp_path, "raise RuntimeError('deliberately broken')", "raises"),
        "profile": notebook_with(tmp_path, "import os\nos._exit(1)", "dies"),
        "risk": notebook_with(tmp_path, "import time\ntime.sleep(120)", "hangs"),
    }
    for name, path in broken.items():
        spec = catalogue.REPORTS[name]
        # an absolute notebook path replaces notebooks/<file> (Path("/nb") / "/tmp/x" is "/tmp/x")
        monkeypatch.setitem(catalogue.REPORTS, name, catalogue.ReportSpec(name, path, spec.parameters, "x", "x"))
    config = load_config(make_config(tmp_path, "broken", "report_timeout_s: 5\n"))
    t0 = time.perf_counter()
    result = run_reports(config, only=["overview", "profile", "risk", "province_brief"], provinces=["01"], jobs=2,
                         progress_bar=False)
    assert time.perf_counter() - t0 < 120
    status = {r.name: r.status for r in result.reports}
    assert status == {"overview": "failed", "profile": "failed", "risk": "failed", "province_brief_01": "ok"}
    errors = {r.name: r.error for r in result.reports}
    assert "deliberately broken" in errors["overview"]
    assert "Dead" in errors["profile"] or "died" in errors["profile"]
    assert "Timeout" in errors["risk"] or "timed out" in errors["risk"]
    assert "deliberately broken" in (result.run_dir / "overview.ipynb").read_text(encoding="utf-8")  # the log
    manifest = json.loads((result.run_dir / "manifest.json").read_text(encoding="utf-8"))
    assert manifest["status"] == "failed"
    assert "3 report(s) failed" in (result.run_dir / "index.html").read_text(encoding="utf-8")
    again = run_reports(config, only=["overview", "province_brief"], provinces=["01"], jobs=1, progress_bar=False)
    assert {r.name: r.status for r in again.reports} == {"overview": "failed", "province_brief_01": "cached"}


def test_a_reused_kernel_starts_each_notebook_empty_in_its_own_folder(tmp_path, monkeypatch, report_run):
    """With one worker, both notebooks run in the same kernel, one after the other: the second
    sees none of the first's variables and works in its own folder."""
    first = notebook_with(tmp_path, "leak_marker = 42\nimport os\nfirst_cwd = os.getcwd()", "first")
    second = notebook_with(tmp_path, "import os\nassert 'leak_marker' not in globals(), 'state leaked'\n"
                                     "assert os.getcwd().endswith('/profile'), os.getcwd()", "second")
    for name, path in (("overview", first), ("profile", second)):
        spec = catalogue.REPORTS[name]
        monkeypatch.setitem(catalogue.REPORTS, name, catalogue.ReportSpec(name, path, spec.parameters, "x", "x"))
    config = load_config(make_config(tmp_path, "reuse"))
    result = run_reports(config, only=["overview", "profile"], jobs=1, progress_bar=False)
    assert {r.name: (r.status, r.error) for r in result.reports} == {"overview": ("ok", None), "profile": ("ok", None)}
