"""Executing report notebooks with papermill and exporting them to HTML.

Outputs go to ``<output_dir>/<run_id>/``: the executed ``.ipynb`` (kept even when it failed,
as the log), an HTML export without code, figures, tables, ``manifest.json`` and
``index.html``. Every file is written atomically. A report whose inputs (notebook, parameters,
package code, raw data) are unchanged since its last successful run is not executed again
unless ``force`` is given.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import html
import json
import os
import shutil
import time
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass
from pathlib import Path

from povmodel import datasets, pipeline
from povmodel.config import RunConfig
from povmodel.errors import ConfigError, Problem
from povmodel.io import atomic_path, write_json, write_text
from povmodel.paths import project_root
from povmodel.provenance import provenance_record, raw_data_digest
from povmodel.reports.catalogue import ReportSpec, parameters_for, report_spec
from povmodel.reports.labels import label

_PACKAGE_DIR = Path(__file__).resolve().parent.parent


@dataclass
class ReportResult:
    """Outcome of one report in a run."""

    name: str
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

    @property
    def failed(self) -> list[ReportResult]:
        """Reports that failed."""
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


def code_digest() -> str:
    """SHA-256 over the package's source and parameter files (a cache key for reports)."""
    h = hashlib.sha256()
    for path in sorted(_PACKAGE_DIR.rglob("*")):
        if path.suffix in {".py", ".yaml"} and "__pycache__" not in path.parts:
            h.update(str(path.relative_to(_PACKAGE_DIR)).encode())
            h.update(path.read_bytes())
    return h.hexdigest()


def _inputs_digest(spec: ReportSpec, params: dict, config: RunConfig) -> str:
    h = hashlib.sha256()
    h.update(spec.notebook_path.read_bytes())
    h.update(json.dumps(params, sort_keys=True).encode())
    h.update(config.config_hash.encode())
    h.update(code_digest().encode())
    h.update(raw_data_digest().encode())
    return h.hexdigest()


def export_html(notebook_path: Path, html_path: Path) -> Path:
    """Export an executed notebook to self-contained HTML without code cells."""
    import nbformat
    from nbconvert import HTMLExporter

    nb = nbformat.read(notebook_path, as_version=4)
    exporter = HTMLExporter(exclude_input=True, exclude_input_prompt=True, exclude_output_prompt=True)
    body, _ = exporter.from_notebook_node(nb)
    return write_text(html_path, body)


def _execute(spec: ReportSpec, params: dict, run_dir: Path, timeout: int) -> str | None:
    """Run one notebook; return an error message or ``None``. The executed notebook is
    written to ``run_dir/<name>.ipynb`` in every case."""
    import papermill as pm

    target = run_dir / f"{spec.name}.ipynb"
    error = None
    with atomic_path(target) as tmp:
        try:
            pm.execute_notebook(
                str(spec.notebook_path), str(tmp), parameters=params, kernel_name="python3",
                cwd=str(run_dir), progress_bar=False, execution_timeout=timeout, log_output=False,
            )
        except pm.PapermillExecutionError as exc:
            error = f"{exc.ename}: {exc.evalue}"
        except Exception as exc:  # a dead kernel, a timeout, an unreadable notebook
            error = f"{type(exc).__name__}: {exc}"
            if not tmp.stat().st_size:
                shutil.copyfile(spec.notebook_path, tmp)
    return error


def run_reports(config: RunConfig, *, only: Sequence[str] | None = None, force: bool = False,
                progress: Callable[[str], None] | None = None) -> RunResult:
    """Execute the config's reports (or ``only`` these) into ``<output_dir>/<run_id>/``.

    Parameters are validated for every report before any kernel starts.

    Raises
    ------
    ConfigError
        If a requested report is unknown or not in the config, before anything runs.
    """
    say = progress or (lambda _line: None)
    names = list(only) if only else list(config.reports)
    problems = []
    specs = []
    for name in names:
        try:
            specs.append(report_spec(name))
        except ConfigError as exc:
            problems.extend(exc.problems)
    run_dir = config.resolve(config.output_dir) / config.run_id
    all_params = {s.name: parameters_for(s, config, run_dir).model_dump() for s in specs}
    for spec in specs:
        if not spec.notebook_path.is_file():
            problems.append(Problem("report notebook missing", file=str(spec.notebook_path)))
    if problems:
        raise ConfigError(problems, title="cannot run reports")

    os.environ.setdefault("POVMODEL_ROOT", str(project_root()))  # kernels inherit it
    pipeline.ensure_data(seed=config.seed, progress=say)
    run_dir.mkdir(parents=True, exist_ok=True)
    manifest_path = run_dir / "manifest.json"
    previous = json.loads(manifest_path.read_text("utf-8")) if manifest_path.is_file() else {}
    previous_reports = {r["name"]: r for r in previous.get("reports", [])}
    started = dt.datetime.now(dt.UTC)
    results = []
    for i, spec in enumerate(specs, 1):
        params = all_params[spec.name]
        digest = _inputs_digest(spec, params, config)
        html_path = run_dir / f"{spec.name}.html"
        nb_path = run_dir / f"{spec.name}.ipynb"
        prev = previous_reports.get(spec.name)
        if (not force and prev and prev.get("status") in ("ok", "cached")
                and prev.get("inputs_sha256") == digest and html_path.is_file() and nb_path.is_file()):
            results.append(ReportResult(spec.name, "cached", 0.0, str(nb_path), str(html_path), digest))
            say(f"[{i}/{len(specs)}] {spec.name}: unchanged, kept")
            continue
        say(f"[{i}/{len(specs)}] {spec.name}: running {spec.notebook}")
        t0 = time.perf_counter()
        error = _execute(spec, params, run_dir, config.report_timeout_s)
        export_html(nb_path, html_path)
        seconds = time.perf_counter() - t0
        results.append(ReportResult(spec.name, "failed" if error else "ok", seconds, str(nb_path),
                                    str(html_path), digest, error))
        say(f"[{i}/{len(specs)}] {spec.name}: {'FAILED' if error else 'done'} in {seconds:.1f} s")
    result = RunResult(config.run_id, run_dir, results)
    _write_manifest(config, result, started)
    _write_index(config, result)
    return result


def _write_manifest(config: RunConfig, result: RunResult, started: dt.datetime) -> None:
    manifest = {
        **provenance_record(config),
        "code_sha256": code_digest(),
        "started": started.isoformat(timespec="seconds"),
        "finished": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        "status": "failed" if result.failed else "ok",
        "processed_data": datasets.build_record().get("written", []),
        "synthetic_survey": {k: pipeline.survey_record().get(k) for k in ("path", "rows", "sha256", "seed", "note")},
        "reports": [asdict(r) for r in result.reports],
    }
    write_json(result.run_dir / "manifest.json", manifest)


def _write_index(config: RunConfig, result: RunResult) -> None:
    lang = config.language
    rows = []
    for r in result.reports:
        title = report_spec(r.name).title(lang)
        link = Path(r.html).name if r.html else Path(r.notebook).name
        rows.append(f"<tr><td><a href=\"{html.escape(link)}\">{html.escape(title)}</a></td>"
                    f"<td>{html.escape(r.status)}</td><td>{r.seconds:.1f}</td></tr>")
    prov = provenance_record(config)
    page = f"""<!DOCTYPE html>
<html lang="{lang}"><head><meta charset="utf-8"><title>{html.escape(label('index_title', lang))}</title>
<style>body{{font-family:sans-serif;max-width:60em;margin:2em auto}}td,th{{padding:.3em 1em;text-align:left}}</style>
</head><body>
<h1>{html.escape(config.title or label('index_title', lang))}</h1>
<table><thead><tr><th>{label('col_report', lang)}</th><th>{label('col_status', lang)}</th><th>{label('col_time', lang)}</th></tr></thead>
<tbody>{''.join(rows)}</tbody></table>
<p><small>run {html.escape(str(prov['run_id']))} · config {html.escape(str(prov['config_hash'])[:12])} ·
povmodel {html.escape(str(prov['povmodel_version']))} · seed {prov['seed']} · <a href="manifest.json">manifest.json</a></small></p>
</body></html>
"""
    write_text(result.run_dir / "index.html", page)
