"""The results cube: build, check, save/open, accessor; `povmodel run`."""

from __future__ import annotations

import numpy as np
import pytest
import xarray as xr
from conftest import ROOT, run_cli

from povmodel import measure, pipeline
from povmodel.cube import ZARR_MIN_BYTES, check_cube, cube_suffix, from_tidy, open_cube, save_cube
from povmodel.errors import DataValidationError
from povmodel.io import sha256_path

ATTRS = {"config_hash": "x" * 64, "povmodel_version": "0", "seed": 1, "raw_data_sha256": "y" * 64, "run_id": "t",
         "synthetic": True}


@pytest.fixture(scope="module")
def cube(processed):
    survey = pipeline.load_synthetic_survey()
    tidy = measure.estimate(survey[survey["year"].isin([2020, 2022])], by=["national", "region", "province"],
                            measures=["poor_rate", "fgt1"]).to_frame()
    return from_tidy(tidy, attrs=ATTRS), tidy


def test_layout(cube):
    ds, tidy = cube
    assert dict(ds.sizes) == {"scenario": 1, "area": 70, "year": 2}
    assert list(ds["standard"].values) == ["2016-2020", "2022-2025"]
    assert ds["poor_rate"].attrs["units"] == "fraction of households"
    row = tidy[(tidy["domain"] == "79") & (tidy["year"] == 2022) & (tidy["measure"] == "poor_rate")].iloc[0]
    assert float(ds["poor_rate"].sel(scenario="baseline", area="79", year=2022)) == row["estimate"]
    assert float(ds["poor_rate_se"].sel(scenario="baseline", area="79", year=2022)) == row["se"]


def test_round_trip(cube, tmp_path):
    ds, _ = cube
    path = save_cube(ds, tmp_path / "c.nc")
    back = open_cube(path)
    xr.testing.assert_identical(back, ds)
    assert back.attrs["synthetic"] == "true"


def test_zarr_round_trip_replaces_atomically_and_reads_lazily(cube, tmp_path):
    ds, _ = cube
    path = save_cube(ds, tmp_path / "c.zarr")
    assert path.is_dir() and (path / ".zmetadata").is_file()
    xr.testing.assert_identical(open_cube(path), ds)
    lazy = open_cube(path, lazy=True)
    assert lazy["poor_rate"].chunks is not None  # still on disk, read chunk by chunk
    xr.testing.assert_identical(lazy.load(), ds)
    before = sha256_path(path)
    changed = ds.copy()
    changed["fgt1"] = changed["fgt1"] / 2
    changed["fgt1"].attrs = ds["fgt1"].attrs
    save_cube(changed, path)  # over the old store
    assert sha256_path(path) != before
    xr.testing.assert_identical(open_cube(path), changed)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["c.zarr"]  # no temporary or old store left
    bad = changed.copy()
    bad["fgt1"] = bad["fgt1"] + 5
    bad["fgt1"].attrs = ds["fgt1"].attrs
    with pytest.raises(DataValidationError, match="outside"):
        save_cube(bad, path)
    xr.testing.assert_identical(open_cube(path), changed)  # a refused cube leaves the store as it was


def test_large_cubes_go_to_zarr(cube, tmp_path):
    ds, _ = cube
    assert cube_suffix(ds) == ".nc" and ds.nbytes < ZARR_MIN_BYTES
    assert cube_suffix(ds, zarr_min_bytes=ds.nbytes) == ".zarr"
    big = xr.concat([ds.assign_coords(scenario=[f"s{i}"]) for i in range(3)], dim="scenario")
    path = save_cube(big, tmp_path / "big.zarr")
    chunks = open_cube(path, lazy=True)["poor_rate"].chunks
    assert chunks[0] == (1, 1, 1)  # one scenario per chunk
    with pytest.raises(DataValidationError, match=r"\.nc or \.zarr"):
        save_cube(ds, tmp_path / "c.h5")


def test_bad_zarr_stores_are_clear_errors(cube, tmp_path):
    ds, _ = cube
    with pytest.raises(DataValidationError, match="not found"):
        open_cube(tmp_path / "missing.zarr")
    (tmp_path / "empty.zarr").mkdir()
    with pytest.raises(DataValidationError, match="not a readable zarr cube"):
        open_cube(tmp_path / "empty.zarr")
    path = save_cube(ds, tmp_path / "c.zarr")
    (path / ".zmetadata").write_text("{not json")
    with pytest.raises(DataValidationError, match="not a readable zarr cube"):
        open_cube(path)


def test_accessor(cube):
    ds, tidy = cube
    frame = ds.pov.to_frame()
    assert len(frame) == len(tidy)
    assert set(ds.pov.measures()) == {"poor_rate", "fgt1"}
    import geopandas as gpd

    from povmodel.datasets import load_boundaries

    gdf = ds.pov.to_geodataframe(load_boundaries("province"), measure="poor_rate", year=2022)
    assert isinstance(gdf, gpd.GeoDataFrame) and len(gdf) == 63 and gdf["estimate"].notna().all()
    two = xr.concat([ds, ds.assign_coords(scenario=["shock"]) + 0], dim="scenario")
    diff = two.pov.compare(baseline="baseline")
    assert float(abs(diff["poor_rate"]).max()) == 0.0


def test_check_rejects_bad_cubes(cube, tmp_path):
    ds, _ = cube
    bad = ds.copy()
    bad["poor_rate"] = bad["poor_rate"] + 2
    bad["poor_rate"].attrs = ds["poor_rate"].attrs
    bad.attrs = {k: v for k, v in ds.attrs.items() if k != "seed"}
    with pytest.raises(DataValidationError) as info:
        check_cube(bad)
    text = str(info.value)
    assert "seed" in text and "poor_rate" in text and "outside [0, 1]" in text
    with pytest.raises(DataValidationError, match="not found"):
        open_cube(tmp_path / "missing.nc")
    (tmp_path / "junk.nc").write_bytes(b"not netcdf")
    with pytest.raises(DataValidationError, match="not a readable"):
        open_cube(tmp_path / "junk.nc")
    assert not list(tmp_path.glob(".*tmp*"))


def test_run_cli_writes_the_cube(processed):
    res = run_cli("run", str(ROOT / "configs" / "default.yaml"))
    assert res.returncode == 0, res.stderr
    path = res.stdout.strip().splitlines()[-1].split("results cube: ")[1].split(" (")[0]
    ds = open_cube(path)
    assert ds.attrs["synthetic"] == "true" and ds.attrs["seed"] == 20211
    national = ds["poor_rate"].sel(scenario="baseline", area="NATIONAL")
    assert abs(float(national.sel(year=2020)) - 0.0275) < 0.003
    assert np.isfinite(ds["poor_rate"].sel(scenario="baseline", year=2022).values).all()


def test_shock_results_join_the_cube_as_scenarios(cube, tmp_path):
    from povmodel.config import load_scenario
    from povmodel.cube import add_simulation
    from povmodel.shocks import simulate

    ds, _ = cube
    survey = pipeline.load_synthetic_survey()
    spec = load_scenario(ROOT / "configs" / "scenarios" / "covid_2021_delta.yaml")
    results = simulate(survey, spec, draws=3, seed=1)
    merged = add_simulation(ds, results)
    assert list(merged["scenario"].values) == ["baseline", "covid_2021_delta"]
    assert sorted(int(y) for y in merged["year"].values) == [2020, 2021, 2022]
    assert list(merged["standard"].values) == ["2016-2020", "2016-2020", "2022-2025"]
    newly = merged["shock_newly_poor_households"].sel(scenario="covid_2021_delta", year=2021)
    assert float(newly.sel(area="NATIONAL")) == pytest.approx(results.value("newly_poor_households"))
    assert float(newly.sel(area="79")) > 0
    # measurement variables stay with the baseline; the saved cube passes the checks
    assert np.isnan(merged["poor_rate"].sel(scenario="covid_2021_delta")).all()
    assert merged.attrs["run_id"] == "t"
    open_cube(save_cube(merged, tmp_path / "c.nc"))


def test_forecasts_join_the_cube_coherently(cube, tmp_path):
    from povmodel.cube import add_forecast
    from povmodel.forecast.planning import forecast_paths

    ds, _ = cube
    survey = pipeline.load_synthetic_survey()
    paths = forecast_paths(None, households=survey, origin=2020, draws=60, seed=3, synthetic=True).paths
    merged = add_forecast(ds, paths, scenario="baseline", origin=2020)
    assert sorted(int(y) for y in merged["year"].values) == [2020, 2021, 2022, 2023, 2024, 2025]
    assert list(merged["standard"].values[-3:]) == ["2022-2025"] * 3
    rate = merged["forecast_poor_rate"].sel(scenario="baseline", year=[2021, 2022, 2023, 2024, 2025])
    assert np.isfinite(rate.values).all() and ((rate >= 0) & (rate <= 1)).all()
    low = merged["forecast_poor_rate_ci_low"].sel(scenario="baseline", year=2025)
    high = merged["forecast_poor_rate_ci_high"].sel(scenario="baseline", year=2025)
    assert (low <= rate.sel(year=2025) + 1e-12).all() and (rate.sel(year=2025) <= high + 1e-12).all()
    # the nation lies within its provinces' range (provinces are reconciled to it, counts add up)
    provinces = rate.sel(area=[a for a in rate["area"].values if len(str(a)) == 2 and str(a).isdigit()])
    national = rate.sel(area="NATIONAL")
    assert ((provinces.min("area") <= national) & (national <= provinces.max("area"))).all()
    assert merged["poor_rate"].sel(scenario="baseline", year=2020).notnull().all()
    open_cube(save_cube(merged, tmp_path / "f.nc"))
