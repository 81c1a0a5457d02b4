"""Synthetic data generation: survey-mode time, census-mode time and peak memory per million
households, against the I/O floor (pyarrow writing an equal table) as the named peer.

Run: ``.venv/bin/python benchmarks/bench_synthetic.py`` (or ``make bench``). Each census run is
a fresh subprocess so that its peak memory is its own.
"""

from __future__ import annotations

import datetime as dt
import json
import platform
import subprocess
import sys
import time
from pathlib import Path
from tempfile import TemporaryDirectory

from records import comparison

ROOT = Path(__file__).resolve().parent.parent

CENSUS_CHILD = """
import json, resource, sys, time
import pandas as pd, pyarrow as pa, pyarrow.parquet as pq
from povmodel.synthetic import build_world
panel = pd.read_parquet(sys.argv[1])
t0 = time.perf_counter(); world = build_world(int(sys.argv[2]), panel); t_world = time.perf_counter() - t0
before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
r = world.census(sys.argv[3], provinces=[sys.argv[4]], chunk_households=int(sys.argv[5]))
peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
# peer: the I/O floor - read the census back and write it again with pyarrow
table = pq.read_table(sys.argv[3], partitioning="hive")
t1 = time.perf_counter(); pq.write_table(table, sys.argv[3] + "-copy.parquet"); t_io = time.perf_counter() - t1
print(json.dumps({"households": r.households, "seconds": r.seconds, "world_seconds": t_world,
                  "peak_mb": peak, "peak_before_mb": before, "io_floor_seconds": t_io}))
"""


def main() -> None:
    from povmodel import pipeline

    pipeline.ensure_data()
    panel_path = ROOT / "data" / "processed" / "regional_panel.parquet"
    seed = pipeline.default_seed()
    print(f"# synthetic data benchmark - {dt.date.today()} - {platform.processor() or platform.machine()}, "
          f"{__import__('os').cpu_count()} cores, Python {platform.python_version()}")

    import pandas as pd

    from povmodel.synthetic import build_world

    panel = pd.read_parquet(panel_path)
    t0 = time.perf_counter()
    world = build_world(seed, panel)
    t_world = time.perf_counter() - t0
    t0 = time.perf_counter()
    survey = world.survey()
    t_survey = time.perf_counter() - t0
    print(f"frame + calibration: {t_world:.1f} s; survey mode ({len(survey):,} household-rounds, "
          f"{survey['year'].nunique()} rounds): {t_survey:.1f} s")

    print("\n| province | households | generate (s) | s per million | peak RSS (MB) | I/O floor (s) | generate / I/O |")
    print("|---|---:|---:|---:|---:|---:|---:|")
    for code in ("12", "79"):  # Lai Châu (small), Hồ Chí Minh City (large)
        with TemporaryDirectory() as tmp:
            out = subprocess.run([sys.executable, "-c", CENSUS_CHILD, str(panel_path), str(seed), f"{tmp}/census",
                                  code, "250000"], capture_output=True, text=True, check=True)
            r = json.loads(out.stdout)
        per_million = r["seconds"] / r["households"] * 1e6
        print(f"| {code} | {r['households']:,} | {r['seconds']:.1f} | {per_million:.1f} | {r['peak_mb']:.0f} | "
              f"{r['io_floor_seconds']:.1f} | {r['seconds'] / r['io_floor_seconds']:.1f} |")
        comparison(f"census generation, province {code}, {r['households']:,} households", r["seconds"],
                   "I/O floor: pyarrow writing the same table", r["io_floor_seconds"])


if __name__ == "__main__":
    main()
