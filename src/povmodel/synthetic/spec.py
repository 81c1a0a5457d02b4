"""The generating process of the synthetic households: every assumption in one place.

All households produced by :mod:`povmodel.synthetic` are **synthetic**. Their traits follow the
plausible, documented assumptions below; their incomes and deprivations are then calibrated so
that the published aggregates (MOLISA national and regional rates, the GSO province ranking,
re-poverty and new-poverty figures) are reproduced. See README.md, "Synthetic data".
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
from dataclasses import dataclass, field

#: GSO region codes used below.
REGIONS = ("RRD", "NMM", "NCC", "CH", "SE", "MRD")


@dataclass(frozen=True)
class SyntheticSpec:
    """Parameters of the synthetic household process (assumptions, not estimates).

    Shares and coefficients are plausible values chosen for Vietnam; only the national and
    regional poverty levels, the province ranking and the churn are calibrated to real figures.
    """

    # -- population and frame --------------------------------------------------------------
    households_total: int = 26_870_000
    """Households in Vietnam (2019 census: about 26.9 million); split by province population."""
    population_year: int = 2016
    """Year of the GSO province population (total, urban, rural) used for the split."""
    commune_size_sigma: float = 0.6
    """Log-normal spread of household counts across communes of one province and area type."""
    # -- years ------------------------------------------------------------------------------
    years: tuple[int, ...] = (2016, 2017, 2018, 2019, 2020, 2021, 2022)
    survey_rounds: tuple[int, ...] = (2016, 2018, 2020, 2021, 2022)
    # -- survey design ----------------------------------------------------------------------
    survey_households: int = 45_000
    households_per_psu: int = 15
    panel_share: float = 0.5
    """Share of a round's communes (and all their households) re-interviewed in the next round."""
    min_psus_per_stratum: int = 2
    # -- calibration ------------------------------------------------------------------------
    calibration_households_per_province: int = 3_000
    # -- household traits -------------------------------------------------------------------
    ethnic_minority_share: dict[str, tuple[float, float]] = field(default_factory=lambda: {
        # (rural, urban) share of households headed by an ethnic-minority person
        "NMM": (0.62, 0.20), "CH": (0.42, 0.12), "NCC": (0.12, 0.03),
        "MRD": (0.09, 0.04), "SE": (0.07, 0.02), "RRD": (0.03, 0.01),
    })
    hh_size_extra_mean: float = 2.55
    """Household size = 1 + Poisson(mean); mean shifted by the terms below (VHLSS 2018: 3.70)."""
    hh_size_minority: float = 0.7
    hh_size_urban: float = -0.35
    head_female_share: tuple[float, float] = (0.21, 0.30)
    sector_shares: dict[str, tuple[float, ...]] = field(default_factory=lambda: {
        # agriculture, manufacturing_construction, services, tourism_hospitality, public
        "rural": (0.44, 0.27, 0.17, 0.03, 0.09),
        "rural_minority": (0.78, 0.08, 0.06, 0.01, 0.07),
        "urban": (0.05, 0.31, 0.39, 0.08, 0.17),
    })
    informal_share: tuple[float, ...] = (0.95, 0.45, 0.62, 0.55, 0.03)
    # -- income: log(income per person per month) -------------------------------------------
    beta_education: float = 0.045
    beta_minority: float = -0.30
    beta_urban: float = 0.25
    beta_hh_size: float = -0.07
    beta_female_head: float = -0.03
    beta_sector: tuple[float, ...] = (-0.15, 0.0, 0.05, 0.05, 0.18)
    beta_informal: float = -0.10
    sigma_district: float = 0.10
    sigma_commune: float = 0.15
    sigma_permanent: float = 0.25
    """Persistent household effect (never changes for a household)."""
    sigma_transitory: float = 0.60
    """Stationary standard deviation of the transitory income shock."""
    transitory_rho: float = 0.92
    """Year-on-year autocorrelation of the transitory shock. With sigma_permanent and
    sigma_transitory it sets how many households move in and out of poverty; chosen so that
    re-poverty and new poverty match FACTS.md 2h (checked by the calibration test): a grid
    search over (rho, sigma_transitory, sigma_permanent, deprivation_persistence) on the
    calibration population gave, for 2018, re-poor 5.6% of the poor (published 5.1%) and 0.22
    newly poor per household escaping (published 0.23)."""
    # -- COVID-19 income shock (2020 and 2021) ----------------------------------------------
    covid_affected_share: dict[int, tuple[float, ...]] = field(default_factory=lambda: {
        # by sector (order as sector_shares) - share of households whose income is hit
        2020: (0.10, 0.30, 0.38, 0.62, 0.03),
        2021: (0.08, 0.34, 0.40, 0.55, 0.03),
    })
    covid_informal_multiplier: float = 1.3
    covid_region_multiplier_2021: dict[str, float] = field(default_factory=lambda: {
        # the mid-2021 wave hit the South hardest
        "SE": 1.6, "MRD": 1.3, "RRD": 0.8, "NMM": 0.7, "NCC": 0.8, "CH": 0.8,
    })
    covid_income_loss: tuple[float, ...] = (0.10, 0.20, 0.22, 0.38, 0.05)
    """Proportional income loss of an affected household, by sector."""
    # -- remittances (a part of income) ----------------------------------------------------
    remittance_receiving_share: tuple[float, float] = (0.28, 0.12)
    """(rural, urban) share of households receiving remittances in a year."""
    remittance_income_share: tuple[float, float] = (0.08, 0.45)
    """Range of the share of a receiving household's income that remittances make up."""
    # -- deprivations ----------------------------------------------------------------------
    deprivation_base_prevalence: dict[str, float] = field(default_factory=lambda: {
        # prevalence for a household at the reference income (logit intercepts are derived)
        "health_access": 0.03, "health_insurance": 0.10, "adult_education": 0.10,
        "child_school_attendance": 0.04, "housing_quality": 0.06, "housing_area": 0.07,
        "water_source": 0.07, "latrine": 0.18, "telecom_use": 0.03, "information_assets": 0.05,
        "information_means": 0.04, "employment": 0.08, "dependants": 0.12, "nutrition": 0.05,
        "digital_services": 0.06, "waste_treatment": 0.15,
    })
    deprivation_income_slope: float = 1.3
    """Change in the logit of every deprivation per log point of permanent income below the
    reference income."""
    deprivation_reference_income: float = 2_000_000.0
    deprivation_minority: float = 0.7
    deprivation_rural: float = 0.5
    deprivation_latent_sd: float = 1.0
    """Household-specific propensity shared by all indicators (makes deprivations cluster)."""
    deprivation_trend_per_year: float = -0.06
    deprivation_persistence: float = 0.97
    """Share of the variance of each indicator's latent draw that persists across years."""

    def digest(self) -> str:
        """SHA-256 of the spec (part of every synthetic output's provenance)."""
        blob = json.dumps(dataclasses.asdict(self), sort_keys=True, default=str)
        return hashlib.sha256(blob.encode()).hexdigest()
