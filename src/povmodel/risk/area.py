"""Household risk scores aggregated to areas (provinces or districts): the expected number and
share of households falling (back) into poverty by the next round, with bootstrap intervals
over PSUs. Cells with few sample households are flagged, and suppressed below
:data:`MIN_SAMPLE_SUPPRESS` (no estimate rests on a handful of households)."""

from __future__ import annotations

import numpy as np
import pandas as pd
from scipy.stats import norm

from povmodel import admin
from povmodel.errors import PovmodelError
from povmodel.measure.design import SurveyDesign, bootstrap_ratio_by_domain

#: Areas with fewer sample households than this have their estimates suppressed (missing).
MIN_SAMPLE_SUPPRESS = 10
#: Areas with fewer sample households than this, or a coefficient of variation above
#: :data:`MAX_RELIABLE_CV`, are flagged as unreliable.
MIN_SAMPLE_RELIABLE = 30
MAX_RELIABLE_CV = 0.3
LEVELS = ("province", "district")


def _areas(level: str) -> pd.DataFrame:
    if level == "province":
        return admin.provinces()[["code", "name"]]
    if level == "district":
        d = admin.districts()
        names = admin.provinces().set_index("code")["name"]
        return d.assign(province_name=d["province"].map(names))[["code", "name", "province", "province_name",
                                                                  "lat", "lon"]]
    raise PovmodelError(f"area level must be one of {LEVELS}, got {level!r}")


def area_risk(households: pd.DataFrame, probability, *, level: str = "province", replicates: int = 200,
              seed: int, confidence: float = 0.95) -> pd.DataFrame:
    """Expected share and number of households poor at the next round, by province or district.

    ``households`` are the scored (not-poor) households with ``weight``, ``stratum``, ``psu``
    and ``province`` (and ``district`` for ``level="district"``); ``probability`` their
    scores. Intervals are normal intervals from a seeded Rao-Wu bootstrap of the design (the
    model is held fixed). ``quality`` is ``ok``, ``unreliable`` (fewer than
    :data:`MIN_SAMPLE_RELIABLE` sample households, CV above :data:`MAX_RELIABLE_CV`, or no CV
    because the area's households lie in a single PSU) or
    ``suppressed`` (fewer than :data:`MIN_SAMPLE_SUPPRESS`: estimates left missing). Sorted by
    expected share, highest first; suppressed areas last.
    """
    areas = _areas(level)
    if level not in households:
        raise PovmodelError(f"area risk by {level} needs a {level!r} column in the scored households")
    position = pd.Series(np.arange(len(areas)), index=areas["code"].to_numpy())
    domain = households[level].map(position)
    if domain.isna().any():
        unknown = households.loc[domain.isna(), level].astype(str).unique()[:5].tolist()
        raise PovmodelError(f"{int(domain.isna().sum())} scored households have an unknown {level} code, "
                            f"e.g. {unknown}")
    design = SurveyDesign.from_frame(households, singleton="certainty")
    est = bootstrap_ratio_by_domain(design, np.asarray(probability, dtype=float), None,
                                    domain.to_numpy(dtype=np.int64), len(areas), replicates=replicates, seed=seed)
    z = norm.ppf(0.5 + confidence / 2)
    n = np.asarray(est.n)
    with np.errstate(divide="ignore", invalid="ignore"):  # a zero standard error (one PSU) is no CV
        cv = np.where((est.estimate > 0) & (est.se > 0), est.se / est.estimate, np.nan)
    quality = np.where(n < MIN_SAMPLE_SUPPRESS, "suppressed",
                       np.where((n < MIN_SAMPLE_RELIABLE) | ~(cv <= MAX_RELIABLE_CV), "unreliable", "ok"))
    hide = quality == "suppressed"
    out = areas.rename(columns={"code": level}).reset_index(drop=True)
    out = out.assign(
        expected_share=est.estimate, share_low=np.clip(est.estimate - z * est.se, 0, 1),
        share_high=np.clip(est.estimate + z * est.se, 0, 1), cv=cv,
        households_at_risk=est.estimate * est.denominator, households_scored=est.denominator,
        sample_households=n, quality=quality,
    )
    for col in ("expected_share", "share_low", "share_high", "cv", "households_at_risk", "households_scored"):
        out[col] = out[col].mask(hide)
    return out.sort_values(["expected_share"], ascending=False, na_position="last", ignore_index=True)



def export_area_risk(table: pd.DataFrame, path) -> str:
    """Write the ranked area table for planners (``.csv`` with BOM or ``.xlsx``, atomically)."""
    from povmodel.io import write_table

    return str(write_table(table, path, sheet_name="re-poverty risk"))
