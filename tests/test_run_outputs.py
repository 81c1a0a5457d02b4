"""The run's published outputs: every figure present or explained (no silent NaN), and the same
config and seed giving byte-identical tables and identical cube values."""

from __future__ import annotations

import shutil

import numpy as np
import pytest
import xarray as xr

from povmodel import cube as cube_module
from povmodel import pipeline
from povmodel.errors import PovmodelError
from povmodel.paths import processed_dir
from povmodel.reports.brief import ProvinceBrief
from povmodel.run_outputs import RunOutputs, check_published, is_fresh, run_dir


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


@pytest.mark.slow
def test_a_large_cube_is_built_as_zarr_and_read_by_the_reports(report_run, monkeypatch, tmp_path):
    config, small = report_run
    config = config.model_copy(update={"draws": config.draws + 1})  # its own results_id, the same survey
    monkeypatch.setattr(cube_module, "ZARR_MIN_BYTES", 0)  # every cube counts as large
    store = processed_dir() / "cubes" / f"{config.results_id}.zarr"
    try:
        path = pipeline.run(config, force=True)
        outputs = RunOutputs.open(config.results_id)
        assert path == store and path.is_dir() and outputs.record["cube"] == str(path)
        assert not path.with_suffix(".nc").exists()
        assert is_fresh(config.results_id, pipeline.run_inputs_digest(config))
        assert pipeline.run(config, force=False) == path  # up to date: the Zarr store is reused
        xr.testing.assert_equal(outputs.cube["poor_rate"], small.cube["poor_rate"])  # survey estimates
        brief = ProvinceBrief.from_parameters(config_path=str(config.source),
                                              run_id=config.results_id, output_dir=str(tmp_path), language="en",
                                              province="62")
        assert brief.title().heading.startswith("Kon Tum")
        key_figures = brief.key_figures_table().tables[0]  # read from the Zarr cube
        assert len(key_figures) >= 3 and "–" not in key_figures.iloc[0].astype(str).tolist()
        chunk = next(f for f in (path / "poor_rate").iterdir() if not f.name.startswith("."))
        chunk.write_bytes(chunk.read_bytes() + b"x")  # a damaged store is not fresh
        assert not is_fresh(config.results_id, pipeline.run_inputs_digest(config))
    finally:
        shutil.rmtree(run_dir(config.results_id), ignore_errors=True)
        shutil.rmtree(store, ignore_errors=True)
