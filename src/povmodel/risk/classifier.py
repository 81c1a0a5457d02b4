"""Re-poverty classifier: a calibrated probability that a household is (back) in poverty.

:class:`RePovertyClassifier` is a scikit-learn estimator (it can be cloned, grid-searched and
cross-validated) around two base models:

* ``"logistic"``: standardisation followed by a logistic regression, a transparent baseline;
* ``"hgb"``: histogram gradient boosting, which also handles missing feature values natively.

The base model is optionally wrapped in :class:`~sklearn.calibration.CalibratedClassifierCV`
(isotonic or sigmoid, 3 folds) so that the predicted probabilities can be read as risks and
summed into expected counts. Survey weights are passed as sample weights to every step: the
scaler, the base model and the calibrator.
"""

from __future__ import annotations

import numpy as np
from sklearn import config_context
from sklearn.base import BaseEstimator, ClassifierMixin
from sklearn.calibration import CalibratedClassifierCV
from sklearn.ensemble import HistGradientBoostingClassifier
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler
from sklearn.utils.multiclass import check_classification_targets
from sklearn.utils.validation import check_is_fitted

from povmodel.errors import PovmodelError
from povmodel.risk._inputs import checked, checked_weights

__all__ = ["MODELS", "CALIBRATIONS", "SingleClassError", "RePovertyClassifier"]

#: Base models understood by :class:`RePovertyClassifier`.
MODELS = ("logistic", "hgb")
#: Calibration methods understood by :class:`RePovertyClassifier` (``None``: no calibration).
CALIBRATIONS = ("isotonic", "sigmoid", None)


class SingleClassError(PovmodelError, ValueError):
    """The target has a single class (among the rows with positive weight): nothing to learn."""


class RePovertyClassifier(ClassifierMixin, BaseEstimator):
    """Probability of (re-)poverty from household, area and shock features.

    Parameters
    ----------
    model
        ``"hgb"`` (default): ``HistGradientBoostingClassifier(max_iter=200, learning_rate=0.05)``;
        ``"logistic"``: ``StandardScaler`` + ``LogisticRegression(max_iter=1000)``.
    calibration
        ``"isotonic"`` (default), ``"sigmoid"`` or ``None``: wrap the base model in
        ``CalibratedClassifierCV(method=calibration, cv=3)``.
    random_state
        Seed of the gradient boosting (the logistic model and the calibration folds are
        deterministic anyway). Results are reproducible for a fixed integer.

    Attributes
    ----------
    estimator_
        The fitted scikit-learn estimator (calibrated or not).
    classes_
        Class labels, sorted.
    n_features_in_, feature_names_in_
        Number of features and, when ``X`` was a DataFrame with string column names, their
        names (``predict_proba`` then checks that the same columns are given).

    Notes
    -----
    ``fit(X, y, sample_weight=w)`` forwards the survey weights to every step through
    scikit-learn metadata routing, so ``CalibratedClassifierCV`` fits the base model *and* the
    calibrator with weights. Calibration folds are ``StratifiedKFold(3)`` without shuffling.
    """

    def __init__(self, model="hgb", calibration="isotonic", random_state=None):
        self.model = model
        self.calibration = calibration
        self.random_state = random_state

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.input_tags.allow_nan = self.model == "hgb"
        return tags

    # -- construction -----------------------------------------------------------------------
    def _check_params(self) -> None:
        if self.model not in MODELS:
            raise PovmodelError(f"RePovertyClassifier: model must be one of {MODELS}, got {self.model!r}")
        if self.calibration not in CALIBRATIONS:
            raise PovmodelError(
                f"RePovertyClassifier: calibration must be one of {CALIBRATIONS}, got {self.calibration!r}")

    def _make_estimator(self):
        """The unfitted estimator, with sample-weight requests set (needs routing enabled)."""
        if self.model == "logistic":
            base = make_pipeline(
                StandardScaler().set_fit_request(sample_weight=True),
                LogisticRegression(max_iter=1000).set_fit_request(sample_weight=True),
            )
        else:
            base = HistGradientBoostingClassifier(
                max_iter=200, learning_rate=0.05, random_state=self.random_state,
            ).set_fit_request(sample_weight=True)
        if self.calibration is None:
            return base
        return CalibratedClassifierCV(base, method=self.calibration, cv=3)

    # -- fit / predict ----------------------------------------------------------------------
    def fit(self, X, y, sample_weight=None):
        """Fit on features ``X`` (numeric or boolean) and target ``y``, weighted by ``sample_weight``."""
        self._check_params()
        X, y = checked(self, X, y, ensure_all_finite="allow-nan" if self.model == "hgb" else True)
        check_classification_targets(y)
        if sample_weight is not None:
            sample_weight = checked_weights(sample_weight, X)
            present = np.unique(y[sample_weight > 0])
        else:
            present = np.unique(y)
        if len(present) < 2:
            raise SingleClassError(
                "RePovertyClassifier: the target has only one class"
                f" ({present.tolist()!r} among rows with positive weight); a classifier needs two classes")

        with config_context(enable_metadata_routing=True):
            est = self._make_estimator()
            if sample_weight is None:
                est.fit(X, y)
            else:
                est.fit(X, y, sample_weight=sample_weight)
        self.estimator_ = est
        self.classes_ = est.classes_
        return self

    def predict_proba(self, X) -> np.ndarray:
        """Class probabilities, shape ``(n, n_classes)``, columns in the order of ``classes_``."""
        check_is_fitted(self)
        X = checked(self, X, reset=False, ensure_all_finite="allow-nan" if self.model == "hgb" else True)
        return self.estimator_.predict_proba(X)

    def predict(self, X) -> np.ndarray:
        """Most probable class."""
        proba = self.predict_proba(X)
        return self.classes_[np.argmax(proba, axis=1)]
