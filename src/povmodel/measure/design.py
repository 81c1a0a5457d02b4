"""Design-based estimation of ratios of totals by domain, with Taylor-linearised or bootstrap
standard errors, vectorised over domains (no loop over households, domains or PSUs).

Every measure povmodel estimates from a survey is a ratio of weighted totals
``R_d = sum(w y) / sum(w x)`` over the units of domain ``d`` (a headcount is ``y`` = poor,
``x`` = 1; a per-person rate uses ``x`` = household size; FGT, M0, H and A are ratios too).

Variance (stratified, PSUs treated as drawn with replacement within strata, the usual
"ultimate cluster" approximation of R ``survey`` and Stata ``svy``)::

    u_i = w_i (y_i - R_d x_i) / X_d  for i in d, else 0
    V(R_d) = sum_h n_h / (n_h - 1) * sum_j (U_hj - mean_h U)^2,   U_hj = sum_{i in PSU j} u_i

where ``n_h`` counts every PSU of stratum ``h`` (also those with no unit in the domain).
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass, replace

import numpy as np
import pandas as pd

from povmodel.errors import PovmodelError


def _codes(values) -> tuple[np.ndarray, np.ndarray]:
    """Integer codes (hash-based, no sort) and the unique values of an array-like."""
    codes, uniques = pd.factorize(values if isinstance(values, pd.Series) else np.asarray(values))
    return codes.astype(np.int64), np.asarray(uniques)


@dataclass(frozen=True)
class SurveyDesign:
    """Weights, strata and PSUs of a sample (one row per unit, e.g. household).

    Parameters
    ----------
    weights
        Sampling weights (> 0).
    strata
        Stratum of each unit; ``None`` means one stratum.
    psu
        Primary sampling unit of each unit; ``None`` means every unit is its own PSU. PSU
        labels may repeat across strata (they are nested in strata here).
    singleton
        What to do with a stratum that has a single PSU: ``"raise"`` (default), ``"certainty"``
        (it adds no variance) or ``"center"`` (its PSU deviates from the mean of all PSUs).
    """

    weights: np.ndarray
    strata: np.ndarray
    psu: np.ndarray
    n_strata: int
    n_psu: int
    psu_stratum: np.ndarray
    psus_in_stratum: np.ndarray
    singleton: str = "raise"

    @classmethod
    def from_arrays(cls, weights, strata=None, psu=None, *, singleton: str = "raise") -> SurveyDesign:
        """Build a design from arrays (any labels)."""
        w = np.asarray(weights, dtype=float)
        n = len(w)
        if not np.all(np.isfinite(w)) or np.any(w <= 0):
            raise PovmodelError("weights must be finite and positive")
        if singleton not in ("raise", "certainty", "center"):
            raise PovmodelError(f"singleton must be 'raise', 'certainty' or 'center', not {singleton!r}")
        h, strata_labels = (np.zeros(n, dtype=np.int64), np.zeros(1)) if strata is None else _codes(strata)
        n_strata = int(h.max()) + 1 if n else 0
        if psu is None:
            p = np.arange(n, dtype=np.int64)
        else:
            # PSUs are nested in strata: a PSU label seen in two strata is two PSUs
            p = _codes(h * (np.int64(1) << 32) + _codes(psu)[0])[0]
        n_psu = int(p.max()) + 1 if n else 0
        psu_stratum = np.zeros(n_psu, dtype=np.int64)
        psu_stratum[p] = h
        psus_in_stratum = np.bincount(psu_stratum, minlength=n_strata)
        singles = np.flatnonzero(psus_in_stratum == 1)
        if len(singles) and singleton == "raise":
            labels = strata_labels[singles] if strata is not None else singles
            raise PovmodelError(
                f"{len(singles)} stratum/strata with a single PSU (e.g. {', '.join(map(str, labels[:5]))}): "
                "variance cannot be estimated there; pass singleton='certainty' or 'center'")
        return cls(w, h, p, n_strata, n_psu, psu_stratum, psus_in_stratum, singleton)

    @classmethod
    def from_frame(cls, df: pd.DataFrame, *, weight: str = "weight", strata: str | None = "stratum",
                   psu: str | None = "psu", singleton: str = "raise") -> SurveyDesign:
        """Build a design from the columns of a household table."""
        missing = [c for c in (weight, strata, psu) if c is not None and c not in df.columns]
        if missing:
            raise PovmodelError(f"survey design column(s) missing: {', '.join(missing)}")
        return cls.from_arrays(df[weight].to_numpy(), None if strata is None else df[strata],
                               None if psu is None else df[psu], singleton=singleton)

    def __len__(self) -> int:
        return len(self.weights)


@dataclass(frozen=True)
class RatioEstimates:
    """Ratio estimates by domain: estimate, variance, sample size, weighted denominators."""

    estimate: np.ndarray
    variance: np.ndarray
    n: np.ndarray
    denominator: np.ndarray

    @property
    def se(self) -> np.ndarray:
        """Standard errors."""
        return np.sqrt(self.variance)


@dataclass(frozen=True)
class Domains:
    """Domain membership of the units of a design, prepared once for many estimates."""

    codes: np.ndarray
    """Domain of each unit inside a domain (all units when ``inside`` is ``None``)."""
    n_domains: int
    inside: np.ndarray | None
    """Mask of the units in some domain, or ``None`` when every unit is."""
    psu: np.ndarray
    n_psu: int
    cell: np.ndarray | None
    """``domain * n_psu + psu`` per unit (``None`` when there are too many cells)."""
    cell_runs: tuple[np.ndarray, np.ndarray] | None
    """When the units come sorted by cell (a census written area by area, a survey by PSU):
    the start of each run of one cell and that cell, so that :meth:`cell_sums` adds contiguous
    blocks (``np.add.reduceat``, ~9x faster than ``np.bincount`` on 10 M units)."""
    n: np.ndarray
    weights: np.ndarray
    """Weights of the units inside a domain."""
    total_weight: np.ndarray
    """Sum of weights by domain (the denominator of every per-household ratio)."""
    inverse_total_weight: np.ndarray
    """``1 / total_weight`` of each unit's domain (reused by every per-household ratio)."""
    cell_weight: np.ndarray | None
    """Sum of weights by (domain, PSU) cell, shape (domains, PSUs) (with ``cell``)."""

    @classmethod
    def build(cls, design: SurveyDesign, codes=None, n_domains: int | None = None) -> Domains:
        """Prepare integer domain codes (``-1``: outside every domain; default: one domain)."""
        d = np.zeros(len(design), dtype=np.int64) if codes is None else np.asarray(codes, dtype=np.int64)
        nd = int(n_domains if n_domains is not None else (d.max() + 1 if len(d) else 0))
        inside = None if (d >= 0).all() else d >= 0
        di = d if inside is None else d[inside]
        psu = design.psu if inside is None else design.psu[inside]
        cell = di * design.n_psu + psu if nd * design.n_psu <= _DIRECT_CELLS else None
        runs = None
        if cell is not None and len(cell) and bool((cell[1:] >= cell[:-1]).all()):
            starts = np.flatnonzero(np.r_[True, cell[1:] != cell[:-1]])
            runs = (starts, cell[starts])
        w = design.weights if inside is None else design.weights[inside]
        total_w = np.bincount(di, weights=w, minlength=nd)
        with np.errstate(divide="ignore"):
            inverse = (1.0 / total_w)[di]
        dom = cls(di, nd, inside, psu, design.n_psu, cell, runs, np.bincount(di, minlength=nd), w, total_w,
                  inverse, None)
        return dom if cell is None else replace(dom, cell_weight=dom.cell_sums(w))

    def take(self, values: np.ndarray) -> np.ndarray:
        """The values of the units inside a domain."""
        return values if self.inside is None else values[self.inside]

    def cell_sums(self, values: np.ndarray) -> np.ndarray:
        """Sums of ``values`` (one per unit inside a domain) by (domain, PSU) cell, shape
        (domains, PSUs); only with ``cell``."""
        if self.cell_runs is None:
            out = np.bincount(self.cell, weights=values, minlength=self.n_domains * self.n_psu)
        else:
            starts, cells = self.cell_runs
            out = np.zeros(self.n_domains * self.n_psu)
            out[cells] = np.add.reduceat(values, starts)
        return out.reshape(self.n_domains, self.n_psu)


#: Above this many (domain, PSU) cells the variance groups by sorting instead of direct indexing.
_DIRECT_CELLS = 50_000_000


def ratio_by_domain(design: SurveyDesign, y, x=None, domain=None, n_domains: int | None = None) -> RatioEstimates:
    """Estimate ``sum(w y) / sum(w x)`` in every domain with its Taylor-linearised variance.

    Parameters
    ----------
    design
        The sample design.
    y, x
        Numerator and denominator variables per unit (``x`` defaults to 1).
    domain
        Integer domain code per unit in ``[0, n_domains)`` (default: one domain; ``-1`` for
        units outside every domain, which still count in the design), or :class:`Domains`
        prepared once for several estimates.
    """
    dom = domain if isinstance(domain, Domains) else Domains.build(design, domain, n_domains)
    nd = dom.n_domains
    w = dom.weights
    wy = w * dom.take(np.asarray(y, dtype=float))
    if dom.cell is not None:
        # Within a (domain, PSU) cell the PSU total of u_i = w_i (y_i - R x_i) / X is
        # (WY_cell - R WX_cell) / X: two passes over the units per estimate, the rest on cells.
        wy_cell = dom.cell_sums(wy)
        wx_cell = dom.cell_weight if x is None else dom.cell_sums(w * dom.take(np.asarray(x, dtype=float)))
        total_y, total_x = wy_cell.sum(axis=1), wx_cell.sum(axis=1)
        with np.errstate(invalid="ignore", divide="ignore"):
            ratio = total_y / total_x
            psu_totals = (wy_cell - ratio[:, None] * wx_cell) / total_x[:, None]
        return RatioEstimates(ratio, _variance_from_cells(design, psu_totals), dom.n, total_x)
    total_y = np.bincount(dom.codes, weights=wy, minlength=nd)
    with np.errstate(invalid="ignore", divide="ignore"):
        if x is None:  # per-household ratio: denominators prepared once
            total_x, wx, scale = dom.total_weight, w, dom.inverse_total_weight
        else:
            wx = w * dom.take(np.asarray(x, dtype=float))
            total_x = np.bincount(dom.codes, weights=wx, minlength=nd)
            scale = (1.0 / total_x)[dom.codes]
        ratio = total_y / total_x
        # u_i = w_i (y_i - R_d x_i) / X_d
        u = (wy - ratio[dom.codes] * wx) * scale
    variance = _linearised_variance(design, u, dom)
    return RatioEstimates(ratio, variance, dom.n, total_x)


def _variance_from_cells(design: SurveyDesign, psu_totals: np.ndarray) -> np.ndarray:
    """Stratified with-replacement variance from PSU totals of shape (domains, PSUs)."""
    nd = psu_totals.shape[0]
    ds = (np.arange(nd)[:, None] * design.n_strata + design.psu_stratum[None, :]).ravel()
    return _stratum_sums_to_variance(design, ds, psu_totals.ravel(), nd)


def _linearised_variance(design: SurveyDesign, u: np.ndarray, dom: Domains) -> np.ndarray:
    """The variance from unit-level linearised values ``u`` when there are too many (domain,
    PSU) cells to index directly: PSU totals of the cells present, found by sorting."""
    keys, inverse = np.unique(dom.codes * design.n_psu + dom.psu, return_inverse=True)
    totals = np.bincount(inverse, weights=u, minlength=len(keys))
    ds = (keys // design.n_psu) * design.n_strata + design.psu_stratum[keys % design.n_psu]
    return _stratum_sums_to_variance(design, ds, totals, dom.n_domains)


def _stratum_sums_to_variance(design: SurveyDesign, ds: np.ndarray, totals: np.ndarray, nd: int) -> np.ndarray:
    """sum_h n_h/(n_h-1) (sum_j U_hj^2 - (sum_j U_hj)^2 / n_h) per domain, from PSU totals
    ``totals`` labelled by ``ds = domain * n_strata + stratum``."""
    s1 = np.bincount(ds, weights=totals, minlength=nd * design.n_strata).reshape(nd, design.n_strata)
    s2 = np.bincount(ds, weights=totals**2, minlength=nd * design.n_strata).reshape(nd, design.n_strata)
    n_h = design.psus_in_stratum.astype(float)[None, :]
    with np.errstate(invalid="ignore", divide="ignore"):
        within = s2 - s1**2 / n_h
        factor = np.where(n_h > 1, n_h / (n_h - 1), 0.0)
    variance = (factor * within).sum(axis=1)
    if design.singleton == "center":
        single = (design.psus_in_stratum == 1)
        if single.any():
            # the lone PSU deviates from the mean PSU total of the whole sample (per domain)
            mean_all = s1.sum(axis=1) / design.n_psu
            variance += ((s1[:, single] - mean_all[:, None]) ** 2).sum(axis=1)
    return np.maximum(variance, 0.0)


def bootstrap_ratio_by_domain(design: SurveyDesign, y, x=None, domain=None, n_domains: int | None = None, *,
                              replicates: int = 200, seed: int) -> RatioEstimates:
    """Like :func:`ratio_by_domain` with a Rao-Wu rescaling bootstrap variance (``n_h - 1``
    PSUs resampled with replacement in each stratum; seeded, identical for any machine)."""
    rng = np.random.default_rng(seed)
    w = design.weights
    yv = np.asarray(y, dtype=float)
    xv = np.ones_like(w) if x is None else np.asarray(x, dtype=float)
    d = np.zeros(len(w), dtype=np.int64) if domain is None else np.asarray(domain, dtype=np.int64)
    nd = int(n_domains if n_domains is not None else d.max() + 1)
    inside = d >= 0
    point = ratio_by_domain(design, yv, xv, d, nd)
    n_h = design.psus_in_stratum
    m_h = np.maximum(n_h - 1, 1)
    order = np.argsort(design.psu_stratum, kind="stable")  # PSUs grouped by stratum
    start = np.concatenate([[0], np.cumsum(n_h)[:-1]])
    estimates = np.empty((replicates, nd))
    for b in range(replicates):  # a loop over replicates, not over households
        # draw m_h PSUs with replacement in each stratum, count how often each PSU is drawn
        draws_per_stratum = np.repeat(np.arange(design.n_strata), m_h)
        picks = start[draws_per_stratum] + (rng.random(len(draws_per_stratum)) * n_h[draws_per_stratum]).astype(np.int64)
        counts = np.bincount(order[picks], minlength=design.n_psu)
        scale = np.where(n_h > 1, n_h / m_h, 1.0)[design.psu_stratum] * counts
        wb = (w * scale[design.psu])[inside]
        num = np.bincount(d[inside], weights=wb * yv[inside], minlength=nd)
        den = np.bincount(d[inside], weights=wb * xv[inside], minlength=nd)
        with np.errstate(invalid="ignore", divide="ignore"):
            estimates[b] = num / den
    with warnings.catch_warnings():  # domains without households have no replicate: variance NaN
        warnings.simplefilter("ignore", RuntimeWarning)
        variance = np.nanvar(estimates, axis=0, ddof=1)
    return RatioEstimates(point.estimate, variance, point.n, point.denominator)

