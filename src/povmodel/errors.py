"""Exception types of povmodel.

Every error a user can provoke (a bad config, a malformed table, an unknown province) is a
:class:`PovmodelError`. Errors that concern inputs carry a list of :class:`Problem` records so
that *all* problems are reported at once, each naming the file, the location inside it (a key
path or a column), the rows concerned and what is wrong.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field


@dataclass(frozen=True)
class Problem:
    """One thing wrong with an input.

    Parameters
    ----------
    message
        What is wrong, in plain words.
    file
        The file concerned, if any.
    location
        Where inside the file: a dotted key path for configs, a column name for tables.
    rows
        Number of rows affected (tables only).
    examples
        A few example row numbers (1-based, as a spreadsheet shows them) or values.
    """

    message: str
    file: str | None = None
    location: str | None = None
    rows: int | None = None
    examples: tuple[object, ...] = field(default_factory=tuple)

    def __str__(self) -> str:
        parts = []
        if self.file:
            parts.append(str(self.file))
        if self.location:
            parts.append(str(self.location))
        head = ": ".join(parts)
        text = f"{head}: {self.message}" if head else self.message
        if self.rows is not None:
            text += f" ({self.rows} row{'s' if self.rows != 1 else ''}"
            if self.examples:
                text += ", e.g. " + ", ".join(str(e) for e in self.examples[:5])
            text += ")"
        elif self.examples:
            text += " (e.g. " + ", ".join(str(e) for e in self.examples[:5]) + ")"
        return text


class PovmodelError(Exception):
    """Base class of every error raised on purpose by povmodel."""


class ProblemsError(PovmodelError):
    """An error that carries one or more :class:`Problem` records."""

    def __init__(self, problems: Iterable[Problem] | Problem | str, *, title: str | None = None):
        if isinstance(problems, str):
            problems = [Problem(problems)]
        elif isinstance(problems, Problem):
            problems = [problems]
        self.problems: Sequence[Problem] = tuple(problems)
        self.title = title
        super().__init__(self._render())

    def _render(self) -> str:
        lines = [str(p) for p in self.problems]
        n = len(lines)
        head = self.title or f"{n} problem{'s' if n != 1 else ''} found"
        return head + ":\n" + "\n".join(f"  - {line}" for line in lines)

    def lines(self) -> list[str]:
        """One line per problem, as the command line prints them."""
        return [str(p) for p in self.problems]


class ConfigError(ProblemsError):
    """A run config, scenario file or parameter file is invalid."""


class DataValidationError(ProblemsError):
    """A data table (households, persons, regional panel, boundaries) is invalid."""


class UnknownAreaError(PovmodelError, KeyError):
    """A province, region or area code or name is not known."""

    def __str__(self) -> str:  # KeyError would quote the message
        return str(self.args[0]) if self.args else ""


class NotFittedError(PovmodelError, ValueError):
    """An estimator was used before ``fit``."""


class EstimatorInputError(PovmodelError, ValueError, TypeError):
    """An estimator got unusable data (wrong shape, missing or infinite values, text); also a
    ``TypeError`` where scikit-learn raises one, so that estimator conventions hold."""


class ReportError(PovmodelError):
    """One or more report notebooks failed to execute."""
