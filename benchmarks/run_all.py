"""Run every ``benchmarks/bench_*.py`` and write ``benchmarks/results.md``: the machine, the date,
the commit, one table of every figure against its peer measured in the same run (with the ratio),
one table of the performance targets (met or missed), each script's wall time and its full output.
The tables come from the records each script states through ``records.py``.

Run: ``make bench`` (or ``.venv/bin/python benchmarks/run_all.py [--only NAME ...]``). Scripts run
one after another, each in its own process, so that their timings do not disturb each other.
"""

from __future__ import annotations

import argparse
import datetime as dt
import math
import os
import platform
import subprocess
import sys
import time
from pathlib import Path
from tempfile import TemporaryDirectory

from records import RECORDS_ENV, read

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent


def machine() -> str:
    mem = ""
    try:
        kb = int(next(line for line in Path("/proc/meminfo").read_text().splitlines()
                      if line.startswith("MemTotal")).split()[1])
        mem = f", {kb / 2**20:.0f} GB RAM"
    except (OSError, StopIteration, ValueError):
        pass
    cpu = ""
    try:
        cpu = next(line.split(":", 1)[1].strip() for line in Path("/proc/cpuinfo").read_text().splitlines()
                   if line.startswith("model name"))
    except (OSError, StopIteration):
        pass
    return f"{os.cpu_count()} cores{f' ({cpu})' if cpu else ''}{mem}, {platform.system()} {platform.release()}, " \
           f"Python {platform.python_version()}"


def commit() -> str:
    try:
        return subprocess.run(["git", "-C", str(ROOT), "describe", "--always", "--dirty"], capture_output=True,
                              text=True, timeout=10).stdout.strip() or "unknown"
    except (OSError, subprocess.SubprocessError):
        return "unknown"


def three_figures(x: float) -> str:
    """``x`` with three significant figures (no exponent), thousands separated."""
    digits = max(0, 2 - math.floor(math.log10(abs(x)))) if x else 0
    return f"{x:,.{digits}f}"


def cost(value: float, unit: str) -> str:
    if unit == "s" and value < 1:
        return f"{three_figures(value * 1e3)} ms"
    return f"{three_figures(value)} {unit}"


def ratio(ours: float, peer: float) -> str:
    """``ours / peer`` with what it means in words."""
    r = ours / peer
    words = f"{three_figures(1 / r)}x faster" if r <= 1 else f"{three_figures(r)}x slower"
    return f"{r:.3g} ({words})"


def tables(records: list[tuple[str, dict]]) -> list[str]:
    """The comparison and target tables of results.md."""
    lines = ["## Against the peers (measured in the same run)", "",
             "Ratio = povmodel's cost / the peer's (below 1: povmodel is faster).", "",
             "| script | what | povmodel | peer | peer's figure | ratio |", "| --- | --- | --- | --- | ---: | ---: |"]
    for script, r in records:
        if r["kind"] == "comparison":
            ours = f"{r['ours_label']}: {cost(r['ours'], r['unit'])}"
            lines.append(f"| `{script}` | {r['what']} | {ours} | {r['peer']} | {cost(r['peer_value'], r['unit'])} "
                         f"| {ratio(r['ours'], r['peer_value'])} |")
    lines += ["", "## Targets", "", "| script | target | goal | measured | |", "| --- | --- | --- | --- | --- |"]
    for script, r in records:
        if r["kind"] == "target":
            lines.append(f"| `{script}` | {r['what']} | {r['goal']} | {r['measured']} | "
                         f"{'met' if r['met'] else '**MISSED**'} |")
    return lines + [""]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--only", nargs="+", metavar="NAME", help="only these scripts (e.g. bench_shocks)")
    parser.add_argument("--out", default=str(HERE / "results.md"), help="results file (default benchmarks/results.md)")
    args = parser.parse_args()
    scripts = sorted(HERE.glob("bench_*.py"))
    if args.only:
        scripts = [s for s in scripts if s.stem in args.only or s.name in args.only]
    started = dt.datetime.now(dt.UTC)
    sections, records, failed = [], [], []
    for script in scripts:
        print(f"== {script.name}", flush=True)
        t0 = time.perf_counter()
        with TemporaryDirectory() as tmp:
            record_file = Path(tmp) / "records.jsonl"
            proc = subprocess.run([sys.executable, str(script)], capture_output=True, text=True, cwd=ROOT,
                                  env={**os.environ, RECORDS_ENV: str(record_file)})
            records += [(script.name, r) for r in read(record_file)]
        seconds = time.perf_counter() - t0
        output = proc.stdout.strip()
        print(output, flush=True)
        if proc.returncode:
            failed.append(script.name)
            output += f"\n\nFAILED (exit {proc.returncode}):\n{proc.stderr.strip()[-3000:]}"
            print(proc.stderr[-3000:], file=sys.stderr)
        sections.append(f"## `{script.name}` ({seconds:.0f} s)\n\n```text\n{output}\n```\n")
    text = "\n".join([
        "# Benchmark results",
        "",
        f"Written by `make bench` (`benchmarks/run_all.py`) on {started:%Y-%m-%d %H:%M} UTC, commit {commit()}.",
        f"Machine: {machine()}.",
        "Household data are SYNTHETIC (generated and calibrated by povmodel); each figure is measured in the same "
        "run as its peer. See `benchmarks/README.md` for what each script does.",
        *(["", f"**FAILED:** {', '.join(failed)} (their output below says why)."] if failed else []),
        "",
        *tables(records),
        *sections,
    ])
    out = Path(args.out)
    tmp = out.with_name(f".{out.name}.tmp")
    tmp.write_text(text + "\n", encoding="utf-8")
    tmp.replace(out)
    print(f"wrote {out}" + (f"; FAILED: {', '.join(failed)}" if failed else ""))
    return 1 if failed else 0


if __name__ == "__main__":
    raise SystemExit(main())
