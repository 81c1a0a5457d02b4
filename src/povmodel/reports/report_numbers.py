"""Numbers written for planners in the report language: percentages, percentage points, counts
and VND amounts, with Vietnamese separators (``1.234.567``, ``5,2%``) in Vietnamese reports.

Used by every report.
"""

from __future__ import annotations

import math

from povmodel.reports.labels import label, register

register({
    "num_pp": {"en": "pp", "vi": "điểm %"},
    "num_bn_vnd": {"en": "VND bn", "vi": "tỷ đồng"},
})


def _missing(value) -> bool:
    return value is None or not math.isfinite(float(value))


def number(value: float | None, language: str, digits: int = 0) -> str:
    """``value`` with thousands separators (``–`` when missing)."""
    if _missing(value):
        return "–"
    text = f"{float(value):,.{digits}f}"
    if language == "vi":
        text = text.replace(",", "\x00").replace(".", ",").replace("\x00", ".")
    return text


def percent(share: float | None, language: str, digits: int = 1) -> str:
    """A share as a percentage (``0.0523`` -> ``5.2%`` / ``5,2%``)."""
    return "–" if _missing(share) else f"{number(100 * float(share), language, digits)}%"


def points(change: float | None, language: str, digits: int = 2) -> str:
    """A change of a share in signed percentage points (``0.0014`` -> ``+0.14 pp``)."""
    if _missing(change):
        return "–"
    value = 100 * float(change)
    sign = "+" if value > 0 else ("−" if value < 0 else "±")
    return f"{sign}{number(abs(value), language, digits)} {label('num_pp', language)}"


def signed(value: float | None, language: str, digits: int = 0) -> str:
    """A signed count (``+1,234`` / ``−1.234``)."""
    if _missing(value):
        return "–"
    sign = "+" if value > 0 else ("−" if value < 0 else "±")
    return f"{sign}{number(abs(float(value)), language, digits)}"


def billion_vnd(value: float | None, language: str, digits: int = 0) -> str:
    """An amount in VND as billions (``3.7e14`` -> ``374,570 VND bn``)."""
    return "–" if _missing(value) else f"{number(float(value) / 1e9, language, digits)} {label('num_bn_vnd', language)}"


def with_interval(text: str, low: str, high: str) -> str:
    """``text (low – high)``; the interval is left out when missing."""
    return text if "–" in (low, high) else f"{text} ({low} – {high})"
