"""Executing a report set with papermill, in parallel worker processes, with failure isolation,
caching and a manifest.

Outputs go to ``<output_dir>/<run_id>/``: per job the executed ``<job>.ipynb`` (kept when it
failed, as the log), ``<job>.html`` without code, and the job's working folder ``<job>/``
(figures, tables, key figures); then ``manifest.json`` and ``index.html``. Every file is
written atomically, and the manifest is rewritten after every finished job, so a run that is
killed keeps what it finished and the next run picks up from there. A job whose inputs
(notebook, parameters, results cube, package code and version) are unchanged since its last
successful run is not executed again unless ``force`` is given. One lock per run folder keeps
two runs from writing the same folder at once.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import fcntl
import hashlib
import json
import multiprocessing
import os
import sys
import time
from collections.abc import Callable, Sequence
from concurrent.futures import FIRST_COMPLETED, ProcessPoolExecutor, wait
from concurrent.futures.process import BrokenProcessPool
from dataclasses import asdict, dataclass
from pathlib import Path

from povmodel import datasets, pipeline
from povmodel._version import __version__
from povmodel.config import RunConfig
from povmodel.io import atomic_path, read_json, write_json
from povmodel.paths import project_root
from povmodel.provenance import code_digest, provenance_record
from povmodel.reports.catalogue import Job, plan_jobs
from povmodel.reports.index import write_index

MANIFEST = "manifest.json"
LOCK_FILE = ".lock"
#: In the run folder: what the workers and their kernels wrote to stderr (warnings, crashes).
KERNEL_LOG = "kernels.log"


@dataclass
class ReportResult:
    """Outcome of one job in a run."""

    name: str
    report: str
    status: str  # "ok", "cached" or "failed"
    seconds: float
    notebook: str
    html: str | None
    inputs_sha256: str
    error: str | None = None


@dataclass
class RunResult:
    """Outcome of a report run."""

    run_id: str
    run_dir: Path
    reports: list[ReportResult]
    seconds: float = 0.0

    @property
    def failed(self) -> list[ReportResult]:
        """Jobs that failed."""
        return [r for r in self.reports if r.status == "failed"]

    def summary_lines(self) -> list[str]:
        """A table of report, status, time and output path."""
        width = max([len(r.name) for r in self.reports] + [6])
        lines = [f"{'report':<{width}}  status  time(s)  output"]
        for r in self.reports:
            lines.append(f"{r.name:<{width}}  {r.status:<6}  {r.seconds:7.1f}  {r.html or r.notebook}")
            if r.error:
                lines.append(f"{'':<{width}}  error: {r.error}")
        return lines


def default_jobs() -> int:
    """Worker processes by default: the number of cores this process may use."""
    return len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else (os.cpu_count() or 1)


def job_digest(job: Job, cube_sha256: str, code_sha256: str) -> str:
    """Cache key of a job: notebook source, parameters, results cube, package code and version."""
    h = hashlib.sha256()
    h.update(Path(job.notebook).read_bytes())
    h.update(json.dumps(job.params, sort_keys=True).encode())
    for part in (cube_sha256, code_sha256, __version__):
        h.update(part.encode())
    return h.hexdigest()


# -- in the worker process -------------------------------------------------------------------------
#: The worker's kernel, reused from one notebook to the next (see :func:`_kernel_for`).
_KERNEL: dict = {"manager": None}
#: Code run in the worker's kernel before each notebook: an empty namespace, the job's folder.
_FRESH_START = "get_ipython().run_line_magic('reset', '-f')\nimport os as _os\n_os.chdir({folder!r})\ndel _os"


def _warm_worker(log_path: str) -> None:
    """Start-up of a worker process: import papermill and nbconvert once (≈2 s), not once per
    notebook; send stderr (and so its kernel's start-up warnings) to the run's kernel log; let
    the kernel cache compiled bytecode (with ``PYTHONDONTWRITEBYTECODE`` set, as on some
    machines, every kernel would recompile pandas, matplotlib and povmodel); shut the kernel
    down when the worker exits."""
    from multiprocessing.util import Finalize

    os.environ.pop("PYTHONDONTWRITEBYTECODE", None)
    sys.dont_write_bytecode = False
    log = os.open(log_path, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o644)
    os.dup2(log, 2)
    os.close(log)
    import nbconvert  # noqa: F401
    import papermill  # noqa: F401

    Finalize(None, _drop_kernel, exitpriority=10)


def _drop_kernel() -> None:
    """Shut the worker's kernel down (after a dead kernel, a timeout, or at exit)."""
    from jupyter_client.utils import run_sync

    manager, _KERNEL["manager"] = _KERNEL["manager"], None
    if manager is not None:
        with contextlib.suppress(Exception):
            run_sync(manager.shutdown_kernel)(now=True)


def _kernel_for(workdir: Path):
    """The worker's kernel, started on first use (or again after :func:`_drop_kernel`), with an
    empty namespace and ``workdir`` as working directory.

    One kernel per worker process serves its notebooks in turn: starting a kernel and importing
    pandas, matplotlib and povmodel into it costs ≈2 s, several times a brief's own work. What a
    notebook defines is deleted before the next one (``%reset -f``); modules stay imported (they
    hold no report state). A notebook that fails keeps the kernel; a kernel that dies or runs
    past the timeout is replaced.
    """
    from jupyter_client.manager import AsyncKernelManager
    from jupyter_client.utils import run_sync

    manager = _KERNEL["manager"]
    if manager is None or not run_sync(manager.is_alive)():
        manager = AsyncKernelManager(kernel_name="python3")
        run_sync(manager.start_kernel)(cwd=str(workdir))
        _KERNEL["manager"] = manager
    client = manager.blocking_client()
    client.start_channels()
    try:
        client.wait_for_ready(timeout=60)
        reply = client.execute_interactive(_FRESH_START.format(folder=str(workdir)), store_history=False,
                                           timeout=60, output_hook=lambda _msg: None)
    finally:
        client.stop_channels()
    if reply["content"]["status"] != "ok":
        _drop_kernel()
        raise RuntimeError(f"could not prepare the kernel: {reply['content'].get('evalue')}")
    return manager


def export_html(notebook_path: Path, html_path: Path) -> Path:
    """Export an executed notebook to self-contained HTML without code cells."""
    import nbformat
    from nbconvert import HTMLExporter

    from povmodel.io import write_text

    nb = nbformat.read(notebook_path, as_version=4)
    exporter = HTMLExporter(exclude_input=True, exclude_input_prompt=True, exclude_output_prompt=True)
    body, _ = exporter.from_notebook_node(nb)
    return write_text(html_path, body)


def execute_job(job: Job, run_dir: str, timeout: int) -> dict:
    """Run one job's notebook in the worker's kernel, emptied and moved to the job's folder, then
    export it to HTML. Returns status, seconds, paths and the error (if any); never raises for a
    failing notebook, a dead kernel or a cell running past ``timeout`` seconds."""
    import papermill as pm

    t0 = time.perf_counter()
    run_dir = Path(run_dir)
    workdir = run_dir / job.name
    workdir.mkdir(parents=True, exist_ok=True)
    nb_path = run_dir / f"{job.name}.ipynb"
    html_path = run_dir / f"{job.name}.html"
    error = None
    with atomic_path(nb_path) as tmp:
        try:
            # no save after every cell (each one serialises and validates the whole notebook, its
            # figures included): the notebook is written when it completes or fails
            pm.execute_notebook(job.notebook, str(tmp), parameters=job.params, kernel_name="python3",
                                progress_bar=False, execution_timeout=timeout, log_output=False,
                                request_save_on_cell_execute=False, km=_kernel_for(workdir))
        except pm.PapermillExecutionError as exc:
            error = f"{exc.ename}: {exc.evalue}"
        except Exception as exc:  # a dead kernel, a timeout, an unreadable notebook: a new kernel next time
            error = f"{type(exc).__name__}: {exc}"
            _drop_kernel()
        if not tmp.is_file() or not tmp.stat().st_size:
            tmp.write_bytes(Path(job.notebook).read_bytes())
    try:
        export_html(nb_path, html_path)
    except Exception as exc:  # a notebook nbconvert cannot read is a failed report, not a crash
        error = error or f"HTML export failed: {type(exc).__name__}: {exc}"
    return {"status": "failed" if error else "ok", "seconds": time.perf_counter() - t0,
            "notebook": str(nb_path), "html": str(html_path) if html_path.is_file() else None, "error": error}


# -- in the parent process ---------------------------------------------------------------------------
@contextlib.contextmanager
def run_lock(run_dir: Path, say: Callable[[str], None]):
    """Hold the run folder's lock; waits (saying so) while another run holds it."""
    run_dir.mkdir(parents=True, exist_ok=True)
    with open(run_dir / LOCK_FILE, "w") as handle:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            say(f"another povmodel report run is writing {run_dir}; waiting for it to finish")
            fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


class _Progress:
    """A progress bar for the batch (done / total, elapsed, failures) on stderr."""

    def __init__(self, total: int, enabled: bool):
        self.bar = None
        if enabled and total:
            from tqdm import tqdm

            self.bar = tqdm(total=total, desc="reports", unit="report", file=sys.stderr, dynamic_ncols=True,
                            mininterval=0.5)
        self.failed = 0

    def update(self, result: ReportResult) -> None:
        self.failed += result.status == "failed"
        if self.bar is not None:
            self.bar.set_postfix_str(f"failed {self.failed}" if self.failed else result.name, refresh=False)
            self.bar.update(1)

    def close(self) -> None:
        if self.bar is not None:
            self.bar.close()


def _died(run_dir: Path, job: Job) -> dict:
    return {"status": "failed", "seconds": 0.0, "notebook": str(run_dir / f"{job.name}.ipynb"), "html": None,
            "error": "the worker process running this report died"}


def _run_pool(batch: list[tuple[Job, str]], run_dir: Path, timeout: int, workers: int,
              on_done: Callable[[Job, str, dict], None]) -> list[tuple[Job, str]]:
    """Run ``batch`` in one pool; return the jobs whose worker pool broke under them."""
    context = multiprocessing.get_context("spawn")  # no fork of a parent holding threads and state
    broken = []
    with ProcessPoolExecutor(max_workers=min(workers, len(batch)), mp_context=context, initializer=_warm_worker,
                             initargs=(str(run_dir / KERNEL_LOG),)) as pool:
        futures = {pool.submit(execute_job, job, str(run_dir), timeout): (job, digest) for job, digest in batch}
        while futures:
            done, _ = wait(futures, return_when=FIRST_COMPLETED)
            for future in done:
                job, digest = futures.pop(future)
                try:
                    on_done(job, digest, future.result())
                except BrokenProcessPool:
                    broken.append((job, digest))
    return broken


def _execute_all(pending: list[tuple[Job, str]], run_dir: Path, timeout: int, workers: int,
                 on_done: Callable[[Job, str, dict], None]) -> None:
    """Execute jobs in ``workers`` processes. When a worker process dies, every job of its pool
    that had not finished is run again alone in a fresh process: the one that kills its worker
    again fails, the others complete."""
    if not pending:
        return
    for job, digest in _run_pool(pending, run_dir, timeout, workers, on_done):
        for again_job, again_digest in _run_pool([(job, digest)], run_dir, timeout, 1, on_done):
            on_done(again_job, again_digest, _died(run_dir, again_job))


def run_reports(config: RunConfig, *, only: Sequence[str] | None = None,
                provinces: Sequence[str | int] | None = None, jobs: int | None = None, force: bool = False,
                progress: Callable[[str], None] | None = None, progress_bar: bool = True) -> RunResult:
    """Execute the config's reports (or ``only`` these; province briefs only for ``provinces``)
    into ``<output_dir>/<run_id>/``.

    Every job's parameters are validated before anything runs; then the results cube and tables
    are built once (unless current) and the jobs run across ``jobs`` worker processes (default:
    the number of cores), each notebook in its own kernel and working folder.

    Raises
    ------
    ConfigError
        If a report, province or scenario is unknown, or a notebook is missing, before any
        kernel starts.
    """
    t_start = time.perf_counter()
    say = progress or (lambda _line: None)
    run_dir = config.resolve(config.output_dir) / config.run_id
    planned = plan_jobs(config, run_dir, only=only, provinces=provinces)
    os.environ.setdefault("POVMODEL_ROOT", str(project_root()))  # kernels inherit it
    workers = max(1, jobs or default_jobs())
    with run_lock(run_dir, say):
        stale = [path for path in run_dir.rglob(".*.tmp*") if path.is_file()]
        for path in stale:  # temporary files of a run that was killed: never renamed, never complete
            path.unlink()
        if stale:
            say(f"removed {len(stale)} temporary file(s) left by an interrupted run")
        pipeline.run(config, progress=say, force=False)
        from povmodel.run_outputs import RunOutputs

        outputs = RunOutputs.open(config.results_id)
        cube_sha, code_sha = outputs.record["cube_sha256"], code_digest()
        manifest_path = run_dir / MANIFEST
        previous = read_json(manifest_path, default={}) or {}
        previous_jobs = {r["name"]: r for r in previous.get("reports", [])}
        started = dt.datetime.now(dt.UTC)
        results: dict[str, ReportResult] = {}
        pending = []
        for job in planned:
            digest = job_digest(job, cube_sha, code_sha)
            prev = previous_jobs.get(job.name)
            html_path, nb_path = run_dir / f"{job.name}.html", run_dir / f"{job.name}.ipynb"
            if (not force and prev and prev.get("status") in ("ok", "cached")
                    and prev.get("inputs_sha256") == digest and html_path.is_file() and nb_path.is_file()):
                results[job.name] = ReportResult(job.name, job.report, "cached", 0.0, str(nb_path), str(html_path),
                                                 digest)
            else:
                pending.append((job, digest))
        cached = len(planned) - len(pending)
        say(f"{len(planned)} report(s): {cached} unchanged, {len(pending)} to run with {min(workers, len(pending) or 1)} "
            f"worker(s) -> {run_dir}")
        bar = _Progress(len(pending), progress_bar)

        def record(job: Job, digest: str, outcome: dict) -> None:
            result = ReportResult(job.name, job.report, outcome["status"], outcome["seconds"], outcome["notebook"],
                                  outcome["html"], digest, outcome["error"])
            results[job.name] = result
            bar.update(result)
            if result.status == "failed":
                say(f"FAILED {job.name}: {result.error}")
            _write_manifest(config, run_dir, planned, results, started, previous_jobs)

        try:
            _execute_all(pending, run_dir, config.report_timeout_s, workers, record)
        finally:
            bar.close()
        ordered = [results[j.name] for j in planned if j.name in results]
        result = RunResult(config.run_id, run_dir, ordered, time.perf_counter() - t_start)
        _write_manifest(config, run_dir, planned, results, started, previous_jobs, finished=True)
        write_index(config, run_dir, planned, ordered, synthetic=outputs.synthetic)
    return result


def _write_manifest(config: RunConfig, run_dir: Path, planned: list[Job], results: dict[str, ReportResult],
                    started: dt.datetime, previous_jobs: dict, *, finished: bool = False) -> None:
    """The run's manifest: provenance, data checksums, times and the status of every job
    (jobs of earlier runs not re-planned this time are kept)."""
    from povmodel.run_outputs import RunOutputs

    outputs = RunOutputs.open(config.results_id)
    jobs = {**previous_jobs, **{name: asdict(r) for name, r in results.items()}}
    manifest = {
        **provenance_record(config),
        "code_sha256": code_digest(),
        "started": started.isoformat(timespec="seconds"),
        "finished": dt.datetime.now(dt.UTC).isoformat(timespec="seconds") if finished else None,
        "status": ("failed" if any(r.status == "failed" for r in results.values()) else "ok") if finished
        else "running",
        "planned": [j.name for j in planned],
        "results_cube": outputs.record.get("cube"),
        "results_cube_sha256": outputs.record.get("cube_sha256"),
        "run_tables": outputs.record.get("tables"),
        "processed_data": datasets.build_record().get("written", []),
        "synthetic_survey": {k: pipeline.survey_record().get(k) for k in ("path", "rows", "sha256", "seed", "note")},
        "reports": list(jobs.values()),
    }
    write_json(run_dir / MANIFEST, manifest)
