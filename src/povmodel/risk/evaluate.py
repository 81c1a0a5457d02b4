"""Honest evaluation of risk scores: weighted discrimination, calibration and targeting metrics.

Every function takes survey weights ``w`` (``None``: every row weighs 1) so that the metrics
describe the population, not the sample. ``y`` is a binary outcome (0/1 or boolean) and ``p``
a predicted probability of ``y == 1``.

Targeting metrics rank households by ``p`` (highest first) and target a share of the weighted
population. Tied scores form one block that is targeted proportionally when the budget ends
inside it (the expectation under a random tie-break), so that results do not depend on the
order of the rows and the targeted share is exactly the requested one.

:func:`grouped_cv_predictions` produces out-of-fold probabilities where no group (e.g. a
province) is in both the training and the test folds: the honest input to these metrics.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd
from sklearn.base import clone
from sklearn.metrics import roc_auc_score
from sklearn.model_selection import GroupKFold
from sklearn.utils import _safe_indexing

from povmodel.errors import PovmodelError

__all__ = [
    "auc",
    "brier",
    "expected_calibration_error",
    "reliability_curve",
    "targeting_curve",
    "inclusion_exclusion",
    "prob_mae",
    "metrics_table",
    "grouped_cv_predictions",
]


# -- validation ---------------------------------------------------------------------------------
def _vector(name: str, values, *, n: int | None = None) -> np.ndarray:
    try:
        arr = np.asarray(values, dtype=np.float64)
    except (TypeError, ValueError) as exc:
        raise PovmodelError(f"{name} must be numeric: {exc}") from None
    if arr.ndim != 1:
        raise PovmodelError(f"{name} must be one-dimensional, got shape {arr.shape}")
    if n is not None and len(arr) != n:
        raise PovmodelError(f"{name} has {len(arr)} values but y has {n}: lengths must match")
    bad = ~np.isfinite(arr)
    if bad.any():
        raise PovmodelError(f"{name} has {int(bad.sum())} non-finite value(s) (NaN or infinite)")
    return arr


def _outcome(y) -> np.ndarray:
    arr = _vector("y", y)
    if len(arr) == 0:
        raise PovmodelError("y is empty")
    if not np.isin(arr, (0.0, 1.0)).all():
        raise PovmodelError("y must be binary (0/1 or boolean)")
    return arr


def _probability(name: str, p, n: int) -> np.ndarray:
    arr = _vector(name, p, n=n)
    out = (arr < 0) | (arr > 1)
    if out.any():
        raise PovmodelError(f"{name} must be probabilities in [0, 1]; {int(out.sum())} value(s) are not")
    return arr


def _weights(w, n: int) -> np.ndarray:
    if w is None:
        return np.ones(n)
    arr = _vector("w", w, n=n)
    if (arr < 0).any():
        raise PovmodelError("w (sample weights) must be non-negative")
    if arr.sum() <= 0:
        raise PovmodelError("w (sample weights) must have a positive sum")
    return arr


def _checked(y, p, w) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    y = _outcome(y)
    return y, _probability("p", p, len(y)), _weights(w, len(y))


def _bins(bins: int) -> int:
    if not isinstance(bins, int | np.integer) or bins < 1:
        raise PovmodelError(f"bins must be a positive integer, got {bins!r}")
    return int(bins)


def _share(name: str, share: float) -> float:
    share = float(share)
    if not 0 < share <= 1:
        raise PovmodelError(f"{name} must be in (0, 1], got {share}")
    return share


# -- discrimination and accuracy ----------------------------------------------------------------
def auc(y, p, w=None) -> float:
    """Weighted area under the ROC curve (:func:`sklearn.metrics.roc_auc_score`)."""
    y, p, w = _checked(y, p, w)
    if len(np.unique(y[w > 0])) < 2:
        raise PovmodelError("auc needs both outcomes (0 and 1) among rows with positive weight")
    return float(roc_auc_score(y, p, sample_weight=w))


def brier(y, p, w=None) -> float:
    """Weighted Brier score: the weighted mean of ``(p - y)**2``."""
    y, p, w = _checked(y, p, w)
    return float(np.sum(w * (p - y) ** 2) / w.sum())


def prob_mae(p, p_true, w=None) -> float:
    """Weighted mean absolute difference between predicted and true probabilities."""
    p = _vector("p", p)
    p = _probability("p", p, len(p))
    p_true = _probability("p_true", p_true, len(p))
    w = _weights(w, len(p))
    return float(np.sum(w * np.abs(p - p_true)) / w.sum())


# -- calibration --------------------------------------------------------------------------------
def reliability_curve(y, p, w=None, bins: int = 10) -> pd.DataFrame:
    """Weighted reliability diagram on ``bins`` equal-width bins of ``p`` over [0, 1].

    One row per non-empty bin (bins with zero total weight are left out): ``bin`` (0-based
    index; bin ``k`` covers ``[k/bins, (k+1)/bins)``, the last one includes 1), ``p_mean`` and
    ``y_mean`` (weighted means of the prediction and the outcome) and ``weight`` (total weight).
    """
    y, p, w = _checked(y, p, w)
    bins = _bins(bins)
    idx = np.minimum((p * bins).astype(np.int64), bins - 1)
    weight = np.bincount(idx, weights=w, minlength=bins)
    wp = np.bincount(idx, weights=w * p, minlength=bins)
    wy = np.bincount(idx, weights=w * y, minlength=bins)
    keep = weight > 0
    return pd.DataFrame({
        "bin": np.arange(bins)[keep],
        "p_mean": wp[keep] / weight[keep],
        "y_mean": wy[keep] / weight[keep],
        "weight": weight[keep],
    })


def expected_calibration_error(y, p, w=None, bins: int = 10) -> float:
    """Expected calibration error: ``sum_b W_b / W * |mean_b(y) - mean_b(p)|`` over equal-width bins."""
    curve = reliability_curve(y, p, w, bins)
    share = curve["weight"].to_numpy() / curve["weight"].sum()
    return float(np.sum(share * np.abs(curve["y_mean"].to_numpy() - curve["p_mean"].to_numpy())))


# -- targeting ----------------------------------------------------------------------------------
def _captured(y: np.ndarray, p: np.ndarray, w: np.ndarray, share: float) -> float:
    """Weight of positives among the top ``share`` of the weight, ranked by ``p`` descending."""
    levels, inverse = np.unique(-p, return_inverse=True)  # highest p first; ties form one block
    block_w = np.bincount(inverse, weights=w, minlength=len(levels))
    block_pos = np.bincount(inverse, weights=w * y, minlength=len(levels))
    budget = share * w.sum()
    cum = np.cumsum(block_w)
    before = cum - block_w
    # fraction of each block that is targeted: 1 for blocks inside the budget, partial for the
    # block where the budget ends, 0 after it
    with np.errstate(invalid="ignore", divide="ignore"):
        frac = np.where(block_w > 0, np.clip((budget - before) / block_w, 0.0, 1.0), 0.0)
    return float(np.sum(frac * block_pos))


def targeting_curve(y, p, w=None, shares: Sequence[float] = (0.05, 0.1, 0.2, 0.3, 0.5)) -> pd.DataFrame:
    """Targeting the highest-risk share of the (weighted) population.

    One row per share: ``share_targeted``, ``share_of_positives_captured`` (recall) and
    ``precision`` (share of the targeted who are positive).
    """
    y, p, w = _checked(y, p, w)
    total_pos = float(np.sum(w * y))
    if total_pos <= 0:
        raise PovmodelError("targeting_curve needs at least one positive (y == 1) with positive weight")
    rows = []
    for s in shares:
        s = _share("share", s)
        captured = _captured(y, p, w, s)
        rows.append({
            "share_targeted": s,
            "share_of_positives_captured": captured / total_pos,
            "precision": captured / (s * w.sum()),
        })
    return pd.DataFrame(rows, columns=["share_targeted", "share_of_positives_captured", "precision"])


def inclusion_exclusion(y, p, w=None, budget_share: float = 0.1) -> dict[str, float]:
    """Targeting errors when the top ``budget_share`` of the weighted population is targeted.

    ``inclusion_error``: share of the targeted who are not positive (leakage);
    ``exclusion_error``: share of the positives who are not targeted (under-coverage).
    """
    row = targeting_curve(y, p, w, shares=(budget_share,)).iloc[0]
    return {
        "inclusion_error": float(1.0 - row["precision"]),
        "exclusion_error": float(1.0 - row["share_of_positives_captured"]),
    }


# -- summary ------------------------------------------------------------------------------------
def metrics_table(y, p, w=None, p_true=None) -> dict[str, float]:
    """``auc``, ``brier`` and ``ece`` (10 bins), plus ``prob_mae_vs_truth`` when ``p_true`` is given."""
    out = {
        "auc": auc(y, p, w),
        "brier": brier(y, p, w),
        "ece": expected_calibration_error(y, p, w),
    }
    if p_true is not None:
        out["prob_mae_vs_truth"] = prob_mae(p, p_true, w)
    return out


# -- out-of-group predictions -------------------------------------------------------------------
def grouped_cv_predictions(estimator, X, y, groups, sample_weight=None, n_splits: int = 5) -> np.ndarray:
    """Out-of-fold probabilities of the positive class with :class:`~sklearn.model_selection.GroupKFold`.

    Each fold fits a clone of ``estimator`` (with the training rows' ``sample_weight``) on the
    rows of the other groups, so no group (e.g. a province) is in both training and test data.
    ``y`` must be binary; the positive class is the larger label.
    """
    y_arr = np.asarray(y)
    n = len(y_arr)
    if y_arr.ndim != 1:
        raise PovmodelError(f"y must be one-dimensional, got shape {y_arr.shape}")
    if len(X) != n:
        raise PovmodelError(f"X has {len(X)} rows but y has {n}: lengths must match")
    groups = np.asarray(groups)
    if len(groups) != n:
        raise PovmodelError(f"groups has {len(groups)} values but y has {n}: lengths must match")
    if pd.isna(groups).any():
        raise PovmodelError("groups has missing values")
    classes = np.unique(y_arr)
    if len(classes) != 2:
        raise PovmodelError(f"grouped_cv_predictions needs a binary target, got classes {classes.tolist()!r}")
    if sample_weight is not None:
        sample_weight = _weights(sample_weight, n)
    n_groups = len(np.unique(groups))
    if not isinstance(n_splits, int | np.integer) or n_splits < 2:
        raise PovmodelError(f"n_splits must be an integer >= 2, got {n_splits!r}")
    if n_groups < n_splits:
        raise PovmodelError(f"n_splits={n_splits} needs at least {n_splits} groups, got {n_groups}")

    out = np.full(n, np.nan)
    for train, test in GroupKFold(n_splits=n_splits).split(np.zeros(n), y_arr, groups):
        est = clone(estimator)
        X_train, y_train = _safe_indexing(X, train), y_arr[train]
        if sample_weight is None:
            est.fit(X_train, y_train)
        else:
            est.fit(X_train, y_train, sample_weight=sample_weight[train])
        cols = np.flatnonzero(np.asarray(est.classes_) == classes[1])
        if len(cols) != 1:
            raise PovmodelError(f"a training fold has no positive class ({classes[1]!r}): use fewer splits")
        out[test] = est.predict_proba(_safe_indexing(X, test))[:, cols[0]]
    return out
