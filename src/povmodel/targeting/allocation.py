"""Splitting a poverty-reduction budget across provinces, and targeting errors of household lists.

:func:`allocate_budget` divides a budget (billion VND, given by the caller -- the programme
budget is a policy input, not a constant of this package) across provinces by one of
:data:`RULES`, after an optional floor per province. :func:`targeting_errors` measures the
inclusion and exclusion errors of selecting a fixed share of households by a score, for one or
several rules side by side.
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np
import pandas as pd

from povmodel.errors import PovmodelError

#: Allocation rules and the column each is proportional to (``formula`` combines several).
RULES = {
    "equal_per_poor_household": "poor_households",
    "by_risk": "risk_households",
    "by_gap": "poverty_gap",
    "formula": None,
}
#: Columns of the province table that a rule or formula may use.
ALLOCATION_COLUMNS = ("poor_households", "poor_rate", "risk_households", "poverty_gap")


def _numeric(table: pd.DataFrame, col: str) -> np.ndarray:
    if col not in table.columns:
        raise PovmodelError(f"the province table has no column {col!r} (columns: {', '.join(map(str, table.columns))})")
    v = pd.to_numeric(table[col], errors="coerce").to_numpy(dtype=float)
    bad = ~np.isfinite(v) | (v < 0)
    if bad.any():
        raise PovmodelError(f"column {col!r} must hold non-negative numbers; {int(bad.sum())} row(s) do not")
    return v


def _shares(table: pd.DataFrame, rule: str, weights: Mapping[str, float] | None) -> np.ndarray:
    if rule not in RULES:
        raise PovmodelError(f"rule must be one of {', '.join(RULES)}, got {rule!r}")
    if rule != "formula":
        if weights is not None:
            raise PovmodelError(f"weights are used by the 'formula' rule only, not {rule!r}")
        v = _numeric(table, RULES[rule])
        if v.sum() <= 0:
            raise PovmodelError(f"column {RULES[rule]!r} sums to zero: nothing to allocate by rule {rule!r}")
        return v / v.sum()
    if not weights:
        raise PovmodelError("the 'formula' rule needs weights, e.g. {'poor_households': 0.5, 'poverty_gap': 0.5}")
    unknown = sorted(set(weights) - set(ALLOCATION_COLUMNS))
    if unknown:
        raise PovmodelError(f"formula weights on unknown column(s) {unknown}; allowed: {', '.join(ALLOCATION_COLUMNS)}")
    w = np.array([float(weights[c]) for c in weights])
    if not np.isfinite(w).all() or (w < 0).any() or w.sum() <= 0:
        raise PovmodelError(f"formula weights must be non-negative with a positive total, got {dict(weights)}")
    score = np.zeros(len(table))
    for col, wc in zip(weights, w / w.sum(), strict=True):
        if wc == 0:
            continue
        v = _numeric(table, col)
        if v.sum() <= 0:
            raise PovmodelError(f"formula column {col!r} sums to zero")
        score += wc * v / v.sum()  # each column as shares, so columns in different units combine
    return score / score.sum()


def _floors(floor, n: int, budget: float) -> np.ndarray:
    try:
        f = np.asarray(floor, dtype=float)
    except (TypeError, ValueError):
        raise PovmodelError(f"floor must be numeric, got {floor!r}") from None
    if f.ndim == 0:
        f = np.full(n, float(f))
    if f.shape != (n,):
        raise PovmodelError(f"floor must be one number or one per province ({n}), got shape {f.shape}")
    if not np.isfinite(f).all() or (f < 0).any():
        raise PovmodelError("floor must be non-negative")
    if f.sum() > budget * (1 + 1e-12):
        raise PovmodelError(f"the floors add up to {f.sum():,.6g}, more than the budget {budget:,.6g}")
    return f


def _round_to_unit(alloc: np.ndarray, floors: np.ndarray, budget: float, unit: float) -> np.ndarray:
    """Largest-remainder rounding to whole multiples of ``unit`` that keeps the total and floors."""
    n_budget = budget / unit
    n_floor = floors / unit
    if abs(n_budget - round(n_budget)) > 1e-9 * max(1.0, n_budget) or \
            (np.abs(n_floor - np.round(n_floor)) > 1e-9 * np.maximum(1.0, n_floor)).any():
        raise PovmodelError(f"budget and floors must be whole multiples of unit={unit!r}")
    units = alloc / unit
    base = np.floor(units + 1e-9)
    left = int(round(n_budget)) - int(base.sum())
    order = np.argsort(-(units - base), kind="stable")
    base[order[:left]] += 1
    return base * unit


def allocate_budget(table: pd.DataFrame, budget: float, *, rule: str, floor=0.0,
                    weights: Mapping[str, float] | None = None, cost_per_household: float | None = None,
                    unit: float | None = None, area_col: str = "province") -> pd.DataFrame:
    """Divide a budget across provinces.

    Every province first gets its ``floor``; the rest of the budget is split in proportion to the
    rule's column: ``equal_per_poor_household`` (expected poor households, so every poor
    household gets the same amount), ``by_risk`` (expected households falling into poverty,
    ``risk_households``), ``by_gap`` (sum of poverty gaps, ``poverty_gap``), or ``formula`` (a
    weighted mean of the shares of several columns, ``weights``).

    Parameters
    ----------
    table
        One row per province with ``area_col`` and non-negative ``poor_households``,
        ``poor_rate`` and, for the rules that use them, ``risk_households`` and ``poverty_gap``.
    budget
        Amount to divide, in billion VND (the caller's programme figure).
    rule
        One of :data:`RULES`.
    floor
        Minimum per province (billion VND): one number or one per row.
    weights
        Column -> weight, for ``rule="formula"``.
    cost_per_household
        Cost of reaching one poor household, in **million VND** -- an illustrative assumption
        supplied by the caller, not an estimate. Without it the reach columns are missing (NaN).
    unit
        If given, allocations are whole multiples of ``unit`` (largest-remainder rounding; budget
        and floors must be multiples). Otherwise they are floats, with the rounding residual put
        on the largest allocation so that they sum to ``budget``.
    area_col
        Column naming the province.

    Returns
    -------
    pandas.DataFrame
        ``area_col``, ``poor_households``, ``floor``, ``allocation`` (billion VND), ``share`` of the
        budget, ``per_poor_household`` (million VND per expected poor household; NaN where there
        are none), ``expected_poor_reached`` (``min(allocation / cost_per_household,
        poor_households)``) and ``expected_poor_reached_per_billion`` (that divided by the
        allocation). ``attrs`` records the rule, weights, budget and cost assumption.
    """
    if not isinstance(table, pd.DataFrame) or table.empty:
        raise PovmodelError("the province table must be a non-empty DataFrame")
    if area_col not in table.columns:
        raise PovmodelError(f"the province table has no column {area_col!r}")
    if table[area_col].duplicated().any():
        raise PovmodelError(f"provinces repeat in column {area_col!r}: "
                            f"{', '.join(map(str, table.loc[table[area_col].duplicated(), area_col].unique()[:5]))}")
    budget = float(budget)
    if not np.isfinite(budget) or budget <= 0:
        raise PovmodelError(f"budget must be a positive number, got {budget!r}")
    if cost_per_household is not None and not (np.isfinite(cost_per_household) and cost_per_household > 0):
        raise PovmodelError(f"cost_per_household must be a positive number, got {cost_per_household!r}")
    if unit is not None and not (np.isfinite(unit) and unit > 0):
        raise PovmodelError(f"unit must be a positive number, got {unit!r}")
    poor = _numeric(table, "poor_households")
    shares = _shares(table, rule, weights)
    floors = _floors(floor, len(table), budget)
    alloc = floors + (budget - floors.sum()) * shares
    if unit is not None:
        alloc = _round_to_unit(alloc, floors, budget, float(unit))
    else:
        for _ in range(5):  # put the float residual on the largest allocation
            resid = budget - alloc.sum()
            if resid == 0:
                break
            alloc[np.argmax(alloc)] += resid
    with np.errstate(divide="ignore", invalid="ignore"):
        per_poor = np.where(poor > 0, alloc * 1000 / poor, np.nan)
        if cost_per_household is None:
            reached = np.full(len(table), np.nan)
        else:
            reached = np.minimum(alloc * 1000 / cost_per_household, poor)
        per_bn = np.where(alloc > 0, reached / alloc, np.nan)
    out = pd.DataFrame({
        area_col: table[area_col].to_numpy(),
        "poor_households": poor,
        "floor": floors,
        "allocation": alloc,
        "share": alloc / budget,
        "per_poor_household": per_poor,
        "expected_poor_reached": reached,
        "expected_poor_reached_per_billion": per_bn,
    })
    out.attrs.update(rule=rule, weights=dict(weights) if weights else None, budget=budget,
                     cost_per_household=cost_per_household, cost_is_assumption=True, unit=unit)
    return out


def _selected(score: np.ndarray, weight: np.ndarray, budget_share: float) -> np.ndarray:
    """Highest scores first until the weighted share would exceed ``budget_share``; ties by row order."""
    order = np.argsort(-score, kind="stable")
    cum = np.cumsum(weight[order])
    take = cum <= budget_share * weight.sum() * (1 + 1e-12)
    sel = np.zeros(len(score), dtype=bool)
    sel[order[take]] = True
    return sel


def targeting_errors(households: pd.DataFrame, score, *, budget_share: float, poor_col: str,
                     weight_col: str | None = "weight") -> pd.DataFrame:
    """Inclusion and exclusion errors of selecting the top ``budget_share`` of households by a score.

    Households are taken in decreasing order of the score until the next one would push the
    weighted share selected above ``budget_share`` (ties in the score are taken in row order, so
    a 0/1 flag selects flagged households first).

    Parameters
    ----------
    households
        One row per household with the poverty indicator ``poor_col`` (0/1 or bool) and weights.
    score
        A column name, an array (one value per household), or a mapping rule name -> column name
        or array to compare several rules (e.g. the official poor/near-poor flag against a risk
        score) in one table.
    budget_share
        Weighted share of households the budget covers, in (0, 1].
    poor_col
        Column that says who is (truly) poor.
    weight_col
        Household weight column; ``None`` weights households equally.

    Returns
    -------
    pandas.DataFrame
        One row per rule: ``rule``, ``selected_share`` (weighted), ``poor_share`` (weighted),
        ``inclusion_error`` (share of the selected who are not poor), ``exclusion_error`` (share
        of the poor not selected) and ``n_selected`` (sample households).
    """
    if not isinstance(households, pd.DataFrame) or households.empty:
        raise PovmodelError("households must be a non-empty DataFrame")
    if not 0 < budget_share <= 1:
        raise PovmodelError(f"budget_share must lie in (0, 1], got {budget_share!r}")
    if poor_col not in households.columns:
        raise PovmodelError(f"households have no column {poor_col!r}")
    poor_raw = pd.to_numeric(households[poor_col], errors="coerce").to_numpy(dtype=float)
    if not np.isin(poor_raw, [0.0, 1.0]).all():
        raise PovmodelError(f"column {poor_col!r} must be 0/1 (or True/False) with no missing values")
    poor = poor_raw == 1
    if weight_col is None:
        w = np.ones(len(households))
    else:
        if weight_col not in households.columns:
            raise PovmodelError(f"households have no weight column {weight_col!r} "
                                "(pass weight_col=None for equal weights)")
        w = pd.to_numeric(households[weight_col], errors="coerce").to_numpy(dtype=float)
        if not np.isfinite(w).all() or (w < 0).any() or w.sum() <= 0:
            raise PovmodelError(f"weights in {weight_col!r} must be non-negative numbers with a positive total")
    rules = dict(score) if isinstance(score, Mapping) else {score if isinstance(score, str) else "score": score}
    if not rules:
        raise PovmodelError("no score given")
    rows = []
    for name, s in rules.items():
        if isinstance(s, str):
            if s not in households.columns:
                raise PovmodelError(f"households have no score column {s!r}")
            s = households[s]
        v = pd.to_numeric(pd.Series(np.asarray(s).ravel()), errors="coerce").to_numpy(dtype=float)
        if v.shape != (len(households),) or not np.isfinite(v).all():
            raise PovmodelError(f"score {name!r} must give one finite number per household ({len(households)})")
        sel = _selected(v, w, budget_share)
        w_sel, w_poor = w[sel].sum(), w[poor].sum()
        rows.append({
            "rule": str(name),
            "selected_share": w_sel / w.sum(),
            "poor_share": w_poor / w.sum(),
            "inclusion_error": w[sel & ~poor].sum() / w_sel if w_sel > 0 else np.nan,
            "exclusion_error": w[poor & ~sel].sum() / w_poor if w_poor > 0 else np.nan,
            "n_selected": int(sel.sum()),
        })
    out = pd.DataFrame(rows)
    out.attrs.update(budget_share=float(budget_share))
    return out
