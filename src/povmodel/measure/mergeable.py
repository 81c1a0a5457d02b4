"""Measurement by domain from mergeable sufficient statistics, for data in chunks.

:func:`partial_estimate` reduces one chunk of households (e.g. one province of a census) to
weighted totals per (domain, PSU) cell: ``sum(w y)`` and ``sum(w x)`` of every measure, the
sample count per domain, and the stratum of every PSU it saw. :func:`merge_partials` adds
chunks' statistics together (cells of the same PSU and domain summed, PSUs identified by their
(stratum, PSU) labels, so a PSU split between chunks is one PSU), and :func:`finish` turns them
into the same tidy table as :func:`povmodel.measure.estimate` with the same Taylor-linearised
standard errors: the ratio and the PSU totals of the linearised variable,
``U_hj = (WY_dj - R_d WX_dj) / X_d``, only need the cell totals. On the concatenated data the
results equal :func:`~povmodel.measure.estimate`'s to floating-point rounding (~1e-15); the
order of chunks fixes the order of every sum, so the same chunks in the same order give
bit-identical results wherever they were computed.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from povmodel.errors import PovmodelError
from povmodel.measure.classify import standard_at_year
from povmodel.measure.design import SurveyDesign, _codes, _variance_from_cells
from povmodel.measure.estimate import (
    CLASS_MEASURES,
    DEFAULT_MEASURES,
    FGT_MEASURES,
    MPI_MEASURES,
    domain_codes,
    measure_variables,
)
from povmodel.measure.results import MeasureResults, tidy_rows

__all__ = ["DomainCells", "PartialMeasures", "finish", "merge_partials", "partial_estimate"]


@dataclass
class DomainCells:
    """Totals of one domain type over the (domain, PSU) cells present in the data."""

    labels: list[str]
    domain: np.ndarray          # domain index per cell
    psu: np.ndarray             # PSU index (into PartialMeasures.psu_*) per cell
    wy: np.ndarray              # (measures, cells): sum of w * y * size
    wx: np.ndarray              # (measures, cells): sum of w * x * size
    n: np.ndarray               # sample households per domain


@dataclass
class PartialMeasures:
    """Sufficient statistics of one survey year in one or more chunks (see module docstring)."""

    year: int
    standard: str
    unit: str
    measures: tuple[str, ...]
    psu_stratum: np.ndarray     # stratum label per PSU (object)
    psu_label: np.ndarray       # PSU label per PSU (object)
    domains: dict[str, DomainCells] = field(default_factory=dict)


def _check(unit: str, measures: Sequence[str]) -> None:
    if unit not in ("household", "person"):
        raise PovmodelError(f"unit must be 'household' or 'person', not {unit!r}")
    known = [*CLASS_MEASURES, *FGT_MEASURES, "mean_income", *MPI_MEASURES]
    unknown = [m for m in measures if m not in known]
    if unknown:
        raise PovmodelError(f"unknown measure(s) {unknown}; known: {', '.join(known)}")


def partial_estimate(households: pd.DataFrame, *, standard: str | None = None, year: int | None = None,
                     by: str | Sequence[str] = "national", unit: str = "household",
                     measures: Sequence[str] = DEFAULT_MEASURES, persons: pd.DataFrame | None = None,
                     line: float | None = None, weight: str = "weight", strata: str | None = "stratum",
                     psu: str | None = "psu") -> list[PartialMeasures]:
    """Sufficient statistics of a chunk of households, one :class:`PartialMeasures` per survey
    year (arguments as in :func:`povmodel.measure.estimate`; Taylor variance only). Without
    ``psu`` every household is its own PSU, labelled by its ``hh_id`` (or row position)."""
    _check(unit, measures)
    data = households if year is None else households[households["year"] == year]
    by_list = [by] if isinstance(by, str) else list(by)
    out = []
    if data.empty:
        return out
    years = data["year"].to_numpy()
    groups = {int(years[0]): slice(None)} if (years == years[0]).all() else data.groupby("year").indices
    for yr, idx in groups.items():
        part = data if isinstance(idx, slice) else data.iloc[idx]
        std = standard or standard_at_year(int(yr))
        missing = [c for c in (weight, strata, psu) if c is not None and c not in part.columns]
        if missing:
            raise PovmodelError(f"survey design column(s) missing: {', '.join(missing)}")
        w = part[weight].to_numpy(dtype=float)
        if not np.all(np.isfinite(w)) or np.any(w <= 0):
            raise PovmodelError("weights must be finite and positive")
        h, h_labels = (np.zeros(len(part), dtype=np.int64), np.array(["all"], dtype=object)) if strata is None \
            else _codes(part[strata])
        psu_values = part[psu] if psu is not None else (
            part["hh_id"] if "hh_id" in part else pd.Series(np.arange(len(part))))
        p_codes, p_labels = _codes(psu_values)
        key = h * (np.int64(1) << 32) + p_codes
        uniq, inverse = np.unique(key, return_inverse=True)
        n_psu = len(uniq)
        psu_stratum = np.asarray(h_labels, dtype=object)[uniq >> 32]
        psu_label = np.asarray(p_labels, dtype=object)[uniq & ((np.int64(1) << 32) - 1)]
        size, variables, denominators = measure_variables(part, std, measures, unit=unit, persons=persons, line=line)
        pm = PartialMeasures(int(yr), std, unit, tuple(measures), psu_stratum, psu_label)
        for dom_type in by_list:
            codes, labels = domain_codes(part, dom_type)
            nd = len(labels)
            cell = codes * n_psu + inverse
            present = np.flatnonzero(np.bincount(cell, minlength=nd * n_psu))
            compact = np.searchsorted(present, cell)
            wy = np.empty((len(measures), len(present)))
            wx = np.empty((len(measures), len(present)))
            for i, m in enumerate(measures):
                x = denominators.get(m)
                xv = size if x is None else x * size
                wy[i] = np.bincount(compact, weights=w * (variables[m] * size), minlength=len(present))
                wx[i] = np.bincount(compact, weights=w * xv, minlength=len(present))
            pm.domains[dom_type] = DomainCells(list(labels), present // n_psu, present % n_psu, wy, wx,
                                               np.bincount(codes, minlength=nd))
        out.append(pm)
    return out


def merge_partials(partials: Sequence[PartialMeasures]) -> list[PartialMeasures]:
    """Add the statistics of chunks together, one result per (year, standard), in the order
    the years first appear. Cells are summed in the order of ``partials``."""
    groups: dict[tuple[int, str], list[PartialMeasures]] = {}
    for pm in partials:
        groups.setdefault((pm.year, pm.standard), []).append(pm)
    out = []
    for (yr, std), parts in groups.items():
        first = parts[0]
        if any(p.unit != first.unit or p.measures != first.measures or list(p.domains) != list(first.domains)
               for p in parts):
            raise PovmodelError("chunks measured with different units, measures or domain types cannot be merged")
        h_codes, h_labels = _codes(np.concatenate([p.psu_stratum for p in parts]).astype(str))
        p_codes, _ = _codes(np.concatenate([p.psu_label for p in parts]).astype(str))
        key = h_codes * (np.int64(1) << 32) + p_codes
        uniq, first_at, inverse = np.unique(key, return_index=True, return_inverse=True)
        offsets = np.r_[0, np.cumsum([len(p.psu_label) for p in parts])]
        all_stratum = np.concatenate([p.psu_stratum for p in parts])
        all_label = np.concatenate([p.psu_label for p in parts])
        merged = PartialMeasures(yr, std, first.unit, first.measures, all_stratum[first_at], all_label[first_at])
        n_psu = len(uniq)
        for dom_type, cells in first.domains.items():
            nd = len(cells.labels)
            glob = np.concatenate([p.domains[dom_type].domain * n_psu + inverse[offsets[i] + p.domains[dom_type].psu]
                                   for i, p in enumerate(parts)])
            present, compact = np.unique(glob, return_inverse=True)
            wy = np.stack([np.bincount(compact, weights=row, minlength=len(present)) for row in
                           np.concatenate([p.domains[dom_type].wy for p in parts], axis=1)])
            wx = np.stack([np.bincount(compact, weights=row, minlength=len(present)) for row in
                           np.concatenate([p.domains[dom_type].wx for p in parts], axis=1)])
            n = np.zeros(nd, dtype=np.int64)
            for p in parts:
                n += p.domains[dom_type].n
            merged.domains[dom_type] = DomainCells(cells.labels, present // n_psu, present % n_psu, wy, wx, n)
        out.append(merged)
    return out


def finish(partials: Sequence[PartialMeasures], *, confidence: float = 0.95, min_n: int = 50, max_cv: float = 0.2,
           singleton: str = "raise") -> MeasureResults:
    """The tidy :class:`~povmodel.measure.results.MeasureResults` of merged statistics (rows
    in the order of :func:`povmodel.measure.estimate`: year, domain type, measure)."""
    merged = merge_partials(partials)
    if not merged:
        raise PovmodelError("no households")
    rows = []
    unit = merged[0].unit
    for pm in merged:
        h_codes, h_labels = _codes(pm.psu_stratum.astype(str))
        n_strata, n_psu = len(h_labels), len(pm.psu_label)
        psus_in_stratum = np.bincount(h_codes, minlength=n_strata)
        singles = np.flatnonzero(psus_in_stratum == 1)
        if singleton not in ("raise", "certainty", "center"):
            raise PovmodelError(f"singleton must be 'raise', 'certainty' or 'center', not {singleton!r}")
        if len(singles) and singleton == "raise":
            raise PovmodelError(
                f"{len(singles)} stratum/strata with a single PSU (e.g. {', '.join(map(str, h_labels[singles][:5]))}): "
                "variance cannot be estimated there; pass singleton='certainty' or 'center'")
        design = SurveyDesign(np.zeros(0), np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.int64), n_strata,
                              n_psu, h_codes, psus_in_stratum, singleton)
        for dom_type, cells in pm.domains.items():
            nd = len(cells.labels)
            flat = cells.domain * n_psu + cells.psu
            for i, m in enumerate(pm.measures):
                wy_cell = np.zeros(nd * n_psu)
                wx_cell = np.zeros(nd * n_psu)
                wy_cell[flat] = cells.wy[i]
                wx_cell[flat] = cells.wx[i]
                wy_cell, wx_cell = wy_cell.reshape(nd, n_psu), wx_cell.reshape(nd, n_psu)
                total_y, total_x = wy_cell.sum(axis=1), wx_cell.sum(axis=1)
                with np.errstate(invalid="ignore", divide="ignore"):
                    ratio = total_y / total_x
                    psu_totals = (wy_cell - ratio[:, None] * wx_cell) / total_x[:, None]
                variance = _variance_from_cells(design, psu_totals)
                rows.append(tidy_rows(by=dom_type, domains=cells.labels, year=pm.year, standard=pm.standard,
                                      unit=pm.unit, measure=m, estimates=ratio, se=np.sqrt(variance), n=cells.n,
                                      confidence=confidence, max_cv=max_cv, min_n=min_n,
                                      bounds=None if m == "mean_income" else (0.0, 1.0)))
    settings = {"unit": unit, "variance": "taylor", "confidence": confidence, "min_n": min_n, "max_cv": max_cv}
    return MeasureResults(pd.concat(rows, ignore_index=True), settings)
