"""Monte Carlo shock microsimulation, vectorised over households and workers.

For each draw ``d`` (its own random stream ``default_rng([seed, d])``, so results do not depend
on how draws are split across workers):

1. each worker draws one uniform ``u``; it is affected if ``u < p_affected`` of its household
   (see :func:`povmodel.shocks.prepare.worker_probabilities`) and among those, lost work if
   ``u < p_affected * p_lost_if_affected``; counts per household by ``np.add.reduceat``;
2. monthly-average income per person falls by the affected workers' lost labour income over
   the shock's full-strength-equivalent months, the remittance drop and the real loss from a
   food-price rise;
3. each household draws one take-up uniform ``v`` (take-up is a household trait within a draw:
   a household claims every benefit whose take-up rate exceeds ``v``); benefits paid within the
   scenario year are added to income;
4. households are re-classified with their poverty thresholds under the standard in force and
   compared with the no-shock baseline (the same households, incomes nowcast, no transfers).

Totals are summed per cell of households (one ``reduceat`` per metric and draw) and aggregated to every
grouping afterwards. Two scenarios run in the same pass share every random number (common
random numbers), which is what makes a reform's winners and losers well defined.
"""

from __future__ import annotations

import os
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

import numpy as np

from povmodel.errors import PovmodelError
from povmodel.parameters import load_parameters
from povmodel.shocks.prepare import Prepared, worker_probabilities
from povmodel.standards import NEAR_POOR, POOR

# rows of the per-draw metric matrix (summed over the households of each cell)
_ROWS = ("poor", "poor_people", "newly_poor", "newly_poor_people", "repoor", "near_poor_to_poor", "lifted_out",
         "fgt0", "fgt1", "fgt2", "income_loss", "transfers", "income_fell", "transient_poor_affected",
         "transient_poor_affected_before", "workers_affected")


@dataclass
class _Benefit:
    name: str
    amount: float            # VND per unit per payment x payments
    per: str
    eligible: str
    take_up: float
    paid: bool


@dataclass
class _Plan:
    """A scenario's constants on the prepared households."""

    name: str
    p_affected_w: np.ndarray     # per worker
    p_lost_w: np.ndarray         # per worker
    loss_lost: np.ndarray        # monthly-average income per person lost per worker who lost work
    loss_reduced: np.ndarray     # ... per worker with reduced hours
    month_lost: np.ndarray       # income per person lost in a shock month per worker who lost work
    month_reduced: np.ndarray
    fixed_loss: np.ndarray       # remittances and prices, monthly-average per person
    fixed_month_loss: np.ndarray
    benefits: list[_Benefit]


def _plan(prep: Prepared, spec, alphas: list | None = None) -> _Plan:
    shock = spec.shock
    p_aff, p_lost_if, loss_lost, loss_red = worker_probabilities(prep, shock, alphas)
    months = shock.shock_months() if shock is not None else 0.0
    per_worker = prep.labour_income / prep.workers
    drop = shock.remittance_drop if shock is not None else 0.0
    food = (prep.income * shock.food_share * shock.food_price_increase / (1 + shock.food_price_increase)
            if shock is not None else np.zeros(prep.n))
    fixed_month = prep.remittances * drop + food
    benefits = []
    if spec.support is not None:
        params = load_parameters().with_changes(spec.parameter_changes)
        start = shock.start_month if shock is not None else spec.support.date.month
        for b in spec.support.benefits:
            amount = float(params.get(b.amount).at(spec.support.date))
            payments = float(params.get(b.payments).at(spec.support.date)) if isinstance(b.payments, str) \
                else float(b.payments)
            benefits.append(_Benefit(b.name, amount * payments, b.per, b.eligible, b.take_up,
                                     paid=start + b.delay_months <= 12))
    repeat = np.repeat
    return _Plan(
        name=spec.name, p_affected_w=repeat(p_aff, prep.workers).astype(np.float32),
        p_lost_w=repeat(p_aff * p_lost_if, prep.workers).astype(np.float32),
        loss_lost=per_worker * loss_lost * months / 12, loss_reduced=per_worker * loss_red * months / 12,
        month_lost=per_worker * loss_lost, month_reduced=per_worker * loss_red,
        fixed_loss=fixed_month * months / 12, fixed_month_loss=fixed_month if months > 0 else np.zeros(prep.n),
        benefits=benefits,
    )


def _eligible_units(rule: str, per: str, prep: Prepared, lost: np.ndarray, reduced: np.ndarray) -> np.ndarray:
    """Units paid to each household under an eligibility rule (persons, workers or 1)."""
    formal = ~prep.informal
    if rule == "poor_near_poor_list":
        listed = (prep.base_class == POOR) | (prep.base_class == NEAR_POOR)
        units = np.where(listed, prep.size if per == "person" else prep.workers, 0)
    elif rule == "all_persons":
        units = prep.size if per == "person" else prep.workers
    elif rule == "formal_reduced":
        units = np.where(formal, reduced, 0)
    elif rule == "informal_reduced":
        units = np.where(prep.informal, reduced, 0)
    elif rule == "formal_lost":
        units = np.where(formal, lost, 0)
    elif rule == "informal_lost":
        units = np.where(prep.informal, lost, 0)
    elif rule == "formal_workers":
        units = np.where(formal, prep.workers, 0)
    elif rule == "household_business_stopped":
        units = (prep.informal & (prep.sector != 0) & (lost > 0)).astype(float)
    else:  # the scenario model only admits the rules above
        raise PovmodelError(f"unknown eligibility rule {rule!r}")
    units = np.asarray(units, dtype=float)
    return (units > 0).astype(float) if per == "household" else units


def _incomes(prep: Prepared, plan: _Plan, u: np.ndarray, v: np.ndarray):
    lost = np.add.reduceat((u < plan.p_lost_w).view(np.int8), prep.worker_start, dtype=np.int64)
    affected = np.add.reduceat((u < plan.p_affected_w).view(np.int8), prep.worker_start, dtype=np.int64)
    reduced = affected - lost
    loss = lost * plan.loss_lost + reduced * plan.loss_reduced + plan.fixed_loss
    month_loss = lost * plan.month_lost + reduced * plan.month_reduced + plan.fixed_month_loss
    transfers = np.zeros(prep.n)
    by_benefit = []
    for b in plan.benefits:  # a loop over benefits, not households
        if not b.paid:
            by_benefit.append(np.zeros(prep.n))
            continue
        paid = _eligible_units(b.eligible, b.per, prep, lost, reduced) * b.amount * (v < b.take_up)
        by_benefit.append(paid)  # VND per household for the year
        transfers += paid
    transfers_pc = transfers / (prep.size * 12)
    return prep.income - loss + transfers_pc, loss, month_loss, affected, by_benefit


def _metric_rows(prep: Prepared, income, loss, month_loss, affected, by_benefit):
    """The per-household rows of :data:`_ROWS` (then one per benefit), one at a time so that
    each is summed per cell and freed before the next is built."""
    hw, pw = prep.weight, prep.weight * prep.size
    poor = income <= prep.threshold
    poor_before = prep.base_class == POOR
    newly = poor & ~poor_before
    fell = month_loss > 0
    yield hw * poor
    yield pw * poor
    yield hw * newly
    yield pw * newly
    yield hw * (newly & prep.escaped) if prep.escaped is not None else np.zeros(prep.n)
    yield hw * (newly & (prep.base_class == NEAR_POOR))
    yield hw * (poor_before & ~poor)
    yield pw * (income < prep.line)
    gap = np.clip(1.0 - income / prep.line, 0.0, None)
    yield pw * gap
    yield pw * gap**2
    yield hw * loss * (prep.size * 12)
    yield hw * sum(by_benefit, np.zeros(prep.n))
    yield hw * fell
    yield hw * (fell & (prep.income - month_loss < prep.line))
    yield hw * (fell & (prep.income < prep.line))
    yield hw * affected
    for b in by_benefit:
        yield hw * b


def run_draws(prep: Prepared, specs: list, *, draws: int, seed: int, workers: int | None = None,
              progress=None, stream: tuple[int, ...] = (), alphas: list | None = None,
              ) -> tuple[list[_Plan], np.ndarray, np.ndarray | None]:
    """Cell totals of every draw: ``(plans, totals, pair_totals)`` with ``totals`` of shape
    ``(draws, len(specs), rows, cells)`` (rows: :data:`_ROWS` then one per benefit, padded to the
    scenario with most benefits) and, for two scenarios, ``pair_totals`` ``(draws, 2, cells)``
    (households better off / worse off under the second).

    For data in chunks: ``stream`` keys the chunk's random numbers (draw ``d`` uses
    ``default_rng([seed, d, *stream])``) and ``alphas`` gives each spec's shock-cell intercepts
    solved on all chunks (:func:`povmodel.shocks.prepare.solve_intercepts`)."""
    if draws < 1:
        raise PovmodelError(f"draws must be at least 1, got {draws}")
    plans = [_plan(prep, s, None if alphas is None else alphas[i]) for i, s in enumerate(specs)]
    n_rows = len(_ROWS) + max(len(p.benefits) for p in plans)
    n_cells = len(prep.cell_start)
    totals = np.zeros((draws, len(plans), n_rows, n_cells))
    pair = np.zeros((draws, 2, n_cells)) if len(plans) == 2 else None
    n_workers = int(prep.workers.sum())

    def one(d: int) -> None:
        rng = np.random.default_rng([seed, d, *stream])
        u = rng.random(n_workers, dtype=np.float32)
        v = rng.random(prep.n, dtype=np.float32)
        incomes = []
        for k, plan in enumerate(plans):
            income, loss, month_loss, affected, by_benefit = _incomes(prep, plan, u, v)
            for i, row in enumerate(_metric_rows(prep, income, loss, month_loss, affected, by_benefit)):
                totals[d, k, i] = np.add.reduceat(row, prep.cell_start)
            incomes.append(income)
        if pair is not None:
            diff = incomes[1] - incomes[0]
            pm = np.stack([prep.weight * (diff > 0.5), prep.weight * (diff < -0.5)])  # half a dong: rounding
            pair[d] = np.add.reduceat(pm, prep.cell_start, axis=1)

    workers = workers or min(os.cpu_count() or 1, draws)
    if workers == 1:
        for d in range(draws):
            one(d)
            if progress:
                progress(d + 1, draws)
    else:
        with ThreadPoolExecutor(max_workers=workers) as pool:
            for i, _ in enumerate(pool.map(one, range(draws))):
                if progress:
                    progress(i + 1, draws)
    return plans, totals, pair
