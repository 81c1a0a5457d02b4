"""The sampling frame: the real 63 provinces, their real districts and communes, and a
synthetic number of households in each commune.

Household counts per province follow the real GSO province population (total and urban) of
``spec.population_year``, scaled to ``spec.households_total``. Communes are the real legacy
communes (``data/raw/vn_admin/vn_communes_legacy.csv``); a ward (phường) or town (thị trấn) is
urban, a commune (xã) rural. How a province's households spread over its communes is
synthetic (log-normal sizes). District and commune income effects are drawn here, once, so the
survey and the census share them.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from povmodel import admin
from povmodel.errors import DataValidationError, Problem
from povmodel.paths import raw_dir
from povmodel.synthetic.spec import SyntheticSpec

COMMUNES_FILE = "vn_admin/vn_communes_legacy.csv"
URBAN_COMMUNE_TYPES = ("Phường", "Thị trấn")
#: Stream tags of the seeded random generators, so that every stream is independent.
STREAM_FRAME, STREAM_CALIBRATION, STREAM_SURVEY_STATIC, STREAM_SURVEY_YEAR = 1, 2, 3, 4
STREAM_CENSUS_STATIC, STREAM_CENSUS_YEAR, STREAM_SURVEY_DESIGN = 5, 6, 7


def rng_for(seed: int, *key: int) -> np.random.Generator:
    """An independent generator for ``(seed, *key)``; the same key always gives the same
    stream, whatever else was drawn before (which makes results independent of chunking and
    of the number of workers)."""
    return np.random.default_rng(np.random.SeedSequence(seed, spawn_key=tuple(int(k) for k in key)))


@dataclass(frozen=True)
class Frame:
    """Provinces and communes with household counts and area income effects."""

    provinces: pd.DataFrame
    """code, region_code, households, urban_households, population_share, index."""
    communes: pd.DataFrame
    """psu, province, district, urban, households, lat, lon, district_effect, commune_effect,
    province_index."""
    excluded: list[dict] = field(default_factory=list)


def _largest_remainder(total: int, weights: np.ndarray) -> np.ndarray:
    """Integers proportional to ``weights`` that add up to ``total`` exactly."""
    if total == 0 or len(weights) == 0:
        return np.zeros(len(weights), dtype=np.int64)
    raw = total * weights / weights.sum()
    base = np.floor(raw).astype(np.int64)
    short = total - base.sum()
    order = np.argsort(-(raw - base), kind="stable")
    base[order[:short]] += 1
    return base


def province_population(panel: pd.DataFrame, year: int) -> pd.DataFrame:
    """Total and urban population (thousand persons) of the 63 provinces in ``year``."""
    rows = panel[(panel["area_level"] == "province") & (panel["year"] == year)
                 & panel["indicator"].isin(["population_total", "population_urban"])]
    wide = rows.pivot_table(index="area_code", columns="indicator", values="value", aggfunc="first")
    missing = sorted(set(admin.province_codes()) - set(wide.dropna().index))
    if missing:
        raise DataValidationError(Problem(
            f"the regional panel lacks {year} population (total and urban) for these provinces",
            location="population_total/population_urban", rows=len(missing), examples=tuple(missing)))
    return wide.reindex(admin.province_codes())


def build_frame(spec: SyntheticSpec, seed: int, panel: pd.DataFrame) -> Frame:
    """Build the frame (deterministic for a seed)."""
    pop = province_population(panel, spec.population_year)
    prov = admin.provinces()[["code", "region_code"]].copy()
    prov["population_share"] = (pop["population_total"] / pop["population_total"].sum()).to_numpy()
    prov["households"] = _largest_remainder(spec.households_total, prov["population_share"].to_numpy())
    urban_share = (pop["population_urban"] / pop["population_total"]).clip(0, 1).to_numpy()
    prov["urban_households"] = np.round(prov["households"] * urban_share).astype(np.int64)
    prov["index"] = np.arange(len(prov))

    communes = pd.read_csv(raw_dir() / COMMUNES_FILE, dtype=str, encoding="utf-8")
    excluded = []
    no_commune = communes["commune_code"].isna()
    if no_commune.any():
        excluded.append({
            "source": COMMUNES_FILE, "rows": int(no_commune.sum()),
            "reason": "island districts without commune-level units (e.g. Bạch Long Vĩ, Côn Cỏ, "
                      "Hoàng Sa): no households allocated",
        })
    communes = communes[~no_commune].copy()
    communes["urban"] = communes["commune_type"].isin(URBAN_COMMUNE_TYPES)
    rng = rng_for(seed, STREAM_FRAME)
    communes = communes.sort_values("commune_code", ignore_index=True)
    size_weight = rng.lognormal(0.0, spec.commune_size_sigma, len(communes))
    households = np.zeros(len(communes), dtype=np.int64)
    index = prov.set_index("code")
    for (code, urban), idx in communes.groupby(["province_code", "urban"]).indices.items():
        total = index.at[code, "urban_households"] if urban else (
            index.at[code, "households"] - index.at[code, "urban_households"])
        households[idx] = _largest_remainder(int(total), size_weight[idx])
    # a province whose urban (or rural) households found no commune of that type: give them
    # to its communes of the other type, so that no household is lost
    for code in prov["code"]:
        sel = (communes["province_code"] == code).to_numpy()
        gap = int(index.at[code, "households"] - households[sel].sum())
        if gap:
            idx = np.flatnonzero(sel)
            households[idx] += _largest_remainder(gap, size_weight[idx])
    communes["households"] = households
    districts = np.sort(communes["district_code"].unique())
    district_effect = pd.Series(rng.normal(0.0, spec.sigma_district, len(districts)), index=districts)
    frame = pd.DataFrame({
        "psu": communes["commune_code"].to_numpy(),
        "province": communes["province_code"].to_numpy(),
        "district": communes["district_code"].to_numpy(),
        "urban": communes["urban"].to_numpy(),
        "households": households,
        "lat": communes["lat"].astype(float).to_numpy(),
        "lon": communes["lon"].astype(float).to_numpy(),
        "district_effect": communes["district_code"].map(district_effect).to_numpy(),
        "commune_effect": rng.normal(0.0, spec.sigma_commune, len(communes)),
        "province_index": communes["province_code"].map(index["index"]).to_numpy(),
    })
    return Frame(prov.reset_index(drop=True), frame, excluded)
