"""Crash safety of report runs: a run killed at a random point completes when run again, reusing
what it had finished and leaving no corrupt or temporary file; two runs started at once on the
same folder do not corrupt each other (the run folder's lock serialises them)."""

from __future__ import annotations

import json
import os
import random
import signal
import subprocess
import sys
import time

import pytest
from conftest import ROOT, SMALL_REPORT_CONFIG

pytestmark = [pytest.mark.report, pytest.mark.slow]
BRIEFS = ["01", "02", "04", "06", "08", "10"]


def config_file(tmp_path, name):
    path = tmp_path / f"{name}.yaml"
    codes = ", ".join(f"'{c}'" for c in BRIEFS)
    path.write_text(f"extends: {SMALL_REPORT_CONFIG}\nname: {name}\noutput_dir: {tmp_path / 'reports'}\n"
                    f"reports: [overview, province_brief]\nreport_settings:\n  briefs: [{codes}]\n", encoding="utf-8")
    return path


def povmodel_report(path, *extra):
    return subprocess.Popen([sys.executable, "-m", "povmodel.cli", "report", str(path), "--jobs", "2", "--quiet",
                             *extra], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, cwd=ROOT,
                            env={**os.environ, "POVMODEL_ROOT": str(ROOT)}, start_new_session=True)


def check_complete(run_dir, expected: int) -> dict:
    manifest = json.loads((run_dir / "manifest.json").read_text(encoding="utf-8"))
    assert manifest["status"] == "ok" and manifest["finished"]
    statuses = {r["name"]: r["status"] for r in manifest["reports"]}
    assert len(statuses) == expected and set(statuses.values()) <= {"ok", "cached"}
    for name in statuses:
        assert "</html>" in (run_dir / f"{name}.html").read_text(encoding="utf-8")
        json.loads((run_dir / f"{name}.ipynb").read_text(encoding="utf-8"))  # a whole notebook
    assert not [p for p in run_dir.rglob(".*.tmp*")]
    return statuses


def test_killed_run_completes_when_run_again(tmp_path, report_run):
    path = config_file(tmp_path, "crash")
    run_dir = tmp_path / "reports"
    first = povmodel_report(path)
    time.sleep(random.Random(20211).uniform(8, 16))  # somewhere in the batch of 7 notebooks
    os.killpg(first.pid, signal.SIGKILL)  # the runner, its workers and their kernels at once
    first.wait()
    again = povmodel_report(path)
    out, err = again.communicate(timeout=600)
    assert again.returncode == 0, err
    (folder,) = [p for p in run_dir.iterdir() if p.is_dir()]
    statuses = check_complete(folder, 1 + len(BRIEFS))
    print(f"after the kill: {sorted(statuses.items())}")


def test_two_runs_at_once_do_not_corrupt_each_other(tmp_path, report_run):
    path = config_file(tmp_path, "twice")
    runs = [povmodel_report(path, "--force"), povmodel_report(path, "--force")]
    results = [r.communicate(timeout=900) for r in runs]
    assert [r.returncode for r in runs] == [0, 0], [e for _, e in results]
    assert any("waiting" in out for out, _ in results)  # one waited for the other's lock
    (folder,) = [p for p in (tmp_path / "reports").iterdir() if p.is_dir()]
    check_complete(folder, 1 + len(BRIEFS))
