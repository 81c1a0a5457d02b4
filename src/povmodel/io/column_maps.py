"""Column maps: how a user's table translates into povmodel's columns. :func:`read_column_map`
reads and checks a column-map YAML file (:class:`ColumnMap`: rename, recode, constants, extra
columns), reporting every problem with its ``file:line``; :func:`_apply_column_map` applies one
to a table read by :func:`~povmodel.io.read_table`.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd

from povmodel._yaml import line_of, read_yaml
from povmodel.errors import DataValidationError, Problem, ProblemsError
from povmodel.io._text import _as_text, _did_you_mean, _token
from povmodel.io.validation import _schema_for

#: Sections of a column-map file.
COLUMN_MAP_KEYS = ("columns", "values", "constants", "extra", "description")
#: Types an extra column may be declared with (``null``: kept as read).
EXTRA_TYPES = ("int", "float", "bool", "str")


@dataclass(frozen=True)
class ColumnMap:
    """A column-map file: how a user's table translates into povmodel's columns.

    Format (YAML; every section optional)::

        columns:   {their_column: our_column}            # rename
        values:    {our_column: {their_value: our_value}} # recode (null = missing)
        constants: {our_column: value}                    # add a constant column
        extra:     {our_column: float}                    # declare extra columns and their type

    Targets must be columns of the table's schema or declared under ``extra`` (type ``int``,
    ``float``, ``bool``, ``str`` or ``null`` to keep it as read; a list of names is also
    accepted). Columns of the file that are not mapped are kept as they are. YAML reads an
    unquoted ``yes`` / ``no`` as true / false: such keys under ``values`` match the words
    yes/no/true/false alike.
    """

    columns: dict[str, str] = field(default_factory=dict)
    values: dict[str, dict[Any, Any]] = field(default_factory=dict)
    constants: dict[str, Any] = field(default_factory=dict)
    extra: dict[str, str | None] = field(default_factory=dict)
    file: str | None = None


def read_column_map(source: str | Path | dict | ColumnMap | None, *, kind: str) -> ColumnMap:
    """Read and check a column-map file (format: :class:`ColumnMap`).

    Parameters
    ----------
    source
        A YAML file, an already-parsed mapping, a :class:`ColumnMap` or ``None`` (no mapping).
    kind
        ``"households"``, ``"persons"`` or ``"panel"``: whose schema the targets belong to.

    Raises
    ------
    DataValidationError
        Every problem of the file at once (``file:line``, section and key): unknown sections,
        wrong shapes, targets that are neither schema columns nor declared ``extra``, two
        sources for one target.
    """
    if isinstance(source, ColumnMap):
        return source
    if source is None:
        return ColumnMap()
    node = None
    file = "column map"
    if isinstance(source, dict):
        data = source
    else:
        file = str(source)
        try:
            data, node = read_yaml(source)
        except ProblemsError as exc:
            raise DataValidationError(exc.problems, title=exc.title) from None
    data = {} if data is None else data
    schema_columns = list(_schema_for(kind).columns)
    return _check_column_map(data, node, file, schema_columns, kind)


def _map_sections(data: dict, add) -> dict[str, dict]:
    """The four sections of a column map as ``{str: value}`` mappings (shape problems added)."""
    for key in data:
        if key not in COLUMN_MAP_KEYS:
            add(f"unknown section{_did_you_mean(str(key), COLUMN_MAP_KEYS)}", key)
    sections = {}
    for key in ("columns", "values", "constants", "extra"):
        value = data.get(key) or {}
        if key == "extra" and isinstance(value, list) and all(isinstance(v, str) for v in value):
            value = dict.fromkeys(value)
        if not isinstance(value, dict):
            add("must be a mapping" + (" or a list of column names" if key == "extra" else ""), key)
            value = {}
        sections[key] = {str(k): v for k, v in value.items()}
    for source, target in sections["columns"].items():
        if not isinstance(target, str) or not target.strip():
            add("the target must be a column name", "columns", source)
    for target, recode in sections["values"].items():
        if not isinstance(recode, dict):
            add("must be a mapping {their_value: our_value}", "values", target)
    for target, value in sections["constants"].items():
        if isinstance(value, dict | list):
            add("a constant must be a single value", "constants", target)
    return sections


def _check_targets(sections: dict, schema_columns: list[str], kind: str, add) -> dict[str, str | None]:
    """Declared extra columns; every target must be a schema column or declared extra, once."""
    extra = {}
    for name, type_name in sections["extra"].items():
        if name in schema_columns:
            add(f"{name!r} is a {kind} schema column, not an extra one", "extra", name)
        elif type_name is not None and type_name not in EXTRA_TYPES:
            add(f"unknown type {type_name!r}: use {', '.join(EXTRA_TYPES)} or null", "extra", name)
        else:
            extra[name] = type_name
    known = set(schema_columns) | set(extra)
    owners: dict[str, str] = {}
    targets = [(t.strip(), f"column {s!r}", "columns", s)
               for s, t in sections["columns"].items() if isinstance(t, str)]
    targets += [(t, "a constant", "constants", t) for t in sections["constants"]]
    targets += [(t, None, "values", t) for t in sections["values"]]
    for target, owner, *key_path in targets:
        if target not in known:
            add(f"{target!r} is not a {kind} column{_did_you_mean(target, schema_columns)} "
                f"(declare it under 'extra' to keep it)", *key_path)
        if owner is None:
            continue
        if target in owners:
            add(f"{target!r} is given twice ({owners[target]} and {owner})", *key_path)
        owners.setdefault(target, owner)
    return extra


def _check_column_map(data, node, file: str, schema_columns: list[str], kind: str) -> ColumnMap:
    problems: list[Problem] = []

    def add(message: str, *key_path) -> None:
        line = line_of(node, list(key_path)) if node is not None else None
        where = f"{file}:{line}" if line else file
        problems.append(Problem(message, file=where, location=".".join(map(str, key_path)) or None))

    if not isinstance(data, dict):
        add(f"a column map must be a mapping with sections {', '.join(COLUMN_MAP_KEYS[:4])}")
        raise DataValidationError(problems)
    sections = _map_sections(data, add)
    extra = _check_targets(sections, schema_columns, kind, add)
    if problems:
        n = len(problems)
        raise DataValidationError(problems, title=f"{file}: invalid column map ({n} problem{'s' if n != 1 else ''})")
    return ColumnMap(columns={k: v.strip() for k, v in sections["columns"].items()},
                     values=sections["values"], constants=sections["constants"], extra=extra,
                     file=None if node is None else file)


def _recode(series: pd.Series, recode: dict) -> pd.Series:
    """Replace values by a ``{their_value: our_value}`` table (case-insensitive); others stay."""
    lookup: dict[str, Any] = {}
    for key, new in recode.items():
        if isinstance(key, bool):  # YAML reads an unquoted yes/no/on/off as a boolean
            words = ("true", "yes", "on") if key else ("false", "no", "off")
        else:
            words = (_token(key) or "",)
        lookup.update({w.casefold(): new for w in words})
    text = _as_text(series).str.casefold()
    matched = text.isin(list(lookup))
    return series.astype(object).where(~matched, text.map(lookup).astype(object))


def _apply_column_map(frame: pd.DataFrame, cmap: ColumnMap, file: str) -> tuple[pd.DataFrame, list[Problem]]:
    """Rename, recode and add constants; problems for mapped columns the file lacks."""
    problems = []
    for source in (s for s in cmap.columns if s not in frame.columns):
        problems.append(Problem(f"the column map renames column {source!r}, which the file does not have"
                                f"{_did_you_mean(source, frame.columns)}", file=file, location=source))
    rename = {s: t for s, t in cmap.columns.items() if s in frame.columns and s != t}
    clashes = {t for t in rename.values() if t in frame.columns and t not in rename}
    for target in sorted(clashes):
        problems.append(Problem(f"renaming would give two columns named {target!r}: the file already "
                                f"has one", file=file, location=target))
    frame = frame.rename(columns={s: t for s, t in rename.items() if t not in clashes})
    for target, recode in cmap.values.items():
        if target not in frame.columns:
            problems.append(Problem("the column map recodes this column, which the file does not have "
                                    "(after renaming)", file=file, location=target))
            continue
        frame[target] = _recode(frame[target], recode)
    for target, value in cmap.constants.items():
        if target in frame.columns:
            problems.append(Problem("the column map sets this column to a constant, but the file "
                                    "already has it", file=file, location=target))
            continue
        frame[target] = pd.Series([value] * len(frame), index=frame.index, dtype=object)
    return frame, problems
