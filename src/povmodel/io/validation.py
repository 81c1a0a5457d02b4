"""Checking a typed table against its contract: the pandera schema of each table kind
(:mod:`povmodel.schemas`, validated lazily, imported only when a check runs) turned into
readable problems -- one per column and check, with the number of rows and example row
numbers -- plus missing required columns (with the closest existing name) and the extra
checks of the regional panel (one source and unit per series, known province codes).
"""

from __future__ import annotations

import functools

import pandas as pd

from povmodel.errors import DataValidationError, Problem
from povmodel.io._text import _closest, _examples, _first_line, _show
from povmodel.io.coercion import _CODE_COLUMNS


def _schema_for(kind: str):
    from povmodel import schemas

    factories = {"households": schemas.household_schema, "persons": schemas.person_schema,
                 "panel": schemas.regional_panel_schema}
    if kind not in factories:
        raise DataValidationError(Problem(f"unknown table kind {kind!r}: use one of {', '.join(factories)}"))
    return factories[kind]()


@functools.cache
def _validation_schema(kind: str):
    """The kind's pandera schema without dtype checks: :func:`_coerce_frame` sets the types
    (nullable ``boolean`` / ``Int64`` where values are missing, which a plain ``bool`` refuses)."""
    schema = _schema_for(kind)
    return schema.update_columns({name: {"dtype": None} for name in schema.columns})


def _check_message(column: str, check: str, stats: dict, found: str) -> str:
    name = check.split("(")[0]
    if name == "not_nullable":
        if column == "weight":
            return "missing weight: every household needs a sampling weight > 0"
        return "missing values in a required column"
    if name == "greater_than":
        what = "zero or negative weight" if column == "weight" else (
            f"values must be greater than {stats.get('min_value')}")
        return f"{what}, found {found}"
    if name == "greater_than_or_equal_to":
        return f"negative values (must be >= {stats.get('min_value')}), found {found}"
    if name == "in_range":
        return f"values outside {stats.get('min_value')}-{stats.get('max_value')}, found {found}"
    if name == "isin":
        allowed = sorted(map(str, stats.get("allowed_values", ())))
        if column in _CODE_COLUMNS:
            return (f"unknown GSO province code(s) {found}: valid codes are the {len(allowed)} "
                    f"two-digit GSO codes {allowed[0]}-{allowed[-1]} (see povmodel.admin.provinces())")
        return f"values not allowed, found {found}: use one of {', '.join(allowed)}"
    if name == "str_length":
        return "empty text where a value is required"
    return f"fails check {check}, found {found}"


def _check_statistics(schema, column, number) -> dict:
    """The arguments of a column's check (e.g. ``{"min_value": 0}``) from its number."""
    checks = schema.columns[column].checks if column in schema.columns else []
    number = pd.to_numeric(number, errors="coerce")
    if pd.isna(number) or not 0 <= number < len(checks):
        return {}
    return dict(checks[int(number)].statistics or {})


def _schema_problems(frame: pd.DataFrame, kind: str, file: str, bad_rows: dict) -> list[Problem]:
    """Validate with the pandera schema (lazy) and turn its failure cases into problems, one per
    column and check, with the number of rows and up to five example row numbers."""
    from pandera.errors import SchemaError, SchemaErrors

    schema = _schema_for(kind)
    try:
        _validation_schema(kind).validate(frame, lazy=True)
        return []
    except SchemaErrors as exc:
        cases = exc.failure_cases
    except SchemaError as exc:
        return [Problem(f"breaks the {kind} schema: {_first_line(exc)}", file=file)]
    checks = cases["check"].astype(str)
    cases = cases[~checks.str.startswith(("dtype(", "column_in_dataframe", "column_in_schema"))]
    problems = []
    unique = cases["check"].astype(str).eq("multiple_fields_uniqueness")
    if unique.any():
        rows = pd.to_numeric(cases.loc[unique, "index"], errors="coerce").dropna()
        key = list(schema.unique or [])
        problems.append(Problem(f"duplicate ids: rows repeat the ({', '.join(key)}) of another row",
                                file=file, location=", ".join(key), rows=int(rows.nunique()),
                                examples=_examples(rows)))
    for (column, check), part in cases[~unique].groupby(["column", "check"], sort=False):
        rows = pd.to_numeric(part["index"], errors="coerce")
        keep = rows.notna() & ~rows.isin(bad_rows.get(column, ()))
        if not keep.any():
            continue
        stats = _check_statistics(schema, column, part["check_number"].iloc[0])
        found = _show(part.loc[keep, "failure_case"].tolist())
        problems.append(Problem(_check_message(str(column), str(check), stats, found), file=file,
                                location=str(column), rows=int(rows[keep].nunique()),
                                examples=_examples(rows[keep])))
    return problems


def _missing_columns(frame: pd.DataFrame, kind: str, file: str, extra) -> tuple[list[Problem], list[str]]:
    """Problems for missing required columns (with the closest existing column: misspelled?),
    and notes for undeclared columns that look like a misspelled optional column."""
    schema = _schema_for(kind)
    unknown = [c for c in frame.columns if c not in schema.columns and c not in extra]
    problems, notes = [], []
    for name, column in schema.columns.items():
        if name in frame.columns:
            continue
        if column.required:
            close = _closest(name, unknown)
            hint = (f"; did you mean {close!r}? (misspelled column: rename it in the file, or map it "
                    f"with a column map: columns: {{{close}: {name}}})") if close else ""
            problems.append(Problem(f"missing required column{hint}", file=file, location=name))
        elif close := _closest(name, unknown, cutoff=0.85):
            notes.append(f"column {close!r} is not a {kind} column and is kept as is; "
                         f"did you mean {name!r}?")
    return problems, notes


#: Units of the regional panel whose values are counts or sizes (never negative).
_COUNT_UNITS = ("households", "persons", "thousand persons", "km2", "persons/km2")


def _panel_problems(frame: pd.DataFrame, file: str) -> list[Problem]:
    """Regional panel: one series never mixes sources or units; province codes exist."""
    from povmodel import admin

    problems = []
    series = ["area_code", "indicator", "standard"]
    for column, key, why in (
        ("source", series, "survey estimates (GSO) and administrative counts (MOLISA) are different "
                           "measurements: give them different standards or indicators"),
        ("unit", [*series, "source"], "convert the values to one unit, or name the indicators apart"),
    ):
        if not {*key, column} <= set(frame.columns):
            continue
        n = frame.groupby(key, dropna=False)[column].transform("nunique")
        mixed = frame[n > 1]
        if len(mixed):
            first = mixed.iloc[0]
            same = mixed[(mixed[key] == first[key]).all(axis=1)]
            where = " ".join(str(first[k]) for k in key)
            problems.append(Problem(
                f"one series ({', '.join(key)}) mixes {column}s, e.g. {where} has "
                f"{_show(same[column].tolist())}; {why}",
                file=file, location=column, rows=len(mixed), examples=_examples(mixed.index)))
    if {"unit", "value", "indicator"} <= set(frame.columns) and pd.api.types.is_numeric_dtype(frame["value"]):
        # rates and shares in % (poverty rates, unemployment ...) lie in 0-100; counts are >= 0
        share = frame["unit"].eq("%") & ~frame["indicator"].astype(str).str.contains("growth|change", regex=True)
        count = frame["unit"].isin(_COUNT_UNITS)
        for mask, what in ((share & frame["value"].notna() & ~frame["value"].between(0, 100), "percentages outside 0-100"),
                           (count & frame["value"].lt(0), "negative counts")):
            if mask.any():
                problems.append(Problem(f"{what}, found {_show(frame.loc[mask, 'value'].tolist())}", file=file,
                                        location="value", rows=int(mask.sum()),
                                        examples=_examples(frame.index[mask])))
    if {"area_level", "area_code"} <= set(frame.columns):
        province = frame["area_level"].eq("province") & ~frame["area_code"].isin(admin.province_codes())
        if province.any():
            problems.append(Problem(
                f"unknown GSO province code(s) {_show(frame.loc[province, 'area_code'].tolist())} "
                f"at area_level 'province': valid codes are the 63 two-digit GSO codes 01-96",
                file=file, location="area_code", rows=int(province.sum()),
                examples=_examples(frame.index[province])))
    return problems
