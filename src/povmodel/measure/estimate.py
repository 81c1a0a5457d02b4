"""Survey-weighted poverty measures by domain with design-based standard errors.

Measures (rates are fractions of households, or of persons with ``unit="person"``):
``poor_rate``, ``near_poor_rate``, ``middle_rate``, ``poor_or_near_poor_rate`` (classification
by the standard), ``fgt0``, ``fgt1``, ``fgt2`` (Foster-Greer-Thorbecke on income per person per
month against the standard's income poverty line, urban or rural, or a given ``line``),
``mean_income`` and ``mpi_h``, ``mpi_a``, ``mpi_m0`` (Alkire-Foster with the standard's
indicators, nested equal weights, k = 1/3; :mod:`povmodel.measure.mpi` has every other AF
output). Every measure is a ratio of weighted totals, so one linearisation gives all
standard errors (:mod:`povmodel.measure.design`).
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

from povmodel import admin
from povmodel.errors import PovmodelError
from povmodel.measure.classify import (
    classify_under,
    snapshot_of,
    standard_at_year,
    weighted_deprivations,
)
from povmodel.measure.design import (
    Domains,
    SurveyDesign,
    bootstrap_ratio_by_domain,
    ratio_by_domain,
)
from povmodel.measure.results import MeasureResults, tidy_rows
from povmodel.standards import CLASSES

DOMAIN_TYPES = ("national", "region", "province", "urban", "ethnicity")
CLASS_MEASURES = {"poor_rate": ("poor",), "near_poor_rate": ("near_poor",), "middle_rate": ("middle",),
                  "poor_or_near_poor_rate": ("poor", "near_poor")}
FGT_MEASURES = {"fgt0": 0, "fgt1": 1, "fgt2": 2}
DEFAULT_MEASURES = ("poor_rate", "near_poor_rate", "fgt0", "fgt1", "fgt2")
MPI_MEASURES = ("mpi_h", "mpi_a", "mpi_m0")


def domain_codes(households: pd.DataFrame, by: str) -> tuple[np.ndarray, list[str]]:
    """Integer domain code per household and the domain labels for a domain type
    (hash-based: fast on millions of households)."""
    if by == "national":
        return np.zeros(len(households), dtype=np.int64), ["NATIONAL"]
    if by in ("province", "region"):
        provinces = admin.provinces()
        # hash the (few distinct) values once, then look their positions up
        found, uniques = pd.factorize(households["province"])
        position = pd.Index(provinces["code"]).get_indexer(pd.Index(uniques))
        codes = np.where(found >= 0, position[found], -1).astype(np.int64)
        labels = list(provinces["code"])
        if by == "region":
            labels = list(admin.REGION_ORDER)
            region_of = provinces["region_code"].map({r: i for i, r in enumerate(labels)}).to_numpy()
            codes = np.where(codes >= 0, region_of[codes], -1)
        values = households["province"]
    elif by == "urban":
        labels = ["rural", "urban"]
        values = households["urban"]
        codes = values.astype("boolean").astype("Int64").fillna(-1).to_numpy(dtype=np.int64)
    elif by == "ethnicity":
        labels = ["kinh_hoa", "ethnic_minority"]
        values = households["ethnic_minority"]
        codes = values.astype("boolean").astype("Int64").fillna(-1).to_numpy(dtype=np.int64)
    else:
        raise PovmodelError(f"unknown domain type {by!r}; use one of {', '.join(DOMAIN_TYPES)}")
    if (codes < 0).any():
        bad = pd.unique(values[codes < 0])[:5]
        raise PovmodelError(f"{int((codes < 0).sum())} households have no {by} domain (e.g. {list(bad)})")
    return codes, labels


def _vietnam_mpi_variables(deps: pd.DataFrame, standard: str) -> dict[str, np.ndarray]:
    """Alkire-Foster variables of the national standard's indicators (nested equal weights,
    k = 1/3; :meth:`povmodel.measure.mpi.MPISpec.vietnam`): numerators of H, M0 and A and the
    denominator of A (the poor). M0's and A's numerators are one array (read-only: shared)."""
    from povmodel.measure.mpi import SCORE_TOLERANCE, MPISpec  # mpi builds on this module

    spec = MPISpec.vietnam(standard)
    weights = pd.Series(spec.weights, index=list(spec.columns)).reindex(deps.columns).to_numpy()
    score = np.minimum(weighted_deprivations(deps, weights), 1.0)
    poor = (score >= spec.k - SCORE_TOLERANCE).astype(float)
    score *= poor  # the censored score
    score.flags.writeable = False
    return {"mpi_h": poor, "mpi_m0": score, "mpi_a": score, "_mpi_poor_denominator": poor}


def fgt_terms(income, line, alpha: int) -> np.ndarray:
    """Per-household FGT term ``(max(0, (z - y) / z)) ** alpha`` (``alpha=0``: ``y <= z``)."""
    y = np.asarray(income, dtype=float)
    z = np.asarray(line, dtype=float)
    if alpha == 0:
        return (y <= z).astype(float)
    gap = _normalised_gap(y, z)
    if alpha != 1:
        gap **= alpha
    return gap


def _normalised_gap(y: np.ndarray, z: np.ndarray) -> np.ndarray:
    """``max(0, (z - y) / z)``, in one new array."""
    gap = np.subtract(z, y)
    gap /= z
    return np.maximum(gap, 0.0, out=gap)


def measure_variables(part: pd.DataFrame, std: str, measures: Sequence[str], *, unit: str = "household",
                      persons: pd.DataFrame | None = None,
                      line: float | None = None) -> tuple[np.ndarray, dict[str, np.ndarray], dict[str, np.ndarray]]:
    """Per-household variables of the measures of one survey year under standard ``std``:
    ``(size, numerators, denominators)``; a measure's ratio is ``sum(w y size) / sum(w x size)``
    with ``x`` its entry in ``denominators`` (1 where absent) and ``size`` the household size
    for ``unit="person"`` (else 1)."""
    snap = snapshot_of(std)
    size = part["hh_size"].to_numpy(dtype=float) if unit == "person" else np.ones(len(part))
    variables: dict[str, np.ndarray] = {}
    denominators: dict[str, np.ndarray] = {}
    if any(m in CLASS_MEASURES or m in MPI_MEASURES for m in measures):
        codes, deps = classify_under(part, std, persons)
        for m in measures:
            if m in CLASS_MEASURES:
                wanted = [CLASSES.index(c) for c in CLASS_MEASURES[m]]
                variables[m] = np.isin(codes, wanted).astype(float)
        if any(m in MPI_MEASURES for m in measures):
            variables.update(_vietnam_mpi_variables(deps, std))
            denominators["mpi_a"] = variables.pop("_mpi_poor_denominator")
    z = np.asarray(line if line is not None else
                   np.where(part["urban"], snap.income_line.urban, snap.income_line.rural), dtype=float)
    income = part["income_pc"].to_numpy(dtype=float)
    if "fgt0" in measures:
        variables["fgt0"] = (income <= z).astype(float)
    if "fgt1" in measures or "fgt2" in measures:
        gap = _normalised_gap(income, z)
        if "fgt2" in measures:
            variables["fgt2"] = np.square(gap) if "fgt1" in measures else np.square(gap, out=gap)
        if "fgt1" in measures:
            variables["fgt1"] = gap
    if "mean_income" in measures:
        variables["mean_income"] = income
    return size, variables, denominators


def estimate(households: pd.DataFrame, *, standard: str | None = None, year: int | None = None,
             by: str | Sequence[str] = "national", unit: str = "household",
             measures: Sequence[str] = DEFAULT_MEASURES, persons: pd.DataFrame | None = None,
             line: float | None = None, variance: str = "taylor", replicates: int = 200, seed: int | None = None,
             min_n: int = 50, max_cv: float = 0.2, confidence: float = 0.95, singleton: str = "raise",
             weight: str = "weight", strata: str | None = "stratum", psu: str | None = "psu") -> MeasureResults:
    """Estimate poverty measures by domain with design-based uncertainty.

    Parameters
    ----------
    households
        Household table (``povmodel.schemas.household_schema``); several survey years are
        estimated separately.
    standard
        ``"2016-2020"``, ``"2022-2025"``, ``"2027-2030"`` or ``None`` (the one in force at the
        end of each year).
    year
        Keep only this survey year.
    by
        Domain type(s): national, region, province, urban, ethnicity.
    unit
        ``"household"`` or ``"person"`` (household size as a weight).
    variance
        ``"taylor"`` (linearisation) or ``"bootstrap"`` (Rao-Wu, ``replicates``, needs ``seed``).
    min_n, max_cv
        Flag domains with fewer sample households, or a larger coefficient of variation.
    """
    if unit not in ("household", "person"):
        raise PovmodelError(f"unit must be 'household' or 'person', not {unit!r}")
    if variance not in ("taylor", "bootstrap"):
        raise PovmodelError(f"variance must be 'taylor' or 'bootstrap', not {variance!r}")
    if variance == "bootstrap" and seed is None:
        raise PovmodelError("the bootstrap needs an explicit seed")
    known = [*CLASS_MEASURES, *FGT_MEASURES, "mean_income", *MPI_MEASURES]
    unknown = [m for m in measures if m not in known]
    if unknown:
        raise PovmodelError(f"unknown measure(s) {unknown}; known: {', '.join(known)}")
    data = households if year is None else households[households["year"] == year]
    if data.empty:
        raise PovmodelError(f"no households{f' in {year}' if year is not None else ''}")
    by_list = [by] if isinstance(by, str) else list(by)
    rows = []
    years = data["year"].to_numpy()
    groups = {int(years[0]): slice(None)} if (years == years[0]).all() else data.groupby("year").indices
    for yr, idx in groups.items():
        part = data if isinstance(idx, slice) else data.iloc[idx]
        std = standard or standard_at_year(int(yr))
        design = SurveyDesign.from_frame(part, weight=weight, strata=strata, psu=psu, singleton=singleton)
        size, variables, denominators = measure_variables(part, std, measures, unit=unit, persons=persons,
                                                          line=line)
        for dom_type in by_list:
            codes, labels = domain_codes(part, dom_type)
            domains = Domains.build(design, codes, len(labels))
            for m in measures:
                x = denominators.get(m)
                if unit == "household":  # size is 1
                    y = variables[m]
                else:
                    y, x = variables[m] * size, size if x is None else x * size
                if variance == "taylor":
                    r = ratio_by_domain(design, y, x, domains)
                else:
                    r = bootstrap_ratio_by_domain(design, y, size if x is None else x, codes, len(labels),
                                                  replicates=replicates, seed=seed)
                rows.append(tidy_rows(by=dom_type, domains=labels, year=int(yr), standard=std, unit=unit,
                                      measure=m, estimates=r.estimate, se=r.se, n=r.n, confidence=confidence,
                                      max_cv=max_cv, min_n=min_n,
                                      bounds=None if m == "mean_income" else (0.0, 1.0)))
    settings = {"unit": unit, "variance": variance, "confidence": confidence, "min_n": min_n, "max_cv": max_cv}
    return MeasureResults(pd.concat(rows, ignore_index=True), settings)
