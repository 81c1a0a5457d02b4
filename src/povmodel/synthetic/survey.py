"""Survey mode: a VHLSS-like two-stage sample with a rotating panel (synthetic households).

Design: strata are province x urban/rural; communes (PSUs) are drawn with probability
proportional to their households (systematic PPS), then ``households_per_psu`` households in
each. Communes per stratum are allocated in proportion to the square root of the stratum's
households (at least ``min_psus_per_stratum``). In each later round ``panel_share`` of a
stratum's communes are kept with all their households (the panel); the rest are replaced by
fresh communes. Weights are ``N_h / (m_h * k)``, so they add up to the stratum's households.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import pandas as pd

from povmodel import admin
from povmodel.synthetic.calibrate import Calibration
from povmodel.synthetic.frame import (
    STREAM_SURVEY_DESIGN,
    STREAM_SURVEY_STATIC,
    STREAM_SURVEY_YEAR,
    Frame,
    _largest_remainder,
    rng_for,
)
from povmodel.synthetic.model import (
    Households,
    draw_households,
    draw_year,
    observe,
    probability_poor,
    realise,
)
from povmodel.synthetic.spec import REGIONS, SyntheticSpec
from povmodel.synthetic.tables import household_table


def _systematic_pps(rng: np.random.Generator, sizes: np.ndarray, m: int) -> np.ndarray:
    """Indices of ``m`` units drawn by systematic PPS from a random order (distinct units)."""
    m = min(m, len(sizes))
    if m == 0:
        return np.zeros(0, dtype=np.int64)
    order = rng.permutation(len(sizes))
    cum = np.cumsum(sizes[order].astype(float))
    step = cum[-1] / m
    points = rng.uniform(0, step) + step * np.arange(m)
    chosen = np.unique(order[np.searchsorted(cum, points, side="right").clip(max=len(sizes) - 1)])
    if len(chosen) < m:  # a unit larger than the step was hit twice: top up at random
        rest = np.setdiff1d(np.arange(len(sizes)), chosen)
        chosen = np.concatenate([chosen, rng.choice(rest, m - len(chosen), replace=False)])
    return np.sort(chosen)


def _allocate_psus(strata: pd.DataFrame, spec: SyntheticSpec) -> np.ndarray:
    total = spec.survey_households // spec.households_per_psu
    available = strata["communes"].to_numpy()
    floor = np.minimum(spec.min_psus_per_stratum, available)
    extra = _largest_remainder(max(total - floor.sum(), 0), np.sqrt(strata["households"].to_numpy(float)))
    return np.minimum(floor + extra, available)


def generate_survey(frame: Frame, calibration: Calibration, spec: SyntheticSpec, seed: int,
                    progress: Callable[[str], None] | None = None) -> pd.DataFrame:
    """All survey rounds, one row per household and round (see module docstring).

    The households are **synthetic**. Columns follow :func:`povmodel.schemas.household_schema`
    plus ground truth (``truth_*``): the probability of being poor at the next round under the
    generating process, the permanent log income, and the COVID-19 shock actually drawn.
    """
    say = progress or (lambda _line: None)
    communes = frame.communes.reset_index(drop=True)
    communes["stratum"] = communes["province"] + np.where(communes["urban"], "-U", "-R")
    strata = communes.groupby("stratum").agg(households=("households", "sum"), communes=("psu", "size"))
    strata["psus"] = _allocate_psus(strata, spec)
    region_of = np.array([REGIONS.index(r) for r in frame.provinces["region_code"]])
    k = spec.households_per_psu
    rounds = list(spec.survey_rounds)
    frames = []
    previous_psus: np.ndarray = np.zeros(0, dtype=np.int64)  # commune row indices
    previous_h: Households | None = None
    previous_panel: np.ndarray | None = None
    for r, year in enumerate(rounds):
        rng = rng_for(seed, STREAM_SURVEY_DESIGN, year)
        kept, fresh = [], []
        for stratum, idx in communes.groupby("stratum").indices.items():
            m = int(strata.at[stratum, "psus"])
            before = np.intersect1d(previous_psus, idx)
            keep = rng.choice(before, min(len(before), int(np.floor(spec.panel_share * m))), replace=False) \
                if len(before) else before
            pool = np.setdiff1d(idx, before)
            if len(pool) < m - len(keep):
                pool = np.setdiff1d(idx, keep)
            new = pool[_systematic_pps(rng, communes["households"].to_numpy()[pool], m - len(keep))]
            kept.append(np.sort(keep))
            fresh.append(new)
        kept_psus, fresh_psus = np.concatenate(kept), np.concatenate(fresh)
        fresh_h = draw_households(rng_for(seed, STREAM_SURVEY_STATIC, year), communes.iloc[fresh_psus], spec,
                                  region_of, np.full(len(fresh_psus), k))
        fresh_panel = np.char.add(f"{year}-", np.char.add(fresh_h.psu.astype(str),
                                  np.char.add("-", np.char.zfill(np.tile(np.arange(k), len(fresh_psus)).astype(str), 2))))
        if previous_h is not None and len(kept_psus):
            keep_rows = np.isin(previous_h.psu, communes["psu"].to_numpy()[kept_psus])
            h = Households.concat([previous_h.take(np.flatnonzero(keep_rows)), fresh_h])
            panel_id = np.concatenate([previous_panel[keep_rows], fresh_panel])
        else:
            h, panel_id = fresh_h, fresh_panel
        frames.append(_round_table(h, panel_id, year, rounds[r + 1] if r + 1 < len(rounds) else None,
                                   communes, strata, calibration, spec, seed))
        say(f"survey round {year}: {len(h):,} households ({int(len(h) - len(fresh_h)):,} re-interviewed)")
        previous_psus = np.concatenate([kept_psus, fresh_psus])
        previous_h, previous_panel = h, panel_id
    return pd.concat(frames, ignore_index=True)


def _round_table(h: Households, panel_id: np.ndarray, year: int, next_year: int | None, communes: pd.DataFrame,
                 strata: pd.DataFrame, cal: Calibration, spec: SyntheticSpec, seed: int) -> pd.DataFrame:
    draws = draw_year(rng_for(seed, STREAM_SURVEY_YEAR, year), len(h), spec)
    out = realise(h, year, cal.mu[year], cal.dep_offset[year], draws, spec)
    observe(h, year, out)
    stratum = communes.set_index("psu").loc[h.psu, "stratum"].to_numpy()
    sampled = pd.Series(h.psu).groupby(stratum).nunique()
    weight = (strata.loc[stratum, "households"].to_numpy()
              / (sampled.reindex(stratum).to_numpy() * spec.households_per_psu))
    province_codes = np.asarray(admin.province_codes())
    table = household_table(h, out, draws, year=year, hh_id=np.char.add(f"{year}-", panel_id.astype(str)),
                            province_codes=province_codes, weight=weight, stratum=stratum,
                            panel_id=panel_id, spec=spec)
    truth = (probability_poor(h, next_year, cal.mu[next_year], cal.dep_offset[next_year], spec)
             if next_year is not None else np.full(len(h), np.nan))
    table.insert(table.columns.get_loc("truth_permanent_log_income"), "truth_p_poor_next_round", truth)
    return table
