"""COVID-19 and other shocks: a household microsimulation with support packages as dated
policy parameters, Monte Carlo uncertainty and sub-national results.

:func:`simulate` shocks the households of a survey round as a scenario file says
(:class:`povmodel.config.ScenarioSpec`: ``shock`` and ``support``), optionally beside a reform
sharing the same random draws, and returns :class:`SimulationResults`.
"""

from __future__ import annotations

import pandas as pd

from povmodel.errors import PovmodelError
from povmodel.shocks.prepare import GROUPINGS, prepare
from povmodel.shocks.results import METRICS, SimulationResults, assemble
from povmodel.shocks.simulate import run_draws
from povmodel.shocks.validation import published_comparison

__all__ = ["GROUPINGS", "METRICS", "SimulationResults", "published_comparison", "simulate", "simulated_specs"]


def simulated_specs(scenario, reform=None) -> list:
    """``[scenario]`` or ``[scenario, reform]``, checked: both have a year and a baseline round,
    a reform shocks the same round and year as its scenario, and has another name."""
    specs = [scenario] if reform is None else [scenario, reform]
    for s in specs:
        if s.year is None or s.baseline_round is None:
            raise PovmodelError(f"scenario {s.name!r} has no 'year' and 'baseline_round': nothing to simulate")
    if reform is not None and (reform.year, reform.baseline_round) != (scenario.year, scenario.baseline_round):
        raise PovmodelError(f"a reform must shock the same round and year as its scenario: {reform.name!r} has "
                            f"{reform.baseline_round}/{reform.year}, {scenario.name!r} "
                            f"{scenario.baseline_round}/{scenario.year}")
    if reform is not None and reform.name == scenario.name:
        raise PovmodelError(f"scenario and reform have the same name {scenario.name!r}")
    return specs


def simulate(survey: pd.DataFrame, scenario, *, draws: int = 100, seed: int, workers: int | None = None,
             reform=None, progress=None) -> SimulationResults:
    """Run the shock microsimulation of ``scenario`` on ``survey``.

    Parameters
    ----------
    survey
        Household table with the rounds (``year``) of the survey; the scenario's
        ``baseline_round`` is shocked.
    scenario, reform
        :class:`~povmodel.config.ScenarioSpec` objects. With ``reform``, both run on the same
        draws and the reform's rows also hold ``winners_share`` and ``losers_share`` (households
        better or worse off than under ``scenario``); both must shock the same round and year.
    draws, seed, workers
        Monte Carlo draws, the seed (draw ``d`` uses ``default_rng([seed, d])``: the results do
        not depend on ``workers``, the number of threads; default: the number of cores).
    progress
        Optional callable ``progress(done, total)`` called after each draw.
    """
    specs = simulated_specs(scenario, reform)
    prep = prepare(survey, scenario)
    plans, totals, pair = run_draws(prep, specs, draws=draws, seed=seed, workers=workers, progress=progress)
    return assemble(prep, plans, totals, pair, draws=draws, seed=seed)
