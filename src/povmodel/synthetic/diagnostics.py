"""How closely the synthetic data reproduce the published figures they are calibrated to."""

from __future__ import annotations

import numpy as np
import pandas as pd
from scipy.stats import spearmanr

from povmodel import admin
from povmodel.schemas import deprivation_columns
from povmodel.standards import NEAR_POOR, POOR, classify_codes, standard_snapshot
from povmodel.synthetic.calibrate import SOURCE_GSO, Calibration
from povmodel.synthetic.model import standard_year_of

#: Published figures the generator must reproduce, and the tolerances of the issue.
REPOOR_SHARE_PUBLISHED = 0.051  # FACTS.md 2h: re-poor households, share of poor households a year
NEWLY_PER_ESCAPING_PUBLISHED = 0.23  # FACTS.md 2h: newly poor per household escaping


def classify_survey(survey: pd.DataFrame) -> np.ndarray:
    """Class codes of every household-round under the standard in force at the end of its year."""
    codes = np.empty(len(survey), dtype=np.int8)
    for year, idx in survey.groupby("year").indices.items():
        rows = survey.iloc[idx]
        deps = rows[deprivation_columns(standard_year_of(year))].sum(axis=1)
        codes[idx] = classify_codes(rows["income_pc"], rows["urban"], deps, standard_snapshot(year))
    return codes


def _rate(mask: pd.Series | np.ndarray, weight: pd.Series) -> float:
    return float(np.average(np.asarray(mask, dtype=float), weights=weight))


def calibration_table(survey: pd.DataFrame, calibration: Calibration, panel: pd.DataFrame) -> pd.DataFrame:
    """Every calibration target: published value, value reached by the survey (weighted) or by
    the calibration population, tolerance and whether it is met. Rates in %."""
    codes = classify_survey(survey)
    rows = []

    def add(target, published, achieved, tolerance, on="survey"):
        rows.append({"target": target, "published": published, "achieved": achieved, "tolerance": tolerance,
                     "on": on, "ok": bool(abs(achieved - published) <= tolerance)})

    nat = calibration.national_targets
    for year, idx in survey.groupby("year").indices.items():
        w = survey["weight"].iloc[idx]
        std = standard_snapshot(year).standard
        how = nat[year].get("poor_how", "published")
        published = 8.2 if (year == 2016 and how == "interpolated") else 100 * nat[year]["poor"]
        add(f"national poor {year} ({std}{', ' + how if how != 'published' else ''})",
            published, 100 * _rate(codes[idx] == POOR, w), 0.3)
        if "near_poor" in nat[year] and nat[year].get("near_poor_how") == "published" and std != "2016-2020":
            add(f"national near-poor {year} ({std})", 100 * nat[year]["near_poor"],
                100 * _rate(codes[idx] == NEAR_POOR, w), 0.3)
    last = survey["year"].max()
    region = survey["province"].map(admin.provinces().set_index("code")["region_code"])
    reg = panel[(panel["source"] == "MOLISA administrative review") & (panel["area_level"] == "region")
                & (panel["year"] == last)]
    for indicator, code in (("poor_household_rate", POOR), ("near_poor_household_rate", NEAR_POOR)):
        for r, value in reg[reg["indicator"] == indicator].set_index("area_code")["value"].items():
            sel = (survey["year"] == last) & (region == r)
            add(f"{r} {indicator.split('_household')[0].replace('_', '-')} {last}", value,
                100 * _rate(codes[sel.to_numpy()] == code, survey.loc[sel, "weight"]), 1.0)
    first = survey["year"].min()
    gso = panel[(panel["source"] == SOURCE_GSO) & (panel["area_level"] == "province")
                & (panel["indicator"] == "poor_household_rate") & (panel["year"] == first)]
    gso = gso.set_index("area_code")["value"]
    sel = (survey["year"] == first).to_numpy()
    frame = pd.DataFrame({"poor": codes[sel] == POOR, "w": survey.loc[sel, "weight"],
                          "province": survey.loc[sel, "province"]})
    by_prov = frame.assign(pw=frame["poor"] * frame["w"]).groupby("province")[["pw", "w"]].sum()
    rate = (by_prov["pw"] / by_prov["w"]).reindex(gso.index)
    rho = spearmanr(rate, gso).statistic
    rows.append({"target": f"province ranking {first} vs GSO (Spearman, {len(gso)} provinces)", "published": 1.0,
                 "achieved": float(rho), "tolerance": 0.1, "on": "survey", "ok": bool(rho >= 0.9)})
    churn = calibration.achieved.set_index("year")
    year = 2018 if 2018 in churn.index else int(churn["repoor_share_of_poor"].dropna().index[0])
    add(f"re-poor households, % of poor, {year}", 100 * REPOOR_SHARE_PUBLISHED,
        100 * churn.at[year, "repoor_share_of_poor"], 1.5, on="calibration population (annual)")
    add(f"newly poor per household escaping, {year}", NEWLY_PER_ESCAPING_PUBLISHED,
        churn.at[year, "newly_poor_per_escaping"], 0.06, on="calibration population (annual)")
    return pd.DataFrame(rows)
