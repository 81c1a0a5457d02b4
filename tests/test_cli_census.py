"""The census-scale paths from the command line: a census folder is generated, measured and
shocked province by province; dask options are checked before anything runs."""

from __future__ import annotations

import json

import pytest
from conftest import run_cli


@pytest.fixture(scope="module")
def census(tmp_path_factory):
    out = tmp_path_factory.mktemp("census") / "c"
    res = run_cli("data", "census", "--province", "62", "--year", "2018", "--out", str(out))
    assert res.returncode == 0, res.stderr
    return out


def test_a_census_folder_is_measured_by_province(census):
    res = run_cli("measure", str(census), "--by", "province", "--measures", "poor_rate", "--json")
    assert res.returncode == 0, res.stderr
    rows = {r["domain"]: r for r in json.loads(res.stdout)}
    assert 0 < rows["62"]["estimate"] < 1 and rows["62"]["se"] > 0 and rows["62"]["n"] > 100_000
    assert "hh_id" not in res.stdout


def test_a_census_folder_is_shocked(census):
    res = run_cli("simulate", "--scenario", "configs/scenarios/covid_2020_wave1.yaml", "--census", str(census),
                  "--draws", "3", "--json")
    assert res.returncode == 0, res.stderr
    out = json.loads(res.stdout)
    assert out["draws"] == 3 and out["national"]["newly_poor_households"]["mean"] > 0


def test_dask_options_without_dask_are_refused(census):
    res = run_cli("measure", str(census), "--dask-workers", "2")
    assert res.returncode == 2 and "only apply with mode: dask" in res.stderr and "Traceback" not in res.stderr
