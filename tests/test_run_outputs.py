"""The run's published outputs: every figure present or explained (no silent NaN), and the same
config and seed giving byte-identical tables and identical cube values."""

from __future__ import annotations

import numpy as np
import pytest

from povmodel import pipeline
from povmodel.errors import PovmodelError
from povmodel.run_outputs import RunOutputs, check_published, run_dir


def test_published_outputs_have_no_unexplained_nan(report_run):
    _, outputs = report_run
    tables = {name: outputs.table(name) for name in outputs.names}
    check_published(tables, outputs.cube)
    suppressed = tables["risk_district"]["quality"].eq("suppressed")
    assert tables["risk_district"].loc[suppressed, "expected_share"].isna().all()


def test_a_missing_figure_is_an_error_naming_its_origin(report_run):
    _, outputs = report_run
    paths = outputs.table("forecast_paths").copy()
    paths.loc[7, "high"] = np.nan
    with pytest.raises(PovmodelError, match=r"table 'forecast_paths': NaN in high on 1 row\(s\) \(e\.g\. rows \[7\]\)"):
        check_published({"forecast_paths": paths})
    cube = outputs.cube.copy(deep=True)
    cube["fgt1"].loc[{"area": "62", "year": 2020}] = np.nan
    cube["fgt1"].loc[{"area": "NATIONAL", "year": 2020}] = np.nan
    with pytest.raises(PovmodelError, match=r"cube variable 'fgt1': NaN for 2 area\(s\) \(e\.g\. \['62', 'NATIONAL'\]\)"):
        check_published({}, cube)


@pytest.mark.slow
def test_same_config_and_seed_give_identical_outputs(report_run):
    config, before = report_run
    sums = {name: meta["sha256"] for name, meta in before.record["tables"].items()}
    cube_before = before.cube.load()
    pipeline.run(config, force=True)
    after = RunOutputs.open(config.results_id)
    assert {name: meta["sha256"] for name, meta in after.record["tables"].items()} == sums  # byte-identical
    assert after.cube.equals(cube_before)  # values and coordinates (attributes such as git_commit may differ)
    assert all(after.cube[v].attrs == cube_before[v].attrs for v in cube_before.data_vars)
    assert sorted(p.name for p in run_dir(config.results_id).glob("*.parquet")) == sorted(f"{n}.parquet" for n in sums)
