"""Area-level Fay-Herriot model: EBLUP small-area estimates from direct survey estimates.

Model (Fay & Herriot 1979; Rao & Molina 2015, ch. 6), for areas d = 1..m::

    direct_d = theta_d + e_d,   theta_d = x_d' beta + u_d,
    u_d ~ N(0, sigma2_u),       e_d ~ N(0, psi_d)   with psi_d the known sampling variances.

``sigma2_u`` is estimated by Fisher scoring (REML or ML, the iterations of R ``sae::eblupFH``)
and truncated at 0; the EBLUP is ``gamma_d direct_d + (1 - gamma_d) x_d' beta`` with shrinkage
``gamma_d = sigma2_u / (sigma2_u + psi_d)``. Areas without a direct estimate but with
covariates get the synthetic estimate ``x_d' beta``. MSE: Prasad-Rao (REML) / Datta-Lahiri (ML)
second-order approximations, or a seeded parametric bootstrap (González-Manteiga et al. 2008).
Rates can be modelled on the arcsin-square-root scale with a bias-corrected back-transformation
(Hadam et al. 2020, as R ``emdi::fh``). Estimates can be benchmarked to national or regional
totals.

Why hand-written: statsmodels' ``MixedLM`` cannot fix heteroscedastic, known residual variances
``psi_d``, and scipy has no Fay-Herriot model; samplics implements it with dense m x m matrices
(O(m^3) per iteration). Here every quantity is computed from p x p matrices (O(m p^2)), and the
bootstrap refits all replicates at once.
"""

from __future__ import annotations

import contextlib
import copy
import functools
import warnings
from collections.abc import Mapping, Sequence

import numpy as np
import pandas as pd
from scipy import special, stats

from povmodel.errors import DataValidationError, EstimatorInputError, PovmodelError, Problem

__all__ = ["FayHerriot", "FayHerriotResults", "fay_herriot"]

METHODS = ("REML", "ML")
TRANSFORMS = (None, "arcsin")
MSE_METHODS = ("prasad_rao", "bootstrap", None)
BENCHMARK_METHODS = ("ratio", "difference")
_HALF_PI = np.pi / 2


# --------------------------------------------------------------------------------------------
# numerical core (batched over B independent data vectors sharing psi and X)
# --------------------------------------------------------------------------------------------


class _Gls:
    """GLS quantities of the marginal model ``y ~ N(X beta, diag(sigma2 + psi))`` for B data
    vectors at once: ``y`` (B, m), ``sigma2`` (B,)."""

    __slots__ = ("W", "A_inv", "beta", "resid", "C2")

    def __init__(self, y: np.ndarray, sigma2: np.ndarray, psi: np.ndarray, X: np.ndarray, XXf: np.ndarray):
        p = X.shape[1]
        self.W = 1.0 / (sigma2[:, None] + psi)                      # V^-1 diagonals, (B, m)
        A = (self.W @ XXf).reshape(-1, p, p)                       # X'V^-1 X
        self.A_inv = np.linalg.inv(A)
        self.beta = np.einsum("bij,bj->bi", self.A_inv, (self.W * y) @ X)
        self.resid = y - self.beta @ np.ascontiguousarray(X.T)    # a transposed view is ~50x slower
        self.C2 = ((self.W * self.W) @ XXf).reshape(-1, p, p)      # X'V^-2 X


def _score_info(y, sigma2, psi, X, XXf, method):
    """Score and Fisher information of the (restricted) log-likelihood in sigma2_u.

    REML uses ``P = V^-1 - V^-1 X (X'V^-1X)^-1 X'V^-1`` through traces of p x p matrices only:
    tr P = sum w - tr(A^-1 X'V^-2 X), tr P^2 = sum w^2 - 2 tr(A^-1 X'V^-3 X)
    + tr((A^-1 X'V^-2 X)^2), and P y = V^-1 (y - X beta_hat).
    """
    g = _Gls(y, sigma2, psi, X, XXf)
    W = g.W
    Py2 = np.sum((W * g.resid) ** 2, axis=1)
    if method == "ML":
        return 0.5 * (Py2 - W.sum(axis=1)), 0.5 * np.sum(W * W, axis=1)
    p = X.shape[1]
    M2 = g.A_inv @ g.C2
    C3 = ((W * W * W) @ XXf).reshape(-1, p, p)
    tr_P = W.sum(axis=1) - np.trace(M2, axis1=1, axis2=2)
    tr_P2 = (np.sum(W * W, axis=1) - 2.0 * np.trace(g.A_inv @ C3, axis1=1, axis2=2)
             + np.einsum("bij,bji->b", M2, M2))
    return 0.5 * (Py2 - tr_P), 0.5 * tr_P2


def _fisher_scoring(y, psi, X, XXf, method, max_iter, tol, start):
    """Fisher scoring for sigma2_u, projected on [0, inf) at every step, for each row of ``y``.

    Returns sigma2 (B,), iterations (B,), converged (B,). An iterate that would turn negative
    is set to 0; the iteration stops there when the score at 0 points downwards (the constrained
    maximum is the boundary, reported as truncation). Converged when the step is at most
    ``tol`` relative to sigma2.
    """
    B = y.shape[0]
    sigma2 = np.array(start, dtype=float)
    iterations = np.zeros(B, dtype=np.int64)
    converged = np.zeros(B, dtype=bool)
    active = np.arange(B)
    for _ in range(max_iter):
        score, info = _score_info(y[active], sigma2[active], psi, X, XXf, method)
        old = sigma2[active]
        new = np.maximum(old + score / info, 0.0)
        sigma2[active] = new
        iterations[active] += 1
        done = np.abs(new - old) <= tol * np.maximum(new, old)
        converged[active[done]] = True
        active = active[~done]
        if active.size == 0:
            break
    return sigma2, iterations, converged


def _prasad_rao(gls: _Gls, sigma2: float, psi: np.ndarray, X: np.ndarray, method: str) -> np.ndarray:
    """Second-order MSE of the in-sample EBLUP: g1 + g2 + 2 g3 (REML, Prasad & Rao 1990, Datta &
    Lahiri 2000), with the ML bias term of ``sae::mseFH`` (``- b(sigma2) (1 - gamma)^2``)."""
    W = gls.W[0]
    A_inv = gls.A_inv[0]
    gamma = sigma2 * W
    g1 = gamma * psi
    g2 = (1.0 - gamma) ** 2 * np.einsum("mi,ij,mj->m", X, A_inv, X)
    sum_w2 = np.sum(W * W)
    g3 = (1.0 - gamma) ** 2 * W * (2.0 / sum_w2)       # psi^2 / v^3 * asymptotic Var(sigma2_hat)
    mse = g1 + g2 + 2.0 * g3
    if method == "ML":
        bias = -np.trace(A_inv @ gls.C2[0]) / sum_w2   # first-order bias of the ML sigma2_hat
        mse = mse - bias * (1.0 - gamma) ** 2
    return mse


@functools.cache
def _blas_controller():
    try:
        from threadpoolctl import ThreadpoolController  # installed with scikit-learn
    except ImportError:  # pragma: no cover
        return None
    return ThreadpoolController()


def _single_threaded_blas():
    """numpy and scipy each load their own OpenBLAS; on a busy 2-core machine their spinning
    thread pools slow the bootstrap's (B, m) products up to ~7x. One BLAS thread is as fast for
    these small products and steady."""
    ctl = _blas_controller()
    return ctl.limit(limits=1, user_api="blas") if ctl is not None else contextlib.nullcontext()


def _norm_cdf_complex(w: np.ndarray) -> np.ndarray:
    return 0.5 * special.erfc(-w / np.sqrt(2.0))


def arcsin_backtransform(mean, variance) -> np.ndarray:
    """Bias-corrected back-transformation ``E[sin^2(clip(theta, 0, pi/2))]`` for
    ``theta ~ N(mean, variance)`` (elementwise; ``variance = 0`` gives ``sin^2(clip(mean))``).

    The integral ``int_0^{pi/2} sin^2(t) N(t; mean, variance) dt`` that ``emdi`` evaluates with
    ``integrate()`` has a closed form: with sin^2 = (1 - cos 2t)/2 and
    ``int_a^b e^{i w z} phi(z) dz = e^{-w^2/2} [Phi(b - i w) - Phi(a - i w)]``, it is a complex
    normal CDF (``scipy.special.erfc`` of a complex argument), exact and vectorised. Mass above
    pi/2 counts as sin^2 = 1 (the truncation of the bootstrap's true values), mass below 0 as 0.
    """
    mu = np.asarray(mean, dtype=float)
    s = np.sqrt(np.maximum(np.asarray(variance, dtype=float), 0.0))
    naive = np.sin(np.clip(mu, 0.0, _HALF_PI)) ** 2
    pos = s > 0
    s_ = np.where(pos, s, 1.0)
    a, b = -mu / s_, (_HALF_PI - mu) / s_
    Pa, Pb = special.ndtr(a), special.ndtr(b)
    cos_part = np.real(np.exp(2j * mu - 2.0 * s_ ** 2)
                       * (_norm_cdf_complex(b - 2j * s_) - _norm_cdf_complex(a - 2j * s_)))
    inner = 0.5 * (Pb - Pa) - 0.5 * cos_part
    out = np.where(pos, inner + (1.0 - Pb), naive)
    return np.clip(out, 0.0, 1.0)


# --------------------------------------------------------------------------------------------
# results
# --------------------------------------------------------------------------------------------


class FayHerriotResults:
    """Fitted Fay-Herriot model: estimates, MSEs and model parameters for every area.

    Area-indexed attributes (``estimate``, ``mse``, ``cv``, ``direct``, ``direct_cv``,
    ``gamma``, ``synthetic``, ``out_of_sample``) are pandas Series indexed by area, in the
    order of ``fit``'s input; all but ``gamma`` and ``synthetic`` are on the original scale
    (proportions with ``transform="arcsin"``). ``gamma`` is 0 for out-of-sample areas (pure
    synthetic estimate); ``cv = sqrt(mse) / |estimate|``.

    Attributes
    ----------
    areas : numpy.ndarray
        Area labels.
    sigma2_u : float
        Estimated area-effect variance (model scale), truncated at 0 (``truncated``).
    beta_cov, beta_names
        ``(X'V^-1X)^-1`` and the coefficient names (``"intercept"`` first if added).
    converged, iterations
        Fisher-scoring outcome.
    method, transform, mse_method, bootstrap_reps
        Settings of the fit.
    benchmarked, benchmark_method
        Set by :meth:`benchmark`.
    notes : list of str
        Warnings about the fit (non-convergence, truncation, failed bootstrap refits).
    """

    def __init__(self, **fields):
        self.__dict__.update(fields)

    # -- area-level series --------------------------------------------------------------
    def _series(self, values, name):
        return pd.Series(values, index=pd.Index(self.areas, name="area"), name=name)

    @property
    def estimate(self) -> pd.Series:
        """Small-area estimates (EBLUP; synthetic out of sample; benchmarked if so)."""
        return self._series(self._estimate, "estimate")

    @property
    def mse(self) -> pd.Series:
        """Estimated MSE of ``estimate`` (NaN with ``mse=None``)."""
        return self._series(self._mse, "mse")

    @property
    def cv(self) -> pd.Series:
        """Coefficient of variation ``sqrt(mse) / |estimate|`` (NaN for a zero estimate)."""
        return self._series(_cv(self._mse, self._estimate), "cv")

    @property
    def direct(self) -> pd.Series:
        """Direct estimates (NaN out of sample)."""
        return self._series(self._direct, "direct")

    @property
    def direct_cv(self) -> pd.Series:
        """Coefficient of variation of the direct estimates, ``sqrt(variance) / |direct|``."""
        return self._series(_cv(self._direct_variance, self._direct), "direct_cv")

    @property
    def gamma(self) -> pd.Series:
        """Shrinkage weight on the direct estimate, ``sigma2_u / (sigma2_u + psi_d)``."""
        return self._series(self._gamma, "gamma")

    @property
    def beta(self) -> pd.Series:
        """Regression coefficients (GLS at ``sigma2_u``)."""
        return pd.Series(self._beta, index=self.beta_names, name="beta")

    @property
    def beta_se(self) -> pd.Series:
        """Standard errors of ``beta``, ``sqrt(diag((X'V^-1X)^-1))``."""
        return pd.Series(np.sqrt(np.diag(self.beta_cov)), index=self.beta_names, name="beta_se")

    @property
    def synthetic(self) -> pd.Series:
        """Regression-synthetic predictions ``x_d' beta`` on the model scale."""
        return self._series(self._synthetic, "synthetic")

    @property
    def out_of_sample(self) -> pd.Series:
        """True for areas without a direct estimate."""
        return self._series(self._out, "out_of_sample")

    # -- tables and text ----------------------------------------------------------------
    def to_frame(self) -> pd.DataFrame:
        """One row per area: area, direct, direct_variance, direct_cv, estimate, mse, cv, gamma,
        out_of_sample."""
        return pd.DataFrame({
            "area": self.areas, "direct": self._direct, "direct_variance": self._direct_variance,
            "direct_cv": _cv(self._direct_variance, self._direct), "estimate": self._estimate,
            "mse": self._mse, "cv": _cv(self._mse, self._estimate), "gamma": self._gamma,
            "out_of_sample": self._out,
        })

    def summary(self) -> str:
        """A readable account of the fit: variance component, coefficients, shrinkage, CVs."""
        ins = ~self._out
        scale = "arcsin(sqrt(p)) scale" if self.transform == "arcsin" else "original scale"
        lines = [
            f"Fay-Herriot area-level model ({self.method}{', arcsin transformation' if self.transform else ''})",
            f"areas: {int(ins.sum())} in sample, {int(self._out.sum())} out of sample (synthetic)",
            f"sigma2_u = {self.sigma2_u:.6g} ({scale}); Fisher scoring "
            + (f"converged in {self.iterations} iterations" if self.converged
               else f"did NOT converge in {self.iterations} iterations")
            + ("; truncated at 0: estimates are synthetic" if self.truncated else ""),
            "coefficients:",
        ]
        se = np.sqrt(np.diag(self.beta_cov))
        with np.errstate(divide="ignore", invalid="ignore"):
            z = self._beta / se
        p = 2 * stats.norm.sf(np.abs(z))
        width = max(len(n) for n in self.beta_names)
        lines.append(f"  {'':{width}}  {'estimate':>12} {'std.err':>12} {'z':>8} {'p':>8}")
        for n, b, s, zz, pp in zip(self.beta_names, self._beta, se, z, p, strict=True):
            lines.append(f"  {n:{width}}  {b:12.6g} {s:12.6g} {zz:8.2f} {pp:8.3g}")
        g = self._gamma[ins]
        lines.append(f"shrinkage gamma (in sample): min {g.min():.3f}, median {np.median(g):.3f}, max {g.max():.3f}")
        mse_label = {"prasad_rao": "Prasad-Rao (g1 + g2 + 2 g3)" if self.method == "REML"
                     else "Datta-Lahiri (g1 + g2 + 2 g3 - bias term)",
                     "bootstrap": f"parametric bootstrap, {self.bootstrap_reps} replicates"
                     + (" on the original scale" if self.transform else ""),
                     None: "not estimated"}[self.mse_method]
        lines.append(f"MSE: {mse_label}")
        if self.mse_method is not None:
            dcv = _cv(self._direct_variance, self._direct)[ins]
            mcv = _cv(self._mse, self._estimate)[ins]
            if np.isfinite(dcv).any():
                lines.append(f"CV in sample, median: direct {np.nanmedian(dcv):.3f}, model {np.nanmedian(mcv):.3f}")
        if self.benchmarked:
            lines.append(f"benchmarked ({self.benchmark_method}) to the given targets; MSE includes the "
                         "squared benchmarking adjustment")
        lines += [f"note: {n}" for n in self.notes]
        return "\n".join(lines)

    def __repr__(self) -> str:
        return (f"<FayHerriotResults {self.method} m={len(self.areas)} sigma2_u={self.sigma2_u:.4g} "
                f"mse={self.mse_method} benchmarked={self.benchmarked}>")

    # -- benchmarking -------------------------------------------------------------------
    def benchmark(self, target, weights, *, groups=None, method: str = "ratio") -> FayHerriotResults:
        """Adjust estimates so that their weighted means equal national or group targets.

        Parameters
        ----------
        target
            A number (no ``groups``), or a mapping / Series from group label to target.
        weights
            Non-negative area weights (e.g. population), one per area, in the order of
            ``areas``; all areas, in and out of sample, take part.
        groups
            Group label of each area (e.g. region); ``None`` for one national target.
        method
            ``"ratio"``: ``est * T_g / mean_w(est)``; ``"difference"``: ``est + T_g - mean_w(est)``.

        Returns
        -------
        FayHerriotResults
            A copy with ``benchmarked=True``. Its MSE adds the squared adjustment
            ``(est_B - est)^2`` to the unbenchmarked MSE (exact for posterior risk, Datta et al.
            2011, TEST 20: 574-588; an approximation for the EBLUP).
        """
        if method not in BENCHMARK_METHODS:
            raise EstimatorInputError(f"benchmark method must be one of {BENCHMARK_METHODS}, got {method!r}")
        m = len(self.areas)
        problems = []
        w = _numeric_vector("weights", weights, m, problems)
        if w is not None and (~np.isfinite(w) | (w < 0)).any():
            problems.append(f"weights must be finite and non-negative ({int((~np.isfinite(w) | (w < 0)).sum())} "
                            "are not)")
        if groups is None:
            codes = np.zeros(m, dtype=np.int64)
            labels = [None]
            try:
                targets = np.array([float(target)])
            except (TypeError, ValueError):
                problems.append(f"without groups, target must be a number, got {type(target).__name__}")
                targets = np.array([np.nan])
        else:
            g = np.asarray(groups, dtype=object)
            if g.ndim != 1 or len(g) != m:
                raise EstimatorInputError(f"groups must have one label per area ({m}), got shape {g.shape}")
            codes, uniques = pd.factorize(pd.Series(g), use_na_sentinel=True)
            if (codes < 0).any():
                problems.append(f"groups has {int((codes < 0).sum())} missing labels")
            labels = list(uniques)
            if isinstance(target, Mapping | pd.Series):
                t = dict(target.items())
                missing = [lab for lab in labels if lab not in t]
                if missing:
                    problems.append(f"target has no value for group(s) {missing[:5]}")
                targets = np.array([float(t.get(lab, np.nan)) for lab in labels])
            else:
                problems.append("with groups, target must be a mapping or Series from group label to target")
                targets = np.full(len(labels), np.nan)
        if not problems and not np.isfinite(targets).all():
            problems.append("targets must be finite numbers")
        if problems:
            raise EstimatorInputError("benchmark: " + "; ".join(problems))
        k = len(labels)
        est = self._estimate
        sw = np.bincount(codes, weights=w, minlength=k)
        swe = np.bincount(codes, weights=w * est, minlength=k)
        if (sw <= 0).any():
            bad = [labels[i] for i in np.flatnonzero(sw <= 0)]
            raise EstimatorInputError(f"benchmark: weights sum to 0 in group(s) {bad[:5]}")
        mean_w = swe / sw
        if method == "ratio":
            if (mean_w == 0).any():
                raise EstimatorInputError("benchmark: a weighted mean of the estimates is 0; the ratio method "
                                          "cannot scale it (use method='difference')")
            new = est * (targets / mean_w)[codes]
        else:
            new = est + (targets - mean_w)[codes]
        return self._replace(_estimate=new, _mse=self._mse + (new - est) ** 2, benchmarked=True,
                             benchmark_method=method)

    def _replace(self, **changes) -> FayHerriotResults:
        out = copy.copy(self)
        out.__dict__.update(changes)
        return out

    # -- diagnostics ----------------------------------------------------------------------
    def diagnostics(self) -> dict:
        """Model checks on the in-sample areas, on the model scale.

        Returns
        -------
        dict
            ``normality``: DataFrame with rows ``standardised_residuals`` (marginal,
            ``(direct - x'beta) / sqrt(sigma2_u + psi)``: N(0, 1) under the model; emdi's
            ``(direct - EBLUP) / sqrt(psi)`` has variance ``1 - gamma_d`` and looks heavy-tailed
            when the psi differ) and ``area_effects`` (``u_hat / sd(u_hat)``, as emdi), columns
            ``skewness``, ``kurtosis`` (Pearson; 3 under normality), ``shapiro_w``,
            ``shapiro_p`` (Shapiro-Wilk; NaN with fewer than 3 areas or no spread);
            ``correlation``: Pearson correlation of direct and model estimates (original
            scale); ``n_areas``.
        """
        ins = ~self._out
        resid = (self._model_direct[ins] - self._synthetic[ins]) / np.sqrt(self.sigma2_u + self._psi[ins])
        u = self._model_estimate[ins] - self._synthetic[ins]
        rows = {}
        for name, v in (("standardised_residuals", resid), ("area_effects", u)):
            sd = np.std(v, ddof=1) if v.size > 1 else 0.0
            if sd > 0 and v.size >= 3:
                z = v / sd if name == "area_effects" else v
                with warnings.catch_warnings():
                    warnings.simplefilter("ignore")  # p-value accuracy warning above 5000 areas
                    sw = stats.shapiro(z)
                rows[name] = {"skewness": float(stats.skew(z)), "kurtosis": float(stats.kurtosis(z, fisher=False)),
                              "shapiro_w": float(sw.statistic), "shapiro_p": float(sw.pvalue)}
            else:
                rows[name] = dict.fromkeys(("skewness", "kurtosis", "shapiro_w", "shapiro_p"), np.nan)
        d, e = self._direct[ins], self._estimate[ins]
        corr = float(np.corrcoef(d, e)[0, 1]) if d.size > 1 and np.std(d) > 0 and np.std(e) > 0 else np.nan
        return {"normality": pd.DataFrame.from_dict(rows, orient="index"), "correlation": corr,
                "n_areas": int(ins.sum())}

    def plot_diagnostics(self):
        """Three panels: direct vs model estimates with the 45-degree line; direct and model CVs
        with areas sorted from the largest direct variance (smallest effective sample) to the
        smallest; normal QQ plot of the standardised area effects.

        Returns
        -------
        matplotlib.figure.Figure
        """
        from matplotlib.figure import Figure

        ins = ~self._out
        fig = Figure(figsize=(14, 4.5), layout="constrained")
        ax1, ax2, ax3 = fig.subplots(1, 3)
        d, e = self._direct[ins], self._estimate[ins]
        ax1.scatter(d, e, s=12, alpha=0.7)
        lo, hi = np.nanmin(np.r_[d, e]), np.nanmax(np.r_[d, e])
        ax1.plot([lo, hi], [lo, hi], color="grey", lw=1, ls="--", label="45° line")
        ax1.set(xlabel="direct estimate", ylabel="model estimate", title="Direct vs model")
        ax1.legend(loc="upper left")

        if self._n_effective is not None:
            order = np.argsort(self._n_effective[ins], kind="stable")
            xlabel = "areas by effective sample size (smallest first)"
        else:
            order = np.argsort(-self._direct_variance[ins], kind="stable")
            xlabel = "areas by direct variance (largest first)"
        x = np.arange(order.size)
        ax2.plot(x, _cv(self._direct_variance, self._direct)[ins][order], marker=".", lw=0.8, label="direct")
        ax2.plot(x, _cv(self._mse, self._estimate)[ins][order], marker=".", lw=0.8, label="model")
        ax2.set(xlabel=xlabel, ylabel="CV", title="Coefficient of variation")
        ax2.legend()

        u = self._model_estimate[ins] - self._synthetic[ins]
        sd = np.std(u, ddof=1) if u.size > 1 else 0.0
        if sd > 0:
            (osm, osr), (slope, intercept, _) = stats.probplot(u / sd, dist="norm")
            ax3.scatter(osm, osr, s=12, alpha=0.7)
            ax3.plot(osm, slope * osm + intercept, color="grey", lw=1, ls="--")
        else:
            ax3.text(0.5, 0.5, "no area effects (sigma2_u = 0)", ha="center", va="center", transform=ax3.transAxes)
        ax3.set(xlabel="theoretical quantiles", ylabel="standardised area effects", title="Normal QQ plot")
        return fig


def _cv(variance, estimate):
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(estimate != 0, np.sqrt(variance) / np.abs(estimate), np.nan)


# --------------------------------------------------------------------------------------------
# estimator
# --------------------------------------------------------------------------------------------


def _numeric_vector(name, value, m, problems) -> np.ndarray | None:
    try:
        v = np.asarray(value, dtype=float)
    except (TypeError, ValueError):
        problems.append(f"{name} must be numeric")
        return None
    if v.ndim != 1:
        v = v.squeeze() if v.ndim == 2 and 1 in v.shape else v
    if v.ndim != 1 or (m is not None and v.shape[0] != m):
        length = f" of length {m}" if m is not None else ""
        problems.append(f"{name} must be a 1-D array{length}, got shape {np.shape(value)}")
        return None
    return v


def _examples(areas, mask) -> str:
    ex = [str(a) for a in np.asarray(areas)[mask][:5]]
    return f" (areas {', '.join(ex)}{', ...' if mask.sum() > 5 else ''})"


class FayHerriot:
    """Area-level Fay-Herriot model (Rao & Molina 2015, ch. 6).

    Parameters
    ----------
    method
        ``"REML"`` or ``"ML"`` estimation of ``sigma2_u`` by Fisher scoring (as
        ``sae::eblupFH``; started at the median sampling variance, projected on [0, inf)).
    transform
        ``None`` or ``"arcsin"``: model ``asin(sqrt(p))`` with sampling variance
        ``1 / (4 n_effective)`` (``n_effective`` required in ``fit``) and back-transform with
        the bias correction ``E[sin^2(theta)]``, ``theta ~ N(EBLUP, g1)`` in sample (``g1 =
        gamma psi``) and ``N(x' beta, sigma2_u)`` out of sample, theta clipped to [0, pi/2]
        (Hadam et al. 2020 / ``emdi::fh`` ``backtransformation="bc"``; emdi drops the mass above
        pi/2 and back-transforms out-of-sample areas naively, here that mass counts as 1 and
        out-of-sample areas are corrected too). Estimates lie in [0, 1].
    mse
        ``"prasad_rao"``: g1 + g2 + 2 g3 (REML; for ML plus the Datta-Lahiri bias term of
        ``sae::mseFH``); out of sample ``x'Var(beta)x + sigma2_u``. ``"bootstrap"``: parametric
        bootstrap (González-Manteiga et al. 2008): draw ``u*``, ``e*``, refit, average
        ``(theta_hat* - theta*)^2``; with ``transform="arcsin"`` on the original scale with
        ``theta* = sin^2(clip(x'beta + u*))`` as ``emdi``'s ``mse_type="boot"`` (the only choice
        there). ``None``: no MSE.
    bootstrap_reps, seed
        Bootstrap replicates and seed of ``numpy.random.default_rng``.
    max_iter, tol
        Fisher-scoring limits; converged when a step is at most ``tol`` relative to sigma2_u.
    intercept
        Prepend a column of ones to ``X`` (``X=None`` gives an intercept-only model).
    """

    def __init__(self, method: str = "REML", transform: str | None = None, mse: str | None = "prasad_rao",
                 bootstrap_reps: int = 200, seed: int | None = None, max_iter: int = 100, tol: float = 1e-10,
                 intercept: bool = True):
        problems = []
        if method not in METHODS:
            problems.append(f"method must be one of {METHODS}, got {method!r}")
        if transform not in TRANSFORMS:
            problems.append(f"transform must be one of {TRANSFORMS}, got {transform!r}")
        if mse not in MSE_METHODS:
            problems.append(f"mse must be one of {MSE_METHODS}, got {mse!r}")
        if transform == "arcsin" and mse == "prasad_rao":
            problems.append("with transform='arcsin' the MSE on the original scale is a parametric bootstrap: "
                            "pass mse='bootstrap' (or mse=None)")
        if not (isinstance(bootstrap_reps, int | np.integer) and bootstrap_reps >= 2):
            problems.append(f"bootstrap_reps must be an integer >= 2, got {bootstrap_reps!r}")
        if not (isinstance(max_iter, int | np.integer) and max_iter >= 1):
            problems.append(f"max_iter must be a positive integer, got {max_iter!r}")
        if not (isinstance(tol, float | int) and tol > 0):
            problems.append(f"tol must be a positive number, got {tol!r}")
        if problems:
            raise EstimatorInputError("FayHerriot: " + "; ".join(problems))
        self.method, self.transform, self.mse = method, transform, mse
        self.bootstrap_reps, self.seed = int(bootstrap_reps), seed
        self.max_iter, self.tol, self.intercept = int(max_iter), float(tol), bool(intercept)

    def __repr__(self) -> str:
        return (f"FayHerriot(method={self.method!r}, transform={self.transform!r}, mse={self.mse!r}, "
                f"bootstrap_reps={self.bootstrap_reps}, seed={self.seed!r})")

    # -- input ----------------------------------------------------------------------------
    def _prepare(self, direct, variance, X, areas, n_effective) -> dict:
        problems: list[str] = []
        arcsin = self.transform == "arcsin"
        y = _numeric_vector("direct", direct, None, problems)
        if y is None:
            raise EstimatorInputError("FayHerriot.fit: " + "; ".join(problems))
        m = y.shape[0]
        if areas is None:
            areas = np.asarray(direct.index) if isinstance(direct, pd.Series) else np.arange(m)
        areas = np.asarray(areas)
        if areas.ndim != 1 or areas.shape[0] != m:
            problems.append(f"areas must have one label per direct estimate ({m}), got shape {areas.shape}")
            areas = np.arange(m)
        elif pd.Index(areas).has_duplicates:
            dup = pd.Index(areas)[pd.Index(areas).duplicated()].unique()
            problems.append(f"areas must be unique; duplicated: {list(dup[:5])}")
        if np.isinf(y).any():
            problems.append(f"direct has {int(np.isinf(y).sum())} infinite values" + _examples(areas, np.isinf(y)))
        ins = np.isfinite(y)
        if not ins.any():
            problems.append("direct has no finite value: no area is in sample")
        if arcsin:
            bad = ins & ((y < 0) | (y > 1))
            if bad.any():
                problems.append(f"with transform='arcsin' direct estimates must be proportions in [0, 1]; "
                                f"{int(bad.sum())} are not" + _examples(areas, bad))
        if variance is None and not arcsin:
            problems.append("variance (the sampling variances of the direct estimates) is required")
            var = np.full(m, np.nan)
        else:
            var = np.full(m, np.nan) if variance is None else _numeric_vector("variance", variance, m, problems)
        if var is not None and not arcsin:
            bad = ins & ~np.isfinite(var)
            if bad.any():
                problems.append(f"variance is missing or infinite for {int(bad.sum())} in-sample areas"
                                + _examples(areas, bad))
            bad = ins & np.isfinite(var) & (var <= 0)
            if bad.any():
                problems.append(f"variance must be positive; {int(bad.sum())} in-sample areas have variance <= 0"
                                + _examples(areas, bad))
        elif var is not None:
            bad = ins & (np.isinf(var) | (var < 0))
            if bad.any():
                problems.append(f"variance must be >= 0 and finite where given; {int(bad.sum())} areas are not"
                                + _examples(areas, bad))
        n_eff = None
        if arcsin:
            if n_effective is None:
                problems.append("transform='arcsin' needs n_effective (the effective sample sizes; the sampling "
                                "variance on the arcsin scale is 1 / (4 n_effective))")
            else:
                n_eff = _numeric_vector("n_effective", n_effective, m, problems)
                if n_eff is not None:
                    bad = ins & ~(np.isfinite(n_eff) & (n_eff > 0))
                    if bad.any():
                        problems.append(f"n_effective must be positive and finite for in-sample areas; "
                                        f"{int(bad.sum())} are not" + _examples(areas, bad))
        elif n_effective is not None:
            n_eff = _numeric_vector("n_effective", n_effective, m, problems)

        if X is None:
            Xa = np.empty((m, 0))
            names: list[str] = []
        else:
            if isinstance(X, pd.DataFrame):
                names = [str(c) for c in X.columns]
            elif isinstance(X, pd.Series):
                names = [str(X.name) if X.name is not None else "x1"]
            else:
                names = None
            try:
                Xa = np.asarray(X, dtype=float)
            except (TypeError, ValueError):
                problems.append("X must be numeric (text or objects found)")
                Xa = np.empty((m, 0))
            if Xa.ndim == 1:
                Xa = Xa[:, None]
            if Xa.ndim != 2 or Xa.shape[0] != m:
                problems.append(f"X must have one row per direct estimate ({m}), got shape {Xa.shape}")
                Xa = np.empty((m, 0))
            if names is None:
                names = [f"x{j + 1}" for j in range(Xa.shape[1])]
            badrow = ~np.isfinite(Xa).all(axis=1)
            if badrow.any():
                problems.append(f"X has missing or infinite values in {int(badrow.sum())} rows"
                                + _examples(areas, badrow))
        if self.intercept:
            Xa = np.column_stack([np.ones(m), Xa])
            names = ["intercept", *names]
        p = Xa.shape[1]
        if p == 0:
            problems.append("no covariates: give X or keep intercept=True")
        m_in = int(ins.sum())
        if p and m_in and m_in <= p:
            problems.append(f"{m_in} in-sample areas cannot identify {p} coefficients and sigma2_u "
                            f"(need more than {p})")
        if problems:
            raise EstimatorInputError("FayHerriot.fit: " + "; ".join(problems))
        rank = np.linalg.matrix_rank(Xa[ins])
        if rank < p:
            raise EstimatorInputError(f"FayHerriot.fit: the in-sample design matrix {names} has rank {rank} < {p} "
                                      "columns (collinear covariates; with intercept=True X must not contain a "
                                      "constant column)")
        if arcsin:
            y_model = np.arcsin(np.sqrt(np.where(ins, y, 0.0)))
            psi = np.where(ins, 0.25 / np.where(ins, n_eff, 1.0), np.nan)
        else:
            y_model, psi = np.where(ins, y, 0.0), np.where(ins, var, np.nan)
        return {"y": y, "var": var if var is not None else np.full(m, np.nan), "X": Xa, "names": names,
                "areas": areas, "ins": ins, "y_model": y_model, "psi": psi, "n_eff": n_eff}

    # -- fitting ----------------------------------------------------------------------------
    def fit(self, direct, variance, X=None, *, areas=None, n_effective=None) -> FayHerriotResults:
        """Fit the model and predict every area.

        Parameters
        ----------
        direct
            Direct estimates, one per area; NaN marks an out-of-sample area (synthetic estimate).
        variance
            Sampling variances of the direct estimates (positive where ``direct`` is given). With
            ``transform="arcsin"`` only reported (``direct_cv``); may be ``None``.
        X
            Covariates (m x k array or DataFrame), complete for every area; ``None``: intercept
            only.
        areas
            Area labels (default: the index of a Series ``direct``, else 0..m-1).
        n_effective
            Effective sample sizes (required with ``transform="arcsin"``).

        Returns
        -------
        FayHerriotResults
        """
        d = self._prepare(direct, variance, X, areas, n_effective)
        ins, X_all = d["ins"], d["X"]
        X_in, y_in, psi_in = X_all[ins], d["y_model"][ins], d["psi"][ins]
        XXf = (X_in[:, :, None] * X_in[:, None, :]).reshape(X_in.shape[0], -1)
        s2, iters, conv = _fisher_scoring(y_in[None, :], psi_in, X_in, XXf, self.method, self.max_iter, self.tol,
                                          start=[np.median(psi_in)])
        sigma2 = float(s2[0])
        gls = _Gls(y_in[None, :], s2, psi_in, X_in, XXf)
        beta, beta_cov = gls.beta[0], gls.A_inv[0]
        synthetic = X_all @ beta
        m = ins.size
        gamma = np.zeros(m)
        gamma[ins] = sigma2 / (sigma2 + psi_in)
        model_est = synthetic.copy()
        model_est[ins] = gamma[ins] * y_in + (1.0 - gamma[ins]) * synthetic[ins]
        notes = []
        if not conv[0]:
            notes.append(f"Fisher scoring stopped at max_iter={self.max_iter} without converging")
        truncated = sigma2 == 0.0
        if truncated:
            notes.append("sigma2_u truncated at 0: all in-sample estimates are regression-synthetic")

        mse = np.full(m, np.nan)
        if self.transform == "arcsin":
            var_theta = np.where(ins, gamma * d["psi"], sigma2)     # g1 in sample, sigma2_u out of sample
            estimate = arcsin_backtransform(model_est, np.nan_to_num(var_theta))
            if self.mse == "bootstrap":
                mse, failed = self._bootstrap(sigma2, synthetic, ins, psi_in, X_all, XXf, arcsin=True)
        else:
            estimate = model_est
            if self.mse == "prasad_rao":
                out = ~ins
                mse[ins] = _prasad_rao(gls, sigma2, psi_in, X_in, self.method)
                mse[out] = np.einsum("mi,ij,mj->m", X_all[out], beta_cov, X_all[out]) + sigma2
            elif self.mse == "bootstrap":
                mse, failed = self._bootstrap(sigma2, synthetic, ins, psi_in, X_all, XXf, arcsin=False)
        if self.mse == "bootstrap" and failed:
            notes.append(f"{failed} of {self.bootstrap_reps} bootstrap refits did not converge (kept)")

        return FayHerriotResults(
            areas=d["areas"], _direct=np.where(ins, d["y"], np.nan), _direct_variance=np.where(ins, d["var"], np.nan),
            _estimate=estimate, _mse=mse, _gamma=gamma, _out=~ins, _synthetic=synthetic,
            _model_direct=np.where(ins, d["y_model"], np.nan), _model_estimate=model_est, _psi=d["psi"],
            _n_effective=d["n_eff"], _beta=beta, beta_cov=beta_cov, beta_names=list(d["names"]), sigma2_u=sigma2,
            converged=bool(conv[0]), iterations=int(iters[0]), truncated=bool(truncated), method=self.method,
            transform=self.transform, mse_method=self.mse, bootstrap_reps=self.bootstrap_reps,
            benchmarked=False, benchmark_method=None, notes=notes,
        )

    def _bootstrap(self, sigma2, synthetic, ins, psi_in, X_all, XXf, *, arcsin):
        """Parametric bootstrap MSE, all replicates refitted at once (batched Fisher scoring)."""
        rng = np.random.default_rng(self.seed)
        B, m = self.bootstrap_reps, ins.size
        X_in = X_all[ins]
        theta = synthetic + rng.standard_normal((B, m)) * np.sqrt(sigma2)
        y_star = theta[:, ins] + rng.standard_normal((B, X_in.shape[0])) * np.sqrt(psi_in)
        start = np.full(B, sigma2 if sigma2 > 0 else np.median(psi_in))
        with _single_threaded_blas():
            s2, _, conv = _fisher_scoring(y_star, psi_in, X_in, XXf, self.method, self.max_iter, self.tol, start)
            gls = _Gls(y_star, s2, psi_in, X_in, XXf)
        est = gls.beta @ np.ascontiguousarray(X_all.T)             # synthetic, (B, m)
        gam = s2[:, None] * gls.W
        est[:, ins] = gam * y_star + (1.0 - gam) * est[:, ins]
        if arcsin:
            var_theta = np.repeat(s2[:, None], m, axis=1)
            var_theta[:, ins] = gam * psi_in
            est = arcsin_backtransform(est, var_theta)
            theta = np.sin(np.clip(theta, 0.0, _HALF_PI)) ** 2
        return np.mean((est - theta) ** 2, axis=0), int((~conv).sum())


# --------------------------------------------------------------------------------------------
# DataFrame convenience
# --------------------------------------------------------------------------------------------


def fay_herriot(frame: pd.DataFrame, *, direct: str, variance: str | None, covariates: Sequence[str] | str = (),
                area: str, n_effective: str | None = None, **kwargs) -> FayHerriotResults:
    """Fit a Fay-Herriot model to a table with one row per area.

    Parameters
    ----------
    frame
        One row per area. A missing ``direct`` marks an out-of-sample area (synthetic estimate
        from its covariates).
    direct, variance, area, n_effective
        Column names (``variance`` may be ``None`` with ``transform="arcsin"``; ``n_effective``
        is required with it).
    covariates
        Covariate column name(s), complete for every area; an intercept is added unless
        ``intercept=False``.
    **kwargs
        Passed to :class:`FayHerriot` (``method``, ``transform``, ``mse``, ``seed``, ...).

    Raises
    ------
    DataValidationError
        Naming every missing column, the rows with missing areas or covariates, duplicate areas,
        in-sample rows without a positive variance (or effective sample size), all at once.
    """
    if not isinstance(frame, pd.DataFrame):
        raise PovmodelError(f"fay_herriot needs a pandas DataFrame, got {type(frame).__name__}")
    covariates = [covariates] if isinstance(covariates, str) else list(covariates)
    model = FayHerriot(**kwargs)
    needed = [("direct", direct), ("area", area), ("variance", variance), ("n_effective", n_effective)]
    needed += [("covariates", c) for c in covariates]
    problems = [Problem(f"missing column (given as {role}=)", location=str(col))
                for role, col in needed if col is not None and col not in frame.columns]
    if model.transform == "arcsin" and n_effective is None:
        problems.append(Problem("transform='arcsin' needs n_effective= (a column of effective sample sizes)"))
    if variance is None and model.transform != "arcsin":
        problems.append(Problem("variance= (a column of sampling variances) is required"))

    def rows(mask):
        mask = np.asarray(mask, dtype=bool)
        return {"rows": int(mask.sum()), "examples": tuple(np.flatnonzero(mask)[:5] + 2)}  # spreadsheet rows

    def numeric(col):
        v = pd.to_numeric(frame[col], errors="coerce")
        text = v.isna() & frame[col].notna()
        if text.any():
            problems.append(Problem("not a number", location=col, **rows(text)))
        return v.to_numpy(dtype=float)

    present = {c for _, c in needed if c is not None and c in frame.columns}
    if area in present:
        a = frame[area]
        if a.isna().any():
            problems.append(Problem("missing area label", location=area, **rows(a.isna())))
        dup = a.duplicated(keep=False) & a.notna()
        if dup.any():
            problems.append(Problem("duplicate area", location=area, **rows(dup)))
    ins = None
    if direct in present:
        y = numeric(direct)
        ins = np.isfinite(y)
        if np.isinf(y).any():
            problems.append(Problem("infinite direct estimate", location=direct, **rows(np.isinf(y))))
    for c in covariates:
        if c in present:
            x = numeric(c)
            if (~np.isfinite(x)).any():
                problems.append(Problem("missing or infinite covariate", location=c, **rows(~np.isfinite(x))))
    if ins is not None and variance in present:
        v = numeric(variance)
        if model.transform != "arcsin":
            if (ins & ~np.isfinite(v)).any():
                problems.append(Problem("missing variance for an in-sample area", location=variance,
                                        **rows(ins & ~np.isfinite(v))))
            if (ins & (v <= 0)).any():
                problems.append(Problem("variance must be positive", location=variance, **rows(ins & (v <= 0))))
        elif (ins & (v < 0)).any():
            problems.append(Problem("variance must not be negative", location=variance, **rows(ins & (v < 0))))
    if ins is not None and n_effective in present:
        n = numeric(n_effective)
        if (ins & ~(np.isfinite(n) & (n > 0))).any():
            problems.append(Problem("effective sample size must be positive for an in-sample area",
                                    location=n_effective, **rows(ins & ~(np.isfinite(n) & (n > 0)))))
    if problems:
        raise DataValidationError(problems, title=f"fay_herriot: {len(problems)} problem"
                                  f"{'s' if len(problems) != 1 else ''} in the input table")
    return model.fit(
        frame[direct].to_numpy(dtype=float), None if variance is None else frame[variance].to_numpy(dtype=float),
        frame[covariates].astype(float) if covariates else None, areas=frame[area].to_numpy(),
        n_effective=None if n_effective is None else frame[n_effective].to_numpy(dtype=float),
    )
