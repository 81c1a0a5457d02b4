"""The typed loaders :func:`read_households`, :func:`read_persons` and
:func:`read_regional_panel`: each reads a table (:func:`~povmodel.io.read_table`), applies a
column map, gives every column its type, checks the schema and raises one
:class:`~povmodel.errors.DataValidationError` listing every problem of the file at once; no
row is ever dropped.
"""

from __future__ import annotations

import pandas as pd

from povmodel.errors import DataValidationError
from povmodel.io.coercion import _coerce_frame, _kind_of
from povmodel.io.column_maps import _apply_column_map, read_column_map
from povmodel.io.tables import _column_names, read_table
from povmodel.io.validation import _missing_columns, _panel_problems, _schema_for, _schema_problems

_EXTRA_CHECKS = {"households": None, "persons": None, "panel": _panel_problems}


def _as_frame(source, encoding: str | None, sheet) -> tuple[pd.DataFrame, dict]:
    """The table and its load report, from a file or from a frame :func:`read_table` returned."""
    if not isinstance(source, pd.DataFrame):
        frame = read_table(source, encoding=encoding, sheet=sheet)
        return frame, dict(frame.attrs["load_report"])
    report = dict(source.attrs.get("load_report") or {})
    report.setdefault("file", "<DataFrame>")
    report.setdefault("sha256", None)
    report.setdefault("rows_read", len(source))
    report.setdefault("format", "DataFrame")
    report.setdefault("encoding", None)
    frame = source.copy()
    frame.columns = _column_names(frame.columns, report["file"])
    if frame.index.name != "row" or not frame.index.is_unique or not pd.api.types.is_integer_dtype(frame.index):
        frame.index = pd.RangeIndex(1, len(frame) + 1, name="row")
    return frame, report


def _load(source, kind: str, column_map, encoding: str | None, sheet) -> pd.DataFrame:
    """read_table -> column map -> types -> schema and extra checks -> one error with everything."""
    frame, report = _as_frame(source, encoding, sheet)
    file = report["file"]
    cmap = read_column_map(column_map, kind=kind)
    frame, problems = _apply_column_map(frame, cmap, file)
    missing, notes = _missing_columns(frame, kind, file, cmap.extra)
    schema = _schema_for(kind)
    types = {name: _kind_of(column.dtype) for name, column in schema.columns.items()}
    types.update({name: t for name, t in cmap.extra.items() if t is not None})
    frame, bad_rows, coercion = _coerce_frame(frame, types, file)
    problems += missing + coercion + _schema_problems(frame, kind, file, bad_rows)
    if _EXTRA_CHECKS[kind] is not None:
        problems += _EXTRA_CHECKS[kind](frame, file)
    if problems:
        raise DataValidationError(problems, title=f"{file}: {len(problems)} problem"
                                  f"{'s' if len(problems) != 1 else ''} in the {kind} table")
    ordered = [c for c in schema.columns if c in frame.columns]
    frame = frame[ordered + [c for c in frame.columns if c not in schema.columns]].reset_index(drop=True)
    frame.attrs["load_report"] = {
        **report, "kind": kind, "columns_mapped": dict(cmap.columns),
        "constants": sorted(cmap.constants), "column_map": cmap.file, "notes": notes,
    }
    return frame


def read_households(path, *, column_map=None, encoding: str | None = None, sheet=None) -> pd.DataFrame:
    """Read a household table, map its columns, give them their types and check it.

    Steps: :func:`read_table` (CSV / TSV / TXT, Parquet, Stata, Excel) -> the column map
    (:class:`ColumnMap`: rename, recode, constants, extra columns) -> every schema column
    coerced to its type (whole numbers, numbers, yes/no values written true/false, yes/no,
    1/0 or có/không in any case; province codes ``1`` -> ``"01"``) -> the pandera schema
    :func:`povmodel.schemas.household_schema` (``lazy=True``). No row is ever dropped.

    Parameters
    ----------
    path
        The file, or a frame returned by :func:`read_table` (e.g. after deriving columns).
    column_map
        A column-map YAML file (or a mapping, or a :class:`ColumnMap`); ``None`` if the
        columns are already named as the schema names them.
    encoding
        Force the text encoding of a CSV (default: detected, see :func:`read_table`).
    sheet
        Excel sheet name or position (default: the first sheet).

    Returns
    -------
    pandas.DataFrame
        Schema columns first (in schema order), then every other column; index 0..n-1.
        Yes/no columns are ``bool``, or pandas ``boolean`` where values are missing.
        ``attrs["load_report"]``: ``file``, ``sha256``, ``rows_read``, ``columns_mapped``,
        ``format``, ``encoding``, and ``kind``, ``constants``, ``column_map``, ``notes``
        (e.g. an unknown column that looks like a misspelled optional one).

    Raises
    ------
    DataValidationError
        With **every** problem of the file at once, each naming the file, the column, the
        number of rows and up to five example row numbers, numbered as :func:`read_table`
        does (CSV and Excel: the spreadsheet row, header = row 1, first data row = row 2):
        an unreadable file; missing required columns (with the closest existing name: a
        misspelled column?); values of the wrong type; unknown province codes (with the valid
        range); weights that are missing, zero or negative; negative incomes; values outside
        their range; duplicate (hh_id, year).
    """
    return _load(path, "households", column_map, encoding, sheet)


def read_persons(path, *, column_map=None, encoding: str | None = None, sheet=None) -> pd.DataFrame:
    """Read a person table, map its columns, give them their types and check it.

    As :func:`read_households` (same parameters, return value and error reporting), with the
    schema :func:`povmodel.schemas.person_schema`: ages within 0-120, education levels and
    work statuses from the schema's lists, no duplicate (person_id, year).

    Returns
    -------
    pandas.DataFrame
        The persons, schema columns first; ``attrs["load_report"]`` as for households.

    Raises
    ------
    DataValidationError
        Every problem of the file at once.
    """
    return _load(path, "persons", column_map, encoding, sheet)


def read_regional_panel(path, *, column_map=None, encoding: str | None = None, sheet=None) -> pd.DataFrame:
    """Read a regional panel (long form: area, year, indicator, value and provenance) and check it.

    As :func:`read_households`, with the schema :func:`povmodel.schemas.regional_panel_schema`
    (no missing values: a missing figure is a row left out, not ``NaN``; no repeated
    (area_code, year, indicator, standard, source)) and two more checks:

    - one series -- an (area_code, indicator, standard) -- keeps to one ``source`` and one
      ``unit``: GSO survey estimates and MOLISA administrative counts are different
      measurements and stay apart (they may cover the same year under different standards,
      as the real panel does for 2015);
    - rows at ``area_level`` ``"province"`` carry one of the 63 GSO province codes.

    Returns
    -------
    pandas.DataFrame
        The panel; ``attrs["load_report"]`` as for households.

    Raises
    ------
    DataValidationError
        Every problem of the file at once.
    """
    return _load(path, "panel", column_map, encoding, sheet)
