"""The household process: static traits, incomes, COVID-19 shocks, deprivations, and the true
probability of being poor at a later date. Vectorised over households (numpy only).

Log income per person per month of household i in province p and year t::

    log y_it = mu_pt + x_i'beta + district_i + commune_i + alpha_i + e_it + log(1 - loss_it)

with alpha_i ~ N(0, sigma_permanent) fixed for life, e_it ~ N(0, sigma_transitory)
AR(1) across years, and loss_it the COVID-19 loss of an affected household (2020, 2021).
``mu_pt`` is calibrated (:mod:`povmodel.synthetic.calibrate`). Indicator k of a standard is
deprived with probability ``p_ikt = logistic(a_k + slope * (log ref - permanent log income) +
minority + rural + latent_i + trend * (t - 2016) + offset)``: deprived when
``sqrt(c) z_ik + sqrt(1 - c) z_ikt < probit(p_ikt)`` with a persistent normal ``z_ik`` and a
yearly one ``z_ikt`` (``c`` = ``deprivation_persistence``), so deprivations persist from year to
year; given ``z_ik`` the indicators are independent and the probability of at least
``threshold`` deprivations is an exact Poisson-binomial tail.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy.special import expit, logit, ndtr, ndtri

from povmodel.schemas import SECTORS, indicator_codes
from povmodel.standards import classify_codes, standard_snapshot
from povmodel.synthetic.spec import REGIONS, SyntheticSpec

#: Which indicator set each standard uses, by the first year of the standard.
STANDARD_YEARS = ("2016", "2022")


def standard_year_of(year: int) -> str:
    """Indicator set ("2016" or "2022") of the standard in force at the end of ``year``."""
    return "2016" if standard_snapshot(year).standard == "2016-2020" else "2022"


@dataclass
class Households:
    """Static traits of synthetic households (arrays of equal length)."""

    province_index: np.ndarray
    region_index: np.ndarray
    psu: np.ndarray
    district: np.ndarray
    urban: np.ndarray
    ethnic_minority: np.ndarray
    hh_size: np.ndarray
    head_female: np.ndarray
    head_age: np.ndarray
    head_education_years: np.ndarray
    sector: np.ndarray
    informal: np.ndarray
    base_log_income: np.ndarray
    """Everything in log income but mu_pt, the transitory shock and COVID-19 losses."""
    latent: np.ndarray
    """Household propensity to be deprived (shared by all indicators)."""
    transitory: np.ndarray
    """Current transitory log-income shock (AR(1) across years)."""
    transitory_year: np.ndarray
    """Year of ``transitory`` (0 for a household not yet observed)."""
    deprivation_static: dict[str, np.ndarray]
    """Persistent standard-normal part of each indicator's draw (households x indicators)."""

    def __len__(self) -> int:
        return len(self.urban)

    def take(self, index: np.ndarray) -> Households:
        """The households at ``index``."""
        return Households(**{k: ({s: a[index] for s, a in v.items()} if isinstance(v, dict) else v[index])
                             for k, v in self.__dict__.items()})

    @staticmethod
    def concat(parts: list[Households]) -> Households:
        """All households of ``parts`` in order."""
        out = {}
        for k, v in parts[0].__dict__.items():
            if isinstance(v, dict):
                out[k] = {s: np.concatenate([p.__dict__[k][s] for p in parts]) for s in v}
            else:
                out[k] = np.concatenate([p.__dict__[k] for p in parts])
        return Households(**out)


def draw_households(rng: np.random.Generator, communes, spec: SyntheticSpec, region_of_province: np.ndarray,
                    counts: np.ndarray) -> Households:
    """Draw ``counts[j]`` households in commune ``communes.iloc[j]`` (vectorised).

    ``communes`` needs columns psu, district, urban, province_index, district_effect,
    commune_effect.
    """
    rep = np.repeat(np.arange(len(communes)), counts)
    n = len(rep)
    prov = communes["province_index"].to_numpy()[rep]
    region = region_of_province[prov]
    urban = communes["urban"].to_numpy()[rep]
    em_table = np.array([spec.ethnic_minority_share[r] for r in REGIONS])  # (6, 2) rural, urban
    minority = rng.random(n) < em_table[region, urban.astype(int)]
    size_mean = np.clip(spec.hh_size_extra_mean + spec.hh_size_minority * minority
                        + spec.hh_size_urban * urban, 0.3, None)
    hh_size = 1 + np.minimum(rng.poisson(size_mean), 14)
    female = rng.random(n) < np.where(urban, spec.head_female_share[1], spec.head_female_share[0])
    age = np.clip(np.round(rng.normal(49.0, 13.0, n)), 18, 95)
    edu_mean = 8.0 + 2.2 * urban - 2.6 * minority - 0.06 * (age - 49)
    edu = np.clip(np.round(rng.normal(edu_mean, 3.3)), 0, 18)
    shares = np.array([spec.sector_shares["rural"], spec.sector_shares["rural_minority"], spec.sector_shares["urban"]])
    group = np.where(urban, 2, np.where(minority, 1, 0))
    cum = np.cumsum(shares, axis=1)[group]
    sector = (rng.random(n)[:, None] > cum).sum(axis=1).astype(np.int8)
    sector = np.minimum(sector, len(SECTORS) - 1)
    informal = rng.random(n) < np.asarray(spec.informal_share)[sector]
    alpha = rng.normal(0.0, spec.sigma_permanent, n)
    latent = rng.normal(0.0, spec.deprivation_latent_sd, n)
    static = {s: rng.standard_normal((n, len(indicator_codes(s)))).astype(np.float32) for s in STANDARD_YEARS}
    base = (spec.beta_education * (edu - 8) + spec.beta_minority * minority + spec.beta_urban * urban
            + spec.beta_hh_size * (hh_size - 4) + spec.beta_female_head * female
            + np.asarray(spec.beta_sector)[sector] + spec.beta_informal * informal
            + communes["district_effect"].to_numpy()[rep] + communes["commune_effect"].to_numpy()[rep] + alpha)
    return Households(
        province_index=prov.astype(np.int16), region_index=region.astype(np.int8),
        psu=communes["psu"].to_numpy()[rep], district=communes["district"].to_numpy()[rep],
        urban=urban, ethnic_minority=minority, hh_size=hh_size.astype(np.int16), head_female=female,
        head_age=age, head_education_years=edu, sector=sector, informal=informal,
        base_log_income=base, latent=latent, transitory=np.zeros(n), transitory_year=np.zeros(n, dtype=np.int16),
        deprivation_static=static,
    )


@dataclass
class YearDraws:
    """The random numbers of one year for a set of households (kept fixed while calibrating)."""

    transitory: np.ndarray
    covid_uniform: np.ndarray
    remittance_uniform: np.ndarray
    deprivation_normals: dict[str, np.ndarray]
    """The year's standard-normal part of each indicator's draw (households x indicators)."""
    scores: dict[str, np.ndarray] | None = None
    """Cache of :func:`deprivation_scores` (draws belong to one set of households)."""


def draw_year(rng: np.random.Generator, n: int, spec: SyntheticSpec) -> YearDraws:
    """The year's random numbers for ``n`` households (``transitory`` holds innovations)."""
    transitory = rng.normal(0.0, spec.sigma_transitory, n)
    covid = rng.random(n)
    remittance = rng.random(n)
    deps = {s: rng.standard_normal((n, len(indicator_codes(s)))).astype(np.float32) for s in STANDARD_YEARS}
    return YearDraws(transitory, covid, remittance, deps)


def advance_transitory(h: Households, year: int, innovation: np.ndarray, spec: SyntheticSpec) -> np.ndarray:
    """The transitory shock in ``year``: AR(1) with coefficient ``rho`` per year from the
    household's last observed shock, stationary for a household not observed before (the
    stationary standard deviation is ``sigma_transitory``)."""
    gap = np.where(h.transitory_year > 0, year - h.transitory_year, 0)
    carry = np.where(h.transitory_year > 0, spec.transitory_rho ** gap, 0.0)
    return carry * h.transitory + np.sqrt(1.0 - carry**2) * innovation


def deprivation_scores(h: Households, draws: YearDraws, spec: SyntheticSpec) -> dict[str, np.ndarray]:
    """Each indicator's draw on the logit scale: deprived when the score is below the logit of
    its probability. Combines the persistent and the yearly normal; cached on ``draws``."""
    if draws.scores is None:
        k = spec.deprivation_persistence
        draws.scores = {
            s: logit(ndtr(np.sqrt(k) * h.deprivation_static[s] + np.sqrt(1 - k) * draws.deprivation_normals[s]))
            for s in draws.deprivation_normals
        }
    return draws.scores


def remittance_share(h: Households, draws: YearDraws, spec: SyntheticSpec) -> np.ndarray:
    """Share of income that comes from remittances (part of income, not added to it)."""
    receive = np.where(h.urban, spec.remittance_receiving_share[1], spec.remittance_receiving_share[0])
    u = draws.remittance_uniform
    # among receivers, the share is uniform on the configured range (re-using the uniform)
    lo, hi = spec.remittance_income_share
    return np.where(u < receive, lo + (hi - lo) * u / np.maximum(receive, 1e-12), 0.0)


def covid_probability(h: Households, year: int, spec: SyntheticSpec) -> np.ndarray:
    """Probability that a household's income is hit by COVID-19 in ``year`` (0 outside 2020-21)."""
    if year not in spec.covid_affected_share:
        return np.zeros(len(h))
    p = np.asarray(spec.covid_affected_share[year])[h.sector]
    p = p * np.where(h.informal, spec.covid_informal_multiplier, 1.0)
    if year == 2021:
        p = p * np.array([spec.covid_region_multiplier_2021[r] for r in REGIONS])[h.region_index]
    return np.clip(p, 0.0, 1.0)


def _deprivation_intercepts(standard_year: str, spec: SyntheticSpec) -> np.ndarray:
    return logit(np.array([spec.deprivation_base_prevalence[c] for c in indicator_codes(standard_year)]))


def deprivation_logits(h: Households, permanent_log_income: np.ndarray, year: int, standard_year: str,
                       offset: np.ndarray | float, spec: SyntheticSpec) -> np.ndarray:
    """Logits (households x indicators) of the deprivation indicators of a standard."""
    shared = (spec.deprivation_income_slope * (np.log(spec.deprivation_reference_income) - permanent_log_income)
              + spec.deprivation_minority * h.ethnic_minority + spec.deprivation_rural * (~h.urban)
              + h.latent + spec.deprivation_trend_per_year * (year - 2016) + offset)
    return shared[:, None] + _deprivation_intercepts(standard_year, spec)[None, :]


@dataclass
class YearOutcome:
    """Incomes, shocks, deprivations and classification of households in one year."""

    income_pc: np.ndarray
    permanent_log_income: np.ndarray
    transitory: np.ndarray
    covid_affected: np.ndarray
    covid_loss: np.ndarray
    deprivations: dict[str, np.ndarray]
    """Boolean matrices (households x indicators) for each indicator set."""
    class_code: np.ndarray
    """Classification under the standard in force at the end of the year."""


def realise(h: Households, year: int, mu: np.ndarray, dep_offset: dict[str, np.ndarray], draws: YearDraws,
            spec: SyntheticSpec, *, standards: tuple[str, ...] = STANDARD_YEARS) -> YearOutcome:
    """Outcomes of ``year`` given province locations ``mu`` (63,) and deprivation offsets per
    indicator set (each (63,)), from fixed random numbers ``draws``. ``standards`` limits the
    indicator sets drawn (the one in force is always drawn)."""
    permanent = mu[h.province_index] + h.base_log_income
    transitory = advance_transitory(h, year, draws.transitory, spec)
    affected = draws.covid_uniform < covid_probability(h, year, spec)
    loss = np.where(affected, np.asarray(spec.covid_income_loss)[h.sector], 0.0)
    income = np.exp(permanent + transitory) * (1.0 - loss)
    in_force = standard_year_of(year)
    deps = {}
    for s in dict.fromkeys((in_force, *standards)):
        logits = deprivation_logits(h, permanent, year, s, dep_offset[s][h.province_index], spec)
        deps[s] = deprivation_scores(h, draws, spec)[s] < logits
    codes = classify_codes(income, h.urban, deps[in_force].sum(axis=1), standard_snapshot(year))
    return YearOutcome(income, permanent, transitory, affected, loss, deps, codes)


def observe(h: Households, year: int, outcome: YearOutcome) -> None:
    """Record the year's transitory shock as the households' state (for the next year)."""
    h.transitory = outcome.transitory
    h.transitory_year = np.full(len(h), year, dtype=np.int16)


def _tail_at_least(p: np.ndarray, k: int) -> np.ndarray:
    """P(at least k successes) of independent Bernoullis with probabilities ``p`` (rows)."""
    dist = np.zeros((p.shape[0], k + 1))  # counts 0..k-1 and ">= k" in the last column
    dist[:, 0] = 1.0
    for j in range(p.shape[1]):
        pj = p[:, j : j + 1]
        shifted = np.concatenate([np.zeros((p.shape[0], 1)), dist[:, :-1]], axis=1)
        new = dist * (1 - pj) + shifted * pj
        new[:, -1] += dist[:, -1] * pj[:, 0]
        dist = new
    return dist[:, -1]


def probability_poor(h: Households, year: int, mu: np.ndarray, dep_offset: dict[str, np.ndarray],
                     spec: SyntheticSpec) -> np.ndarray:
    """True probability that each household is classified poor at the end of ``year`` under
    the generating process, given what is known of it now (static traits and its last
    transitory shock): exact, with the AR(1) shock, the COVID-19 mixture and the
    Poisson-binomial deprivation count."""
    snap = standard_snapshot(year)
    s = standard_year_of(year)
    gap = np.where(h.transitory_year > 0, year - h.transitory_year, 0)
    carry = np.where(h.transitory_year > 0, spec.transitory_rho ** gap, 0.0)
    permanent = mu[h.province_index] + h.base_log_income + carry * h.transitory
    sd = spec.sigma_transitory * np.sqrt(1.0 - carry**2)
    permanent_only = mu[h.province_index] + h.base_log_income
    line = np.log(np.where(h.urban, snap.income_line.urban, snap.income_line.rural))
    near = np.log(np.where(h.urban, snap.near_poor_line.urban, snap.near_poor_line.rural))
    k = spec.deprivation_persistence
    threshold = ndtri(expit(deprivation_logits(h, permanent_only, year, s, dep_offset[s][h.province_index], spec)))
    p_indicator = ndtr((threshold - np.sqrt(k) * h.deprivation_static[s]) / np.sqrt(1 - k))
    p_dep = _tail_at_least(p_indicator, snap.deprivation_threshold)
    q = covid_probability(h, year, spec)
    loss = np.asarray(spec.covid_income_loss)[h.sector]
    prob = np.zeros(len(h))
    for weight, shift in ((1 - q, 0.0), (q, np.log1p(-loss))):
        below_line = ndtr((line - permanent - shift) / sd)
        if snap.rule == "income_or_band_with_deprivation":
            below_near = ndtr((near - permanent - shift) / sd)
            prob += weight * (below_line + (below_near - below_line) * p_dep)
        else:
            prob += weight * below_line * p_dep
    return prob
