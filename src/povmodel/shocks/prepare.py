"""Households of a survey round turned into the arrays the microsimulation draws on.

Households are sorted by *cell* (province x urban x ethnicity x sector x income decile) so that
every per-draw total is one ``np.add.reduceat`` over contiguous slices; workers are expanded
in the same order (``n_workers`` from the data, else ``max(1, round(workers_per_person *
hh_size))``). Each worker's probability of being affected follows the World Bank jobs-shock
ranking in its smooth form: a logistic function of household traits (the scenario's
``ranking``) whose intercept is solved per shock cell so that the cell's expected share of
affected workers equals the scenario's share.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy.optimize import brentq
from scipy.special import expit

from povmodel import admin
from povmodel.errors import DataValidationError, PovmodelError, Problem
from povmodel.measure.classify import classify, household_deprivations, standard_at_year
from povmodel.schemas import SECTORS
from povmodel.standards import POOR, classify_codes, poverty_thresholds, standard_snapshot

#: Groupings of the results, in output order.
GROUPINGS = ("national", "region", "province", "urban", "ethnicity", "sector", "decile")
REQUIRED = ("year", "province", "urban", "weight", "hh_size", "income_pc", "sector", "informal")


@dataclass
class Prepared:
    """Arrays of the shocked households, sorted by cell (see module docstring)."""

    year: int
    standard: str
    weight: np.ndarray
    size: np.ndarray
    income: np.ndarray           # monthly income per person before the shock (nowcast)
    labour_income: np.ndarray    # the part of it that comes from work
    remittances: np.ndarray
    urban: np.ndarray
    threshold: np.ndarray        # poor iff income <= threshold
    line: np.ndarray             # income poverty line (FGT)
    base_class: np.ndarray       # class codes before the shock
    escaped: np.ndarray | None   # poor at the round before the baseline round, not poor at it
    workers: np.ndarray
    informal: np.ndarray
    sector: np.ndarray           # index into SECTORS
    education: np.ndarray
    ethnic_minority: np.ndarray
    province: np.ndarray         # GSO code per household
    cell_start: np.ndarray       # first household of each cell
    cell_codes: dict[str, np.ndarray]   # grouping -> group index of each cell
    group_labels: dict[str, list[str]]
    worker_start: np.ndarray     # first worker of each household
    notes: list[str]

    @property
    def n(self) -> int:
        return len(self.weight)


def _check_columns(households: pd.DataFrame) -> None:
    missing = [c for c in REQUIRED if c not in households]
    if missing:
        raise DataValidationError([Problem("column required by the shock microsimulation", location=c)
                                   for c in missing])
    problems = []
    for col in ("income_pc", "weight", "hh_size", "sector"):
        bad = households[col].isna()
        if bad.any():
            problems.append(Problem("missing values", location=col, rows=int(bad.sum()),
                                    examples=tuple(np.flatnonzero(bad.to_numpy())[:5] + 2)))
    unknown = ~households["sector"].isin(SECTORS) & households["sector"].notna()
    if unknown.any():
        problems.append(Problem(f"sector must be one of {SECTORS}", location="sector", rows=int(unknown.sum()),
                                examples=tuple(households.loc[unknown, "sector"].astype(str).unique()[:5])))
    if problems:
        raise DataValidationError(problems)


def _escaped(survey: pd.DataFrame, round_year: int, rows: pd.DataFrame, poor_now: np.ndarray) -> np.ndarray | None:
    """Poor at the previous round and not poor now, for panel households (else False); None
    without a panel or an earlier round."""
    earlier = sorted(y for y in survey["year"].unique() if y < round_year)
    if "panel_id" not in survey or not earlier:
        return None
    prev = survey[survey["year"] == earlier[-1]]
    prev_poor = pd.Series(classify(prev)["class"].eq("poor").to_numpy(), index=prev["panel_id"].to_numpy())
    prev_poor = prev_poor[~prev_poor.index.duplicated()]
    was = rows["panel_id"].map(prev_poor).fillna(False).to_numpy(dtype=bool)
    return was & ~poor_now


def prepare(survey: pd.DataFrame, spec, *, decile_cuts: np.ndarray | None = None) -> Prepared:
    """The arrays of the households of ``spec.baseline_round`` in ``survey``, their incomes grown
    by ``spec.nowcast_growth`` and classified under the standard in force in ``spec.year``.

    ``decile_cuts``: the 9 nowcast incomes where deciles 2..10 start (a household is in decile
    ``k + 1`` when its income is at least ``k`` cuts), for data in chunks whose deciles are
    national (:func:`decile_cuts`); default: person-weighted deciles of ``survey`` itself."""
    _check_columns(survey)
    rows = survey[survey["year"] == spec.baseline_round]
    if rows.empty:
        rounds = sorted(int(y) for y in survey["year"].unique())
        raise PovmodelError(f"scenario {spec.name!r}: no households in baseline round {spec.baseline_round}; "
                            f"rounds in the data: {rounds}")
    rows = rows.reset_index(drop=True)
    notes = []
    growth = 1.0 + spec.nowcast_growth
    income = rows["income_pc"].to_numpy(dtype=float) * growth
    remittances = (rows["remittances_pc"].fillna(0.0).to_numpy(dtype=float) * growth if "remittances_pc" in rows
                   else np.zeros(len(rows)))
    if "remittances_pc" not in rows:
        notes.append("no remittances_pc column: remittance shocks have no effect")
    standard = standard_at_year(spec.year)
    snap = standard_snapshot(spec.year)
    deps = household_deprivations(rows, standard).to_numpy().sum(axis=1)
    urban = rows["urban"].astype(bool).to_numpy()
    base_class = classify_codes(income, urban, deps, snap)
    threshold = poverty_thresholds(urban, deps, snap)
    line = np.where(urban, snap.income_line.urban, snap.income_line.rural).astype(float)
    escaped = _escaped(survey, spec.baseline_round, rows, base_class == POOR)
    if escaped is None:
        notes.append("no panel or no earlier round: re-poverty (escaped earlier, back in) is not measured")
    size = rows["hh_size"].to_numpy(dtype=float)
    if "n_workers" in rows:
        workers = np.maximum(rows["n_workers"].fillna(1).to_numpy(dtype=np.int64), 1)
    else:
        workers = np.maximum(np.rint(spec.workers_per_person * size), 1).astype(np.int64)
        notes.append(f"no n_workers column: workers = max(1, round({spec.workers_per_person} x household size))")
    sector = pd.Categorical(rows["sector"], categories=SECTORS).codes.astype(np.int64)
    ethnic = rows["ethnic_minority"].astype("boolean").fillna(False).to_numpy(dtype=bool) \
        if "ethnic_minority" in rows else np.zeros(len(rows), dtype=bool)
    education = rows["head_education_years"].fillna(rows["head_education_years"].median()).to_numpy(dtype=float) \
        if "head_education_years" in rows else np.zeros(len(rows))
    # income deciles of persons (weight x size), before the shock
    if decile_cuts is None:
        order = np.argsort(income, kind="stable")
        cum = np.cumsum((rows["weight"].to_numpy() * size)[order])
        decile = np.empty(len(rows), dtype=np.int64)
        decile[order] = np.minimum((cum / cum[-1] * 10 - 1e-9).astype(np.int64), 9)
    else:
        decile = np.searchsorted(np.asarray(decile_cuts, dtype=float), income, side="right").astype(np.int64)
    province_codes = admin.province_codes()
    province = pd.Categorical(rows["province"], categories=province_codes).codes.astype(np.int64)
    if (province < 0).any():
        raise DataValidationError(Problem("unknown province codes", location="province",
                                          rows=int((province < 0).sum())))
    # one int64 key per household (mixed radix), decoded back into the five columns per cell:
    # np.unique on a 1-D key is ~20x faster than on rows of a 2-D array
    radix = np.array([len(province_codes), 2, 2, len(SECTORS), 10], dtype=np.int64)
    columns = np.stack([province, urban.astype(np.int64), ethnic.astype(np.int64), sector, decile])
    key = np.zeros(len(rows), dtype=np.int64)
    for digit, base in zip(columns, radix, strict=True):  # five columns, not households
        key = key * base + digit
    unique_keys, cell_of = np.unique(key, return_inverse=True)
    cells = np.empty((len(unique_keys), len(radix)), dtype=np.int64)
    rest = unique_keys.copy()
    for i in range(len(radix) - 1, -1, -1):
        rest, cells[:, i] = np.divmod(rest, radix[i])
    order = np.argsort(cell_of, kind="stable")
    cell_sorted = cell_of[order]
    cell_start = np.flatnonzero(np.r_[True, cell_sorted[1:] != cell_sorted[:-1]])
    regions = admin.provinces().set_index("code")["region_code"]
    region_list = list(admin.REGION_ORDER)
    region_of_province = np.array([region_list.index(regions[c]) for c in province_codes])
    cell_codes = {
        "national": np.zeros(len(cells), dtype=np.int64),
        "region": region_of_province[cells[:, 0]],
        "province": cells[:, 0],
        "urban": cells[:, 1],
        "ethnicity": cells[:, 2],
        "sector": cells[:, 3],
        "decile": cells[:, 4],
    }
    labels = {
        "national": ["NATIONAL"], "region": region_list, "province": province_codes,
        "urban": ["rural", "urban"], "ethnicity": ["kinh_hoa", "ethnic_minority"], "sector": list(SECTORS),
        "decile": [f"D{i + 1}" for i in range(10)],
    }
    workers = workers[order]
    return Prepared(
        year=spec.year, standard=standard, weight=rows["weight"].to_numpy(dtype=float)[order], size=size[order],
        income=income[order], labour_income=np.maximum(income - remittances, 0.0)[order],
        remittances=remittances[order], urban=urban[order], threshold=threshold[order], line=line[order],
        base_class=base_class[order], escaped=None if escaped is None else escaped[order], workers=workers,
        informal=rows["informal"].astype("boolean").fillna(False).to_numpy(dtype=bool)[order],
        sector=sector[order], education=education[order], ethnic_minority=ethnic[order],
        province=np.asarray(province_codes)[province[order]], cell_start=cell_start, cell_codes=cell_codes,
        group_labels=labels, worker_start=np.r_[0, np.cumsum(workers)[:-1]], notes=notes,
    )


def decile_cuts(income: np.ndarray, person_weight: np.ndarray) -> np.ndarray:
    """The 9 incomes where person-weighted deciles 2..10 start, as :func:`prepare` assigns
    deciles (sorted incomes, cumulative person weight); arrays in a fixed order give the
    same cuts bit for bit."""
    order = np.argsort(income, kind="stable")
    cum = np.cumsum(np.asarray(person_weight, dtype=float)[order])
    decile = np.minimum((cum / cum[-1] * 10 - 1e-9).astype(np.int64), 9)
    first = np.searchsorted(decile, np.arange(1, 10), side="left")  # decile is sorted
    return np.asarray(income, dtype=float)[order][np.minimum(first, len(order) - 1)]


def _shock_cells(prep: Prepared, shock) -> tuple[np.ndarray, np.ndarray]:
    """The labour shock cell of each household (-1: none) and its ranking score."""
    n = prep.n
    cell = np.full(n, -1, dtype=np.int64)
    region_of = admin.provinces().set_index("code")["region_code"]
    region = region_of.reindex(prep.province).to_numpy()
    for i, spec in enumerate(shock.labour):  # a loop over the scenario's cells, not households
        match = np.ones(n, dtype=bool)
        if spec.sector != "all":
            match &= prep.sector == SECTORS.index(spec.sector)
        if spec.informal is not None:
            match &= prep.informal == spec.informal
        if spec.regions:
            match &= np.isin(region, spec.regions)
        if spec.provinces:
            match &= np.isin(prep.province, spec.provinces)
        cell[match] = i
    r = shock.ranking
    score = (r.head_education_years * prep.education + r.urban * prep.urban
             + r.ethnic_minority * prep.ethnic_minority)
    return cell, score


def shock_cell_weights(prep: Prepared, shock) -> list[tuple[np.ndarray, np.ndarray]]:
    """Per labour shock cell, the distinct ranking scores of its households and their summed
    worker weights: what the cell's logistic intercept depends on (mergeable over chunks:
    :func:`solve_intercepts` adds chunks' weights by score)."""
    if shock is None or not shock.labour:
        return []
    cell, score = _shock_cells(prep, shock)
    worker_weight = prep.weight * prep.workers
    out = []
    for i in range(len(shock.labour)):  # a loop over the scenario's cells, not households
        idx = np.flatnonzero(cell == i)
        z, inverse = np.unique(score[idx], return_inverse=True)
        out.append((z, np.bincount(inverse.ravel(), weights=worker_weight[idx], minlength=len(z))))
    return out


def _intercept(z: np.ndarray, ww: np.ndarray, target: float) -> float:
    def gap(alpha):
        return float((ww * expit(alpha + z)).sum()) - target

    return brentq(gap, -60.0, 60.0, xtol=1e-12)


def solve_intercepts(chunks: list[list[tuple[np.ndarray, np.ndarray]]], shock) -> list[float | None]:
    """The logistic intercept of every labour shock cell from the :func:`shock_cell_weights`
    of every chunk (added by score in the order of ``chunks``); ``None`` where no household
    or no share applies."""
    if shock is None or not shock.labour:
        return []
    alphas: list[float | None] = []
    for i, spec in enumerate(shock.labour):
        target = spec.lose_work + spec.reduced_hours
        zs = np.concatenate([c[i][0] for c in chunks]) if chunks else np.zeros(0)
        if zs.size == 0 or target == 0 or target >= 1.0:
            alphas.append(None)
            continue
        z, inverse = np.unique(zs, return_inverse=True)
        w = np.bincount(inverse.ravel(), weights=np.concatenate([c[i][1] for c in chunks]), minlength=len(z))
        alphas.append(_intercept(z, w / w.sum(), target))
    return alphas


def worker_probabilities(prep: Prepared, shock, alphas: list[float | None] | None = None,
                         ) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Per household: probability that a worker is affected (loses work or has reduced
    hours), probability that an affected worker lost work, and the income shares lost by a
    worker who lost work and by one with reduced hours (zero where no shock cell applies).

    ``alphas``: the cells' logistic intercepts (:func:`solve_intercepts`, for data in chunks);
    default: solved on ``prep``'s households."""
    n = prep.n
    p_affected, p_lost_if_affected = np.zeros(n), np.zeros(n)
    loss_lost, loss_reduced = np.zeros(n), np.zeros(n)
    if shock is None or not shock.labour:
        return p_affected, p_lost_if_affected, loss_lost, loss_reduced
    cell, score = _shock_cells(prep, shock)
    worker_weight = prep.weight * prep.workers
    for i, spec in enumerate(shock.labour):
        idx = np.flatnonzero(cell == i)
        target = spec.lose_work + spec.reduced_hours
        if idx.size == 0 or target == 0:
            continue
        if target >= 1.0:
            p_affected[idx] = 1.0
        else:
            if alphas is not None:
                alpha = alphas[i]
            else:
                # the share depends on the scores only through their distinct values (a few dozen)
                z, inverse = np.unique(score[idx], return_inverse=True)
                ww = np.bincount(inverse.ravel(), weights=worker_weight[idx]) / worker_weight[idx].sum()
                alpha = _intercept(z, ww, target)
            p_affected[idx] = expit(alpha + score[idx])
        p_lost_if_affected[idx] = spec.lose_work / target
        loss_lost[idx] = spec.income_loss_lost
        loss_reduced[idx] = spec.income_loss_reduced
    return p_affected, p_lost_if_affected, loss_lost, loss_reduced

