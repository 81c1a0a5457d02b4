"""Probability of reaching the poverty-reduction targets, from simulated paths.

The targets of the National Target Programme are dated parameters
(:mod:`povmodel.parameters`, ``targets.yaml``), read at 1 January of the first target year and
never hard-coded here:

``poverty_rate_fall_min`` / ``poverty_rate_fall_max``
    The poor-household rate falls on average by at least ``targets.poverty_rate_reduction_pp_per_year``
    ``min`` / ``max`` percentage points a year: ``(p_base - p_end) / (end - base) * 100``, with
    ``base`` the year before the first target year (2020 for 2021-2025). A national target,
    shown for every area as an indication.
``ethnic_minority_fall``
    The same with ``targets.ethnic_minority_reduction_pp_per_year``, for the areas flagged as
    having an ethnic-minority majority (the caller's flag; :func:`ethnic_majority` uses the
    survey's weighted share of ``ethnic_minority`` households > 0.5). The programme's target is
    about ethnic-minority households and areas; the rate of the whole area is the proxy here.
``poor_near_poor_halving``
    Poor plus near-poor households (rates times households) in the end year at most
    ``1 - targets.poor_near_poor_reduction_share`` times their number in the base year. Needs
    near-poor draws.

Each probability is the share of draws meeting the target; :func:`traffic_light` colours it
green (P >= 0.8), amber (0.5 <= P < 0.8) or red (P < 0.5). A target whose value is not set for
the period (``null`` in the parameters, e.g. most 2026-2030 targets) is left out with a note;
draft or uncertain values are kept and their ``status`` shown.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from povmodel.errors import EstimatorInputError, PovmodelError
from povmodel.parameters import ParameterTree, load_parameters

#: Probability thresholds of the traffic lights.
GREEN_AT, AMBER_AT = 0.8, 0.5
#: Target name -> parameter path.
TARGET_PARAMETERS = {
    "poverty_rate_fall_min": "targets.poverty_rate_reduction_pp_per_year.min",
    "poverty_rate_fall_max": "targets.poverty_rate_reduction_pp_per_year.max",
    "ethnic_minority_fall": "targets.ethnic_minority_reduction_pp_per_year",
    "poor_near_poor_halving": "targets.poor_near_poor_reduction_share",
}
TARGET_COLUMNS = ["area", "area_level", "target", "parameter", "threshold", "unit", "base_year", "end_year",
                  "probability", "light", "expected", "expected_unit", "status", "synthetic"]


@dataclass(frozen=True)
class LevelDraws:
    """Simulated paths of the areas of one level (shares).

    Attributes
    ----------
    areas
        Area labels.
    poor
        Poor-household rate draws, shape (draws, areas, years).
    near_poor
        Near-poor rate draws of the same shape, or ``None``.
    households
        Households (areas x years), for counts; ``None`` skips the halving target.
    synthetic
        Whether the paths rest on synthetic households.
    """

    areas: tuple[str, ...]
    poor: np.ndarray
    near_poor: np.ndarray | None = None
    households: np.ndarray | None = None
    synthetic: bool = False


def traffic_light(probability) -> np.ndarray:
    """``green`` (P >= 0.8), ``amber`` (0.5 <= P < 0.8) or ``red`` (P < 0.5), elementwise."""
    p = np.asarray(probability, dtype=float)
    return np.where(p >= GREEN_AT, "green", np.where(p >= AMBER_AT, "amber", "red"))


def read_targets(first_year: int, parameters: ParameterTree | None = None) -> dict[str, dict]:
    """Target values in force on 1 January of ``first_year``: name -> value, unit, status, reference."""
    tree = parameters or load_parameters()
    out = {}
    for name, path in TARGET_PARAMETERS.items():
        param = tree.get(path)
        entry = param.entry_at(pd.Timestamp(f"{int(first_year)}-01-01").date())
        out[name] = {"parameter": path, "value": None if entry is None else entry.value, "unit": param.unit,
                     "status": None if entry is None else entry.status,
                     "reference": None if entry is None else entry.reference}
    return out


def annual_fall_pp(rates: np.ndarray, years: Sequence[int], base_year: int, end_year: int) -> np.ndarray:
    """Average fall of the rate per year between ``base_year`` and ``end_year``, in percentage points
    (draws x areas; positive = poverty fell)."""
    years = [int(y) for y in years]
    for y in (base_year, end_year):
        if y not in years:
            raise EstimatorInputError(f"targets: no draws for year {y} (years held: {years})")
    if end_year <= base_year:
        raise EstimatorInputError(f"targets: end year {end_year} is not after the base year {base_year}")
    i, j = years.index(int(base_year)), years.index(int(end_year))
    return 100.0 * (rates[..., i] - rates[..., j]) / (end_year - base_year)


def ethnic_majority(households: pd.DataFrame, *, year: int, by: str = "province",
                    weight: str = "weight") -> pd.Series:
    """Weighted share of ethnic-minority households per area in one round (a Series by area code).

    ``by`` is ``province``, ``region`` or ``national``. Flag the majority areas with ``> 0.5``.
    """
    from povmodel.measure.estimate import domain_codes

    need = [c for c in ("year", "ethnic_minority", weight) if c not in households]
    if need:
        raise PovmodelError(f"ethnic majority: the household table lacks column(s) {need}")
    part = households[households["year"] == int(year)]
    if part.empty:
        raise PovmodelError(f"ethnic majority: no households in year {year}")
    codes, labels = domain_codes(part, by)
    w = part[weight].to_numpy(dtype=float)
    em = part["ethnic_minority"].astype("boolean").fillna(False).to_numpy(dtype=float)
    total = np.bincount(codes, weights=w, minlength=len(labels))
    share = np.bincount(codes, weights=w * em, minlength=len(labels))
    keep = total > 0
    return pd.Series(share[keep] / total[keep], index=pd.Index(np.asarray(labels)[keep], name="area"),
                     name="ethnic_minority_share")


def target_attainment(levels: Mapping[str, LevelDraws], *, years: Sequence[int], base_year: int, end_year: int,
                      ethnic_majority_areas: Sequence[str] = (), parameters: ParameterTree | None = None,
                      standard: str | None = None) -> pd.DataFrame:
    """Probability that each area meets each target of the period ``base_year + 1 .. end_year``.

    Parameters
    ----------
    levels
        Level name (``national``, ``region``, ``province``) -> :class:`LevelDraws`.
    years
        Years of the last axis of the draws (must include ``base_year`` and ``end_year``).
    base_year, end_year
        The period: falls are averaged over ``end_year - base_year`` years.
    ethnic_majority_areas
        Areas held to the ethnic-minority target.
    parameters
        Parameter tree (default: the enacted one); the values are read on 1 January of
        ``base_year + 1``.
    standard
        Standard of the rates (recorded in ``attrs``).

    Returns
    -------
    pandas.DataFrame
        One row per area and target (:data:`TARGET_COLUMNS`); ``expected`` is the mean fall
        (pp/year) or the mean ratio of end to base poor + near-poor households. ``attrs["notes"]``
        lists targets left out.
    """
    targets = read_targets(base_year + 1, parameters)
    notes = [f"{name}: no value set for the period starting {base_year + 1} ({t['parameter']}); left out"
             for name, t in targets.items() if t["value"] is None]
    rows = []
    em = {str(a) for a in ethnic_majority_areas}

    def add(level, draws, areas, name, stat, met, expected_unit):
        t = targets[name]
        p = met.mean(axis=0)
        rows.append(pd.DataFrame({
            "area": list(areas), "area_level": level, "target": name, "parameter": t["parameter"],
            "threshold": float(t["value"]), "unit": t["unit"], "base_year": int(base_year),
            "end_year": int(end_year), "probability": p, "light": traffic_light(p),
            "expected": stat.mean(axis=0), "expected_unit": expected_unit, "status": t["status"],
            "synthetic": bool(draws.synthetic)}))

    for level, draws in levels.items():
        poor = np.asarray(draws.poor, dtype=float)
        if poor.ndim != 3 or poor.shape[1] != len(draws.areas) or poor.shape[2] != len(years):
            raise EstimatorInputError(f"targets: {level} draws must be draws x {len(draws.areas)} areas x "
                                      f"{len(years)} years, got {poor.shape}")
        fall = annual_fall_pp(poor, years, base_year, end_year)
        for name in ("poverty_rate_fall_min", "poverty_rate_fall_max"):
            if targets[name]["value"] is not None:
                add(level, draws, draws.areas, name, fall, fall >= float(targets[name]["value"]), "pp/year")
        sel = np.asarray([a in em for a in draws.areas])
        if targets["ethnic_minority_fall"]["value"] is not None and sel.any():
            value = float(targets["ethnic_minority_fall"]["value"])
            add(level, draws, np.asarray(draws.areas)[sel], "ethnic_minority_fall", fall[:, sel],
                fall[:, sel] >= value, "pp/year")
        share = targets["poor_near_poor_halving"]["value"]
        if share is not None and draws.near_poor is not None and draws.households is not None:
            yi, ye = list(years).index(int(base_year)), list(years).index(int(end_year))
            h = np.asarray(draws.households, dtype=float)
            both = (poor + np.asarray(draws.near_poor, dtype=float)) * h[None]
            with np.errstate(divide="ignore", invalid="ignore"):
                ratio = np.where(both[..., yi] > 0, both[..., ye] / both[..., yi], np.nan)
            met = ratio <= 1.0 - float(share)
            add(level, draws, draws.areas, "poor_near_poor_halving", np.nan_to_num(ratio, nan=1.0), met,
                "end / base households")
        elif share is not None and level == next(iter(levels)):
            notes.append("poor_near_poor_halving: no near-poor draws or households given; left out")
    out = pd.concat(rows, ignore_index=True) if rows else pd.DataFrame(columns=TARGET_COLUMNS)
    out = out[TARGET_COLUMNS]
    out.attrs = {"notes": notes, "standard": standard, "first_year": int(base_year) + 1}
    return out


def light_counts(targets: pd.DataFrame, level: str = "province") -> pd.DataFrame:
    """Number of areas of ``level`` per target and traffic light (targets x green/amber/red)."""
    part = targets[targets["area_level"] == level]
    table = part.groupby(["target", "light"]).size().unstack("light", fill_value=0)
    return table.reindex(columns=["green", "amber", "red"], fill_value=0)
