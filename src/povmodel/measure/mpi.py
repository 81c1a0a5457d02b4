"""Multidimensional poverty by the Alkire-Foster (AF) counting method, with design-based SEs.

The AF method (Alkire & Foster 2011, "Counting and multidimensional poverty measurement",
*Journal of Public Economics* 95: 476-487) works on a 0/1 deprivation matrix ``g`` (unit ``i``
deprived in indicator ``j``) and positive indicator weights ``w_j`` summing to 1:

* deprivation score ``c_i = sum_j w_j g_ij`` (in ``[0, 1]``);
* identification: ``i`` is poor when ``c_i >= k`` (the poverty cut-off ``k``, ``0 < k <= 1``);
* censoring: the deprivations of the non-poor are set to 0, ``g_ij(k) = g_ij 1[c_i >= k]``.

With survey weights ``s_i`` (times household size for ``unit="person"``) every measure is a
ratio of weighted totals, so :func:`povmodel.measure.design.ratio_by_domain` gives all point
estimates and their Taylor-linearised standard errors (strata, PSUs)::

    H    = sum s 1[c>=k]        / sum s              headcount ratio        (mpi_h)
    A    = sum s c 1[c>=k]      / sum s 1[c>=k]      intensity among poor   (mpi_a)
    M0   = sum s c 1[c>=k]      / sum s              adjusted headcount     (mpi_m0 = H x A)
    h_j  = sum s g_j            / sum s              uncensored headcount   (uncensored_<j>)
    h_j(k) = sum s g_j 1[c>=k]  / sum s              censored headcount     (censored_<j>)
    contribution_j = sum s w_j g_j 1[c>=k] / sum s c 1[c>=k] = w_j h_j(k) / M0
    contribution_dimension_d = sum over the indicators j of dimension d of contribution_j

``M0 = sum_j w_j h_j(k)``, so the indicator contributions add up to 1 (as fractions, not
percentages). ``mpi_vulnerable`` is the share with ``lower <= c < upper`` (the spec's
``vulnerable`` band, 20%-33.3% for the global MPI) and ``mpi_severe`` the share with
``c >= severe`` (50%); neither depends on ``k``.

Scores are sums of floating-point weights (``3 x 0.1`` is not exactly ``0.3``), so every
comparison of a score with a cut-off allows a tolerance of :data:`SCORE_TOLERANCE`:
``c >= k`` is evaluated as ``c >= k - 1e-9`` and ``c < upper`` as ``c < upper - 1e-9``.

Results are :class:`MPIResults`, a :class:`~povmodel.measure.results.MeasureResults` whose tidy
table carries the poverty cut-off in an extra numeric column ``k`` (after ``unit``), so that
:func:`mpi_by_k` can stack several cut-offs in one table with unchanged measure names.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from povmodel.errors import DataValidationError, PovmodelError, Problem
from povmodel.measure.classify import deprivation_columns_for, snapshot_of
from povmodel.measure.design import (
    Domains,
    SurveyDesign,
    bootstrap_ratio_by_domain,
    ratio_by_domain,
)
from povmodel.measure.estimate import DOMAIN_TYPES, domain_codes
from povmodel.measure.results import TIDY_COLUMNS, MeasureResults, tidy_rows
from povmodel.schemas import STANDARD_INDICATOR_SET

#: Tolerance of every comparison of a deprivation score with a cut-off.
SCORE_TOLERANCE = 1e-9
#: Columns of the tidy table of :class:`MPIResults` (the tidy columns plus ``k``).
MPI_COLUMNS = [*TIDY_COLUMNS[:TIDY_COLUMNS.index("unit") + 1], "k", *TIDY_COLUMNS[TIDY_COLUMNS.index("unit") + 1:]]
#: The global MPI (2018 revision): indicator -> (dimension, weight).
GLOBAL_MPI_INDICATORS: dict[str, tuple[str, float]] = {
    "nutrition": ("health", 1 / 6),
    "child_mortality": ("health", 1 / 6),
    "years_of_schooling": ("education", 1 / 6),
    "school_attendance": ("education", 1 / 6),
    "cooking_fuel": ("living_standards", 1 / 18),
    "sanitation": ("living_standards", 1 / 18),
    "drinking_water": ("living_standards", 1 / 18),
    "electricity": ("living_standards", 1 / 18),
    "housing": ("living_standards", 1 / 18),
    "assets": ("living_standards", 1 / 18),
}
_HEADLINE = ("mpi_m0", "mpi_h", "mpi_a", "mpi_vulnerable", "mpi_severe")


@dataclass(frozen=True)
class MPISpec:
    """An Alkire-Foster specification: indicators, their dimensions and weights, cut-offs.

    Parameters
    ----------
    columns
        Household columns holding the 0/1 (or boolean) deprivation indicators.
    dimensions
        Dimension of each indicator (same order as ``columns``).
    weights
        Weight of each indicator: positive, summing to 1 (checked to 1e-9).
    name
        Name of the specification; it fills the ``standard`` column of result tables.
    labels
        Short indicator names used in measure names (``censored_<label>``); default: the
        column names. Must be unique and must not start with ``dimension_``.
    k
        Default poverty cut-off (share of weighted deprivations), ``0 < k <= 1``.
    vulnerable
        ``(lower, upper)`` score band of vulnerability to poverty (``lower <= c < upper``).
    severe
        Score from which a unit is in severe multidimensional poverty (``c >= severe``).
    note
        Free text: where the specification comes from, what it is not.

    Raises
    ------
    PovmodelError
        If the lengths differ, a column or label repeats, a weight is not positive, the
        weights do not sum to 1, or a cut-off is outside ``(0, 1]``.
    """

    columns: tuple[str, ...]
    dimensions: tuple[str, ...]
    weights: tuple[float, ...]
    name: str = "mpi"
    labels: tuple[str, ...] | None = None
    k: float = 1 / 3
    vulnerable: tuple[float, float] = (0.2, 1 / 3)
    severe: float = 0.5
    note: str = field(default="", compare=False)

    def __post_init__(self) -> None:
        columns = tuple(str(c) for c in self.columns)
        dimensions = tuple(str(d) for d in self.dimensions)
        weights = tuple(float(w) for w in self.weights)
        labels = columns if self.labels is None else tuple(str(x) for x in self.labels)
        object.__setattr__(self, "columns", columns)
        object.__setattr__(self, "dimensions", dimensions)
        object.__setattr__(self, "weights", weights)
        object.__setattr__(self, "labels", labels)
        object.__setattr__(self, "vulnerable", tuple(float(v) for v in self.vulnerable))
        problems = []
        if not columns:
            problems.append("no indicators")
        if not len(columns) == len(dimensions) == len(weights) == len(labels):
            problems.append(f"{len(columns)} columns, {len(dimensions)} dimensions, {len(weights)} weights "
                            f"and {len(labels)} labels: one of each per indicator")
        for what, values in (("column", columns), ("label", labels)):
            repeated = sorted({v for v in values if values.count(v) > 1})
            if repeated:
                problems.append(f"repeated {what}(s): {', '.join(repeated)}")
        if any(x.startswith("dimension_") for x in labels):
            problems.append("indicator labels must not start with 'dimension_'")
        w = np.asarray(weights, dtype=float)
        if not np.all(np.isfinite(w)) or np.any(w <= 0):
            problems.append(f"indicator weights must be finite and positive, not {list(weights)}")
        elif len(w) and abs(w.sum() - 1.0) > 1e-9:
            problems.append(f"indicator weights must sum to 1, they sum to {w.sum():.12g}")
        if not 0 < self.k <= 1:
            problems.append(f"the poverty cut-off k must be in (0, 1], not {self.k}")
        if len(self.vulnerable) != 2 or not 0 <= self.vulnerable[0] < self.vulnerable[1] <= 1:
            problems.append(f"vulnerable must be a band (lower, upper) with 0 <= lower < upper <= 1, "
                            f"not {self.vulnerable}")
        if not 0 < self.severe <= 1:
            problems.append(f"the severe poverty cut-off must be in (0, 1], not {self.severe}")
        if problems:
            raise PovmodelError(f"invalid MPI specification {self.name!r}: " + "; ".join(problems))

    # ------------------------------------------------------------------ presets
    @classmethod
    def nested(cls, dimensions: Mapping[str, Sequence[str]], *, name: str = "mpi",
               labels: Mapping[str, str] | None = None, **kwargs) -> MPISpec:
        """Nested equal weights: each dimension ``1/D``, each indicator ``1/(D n_d)``.

        Parameters
        ----------
        dimensions
            Dimension -> indicator columns, in order.
        name
            Name of the specification.
        labels
            Column -> short label (default: the column itself).
        **kwargs
            ``k``, ``vulnerable``, ``severe``, ``note`` (see :class:`MPISpec`).
        """
        if not dimensions or any(len(cols) == 0 for cols in dimensions.values()):
            raise PovmodelError(f"invalid MPI specification {name!r}: every dimension needs an indicator")
        n_dims = len(dimensions)
        columns, dims, weights = [], [], []
        for dim, cols in dimensions.items():
            for col in cols:
                columns.append(col)
                dims.append(dim)
                weights.append(1.0 / (n_dims * len(cols)))
        lab = None if labels is None else [labels.get(c, c) for c in columns]
        return cls(tuple(columns), tuple(dims), tuple(weights), name=name, labels=lab, **kwargs)

    @classmethod
    def vietnam(cls, standard: str, *, k: float = 1 / 3) -> MPISpec:
        """Vietnam's national standard as an AF measure with nested equal weights.

        The indicators and their dimensions are the standard's, read from the dated
        parameters (``poverty.indicators``; columns ``dep_<set>_<code>``). Each dimension
        weighs ``1/D`` and the indicators share their dimension's weight equally.

        Parameters
        ----------
        standard
            ``"2016-2020"``, ``"2022-2025"`` (or the draft ``"2027-2030"``).
        k
            Poverty cut-off (default 1/3, the global-MPI convention: a choice, not a rule of
            the national standard).

        Notes
        -----
        This is the *analytic* AF version of the national standard, as used in GSO/UNDP
        style multidimensional poverty analysis (H, A, M0, censored headcounts and
        contributions); it is **not** MOLISA's counting rule, which combines an income test
        with "deprived in at least 3 indicators" (:func:`povmodel.measure.classify`). The
        counting threshold of 3 indicators corresponds to ``k = 3/n_indicators`` only under
        equal indicator weights (:meth:`vietnam_counting`). Both the 2016-2020 (5 dimensions
        x 2 indicators) and the 2022-2025 (6 x 2) standards have two indicators per
        dimension, so for them nested and equal weights coincide (1/10 and 1/12) and this
        preset differs from :meth:`vietnam_counting` only by its default ``k`` and
        vulnerability band; with k = 1/3 a household is poor from 4 of 10 (2016) or 4 of 12
        (2022) deprivations. The 2027-2030 indicator list is a draft with unequal dimensions.
        """
        columns, labels, dims, snapshot = _standard_indicators(standard)
        order = [d for d in snapshot.dimensions if d in dims] + [d for d in dict.fromkeys(dims)
                                                                   if d not in snapshot.dimensions]
        by_dim = {d: [c for c, dd in zip(columns, dims, strict=True) if dd == d] for d in order}
        return cls.nested(by_dim, name=f"{standard} AF", labels=dict(zip(columns, labels, strict=True)), k=k,
                          note=f"Analytic Alkire-Foster version of the {standard} national standard with nested "
                               "equal weights; not MOLISA's counting rule.")

    @classmethod
    def vietnam_counting(cls, standard: str) -> MPISpec:
        """Vietnam's national standard with equal indicator weights (``1/n`` each).

        The default cut-off is ``k = t/n`` with ``t`` the standard's deprivation threshold
        (3, from the parameters), so that ``c >= k`` is exactly "deprived in at least 3 of
        the n indicators" (3/10 for 2016-2020, 3/12 for 2022-2025). The vulnerability band
        is ``[(t-1)/n, t/n)`` (deprived in exactly ``t - 1`` indicators) and severe poverty
        starts at half of the indicators.

        Notes
        -----
        ``H`` at the default ``k`` is the share deprived in at least 3 indicators, the
        multidimensional component of MOLISA's rule only: the rule's income test is not part
        of the AF measure.
        """
        columns, labels, dims, snapshot = _standard_indicators(standard)
        n = len(columns)
        t = int(snapshot.deprivation_threshold)
        return cls(tuple(columns), tuple(dims), tuple([1.0 / n] * n), name=f"{standard} counting",
                   labels=tuple(labels), k=t / n, vulnerable=((t - 1) / n, t / n), severe=0.5,
                   note=f"Equal indicator weights; k = {t}/{n} is 'deprived in at least {t} indicators'.")

    @classmethod
    def global_mpi(cls, columns: Mapping[str, str] | None = None) -> MPISpec:
        """The global MPI of UNDP/OPHI (Alkire & Santos 2010, revised 2018).

        Three dimensions of weight 1/3: health (nutrition, child mortality: 1/6 each),
        education (years of schooling, school attendance: 1/6 each) and living standards
        (cooking fuel, sanitation, drinking water, electricity, housing, assets: 1/18 each).
        Poor when ``c >= 1/3``; vulnerable when ``0.2 <= c < 1/3``; severely poor when
        ``c >= 0.5``.

        Parameters
        ----------
        columns
            Global indicator name (:data:`GLOBAL_MPI_INDICATORS`) -> household column holding
            the deprivation; default: columns named like the indicators.

        Notes
        -----
        The preset fixes weights, dimensions and cut-offs only. Vietnamese household surveys
        do not carry the global indicators as defined by OPHI (e.g. anthropometry of every
        member, child deaths in the last five years); mapping national indicators onto them
        (``{"nutrition": "dep_2022_nutrition", ...}``) gives a global-MPI-*style* measure,
        not the published global MPI for Vietnam.
        """
        names = list(GLOBAL_MPI_INDICATORS)
        mapping = dict(zip(names, names, strict=True)) if columns is None else dict(columns)
        missing = [n for n in names if n not in mapping]
        unknown = [n for n in mapping if n not in GLOBAL_MPI_INDICATORS]
        if missing or unknown:
            raise PovmodelError("global MPI column mapping: "
                                + "; ".join(p for p in (f"missing {', '.join(missing)}" if missing else "",
                                                        f"unknown {', '.join(unknown)}" if unknown else "") if p)
                                + f" (indicators: {', '.join(names)})")
        return cls(tuple(mapping[n] for n in names), tuple(GLOBAL_MPI_INDICATORS[n][0] for n in names),
                   tuple(GLOBAL_MPI_INDICATORS[n][1] for n in names), name="global MPI", labels=tuple(names),
                   k=1 / 3, vulnerable=(0.2, 1 / 3), severe=0.5,
                   note="UNDP/OPHI global MPI weights and cut-offs (2018 revision).")

    # ------------------------------------------------------------------ views
    @property
    def dimension_names(self) -> list[str]:
        """Dimensions in order of first appearance."""
        return list(dict.fromkeys(self.dimensions))

    @property
    def dimension_weights(self) -> dict[str, float]:
        """Weight of each dimension (sum of its indicators' weights)."""
        out = dict.fromkeys(self.dimension_names, 0.0)
        for d, w in zip(self.dimensions, self.weights, strict=True):
            out[d] += w
        return out

    def to_frame(self) -> pd.DataFrame:
        """One row per indicator: label, column, dimension, weight."""
        return pd.DataFrame({"label": self.labels, "column": self.columns, "dimension": self.dimensions,
                             "weight": self.weights})


def _standard_indicators(standard: str):
    """Columns, codes and dimensions of a national standard's indicators, and its snapshot."""
    if standard not in STANDARD_INDICATOR_SET:
        raise PovmodelError(f"unknown standard {standard!r}; known: {', '.join(STANDARD_INDICATOR_SET)}")
    snapshot = snapshot_of(standard)
    key = STANDARD_INDICATOR_SET[standard]
    columns = deprivation_columns_for(standard)
    dimension_of = {f"dep_{key}_{i['code']}": i["dimension"] for i in snapshot.indicators}
    unknown = [c for c in columns if c not in dimension_of]
    if unknown:
        raise PovmodelError(f"indicator(s) {unknown} of {standard} have no dimension in the parameters")
    labels = [c[len(f"dep_{key}_"):] for c in columns]
    return columns, labels, [dimension_of[c] for c in columns], snapshot


class MPIResults(MeasureResults):
    """AF estimates by domain (and poverty cut-off ``k``) with design-based uncertainty.

    The tidy table has the columns :data:`MPI_COLUMNS`: those of every measurement table
    plus ``k``.
    """

    def estimate(self, measure: str, domain: str = "NATIONAL", *, k: float | None = None,
                 year: int | None = None) -> float:
        """One estimate (``k`` and ``year`` select among several cut-offs or years)."""
        t = self.table
        mask = (t["measure"] == measure) & (t["domain"] == domain)
        if k is not None:
            mask &= np.isclose(t["k"].to_numpy(dtype=float), k, rtol=0.0, atol=1e-12)
        if year is not None:
            mask &= t["year"] == year
        row = t[mask]
        if len(row) != 1:
            raise KeyError(f"no single estimate for measure {measure!r} in domain {domain!r}"
                           f"{'' if k is None else f' at k={k}'}{'' if year is None else f' in {year}'}")
        return float(row["estimate"].iloc[0])

    def summary(self) -> str:
        """A readable table per domain type, year, specification and cut-off."""
        t = self.table
        lines = [f"povmodel AF measurement: {', '.join(f'{k}={v}' for k, v in self.settings.items())}"]
        for (by, year, standard, k), part in t.groupby(["by", "year", "standard", "k"], sort=False, dropna=False):
            lines.append(f"\n[{by}, {year}, {standard}, k={k:.4g}]")
            wide = part.assign(cell=[
                f"{e:.4f} ({s:.4f}){'*' if fc else ''}{'!' if fs else ''}"
                for e, s, fc, fs in zip(part["estimate"], part["se"], part["flag_cv"], part["flag_small"], strict=True)
            ]).pivot(index="measure", columns="domain", values="cell")
            lines.append(wide.loc[part["measure"].unique()].to_string())
        lines.append("\nestimate (standard error); * CV above threshold; ! fewer sample households than the minimum")
        return "\n".join(lines)


# ---------------------------------------------------------------------- data preparation
def deprivation_matrix(households: pd.DataFrame, spec: MPISpec) -> np.ndarray:
    """The 0/1 deprivation matrix (rows: households, columns: the spec's indicators).

    Raises
    ------
    DataValidationError
        Naming every indicator column that is absent, has missing values (with the number
        of rows; nothing is dropped silently) or holds values other than 0/1.
    """
    problems = []
    for col in spec.columns:
        if col not in households.columns:
            problems.append(Problem("indicator column not in the household table", location=col))
            continue
        values = households[col]
        if values.dtype == bool:  # plain booleans: no missing values, only 0/1
            continue
        na = values.isna().to_numpy()
        if na.any():
            problems.append(Problem("missing indicator values (impute or drop these households first)",
                                    location=col, rows=int(na.sum()),
                                    examples=tuple(households.index[na][:5])))
            continue
        numeric = pd.to_numeric(values, errors="coerce").to_numpy(dtype=float)
        bad = ~np.isin(numeric, (0.0, 1.0))
        if bad.any():
            problems.append(Problem("indicator values must be 0/1 or boolean", location=col, rows=int(bad.sum()),
                                    examples=tuple(values[bad].unique()[:5])))
    if problems:
        raise DataValidationError(problems, title=f"cannot compute the MPI {spec.name!r}")
    if len(households) == 0:
        return np.zeros((0, len(spec.columns)))
    return households[list(spec.columns)].to_numpy(dtype=float)


def deprivation_scores(households: pd.DataFrame, spec: MPISpec) -> np.ndarray:
    """Weighted deprivation score ``c_i = sum_j w_j g_ij`` of every household."""
    return deprivation_matrix(households, spec) @ np.asarray(spec.weights)


def _check_cutoff(k: float) -> float:
    k = float(k)
    if not 0 < k <= 1:
        raise PovmodelError(f"the poverty cut-off k must be in (0, 1], not {k}")
    return k


def _af_variables(g: np.ndarray, spec: MPISpec, k: float,
                  wanted: Sequence[str] | None = None) -> dict[str, tuple[np.ndarray, np.ndarray | None]]:
    """Numerator and denominator variables (``None``: 1) of every AF measure at cut-off ``k``
    (indicator-level ones only if ``wanted`` is ``None`` or names one of them)."""
    w = np.asarray(spec.weights)
    c = np.minimum(g @ w, 1.0)  # weights sum to 1: a score above 1 is rounding
    tol = SCORE_TOLERANCE
    poor = (c >= k - tol).astype(float)
    cp = c * poor
    lower, upper = spec.vulnerable
    out: dict[str, tuple[np.ndarray, np.ndarray | None]] = {
        "mpi_m0": (cp, None),
        "mpi_h": (poor, None),
        "mpi_a": (cp, poor),
        "mpi_vulnerable": (((c >= lower - tol) & (c < upper - tol)).astype(float), None),
        "mpi_severe": ((c >= spec.severe - tol).astype(float), None),
    }
    if wanted is not None and all(m in out for m in wanted):
        return out
    censored = g * poor[:, None]
    for j, label in enumerate(spec.labels):
        out[f"uncensored_{label}"] = (g[:, j], None)
    for j, label in enumerate(spec.labels):
        out[f"censored_{label}"] = (censored[:, j], None)
    weighted = censored * w[None, :]
    for j, label in enumerate(spec.labels):
        out[f"contribution_{label}"] = (weighted[:, j], cp)
    dims = np.asarray(spec.dimensions)
    for d in spec.dimension_names:
        out[f"contribution_dimension_{d}"] = (weighted[:, dims == d].sum(axis=1), cp)
    return out


def _domains(part: pd.DataFrame, by: str) -> tuple[np.ndarray, list[str]]:
    """Domain codes: the standard domain types, or any other column of the table."""
    if by in DOMAIN_TYPES:
        return domain_codes(part, by)
    if by not in part.columns:
        raise PovmodelError(f"unknown domain type {by!r}; use one of {', '.join(DOMAIN_TYPES)} or a column name")
    values = part[by]
    if values.isna().any():
        raise PovmodelError(f"{int(values.isna().sum())} households have no {by} domain (missing values)")
    labels, codes = np.unique(values.astype(str).to_numpy(), return_inverse=True)
    return codes.astype(np.int64), [str(x) for x in labels]


def _years(households: pd.DataFrame, year: int | None):
    """(year, part) pairs: every survey year separately, or one part without a year column."""
    if "year" not in households.columns:
        if year is not None:
            raise PovmodelError("the household table has no year column")
        return [(None, households)]
    data = households if year is None else households[households["year"] == year]
    if data.empty:
        raise PovmodelError(f"no households{f' in {year}' if year is not None else ''}")
    return [(int(yr), data.iloc[idx]) for yr, idx in sorted(data.groupby("year").indices.items())]


def _setup(part: pd.DataFrame, spec: MPISpec, unit: str, weight: str, strata: str | None, psu: str | None,
           singleton: str) -> tuple[SurveyDesign, np.ndarray, np.ndarray]:
    if unit not in ("household", "person"):
        raise PovmodelError(f"unit must be 'household' or 'person', not {unit!r}")
    g = deprivation_matrix(part, spec)
    design = SurveyDesign.from_frame(part, weight=weight, strata=strata, psu=psu, singleton=singleton)
    if unit == "person":
        if "hh_size" not in part.columns or part["hh_size"].isna().any():
            raise PovmodelError("unit='person' needs hh_size for every household")
        size = part["hh_size"].to_numpy(dtype=float)
    else:
        size = np.ones(len(part))
    return design, g, size


# ---------------------------------------------------------------------- estimation
def mpi_by_k(households: pd.DataFrame, spec: MPISpec, ks: Sequence[float], *, year: int | None = None,
             by: str | Sequence[str] = "national", unit: str = "household", confidence: float = 0.95,
             min_n: int = 50, max_cv: float = 0.2, singleton: str = "raise", weight: str = "weight",
             strata: str | None = "stratum", psu: str | None = "psu",
             measures: Sequence[str] | None = None, variance: str = "taylor", replicates: int = 200,
             seed: int | None = None) -> MPIResults:
    """AF measures at several poverty cut-offs, stacked in one tidy table with a ``k`` column
    (``measures`` limits the output to these measure names; default: all).

    Parameters
    ----------
    households
        Household table with the spec's indicator columns and the design columns; several
        survey years (column ``year``) are estimated separately. A table without ``year``
        is one sample (``year`` is then empty in the results).
    spec
        The AF specification.
    ks
        Poverty cut-offs, each in ``(0, 1]``.
    year
        Keep only this survey year.
    by
        Domain type(s): national, region, province, urban, ethnicity, or the name of any
        column of the table (its distinct values are the domains).
    unit
        ``"household"`` or ``"person"`` (household size as a weight).
    confidence, min_n, max_cv
        Confidence level of the intervals; flag domains with fewer sample households or a
        larger coefficient of variation.
    singleton, weight, strata, psu
        The survey design (:meth:`SurveyDesign.from_frame`); ``strata=None`` means one
        stratum and ``psu=None`` that every household is its own PSU.

    Returns
    -------
    MPIResults
        Measures ``mpi_m0``, ``mpi_h``, ``mpi_a``, ``mpi_vulnerable``, ``mpi_severe`` (the last
        two do not depend on ``k`` and repeat for every cut-off), ``uncensored_<label>``,
        ``censored_<label>``, ``contribution_<label>`` and ``contribution_dimension_<dim>``
        for every domain, year and cut-off. ``mpi_a`` and the contributions are undefined
        (NaN) in a domain without poor households.
    """
    ks = [_check_cutoff(k) for k in ks]
    if variance not in ("taylor", "bootstrap"):
        raise PovmodelError(f"variance must be 'taylor' or 'bootstrap', not {variance!r}")
    if variance == "bootstrap" and seed is None:
        raise PovmodelError("the bootstrap needs an explicit seed")
    if not ks:
        raise PovmodelError("give at least one poverty cut-off k")
    by_list = [by] if isinstance(by, str) else list(by)
    rows = []
    for yr, part in _years(households, year):
        design, g, size = _setup(part, spec, unit, weight, strata, psu, singleton)
        domains = [(dom, *_domains(part, dom)) for dom in by_list]
        prepared = {dom: Domains.build(design, codes, len(labels)) for dom, codes, labels in domains}
        for k in ks:
            variables = _af_variables(g, spec, k, measures)
            for dom_type, codes, labels in domains:
                for measure, (y, x) in variables.items():
                    if measures is not None and measure not in measures:
                        continue
                    denominator = size if x is None else x * size
                    if variance == "taylor":
                        r = ratio_by_domain(design, y * size, denominator, prepared[dom_type])
                    else:
                        r = bootstrap_ratio_by_domain(design, y * size, denominator, codes, len(labels),
                                                      replicates=replicates, seed=seed)
                    rows.append(tidy_rows(by=dom_type, domains=labels, year=yr, standard=spec.name, unit=unit,
                                          measure=measure, estimates=r.estimate, se=r.se, n=r.n,
                                          confidence=confidence, max_cv=max_cv, min_n=min_n).assign(k=k))
    table = pd.concat(rows, ignore_index=True)[MPI_COLUMNS]
    settings = {"spec": spec.name, "k": ks[0] if len(ks) == 1 else ks, "unit": unit, "confidence": confidence,
                "min_n": min_n, "max_cv": max_cv}
    return MPIResults(table, settings)


def mpi(households: pd.DataFrame, spec: MPISpec, *, k: float | None = None, year: int | None = None,
        by: str | Sequence[str] = "national", unit: str = "household", confidence: float = 0.95,
        min_n: int = 50, max_cv: float = 0.2, singleton: str = "raise", weight: str = "weight",
        strata: str | None = "stratum", psu: str | None = "psu",
        measures: Sequence[str] | None = None, variance: str = "taylor", replicates: int = 200,
        seed: int | None = None) -> MPIResults:
    """Alkire-Foster multidimensional poverty by domain with design-based standard errors.

    Parameters
    ----------
    households
        Household table with the spec's indicator columns (0/1 or boolean, no missing
        values) and the design columns.
    spec
        The AF specification (:class:`MPISpec`).
    k
        Poverty cut-off in ``(0, 1]``; default ``spec.k`` (1/3 for the global and the
        analytic Vietnam presets, 3/n for the counting preset).
    year, by, unit, confidence, min_n, max_cv, singleton, weight, strata, psu, measures
        As in :func:`mpi_by_k`.

    Returns
    -------
    MPIResults
        Tidy rows for ``mpi_m0``, ``mpi_h``, ``mpi_a``, ``mpi_vulnerable``, ``mpi_severe``,
        ``uncensored_<label>``, ``censored_<label>``, ``contribution_<label>`` and
        ``contribution_dimension_<dim>``, with the cut-off in column ``k``.

    Examples
    --------
    >>> spec = MPISpec.vietnam_counting("2016-2020")
    >>> res = mpi(survey[survey["year"] == 2016], spec, by=["national", "urban"])  # doctest: +SKIP
    >>> res.estimate("mpi_m0")  # doctest: +SKIP
    """
    return mpi_by_k(households, spec, [spec.k if k is None else k], year=year, by=by, unit=unit,
                    confidence=confidence, min_n=min_n, max_cv=max_cv, singleton=singleton, weight=weight,
                    strata=strata, psu=psu, measures=measures, variance=variance, replicates=replicates,
                    seed=seed)


def decompose(households: pd.DataFrame, spec: MPISpec, k: float | None = None, *,
              by: str | Sequence[str] = "urban", year: int | None = None, unit: str = "household",
              singleton: str = "raise", weight: str = "weight", strata: str | None = "stratum",
              psu: str | None = "psu") -> pd.DataFrame:
    """Subgroup decomposition of M0: each domain's share of the population and of poverty.

    ``M0 = sum_d population_share_d x M0_d`` (AF subgroup decomposability), and the
    contribution of domain ``d`` to the total M0 is ``population_share_d x M0_d / M0``,
    computed as the domain's share of the weighted total ``sum s c 1[c>=k]`` so that the
    contributions of a partition add up to 1.

    Parameters
    ----------
    households, spec, year, unit, singleton, weight, strata, psu
        As in :func:`mpi_by_k`.
    k
        Poverty cut-off; default ``spec.k``.
    by
        Domain type(s) partitioning the population (region, province, urban, ethnicity or a
        column name).

    Returns
    -------
    pandas.DataFrame
        One row per year, domain type and domain: ``by``, ``domain``, ``year``,
        ``standard``, ``unit``, ``k``, ``n`` (sample households), ``population`` (weighted),
        ``population_share``, ``mpi_h``, ``mpi_a``, ``mpi_m0`` with their standard errors
        (``*_se``), and ``contribution`` (NaN if the total M0 is 0).
    """
    k = _check_cutoff(spec.k if k is None else k)
    by_list = [by] if isinstance(by, str) else list(by)
    frames = []
    for yr, part in _years(households, year):
        design, g, size = _setup(part, spec, unit, weight, strata, psu, singleton)
        v = _af_variables(g, spec, k)
        cp, poor = v["mpi_m0"][0], v["mpi_h"][0]
        for dom_type in by_list:
            codes, labels = _domains(part, dom_type)
            nd = len(labels)
            h = ratio_by_domain(design, poor * size, size, codes, nd)
            a = ratio_by_domain(design, cp * size, poor * size, codes, nd)
            m0 = ratio_by_domain(design, cp * size, size, codes, nd)
            population = h.denominator
            poverty = np.bincount(codes, weights=design.weights * cp * size, minlength=nd)
            with np.errstate(invalid="ignore", divide="ignore"):
                contribution = poverty / poverty.sum()
            frames.append(pd.DataFrame({
                "by": dom_type, "domain": labels, "year": yr, "standard": spec.name, "unit": unit, "k": k,
                "n": h.n, "population": population, "population_share": population / population.sum(),
                "mpi_h": h.estimate, "mpi_h_se": h.se, "mpi_a": a.estimate, "mpi_a_se": a.se,
                "mpi_m0": m0.estimate, "mpi_m0_se": m0.se, "contribution": contribution,
            }))
    return pd.concat(frames, ignore_index=True)


def change(m0_t1, m0_t2, years) -> dict[str, float | np.ndarray]:
    """Absolute, relative and annualised changes of M0 (or of H) between two rounds.

    Following Alkire, Roche & Vaz (2017, "Changes over time in multidimensional poverty",
    *World Development* 94) and the OPHI methodological notes::

        absolute             = M0_t2 - M0_t1
        relative             = (M0_t2 - M0_t1) / M0_t1
        annualised_absolute  = (M0_t2 - M0_t1) / years
        annualised_relative  = (M0_t2 / M0_t1) ** (1 / years) - 1

    Parameters
    ----------
    m0_t1, m0_t2
        Values in the first and the second round (scalars or arrays, in ``[0, 1]``).
    years
        Years between the rounds (> 0).

    Returns
    -------
    dict
        ``absolute``, ``relative``, ``annualised_absolute``, ``annualised_relative``
        (floats for scalar input; the relative changes are NaN where ``M0_t1 = 0``).
    """
    a, b, t = (np.asarray(v, dtype=float) for v in (m0_t1, m0_t2, years))
    if np.any(~np.isfinite(t)) or np.any(t <= 0):
        raise PovmodelError(f"years between the rounds must be positive, not {years}")
    if np.any(~np.isfinite(a)) or np.any(~np.isfinite(b)) or np.any((a < 0) | (a > 1) | (b < 0) | (b > 1)):
        raise PovmodelError("M0 values must be in [0, 1]")
    with np.errstate(invalid="ignore", divide="ignore"):
        safe = np.where(a > 0, a, np.nan)
        out = {
            "absolute": b - a,
            "relative": (b - a) / safe,
            "annualised_absolute": (b - a) / t,
            "annualised_relative": (b / safe) ** (1.0 / t) - 1.0,
        }
    return {key: (float(val) if np.ndim(val) == 0 else val) for key, val in out.items()}


__all__ = [
    "GLOBAL_MPI_INDICATORS",
    "MPI_COLUMNS",
    "SCORE_TOLERANCE",
    "MPIResults",
    "MPISpec",
    "change",
    "decompose",
    "deprivation_matrix",
    "deprivation_scores",
    "mpi",
    "mpi_by_k",
]


def vietnam_mpi(households: pd.DataFrame, *, standard: str | None = None, year: int | None = None,
                by: str | Sequence[str] = "national", unit: str = "household",
                measures: Sequence[str] = ("mpi_h", "mpi_a", "mpi_m0"), **kwargs) -> MeasureResults:
    """The AF measures of Vietnam's national standard (:meth:`MPISpec.vietnam`, k = 1/3) for
    every survey year, each under ``standard`` or the standard in force at the end of the year;
    tidy rows without the ``k`` column, ready to join :func:`povmodel.measure.estimate` output."""
    from povmodel.measure.classify import standard_at_year

    data = households if year is None else households[households["year"] == year]
    frames = []
    for yr in sorted(int(y) for y in data["year"].unique()):
        spec = MPISpec.vietnam(standard or standard_at_year(yr))
        table = mpi(data, spec, year=yr, by=by, unit=unit, measures=measures, **kwargs).to_frame()
        frames.append(table.drop(columns="k"))
    return MeasureResults(pd.concat(frames, ignore_index=True), {"mpi": "Vietnam national standard, k = 1/3"})
