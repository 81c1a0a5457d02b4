"""Poverty transitions between two rounds of a household panel.

States of a household observed in both rounds (``year_from``, ``year_to``):

- ``chronic_poor``: poor in both;
- ``escaped``: poor in ``year_from``, not in ``year_to``;
- ``re_poor``: not poor in ``year_from``, poor in ``year_to``, and poor in some earlier round
  of the panel (it had escaped and fell back: "tái nghèo");
- ``newly_poor``: not poor in ``year_from``, poor in ``year_to``, never poor in an earlier round;
- ``never_poor``: poor in neither round.

All rounds are classified by one standard (default: the one in force at the end of
``year_to``), so that a change of standard never shows up as a transition. Shares are among
panel households, weighted by their ``year_to`` weights, with design-based standard errors from
the ``year_to`` design; ``*_households`` are numbers of households in the population: the share
times the domain's number of households in ``year_to`` (the sum of all its weights, taken as
known, as it is fixed by the sampling frame).
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

from povmodel.errors import PovmodelError
from povmodel.measure.classify import classify, standard_at_year
from povmodel.measure.design import SurveyDesign, bootstrap_ratio_by_domain, ratio_by_domain
from povmodel.measure.estimate import domain_codes
from povmodel.measure.results import MeasureResults, tidy_rows

STATES = ("chronic_poor", "escaped", "re_poor", "newly_poor", "never_poor")


def transition_states(households: pd.DataFrame, year_from: int, year_to: int, *, standard: str | None = None,
                      panel_id: str = "panel_id") -> pd.DataFrame:
    """The ``year_to`` rows of households observed in both rounds, with a ``state`` column."""
    if year_from >= year_to:
        raise PovmodelError(f"year_from ({year_from}) must be before year_to ({year_to})")
    if panel_id not in households:
        raise PovmodelError(f"transitions need a panel: column {panel_id!r} is missing")
    std = standard or standard_at_year(year_to)
    rounds = households[households["year"] <= year_to]
    poor = classify(rounds, standard=std)["class"].eq("poor").to_numpy()
    status = pd.DataFrame({"panel": rounds[panel_id].to_numpy(), "year": rounds["year"].to_numpy(), "poor": poor})
    wide = status.pivot_table(index="panel", columns="year", values="poor", aggfunc="max")
    if year_from not in wide or year_to not in wide:
        raise PovmodelError(f"no households observed in {year_from} and {year_to}")
    both = wide[year_from].notna() & wide[year_to].notna()
    wide = wide[both]
    before = wide[[c for c in wide.columns if c < year_from]].fillna(False).astype(bool).any(axis=1)
    a, b = wide[year_from].astype(bool), wide[year_to].astype(bool)
    state = np.select([a & b, a & ~b, ~a & b & before, ~a & b & ~before], STATES[:4], default="never_poor")
    last = households[(households["year"] == year_to)].set_index(panel_id)
    out = last.loc[wide.index].reset_index()
    out["state"] = state
    return out


def transitions(households: pd.DataFrame, year_from: int, year_to: int, *, by: str | Sequence[str] = "national",
                standard: str | None = None, confidence: float = 0.95, min_n: int = 50, max_cv: float = 0.2,
                singleton: str = "raise", weight: str = "weight", strata: str | None = "stratum",
                psu: str | None = "psu", variance: str = "taylor", replicates: int = 200,
                seed: int | None = None) -> MeasureResults:
    """Weighted shares and numbers of households in each transition state, by domain, with
    design-based standard errors (Taylor, or a seeded Rao-Wu bootstrap; see module docstring)."""
    if variance not in ("taylor", "bootstrap"):
        raise PovmodelError(f"variance must be 'taylor' or 'bootstrap', not {variance!r}")
    if variance == "bootstrap" and seed is None:
        raise PovmodelError("the bootstrap needs an explicit seed")
    panel = transition_states(households, year_from, year_to, standard=standard)
    std = standard or standard_at_year(year_to)
    # the design is the year_to sample; households outside the panel keep their PSUs (domain -1)
    last = households[households["year"] == year_to].reset_index(drop=True)
    design = SurveyDesign.from_frame(last, weight=weight, strata=strata, psu=psu, singleton=singleton)
    position = pd.Series(np.arange(len(last)), index=last["hh_id"]).loc[panel["hh_id"]].to_numpy()
    rows = []
    for dom_type in [by] if isinstance(by, str) else list(by):
        codes_panel, labels = domain_codes(panel, dom_type)
        codes = np.full(len(last), -1, dtype=np.int64)
        codes[position] = codes_panel
        all_codes, _ = domain_codes(last, dom_type)
        households_in_domain = np.bincount(all_codes, weights=design.weights, minlength=len(labels))
        for s in STATES:
            y = np.zeros(len(last))
            y[position] = (panel["state"] == s).to_numpy(dtype=float)
            share = (ratio_by_domain(design, y, None, codes, len(labels)) if variance == "taylor" else
                     bootstrap_ratio_by_domain(design, y, None, codes, len(labels), replicates=replicates, seed=seed))
            common = {"by": dom_type, "domains": labels, "year": year_to, "standard": std, "unit": "household",
                      "confidence": confidence, "max_cv": max_cv, "min_n": min_n}
            rows.append(tidy_rows(measure=s, estimates=share.estimate, se=share.se, n=share.n, **common))
            rows.append(tidy_rows(measure=f"{s}_households", estimates=share.estimate * households_in_domain,
                                  se=share.se * households_in_domain, n=share.n, bounds=(0.0, np.inf), **common))
    table = pd.concat(rows, ignore_index=True)
    table.insert(3, "year_from", year_from)
    return MeasureResults(table, {"year_from": year_from, "year_to": year_to, "standard": std})
