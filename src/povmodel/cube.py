"""The results cube: every area-level result of a run in one ``xarray.Dataset``.

Dimensions ``scenario``, ``area`` (GSO province codes, region codes, ``NATIONAL``) and ``year``;
for each measure four variables: ``<measure>`` (estimate), ``<measure>_se``,
``<measure>_ci_low``, ``<measure>_ci_high``, plus ``<measure>_n`` (sample households). Units
and descriptions are variable attributes; provenance (config hash, package version, data
checksums, seed) is in the dataset attributes. Geometry is joined only when asked
(``ds.pov.to_geodataframe(boundaries)``).
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import xarray as xr

from povmodel import admin
from povmodel.errors import DataValidationError, Problem
from povmodel.io import atomic_directory, atomic_path

REQUIRED_ATTRS = ("config_hash", "povmodel_version", "seed", "raw_data_sha256", "run_id")
STATISTICS = ("", "_se", "_ci_low", "_ci_high", "_n")
RATE_UNITS = {"household": "fraction of households", "person": "fraction of persons"}


def area_index() -> pd.DataFrame:
    """Areas of the cube, in order: NATIONAL, the six regions, the 63 provinces."""
    regions = admin.regions()
    provinces = admin.provinces()
    return pd.DataFrame({
        "area": ["NATIONAL", *regions["region_code"], *provinces["code"]],
        "area_level": ["national"] + ["region"] * len(regions) + ["province"] * len(provinces),
        "area_name": ["Việt Nam", *regions["region_name_vi"], *provinces["name"]],
    })


def from_tidy(tidy: pd.DataFrame, *, scenario: str = "baseline", attrs: dict | None = None) -> xr.Dataset:
    """A cube from tidy measurement results (``povmodel.measure`` tables)."""
    areas = area_index()
    years = sorted(int(y) for y in tidy["year"].unique())
    coords = {"scenario": [scenario], "area": areas["area"].to_numpy(), "year": years,
              "area_level": ("area", areas["area_level"].to_numpy()),
              "area_name": ("area", areas["area_name"].to_numpy())}
    standards = tidy.drop_duplicates("year").set_index("year")["standard"].reindex(years)
    coords["standard"] = ("year", standards.to_numpy().astype(str))
    data_vars = {}
    for measure, part in tidy.groupby("measure", sort=True):
        unit = part["unit"].iloc[0]
        for stat, column in zip(STATISTICS, ("estimate", "se", "ci_low", "ci_high", "n"), strict=True):
            wide = part.pivot_table(index="domain", columns="year", values=column, aggfunc="first")
            wide = wide.reindex(index=areas["area"], columns=years)
            values = wide.to_numpy(dtype=float)[None, :, :]
            var_attrs = {"units": "sample households" if stat == "_n" else (
                "VND/person/month" if measure == "mean_income" else RATE_UNITS.get(unit, unit)),
                "measure": measure, "statistic": stat.lstrip("_") or "estimate"}
            data_vars[f"{measure}{stat}"] = (("scenario", "area", "year"), values, var_attrs)
    ds = xr.Dataset(data_vars, coords=coords)
    ds.attrs.update({k: _netcdf_attr(v) for k, v in (attrs or {}).items()})
    return ds


#: Shock microsimulation metrics kept in the cube (``shock_<metric>``) and their units.
SHOCK_METRICS = {
    "poor_rate_scenario": "fraction of households", "poor_rate_change": "change in fraction of households",
    "newly_poor_households": "households", "newly_poor_people": "persons", "repoor_households": "households",
    "near_poor_to_poor_households": "households", "fgt0_change": "change in fraction of persons",
    "fgt1_change": "change in poverty gap index", "fgt2_change": "change in squared poverty gap index",
    "income_loss_vnd": "VND/year", "transfer_cost_vnd": "VND/year", "offset_share": "ratio",
}
_SHOCK_STATS = {"": "mean", "_ci_low": "low", "_ci_high": "high"}


def add_simulation(ds: xr.Dataset, results) -> xr.Dataset:
    """The cube with the shock microsimulation ``results`` added along the ``scenario``
    dimension (variables ``shock_<metric>``, ``_ci_low`` and ``_ci_high``: Monte Carlo mean and
    95% interval of the mean) for the nation, regions and provinces in the scenario year."""
    areas = area_index()
    level = {"national": "national", "region": "region", "province": "province"}
    table = results.table[results.table["grouping"].isin(level)]
    data_vars = {}
    for metric, unit in SHOCK_METRICS.items():
        part = table[table["metric"] == metric]
        for suffix, column in _SHOCK_STATS.items():
            wide = part.pivot_table(index="group", columns="scenario", values=column, aggfunc="first", dropna=False)
            wide = wide.reindex(index=areas["area"], columns=results.scenarios)
            values = wide.to_numpy(dtype=float).T[:, :, None]
            data_vars[f"shock_{metric}{suffix}"] = (("scenario", "area", "year"), values, {
                "units": unit, "measure": f"shock_{metric}", "statistic": column if suffix else "estimate",
                "draws": results.draws, "seed": results.seed,
                "note": "shock microsimulation (povmodel.shocks): Monte Carlo mean and 95% interval of the mean"})
    coords = {"scenario": results.scenarios, "area": areas["area"].to_numpy(), "year": [results.year],
              "area_level": ("area", areas["area_level"].to_numpy()),
              "area_name": ("area", areas["area_name"].to_numpy()), "standard": ("year", [results.standard])}
    shock = xr.Dataset(data_vars, coords=coords)
    merged = xr.merge([ds, shock], join="outer", compat="no_conflicts", combine_attrs="override")
    return merged


#: Forecast indicators kept in the cube (``forecast_<indicator>``).
FORECAST_INDICATORS = ("poor_rate", "near_poor_rate")


def add_forecast(ds: xr.Dataset, paths: pd.DataFrame, *, scenario: str, origin: int) -> xr.Dataset:
    """The cube with forecast paths (:func:`povmodel.forecast.planning.forecast_paths`) added for
    ``scenario``: variables ``forecast_<indicator>``, ``_ci_low``, ``_ci_high`` (fractions; the
    standard of the forecast in the variable attributes) in the forecast years after ``origin``."""
    from povmodel.standards import standard_snapshot

    areas = area_index()
    rows = paths[(paths["kind"] == "forecast") & paths["indicator"].isin(FORECAST_INDICATORS)]
    years = sorted(int(y) for y in rows["year"].unique())
    data_vars = {}
    for indicator, part in rows.groupby("indicator"):
        standard = str(part["standard"].iloc[0])
        for suffix, column in (("", "mean"), ("_ci_low", "low"), ("_ci_high", "high")):
            wide = part.pivot_table(index="area", columns="year", values=column, aggfunc="first")
            values = wide.reindex(index=areas["area"], columns=years).to_numpy(dtype=float)[None] / 100
            data_vars[f"forecast_{indicator}{suffix}"] = (("scenario", "area", "year"), values, {
                "units": "fraction of households", "measure": f"forecast_{indicator}",
                "statistic": column if suffix else "estimate", "standard": standard, "origin": origin,
                "synthetic": "true" if bool(part["synthetic"].any()) else "false",
                "note": "forecast (povmodel.forecast): mean of simulated paths and 95% interval"})
    forecast = xr.Dataset(data_vars, coords={"scenario": [scenario], "area": areas["area"].to_numpy(),
                                             "year": years})
    base = ds.drop_vars("standard") if "standard" in ds.coords else ds
    merged = xr.merge([base, forecast], join="outer", compat="no_conflicts", combine_attrs="override")
    known = dict(zip(ds["year"].values.tolist(), ds["standard"].values.tolist(), strict=True)) \
        if "standard" in ds.coords else {}
    labels = [known.get(int(y)) or str(standard_snapshot(int(y)).standard) for y in merged["year"].values]
    return merged.assign_coords(standard=("year", labels))


def _netcdf_attr(value):
    """NetCDF attributes hold text and numbers only: booleans become "true"/"false", mappings JSON."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, dict | list):
        return json.dumps(value, ensure_ascii=False)
    return value


def check_cube(ds: xr.Dataset, *, source: str | None = None) -> xr.Dataset:
    """Check dimensions, ranges and attributes; every problem in one error."""
    problems = []
    for dim in ("scenario", "area", "year"):
        if dim not in ds.dims:
            problems.append(Problem("dimension missing", file=source, location=dim))
    for key in REQUIRED_ATTRS:
        if key not in ds.attrs:
            problems.append(Problem("provenance attribute missing", file=source, location=key))
    for name, var in ds.data_vars.items():
        values = var.to_numpy()
        stat = var.attrs.get("statistic", "")
        if stat in ("se", "n") and np.any(values[np.isfinite(values)] < 0):
            problems.append(Problem("negative values", file=source, location=name))
        if var.attrs.get("units", "").startswith("fraction") and stat != "se":
            finite = values[np.isfinite(values)]
            if np.any((finite < 0) | (finite > 1)):
                problems.append(Problem("rate outside [0, 1]", file=source, location=name,
                                        rows=int(np.sum((finite < 0) | (finite > 1)))))
    if problems:
        raise DataValidationError(problems, title="invalid results cube")
    return ds


#: Cubes at least this large in memory are stored as Zarr rather than NetCDF (:func:`cube_suffix`).
ZARR_MIN_BYTES = 256 * 2**20
#: File suffix -> storage format of a cube.
CUBE_FORMATS = {".nc": "netcdf", ".zarr": "zarr"}
#: Chunks of a Zarr cube are about this many values (8 MB of float64).
_ZARR_CHUNK_VALUES = 1_000_000


def cube_suffix(ds: xr.Dataset, *, zarr_min_bytes: int | None = None) -> str:
    """``".zarr"`` for a cube of at least ``zarr_min_bytes`` (default :data:`ZARR_MIN_BYTES`) in
    memory, else ``".nc"``.

    A province cube is well under a megabyte and stays one NetCDF file; a cube with many
    scenarios, years or small areas (districts, communes) goes to a chunked, compressed Zarr
    store, which readers open lazily and read a slice (one scenario, some areas) at a time.
    """
    threshold = ZARR_MIN_BYTES if zarr_min_bytes is None else zarr_min_bytes
    return ".zarr" if ds.nbytes >= threshold else ".nc"


def _cube_format(path: str | Path) -> str:
    fmt = CUBE_FORMATS.get(Path(path).suffix.lower())
    if fmt is None:
        raise DataValidationError(Problem(f"a results cube is a {' or '.join(CUBE_FORMATS)} path, not "
                                          f"{Path(path).suffix or 'no suffix'}", file=str(path)))
    return fmt


def _zarr_encoding(ds: xr.Dataset) -> dict:
    """Chunks of one scenario by a block of areas by every year, about 8 MB each."""
    encoding = {}
    for name, var in ds.data_vars.items():
        chunks = []
        for dim, size in var.sizes.items():
            if dim == "scenario":
                chunks.append(1)
            elif dim == "area":
                per_area = int(np.prod([n for d, n in var.sizes.items() if d not in ("scenario", "area")]))
                chunks.append(max(1, min(size, _ZARR_CHUNK_VALUES // max(per_area, 1))))
            else:
                chunks.append(size)
        encoding[name] = {"chunks": tuple(chunks)}
    return encoding


def save_cube(ds: xr.Dataset, path: str | Path) -> Path:
    """Check and write a cube atomically: NetCDF (h5netcdf engine) for a ``.nc`` path, a Zarr
    store (format 2, consolidated metadata, chunked by :func:`_zarr_encoding`) for ``.zarr``.

    Zarr format 2 because format 3 has no specified data type yet for the cube's fixed-length
    text coordinates (zarr-python warns that other readers may not read them)."""
    check_cube(ds, source=str(path))
    if _cube_format(path) == "netcdf":
        with atomic_path(path) as tmp:
            ds.to_netcdf(tmp, engine="h5netcdf")
    else:
        with atomic_directory(path) as tmp:
            ds.to_zarr(tmp, mode="w", zarr_format=2, consolidated=True, encoding=_zarr_encoding(ds))
    return Path(path)


def open_cube(path: str | Path, *, lazy: bool = False) -> xr.Dataset:
    """Open and check a cube written by :func:`save_cube` (NetCDF or Zarr, by suffix).

    The cube is loaded into memory unless ``lazy`` (a Zarr cube then stays on disk, read chunk
    by chunk as it is used; the range checks of :func:`check_cube` read it once)."""
    fmt = _cube_format(path)
    if not Path(path).exists():
        raise DataValidationError(Problem("results cube not found", file=str(path)))
    try:
        if fmt == "netcdf":
            with xr.open_dataset(path, engine="h5netcdf") as ds:
                loaded = ds.load()
        else:
            opened = xr.open_zarr(path, consolidated=True)
            loaded = opened if lazy else opened.load()
    except (OSError, ValueError, KeyError, TypeError) as exc:
        raise DataValidationError(Problem(f"not a readable {fmt} cube: {exc}", file=str(path))) from None
    return check_cube(loaded, source=str(path))


@xr.register_dataset_accessor("pov")
class PovAccessor:
    """``ds.pov``: tidy views and comparisons of a results cube."""

    def __init__(self, ds: xr.Dataset):
        self._ds = ds

    def measures(self) -> list[str]:
        """Measures in the cube."""
        return sorted({v.attrs["measure"] for v in self._ds.data_vars.values() if "measure" in v.attrs})

    def to_frame(self) -> pd.DataFrame:
        """Tidy table: scenario, area, area_level, area_name, year, standard, measure, estimate,
        se, ci_low, ci_high, n (rows without an estimate are left out)."""
        frames = []
        for measure in self.measures():
            cols = {s.lstrip("_") or "estimate": self._ds[f"{measure}{s}"] for s in STATISTICS
                    if f"{measure}{s}" in self._ds}
            df = xr.Dataset(cols).to_dataframe().reset_index()
            df.insert(df.columns.get_loc("year") + 1, "measure", measure)
            frames.append(df[df["estimate"].notna()])
        return pd.concat(frames, ignore_index=True) if frames else pd.DataFrame()

    def to_geodataframe(self, boundaries, *, measure: str, year: int, scenario: str | None = None):
        """One measure for one year joined to boundaries (a GeoDataFrame with a ``code`` column)."""
        scenario = scenario or str(self._ds["scenario"].values[0])
        sel = self._ds.sel(scenario=scenario, year=year)
        values = pd.DataFrame({s.lstrip("_") or "estimate": sel[f"{measure}{s}"].to_series()
                               for s in STATISTICS if f"{measure}{s}" in sel})
        return boundaries.merge(values, left_on="code", right_index=True, how="left")

    def compare(self, baseline: str = "baseline") -> xr.Dataset:
        """Every scenario's estimates minus the baseline scenario's (same areas and years)."""
        estimates = [name for name, v in self._ds.data_vars.items() if v.attrs.get("statistic") == "estimate"]
        ds = self._ds[estimates]
        return ds - ds.sel(scenario=baseline)
