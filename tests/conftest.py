"""Shared fixtures. Tests run against the real files in data/raw."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
os.environ.setdefault("POVMODEL_ROOT", str(ROOT))


@pytest.fixture(scope="session")
def root() -> Path:
    return ROOT


@pytest.fixture(scope="session")
def processed(tmp_path_factory):
    """data/processed built once per session (reused if already current)."""
    from povmodel import datasets

    datasets.ensure_built()
    return ROOT / "data" / "processed"


def run_cli(*args: str, cwd: Path | None = None, env: dict | None = None) -> subprocess.CompletedProcess:
    """Run the ``povmodel`` command in a subprocess."""
    return subprocess.run(
        [sys.executable, "-m", "povmodel.cli", *args], capture_output=True, text=True,
        cwd=cwd or ROOT, env={**os.environ, **(env or {})}, timeout=600,
    )


SMALL_REPORT_CONFIG = ROOT / "tests" / "configs" / "reports_small.yaml"


@pytest.fixture(scope="session")
def report_run():
    """The light report config and its run outputs (results cube and tables), built once per
    session and reused across sessions while code, config and data are unchanged."""
    from povmodel import pipeline
    from povmodel.config import load_config
    from povmodel.run_outputs import RunOutputs

    config = load_config(SMALL_REPORT_CONFIG)
    pipeline.run(config, force=False)
    return config, RunOutputs.open(config.results_id)
