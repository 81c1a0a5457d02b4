"""Province poverty by Fay-Herriot: the survey's direct estimates borrow strength from real
province covariates (GSO's published figures) — the area-level poverty map of the World Bank
guidelines, needing no census.

Covariates (one row per province, from the real regional panel): the GSO 2016 poverty rate
(share), log monthly income per capita in 2016, its annual growth 2010-2016, and the spatial
lag of the 2016 poverty rate over the contiguous provinces (queen contiguity, islands joined).
Provinces whose direct estimate has no variance (a single PSU, no sample) are predicted out of
sample.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from scipy.stats import norm

from povmodel import admin, datasets
from povmodel.errors import PovmodelError
from povmodel.measure import estimate as measure_estimate
from povmodel.spatial.fay_herriot import FayHerriot
from povmodel.spatial.weights import contiguity_weights, spatial_lag

Z95 = float(norm.ppf(0.975))  # two-sided 95% normal quantile
#: Covariates of the province model, in order.
PROVINCE_COVARIATES = ("gso_poverty_2016", "log_income_2016", "income_growth_2010_2016", "poverty_lag_2016")


def province_covariates(panel: pd.DataFrame, boundaries) -> pd.DataFrame:
    """The real province covariates of :data:`PROVINCE_COVARIATES`, indexed by GSO code."""
    figures = datasets.gso_province_figures(panel)
    out = pd.DataFrame({"gso_poverty_2016": figures["poverty_rate"], "log_income_2016": np.log(figures["income_2016"]),
                        "income_growth_2010_2016": figures["income_growth"]})
    w = contiguity_weights(boundaries).w
    out["poverty_lag_2016"] = spatial_lag(out["gso_poverty_2016"], w)
    return out


def province_fay_herriot(households: pd.DataFrame, covariates: pd.DataFrame, *, year: int,
                         measure: str = "poor_rate", standard: str | None = None,
                         method: str = "REML") -> tuple[pd.DataFrame, object]:
    """Direct and Fay-Herriot estimates of ``measure`` for the 63 provinces in ``year``.

    Returns the table (province, name, direct, direct_se, direct_cv, estimate, mse, cv,
    ci_low, ci_high, gamma, n_sample, out_of_sample) and the fitted
    :class:`~povmodel.spatial.fay_herriot.FayHerriotResults`. Intervals are normal intervals
    from the Prasad-Rao MSE, clipped to [0, 1].
    """
    rows = households[households["year"] == year]
    if rows.empty:
        raise PovmodelError(f"no households in {year}")
    direct = measure_estimate(rows, by="province", measures=[measure], standard=standard).to_frame()
    direct = direct[direct["measure"] == measure].set_index("domain")
    codes = admin.province_codes()
    direct = direct.reindex(codes)
    usable = direct["se"].gt(0) & direct["estimate"].notna()
    fit = FayHerriot(method=method, mse="prasad_rao").fit(
        direct["estimate"].where(usable).to_numpy(), (direct["se"] ** 2).where(usable).to_numpy(),
        covariates.reindex(codes)[list(PROVINCE_COVARIATES)], areas=codes)
    est, mse = fit.estimate.reindex(codes), fit.mse.reindex(codes)
    half = Z95 * np.sqrt(mse)
    names = admin.provinces().set_index("code")["name"]
    table = pd.DataFrame({
        "province": codes, "name": names.reindex(codes).to_numpy(),
        "direct": direct["estimate"].to_numpy(), "direct_se": direct["se"].to_numpy(),
        "direct_cv": (direct["se"] / direct["estimate"]).where(direct["estimate"] > 0).to_numpy(),
        "estimate": est.to_numpy(), "mse": mse.to_numpy(), "cv": fit.cv.reindex(codes).to_numpy(),
        "ci_low": np.clip(est - half, 0, 1).to_numpy(), "ci_high": np.clip(est + half, 0, 1).to_numpy(),
        "gamma": fit.gamma.reindex(codes).to_numpy(), "n_sample": direct["n"].fillna(0).astype(int).to_numpy(),
        "out_of_sample": fit.out_of_sample.reindex(codes).to_numpy(),
    })
    return table, fit
