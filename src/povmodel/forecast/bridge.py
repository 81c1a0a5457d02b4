"""Bridging poverty rates between standards on the logit scale, with delta-method uncertainty.

A change of standard (2016-2020 -> 2022-2025 in 2022; 2022-2025 -> 2027-2030 in 2027) is not a
change in poverty. The bridge classifies the *same households* of one survey round under both
standards and, per area, takes the logit-scale difference::

    b = logit(p_to) - logit(p_from)

Its standard error is the delta method on the two Taylor-linearised ratio variances and their
covariance. Both rates come from the same households, so the covariance is known from the
variance of the difference of the two indicators (one more ratio on the same design)::

    cov = (var_to + var_from - var_diff) / 2
    var(b) = var_to / (p_to q_to)^2 + var_from / (p_from q_from)^2
             - 2 cov / (p_to q_to p_from q_from)            (q = 1 - p)

:func:`apply_bridge` moves forecast draws from one standard to the other, drawing
``b ~ N(b_hat, se^2)`` once per draw and area (the same ``b`` in every year of a draw: a change of
standard is a level shift).

On the default data the households are the SYNTHETIC survey (calibrated to published MOLISA/GSO
rates, not survey records), so the bridge factors are illustrative: they show the method, not
Vietnam's actual gap between standards. The 2027-2030 standard can only be bridged on households
that carry its indicators (``dep_2027_*``); the synthetic survey does not, and the error says so.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

from povmodel.errors import DataValidationError, EstimatorInputError, PovmodelError, Problem
from povmodel.forecast.models import DEFAULT_FLOOR, ForecastDraws, expit, logit
from povmodel.measure.classify import STANDARD_DATES, classify_under
from povmodel.measure.design import Domains, SurveyDesign, ratio_by_domain
from povmodel.measure.estimate import CLASS_MEASURES, domain_codes
from povmodel.standards import CLASSES

#: Columns of the table :func:`bridge_factors` returns.
BRIDGE_COLUMNS = ["area", "area_level", "year", "measure", "from_standard", "to_standard", "p_from", "p_to",
                  "se_from", "se_to", "cov", "bridge", "se", "n", "clipped"]
#: Domain types a bridge can be computed for.
BRIDGE_LEVELS = ("national", "region", "province")


def _indicator(codes: np.ndarray, measure: str) -> np.ndarray:
    wanted = [CLASSES.index(c) for c in CLASS_MEASURES[measure]]
    return np.isin(codes, wanted).astype(float)


def bridge_factors(households: pd.DataFrame, *, year: int, from_standard: str = "2016-2020",
                   to_standard: str = "2022-2025", by: Sequence[str] = BRIDGE_LEVELS,
                   measure: str = "poor_rate", floor: float = DEFAULT_FLOOR, weight: str = "weight",
                   strata: str | None = "stratum", psu: str | None = "psu",
                   singleton: str = "raise") -> pd.DataFrame:
    """Logit-scale bridge factors between two standards, by area, from one survey round.

    Parameters
    ----------
    households
        Household table with ``year``, ``province``, ``urban``, ``income_pc``, the indicator
        columns of both standards and the design columns. On the default data this is the
        SYNTHETIC survey, so the factors are illustrative.
    year
        Survey round whose households are classified under both standards.
    from_standard, to_standard
        ``"2016-2020"``, ``"2022-2025"`` or ``"2027-2030"``.
    by
        Domain types among ``national``, ``region``, ``province``; areas without sample
        households in the round are left out.
    measure
        ``poor_rate``, ``near_poor_rate`` or ``poor_or_near_poor_rate`` (household shares).
    floor
        Rates are clipped to ``[floor, 1 - floor]`` before the logit (``clipped`` marks them).
    weight, strata, psu, singleton
        Design columns and the single-PSU rule, as in :func:`povmodel.measure.estimate`
        (``None`` for no strata / households as PSUs).

    Returns
    -------
    pandas.DataFrame
        One row per area (:data:`BRIDGE_COLUMNS`): both rates, their standard errors and
        covariance, the bridge ``b = logit(p_to) - logit(p_from)`` and its delta-method ``se``.

    Raises
    ------
    PovmodelError
        Unknown standard, measure or domain type, no households in ``year``, or a standard
        whose indicators the households lack (naming the columns).
    """
    for key, value in (("from_standard", from_standard), ("to_standard", to_standard)):
        if value not in STANDARD_DATES:
            raise PovmodelError(f"bridge: {key} {value!r} is not a known standard; known: {', '.join(STANDARD_DATES)}")
    if from_standard == to_standard:
        raise PovmodelError(f"bridge: from_standard and to_standard are both {from_standard!r}; nothing to bridge")
    if measure not in CLASS_MEASURES:
        raise PovmodelError(f"bridge: measure {measure!r} is not a classification rate; use one of "
                            f"{', '.join(CLASS_MEASURES)}")
    levels = [by] if isinstance(by, str) else list(by)
    unknown = [b for b in levels if b not in BRIDGE_LEVELS]
    if unknown or not levels:
        raise PovmodelError(f"bridge: domain type(s) {unknown or levels} unknown; use {', '.join(BRIDGE_LEVELS)}")
    if "year" not in households:
        raise DataValidationError(Problem("the household table has no year column", location="year"))
    part = households[households["year"] == int(year)]
    if part.empty:
        held = sorted(int(y) for y in pd.unique(households["year"]))
        raise PovmodelError(f"bridge: no households in year {year}; rounds held: {held}")
    design = SurveyDesign.from_frame(part, weight=weight, strata=strata, psu=psu, singleton=singleton)
    try:
        y_from = _indicator(classify_under(part, from_standard)[0], measure)
        y_to = _indicator(classify_under(part, to_standard)[0], measure)
    except DataValidationError as exc:
        raise DataValidationError(exc.problems, title=f"bridge {from_standard} -> {to_standard} on the {year} round: "
                                                      f"{exc.title or 'cannot classify'}") from None
    rows = []
    for level in levels:
        codes, labels = domain_codes(part, level)
        domains = Domains.build(design, codes, len(labels))
        r_from = ratio_by_domain(design, y_from, None, domains)
        r_to = ratio_by_domain(design, y_to, None, domains)
        r_diff = ratio_by_domain(design, y_to - y_from, None, domains)
        keep = r_from.n > 0
        p_from, p_to = r_from.estimate[keep], r_to.estimate[keep]
        v_from, v_to, v_diff = r_from.variance[keep], r_to.variance[keep], r_diff.variance[keep]
        cov = (v_to + v_from - v_diff) / 2.0
        pf, pt = np.clip(p_from, floor, 1 - floor), np.clip(p_to, floor, 1 - floor)
        g_from, g_to = 1.0 / (pf * (1 - pf)), 1.0 / (pt * (1 - pt))
        var_b = g_to**2 * v_to + g_from**2 * v_from - 2.0 * g_to * g_from * cov
        rows.append(pd.DataFrame({
            "area": np.asarray(labels, dtype=object)[keep], "area_level": level, "year": int(year),
            "measure": measure, "from_standard": from_standard, "to_standard": to_standard,
            "p_from": p_from, "p_to": p_to, "se_from": np.sqrt(v_from), "se_to": np.sqrt(v_to), "cov": cov,
            "bridge": logit(p_to, floor) - logit(p_from, floor), "se": np.sqrt(np.clip(var_b, 0.0, None)),
            "n": r_from.n[keep].astype(np.int64), "clipped": (pf != p_from) | (pt != p_to)}))
    out = pd.concat(rows, ignore_index=True)[BRIDGE_COLUMNS]
    out.attrs = {"synthetic": bool(households.attrs.get("povmodel", {}).get("synthetic", False)),
                 "floor": floor}
    return out


def _factor_table(factors: pd.DataFrame, areas: Sequence[str]) -> tuple[np.ndarray, np.ndarray]:
    """Bridge and SE for ``areas`` (in order) from a factor table with one row per area."""
    need = {"area", "bridge", "se"}
    if not isinstance(factors, pd.DataFrame) or need - set(factors.columns):
        raise EstimatorInputError(f"bridge factors: expected a table with columns {sorted(need)}")
    dup = factors["area"][factors["area"].duplicated()].unique().tolist()
    if dup:
        raise EstimatorInputError(f"bridge factors: area(s) {dup[:5]} appear more than once (select one measure, "
                                  "round and pair of standards)")
    table = factors.set_index("area")
    missing = [a for a in areas if a not in table.index]
    if missing:
        raise EstimatorInputError(f"bridge factors: no factor for area(s) {missing[:10]}")
    b = table.loc[list(areas), "bridge"].to_numpy(dtype=float)
    se = table.loc[list(areas), "se"].to_numpy(dtype=float)
    if not (np.isfinite(b).all() and np.isfinite(se).all() and (se >= 0).all()):
        bad = [a for a, x, s in zip(areas, b, se, strict=True) if not (np.isfinite(x) and np.isfinite(s) and s >= 0)]
        raise EstimatorInputError(f"bridge factors: non-finite bridge or SE for area(s) {bad[:10]}")
    return b, se


def sample_bridge(factors: pd.DataFrame, areas: Sequence[str], draws: int, seed=None) -> np.ndarray:
    """Draws of the bridge ``b ~ N(b_hat, se^2)``, shape (draws, areas), independent across areas."""
    b, se = _factor_table(factors, areas)
    rng = seed if isinstance(seed, np.random.Generator) else np.random.default_rng(seed)
    return b[None, :] + se[None, :] * rng.standard_normal((int(draws), len(b)))


def apply_bridge(draws: ForecastDraws | np.ndarray, factors: pd.DataFrame, *, areas: Sequence[str] | None = None,
                 seed=None, inverse: bool = False, uncertainty: bool = True,
                 floor: float = DEFAULT_FLOOR) -> ForecastDraws | np.ndarray:
    """Convert simulated shares from one standard to another with the bridge factors.

    Parameters
    ----------
    draws
        :class:`~povmodel.forecast.models.ForecastDraws`, or an array of shares (draws x areas x
        years) with ``areas`` naming its second axis.
    factors
        :func:`bridge_factors` output with one row per area (one measure, round and pair).
    areas
        Labels of the areas axis when ``draws`` is an array.
    seed
        Seed or generator for the bridge draws.
    inverse
        Go from ``to_standard`` back to ``from_standard`` (subtract the bridge).
    uncertainty
        Draw ``b ~ N(b_hat, se^2)`` per draw and area (default), or add ``b_hat`` only.
    floor
        Clipping of the shares before the logit.

    Returns
    -------
    ForecastDraws or numpy.ndarray
        The same type as ``draws``; shares inside (0, 1). A :class:`ForecastDraws` keeps its
        labels; its ``point`` moves by ``b_hat`` and its ``model`` name gets a ``+bridge`` suffix.
    """
    is_fc = isinstance(draws, ForecastDraws)
    sims = draws.draws if is_fc else np.asarray(draws, dtype=float)
    labels = tuple(draws.areas) if is_fc else tuple(areas) if areas is not None else None
    if labels is None:
        raise EstimatorInputError("apply_bridge: give the area labels of the draws (areas=...)")
    if sims.ndim != 3 or sims.shape[1] != len(labels):
        raise EstimatorInputError(f"apply_bridge: expected draws x {len(labels)} areas x years, got shape {sims.shape}")
    sign = -1.0 if inverse else 1.0
    b_hat, _ = _factor_table(factors, labels)
    b = sample_bridge(factors, labels, sims.shape[0], seed) if uncertainty else np.broadcast_to(
        b_hat, (sims.shape[0], len(labels)))
    out = expit(logit(sims, floor) + sign * b[:, :, None])
    if not is_fc:
        return out
    point = expit(logit(draws.point, floor) + sign * b_hat[:, None])
    return ForecastDraws(draws=out, point=point, areas=draws.areas, years=draws.years,
                         model=f"{draws.model}+bridge", origin=draws.origin)
