"""Panel pairs for re-poverty models: households observed at round t and at the next round.

The target is "poor at the next round" (classified by the standard in force then) for
households not poor at t; ``escaped`` marks households that were poor at the round before t
and are not at t (re-poverty proper when they fall back). Features are the household's
traits and welfare at t, its province's published figures (GSO poverty rate and income growth,
and the spatial lag of poverty over neighbouring provinces) and its exposure to shocks (sector
and formality of work; agriculture is the reference sector). Ground-truth columns of synthetic
data are never features.

The standard can change between t and the next round (2021 -> 2022: a higher income line and
new deprivations). Two features carry it, so that a model trained across the change stays
calibrated for pairs that do not cross one: ``log_income_to_next_line`` (log income at t minus
the log income line in force at the next round) and ``standard_changes`` (1 if the next round
is classified under another standard than t).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from povmodel import admin, datasets
from povmodel.errors import PovmodelError
from povmodel.measure.classify import classify, standard_at_year
from povmodel.schemas import SECTORS
from povmodel.standards import standard_snapshot

HOUSEHOLD_FEATURES = ("urban", "hh_size", "ethnic_minority", "head_female", "head_age", "head_education_years",
                      "informal", "log_income_pc", "remittance_share", "deprivations", "near_poor",
                      "log_income_to_next_line", "standard_changes")
#: Years between survey rounds (VHLSS is biennial), for scoring the round after the latest.
ROUND_INTERVAL = 2
PROVINCE_FEATURES = ("province_poverty_gso", "province_income_growth", "province_poverty_lag")


def province_features(panel: pd.DataFrame, boundaries=None, *, k_neighbours: int = 4) -> pd.DataFrame:
    """Published province figures used as features (63 rows indexed by GSO code): the GSO
    2016 poverty rate (share), annual growth of income per capita 2010-2016, and the spatial
    lag of the poverty rate (mean over the ``k_neighbours`` nearest provinces, which gives
    island provinces neighbours too)."""
    figures = datasets.gso_province_figures(panel)
    out = pd.DataFrame({"province_poverty_gso": figures["poverty_rate"],
                        "province_income_growth": figures["income_growth"]})
    codes = admin.province_codes()
    if boundaries is not None:
        from libpysal.weights import KNN

        centroids = boundaries.set_index("code").reindex(codes).to_crs(3405).centroid
        w = KNN.from_array(np.column_stack([centroids.x, centroids.y]), k=k_neighbours)
        w.transform = "r"
        values = out["province_poverty_gso"].to_numpy()
        out["province_poverty_lag"] = [float(np.dot(list(w.weights[i]), values[list(w.neighbors[i])]))
                                       for i in range(len(codes))]  # 63 provinces, not households
    if out.isna().any().any():
        bad = out.columns[out.isna().any()].tolist()
        raise PovmodelError(f"province features missing for some provinces: {bad}")
    return out


def panel_pairs(survey: pd.DataFrame, provinces: pd.DataFrame, *, panel_id: str = "panel_id") -> pd.DataFrame:
    """One row per household observed at a round and at the next one, not poor at the first.

    Columns: the features (:data:`HOUSEHOLD_FEATURES`, sector dummies, province features),
    ``poor_next`` (target), ``escaped`` (poor at the round before, not poor now), ``weight``
    (at t), ``province``, ``year``, ``year_next`` and, for synthetic data,
    ``truth_p_poor_next_round``.
    """
    if panel_id not in survey:
        raise PovmodelError(f"re-poverty models need a panel: column {panel_id!r} is missing")
    data = _classified(survey)
    rounds = sorted(int(y) for y in data["year"].unique())
    status = data.pivot_table(index=panel_id, columns="year", values="poor", aggfunc="max")
    frames = []
    for i, (t, nxt) in enumerate(zip(rounds[:-1], rounds[1:], strict=True)):
        now = data[data["year"] == t].set_index(panel_id)
        later = status[nxt].dropna()
        both = now.index.intersection(later.index)
        rows = now.loc[both]
        rows = rows[~rows["poor"]]
        previous = status[rounds[i - 1]].reindex(rows.index) if i > 0 else pd.Series(np.nan, index=rows.index)
        frame = pd.DataFrame({
            "year": t, "year_next": nxt, "standard_next": standard_at_year(nxt),
            "poor_next": later.loc[rows.index].astype(bool).to_numpy(),
            "escaped": previous.fillna(0.0).astype(float).to_numpy() > 0,
        }, index=rows.index)
        frame = frame.join(_features(rows, provinces, t, nxt))
        if "truth_p_poor_next_round" in rows:
            frame["truth_p_poor_next_round"] = rows["truth_p_poor_next_round"].to_numpy()
        frames.append(frame)
    if not frames:
        raise PovmodelError("no household is observed in two consecutive rounds")
    return pd.concat(frames).reset_index(names=panel_id)


def _classified(survey: pd.DataFrame) -> pd.DataFrame:
    classes = classify(survey)
    return survey.assign(poor=classes["class"].eq("poor").to_numpy(),
                         near_poor=classes["class"].eq("near_poor").to_numpy(),
                         deprivations=classes["deprivations"].to_numpy())


def _features(rows: pd.DataFrame, provinces: pd.DataFrame, year: int, year_next: int) -> pd.DataFrame:
    """Model features of classified household rows observed in ``year`` (index kept), with
    design columns; ``year_next`` is the round whose poverty is predicted."""
    frame = pd.DataFrame({"province": rows["province"].to_numpy(), "weight": rows["weight"].to_numpy()},
                         index=rows.index)
    for col in ("stratum", "psu", "district"):
        if col in rows:
            frame[col] = rows[col].to_numpy()
    frame["urban"] = rows["urban"].astype(float).to_numpy()
    for col in ("hh_size", "head_age", "head_education_years", "deprivations"):
        frame[col] = rows[col].astype(float).to_numpy()
    for col in ("ethnic_minority", "head_female", "informal", "near_poor"):
        frame[col] = rows[col].astype("boolean").fillna(False).astype(float).to_numpy()
    income = rows["income_pc"].to_numpy(dtype=float)
    frame["log_income_pc"] = np.log(np.maximum(income, 1.0))
    line = standard_snapshot(int(year_next)).income_line
    urban = rows["urban"].astype(bool).to_numpy()
    frame["log_income_to_next_line"] = frame["log_income_pc"] - np.log(np.where(urban, line.urban, line.rural))
    frame["standard_changes"] = float(standard_at_year(year) != standard_at_year(year_next))
    frame["remittance_share"] = (rows["remittances_pc"].to_numpy(dtype=float) / np.maximum(income, 1.0)
                                 if "remittances_pc" in rows else 0.0)
    for sector in SECTORS[1:]:  # agriculture is the reference category
        frame[f"sector_{sector}"] = (rows["sector"] == sector).astype(float).to_numpy()
    return frame.join(provinces, on="province")


def current_features(survey: pd.DataFrame, provinces: pd.DataFrame, year: int,
                     year_next: int | None = None) -> pd.DataFrame:
    """Features of the households not poor in ``year``, to score their risk of being poor at
    round ``year_next`` (default: ``year`` + :data:`ROUND_INTERVAL`)."""
    data = _classified(survey[survey["year"] == year])
    if data.empty:
        raise PovmodelError(f"no households in {year}")
    year_next = year + ROUND_INTERVAL if year_next is None else year_next
    return _features(data[~data["poor"]], provinces, year, year_next).reset_index(drop=True)


def feature_columns(pairs: pd.DataFrame) -> list[str]:
    """The model features present in ``pairs`` (never ids, targets, weights or truth)."""
    sector = [c for c in pairs.columns if c.startswith("sector_")]
    return [c for c in (*HOUSEHOLD_FEATURES, *sector, *PROVINCE_FEATURES) if c in pairs.columns]
