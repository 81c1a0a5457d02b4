"""The ``index.html`` of a report run: every report with its status and key figures, grouped into
national reports, province briefs and scenario comparisons, in the run's language."""

from __future__ import annotations

import html
import json
from collections.abc import Sequence
from pathlib import Path

from povmodel.config import RunConfig
from povmodel.provenance import provenance_record
from povmodel.reports.base import KEY_FIGURES_FILE
from povmodel.reports.catalogue import Job
from povmodel.reports.labels import label

_STYLE = """body{font-family:system-ui,sans-serif;max-width:72em;margin:2em auto;padding:0 1em;color:#222}
table{border-collapse:collapse;width:100%}td,th{padding:.3em .8em;text-align:left;border-bottom:1px solid #ddd;
vertical-align:top}th{background:#f4f4f4}.failed{color:#b00020;font-weight:bold}.kf{font-size:.9em;color:#333}
.warn{background:#fff3cd;padding:.6em 1em;border-left:4px solid #e0a800}"""


def key_figures(run_dir: Path, job_name: str) -> list[dict]:
    """The key figures a job wrote (empty if none or unreadable)."""
    path = run_dir / job_name / KEY_FIGURES_FILE
    try:
        figures = json.loads(path.read_text("utf-8"))
    except (OSError, ValueError):
        return []
    return [f for f in figures if isinstance(f, dict) and {"label", "value"} <= f.keys()]


def _row(run_dir: Path, job: Job, result, language: str) -> str:
    link = Path(result.html).name if result.html else Path(result.notebook).name
    status = html.escape(result.status)
    status_cell = f'<td class="failed">{status}</td>' if result.status == "failed" else f"<td>{status}</td>"
    figures = "<br>".join(f"{html.escape(f['label'])}: <strong>{html.escape(str(f['value']))}</strong>"
                          for f in key_figures(run_dir, job.name))
    return (f'<tr><td><a href="{html.escape(link)}">{html.escape(job.title(language))}</a></td>{status_cell}'
            f'<td class="kf">{figures}</td><td>{result.seconds:.1f}</td></tr>')


def write_index(config: RunConfig, run_dir: Path, jobs: Sequence[Job], results: Sequence, *,
                synthetic: bool = True) -> Path:
    """Write ``run_dir/index.html`` linking every job's HTML report."""
    from povmodel.io import write_text

    lang = config.language
    by_name = {r.name: r for r in results}
    groups = {"index_reports": [], "index_briefs": [], "index_comparisons": []}
    for job in jobs:
        if job.name not in by_name:
            continue
        group = {"province_brief": "index_briefs", "scenario_comparison": "index_comparisons"}.get(job.report,
                                                                                                  "index_reports")
        groups[group].append(_row(run_dir, job, by_name[job.name], lang))
    head = (f"<tr><th>{label('col_report', lang)}</th><th>{label('col_status', lang)}</th>"
            f"<th>{label('col_key_figures', lang)}</th><th>{label('col_time', lang)}</th></tr>")
    sections = "".join(f"<h2>{html.escape(label(key, lang))}</h2><table><thead>{head}</thead><tbody>{''.join(rows)}"
                       "</tbody></table>" for key, rows in groups.items() if rows)
    failed = sum(r.status == "failed" for r in results)
    warning = f'<p class="warn">{html.escape(label("index_failed", lang, n=failed))}</p>' if failed else ""
    banner = f'<p class="warn">{html.escape(label("synthetic_banner", lang))}</p>' if synthetic else ""
    prov = provenance_record(config)
    page = f"""<!DOCTYPE html>
<html lang="{lang}"><head><meta charset="utf-8"><title>{html.escape(config.title or label('index_title', lang))}</title>
<style>{_STYLE}</style></head><body>
<h1>{html.escape(config.title or label('index_title', lang))}</h1>
{banner}{warning}{sections}
<p><small>run {html.escape(str(prov['run_id']))} · config {html.escape(str(prov['config_hash'])[:12])} ·
povmodel {html.escape(str(prov['povmodel_version']))} · git {html.escape(str(prov['git_commit']))} · seed {prov['seed']}
· <a href="manifest.json">manifest.json</a></small></p>
</body></html>
"""
    return write_text(run_dir / "index.html", page)
