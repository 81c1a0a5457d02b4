"""Rank uncertainty of areas from posterior or bootstrap draws.

A league table of provinces by an estimated poverty rate hides how uncertain the ranks are.
:func:`rank_uncertainty` ranks the areas within every draw and summarises the rank distribution
(mean, 95% interval, probability of being among the ``k`` poorest); :func:`stable_set` reads off
the areas that are *certainly* (P > 0.9) and *probably* (P > 0.5) in that group.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from povmodel.errors import PovmodelError

#: Probability above which an area is "certainly" / "probably" among the top ``k``.
CERTAIN = 0.9
PROBABLE = 0.5


def _check_draws(draws, areas) -> tuple[np.ndarray, list[str]]:
    try:
        x = np.asarray(draws, dtype=float)
    except (TypeError, ValueError) as exc:
        raise PovmodelError(f"draws must be numeric: {exc}") from None
    if x.ndim != 2:
        raise PovmodelError(f"draws must be a 2-D array (draws x areas), got {x.ndim} dimension(s)")
    if x.shape[0] < 1 or x.shape[1] < 1:
        raise PovmodelError(f"draws must have at least one draw and one area, got shape {x.shape}")
    areas = [str(a) for a in areas]
    if len(areas) != x.shape[1]:
        raise PovmodelError(f"{len(areas)} area names given for {x.shape[1]} columns of draws")
    if len(set(areas)) != len(areas):
        dup = sorted({a for a in areas if areas.count(a) > 1})
        raise PovmodelError(f"area names must be unique; repeated: {', '.join(dup[:5])}")
    bad = ~np.isfinite(x)
    if bad.any():
        cols = [areas[j] for j in np.flatnonzero(bad.any(axis=0))[:5]]
        raise PovmodelError(f"draws contain {int(bad.sum())} missing or infinite value(s), e.g. in {', '.join(cols)}")
    return x, areas


def draw_ranks(draws: np.ndarray, *, descending: bool = True) -> np.ndarray:
    """Rank the areas within every draw.

    Parameters
    ----------
    draws
        Array of shape (draws, areas).
    descending
        Rank 1 is the highest value (the poorest area for a poverty rate); ``False`` ranks the
        lowest value first.

    Returns
    -------
    numpy.ndarray
        Integer ranks 1..n_areas of the same shape. Ties are broken by column order.
    """
    x = np.asarray(draws, dtype=float)
    order = np.argsort(-x if descending else x, axis=1, kind="stable")
    ranks = np.empty_like(order)
    rows = np.arange(x.shape[0])[:, None]
    ranks[rows, order] = np.arange(1, x.shape[1] + 1)
    return ranks


def rank_uncertainty(draws: np.ndarray, areas: list[str], *, k: int = 10, descending: bool = True,
                     level: float = 0.95) -> pd.DataFrame:
    """Summarise the rank of every area across draws.

    Parameters
    ----------
    draws
        Array of shape (draws, areas): posterior or bootstrap draws of an area indicator
        (e.g. the poverty rate).
    areas
        Area names or codes, one per column.
    k
        Size of the group of interest: the ``k`` highest (poorest) areas.
    descending
        Rank 1 is the highest value; ``False`` ranks the lowest value first.
    level
        Coverage of the rank interval (0.95: the 2.5th and 97.5th percentiles).

    Returns
    -------
    pandas.DataFrame
        One row per area, sorted by mean rank: ``area``, ``mean`` (mean value), ``mean_rank``,
        ``rank_lo`` and ``rank_hi`` (interval of the rank, rounded outward to whole ranks) and
        ``p_top_k`` (share of draws in which the area is among the top ``k``). ``attrs`` holds
        ``k``, ``n_draws`` and ``level``.
    """
    x, areas = _check_draws(draws, areas)
    n_areas = x.shape[1]
    if isinstance(k, bool) or not isinstance(k, (int, np.integer)) or not 1 <= k <= n_areas:
        raise PovmodelError(f"k must be a whole number from 1 to the number of areas ({n_areas}), got {k!r}")
    if not 0 < level < 1:
        raise PovmodelError(f"level must lie strictly between 0 and 1, got {level!r}")
    ranks = draw_ranks(x, descending=descending)
    tail = 100 * (1 - level) / 2
    lo = np.percentile(ranks, tail, axis=0, method="lower")
    hi = np.percentile(ranks, 100 - tail, axis=0, method="higher")
    out = pd.DataFrame({
        "area": areas,
        "mean": x.mean(axis=0),
        "mean_rank": ranks.mean(axis=0),
        "rank_lo": lo.astype(int),
        "rank_hi": hi.astype(int),
        "p_top_k": (ranks <= k).mean(axis=0),
    })
    out = out.sort_values(["mean_rank", "area"], kind="stable").reset_index(drop=True)
    out.attrs.update(k=int(k), n_draws=int(x.shape[0]), level=float(level), descending=bool(descending))
    return out


@dataclass(frozen=True)
class StableSet:
    """Areas certainly and probably among the top ``k``.

    Attributes
    ----------
    k
        Size of the group.
    certainly
        Areas with probability above the ``certain`` threshold, most probable first.
    probably
        Areas with probability above the ``probable`` threshold (includes ``certainly``).
    """

    k: int | None
    certainly: tuple[str, ...]
    probably: tuple[str, ...]


def stable_set(table: pd.DataFrame, *, certain: float = CERTAIN, probable: float = PROBABLE) -> StableSet:
    """The areas whose probability of being in the top ``k`` exceeds two thresholds.

    Parameters
    ----------
    table
        Output of :func:`rank_uncertainty` (columns ``area`` and ``p_top_k``).
    certain, probable
        Thresholds (strictly exceeded) for the "certainly" and "probably" sets.

    Returns
    -------
    StableSet
    """
    missing = {"area", "p_top_k"} - set(table.columns)
    if missing:
        raise PovmodelError(f"stable_set needs the output of rank_uncertainty; missing column(s): {sorted(missing)}")
    if not 0 <= probable <= certain < 1:
        raise PovmodelError(f"thresholds must satisfy 0 <= probable <= certain < 1, got {probable!r}, {certain!r}")
    t = table.sort_values(["p_top_k", "area"], ascending=[False, True], kind="stable")
    p = t["p_top_k"].to_numpy(dtype=float)
    names = t["area"].astype(str).to_numpy()
    k = table.attrs.get("k")
    return StableSet(k=k, certainly=tuple(names[p > certain]), probably=tuple(names[p > probable]))
