"""Coherent province, region and national forecasts: reconciliation of poor-household counts per draw.

Province forecasts (from one model) and the national forecast (from another series) do not add
up. For each draw and year the province counts ``b_i = p_i H_i`` (``H_i`` households) are
reconciled with the national count ``N = p_N sum(H)`` by weighted least squares on the two-level
hierarchy (MinT with a diagonal covariance)::

    minimise  sum_i (b~_i - b_i)^2 / v_i + (sum_i b~_i - N)^2 / v_N
    =>        b~_i = b_i + v_i lambda,   lambda = (N - sum_i b_i) / (sum_i v_i + v_N)

with ``v_i`` and ``v_N`` the across-draw variances of the province and national counts in that
year. The better-determined side moves less; ``v_N = 0`` makes the national count binding (the
provinces then add up to it exactly). Counts are then kept in ``[0, H_i]`` (rates in [0, 1]):
counts outside are clipped and the excess is spread over the provinces not clipped, in
proportion to their ``v_i`` (the same WLS step with the clipped provinces held fixed), a few
times until none is outside; the total is unchanged. Regions are sums of their provinces and
the nation the sum of all, so every draw is coherent by construction.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from povmodel.errors import EstimatorInputError

#: Relative variance floor: keeps the split defined when every count in a year is known exactly.
_VARIANCE_FLOOR = 1e-12


@dataclass(frozen=True)
class ReconciledDraws:
    """Reconciled counts and rates per draw for provinces, regions and the nation.

    Attributes
    ----------
    province_counts, region_counts
        Poor households, shape (draws, areas, years).
    national_counts
        Shape (draws, years).
    provinces, regions, years
        Labels of the areas and years axes.
    households, region_households, national_households
        Households per area (areas x years; years).
    weight_national
        Share of the gap ``N - sum(b)`` the provinces absorb, ``sum(v) / (sum(v) + v_N)`` per
        year: 1 means the national forecast is taken as is, 0 that it is ignored.
    iterations
        Clip-and-redistribute passes that were needed.
    """

    province_counts: np.ndarray
    region_counts: np.ndarray
    national_counts: np.ndarray
    provinces: tuple[str, ...]
    regions: tuple[str, ...]
    years: tuple[int, ...]
    households: np.ndarray
    region_households: np.ndarray
    national_households: np.ndarray
    weight_national: np.ndarray
    iterations: int

    @property
    def province_rates(self) -> np.ndarray:
        """Province shares (draws, provinces, years)."""
        return self.province_counts / self.households[None]

    @property
    def region_rates(self) -> np.ndarray:
        """Region shares (draws, regions, years)."""
        return self.region_counts / self.region_households[None]

    @property
    def national_rates(self) -> np.ndarray:
        """National shares (draws, years)."""
        return self.national_counts / self.national_households[None]

    def levels(self) -> dict[str, tuple[tuple[str, ...], np.ndarray, np.ndarray]]:
        """``{level: (areas, rate draws (draws x areas x years), households (areas x years))}``."""
        return {"national": (("NATIONAL",), self.national_rates[:, None, :], self.national_households[None]),
                "region": (self.regions, self.region_rates, self.region_households),
                "province": (self.provinces, self.province_rates, self.households)}


def _households(households, n_areas: int, n_years: int) -> np.ndarray:
    h = np.asarray(households, dtype=float)
    if h.ndim == 1:
        h = np.repeat(h[:, None], n_years, axis=1)
    if h.shape != (n_areas, n_years):
        raise EstimatorInputError(f"reconcile: households must have shape ({n_areas},) or ({n_areas}, {n_years}), "
                                  f"got {h.shape}")
    if not (np.isfinite(h).all() and (h > 0).all()):
        raise EstimatorInputError("reconcile: household counts must be finite and positive")
    return h


def _region_map(provinces: Sequence[str], region_of: Mapping[str, str] | None) -> tuple[np.ndarray, tuple[str, ...]]:
    if region_of is None:
        from povmodel import admin

        table = admin.provinces().set_index("code")["region_code"]
        missing = [p for p in provinces if p not in table.index]
        if missing:
            raise EstimatorInputError(f"reconcile: area(s) {missing[:10]} are not GSO province codes; pass region_of")
        region_of = {p: str(table[p]) for p in provinces}
        order = [r for r in admin.REGION_ORDER if r in set(region_of.values())]
    else:
        missing = [p for p in provinces if p not in region_of]
        if missing:
            raise EstimatorInputError(f"reconcile: no region given for province(s) {missing[:10]}")
        order = list(dict.fromkeys(str(region_of[p]) for p in provinces))
    index = {r: i for i, r in enumerate(order)}
    return np.asarray([index[str(region_of[p])] for p in provinces]), tuple(order)


def clip_redistribute(counts: np.ndarray, upper: np.ndarray, weights: np.ndarray, *,
                      max_iter: int = 50) -> tuple[np.ndarray, int]:
    """Keep counts in ``[0, upper]`` without changing their sum over the areas axis (axis 1).

    Counts outside are clipped; the excess is added to the areas never clipped, in proportion
    to ``weights``; repeated until none is outside (vectorised over draws and years).

    Parameters
    ----------
    counts
        Shape (draws, areas, years).
    upper
        Upper bounds, broadcastable to ``counts`` (households).
    weights
        Non-negative weights, broadcastable to ``counts`` (the count variances).

    Returns
    -------
    tuple
        The clipped counts and the number of passes used.
    """
    b = np.array(counts, dtype=float)
    upper = np.broadcast_to(upper, b.shape)
    w = np.broadcast_to(weights, b.shape)
    fixed = np.zeros(b.shape, dtype=bool)
    tol = 1e-9 * np.maximum(upper, 1.0)
    passes = 0
    while True:
        out = (b < -tol) | (b > upper + tol)
        if not out.any():
            break
        if passes == max_iter:
            raise EstimatorInputError(f"reconcile: counts still outside [0, households] after {max_iter} passes")
        passes += 1
        clipped = np.clip(b, 0.0, upper)
        excess = (b - clipped).sum(axis=1, keepdims=True)
        fixed |= out
        free = np.where(fixed, 0.0, w)
        total = free.sum(axis=1, keepdims=True)
        # where every area is fixed (not possible for a feasible total) the excess goes by headroom
        headroom = np.where(excess > 0, upper - clipped, clipped)
        share = np.where(total > 0, free / np.where(total > 0, total, 1.0),
                         headroom / np.maximum(headroom.sum(axis=1, keepdims=True), 1e-300))
        b = clipped + share * excess
    return np.clip(b, 0.0, upper), passes


def reconcile(province_rates: np.ndarray, households, national_rates: np.ndarray, *,
              provinces: Sequence[str], years: Sequence[int], region_of: Mapping[str, str] | None = None,
              national_variance=None, province_variance=None, max_iter: int = 50) -> ReconciledDraws:
    """Reconcile province rate draws with national rate draws on poor-household counts.

    Parameters
    ----------
    province_rates
        Shares, shape (draws, provinces, years).
    households
        Households per province, shape (provinces,) or (provinces, years).
    national_rates
        National shares, shape (draws, years), paired draw by draw with the provinces.
    provinces, years
        Labels of the axes.
    region_of
        Province -> region (default: the GSO regions of GSO province codes).
    national_variance, province_variance
        Override the across-draw variances of the counts: ``v_N`` per year (years,) and ``v_i``
        (provinces, years); e.g. ``v_N = 0`` for a year whose national value is known.
    max_iter
        Clip-and-redistribute passes allowed.

    Returns
    -------
    ReconciledDraws
    """
    p = np.asarray(province_rates, dtype=float)
    nat = np.asarray(national_rates, dtype=float)
    if p.ndim != 3:
        raise EstimatorInputError(f"reconcile: province rates must be draws x provinces x years, got shape {p.shape}")
    d, n_prov, n_years = p.shape
    if len(provinces) != n_prov or len(years) != n_years:
        raise EstimatorInputError(f"reconcile: {len(provinces)} province labels and {len(years)} years for rates of "
                                  f"shape {p.shape}")
    if nat.shape != (d, n_years):
        raise EstimatorInputError(f"reconcile: national rates must have shape ({d}, {n_years}), got {nat.shape}")
    for what, arr in (("province", p), ("national", nat)):
        if not (np.isfinite(arr).all() and (arr >= 0).all() and (arr <= 1).all()):
            raise EstimatorInputError(f"reconcile: {what} rates must be finite shares in [0, 1]")
    h = _households(households, n_prov, n_years)
    total_h = h.sum(axis=0)
    b_hat = p * h[None]
    n_hat = nat * total_h[None]
    v = b_hat.var(axis=0) if province_variance is None else np.broadcast_to(
        np.asarray(province_variance, dtype=float), (n_prov, n_years))
    v_n = n_hat.var(axis=0) if national_variance is None else np.broadcast_to(
        np.asarray(national_variance, dtype=float), (n_years,))
    if (v < 0).any() or (v_n < 0).any():
        raise EstimatorInputError("reconcile: variances must be non-negative")
    v = np.maximum(v, _VARIANCE_FLOOR * (1.0 + b_hat.mean(axis=0)) ** 2)
    lam = (n_hat - b_hat.sum(axis=1)) / (v.sum(axis=0) + v_n)[None]
    b = b_hat + v[None] * lam[:, None, :]
    b, passes = clip_redistribute(b, h[None], v[None], max_iter=max_iter)
    return _assemble(b, h, provinces, years, region_of, v.sum(axis=0) / (v.sum(axis=0) + v_n), passes)


def _assemble(counts: np.ndarray, h: np.ndarray, provinces: Sequence[str], years: Sequence[int],
              region_of: Mapping[str, str] | None, weight_national: np.ndarray, passes: int) -> ReconciledDraws:
    region_idx, regions = _region_map(list(provinces), region_of)
    onehot = np.eye(len(regions))[region_idx]  # provinces x regions
    return ReconciledDraws(
        province_counts=counts, region_counts=np.einsum("dpy,pr->dry", counts, onehot),
        national_counts=counts.sum(axis=1), provinces=tuple(provinces), regions=regions,
        years=tuple(int(y) for y in years), households=h, region_households=onehot.T @ h,
        national_households=h.sum(axis=0), weight_national=np.asarray(weight_national, dtype=float),
        iterations=passes)


def aggregate(province_rates: np.ndarray, households, *, provinces: Sequence[str], years: Sequence[int],
              region_of: Mapping[str, str] | None = None) -> ReconciledDraws:
    """Regions and nation as sums of the province counts, with no national forecast to match
    (``weight_national`` is NaN)."""
    p = np.asarray(province_rates, dtype=float)
    if p.ndim != 3 or p.shape[1:] != (len(provinces), len(years)):
        raise EstimatorInputError(f"aggregate: rates of shape {p.shape} for {len(provinces)} provinces and "
                                  f"{len(years)} years")
    if not (np.isfinite(p).all() and (p >= 0).all() and (p <= 1).all()):
        raise EstimatorInputError("aggregate: province rates must be finite shares in [0, 1]")
    h = _households(households, len(provinces), len(years))
    return _assemble(p * h[None], h, provinces, years, region_of, np.full(len(years), np.nan), 0)


def summarise_levels(rec: ReconciledDraws, level: float = 0.95) -> pd.DataFrame:
    """Mean and equal-tailed interval of the reconciled rates, one row per area and year (shares)."""
    q = [(1 - level) / 2, (1 + level) / 2]
    rows = []
    for name, (areas, rates, _) in rec.levels().items():
        lo, hi = np.quantile(rates, q, axis=0)
        idx = pd.MultiIndex.from_product([areas, rec.years], names=["area", "year"])
        rows.append(pd.DataFrame({"area_level": name, "mean": rates.mean(axis=0).ravel(), "low": lo.ravel(),
                                  "high": hi.ravel()}, index=idx).reset_index())
    return pd.concat(rows, ignore_index=True)
