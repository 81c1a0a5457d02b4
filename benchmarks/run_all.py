"""Run every ``benchmarks/bench_*.py`` and write ``benchmarks/results.md``: the machine, the date,
the commit, each script's wall time, the lines that compare povmodel with its peer (ratios,
"x faster", targets) gathered into one table, and each script's full output.

Run: ``make bench`` (or ``.venv/bin/python benchmarks/run_all.py [--only NAME ...]``). Scripts run
one after another, each in its own process, so that their timings do not disturb each other.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import platform
import re
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
#: A printed line that states a comparison or a target.
COMPARISON = re.compile(r"(ratio|faster|slower|×|\btarget\b|peer|samplics|pandas|CLI)", re.IGNORECASE)


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


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--only", nargs="+", metavar="NAME", help="only these scripts (e.g. bench_shocks)")
    parser.add_argument("--out", default=str(HERE / "results.md"), help="results file (default benchmarks/results.md)")
    args = parser.parse_args()
    scripts = sorted(HERE.glob("bench_*.py"))
    if args.only:
        scripts = [s for s in scripts if s.stem in args.only or s.name in args.only]
    started = dt.datetime.now(dt.UTC)
    sections, rows, failed = [], [], []
    for script in scripts:
        print(f"== {script.name}", flush=True)
        t0 = time.perf_counter()
        proc = subprocess.run([sys.executable, str(script)], capture_output=True, text=True, cwd=ROOT)
        seconds = time.perf_counter() - t0
        output = proc.stdout.strip()
        print(output, flush=True)
        if proc.returncode:
            failed.append(script.name)
            output += f"\n\nFAILED (exit {proc.returncode}):\n{proc.stderr.strip()[-3000:]}"
            print(proc.stderr[-3000:], file=sys.stderr)
        rows += [f"| `{script.name}` | {line.strip().replace('|', '/')} |" for line in output.splitlines()
                 if COMPARISON.search(line)]
        sections.append(f"## `{script.name}` ({seconds:.0f} s)\n\n```text\n{output}\n```\n")
    text = "\n".join([
        "# Benchmark results",
        "",
        f"Written by `make bench` (`benchmarks/run_all.py`) on {started:%Y-%m-%d %H:%M} UTC, commit {commit()}.",
        f"Machine: {machine()}.",
        "Household data are SYNTHETIC (generated and calibrated by povmodel); each figure is measured in the same "
        "run as its peer. See `benchmarks/README.md` for what each script does.",
        "",
        "## Comparisons and targets",
        "",
        "| script | figure |",
        "| --- | --- |",
        *rows,
        "",
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
