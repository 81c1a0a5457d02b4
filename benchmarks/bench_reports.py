"""Report batch: the 63 province briefs run by :func:`povmodel.reports.runner.run_reports` with 2
worker processes against the same 63 briefs run one after another by the papermill CLI (the
peer: one ``papermill`` process per notebook, as a shell loop would), in the same run; then a
second ``povmodel report`` of the whole default set with nothing changed (every report cached).

Target (tracker issue 9): the batch takes at most 40% of the CLI loop's time, and the unchanged
re-run under 5 s. Both share the results cube of the default config, built first if needed (not
timed). Household figures are SYNTHETIC.
Run: ``.venv/bin/python benchmarks/bench_reports.py [--provinces N]`` (or ``make bench``);
about 5 minutes for the 63 briefs.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import platform
import subprocess
import sys
import time
from pathlib import Path
from tempfile import TemporaryDirectory

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "src"))
os.environ.setdefault("POVMODEL_ROOT", str(ROOT))

from records import comparison, target  # noqa: E402

from povmodel import admin, pipeline  # noqa: E402
from povmodel.config import load_config  # noqa: E402
from povmodel.reports.catalogue import plan_jobs  # noqa: E402
from povmodel.reports.runner import run_reports  # noqa: E402

BIN = Path(sys.executable).parent


def config_for(tmp: Path, codes: list[str], name: str):
    path = tmp / f"{name}.yaml"
    briefs = ", ".join(f"'{c}'" for c in codes)
    path.write_text(f"extends: {ROOT / 'configs' / 'default.yaml'}\nname: {name}\noutput_dir: {tmp / name}\n"
                    f"reports: [province_brief]\nreport_settings:\n  briefs: [{briefs}]\n", encoding="utf-8")
    return load_config(path)


def cli_loop(config) -> tuple[float, float]:
    """Every brief through the papermill CLI, one process after another; then (timed apart) the
    nbconvert CLI export to HTML that povmodel's runner also does."""
    out = config.resolve(config.output_dir) / config.run_id
    jobs = plan_jobs(config, out)
    t0 = time.perf_counter()
    for job in jobs:
        workdir = Path(job.params["output_dir"])
        workdir.mkdir(parents=True, exist_ok=True)
        args = [str(BIN / "papermill"), job.notebook, str(out / f"{job.name}.ipynb"), "-k", "python3",
                "--cwd", str(workdir), "--no-progress-bar"]
        for key, value in job.params.items():
            args += ["-p", key, str(value)]
        subprocess.run(args, check=True, capture_output=True)
    papermill = time.perf_counter() - t0
    t0 = time.perf_counter()
    for job in jobs:
        subprocess.run([str(BIN / "jupyter"), "nbconvert", "--to", "html", "--no-input", "--log-level", "ERROR",
                        str(out / f"{job.name}.ipynb")], check=True, capture_output=True)
    return papermill, time.perf_counter() - t0


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--provinces", type=int, default=63, help="number of briefs (default all 63)")
    args = parser.parse_args()
    codes = admin.province_codes()[: args.provinces]
    print(f"povmodel report batch benchmark, {dt.date.today()}, {platform.node()}, {os.cpu_count()} cores, "
          f"Python {platform.python_version()}; {len(codes)} province briefs (SYNTHETIC household data)")
    default = load_config(ROOT / "configs" / "default.yaml")
    t0 = time.perf_counter()
    pipeline.run(default, force=False)
    print(f"results cube of the default config ready ({time.perf_counter() - t0:.1f} s, not timed below)")
    with TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        ours_cfg = config_for(tmp, codes, "batch")
        t0 = time.perf_counter()
        result = run_reports(ours_cfg, jobs=2, force=True, progress_bar=False, progress=lambda line: print("  ", line))
        ours = time.perf_counter() - t0
        failed = len(result.failed)
        print(f"povmodel report, 2 worker processes: {ours:.1f} s ({ours / len(codes):.2f} s per brief, "
              f"{failed} failed)")
        peer, export = cli_loop(config_for(tmp, codes, "cli"))
        print(f"papermill CLI, one after another: {peer:.1f} s ({peer / len(codes):.2f} s per brief); "
              f"nbconvert CLI export to HTML on top: {export:.1f} s")
        print(f"ratio povmodel (execution + HTML) / papermill CLI loop (execution only): {ours / peer:.2f} "
              f"(target <= 0.40); against CLI execution + export: {ours / (peer + export):.2f}")
        what = f"{len(codes)} province briefs executed and exported to HTML (povmodel: 2 worker processes)"
        comparison(what, ours, "papermill CLI loop, execution only", peer)
        comparison(what, ours, "papermill CLI loop + nbconvert CLI export", peer + export)
        target(f"{len(codes)} briefs against the papermill CLI loop", f"ratio {ours / peer:.2f}", "<= 0.40",
               ours / peer <= 0.40)
    subprocess.run([str(BIN / "povmodel"), "report", str(ROOT / "configs" / "default.yaml"), "--quiet"],
                   check=False, capture_output=True)
    t0 = time.perf_counter()
    again = subprocess.run([str(BIN / "povmodel"), "report", str(ROOT / "configs" / "default.yaml"), "--quiet"],
                           capture_output=True, text=True)
    second = time.perf_counter() - t0
    tail = again.stdout.strip().splitlines()[-1] if again.stdout.strip() else again.stderr[-300:]
    print(f"second `povmodel report configs/default.yaml` with nothing changed: {second:.1f} s (target < 5 s); {tail}")
    target("second `povmodel report` of the default set, nothing changed", f"{second:.1f} s", "< 5 s", second < 5)


if __name__ == "__main__":
    main()
