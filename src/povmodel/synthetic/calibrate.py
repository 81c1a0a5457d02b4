"""Calibration of the synthetic process to published figures.

Targets (all real, from the regional panel):

- national poor-household rate by the 2016-2020 standard, MOLISA end-of-year review, for each
  year 2016-2021 (2016, not published, is interpolated between end-2015 and end-2017);
- 2022, first year of the 2022-2025 standard: MOLISA regional poor and near-poor rates;
- the province pattern: each province's target is its GSO 2016 poverty rate shifted on the
  logit scale by one constant per year (per region in 2022) so that the targets add up to the
  national (regional) figure, which keeps the GSO province ranking.

For each year the province location ``mu_pt`` of log income is found by bisection (all 63
provinces at once) on a calibration population drawn from the frame; in 2022 a per-province
deprivation offset is found the same way so that the poor / near-poor split matches too.
Re-poverty and new-poverty rates are not targets of the bisection: they follow from
``sigma_permanent`` and ``sigma_transitory`` and are checked in the tests.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np
import pandas as pd
from scipy.optimize import brentq
from scipy.special import expit, logit

from povmodel import admin
from povmodel.errors import DataValidationError, Problem
from povmodel.standards import NEAR_POOR, POOR, classify_codes, standard_snapshot
from povmodel.synthetic.frame import STREAM_CALIBRATION, Frame, rng_for
from povmodel.synthetic.model import (
    STANDARD_YEARS,
    Households,
    advance_transitory,
    covid_probability,
    draw_households,
    draw_year,
    observe,
    realise,
    standard_year_of,
)
from povmodel.synthetic.spec import REGIONS, SyntheticSpec

SOURCE_MOLISA = "MOLISA administrative review"
SOURCE_GSO = "GSO survey (VHLSS)"
_RATE_FLOOR = 0.001  # provinces with a published 0.0% get 0.1%: logits must stay finite


@dataclass
class Calibration:
    """Calibrated locations and the figures they reproduce."""

    seed: int
    spec_digest: str
    mu: dict[int, np.ndarray]
    """Log-income location of each province (63, GSO code order) for each year."""
    dep_offset: dict[int, dict[str, np.ndarray]]
    targets: pd.DataFrame
    """province, year, target_poor, target_below_line (2022) - shares, not %."""
    national_targets: dict[int, dict[str, float]]
    achieved: pd.DataFrame = field(default_factory=pd.DataFrame)
    """On the calibration population: year, poor, near_poor (standard in force), poor under
    the 2016-2020 standard, and the annual churn (re-poor share of the poor, newly poor per
    household escaping)."""

    def to_dict(self) -> dict:
        """JSON-friendly record (for provenance files)."""
        codes = admin.province_codes()
        return {
            "seed": self.seed, "spec_sha256": self.spec_digest,
            "mu": {str(y): dict(zip(codes, np.round(m, 6).tolist(), strict=True)) for y, m in self.mu.items()},
            "national_targets": {str(y): v for y, v in self.national_targets.items()},
            "achieved": self.achieved.to_dict(orient="records"),
        }


def national_targets(panel: pd.DataFrame, years) -> dict[int, dict[str, float]]:
    """National MOLISA poor (and near-poor) rates as shares, by year; missing years between
    two published ones are interpolated linearly (and said so)."""
    mol = panel[(panel["source"] == SOURCE_MOLISA) & (panel["area_level"] == "national")]
    out: dict[int, dict[str, float]] = {}
    for indicator, key in (("poor_household_rate", "poor"), ("near_poor_household_rate", "near_poor")):
        for standard in ("2016-2020", "2022-2025"):
            s = mol[(mol["indicator"] == indicator) & (mol["standard"] == standard)].set_index("year")["value"]
            for year in years:
                if standard_snapshot(year).standard != standard or len(s) == 0:
                    continue
                if year in s.index:
                    value, how = float(s[year]), "published"
                elif s.index.min() < year < s.index.max():
                    value = float(np.interp(year, s.index.to_numpy(), s.to_numpy()))
                    how = "interpolated"
                else:
                    continue
                out.setdefault(year, {})[key] = value / 100
                out[year][f"{key}_how"] = how
    missing = [y for y in years if "poor" not in out.get(y, {})]
    if missing:
        raise DataValidationError(Problem(f"no national MOLISA poor rate for year(s) {missing}",
                                          location="poor_household_rate"))
    return out


def province_shape(panel: pd.DataFrame, year: int = 2016) -> pd.Series:
    """GSO province poverty rates (shares) of ``year``; a province without a published value
    takes its latest earlier one."""
    gso = panel[(panel["source"] == SOURCE_GSO) & (panel["area_level"] == "province")
                & (panel["indicator"] == "poor_household_rate") & (panel["year"] <= year)]
    latest = gso.sort_values("year").groupby("area_code")["value"].last()
    return (latest.reindex(admin.province_codes()) / 100).clip(lower=_RATE_FLOOR)


def _shift_to_mean(shape: np.ndarray, weights: np.ndarray, target: float) -> np.ndarray:
    """Province rates ``logistic(logit(shape) + k)`` whose weighted mean is ``target``."""
    base = logit(shape)
    k = brentq(lambda c: np.average(expit(base + c), weights=weights) - target, -20, 20)
    return expit(base + k)


def province_targets(panel: pd.DataFrame, frame: Frame, spec: SyntheticSpec) -> tuple[pd.DataFrame, dict]:
    """Target poor share (and, in 2022, share below the line) for every province and year."""
    nat = national_targets(panel, spec.years)
    shape = province_shape(panel).to_numpy()
    weights = frame.provinces["households"].to_numpy(dtype=float)
    region = frame.provinces["region_code"].to_numpy()
    rows = []
    for year in spec.years:
        if standard_year_of(year) == "2016":
            poor = _shift_to_mean(shape, weights, nat[year]["poor"])
            below = np.full(len(shape), np.nan)
        else:
            poor, below = np.empty(len(shape)), np.empty(len(shape))
            reg = panel[(panel["source"] == SOURCE_MOLISA) & (panel["area_level"] == "region")
                        & (panel["year"] == year)]
            for r in REGIONS:
                sel = region == r
                values = reg[reg["area_code"] == r].set_index("indicator")["value"] / 100
                if not {"poor_household_rate", "near_poor_household_rate"} <= set(values.index):
                    raise DataValidationError(Problem(f"no MOLISA {year} regional rates for {r}"))
                poor[sel] = _shift_to_mean(shape[sel], weights[sel], values["poor_household_rate"])
                below[sel] = _shift_to_mean(shape[sel], weights[sel],
                                            values["poor_household_rate"] + values["near_poor_household_rate"])
            below = np.maximum(below, poor * 1.02)
        rows.append(pd.DataFrame({"province": admin.province_codes(), "year": year,
                                  "target_poor": poor, "target_below_line": below}))
    return pd.concat(rows, ignore_index=True), nat


def _bisect(fn: Callable[[np.ndarray], np.ndarray], target: np.ndarray, lo: float, hi: float,
            decreasing: bool, iterations: int = 34) -> np.ndarray:
    """Vectorised bisection: x (one per province) with fn(x) = target, fn monotone."""
    lo_arr, hi_arr = np.full(len(target), lo), np.full(len(target), hi)
    for _ in range(iterations):
        mid = (lo_arr + hi_arr) / 2
        value = fn(mid)
        go_up = value > target if decreasing else value < target
        lo_arr = np.where(go_up, mid, lo_arr)
        hi_arr = np.where(go_up, hi_arr, mid)
    return (lo_arr + hi_arr) / 2


def calibration_population(frame: Frame, spec: SyntheticSpec, seed: int) -> tuple[Households, np.ndarray]:
    """An equal-probability sample of households in every province (communes chosen with
    probability proportional to their households) and its weights."""
    rng = rng_for(seed, STREAM_CALIBRATION)
    communes = frame.communes
    counts = np.zeros(len(communes), dtype=np.int64)
    for _, idx in communes.groupby("province_index").indices.items():
        size = communes["households"].to_numpy()[idx].astype(float)
        counts[idx] = rng.multinomial(spec.calibration_households_per_province, size / size.sum())
    region_of = np.array([REGIONS.index(r) for r in frame.provinces["region_code"]])
    households = draw_households(rng, communes, spec, region_of, counts)
    per_province = frame.provinces["households"].to_numpy() / spec.calibration_households_per_province
    return households, per_province[households.province_index]


def _shares(h: Households, weights: np.ndarray, mask: np.ndarray) -> np.ndarray:
    total = np.bincount(h.province_index, weights=weights, minlength=63)
    return np.bincount(h.province_index, weights=weights * mask, minlength=63) / total


def calibrate(frame: Frame, panel: pd.DataFrame, spec: SyntheticSpec, seed: int,
              progress: Callable[[str], None] | None = None) -> Calibration:
    """Calibrate ``mu`` (and the 2022 deprivation offsets) for every year of ``spec.years``."""
    say = progress or (lambda _line: None)
    targets, nat = province_targets(panel, frame, spec)
    h, w = calibration_population(frame, spec, seed)
    rng = rng_for(seed, STREAM_CALIBRATION, 1)
    zero = {s: np.zeros(63) for s in STANDARD_YEARS}
    mu: dict[int, np.ndarray] = {}
    poor_by_year: dict[int, np.ndarray] = {}
    records: list[dict] = []
    new_offset = np.zeros(63)
    lo, hi = np.log(1e4), np.log(1e9)
    for year in spec.years:
        t = targets[targets["year"] == year]
        draws = draw_year(rng, len(h), spec)
        if standard_year_of(year) == "2016":
            # classification by the old standard uses only its own indicators (offset 0)
            def poor_share(m, year=year, draws=draws):
                return _shares(h, w, realise(h, year, m, zero, draws, spec, standards=()).class_code == POOR)

            mu[year] = _bisect(poor_share, t["target_poor"].to_numpy(), lo, hi, decreasing=True)
        else:
            snap = standard_snapshot(year)
            loss = np.where(draws.covid_uniform < covid_probability(h, year, spec),
                            np.asarray(spec.covid_income_loss)[h.sector], 0.0)
            line = np.where(h.urban, snap.income_line.urban, snap.income_line.rural)

            transitory = advance_transitory(h, year, draws.transitory, spec)

            def below_share(m, transitory=transitory, loss=loss, line=line):
                income = np.exp(m[h.province_index] + h.base_log_income + transitory) * (1 - loss)
                return _shares(h, w, income <= line)

            mu[year] = _bisect(below_share, t["target_below_line"].to_numpy(), lo, hi, decreasing=True)

            def poor_share_given_offset(d, year=year, draws=draws):
                out = realise(h, year, mu[year], {**zero, "2022": d}, draws, spec, standards=())
                return _shares(h, w, out.class_code == POOR)

            new_offset = _bisect(poor_share_given_offset, t["target_poor"].to_numpy(), -10.0, 10.0,
                                 decreasing=False)
        realised = realise(h, year, mu[year], {**zero, "2022": new_offset}, draws, spec)
        observe(h, year, realised)
        poor_by_year[year] = realised.class_code == POOR
        record = {"year": year, "standard": standard_snapshot(year).standard,
                  "poor": np.average(poor_by_year[year], weights=w),
                  "near_poor": np.average(realised.class_code == NEAR_POOR, weights=w)}
        if standard_year_of(year) != "2016":  # the same households under the old standard
            old = classify_codes(realised.income_pc, h.urban, realised.deprivations["2016"].sum(axis=1),
                                 standard_snapshot("2021-12-31"))
            record["poor_2016_2020_standard"] = np.average(old == POOR, weights=w)
        records.append({**record, **_churn(poor_by_year, year, w)})
        say(f"calibrated {year}: poor {100 * record['poor']:.2f}%")
    # every year carries the new standard's offsets, so that households can be classified
    # under both standards side by side (the bridge across the 2022 change)
    offsets = {year: {"2016": zero["2016"], "2022": new_offset} for year in spec.years}
    return Calibration(seed, spec.digest(), mu, offsets, targets, nat, pd.DataFrame(records))


def _churn(poor_by_year: dict[int, np.ndarray], year: int, w: np.ndarray) -> dict[str, float]:
    """Annual churn in ``year`` within one standard: re-poor households (poor now, not poor last
    year, poor in some earlier year) as a share of the poor, and newly poor households (poor
    now, never poor before) per household escaping poverty."""
    earlier = sorted(y for y in poor_by_year if y < year)
    if not earlier or standard_snapshot(earlier[-1]).standard != standard_snapshot(year).standard:
        return {}
    now, last = poor_by_year[year], poor_by_year[earlier[-1]]
    before = np.zeros_like(now)
    for y in earlier[:-1]:
        before |= poor_by_year[y]
    entered = now & ~last
    repoor = entered & before
    escaped = last & ~now
    return {
        "repoor_share_of_poor": float(np.sum(w * repoor) / np.sum(w * now)),
        "newly_poor_per_escaping": float(np.sum(w * (entered & ~before)) / np.sum(w * escaped)),
    }
