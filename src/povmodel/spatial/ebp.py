"""Unit-level empirical best prediction of poverty (EBP, Molina & Rao 2010) and its census
variant CensusEB (Corral, Molina & Nguyen 2021, World Bank guidelines), as emdi implements them.

Model, on transformed welfare: T(y_ij) = x_ij' beta + u_i + e_ij, u_i ~ N(0, s2_u),
e_ij ~ N(0, s2_e), with the random effect at the reporting level i (province or district).

- **Fit** (:meth:`EBP.fit`): REML from sufficient statistics (``_ebp_reml``); the Box-Cox lambda
  or log-shift shift maximises the REML likelihood of the original y (REML of T(y) plus the log
  Jacobian) over a bounded interval. ``weights=True`` uses the survey weights as in Guadarrama,
  Molina & Rao (2018): variance components (and lambda) from the unweighted REML fit, then the
  pseudo-EB (You-Rao) weighted beta, area effects u_i = gamma_iw (zbar_iw - xbar_iw' beta_w) with
  gamma_iw = s2_u / (s2_u + s2_e sum w^2 / (sum w)^2), conditional variance s2_u (1 - gamma_iw).
- **Predict** (:meth:`EBP.predict`): L Monte Carlo censuses y* = T^-1(x' beta + u*_i + e*), with
  u*_i ~ N(u_i, s2_u (1 - gamma_i)) in sampled areas and N(0, s2_u) elsewhere; each indicator per
  area per draw, averaged over draws. **CensusEB** (the default): census households are not
  linked to the sample, so every census household is simulated, sampled areas differing only
  through their conditional random effect. ``include_sample=True`` is Molina-Rao EB proper:
  the census holds the non-sampled units and the sample's observed welfare completes each area.
- **MSE** (``mse="bootstrap"``): the parametric bootstrap of Gonzalez-Manteiga et al. (2008) as
  in Molina & Rao (2010): B populations from the fitted model (the sample's values drawn with the
  same area effects), refit (transformation parameter included), re-predict with ``L_boot``
  draws; MSE = mean over b of (theta_hat*_b - theta*_b)^2. All replicates run in the same
  single pass over the census as the point prediction.

Memory is bounded independently of L and of the census size (streamed in ``chunk_size`` blocks)
for the built-in indicators; callable indicators hold the prepared census in memory. Results
are reproducible from ``seed`` whatever ``workers`` and the chunking of the census frames.
"""

from __future__ import annotations

import inspect
import os
import time
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace

import numpy as np
import pandas as pd
from scipy import stats

from povmodel.errors import DataValidationError, EstimatorInputError, NotFittedError, Problem
from povmodel.spatial._ebp_reml import Design, fit_pseudo_eb, fit_reml
from povmodel.spatial._ebp_sim import (
    BOOT_E_STREAM,
    BOOT_U_STREAM,
    BUILTINS,
    RNG_BLOCK,
    Block,
    Engine,
    Job,
    Reblocker,
    Registry,
    area_key,
    generator,
)
from povmodel.spatial._ebp_transform import Transform, estimate

__all__ = ["EBP", "EBPResult", "ModelSummary", "Params", "PartialPrediction"]

_TRANSFORMS = {None: "none", "none": "none", "log": "log", "log_shift": "log_shift", "box_cox": "box_cox"}


@dataclass(frozen=True)
class Params:
    """Fitted model: transformation, beta (design columns), variance components, and per
    sample area (sorted labels) the predicted effect ``u_hat`` and shrinkage ``gamma``."""

    transform: Transform
    beta: np.ndarray
    cov_beta: np.ndarray | None
    sigma2_u: float
    sigma2_e: float
    u_hat: np.ndarray
    gamma: np.ndarray
    loglik: float
    converged: bool = True


@dataclass(frozen=True)
class ModelSummary:
    """What :meth:`EBP.model_summary` reports (R2 after Nakagawa & Schielzeth 2013)."""

    coefficients: pd.DataFrame
    sigma2_u: float
    sigma2_e: float
    icc: float
    r2_marginal: float
    r2_conditional: float
    transform: str
    lam: float | None
    shift: float | None
    loglik: float
    n: int
    areas: int
    weighting: str
    diagnostics: dict[str, float] = field(default_factory=dict)

    def __str__(self) -> str:
        lines = [f"EBP nested-error model: {self.n:,} units in {self.areas} areas; transform {self.transform}; "
                 f"weighting {self.weighting}",
                 f"sigma2_u {self.sigma2_u:.6g}  sigma2_e {self.sigma2_e:.6g}  ICC {self.icc:.3f}  "
                 f"R2 marginal {self.r2_marginal:.3f} conditional {self.r2_conditional:.3f}  "
                 f"REML loglik (with Jacobian) {self.loglik:.2f}",
                 self.coefficients.to_string(index=False),
                 "diagnostics: " + ", ".join(f"{k} {v:.3g}" for k, v in self.diagnostics.items())]
        return "\n".join(lines)


@dataclass
class EBPResult:
    """Estimates by area (and higher level): see :meth:`to_frame`."""

    frame: pd.DataFrame
    L: int
    seed: int
    transform: str
    seconds: float
    B: int = 0
    benchmarked: bool = False
    members: dict = field(default_factory=dict, repr=False)

    def to_frame(self, level: str | None = None) -> pd.DataFrame:
        """One row per area and indicator: level, area, indicator, estimate, mse, cv, mc_se
        (Monte Carlo standard error of the estimate), direct (Hajek estimate from the sample),
        in_sample, n_sample, n_census (census rows), population (weighted units)."""
        df = self.frame if level is None else self.frame[self.frame["level"] == level]
        return df.reset_index(drop=True)

    def table(self, value: str = "estimate", level: str = "area") -> pd.DataFrame:
        """``value`` by area (rows) and indicator (columns)."""
        df = self.to_frame(level)
        return df.pivot(index="area", columns="indicator", values=value)

    def benchmark(self, targets: Mapping[str, float | Mapping], by: Mapping | None = None) -> EBPResult:
        """Ratio benchmarking: each area estimate times target_g / (population-weighted mean of
        the estimates of its group g), g the nation (scalar target) or ``by[area]`` (a mapping
        target). Aggregate rows are the population-weighted means of the benchmarked areas
        (exact for these ratio indicators); MSEs are scaled by the squared factor (the factor
        taken as fixed, an approximation)."""
        df = self.frame.copy()
        areas = df["level"] == "area"
        problems = []
        for ind, target in targets.items():
            if ind not in BUILTINS:
                problems.append(Problem(f"benchmarking needs a built-in indicator ({', '.join(BUILTINS)})",
                                        location=str(ind)))
                continue
            sel = areas & (df["indicator"] == ind)
            if not sel.any():
                problems.append(Problem("indicator not estimated", location=str(ind)))
                continue
            part = df.loc[sel]
            if isinstance(target, Mapping):
                if by is None:
                    problems.append(Problem("group targets need `by` (area -> group)", location=str(ind)))
                    continue
                group = part["area"].map(lambda a: by.get(a))
                unknown = sorted({str(a) for a, g in zip(part["area"], group, strict=True) if g is None})
                if unknown:
                    problems.append(Problem("areas without a benchmarking group", location="by",
                                            rows=len(unknown), examples=tuple(unknown[:5])))
                    continue
                missing = sorted({str(g) for g in group if g not in target})
                if missing:
                    problems.append(Problem("groups without a target", location=str(ind), rows=len(missing),
                                            examples=tuple(missing[:5])))
                    continue
                tgt = group.map(target).astype(float)
            else:
                group = pd.Series("national", index=part.index)
                tgt = pd.Series(float(target), index=part.index)
            pw = part["population"] * part["estimate"]
            mean = pw.groupby(group).transform("sum") / part["population"].groupby(group).transform("sum")
            factor = tgt / mean
            df.loc[sel, "estimate"] = part["estimate"] * factor
            df.loc[sel, "mse"] = part["mse"] * factor**2
            for lvl in df.loc[~areas, "level"].unique():
                hsel = (df["level"] == lvl) & (df["indicator"] == ind)
                hmembers = df.loc[hsel, "area"]
                if not len(hmembers):
                    continue
                new = df.loc[sel]
                key = new["area"].map(self.members.get(lvl, {}))
                agg = (new["estimate"] * new["population"]).groupby(key).sum() / new["population"].groupby(key).sum()
                old = df.loc[hsel, "estimate"]
                df.loc[hsel, "estimate"] = hmembers.map(agg).to_numpy()
                df.loc[hsel, "mse"] = df.loc[hsel, "mse"] * (df.loc[hsel, "estimate"] / old) ** 2
        if problems:
            raise DataValidationError(problems, title="cannot benchmark")
        df["cv"] = np.sqrt(df["mse"]) / df["estimate"]
        return replace(self, frame=df, benchmarked=True)


def _rows(mask: np.ndarray, row0: int) -> tuple[int, ...]:
    return tuple(int(i) + row0 + 1 for i in np.flatnonzero(mask)[:5])


class _ProblemLog:
    """Problems merged over chunks: rows counted, first examples kept."""

    def __init__(self, file: str):
        self.file, self.items = file, {}

    def add(self, location: str, message: str, mask=None, row0: int = 0, examples=None) -> None:
        rows = int(np.count_nonzero(mask)) if mask is not None else None
        if mask is not None and rows == 0:
            return
        ex = _rows(mask, row0) if mask is not None else tuple(examples or ())
        key = (location, message)
        if key in self.items:
            old_rows, old_ex = self.items[key]
            self.items[key] = ((old_rows or 0) + (rows or 0) if rows is not None else old_rows,
                               (old_ex + ex)[:5])
        else:
            self.items[key] = (rows, ex)

    def __bool__(self) -> bool:
        return bool(self.items)

    def problems(self) -> list[Problem]:
        return [Problem(msg, file=self.file, location=loc, rows=rows, examples=ex)
                for (loc, msg), (rows, ex) in self.items.items()]


@dataclass(frozen=True)
class _Encoding:
    """Covariates as design columns: numbers and booleans as they are, text or categorical
    columns as 0/1 dummies of the sample's levels (the first level is the reference)."""

    covariates: tuple[str, ...]
    levels: dict[str, tuple]
    names: tuple[str, ...]

    @classmethod
    def from_sample(cls, df: pd.DataFrame, covariates: Sequence[str]) -> _Encoding:
        levels, names = {}, ["Intercept"]
        for c in covariates:
            s = df[c]
            if pd.api.types.is_bool_dtype(s.dtype) or pd.api.types.is_numeric_dtype(s.dtype):
                names.append(c)
            else:
                lv = tuple(sorted(pd.unique(s.dropna()).tolist(), key=str))
                levels[c] = lv
                names.extend(f"{c}[{v}]" for v in lv[1:])
        return cls(tuple(covariates), levels, tuple(names))

    def matrix(self, df: pd.DataFrame, log: _ProblemLog, row0: int) -> np.ndarray:
        n = len(df)
        X = np.zeros((n, len(self.names)))
        X[:, 0] = 1.0
        j = 1
        for c in self.covariates:
            s = df[c]
            if c in self.levels:
                lv = self.levels[c]
                codes = pd.Index(lv).get_indexer(s)
                na = s.isna().to_numpy()
                log.add(c, "missing values", na, row0)
                unknown = (codes < 0) & ~na
                if unknown.any():
                    vals = tuple(pd.unique(s[unknown]).tolist()[:5])
                    log.add(c, f"values not seen in the sample (e.g. {', '.join(map(str, vals))})", unknown, row0)
                r = np.flatnonzero(codes >= 1)
                X[r, j + codes[r] - 1] = 1.0
                j += len(lv) - 1
                continue
            if pd.api.types.is_bool_dtype(s.dtype) or pd.api.types.is_numeric_dtype(s.dtype):
                v = s.to_numpy(dtype=float, na_value=np.nan)
            else:
                v = pd.to_numeric(s, errors="coerce").to_numpy(dtype=float, na_value=np.nan)
                log.add(c, "not a number", np.isnan(v) & s.notna().to_numpy(), row0)
            log.add(c, "missing values", s.isna().to_numpy(), row0)
            log.add(c, "infinite values", np.isinf(v), row0)
            X[:, j] = v
            j += 1
        return X


def _positive_column(df: pd.DataFrame, col: str, log: _ProblemLog, row0: int, what: str) -> np.ndarray:
    v = pd.to_numeric(df[col], errors="coerce").to_numpy(dtype=float, na_value=np.nan)
    log.add(col, f"{what}: missing or not a number", np.isnan(v), row0)
    log.add(col, f"{what}: must be positive and finite", ~np.isnan(v) & ~(np.isfinite(v) & (v > 0)), row0)
    return v


class EBP:
    """Unit-level EBP / CensusEB poverty mapping (see the module docstring).

    Parameters
    ----------
    transform
        ``"box_cox"`` (default; lambda estimated in ``lambda_bounds``), ``"log"``, ``"log_shift"``
        (shift estimated) or ``None``.
    indicators
        Names among ``fgt0``, ``fgt1``, ``fgt2``, ``mean``, and callables ``f(y, line)`` (or
        ``f(y, line, weight)``) returning one value per area and draw.
    line
        Poverty line: a number or the name of a per-unit column (census, and sample for the
        direct estimates). Poor means y <= line.
    L
        Monte Carlo draws.
    seed
        Integer seed (``None``: fresh entropy, reported in the result).
    mse
        ``None`` or ``"bootstrap"`` (B replicates, ``L_boot`` draws each, default ``min(L, 50)``).
    weights
        Use the survey weights in the fit (pseudo-EB, Guadarrama, Molina & Rao 2018).
    unit
        ``"household"`` or ``"person"`` (households weighted by ``hh_size``).
    transform_param
        Fixed Box-Cox lambda or log-shift shift (not estimated).
    workers
        Threads (default: all cores); results do not depend on it.
    chunk_size
        Census rows per block (rounded up to a multiple of 65,536).
    """

    def __init__(self, transform: str | None = "box_cox", *, indicators: Sequence = BUILTINS,
                 line: float | str | None = None, L: int = 100, seed: int | None = None,
                 mse: str | None = None, B: int = 50, L_boot: int | None = None, weights: bool = False,
                 unit: str = "household", transform_param: float | None = None,
                 lambda_bounds: tuple[float, float] = (-1.0, 2.0), workers: int | None = None,
                 chunk_size: int = 4 * RNG_BLOCK):
        bad = []
        if transform not in _TRANSFORMS:
            bad.append(f"transform must be one of log, log_shift, box_cox, None (got {transform!r})")
        if mse not in (None, "bootstrap"):
            bad.append(f"mse must be None or 'bootstrap' (got {mse!r})")
        if unit not in ("household", "person"):
            bad.append(f"unit must be 'household' or 'person' (got {unit!r})")
        for name, v in (("L", L), ("B", B), ("chunk_size", chunk_size)):
            if not isinstance(v, int | np.integer) or v < 1:
                bad.append(f"{name} must be a positive integer (got {v!r})")
        if L_boot is not None and (not isinstance(L_boot, int | np.integer) or L_boot < 1):
            bad.append(f"L_boot must be a positive integer (got {L_boot!r})")
        if isinstance(line, int | float) and not (np.isfinite(line) and line > 0):
            bad.append(f"line must be positive (got {line!r})")
        names, self._callables = [], []
        for ind in indicators:
            if callable(ind):
                name = getattr(ind, "__name__", "indicator")
                self._callables.append(ind)
            elif ind in BUILTINS:
                name = ind
            else:
                bad.append(f"unknown indicator {ind!r}: use {', '.join(BUILTINS)} or a callable f(y, line)")
                continue
            if name in names:
                bad.append(f"indicator {name!r} given twice")
            names.append(name)
        if any(n.startswith("fgt") for n in names) or self._callables:
            if line is None:
                bad.append("FGT and callable indicators need a poverty line (line=number or column name)")
        if bad:
            raise EstimatorInputError("EBP: " + "; ".join(bad))
        self.transform, self.indicators, self.line, self.L, self.seed = transform, tuple(indicators), line, L, seed
        self.mse, self.B, self.L_boot, self.weights, self.unit = mse, B, L_boot, weights, unit
        self.transform_param, self.lambda_bounds = transform_param, lambda_bounds
        self.workers = workers
        self.chunk_size = -(-int(chunk_size) // RNG_BLOCK) * RNG_BLOCK
        self._names = names
        self._kinds = tuple(n for n in names if n in BUILTINS)
        self._pass_weight = [len(inspect.signature(f).parameters) >= 3 for f in self._callables]

    # ------------------------------------------------------------------ fit
    def fit(self, sample: pd.DataFrame, *, y: str, covariates: Sequence[str], area: str,
            weight: str | None = None, hh_size: str | None = None) -> EBP:
        """Fit the nested-error model to the survey ``sample`` (one row per household).

        ``weight``: survey weights (used in the fit if ``weights=True``, and for the direct
        estimates); ``hh_size``: persons per household, for the person-level direct estimates
        and ``include_sample`` when ``unit="person"`` (without it the direct estimates are NaN).
        """
        if not isinstance(sample, pd.DataFrame):
            raise EstimatorInputError(f"EBP.fit: sample must be a pandas DataFrame, got {type(sample).__name__}")
        if isinstance(covariates, str):
            covariates = [covariates]
        if self.weights and weight is None:
            raise EstimatorInputError("EBP.fit: weights=True needs weight=<column of survey weights>")
        log = _ProblemLog("sample")
        needed = [y, area, *covariates] + [c for c in (weight, hh_size) if c]
        missing = [c for c in dict.fromkeys(needed) if c not in sample.columns]
        if missing:
            raise DataValidationError([Problem("missing column", file="sample", location=c) for c in missing])
        yv = pd.to_numeric(sample[y], errors="coerce").to_numpy(dtype=float, na_value=np.nan)
        log.add(y, "missing or not a number", ~np.isfinite(yv), 0)
        kind = _TRANSFORMS[self.transform]
        if kind == "log":
            log.add(y, "log transform needs y > 0 (use transform='log_shift' or 'box_cox')",
                    np.isfinite(yv) & (yv <= 0), 0)
        log.add(area, "missing area", sample[area].isna().to_numpy(), 0)
        enc = _Encoding.from_sample(sample, covariates)
        X = enc.matrix(sample, log, 0)
        w = _positive_column(sample, weight, log, 0, "survey weight") if weight else None
        hh = _positive_column(sample, hh_size, log, 0, "household size") if hh_size else None
        if log:
            raise DataValidationError(log.problems(), title="the sample cannot be used")
        codes, labels = pd.factorize(sample[area], sort=True)
        m, n, p = len(labels), len(yv), X.shape[1]
        if m < 2 or n <= p + 1:
            raise EstimatorInputError(f"EBP.fit: {n} units in {m} areas cannot identify {p} coefficients and two "
                                      "variance components (need >= 2 areas and more units than coefficients + 1)")
        constant = [nm for nm, sd in zip(enc.names[1:], X[:, 1:].std(axis=0), strict=True) if sd == 0]
        if constant:
            raise EstimatorInputError(f"EBP.fit: covariates constant in the sample: {', '.join(constant)}")
        design = Design.build(X, codes.astype(np.intp), m)
        rank = np.linalg.matrix_rank(design.X)
        if rank < p:
            raise EstimatorInputError(f"EBP.fit: the {p} design columns are collinear (rank {rank}): "
                                      f"{', '.join(enc.names)}")
        self.encoding_, self.design_, self.area_labels_ = enc, design, list(labels)
        self.sample_ = {"y": yv, "w": w, "hh": hh, "codes": codes.astype(np.intp), "X": X,
                        "line": self._sample_line(sample), "area": area}
        self.fit_info_ = {"y": y, "covariates": list(covariates), "area": area, "weight": weight, "hh_size": hh_size}
        self.params_ = self._fit_params(yv, w, kind)
        return self

    def _sample_line(self, sample: pd.DataFrame):
        if isinstance(self.line, str):
            if self.line not in sample.columns:
                return None
            v = pd.to_numeric(sample[self.line], errors="coerce").to_numpy(dtype=float)
            return v if np.all(np.isfinite(v) & (v > 0)) else None
        return self.line

    def _fit_params(self, y: np.ndarray, w: np.ndarray | None, kind: str) -> Params:
        """Transformation, REML and (``weights=True``) pseudo-EB weighting on sample welfare y."""
        t = estimate(kind, y, self.design_, fixed=self.transform_param, bounds=self.lambda_bounds)
        z = t.forward(y)
        if not np.all(np.isfinite(z)):
            raise DataValidationError([Problem(f"transform {t.describe()} undefined for some values", file="sample",
                                               location=self.fit_info_["y"],
                                               rows=int(np.sum(~np.isfinite(z))),
                                               examples=_rows(~np.isfinite(z), 0))])
        r = fit_reml(self.design_, z)
        loglik = r.loglik + t.log_jacobian(y)
        if self.weights and w is not None:
            beta, gamma, u_hat = fit_pseudo_eb(self.design_, z, w, r.sigma2_u, r.sigma2_e)
            return Params(t, beta, None, r.sigma2_u, r.sigma2_e, u_hat, gamma, loglik, r.converged)
        return Params(t, r.beta, r.cov_beta, r.sigma2_u, r.sigma2_e, r.u_hat, r.gamma, loglik, r.converged)

    def _check_fitted(self) -> None:
        if not hasattr(self, "params_"):
            raise NotFittedError("EBP: call fit() before predict() or model_summary()")

    # -------------------------------------------------------------- summary
    def model_summary(self) -> ModelSummary:
        """Coefficients, variance components, transformation, R2, ICC and diagnostics (skewness
        and excess kurtosis of the standardised unit residuals and of the area effects;
        Shapiro-Wilk on the area effects and on up to 5,000 unit residuals)."""
        self._check_fitted()
        p, s = self.params_, self.sample_
        names = self.encoding_.names
        se = np.sqrt(np.diag(p.cov_beta)) if p.cov_beta is not None else np.full(len(names), np.nan)
        coef = pd.DataFrame({"term": names, "estimate": p.beta, "se": se, "z": p.beta / se})
        z = p.transform.forward(s["y"])
        fixed = s["X"] @ p.beta
        resid = (z - fixed - p.u_hat[s["codes"]]) / np.sqrt(p.sigma2_e)
        var_f = float(np.var(fixed))
        total = var_f + p.sigma2_u + p.sigma2_e
        diag = {"residual_skewness": float(stats.skew(resid)),
                "residual_kurtosis": float(stats.kurtosis(resid))}
        if len(p.u_hat) >= 3 and np.ptp(p.u_hat) > 0:
            diag.update(area_effect_skewness=float(stats.skew(p.u_hat)),
                        area_effect_kurtosis=float(stats.kurtosis(p.u_hat)))
            sw = stats.shapiro(p.u_hat)
            diag.update(shapiro_area_W=float(sw.statistic), shapiro_area_p=float(sw.pvalue))
        step = max(1, len(resid) // 5000)
        sw = stats.shapiro(resid[::step][:5000])
        diag.update(shapiro_residual_W=float(sw.statistic), shapiro_residual_p=float(sw.pvalue))
        t = p.transform
        return ModelSummary(
            coef, p.sigma2_u, p.sigma2_e, p.sigma2_u / (p.sigma2_u + p.sigma2_e), var_f / total,
            (var_f + p.sigma2_u) / total, t.describe(), t.lam if t.kind == "box_cox" else None,
            t.shift if t.kind in ("box_cox", "log_shift") else None, p.loglik, len(s["y"]), len(p.u_hat),
            "pseudo-EB (Guadarrama-Molina-Rao 2018)" if self.weights else "none", diag)

    # -------------------------------------------------------------- predict
    def predict(self, census: pd.DataFrame | Iterable[pd.DataFrame], *, area: str, weight: str | None = None,
                hh_size: str | None = None, aggregate_to: str | Mapping | pd.Series | None = None,
                include_sample: bool = False, benchmark: Mapping | None = None) -> EBPResult:
        """Estimate the indicators by area of ``census`` (a DataFrame or an iterable of
        DataFrame chunks, streamed once).

        Parameters
        ----------
        area
            Census column of the areas (the sample's area codes, same dtype).
        weight, hh_size
            Census columns: households each row stands for; persons per household (needed
            for ``unit="person"``).
        aggregate_to
            A census column or a mapping area -> higher area: indicators also over the pooled
            population of each higher area, per draw.
        include_sample
            Molina-Rao EB: ``census`` holds the non-sampled units, the sample's observed
            welfare completes each area (default CensusEB: every census unit simulated).
        benchmark
            Ratio-benchmarking targets, see :meth:`EBPResult.benchmark` (group targets are keyed
            by ``aggregate_to``).
        """
        self._check_fitted()
        t0 = time.perf_counter()
        if self.unit == "person" and hh_size is None:
            raise EstimatorInputError("EBP.predict: unit='person' needs hh_size=<census column>")
        if isinstance(census, pd.DataFrame):
            chunks: Iterable = [census]
        elif isinstance(census, Iterable) and not isinstance(census, str | bytes | Mapping):
            chunks = census
        else:
            raise EstimatorInputError("EBP.predict: census must be a DataFrame or an iterable of DataFrames, "
                                      f"got {type(census).__name__}")
        if include_sample and self.unit == "person" and self.sample_["hh"] is None:
            raise EstimatorInputError("EBP.predict: include_sample with unit='person' needs hh_size= in fit")
        if include_sample and isinstance(self.line, str) and self.sample_["line"] is None:
            raise EstimatorInputError(f"EBP.predict: include_sample needs the line column {self.line!r} in the sample")
        entropy = int(np.random.SeedSequence().entropy) if self.seed is None else int(self.seed)
        workers = self.workers or os.cpu_count() or 1
        jobs = self._jobs(entropy, include_sample)
        registry = Registry(self.area_labels_, entropy, jobs)
        weighted = weight is not None or self.unit == "person"
        agg = _Aggregation(aggregate_to)
        blocks = self._blocks(chunks, area, weight, hh_size, weighted, registry, agg, include_sample)
        engine = Engine(entropy, jobs, self._kinds, workers)
        cvals = None
        if self._callables:
            held = list(blocks)
            higher = agg.array(registry)
            cvals = engine.run_in_memory(held, registry, self._callables, higher if agg.active else None,
                                         len(agg.labels), self._pass_weight)
        else:
            engine.run_streaming(blocks, registry)
        frame, members = self._results(engine, registry, agg, cvals)
        result = EBPResult(frame, self.L, entropy, self.params_.transform.describe(), time.perf_counter() - t0,
                           self.B if self.mse else 0, members=members)
        if benchmark:
            by = agg.mapping_for(registry) if agg.active else None
            result = result.benchmark(benchmark, by=by)
        result.seconds = time.perf_counter() - t0
        self.result_ = result
        return result

    # ---------------------------------------------------- census in partitions
    def prediction_jobs(self) -> tuple[int, list[Job]]:
        """``(entropy, jobs)`` of a partitioned prediction (:meth:`predict_partition`): the
        seed's entropy and the Monte Carlo jobs (point, and the bootstrap refits, done once)."""
        self._check_fitted()
        if self._callables:
            raise EstimatorInputError("EBP: a census in partitions needs built-in indicators only "
                                      f"({', '.join(BUILTINS)}); callables need each area's whole population")
        entropy = int(np.random.SeedSequence().entropy) if self.seed is None else int(self.seed)
        return entropy, self._jobs(entropy, False)

    def predict_partition(self, census: pd.DataFrame | Iterable[pd.DataFrame], *, area: str, partition: int,
                          entropy: int, jobs: list[Job], weight: str | None = None, hh_size: str | None = None,
                          aggregate_to: str | None = None, workers: int | None = None) -> PartialPrediction:
        """Per-area Monte Carlo sums of one partition of the census (e.g. one province),
        CensusEB. The unit errors of the partition come from random-number rows starting at
        ``partition * 2**40``, so a partition's sums depend only on its rows, ``partition``
        and the seed: merge partitions with :meth:`combine_partitions` in any process."""
        self._check_fitted()
        if self.unit == "person" and hh_size is None:
            raise EstimatorInputError("EBP.predict: unit='person' needs hh_size=<census column>")
        if not 0 <= int(partition) < 2**20:
            raise EstimatorInputError(f"EBP: partition must be in [0, 2**20), got {partition!r}")
        chunks = [census] if isinstance(census, pd.DataFrame) else census
        jobs = [replace(j, u=np.zeros((0, 0))) for j in jobs]
        registry = Registry(self.area_labels_, entropy, jobs)
        weighted = weight is not None or self.unit == "person"
        column = aggregate_to if isinstance(aggregate_to, str) else None
        agg = _Aggregation(column)
        blocks = self._blocks(chunks, area, weight, hh_size, weighted, registry, agg, False,
                              first_row=int(partition) << 40)
        engine = Engine(entropy, jobs, self._kinds, workers or os.cpu_count() or 1)
        engine.run_streaming(blocks, registry)
        engine._grow(len(registry))
        higher = {registry.labels[a]: agg.labels[j] for a, j in agg.of_area.items()} if column else {}
        return PartialPrediction(list(registry.labels), engine.sums, engine.pop, engine.rows, higher)

    def combine_partitions(self, partials: Sequence[PartialPrediction], *, entropy: int, jobs: list[Job],
                           aggregate_to: str | Mapping | pd.Series | None = None,
                           benchmark: Mapping | None = None, seconds: float = 0.0) -> EBPResult:
        """The :class:`EBPResult` of partitions' sums (added in the order of ``partials``)."""
        self._check_fitted()
        t0 = time.perf_counter()
        jobs = [replace(j, u=np.zeros((0, 0))) for j in jobs]
        registry = Registry(self.area_labels_, entropy, jobs)
        index = [registry.codes(p.labels) for p in partials]
        m = len(registry)
        engine = Engine(entropy, jobs, self._kinds, 1)
        engine._grow(m)
        for p, idx in zip(partials, index, strict=True):
            k = p.pop.shape[0]
            for acc, part in zip(engine.sums, p.sums, strict=True):
                acc[..., idx[:k]] += part
            engine.pop[idx[:k]] += p.pop
            engine.rows[idx[:k]] += p.rows
        if isinstance(aggregate_to, str):
            mapping: dict = {}
            for p in partials:
                for a, hl in p.higher.items():
                    if mapping.setdefault(a, hl) != hl:
                        raise DataValidationError([Problem(f"area {a!r} lies in several {aggregate_to} values",
                                                           file="census", location=aggregate_to,
                                                           examples=(a, mapping[a], hl))],
                                                  title="the census cannot be used")
            agg = _Aggregation(mapping)
            agg.level_name = aggregate_to
        else:
            agg = _Aggregation(aggregate_to)
        if agg.mapping is not None and not isinstance(aggregate_to, str):
            missing = [registry.labels[a] for a in np.flatnonzero(engine.pop > 0)
                       if registry.labels[a] not in agg.mapping]
            if missing:
                raise DataValidationError([Problem("areas missing from the aggregate_to mapping", file="census",
                                                   location="aggregate_to", rows=len(missing),
                                                   examples=tuple(missing[:5]))], title="the census cannot be used")
        frame, members = self._results(engine, registry, agg, None)
        result = EBPResult(frame, self.L, entropy, self.params_.transform.describe(),
                           seconds + time.perf_counter() - t0, self.B if self.mse else 0, members=members)
        if benchmark:
            by = agg.mapping_for(registry) if agg.active else None
            result = result.benchmark(benchmark, by=by)
        result.seconds = seconds + time.perf_counter() - t0
        self.result_ = result
        return result

    # jobs: point prediction, and per bootstrap replicate its population and its re-prediction
    def _jobs(self, entropy: int, include_sample: bool) -> list[Job]:
        p, s = self.params_, self.sample_
        sd = np.sqrt(p.sigma2_u * np.clip(1.0 - p.gamma, 0.0, None))
        point = Job(0, self.L, p.beta, np.sqrt(p.sigma2_e), p.transform, p.u_hat, sd, np.sqrt(p.sigma2_u),
                    keep_draws=True, sample_y=s["y"] if include_sample else None)
        jobs = [point]
        if self.mse != "bootstrap":
            return jobs
        kind = _TRANSFORMS[self.transform]
        L_boot = self.L_boot or min(self.L, 50)
        keys = [area_key(a) for a in self.area_labels_]
        mu_s = s["X"] @ p.beta
        sigma_u, sigma_e = np.sqrt(p.sigma2_u), np.sqrt(p.sigma2_e)
        for b in range(self.B):
            # the replicate's area effects: the same stream as the census areas' in its truth job
            u_b = np.array([sigma_u * generator(entropy, BOOT_U_STREAM, b, k).standard_normal() for k in keys])
            e_b = generator(entropy, BOOT_E_STREAM, b).standard_normal(len(mu_s))
            y_b = p.transform.inverse(mu_s + u_b[s["codes"]] + sigma_e * e_b)
            q = self._fit_params(y_b, s["w"], kind)
            sd_b = np.sqrt(q.sigma2_u * np.clip(1.0 - q.gamma, 0.0, None))
            jobs.append(Job(1 + 2 * b, 1, p.beta, sigma_e, p.transform, np.zeros(0), np.zeros(0), 0.0,
                            truth_b=b, sigma_u=sigma_u, sample_y=y_b if include_sample else None))
            jobs.append(Job(2 + 2 * b, L_boot, q.beta, np.sqrt(q.sigma2_e), q.transform, q.u_hat, sd_b,
                            np.sqrt(q.sigma2_u), sample_y=y_b if include_sample else None))
        return jobs

    def _blocks(self, chunks, area, weight, hh_size, weighted, registry, agg, include_sample, first_row: int = 0):
        """Validated census chunks as blocks; raises with every problem found in every chunk.
        ``first_row``: the random-number row of the first census row (a multiple of 65,536)."""
        log = _ProblemLog("census")
        reblock = Reblocker(self.chunk_size)
        reblock.row0 = first_row
        enc = self.encoding_
        row0, checked_overlap = 0, False
        line_col = self.line if isinstance(self.line, str) else None
        for chunk in chunks:
            if not isinstance(chunk, pd.DataFrame):
                raise EstimatorInputError(f"EBP.predict: census chunks must be DataFrames, got {type(chunk).__name__}")
            needed = [area, *enc.covariates] + [c for c in (weight, hh_size, line_col, agg.column) if c]
            missing = [c for c in dict.fromkeys(needed) if c not in chunk.columns]
            if missing:
                raise DataValidationError([Problem("missing column", file="census", location=c) for c in missing])
            n = len(chunk)
            X = enc.matrix(chunk, log, row0)
            na_area = chunk[area].isna().to_numpy()
            log.add(area, "missing area", na_area, row0)
            line = _positive_column(chunk, line_col, log, row0, "poverty line") if line_col else self.line
            w = None
            if weighted:
                w = _positive_column(chunk, weight, log, row0, "weight") if weight else np.ones(n)
                if self.unit == "person":
                    w = w * _positive_column(chunk, hh_size, log, row0, "household size")
            if log:  # keep checking the rest, compute nothing more
                row0 += n
                continue
            codes, uniques = pd.factorize(chunk[area])
            idx = registry.codes(list(uniques))
            if not checked_overlap:
                checked_overlap = True
                self._check_area_dtype(uniques, registry)
            agg.add(chunk, codes, idx, registry, log, row0)
            if line is None:
                line = 1.0  # no FGT requested: the line is never read
            yield from reblock.push(X, idx[codes], line, w)
            row0 += n
        if log:
            raise DataValidationError(log.problems(), title="the census cannot be used")
        if row0 == 0 and not include_sample:
            raise EstimatorInputError("EBP.predict: the census is empty")
        yield from reblock.flush()
        if include_sample:
            yield self._sample_block(reblock.count, weighted)

    def _check_area_dtype(self, uniques, registry) -> None:
        found = [a for a in uniques if registry.index[a] < registry.n_sample]
        if found or not len(uniques):
            return
        def kind(v):
            return "text" if isinstance(v, str) else "number" if isinstance(v, int | float | np.number) \
                else type(v).__name__

        s_type, c_type = kind(registry.labels[0]), kind(uniques[0])
        if s_type != c_type:
            raise DataValidationError([Problem(
                f"census areas are {c_type} (e.g. {uniques[0]!r}) but sample areas are {s_type} "
                f"(e.g. {registry.labels[0]!r}): no census area matches a sampled area",
                file="census", location=self.sample_["area"])], title="areas unknown")

    def _sample_block(self, index: int, weighted: bool) -> Block:
        s = self.sample_
        w = None
        if weighted:
            w = np.ones(len(s["y"])) if self.unit == "household" else s["hh"].astype(float)
        line = s["line"] if s["line"] is not None else (self.line if not isinstance(self.line, str) else 1.0)
        return Block.build(index, 0, None, s["codes"], line, w, fixed=True)

    # -------------------------------------------------------------- results
    def _results(self, engine: Engine, registry: Registry, agg: _Aggregation, cvals):
        m = len(registry)
        pop, rows = engine.pop, engine.rows
        present = np.flatnonzero(pop > 0)
        higher = agg.array(registry)
        h = len(agg.labels)
        M = np.zeros((m, h))
        if h:
            ok = higher >= 0
            M[np.flatnonzero(ok), higher[ok]] = 1.0
        pop_all = np.r_[pop, pop @ M]

        def builtin(sums, n_draws):  # (..., K, m) -> (..., K, m + h) values
            with np.errstate(invalid="ignore", divide="ignore"):
                return np.concatenate([sums, sums @ M], axis=-1) / (pop_all * n_draws)

        point = builtin(engine.sums[0], 1)  # (L, K, m + h)
        est = point.mean(axis=0)
        mc = point.std(axis=0, ddof=1) / np.sqrt(self.L) if self.L > 1 else np.full_like(est, np.nan)
        if self._callables:
            est = np.concatenate([est, cvals[0].mean(axis=0)])
            mc = np.concatenate([mc, cvals[0].std(axis=0, ddof=1) / np.sqrt(self.L) if self.L > 1
                                 else np.full_like(cvals[0][0], np.nan)])
        mse = np.full_like(est, np.nan)
        if self.mse == "bootstrap":
            sq = np.zeros_like(est)
            for b in range(self.B):
                jt, jp = 1 + 2 * b, 2 + 2 * b
                truth = builtin(engine.sums[jt], 1)
                pred = builtin(engine.sums[jp], engine.jobs[jp].n_draws)
                if self._callables:
                    truth = np.concatenate([truth, cvals[jt]])
                    pred = np.concatenate([pred, cvals[jp] / engine.jobs[jp].n_draws])
                sq += (pred - truth) ** 2
            mse = sq / self.B
        names = list(self._kinds) + [getattr(f, "__name__", "indicator") for f in self._callables]
        order = [self._names.index(nm) for nm in names]
        direct = self._direct(registry, agg, m, h, names)
        s = self.sample_
        n_s = np.zeros(m + h)
        n_s[: registry.n_sample] = np.bincount(s["codes"], minlength=registry.n_sample)
        n_s[m:] = n_s[:m] @ M
        rows_all = np.r_[rows, rows @ M]
        frames = []
        members = {}
        level_name = agg.level_name
        sel_higher = np.arange(m, m + h)[pop_all[m:] > 0]
        for lvl, idx, labels in (("area", present, registry.labels), (level_name, sel_higher, agg.labels)):
            if not len(idx):
                continue
            lab = [labels[i] if lvl == "area" else labels[i - m] for i in idx]
            for k, nm in enumerate(names):
                e = est[k, idx]
                frames.append(pd.DataFrame({
                    "level": lvl, "area": lab, "indicator": nm, "estimate": e, "mse": mse[k, idx],
                    "cv": np.sqrt(mse[k, idx]) / e, "mc_se": mc[k, idx], "direct": direct[k, idx],
                    "in_sample": n_s[idx] > 0, "n_sample": n_s[idx].astype(int),
                    "n_census": rows_all[idx].astype(int), "population": pop_all[idx],
                    "_order": order[k]}))
        if h:
            members[level_name] = {registry.labels[i]: agg.labels[higher[i]] for i in present if higher[i] >= 0}
        frame = pd.concat(frames, ignore_index=True)
        frame["_lvl"] = (frame["level"] != "area").astype(int)
        try:
            frame = frame.sort_values(["_lvl", "area", "_order"], kind="stable")
        except TypeError:  # labels of mixed types
            frame = frame.sort_values(["_lvl", "_order"], kind="stable")
        return frame.drop(columns=["_lvl", "_order"]).reset_index(drop=True), members

    def _direct(self, registry: Registry, agg: _Aggregation, m: int, h: int, names: list[str]) -> np.ndarray:
        """Hajek estimates from the sample (weighted if a weight was given) by area and level."""
        s = self.sample_
        out = np.full((len(names), m + h), np.nan)
        ms = registry.n_sample
        w = s["w"] if s["w"] is not None else np.ones(len(s["y"]))
        if self.unit == "person":
            if s["hh"] is None:
                return out
            w = w * s["hh"]
        y, codes, line = s["y"], s["codes"], s["line"]
        higher = agg.array(registry)[codes] if h else None
        groups = [(codes, 0, ms)] + ([(higher, m, h)] if h else [])
        for k, nm in enumerate(names):
            if nm in BUILTINS:
                if nm != "mean" and line is None:
                    continue
                if nm == "mean":
                    g = y
                else:
                    gap = np.maximum(1.0 - y / line, 0.0)
                    g = {"fgt0": (y <= line).astype(float), "fgt1": gap, "fgt2": gap**2}[nm]
                for c, off, size in groups:
                    ok = c >= 0
                    num = np.bincount(c[ok], weights=(w * g)[ok], minlength=size)
                    den = np.bincount(c[ok], weights=w[ok], minlength=size)
                    with np.errstate(invalid="ignore", divide="ignore"):
                        out[k, off:off + size] = num / den
            elif line is not None:
                f = self._callables[names.index(nm) - len(self._kinds)]
                pw = self._pass_weight[names.index(nm) - len(self._kinds)]
                for c, off, size in groups:
                    for g_ in range(size):  # a loop over areas
                        sel = c == g_
                        if sel.any():
                            ln = line if np.isscalar(line) else line[sel]
                            out[k, off + g_] = f(y[sel], ln, w[sel]) if pw else f(y[sel], ln)
        return out


@dataclass
class PartialPrediction:
    """Per-area Monte Carlo sums of one census partition (:meth:`EBP.predict_partition`)."""

    labels: list
    sums: list[np.ndarray]
    pop: np.ndarray
    rows: np.ndarray
    higher: dict = field(default_factory=dict)


class _Aggregation:
    """Areas -> higher areas (a census column or a mapping), checked as the census streams."""

    def __init__(self, spec):
        self.column = spec if isinstance(spec, str) else None
        self.mapping = dict(spec.items()) if isinstance(spec, Mapping | pd.Series) else None
        if spec is not None and self.column is None and self.mapping is None:
            raise EstimatorInputError("EBP.predict: aggregate_to must be a census column name or a mapping "
                                      f"area -> higher area, got {type(spec).__name__}")
        self.active = spec is not None
        self.level_name = self.column or "aggregate"
        self.labels: list = []
        self.index: dict = {}
        self.of_area: dict[int, int] = {}

    def _higher(self, label) -> int:
        j = self.index.get(label)
        if j is None:
            j = self.index[label] = len(self.labels)
            self.labels.append(label)
        return j

    def add(self, chunk, codes, idx, registry, log: _ProblemLog, row0: int) -> None:
        if not self.active:
            return
        if self.mapping is not None:
            for a in idx:
                if a not in self.of_area:
                    label = registry.labels[a]
                    if label in self.mapping:
                        self.of_area[a] = self._higher(self.mapping[label])
            unknown = [registry.labels[a] for a in idx if a not in self.of_area]
            if unknown:
                log.add("aggregate_to", "areas missing from the aggregate_to mapping",
                        np.isin(codes, [i for i, a in enumerate(idx) if a not in self.of_area]), row0)
            return
        col = chunk[self.column]
        log.add(self.column, "missing values", col.isna().to_numpy(), row0)
        pairs = pd.DataFrame({"a": idx[codes], "h": col.to_numpy()}).drop_duplicates()
        for a, hl in zip(pairs["a"], pairs["h"], strict=True):  # a loop over (area, higher) pairs
            if pd.isna(hl):
                continue
            j = self._higher(hl)
            if self.of_area.setdefault(a, j) != j:
                log.add(self.column, f"area {registry.labels[a]!r} lies in several {self.column} values",
                        examples=(registry.labels[a], self.labels[self.of_area[a]], hl))

    def array(self, registry: Registry) -> np.ndarray:
        """Higher-area index of every registered area (-1: none)."""
        if self.mapping is not None:  # also sample areas absent from the census
            for a, label in enumerate(registry.labels):
                if a not in self.of_area and label in self.mapping:
                    self.of_area[a] = self._higher(self.mapping[label])
        out = np.full(len(registry), -1, dtype=np.intp)
        for a, j in self.of_area.items():
            out[a] = j
        return out

    def mapping_for(self, registry: Registry) -> dict:
        return {registry.labels[a]: self.labels[j] for a, j in self.of_area.items()}
