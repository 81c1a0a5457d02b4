"""REML for the nested-error model with one random intercept, from sufficient statistics.

Hand-written rather than statsmodels ``MixedLM`` because one random intercept lets the profile
restricted likelihood be written in closed form in the area totals: after one O(n p) pass
(``X'X``, per-area sums of ``X``, then ``X'z``, per-area sums and ``z'z`` for each candidate
transformation) each likelihood evaluation costs O(m p^2) for m areas, whatever n. The Box-Cox /
log-shift parameter search needs a full REML fit per candidate and the parametric bootstrap one
(or a full search) per replicate: ~1 ms each here against seconds for ``MixedLM`` on a 45,000-row
survey. ``MixedLM`` is the reference the tests compare the variance components with.

With H = V / sigma2_e = I + tau Z Z' (tau = sigma2_u / sigma2_e), per area
H_i^-1 = I - (gamma_i / n_i) J with gamma_i = n_i tau / (1 + n_i tau), so
X'H^-1 X = X'X - sum_i (gamma_i / n_i) s_i s_i' (s_i the area sum of x), likewise X'H^-1 z and
z'H^-1 z; log|H| = sum_i log(1 + n_i tau). sigma2_e is profiled out and tau maximised over by a
bounded Brent search on log tau (the boundary tau = 0 is checked separately).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy.optimize import minimize_scalar

LOG_TAU_BOUNDS = (np.log(1e-10), np.log(1e6))


@dataclass(frozen=True)
class Design:
    """The sample's design, standardised for stable cross-products (intercept first), sorted
    by nothing in particular; ``codes`` are area indices 0..m-1."""

    X: np.ndarray  # (n, p) standardised design, column 0 = 1
    codes: np.ndarray  # (n,) area index
    n_i: np.ndarray  # (m,) units per area
    sx: np.ndarray  # (m, p) per-area sums of X
    xtx: np.ndarray  # (p, p)
    A: np.ndarray  # (p, p): original beta = A @ standardised beta
    logdet_A: float  # log|det A|

    @property
    def n(self) -> int:
        return self.X.shape[0]

    @property
    def p(self) -> int:
        return self.X.shape[1]

    @property
    def m(self) -> int:
        return len(self.n_i)

    @classmethod
    def build(cls, X_raw: np.ndarray, codes: np.ndarray, m: int) -> Design:
        """Standardise the non-intercept columns of ``X_raw`` (intercept in column 0)."""
        X_raw = np.asarray(X_raw, dtype=float)
        centre = X_raw.mean(axis=0)
        scale = X_raw.std(axis=0)
        centre[0], scale[0] = 0.0, 1.0
        scale = np.where(scale > 0, scale, 1.0)
        X = (X_raw - centre) / scale
        X[:, 0] = 1.0
        # x_std = x_raw * D^-1 - c D^-1 (intercept): X_std = X_raw @ M with M = D^-1 - e0 (c/s)'
        M = np.diag(1.0 / scale)
        M[0, 1:] = -centre[1:] / scale[1:]
        n_i = np.bincount(codes, minlength=m).astype(float)
        sx = np.zeros((m, X.shape[1]))
        np.add.at(sx, codes, X)
        return cls(X, codes, n_i, sx, X.T @ X, M, float(-np.sum(np.log(scale))))


@dataclass(frozen=True)
class REMLFit:
    """Fitted nested-error model on the transformed scale (original design columns)."""

    beta: np.ndarray
    cov_beta: np.ndarray
    sigma2_u: float
    sigma2_e: float
    loglik: float  # restricted log-likelihood of z (no Jacobian)
    gamma: np.ndarray  # (m,) shrinkage factors
    u_hat: np.ndarray  # (m,) predicted area effects
    converged: bool


class _ZStats:
    """z-dependent sufficient statistics of a standardised z (zc = (z - zbar) / c)."""

    def __init__(self, design: Design, z: np.ndarray):
        self.zbar = float(z.mean())
        self.c = float(z.std()) or 1.0
        zc = (z - self.zbar) / self.c
        self.sz = np.bincount(design.codes, weights=zc, minlength=design.m)
        self.xtz = design.X.T @ zc
        self.ztz = float(zc @ zc)


def _profile(design: Design, st: _ZStats, tau: float):
    """Restricted log-likelihood of the standardised z at ``tau``, with beta and sigma2_e."""
    n, p = design.n, design.p
    g_over_n = tau / (1.0 + design.n_i * tau)  # gamma_i / n_i
    A = design.xtx - design.sx.T @ (design.sx * g_over_n[:, None])
    b = st.xtz - design.sx.T @ (st.sz * g_over_n)
    c = st.ztz - float(np.sum(g_over_n * st.sz**2))
    try:
        L = np.linalg.cholesky(A)
    except np.linalg.LinAlgError:
        return -np.inf, None, None, None
    beta = np.linalg.solve(L.T, np.linalg.solve(L, b))
    q = max(c - float(b @ beta), 1e-300)
    s2e = q / (n - p)
    logdet_A = 2.0 * float(np.sum(np.log(np.diag(L))))
    ll = -0.5 * ((n - p) * (np.log(s2e) + 1.0 + np.log(2 * np.pi)) + float(np.sum(np.log1p(design.n_i * tau)))
                 + logdet_A)
    return ll, beta, s2e, A


def _best_tau(design: Design, st: _ZStats) -> tuple[float, float, bool]:
    res = minimize_scalar(lambda t: -_profile(design, st, float(np.exp(t)))[0], bounds=LOG_TAU_BOUNDS,
                          method="bounded", options={"xatol": 1e-9, "maxiter": 500})
    tau, ll = float(np.exp(res.x)), -float(res.fun)
    at_zero = _profile(design, st, 0.0)[0]
    if at_zero >= ll:
        return 0.0, at_zero, True
    return tau, ll, bool(res.success)


def reml_loglik(design: Design, z: np.ndarray) -> float:
    """Maximised restricted log-likelihood of ``z`` (up to terms free of z's transformation)."""
    st = _ZStats(design, z)
    _, ll, _ = _best_tau(design, st)
    return ll - (design.n - design.p) * np.log(st.c)


def fit_reml(design: Design, z: np.ndarray) -> REMLFit:
    """REML fit of z = X beta + u_area + e."""
    st = _ZStats(design, z)
    tau, ll, ok = _best_tau(design, st)
    _, beta_s, s2e_s, A = _profile(design, st, tau)
    n, p = design.n, design.p
    s2e = s2e_s * st.c**2
    beta_std = beta_s * st.c
    beta_std[0] += st.zbar
    cov_std = s2e * np.linalg.inv(A)
    M = design.A
    beta = M @ beta_std
    cov = M @ cov_std @ M.T
    s2u = tau * s2e
    gamma = design.n_i * tau / (1.0 + design.n_i * tau)
    resid_sum = np.bincount(design.codes, weights=z - design.X @ beta_std, minlength=design.m)
    u_hat = gamma * resid_sum / np.maximum(design.n_i, 1)
    # log-likelihood on the original z and original design: |X_std' H^-1 X_std| = |M|^2 |X' H^-1 X|
    loglik = ll - (n - p) * np.log(st.c) + design.logdet_A
    return REMLFit(beta, cov, float(s2u), float(s2e), float(loglik), gamma, u_hat, ok)


def fit_pseudo_eb(design: Design, z: np.ndarray, w: np.ndarray, sigma2_u: float, sigma2_e: float):
    """Survey-weighted (pseudo-EB) beta and area effects of Guadarrama, Molina & Rao (2018),
    built on You & Rao's (2002) pseudo-EBLUP, with the variance components given.

    gamma_iw = s2u / (s2u + s2e delta_i), delta_i = sum w^2 / (sum w)^2;
    beta_w = [sum w x (x - gamma_iw xbar_iw)']^-1 sum w (x - gamma_iw xbar_iw) z;
    u_i = gamma_iw (zbar_iw - xbar_iw' beta_w).
    """
    m, codes, X = design.m, design.codes, design.X
    sw = np.bincount(codes, weights=w, minlength=m)
    sw2 = np.bincount(codes, weights=w**2, minlength=m)
    delta = sw2 / sw**2
    gamma = sigma2_u / (sigma2_u + sigma2_e * delta) if sigma2_u > 0 else np.zeros(m)
    swx = np.zeros((m, design.p))
    np.add.at(swx, codes, X * w[:, None])
    xbar = swx / sw[:, None]
    zbar = np.bincount(codes, weights=w * z, minlength=m) / sw
    # sum_j w x (x - g xbar)' = X'WX - sum_i g_i swx_i xbar_i'
    lhs = (X * w[:, None]).T @ X - swx.T @ (xbar * gamma[:, None])
    rhs = X.T @ (w * z) - xbar.T @ (gamma * sw * zbar)
    beta_std = np.linalg.solve(lhs, rhs)
    u_hat = gamma * (zbar - xbar @ beta_std)
    return design.A @ beta_std, gamma, u_hat
