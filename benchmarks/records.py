"""Structured figures of the benchmarks: each script states every comparison with its peer and
every target it checks through :func:`comparison` and :func:`target`, and ``run_all.py`` builds
the tables of ``benchmarks/results.md`` from them (instead of scraping printed lines).

A record is one JSON line appended to the file named by ``$POVMODEL_BENCH_RECORDS`` (set by
``run_all.py``); a script run on its own, without that variable, only prints.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

RECORDS_ENV = "POVMODEL_BENCH_RECORDS"


def _write(record: dict) -> None:
    path = os.environ.get(RECORDS_ENV)
    if path:
        with Path(path).open("a", encoding="utf-8") as f:
            f.write(json.dumps(record, ensure_ascii=False) + "\n")


def comparison(what: str, ours: float, peer: str, peer_value: float, *, ours_label: str = "povmodel",
               unit: str = "s") -> None:
    """One figure of povmodel (``ours``) and of its named ``peer`` measured in the same run.

    Both are costs in ``unit`` (lower is better); the results table gives their ratio
    ``ours / peer_value`` (below 1: povmodel is faster).
    """
    _write({"kind": "comparison", "what": what, "ours_label": ours_label, "ours": float(ours), "peer": peer,
            "peer_value": float(peer_value), "unit": unit})


def target(what: str, measured: str, goal: str, met: bool) -> None:
    """One performance target: the ``measured`` figure (as text, with units) against ``goal``."""
    _write({"kind": "target", "what": what, "measured": measured, "goal": goal, "met": bool(met)})


def read(path: Path) -> list[dict]:
    """The records a run wrote to ``path`` (none when the file does not exist)."""
    if not path.exists():
        return []
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]
