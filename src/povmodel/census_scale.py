"""Census-scale paths, chunked by province, in this process or on dask (:mod:`povmodel.compute`).

A census lives on disk as Parquet partitioned by province (``<dir>/province=<code>/part-*.parquet``,
:func:`povmodel.synthetic.generate_census`). Every function here maps one task over the
provinces and merges the tasks' small results **in province order**, with every random stream
keyed by the province, never by the worker or the order of execution. So ``compute: local``
and ``compute: dask`` (any number of workers and threads) give bit-identical results for the
same seed.

- :func:`generate` writes the synthetic census (each commune has its own seeded stream);
- :func:`measure` classifies households and estimates rates, FGT and MPI by domain with Taylor
  standard errors from per-province sufficient statistics (:mod:`povmodel.measure.mergeable`;
  equal to :func:`povmodel.measure.estimate` on the whole census to rounding);
- :func:`simulate` runs a shock scenario on the census: two passes, the first gathering what is
  national (income deciles, the shock cells' logistic intercepts), the second running the draws
  province by province with streams ``default_rng([seed, draw, province])``;
- :func:`predict_ebp` predicts a fitted :class:`~povmodel.spatial.EBP` (CensusEB) over the
  census, each province's unit errors drawn from its own random-number rows.

Memory is bounded by the largest province (Hồ Chí Minh City, 2.4 M households) per worker,
plus the merged results.
"""

from __future__ import annotations

import time
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from types import SimpleNamespace

import numpy as np
import pandas as pd

from povmodel import admin
from povmodel.compute import compute_client, map_partitions, settings_from, worker_threads
from povmodel.config import ComputeSettings
from povmodel.errors import PovmodelError
from povmodel.measure.estimate import DEFAULT_MEASURES
from povmodel.measure.mergeable import finish, partial_estimate
from povmodel.measure.results import MeasureResults
from povmodel.synthetic.census import CensusResult, generate_census, read_census

__all__ = ["census_provinces", "generate", "measure", "predict_ebp", "simulate", "write_by_province"]

_MEASURE_COLUMNS = ("year", "urban", "weight", "hh_size", "income_pc", "stratum", "psu", "ethnic_minority")
_SHOCK_COLUMNS = ("year", "urban", "weight", "hh_size", "income_pc", "remittances_pc", "sector", "informal",
                  "ethnic_minority", "head_education_years", "n_workers", "panel_id")


def census_provinces(path: str | Path) -> list[str]:
    """Province codes present in a census folder (sorted)."""
    root = Path(path)
    codes = sorted(p.name.split("=", 1)[1] for p in root.glob("province=*") if p.is_dir())
    if not codes:
        raise PovmodelError(f"no census partitions (province=<code>/) under {root}")
    return [f"{int(c):02d}" for c in codes]


def _columns(path: str | Path, wanted: Iterable[str], prefixes: tuple[str, ...] = ()) -> list[str]:
    import pyarrow.dataset as ds

    names = ds.dataset(str(path), format="parquet", partitioning="hive").schema.names
    return [c for c in names if c in set(wanted) or c.startswith(prefixes)]


def _sizes(path: str | Path, codes: Sequence[str]) -> list[int]:
    """Bytes on disk per province (a cost hint for scheduling)."""
    return [sum(f.stat().st_size for f in (Path(path) / f"province={c}").glob("*.parquet")) for c in codes]


def _read(path, code: str, columns: list[str]) -> pd.DataFrame:
    return read_census(path, provinces=[code], columns=columns)


def _client_and_provinces(path, provinces):
    codes = census_provinces(path)
    if provinces is not None:
        wanted = [admin.province_code(p) for p in provinces]
        missing = sorted(set(wanted) - set(codes))
        if missing:
            raise PovmodelError(f"province(s) {missing} not in the census under {path}")
        codes = [c for c in codes if c in set(wanted)]
    return codes


def write_by_province(households: pd.DataFrame, out_dir: str | Path, *, chunk_households: int = 500_000) -> list[Path]:
    """Write a household table in the census layout (``out_dir/province=<code>/part-<n>.parquet``,
    the province in the folder name only), so that the functions here can run on it."""
    from povmodel.io import write_parquet

    if "province" not in households:
        raise PovmodelError("a household table written by province needs a 'province' column")
    out = Path(out_dir)
    files = []
    codes = households["province"].map(admin.province_code)
    for code, idx in sorted(pd.Series(np.arange(len(households))).groupby(codes.to_numpy()).indices.items()):
        part = households.iloc[idx].drop(columns="province")
        for k, start in enumerate(range(0, len(part), chunk_households)):
            files.append(write_parquet(part.iloc[start:start + chunk_households],
                                       out / f"province={code}" / f"part-{k:04d}.parquet"))
    return files


# ------------------------------------------------------------------------------ generation
def _generate_province(code: str, world, out_dir: str, year: int, chunk_households: int) -> CensusResult:
    return generate_census(world.frame, world.calibration, world.spec, world.seed, out_dir, year=year,
                           provinces=[code], chunk_households=chunk_households)


def generate(world, out_dir: str | Path, *, year: int = 2019, provinces: Iterable[str] | None = None,
             compute: ComputeSettings | dict | str | None = None, client=None) -> CensusResult:
    """Write the synthetic census of ``world`` (:class:`povmodel.synthetic.World`) to
    ``out_dir`` as Parquet partitioned by province, one task per province; identical files in
    every compute mode. ``client``: an open dask client (else one is opened for ``compute``)."""
    s = settings_from(compute)
    codes = [admin.province_code(p) for p in provinces] if provinces else admin.province_codes()
    sizes = world.frame.provinces.set_index("code")["households"].reindex(codes).to_numpy()
    t0 = time.perf_counter()
    with _maybe_client(s, client) as c:
        parts = map_partitions(_generate_province, codes, client=c, shared={"world": world}, cost=sizes,
                               out_dir=str(out_dir), year=year, chunk_households=s.chunk_households)
    result = CensusResult(year)
    for code, r in zip(codes, parts, strict=True):
        result.files.extend(r.files)
        result.by_province[code] = r.households
        result.households += r.households
        result.peak_memory_mb = max(result.peak_memory_mb, r.peak_memory_mb)
    result.seconds = time.perf_counter() - t0
    return result


class _maybe_client:
    """The caller's client, or one opened (and closed) for the settings."""

    def __init__(self, settings: ComputeSettings, client):
        self.settings, self.client, self._cm = settings, client, None

    def __enter__(self):
        if self.client is not None:
            return self.client
        self._cm = compute_client(self.settings)
        return self._cm.__enter__()

    def __exit__(self, *exc):
        if self._cm is not None:
            return self._cm.__exit__(*exc)
        return False


# ----------------------------------------------------------------------------- measurement
def _measure_province(code: str, path: str, columns: list[str], options: dict) -> list:
    df = _read(path, code, columns)
    return partial_estimate(df, **options)


def measure(path: str | Path, *, by: str | Sequence[str] = ("national", "province"), standard: str | None = None,
            year: int | None = None, unit: str = "household", measures: Sequence[str] = DEFAULT_MEASURES,
            provinces: Iterable[str] | None = None, line: float | None = None, min_n: int = 50,
            max_cv: float = 0.2, confidence: float = 0.95, singleton: str = "raise", weight: str = "weight",
            strata: str | None = "stratum", psu: str | None = "psu",
            compute: ComputeSettings | dict | str | None = None, client=None) -> MeasureResults:
    """Classification rates, FGT and MPI by domain of the census under ``path``, with Taylor
    standard errors from its design columns (arguments as in :func:`povmodel.measure.estimate`)."""
    s = settings_from(compute)
    codes = _client_and_provinces(path, provinces)
    wanted = set(_MEASURE_COLUMNS) | {c for c in (weight, strata, psu) if c} | ({"hh_id"} if psu is None else set())
    columns = _columns(path, wanted, prefixes=("dep_",))
    options = dict(by=list(by) if not isinstance(by, str) else by, standard=standard, year=year, unit=unit,
                   measures=list(measures), line=line, weight=weight, strata=strata, psu=psu)
    with _maybe_client(s, client) as c:
        parts = map_partitions(_measure_province, codes, client=c, cost=_sizes(path, codes), path=str(path),
                               columns=columns, options=options)
    return finish([p for part in parts for p in part], confidence=confidence, min_n=min_n, max_cv=max_cv,
                  singleton=singleton)


# ------------------------------------------------------------------------------------ shocks
def _shock_pass1(code: str, path: str, columns: list[str], specs: list) -> dict:
    from povmodel.shocks.prepare import prepare, shock_cell_weights

    df = _read(path, code, columns)
    prep = prepare(df, specs[0], decile_cuts=np.zeros(9))  # deciles unused here
    return {"income": prep.income, "person_weight": prep.weight * prep.size,
            "cells": [shock_cell_weights(prep, s.shock) for s in specs]}


def _shock_pass2(code: str, path: str, columns: list[str], specs: list, cuts: np.ndarray, alphas: list,
                 draws: int, seed: int) -> dict:
    from povmodel.shocks.prepare import prepare
    from povmodel.shocks.results import fixed_totals
    from povmodel.shocks.simulate import run_draws

    df = _read(path, code, columns)
    prep = prepare(df, specs[0], decile_cuts=cuts)
    del df
    plans, totals, pair = run_draws(prep, specs, draws=draws, seed=seed, workers=worker_threads(), stream=(int(code),),
                                    alphas=alphas)
    return {"totals": totals, "pair": pair, "fixed": fixed_totals(prep), "cell_codes": prep.cell_codes,
            "labels": prep.group_labels, "benefits": [[b for b in p.benefits] for p in plans],
            "names": [p.name for p in plans], "notes": prep.notes, "escaped": prep.escaped is not None,
            "year": prep.year, "standard": prep.standard}


@dataclass
class _Timing:
    pass1: float = 0.0
    pass2: float = 0.0
    merge: float = 0.0


def simulate(path: str | Path, scenario, *, draws: int = 100, seed: int, reform=None,
             provinces: Iterable[str] | None = None, compute: ComputeSettings | dict | str | None = None,
             client=None, timing: dict | None = None):
    """The shock microsimulation of ``scenario`` (and ``reform``, on common random numbers)
    on the census under ``path``; returns :class:`povmodel.shocks.SimulationResults`.

    The census year must be the scenario's ``baseline_round``. Income deciles are national
    (cut points from the whole census) and each labour shock cell's intercept is solved on the
    whole census, as :func:`povmodel.shocks.simulate` does on a survey; the draws of province
    ``p`` use ``default_rng([seed, d, p])``. ``timing`` (a dict) receives the seconds of each pass.
    """
    from povmodel.shocks import simulated_specs
    from povmodel.shocks.prepare import decile_cuts, solve_intercepts
    from povmodel.shocks.results import assemble

    s = settings_from(compute)
    specs = simulated_specs(scenario, reform)
    if draws < 1:
        raise PovmodelError(f"draws must be at least 1, got {draws}")
    codes = _client_and_provinces(path, provinces)
    columns = _columns(path, _SHOCK_COLUMNS, prefixes=("dep_",))
    cost = _sizes(path, codes)
    t = _Timing()
    with _maybe_client(s, client) as c:
        t0 = time.perf_counter()
        first = map_partitions(_shock_pass1, codes, client=c, cost=cost, path=str(path), columns=columns,
                               specs=specs)
        cuts = decile_cuts(np.concatenate([f["income"] for f in first]),
                           np.concatenate([f["person_weight"] for f in first]))
        alphas = [solve_intercepts([f["cells"][k] for f in first], sp.shock) for k, sp in enumerate(specs)]
        del first
        t.pass1 = time.perf_counter() - t0
        t0 = time.perf_counter()
        parts = map_partitions(_shock_pass2, codes, client=c, cost=cost, path=str(path), columns=columns,
                               specs=specs, cuts=cuts, alphas=alphas, draws=draws, seed=seed)
        t.pass2 = time.perf_counter() - t0
    t0 = time.perf_counter()
    p0 = parts[0]
    n_rows = max(x["totals"].shape[2] for x in parts)
    totals = np.concatenate([np.pad(x["totals"], ((0, 0), (0, 0), (0, n_rows - x["totals"].shape[2]), (0, 0)))
                             for x in parts], axis=-1)
    pair = None if p0["pair"] is None else np.concatenate([x["pair"] for x in parts], axis=-1)
    fixed = {k: np.concatenate([x["fixed"][k] for x in parts]) for k in p0["fixed"]}
    merged = SimpleNamespace(
        group_labels=p0["labels"], cell_codes={g: np.concatenate([x["cell_codes"][g] for x in parts])
                                               for g in p0["cell_codes"]},
        escaped=True if all(x["escaped"] for x in parts) else None, year=p0["year"], standard=p0["standard"],
        notes=list(dict.fromkeys(n for x in parts for n in x["notes"])))
    plans = [SimpleNamespace(name=n, benefits=b) for n, b in zip(p0["names"], p0["benefits"], strict=True)]
    result = assemble(merged, plans, totals, pair, draws=draws, seed=seed, fixed=fixed)
    t.merge = time.perf_counter() - t0
    if timing is not None:
        timing.update(pass1=t.pass1, pass2=t.pass2, merge=t.merge)
    return result


# ---------------------------------------------------------------------------------------- EBP
def _ebp_province(code: str, path: str, columns: list[str], model, entropy: int, jobs: list, area: str,
                  weight, hh_size, aggregate_to):
    df = _read(path, code, columns)
    return model.predict_partition(df, area=area, partition=int(code), entropy=entropy, jobs=jobs, weight=weight,
                                   hh_size=hh_size, aggregate_to=aggregate_to,
                                   workers=worker_threads())


def predict_ebp(model, path: str | Path, *, area: str, weight: str | None = None, hh_size: str | None = None,
                aggregate_to: str | Mapping | pd.Series | None = None, benchmark: Mapping | None = None,
                provinces: Iterable[str] | None = None, compute: ComputeSettings | dict | str | None = None,
                client=None):
    """CensusEB prediction of a fitted :class:`~povmodel.spatial.EBP` over the census under
    ``path``, one task per province (areas may be provinces or areas nested in them); returns
    :class:`~povmodel.spatial.ebp.EBPResult`. Province ``p``'s unit errors come from
    random-number rows ``p * 2**40 + i``, so the result does not depend on the compute mode."""
    s = settings_from(compute)
    t0 = time.perf_counter()
    codes = _client_and_provinces(path, provinces)
    entropy, jobs = model.prediction_jobs()
    enc = model.encoding_
    wanted = {area, *enc.covariates} | {c for c in (weight, hh_size) if c}
    if isinstance(model.line, str):
        wanted.add(model.line)
    if isinstance(aggregate_to, str):
        wanted.add(aggregate_to)
    columns = [c for c in _columns(path, wanted) if c != "province"]
    with _maybe_client(s, client) as c:
        parts = map_partitions(_ebp_province, codes, client=c, cost=_sizes(path, codes),
                               shared={"model": model, "jobs": jobs}, path=str(path), columns=columns,
                               entropy=entropy, area=area, weight=weight, hh_size=hh_size,
                               aggregate_to=aggregate_to if isinstance(aggregate_to, str) else None)
    return model.combine_partitions(parts, entropy=entropy, jobs=jobs, aggregate_to=aggregate_to,
                                    benchmark=benchmark, seconds=time.perf_counter() - t0)
