"""Scaling of the census-scale paths (``povmodel.census_scale``): time and peak memory at about
1 M, 5 M and 27 M SYNTHETIC census households for generation, measurement by province (with
Taylor standard errors) and one shock scenario with 50 draws, in this process (``local``) and on
a dask LocalCluster of 2 worker processes; and the cost of the shock scenario against draws.

Run: ``.venv/bin/python benchmarks/bench_scale.py [--max-households 5000000] [--draws 50]``.
Every figure is a fresh subprocess, so its peak memory (``VmHWM``) is its own; with dask the
peak is the client's plus each worker's (a sum of peaks: an upper bound of the peak total).
The cluster's start is not in the times (it is printed apart). Targets (issue 10): the full
census measured by province in < 60 s and < 12 GB; one 50-draw shock scenario in < 5 minutes.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import shutil
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
from records import comparison, target

ROOT = Path(__file__).resolve().parent.parent
YEAR = 2018  # the COVID scenario's baseline round
SCENARIO = ROOT / "configs" / "scenarios" / "covid_2020_wave1.yaml"
MEASURES = ["poor_rate", "near_poor_rate", "fgt0", "fgt1", "fgt2", "mpi_h", "mpi_a", "mpi_m0"]

CHILD = r"""
import json, sys, time
if __name__ == "__main__":
    opts = json.loads(sys.argv[1])
    from povmodel import census_scale
    from povmodel.compute import compute_client, peak_memory_mb
    compute = {"mode": "local"} if opts["mode"] == "local" else {"mode": "dask", "workers": opts["workers"],
                                                                   "memory_limit": "10GB"}
    t0 = time.perf_counter()
    with compute_client(compute) as client:
        if client is not None:
            client.run(lambda: __import__("povmodel.census_scale"))
        start = time.perf_counter() - t0
        extra = {}
        t0 = time.perf_counter()
        if opts["stage"] == "generate":
            import pandas as pd
            from povmodel import pipeline
            from povmodel.paths import processed_dir
            from povmodel.synthetic import build_world
            world = build_world(pipeline.default_seed(), pd.read_parquet(processed_dir() / "regional_panel.parquet"))
            t0 = time.perf_counter()
            r = census_scale.generate(world, opts["path"], year=opts["year"], provinces=opts["provinces"], client=client)
            extra["households"] = r.households
        elif opts["stage"] == "measure":
            r = census_scale.measure(opts["path"], by=["national", "region", "province"], measures=opts["measures"],
                                     provinces=opts["provinces"], singleton="certainty", client=client)
            t = r.table
            extra["rows"] = len(t)
            extra["national_poor_rate"] = float(t[(t.by == "national") & (t.measure == "poor_rate")].estimate.iloc[0])
            extra["province_se_median"] = float(t[(t.by == "province") & (t.measure == "poor_rate")].se.median())
        else:
            from povmodel.config import load_scenario
            timing = {}
            r = census_scale.simulate(opts["path"], load_scenario(opts["scenario"]), draws=opts["draws"], seed=1,
                                      provinces=opts["provinces"], client=client, timing=timing)
            extra.update(timing)
            extra["newly_poor"] = r.value("newly_poor_households")
        seconds = time.perf_counter() - t0
        peaks = peak_memory_mb(client)
    print(json.dumps({"seconds": seconds, "start": start, "peak_mb": sum(peaks.values()),
                      "client_peak_mb": peaks["client"], **extra}))
"""


def run(stage: str, mode: str, path: Path, provinces, **kw) -> dict:
    opts = {"stage": stage, "mode": mode, "workers": kw.pop("workers", 2), "path": str(path), "provinces": provinces,
            "year": YEAR, "measures": MEASURES, "scenario": str(SCENARIO), **kw}
    before = os.times()
    out = subprocess.run([sys.executable, "-c", CHILD, json.dumps(opts)], capture_output=True, text=True, cwd=ROOT)
    after = os.times()
    if out.returncode:
        raise RuntimeError(f"{stage}/{mode} failed:\n{out.stderr[-3000:]}")
    r = json.loads(out.stdout.strip().splitlines()[-1])
    r["child_cpu"] = (after.children_user - before.children_user) + (after.children_system - before.children_system)
    return r


def subsets(households: int, sizes) -> list[str]:
    """Provinces (largest first among those that fit) adding up to about ``households`` households."""
    chosen, total = [], 0
    for code, n in sorted(sizes.items(), key=lambda kv: -kv[1]):
        if total + n <= households * 1.02:
            chosen.append(code)
            total += n
    return sorted(chosen)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--max-households", type=float, default=30e6, help="stop after the sizes up to this")
    ap.add_argument("--draws", type=int, default=50)
    ap.add_argument("--workdir", default=str(ROOT / "data" / "processed" / "bench_scale"))
    ap.add_argument("--skip-local-27m", action="store_true", help="27 M: dask only (saves ~5 minutes)")
    args = ap.parse_args()
    import pandas as pd

    from povmodel import pipeline
    from povmodel.synthetic import build_world

    pipeline.ensure_data()
    world = build_world(pipeline.default_seed(),
                        pd.read_parquet(ROOT / "data" / "processed" / "regional_panel.parquet"))
    sizes = world.frame.provinces.set_index("code")["households"].to_dict()
    total = sum(sizes.values())
    print(f"# census-scale benchmark - {time.strftime('%Y-%m-%d')} - {platform.machine()}, {os.cpu_count()} cores, "
          f"Python {platform.python_version()}; SYNTHETIC census {YEAR}; {args.draws} draws")
    work = Path(args.workdir)
    shutil.rmtree(work, ignore_errors=True)
    rows = []
    for label, wanted in (("1 M", 1_000_000), ("5 M", 5_000_000), ("27 M", total)):
        if wanted > args.max_households:
            break
        provs = sorted(sizes) if wanted == total else subsets(wanted, sizes)
        n = sum(sizes[c] for c in provs)
        path = work / label.replace(" ", "")
        modes = ["dask"] if (wanted == total and args.skip_local_27m) else ["dask", "local"]
        for mode in modes:  # dask first: it writes the census the other stages read
            target_path = path if mode == "dask" else work / (label.replace(" ", "") + "-local")
            g = run("generate", mode, target_path, provs)
            if mode == "local":
                shutil.rmtree(target_path, ignore_errors=True)  # the same files as the dask run's
            rows.append((label, n, mode, "generate", g))
            print(f"{label} {mode} generate: {g['seconds']:.1f} s, peak {g['peak_mb']:.0f} MB", flush=True)
        for mode in modes:
            m = run("measure", mode, path, provs)
            rows.append((label, n, mode, "measure by province (SE)", m))
            print(f"{label} {mode} measure: {m['seconds']:.1f} s, peak {m['peak_mb']:.0f} MB", flush=True)
            s = run("shock", mode, path, provs, draws=args.draws)
            rows.append((label, n, mode, f"shock ({args.draws} draws)", s))
            print(f"{label} {mode} shock: {s['seconds']:.1f} s, peak {s['peak_mb']:.0f} MB", flush=True)
    print("\n| households | mode | stage | time (s) | peak RSS (MB) | households/s | CPU of all children (s) | notes |")
    print("|---:|---|---|---:|---:|---:|---:|---|")
    for label, n, mode, stage, r in rows:
        notes = []
        if "pass1" in r:
            notes.append(f"pass 1 {r['pass1']:.1f} s, draws {r['pass2']:.1f} s, merge {r['merge']:.2f} s")
        if "national_poor_rate" in r:
            notes.append(f"{r['rows']} rows, national poor rate {r['national_poor_rate']:.4f}")
        if mode == "dask":
            notes.append(f"cluster start {r['start']:.1f} s (not timed)")
        print(f"| {n:,} ({label}) | {mode} | {stage} | {r['seconds']:.1f} | {r['peak_mb']:,.0f} | "
              f"{n / r['seconds'] / 1e6:.2f} M | {r['child_cpu']:.0f} | {'; '.join(notes)} |")
    print()
    by = {(label, mode, stage.split(" ")[0]): r for label, _, mode, stage, r in rows}
    for label, n, mode, stage, r in rows:
        key = stage.split(" ")[0]
        if mode == "dask" and (label, "local", key) in by:
            local = by[(label, "local", key)]
            print(f"{label} {key}: dask (2 workers) {r['seconds']:.1f} s vs single-process run (peer) "
                  f"{local['seconds']:.1f} s, ratio {r['seconds'] / local['seconds']:.2f}")
            comparison(f"census {stage}, {n:,} households", r["seconds"], "single-process run (local)",
                       local["seconds"], ours_label="povmodel on dask, 2 workers")
    for label, n, mode, stage, r in rows:
        if label != "27 M":
            continue
        if stage.startswith("measure"):
            ok = r["seconds"] < 60 and r["peak_mb"] < 12 * 1024
            print(f"target 27 M measured by province < 60 s and < 12 GB ({mode}): {r['seconds']:.1f} s, "
                  f"{r['peak_mb'] / 1024:.2f} GB: {'met' if ok else 'MISSED'}")
            target(f"full census ({n:,} households) classified and measured by province with SEs, {mode}",
                   f"{r['seconds']:.1f} s, {r['peak_mb'] / 1024:.2f} GB", "< 60 s and < 12 GB", ok)
        elif stage.startswith("shock"):
            print(f"target 27 M one shock scenario, {args.draws} draws < 300 s ({mode}): {r['seconds']:.1f} s, "
                  f"{r['peak_mb'] / 1024:.2f} GB: {'met' if r['seconds'] < 300 else 'MISSED'}")
            target(f"one shock scenario on the full census, {args.draws} draws, {mode}",
                   f"{r['seconds']:.1f} s, {r['peak_mb'] / 1024:.2f} GB", "< 300 s", r["seconds"] < 300)
    growth(rows)
    first = work / "1M"
    if first.exists():
        provs = subsets(1_000_000, sizes)
        print("\n| 1 M households, local | draws | time (s) | pass 1 (s) | draws (s) | per draw (ms) | peak RSS (MB) |")
        print("|---|---:|---:|---:|---:|---:|---:|")
        by_draws = {}
        for d in (10, 50, 100):
            s = run("shock", "local", first, provs, draws=d)
            by_draws[d] = s["seconds"]
            print(f"| shock | {d} | {s['seconds']:.1f} | {s['pass1']:.1f} | {s['pass2']:.1f} | "
                  f"{s['pass2'] / d * 1e3:.0f} | {s['peak_mb']:,.0f} |", flush=True)
        per_draw, fixed = np.polyfit(list(by_draws), list(by_draws.values()), 1)
        print(f"cost against draws (least squares over 10, 50, 100 draws): {fixed:.1f} s fixed + "
              f"{per_draw * 1e3:.0f} ms per draw at 1 M households")


def growth(rows) -> None:
    """How each stage's time grows with households: the exponent b of time ~ households^b
    (least squares on the log scale over the sizes run; b = 1 is linear)."""
    series: dict[tuple[str, str], list[tuple[int, float]]] = {}
    for _, n, mode, stage, r in rows:
        series.setdefault((stage, mode), []).append((n, r["seconds"]))
    lines = []
    for (stage, mode), points in series.items():
        if len(points) >= 2:
            n, t = np.log([p[0] for p in points]), np.log([p[1] for p in points])
            lines.append(f"| {stage} | {mode} | {np.polyfit(n, t, 1)[0]:.2f} | "
                         f"{points[-1][1] / points[-1][0] * 1e6:.2f} |")
    if lines:
        print("\nhow cost grows with households (time ~ households^b, fitted over the sizes above):")
        print("| stage | mode | b | s per million households at the largest size |")
        print("|---|---|---:|---:|")
        print("\n".join(lines))


if __name__ == "__main__":
    main()
