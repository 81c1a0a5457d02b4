"""Synthetic households as a table in povmodel's household schema (plus ``truth_*`` columns)."""

from __future__ import annotations

import numpy as np
import pandas as pd

from povmodel.schemas import SECTORS, indicator_codes
from povmodel.synthetic.model import (
    STANDARD_YEARS,
    Households,
    YearDraws,
    YearOutcome,
    remittance_share,
)
from povmodel.synthetic.spec import SyntheticSpec

#: Ground-truth columns kept alongside the observed ones (never present in real survey data).
TRUTH_COLUMNS = ("truth_p_poor_next_round", "truth_permanent_log_income", "truth_covid_affected",
                 "truth_covid_income_loss")


def household_table(h: Households, out: YearOutcome, draws: YearDraws, *, year: int, hh_id: np.ndarray,
                    province_codes: np.ndarray, weight: np.ndarray, stratum: np.ndarray,
                    panel_id: np.ndarray | None, spec: SyntheticSpec) -> pd.DataFrame:
    """One row per household for ``year``, columns as in :func:`povmodel.schemas.household_schema`."""
    table = {
        "hh_id": hh_id,
        "year": np.full(len(h), year, dtype=np.int64),
        "province": province_codes[h.province_index],
        "district": h.district,
        "psu": h.psu,
        "stratum": stratum,
        "urban": h.urban,
        "weight": np.asarray(weight, dtype=float),
        "hh_size": h.hh_size.astype(np.int64),
        "ethnic_minority": h.ethnic_minority,
        "head_female": h.head_female,
        "head_age": h.head_age.astype(float),
        "head_education_years": h.head_education_years.astype(float),
        "sector": np.asarray(SECTORS)[h.sector],
        "informal": h.informal,
        "income_pc": np.round(out.income_pc, 0),
        "remittances_pc": np.round(out.income_pc * remittance_share(h, draws, spec), 0),
    }
    if panel_id is not None:
        table["panel_id"] = panel_id
    for s in STANDARD_YEARS:
        if s in out.deprivations:
            for j, code in enumerate(indicator_codes(s)):
                table[f"dep_{s}_{code}"] = out.deprivations[s][:, j]
    table["truth_permanent_log_income"] = out.permanent_log_income
    table["truth_covid_affected"] = out.covid_affected
    table["truth_covid_income_loss"] = out.covid_loss
    return pd.DataFrame(table)
