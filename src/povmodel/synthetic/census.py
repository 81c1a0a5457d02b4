"""Census mode: every household of the chosen provinces, generated commune by commune and
written as Parquet partitioned by province, with memory bounded by ``chunk_households``.

Each commune's households come from their own seeded stream, so the census is identical
whatever the chunk size, the order of provinces or the number of workers. The households are
**synthetic** (same process and calibration as the survey, independent draws).
"""

from __future__ import annotations

import resource
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from povmodel import admin
from povmodel.errors import PovmodelError
from povmodel.io import write_parquet
from povmodel.synthetic.calibrate import Calibration
from povmodel.synthetic.frame import STREAM_CENSUS_STATIC, STREAM_CENSUS_YEAR, Frame, rng_for
from povmodel.synthetic.model import Households, YearDraws, draw_households, draw_year, realise
from povmodel.synthetic.spec import REGIONS, SyntheticSpec
from povmodel.synthetic.tables import household_table


@dataclass
class CensusResult:
    """What a census run wrote and what it cost."""

    year: int
    households: int = 0
    files: list[Path] = field(default_factory=list)
    seconds: float = 0.0
    peak_memory_mb: float = 0.0
    by_province: dict[str, int] = field(default_factory=dict)


def _chunks(sizes: np.ndarray, limit: int) -> list[np.ndarray]:
    """Consecutive groups of units whose sizes add up to at most ``limit`` (a unit larger than
    ``limit`` forms a group of its own)."""
    groups, start, total = [], 0, 0
    for i, size in enumerate(sizes):
        if total and total + size > limit:
            groups.append(np.arange(start, i))
            start, total = i, 0
        total += size
    groups.append(np.arange(start, len(sizes)))
    return [g for g in groups if len(g)]


def census_chunk(communes: pd.DataFrame, frame: Frame, calibration: Calibration, spec: SyntheticSpec,
                 seed: int, year: int) -> pd.DataFrame:
    """Every household of ``communes`` (rows of ``frame.communes``) in ``year``."""
    region_of = np.array([REGIONS.index(r) for r in frame.provinces["region_code"]])
    parts, draws = [], []
    for i in range(len(communes)):
        one = communes.iloc[i : i + 1]
        n = int(one["households"].iloc[0])
        key = int(one["psu"].iloc[0])
        parts.append(draw_households(rng_for(seed, STREAM_CENSUS_STATIC, key), one, spec, region_of, np.array([n])))
        draws.append(draw_year(rng_for(seed, STREAM_CENSUS_YEAR, year, key), n, spec))
    h = Households.concat(parts)
    d = YearDraws(
        np.concatenate([x.transitory for x in draws]), np.concatenate([x.covid_uniform for x in draws]),
        np.concatenate([x.remittance_uniform for x in draws]),
        {s: np.concatenate([x.deprivation_normals[s] for x in draws]) for s in draws[0].deprivation_normals},
    )
    out = realise(h, year, calibration.mu[year], calibration.dep_offset[year], d, spec)
    counts = communes["households"].to_numpy()
    within = np.arange(len(h)) - np.repeat(np.cumsum(counts) - counts, counts)
    hh_id = np.char.add(np.char.add(h.psu.astype(str), "-"), np.char.zfill(within.astype(str), 6))
    stratum = np.char.add(np.asarray(admin.province_codes())[h.province_index], np.where(h.urban, "-U", "-R"))
    return household_table(h, out, d, year=year, hh_id=hh_id, province_codes=np.asarray(admin.province_codes()),
                           weight=np.ones(len(h)), stratum=stratum, panel_id=None, spec=spec)


def generate_census(frame: Frame, calibration: Calibration, spec: SyntheticSpec, seed: int, out_dir: str | Path,
                    *, year: int = 2019, provinces: Iterable[str] | None = None,
                    chunk_households: int = 500_000,
                    progress: Callable[[str], None] | None = None) -> CensusResult:
    """Write every household of ``provinces`` (default: all 63) in ``year`` to
    ``out_dir/province=<code>/part-<n>.parquet`` (hive partitioning: the province is in the
    folder name, not in the files; read back with :func:`read_census`, dask or pyarrow);
    returns counts, time and peak memory."""
    if year not in calibration.mu:
        raise PovmodelError(f"no calibration for {year}; calibrated years: {sorted(calibration.mu)}")
    say = progress or (lambda _line: None)
    codes = [admin.province_code(p) for p in provinces] if provinces else admin.province_codes()
    out = Path(out_dir)
    result = CensusResult(year)
    t0 = time.perf_counter()
    for code in codes:
        communes = frame.communes[frame.communes["province"] == code].reset_index(drop=True)
        written = 0
        for part, idx in enumerate(_chunks(communes["households"].to_numpy(), chunk_households)):
            table = census_chunk(communes.iloc[idx], frame, calibration, spec, seed, year)
            # hive layout: the folder name carries the province (see read_census)
            path = write_parquet(table.drop(columns="province"), out / f"province={code}" / f"part-{part:04d}.parquet")
            result.files.append(path)
            written += len(table)
            del table
        result.by_province[code] = written
        result.households += written
        say(f"census {year} province {code}: {written:,} households ({time.perf_counter() - t0:.1f} s)")
    result.seconds = time.perf_counter() - t0
    result.peak_memory_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    return result


def read_census(path: str | Path, *, provinces: Iterable[str] | None = None,
                columns: list[str] | None = None) -> pd.DataFrame:
    """Read a census written by :func:`generate_census` (optionally some provinces or columns),
    with ``province`` restored as a two-digit GSO code."""
    import pyarrow.dataset as ds

    dataset = ds.dataset(str(path), format="parquet", partitioning="hive")
    wanted = None
    if provinces is not None:
        codes = [int(admin.province_code(p)) for p in provinces]
        wanted = ds.field("province").isin(codes)
    cols = None if columns is None else [c for c in columns if c != "province"] + ["province"]
    df = dataset.to_table(filter=wanted, columns=cols).to_pandas()
    # format the few distinct codes, not every row (27 M rows: ~20 s per row, ~0.1 s this way)
    values, inverse = np.unique(df["province"].to_numpy(dtype=np.int64), return_inverse=True)
    df["province"] = np.array([f"{v:02d}" for v in values], dtype=object)[inverse.ravel()]
    return df
