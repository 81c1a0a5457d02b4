"""Welfare transformations of the EBP model and the estimation of their parameter by the
restricted likelihood of the original data (REML of the transformed data plus the log
Jacobian), as emdi does."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy.optimize import minimize_scalar

from povmodel.spatial._ebp_reml import Design, reml_loglik

KINDS = ("none", "log", "log_shift", "box_cox")
#: Floor of 1 + lambda z in the inverse Box-Cox (draws outside its domain are clipped there).
_BASE_FLOOR = 1e-12


@dataclass(frozen=True)
class Transform:
    """T(y): ``none``; ``log`` log(y); ``log_shift`` log(y + shift); ``box_cox``
    ((y + shift)^lam - 1) / lam (log(y + shift) at lam = 0)."""

    kind: str = "none"
    lam: float = 0.0
    shift: float = 0.0

    @property
    def _is_log(self) -> bool:
        return self.kind in ("log", "log_shift") or (self.kind == "box_cox" and abs(self.lam) < 1e-12)

    def forward(self, y: np.ndarray) -> np.ndarray:
        if self.kind == "none":
            return np.asarray(y, dtype=float)
        if self._is_log:
            return np.log(y + self.shift)
        return ((y + self.shift) ** self.lam - 1.0) / self.lam

    def inverse(self, z: np.ndarray, out: np.ndarray | None = None) -> np.ndarray:
        """T^-1(z), in place in ``out`` if given; Box-Cox draws with 1 + lam z <= 0 are clipped."""
        if self.kind == "none":
            if out is None:
                return np.array(z, dtype=float)
            out[...] = z
            return out
        if self._is_log:
            out = np.exp(z, out=out)
        else:
            out = np.multiply(z, self.lam, out=out)
            out += 1.0
            np.maximum(out, _BASE_FLOOR, out=out)
            np.power(out, 1.0 / self.lam, out=out)
        if self.shift:
            out -= self.shift
        return out

    def log_jacobian(self, y: np.ndarray) -> float:
        """sum log |dT/dy|."""
        if self.kind == "none":
            return 0.0
        s = float(np.sum(np.log(y + self.shift)))
        return -s if self._is_log else (self.lam - 1.0) * s

    def describe(self) -> str:
        if self.kind == "box_cox":
            return f"box_cox(lambda={self.lam:.4f}, shift={self.shift:g})"
        if self.kind == "log_shift":
            return f"log_shift(shift={self.shift:.6g})"
        return self.kind


def profile_loglik(design: Design, y: np.ndarray, t: Transform) -> float:
    """REML log-likelihood of the original y under transformation ``t`` (with the Jacobian)."""
    return reml_loglik(design, t.forward(y)) + t.log_jacobian(y)


def estimate(kind: str, y: np.ndarray, design: Design, *, fixed: float | None = None,
             bounds: tuple[float, float] = (-1.0, 2.0)) -> Transform:
    """The transformation ``kind`` with its parameter (Box-Cox lambda, log-shift shift) fixed or
    estimated by maximising :func:`profile_loglik` with a bounded Brent search."""
    if kind in ("none", "log"):
        return Transform(kind)
    y_min = float(np.min(y))
    if kind == "box_cox":
        # emdi: shift only where y is not positive, so that min(y + shift) = 1
        shift = 0.0 if y_min > 0 else abs(y_min) + 1.0
        if fixed is not None:
            return Transform(kind, float(fixed), shift)
        res = minimize_scalar(lambda lam: -profile_loglik(design, y, Transform(kind, lam, shift)),
                              bounds=bounds, method="bounded", options={"xatol": 1e-5})
        return Transform(kind, float(res.x), shift)
    if fixed is not None:
        return Transform(kind, 0.0, float(fixed))
    # log-shift: search a = min(y) + shift > 0 on the log scale, from 1e-6 to 10 times the range
    span = float(np.ptp(y)) or abs(y_min) or 1.0
    res = minimize_scalar(lambda la: -profile_loglik(design, y, Transform(kind, 0.0, np.exp(la) - y_min)),
                          bounds=(np.log(span * 1e-6), np.log(span * 10.0)), method="bounded",
                          options={"xatol": 1e-6})
    return Transform(kind, 0.0, float(np.exp(res.x) - y_min))
