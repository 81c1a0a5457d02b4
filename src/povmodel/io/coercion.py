"""Giving each column of a loaded table its type (whole number, number, yes/no, text; GSO
province codes padded to two digits) without dropping a row: :func:`_coerce_frame` converts
every typed column and returns, for each column, the values that do not fit as a problem with
their count and example row numbers.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from povmodel.errors import Problem
from povmodel.io._text import _as_text, _examples, _show

_TRUE_WORDS = ("true", "yes", "y", "t", "on", "1", "1.0", "có", "co")
_FALSE_WORDS = ("false", "no", "n", "f", "off", "0", "0.0", "không", "khong")


def _kind_of(dtype) -> str:
    name = str(dtype).lower()
    for kind in ("int", "float", "bool"):
        if kind in name:
            return kind
    return "str"


def _to_float(series: pd.Series) -> tuple[pd.Series, pd.Series, str]:
    if pd.api.types.is_numeric_dtype(series) and not pd.api.types.is_bool_dtype(series):
        values = series.astype("float64")
        text = None
    else:
        text = _as_text(series)
        values = pd.to_numeric(text, errors="coerce").astype("float64")
    bad = series.notna() & ~pd.Series(np.isfinite(values.to_numpy()), index=series.index)
    message = "not a number"
    if text is not None and text[bad].str.fullmatch(r"-?\d+,\d+").any():
        message += " (decimal comma? write 1.5, not 1,5)"
    return values.mask(bad), bad, message


def _to_int(series: pd.Series) -> tuple[pd.Series, pd.Series, str]:
    values, bad, message = _to_float(series)
    huge = values.abs().gt(2**53)  # beyond what a float holds exactly
    fraction = values.notna() & (values.ne(values.round()) | huge)
    values = values.mask(fraction).round()
    message = message.replace("not a number", "not a whole number" + (" (or too large)" if huge.any() else ""))
    return values.astype("Int64" if values.isna().any() else "int64"), bad | fraction, message


def _to_bool(series: pd.Series) -> tuple[pd.Series, pd.Series, str]:
    text = _as_text(series).str.casefold()
    is_true, is_false = text.isin(_TRUE_WORDS), text.isin(_FALSE_WORDS)
    bad = text.notna() & ~is_true & ~is_false
    values = pd.Series(pd.NA, index=series.index, dtype="boolean").mask(is_true, True).mask(is_false, False)
    message = "not a yes/no value (use true/false, yes/no, 1/0 or có/không)"
    return (values.astype(bool) if values.notna().all() else values), bad, message


def _to_str(series: pd.Series, *, code: bool = False) -> tuple[pd.Series, pd.Series, str]:
    text = _as_text(series)
    if code:  # GSO codes are two digits: 1 -> "01"
        text = text.where(~text.str.fullmatch(r"\d").fillna(False).astype(bool), "0" + text)
    return text, pd.Series(False, index=series.index), ""


_COERCE = {"int": _to_int, "float": _to_float, "bool": _to_bool, "str": _to_str}
_CODE_COLUMNS = ("province",)


def _coerce_frame(frame: pd.DataFrame, types: dict[str, str], file: str) -> tuple[pd.DataFrame, dict, list]:
    """Give each column its type; every value that does not fit is a problem (count, rows)."""
    problems, bad_rows = [], {}
    for column, kind in types.items():
        if column not in frame.columns:
            continue
        if kind == "str":
            values, bad, message = _to_str(frame[column], code=column in _CODE_COLUMNS)
        else:
            values, bad, message = _COERCE[kind](frame[column])
        if bad.any():
            found = _show(_as_text(frame.loc[bad, column]).tolist())
            bad_rows[column] = set(frame.index[bad])
            problems.append(Problem(f"{message}, found {found}", file=file, location=column,
                                    rows=int(bad.sum()), examples=_examples(frame.index[bad])))
        frame[column] = values
    return frame, bad_rows, problems
