"""Household risk scores aggregated to areas: the expected number and share of households
falling (back) into poverty by the next round, with bootstrap intervals over PSUs."""

from __future__ import annotations

import numpy as np
import pandas as pd
from scipy.stats import norm

from povmodel import admin
from povmodel.measure.design import SurveyDesign, bootstrap_ratio_by_domain


def area_risk(households: pd.DataFrame, probability, *, replicates: int = 200, seed: int,
              confidence: float = 0.95) -> pd.DataFrame:
    """Expected share and number of households poor at the next round, by province.

    ``households`` are the scored (not-poor) households with ``weight``, ``stratum``, ``psu``
    and ``province``; ``probability`` their scores. Intervals are normal
    intervals from a seeded Rao-Wu bootstrap of the design (the model is held fixed).
    Sorted by expected share, highest first.
    """
    codes = admin.province_codes()
    position = {c: i for i, c in enumerate(codes)}
    domain = households["province"].map(position).to_numpy(dtype=np.int64)
    design = SurveyDesign.from_frame(households, singleton="certainty")
    est = bootstrap_ratio_by_domain(design, np.asarray(probability, dtype=float), None, domain, len(codes),
                                    replicates=replicates, seed=seed)
    z = norm.ppf(0.5 + confidence / 2)
    names = admin.provinces().set_index("code")["name"]
    out = pd.DataFrame({
        "province": codes, "name": names.reindex(codes).to_numpy(),
        "expected_share": est.estimate, "share_low": np.clip(est.estimate - z * est.se, 0, 1),
        "share_high": np.clip(est.estimate + z * est.se, 0, 1),
        "households_at_risk": est.estimate * est.denominator, "households_scored": est.denominator,
        "sample_households": est.n,
    })
    return out.sort_values("expected_share", ascending=False, ignore_index=True)


def export_area_risk(table: pd.DataFrame, path) -> str:
    """Write the ranked area table for planners: ``.csv`` (UTF-8 with BOM, so that Excel shows
    Vietnamese names correctly) or ``.xlsx``; written atomically. Returns the path."""
    from pathlib import Path

    from povmodel.errors import PovmodelError
    from povmodel.io import atomic_path

    path = Path(path)
    with atomic_path(path) as tmp:
        if path.suffix.lower() == ".csv":
            table.to_csv(tmp, index=False, encoding="utf-8-sig")
        elif path.suffix.lower() == ".xlsx":
            table.to_excel(tmp, index=False, sheet_name="re-poverty risk")
        else:
            raise PovmodelError(f"export to .csv or .xlsx, not {path.suffix or 'no extension'}: {path}")
    return str(path)
