"""Small text helpers shared by the readers and checks of :mod:`povmodel.io`: Unicode NFC
normalisation, a cell or a whole column as clean text (missing values kept missing), and the
pieces of problem messages -- the first line of an exception, a few example values and row
numbers, and the "did you mean ...?" hint for a misspelled name.
"""

from __future__ import annotations

import difflib
import unicodedata

import pandas as pd


def _nfc(text: str) -> str:
    return text if unicodedata.is_normalized("NFC", text) else unicodedata.normalize("NFC", text)


def _token(value) -> str | None:
    """One cell as clean text (``True`` -> ``"true"``, ``2.0`` -> ``"2"``); ``None`` if missing."""
    if value is None or value is pd.NA or (isinstance(value, float) and value != value):
        return None
    if isinstance(value, bool) or type(value).__name__ == "bool_":
        return "true" if value else "false"
    if isinstance(value, float) and value.is_integer() and abs(value) < 1e15:
        return str(int(value))
    return _nfc(str(value)).strip()


def _as_text(series: pd.Series) -> pd.Series:
    """Any column as stripped text with missing values kept missing (vectorised where it can)."""
    if isinstance(series.dtype, pd.CategoricalDtype):
        series = series.astype(object)
    if pd.api.types.is_bool_dtype(series):
        return series.map({True: "true", False: "false"}).astype("str")
    if pd.api.types.is_integer_dtype(series):
        return series.astype("Int64").astype("str")
    if pd.api.types.is_float_dtype(series):
        whole = series.notna() & series.abs().lt(1e15) & series.eq(series.round())
        text = series.astype("str")
        text[whole] = series[whole].astype("int64").astype("str")
        return text
    if pd.api.types.is_object_dtype(series):
        return series.map(_token).astype("str")
    return series.astype("str").str.strip()


def _first_line(exc: BaseException) -> str:
    text = str(exc).strip() or type(exc).__name__
    return text.splitlines()[0][:300]


def _examples(rows, limit: int = 5) -> tuple:
    return tuple(sorted({int(r) for r in rows})[:limit])


def _show(values, limit: int = 3) -> str:
    shown = []
    for value in list(dict.fromkeys(values))[:limit]:
        shown.append(repr(value) if isinstance(value, str) else f"{value:g}" if isinstance(value, float)
                     else str(value))
    return ", ".join(shown)


def _closest(name: str, candidates, cutoff: float = 0.6) -> str | None:
    candidates = [str(c) for c in candidates]
    lower = {c.lower(): c for c in candidates}
    if name.lower() in lower:
        return lower[name.lower()]
    match = difflib.get_close_matches(name.lower(), list(lower), n=1, cutoff=cutoff)
    return lower[match[0]] if match else None


def _did_you_mean(name: str, candidates) -> str:
    close = _closest(name, candidates)
    return f"; did you mean {close!r}?" if close else ""
