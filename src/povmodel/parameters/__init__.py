"""Dated policy parameters: poverty standards, programme targets, COVID-19 support packages.

The tree is read from the YAML files beside this module (OpenFisca-style: every value is keyed
by the date it enters into force and carries its unit, legal reference and verification
status). Nothing in povmodel hard-codes a poverty line or a transfer amount; it asks the tree
for the value in force at a date::

    >>> from povmodel.parameters import load_parameters
    >>> p = load_parameters()
    >>> p.at("2021-12-31").poverty.income_line.rural
    700000
    >>> p.at("2022-06-30").poverty.income_line.rural
    1500000

A reform or scenario is a set of changes applied on top, never an edited copy::

    >>> reform = p.with_changes({"covid_support.res42.poor_near_poor": {"2020-04-09": 500000}})
"""

from __future__ import annotations

import bisect
import datetime as dt
import functools
import numbers
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from povmodel._yaml import line_of, read_yaml
from povmodel.errors import ConfigError, Problem
from povmodel.paths import parameters_dir

STATUSES = ("verified", "verified_secondary", "uncertain", "draft")
#: Statuses that a report must flag next to any number that depends on them.
FLAGGED_STATUSES = ("uncertain", "draft")
_LEAF_KEYS = {"description", "unit", "values", "reference", "status", "note"}
_VALUE_KEYS = {"value", "reference", "status", "note"}


@dataclass(frozen=True)
class DatedValue:
    """One value of a parameter, in force from ``start`` until the next value starts."""

    start: dt.date
    value: Any
    reference: str | None = None
    status: str = "verified"
    note: str | None = None


@dataclass(frozen=True)
class Parameter:
    """A leaf of the parameter tree: a named, documented series of dated values."""

    path: str
    description: str
    unit: str
    values: tuple[DatedValue, ...]
    source_file: str | None = None

    def entry_at(self, date: dt.date) -> DatedValue | None:
        """The dated value in force at ``date`` (``None`` before the first one)."""
        starts = [v.start for v in self.values]
        i = bisect.bisect_right(starts, date) - 1
        return self.values[i] if i >= 0 else None

    def at(self, date: str | dt.date) -> Any:
        """The value in force at ``date`` (``None`` before the first one)."""
        entry = self.entry_at(_as_date(date))
        return None if entry is None else entry.value


class Snapshot(Mapping):
    """The values of a (sub)tree in force at one date, read by attribute or by key."""

    def __init__(self, values: dict[str, Any], date: dt.date, prefix: str = ""):
        self._values = values
        self._date = date
        self._prefix = prefix

    def __getitem__(self, key: str) -> Any:
        try:
            return self._values[key]
        except KeyError:
            where = f"{self._prefix}." if self._prefix else ""
            raise KeyError(
                f"no parameter {where}{key}; available: {', '.join(sorted(self._values))}"
            ) from None

    def __getattr__(self, key: str) -> Any:
        if key.startswith("_"):
            raise AttributeError(key)
        try:
            return self[key]
        except KeyError as exc:
            raise AttributeError(str(exc)) from None

    def __iter__(self) -> Iterator[str]:
        return iter(self._values)

    def __len__(self) -> int:
        return len(self._values)

    @property
    def date(self) -> dt.date:
        """The date this snapshot was taken at."""
        return self._date

    def to_dict(self) -> dict[str, Any]:
        """Plain nested dictionaries."""
        return {k: v.to_dict() if isinstance(v, Snapshot) else v for k, v in self._values.items()}

    def __repr__(self) -> str:
        return f"Snapshot({self._prefix or '<root>'} at {self._date}: {sorted(self._values)})"


@dataclass(frozen=True)
class ParameterTree:
    """Every dated parameter, addressed by dotted path (``poverty.income_line.rural``)."""

    parameters: Mapping[str, Parameter]
    coverage: tuple[dt.date, dt.date]
    changes: tuple[tuple[str, dt.date, Any], ...] = field(default_factory=tuple)

    def __contains__(self, path: str) -> bool:
        return path in self.parameters

    def get(self, path: str) -> Parameter:
        """The parameter at ``path``; a clear error naming close matches if unknown."""
        try:
            return self.parameters[path]
        except KeyError:
            raise ConfigError(Problem(_unknown_path_message(path, self.parameters))) from None

    def at(self, date: str | dt.date) -> Snapshot:
        """All values in force at ``date``, as a nested :class:`Snapshot`."""
        when = _as_date(date)
        root: dict[str, Any] = {}
        for path, param in self.parameters.items():
            node = root
            *parents, leaf = path.split(".")
            for part in parents:
                node = node.setdefault(part, {})
            node[leaf] = param.at(when)
        return _to_snapshot(root, when, "")

    def flagged(self, date: str | dt.date) -> list[tuple[str, DatedValue]]:
        """Parameters whose value in force at ``date`` is uncertain or a draft."""
        when = _as_date(date)
        out = []
        for path, param in self.parameters.items():
            entry = param.entry_at(when)
            if entry is not None and entry.status in FLAGGED_STATUSES:
                out.append((path, entry))
        return out

    def with_changes(self, changes: Mapping[str, Mapping[Any, Any]]) -> ParameterTree:
        """A new tree with ``{path: {date: value}}`` applied on top (this one is unchanged).

        A change at a date that already has a value replaces it (keeping its unit, marking the
        reference as a scenario change); a change at a new date adds an entry from that date.

        Raises
        ------
        ConfigError
            Listing every unknown path and unreadable date at once.
        """
        problems: list[Problem] = []
        params = dict(self.parameters)
        applied = list(self.changes)
        for path, dated in changes.items():
            if path not in params:
                problems.append(Problem(_unknown_path_message(path, params), location=path))
                continue
            if not isinstance(dated, Mapping) or not dated:
                problems.append(
                    Problem("expected a mapping {date: value}", location=path, examples=(dated,))
                )
                continue
            entries = {v.start: v for v in params[path].values}
            for raw_date, value in dated.items():
                try:
                    start = _as_date(raw_date)
                except (TypeError, ValueError):
                    problems.append(
                        Problem(f"not a date: {raw_date!r} (use YYYY-MM-DD)", location=path)
                    )
                    continue
                entries[start] = DatedValue(
                    start, value, reference="scenario change", status="verified"
                )
                applied.append((path, start, value))
            params[path] = replace(params[path], values=tuple(sorted(entries.values(), key=_start)))
        if problems:
            raise ConfigError(problems, title="invalid parameter changes")
        return ParameterTree(params, self.coverage, tuple(applied))


def _start(v: DatedValue) -> dt.date:
    return v.start


def _to_snapshot(node: dict[str, Any], date: dt.date, prefix: str) -> Snapshot:
    return Snapshot(
        {
            k: _to_snapshot(v, date, f"{prefix}.{k}" if prefix else k) if isinstance(v, dict) else v
            for k, v in node.items()
        },
        date,
        prefix,
    )


def _as_date(value: str | dt.date | int) -> dt.date:
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    if isinstance(value, numbers.Integral) and not isinstance(value, bool):
        return dt.date(int(value), 12, 31)  # a bare year means its last day, as end-of-year reviews
    if isinstance(value, str):
        return dt.date.fromisoformat(value.strip())
    raise TypeError(f"not a date: {value!r}")


def _unknown_path_message(path: str, known: Mapping[str, Any]) -> str:
    import difflib

    close = difflib.get_close_matches(path, list(known), n=3, cutoff=0.6)
    hint = f"; did you mean {' or '.join(close)}?" if close else ""
    return f"unknown parameter '{path}'{hint}"


def _parse_leaf(path: str, spec: dict, file: str, node, problems: list[Problem]) -> Parameter | None:
    keys = path.split(".")

    def problem(msg: str, *sub: Any) -> None:
        line = line_of(node, [*keys, *sub])
        where = f"{path}{'.' if sub else ''}{'.'.join(map(str, sub))}"
        problems.append(Problem(msg, file=f"{file}:{line}" if line else file, location=where))

    unknown = set(spec) - _LEAF_KEYS
    if unknown:
        problem(f"unknown key(s) {sorted(unknown)}; allowed: {sorted(_LEAF_KEYS)}")
    for required in ("description", "unit"):
        if not isinstance(spec.get(required), str) or not spec.get(required):
            problem(f"'{required}' is required (a non-empty text)")
    raw_values = spec.get("values")
    if not isinstance(raw_values, dict) or not raw_values:
        problem("'values' must map dates (YYYY-MM-DD) to values")
        return None
    default_status = spec.get("status", "verified")
    values = []
    for start, raw in raw_values.items():
        if not isinstance(start, dt.date):
            problem(f"key {start!r} is not a date (YYYY-MM-DD)", "values")
            continue
        if isinstance(raw, dict) and "value" in raw:
            extra = set(raw) - _VALUE_KEYS
            if extra:
                problem(f"unknown key(s) {sorted(extra)}; allowed: {sorted(_VALUE_KEYS)}", "values", start)
            entry = DatedValue(
                start,
                raw["value"],
                raw.get("reference", spec.get("reference")),
                raw.get("status", default_status),
                raw.get("note"),
            )
        else:
            entry = DatedValue(start, raw, spec.get("reference"), default_status, None)
        if entry.status not in STATUSES:
            problem(f"status {entry.status!r} is not one of {STATUSES}", "values", start)
        values.append(entry)
    return Parameter(
        path,
        str(spec.get("description", "")),
        str(spec.get("unit", "")),
        tuple(sorted(values, key=_start)),
        file,
    )


def _walk(node_data: Any, prefix: str, file: str, node, out: dict, problems: list[Problem]) -> None:
    if not isinstance(node_data, dict):
        line = line_of(node, prefix.split("."))
        problems.append(
            Problem(
                "expected a mapping of parameters or a leaf with 'values'",
                file=f"{file}:{line}",
                location=prefix,
            )
        )
        return
    if "values" in node_data:
        leaf = _parse_leaf(prefix, node_data, file, node, problems)
        if leaf is not None:
            if prefix in out:
                problems.append(Problem("defined twice", file=file, location=prefix))
            out[prefix] = leaf
        return
    for key, child in node_data.items():
        _walk(child, f"{prefix}.{key}" if prefix else str(key), file, node, out, problems)


#: Last day the shipped parameters describe (end of the 2027-2030 standard's period).
COVERAGE_END = dt.date(2030, 12, 31)


def read_parameter_files(paths: list[Path]) -> ParameterTree:
    """Read and check parameter YAML files into one :class:`ParameterTree`.

    Raises
    ------
    ConfigError
        Every problem in every file at once.
    """
    problems: list[Problem] = []
    params: dict[str, Parameter] = {}
    for path in paths:
        try:
            data, node = read_yaml(path)
        except ConfigError as exc:
            problems.extend(exc.problems)
            continue
        _walk(data or {}, "", str(path), node, params, problems)
    if problems:
        raise ConfigError(problems, title="invalid parameter files")
    if not params:
        raise ConfigError(Problem("no parameters found", file=", ".join(map(str, paths))))
    first = min(v.start for p in params.values() for v in p.values)
    return ParameterTree(dict(sorted(params.items())), (first, COVERAGE_END))


@functools.lru_cache(maxsize=1)
def load_parameters() -> ParameterTree:
    """The parameter tree shipped with povmodel (cached; the tree is immutable)."""
    return read_parameter_files(sorted(parameters_dir().glob("*.yaml")))


def standard_in_force(date: str | dt.date | int) -> str:
    """Identifier of the poverty standard in force at ``date`` (a bare year means 31 Dec)."""
    return load_parameters().at(date).poverty.standard


__all__ = [
    "COVERAGE_END",
    "DatedValue",
    "Parameter",
    "ParameterTree",
    "Snapshot",
    "load_parameters",
    "read_parameter_files",
    "standard_in_force",
]
