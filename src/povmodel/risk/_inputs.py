"""Input checks shared by the risk estimators: scikit-learn's ``validate_data`` (feature
counts and names, dtypes, finiteness), with its errors raised as :class:`EstimatorInputError`
(a ``PovmodelError`` and a ``ValueError``, message unchanged)."""

from __future__ import annotations

import numpy as np
import pandas as pd
from sklearn.utils.validation import _check_sample_weight, validate_data

from povmodel.errors import EstimatorInputError


def as_numeric_frame(X):
    """Booleans (numpy or pandas, also nullable) as floats; other inputs unchanged."""
    if isinstance(X, pd.DataFrame):
        bool_cols = [c for c in X.columns if pd.api.types.is_bool_dtype(X[c].dtype)]
        if bool_cols:
            X = X.astype({c: "float64" for c in bool_cols})
        return X
    if isinstance(X, np.ndarray) and X.dtype == bool:
        return X.astype(np.float64)
    return X


def checked(estimator, X, y="no_validation", **kwargs):
    """``validate_data(estimator, X, y, dtype=float64, **kwargs)`` on :func:`as_numeric_frame`."""
    try:
        return validate_data(estimator, as_numeric_frame(X), y, dtype=np.float64, **kwargs)
    except EstimatorInputError:
        raise
    except (ValueError, TypeError) as exc:
        raise EstimatorInputError(f"{type(estimator).__name__}: {exc}") from None


def checked_weights(sample_weight, X) -> np.ndarray:
    """Finite, non-negative sample weights, one per row of ``X``."""
    try:
        return _check_sample_weight(sample_weight, X, dtype=np.float64, ensure_non_negative=True)
    except ValueError as exc:
        raise EstimatorInputError(f"sample_weight: {exc}") from None
