"""Tests of the re-poverty classifier and of the weighted evaluation metrics."""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import pytest
from sklearn.base import BaseEstimator, ClassifierMixin, clone
from sklearn.exceptions import NotFittedError as SklearnNotFittedError
from sklearn.utils.estimator_checks import check_estimator

from povmodel.errors import PovmodelError
from povmodel.risk.classifier import RePovertyClassifier, SingleClassError
from povmodel.risk.evaluate import (
    auc,
    brier,
    expected_calibration_error,
    grouped_cv_predictions,
    inclusion_exclusion,
    metrics_table,
    prob_mae,
    reliability_curve,
    targeting_curve,
)

# -- synthetic data with a known logistic truth ---------------------------------------------------
COEF = np.array([1.0, -0.8, 0.5, 0.3, 0.0, 0.7])
INTERCEPT = -1.0
N, N_GROUPS = 5_000, 30


def make_data(n: int = N, seed: int = 0):
    rng = np.random.default_rng(seed)
    cont = rng.normal(size=(n, 5))
    flag = rng.random(n) < 0.3
    X = pd.DataFrame(cont, columns=[f"x{i}" for i in range(5)])
    X["shock"] = flag  # a boolean feature, as the feature builder produces
    logit = INTERCEPT + cont @ COEF[:5] + COEF[5] * flag
    p_true = 1.0 / (1.0 + np.exp(-logit))
    y = (rng.random(n) < p_true).astype(int)
    groups = rng.integers(0, N_GROUPS, size=n)
    w = rng.uniform(0.5, 3.0, size=n)
    return X, y, p_true, groups, w


@pytest.fixture(scope="module")
def data():
    return make_data()


# -- hand-computed metrics ------------------------------------------------------------------------
def test_auc_hand_computed():
    # pairs (positive, negative): (0.35, 0.1) ok, (0.35, 0.4) wrong, (0.8, .) ok twice -> 3/4
    assert auc([0, 0, 1, 1], [0.1, 0.4, 0.35, 0.8]) == pytest.approx(0.75)
    # weight 2 on the misordered negative: pairs weigh 1*1, 1*2, 1*1, 1*2 -> (1 + 1 + 2) / 6
    assert auc([0, 0, 1, 1], [0.1, 0.4, 0.35, 0.8], [1, 2, 1, 1]) == pytest.approx(4 / 6)


def test_brier_hand_computed():
    assert brier([1, 0], [0.8, 0.4]) == pytest.approx((0.04 + 0.16) / 2)
    assert brier([1, 0], [0.8, 0.4], [3, 1]) == pytest.approx((3 * 0.04 + 0.16) / 4)


def test_ece_and_reliability_hand_computed():
    y, p = [0, 1, 1, 1], [0.2, 0.2, 0.7, 0.9]
    # bin [0, .5): p 0.2, y 0.5 -> 0.3; bin [.5, 1]: p 0.8, y 1 -> 0.2; equal weights -> 0.25
    assert expected_calibration_error(y, p, bins=2) == pytest.approx(0.25)
    curve = reliability_curve(y, p, bins=2)
    assert list(curve.columns) == ["bin", "p_mean", "y_mean", "weight"]
    np.testing.assert_allclose(curve[["bin", "p_mean", "y_mean", "weight"]].to_numpy(),
                               [[0, 0.2, 0.5, 2], [1, 0.8, 1.0, 2]])
    # weights: first bin weighs 3 (y_mean 1/3, p_mean 0.2), second bin 1 (y 1, p 0.8)
    assert expected_calibration_error(y, p, [2, 1, 0.5, 0.5], bins=2) == pytest.approx(
        0.75 * abs(1 / 3 - 0.2) + 0.25 * 0.2)
    # p = 1 goes in the last bin; a perfectly calibrated constant has ECE 0
    assert expected_calibration_error([1, 0], [1.0, 0.0], bins=10) == 0.0
    assert expected_calibration_error([1, 0, 1, 0], [0.5] * 4) == 0.0


def test_targeting_curve_hand_computed():
    y = [1, 0, 1, 0, 0, 1, 0, 0, 0, 0]
    p = np.linspace(1.0, 0.1, 10)
    curve = targeting_curve(y, p, shares=(0.1, 0.2, 0.3, 0.5, 1.0))
    assert list(curve.columns) == ["share_targeted", "share_of_positives_captured", "precision"]
    np.testing.assert_allclose(curve["share_of_positives_captured"], [1 / 3, 1 / 3, 2 / 3, 2 / 3, 1])
    np.testing.assert_allclose(curve["precision"], [1, 1 / 2, 2 / 3, 2 / 5, 3 / 10])
    # row order does not matter
    perm = np.random.default_rng(1).permutation(10)
    pd.testing.assert_frame_equal(
        targeting_curve(np.asarray(y)[perm], p[perm], shares=(0.1, 0.2, 0.3, 0.5, 1.0)), curve)


def test_targeting_ties_and_weights():
    # a tied block is targeted proportionally: half of {pos, neg} -> 0.5 positive captured
    curve = targeting_curve([1, 0, 1, 0], [0.9, 0.9, 0.1, 0.1], shares=(0.25,))
    assert curve["share_of_positives_captured"].iloc[0] == pytest.approx(0.25)
    assert curve["precision"].iloc[0] == pytest.approx(0.5)
    # weights: the top household weighs half the population
    curve = targeting_curve([1, 0, 1, 0], [0.9, 0.8, 0.3, 0.1], [4, 2, 1, 1], shares=(0.5, 0.75))
    np.testing.assert_allclose(curve["share_of_positives_captured"], [0.8, 0.8])
    np.testing.assert_allclose(curve["precision"], [1.0, 4 / 6])


def test_inclusion_exclusion_hand_computed():
    y, p = [1, 0, 1, 0], [0.9, 0.8, 0.3, 0.1]
    assert inclusion_exclusion(y, p, budget_share=0.5) == pytest.approx(
        {"inclusion_error": 0.5, "exclusion_error": 0.5})
    assert inclusion_exclusion(y, p, budget_share=0.25) == pytest.approx(
        {"inclusion_error": 0.0, "exclusion_error": 0.5})
    assert inclusion_exclusion(y, p, budget_share=1.0) == pytest.approx(
        {"inclusion_error": 0.5, "exclusion_error": 0.0})


def test_prob_mae_and_metrics_table():
    assert prob_mae([0.1, 0.5], [0.2, 0.2]) == pytest.approx(0.2)
    assert prob_mae([0.1, 0.5], [0.2, 0.2], [3, 1]) == pytest.approx((0.3 + 0.3) / 4)
    y, p = [0, 0, 1, 1], [0.1, 0.4, 0.35, 0.8]
    table = metrics_table(y, p)
    assert set(table) == {"auc", "brier", "ece"}
    table = metrics_table(y, p, p_true=[0.1, 0.4, 0.4, 0.8])
    assert set(table) == {"auc", "brier", "ece", "prob_mae_vs_truth"}
    assert table["prob_mae_vs_truth"] == pytest.approx(0.05 / 4)


def test_weight_two_equals_duplicated_row():
    rng = np.random.default_rng(3)
    y = rng.integers(0, 2, 40)
    p = rng.random(40)
    w = rng.integers(1, 4, 40)
    y_rep, p_rep = np.repeat(y, w), np.repeat(p, w)
    for metric in (auc, brier, expected_calibration_error):
        assert metric(y, p, w) == pytest.approx(metric(y_rep, p_rep))
    pd.testing.assert_frame_equal(targeting_curve(y, p, w), targeting_curve(y_rep, p_rep))
    # ... and weights matter
    assert brier(y, p, w) != pytest.approx(brier(y, p))


@pytest.mark.parametrize(("call", "match"), [
    (lambda: brier([0, 1], [0.5]), "lengths must match"),
    (lambda: brier([0, 1], [0.5, 1.2]), r"probabilities in \[0, 1\]"),
    (lambda: brier([0, 1], [0.5, np.nan]), "non-finite"),
    (lambda: brier([0, 2], [0.5, 0.5]), "binary"),
    (lambda: brier([0, 1], [0.5, 0.5], [1, -1]), "non-negative"),
    (lambda: brier([0, 1], [0.5, 0.5], [1, np.inf]), "non-finite"),
    (lambda: auc([1, 1], [0.5, 0.6]), "both outcomes"),
    (lambda: prob_mae([0.5, 0.5], [0.5]), "lengths must match"),
    (lambda: expected_calibration_error([0, 1], [0.5, 0.5], bins=0), "bins"),
    (lambda: targeting_curve([0, 1], [0.5, 0.5], shares=(0.0,)), r"share must be in \(0, 1\]"),
    (lambda: targeting_curve([0, 0], [0.5, 0.5]), "at least one positive"),
])
def test_evaluate_input_validation(call, match):
    with pytest.raises(PovmodelError, match=match):
        call()


# -- classifier: scikit-learn contract ------------------------------------------------------------
CALIBRATED_EXPECTED_FAILURES = {
    # CalibratedClassifierCV(cv=3) splits the rows with an unshuffled StratifiedKFold: repeating a
    # row (instead of giving it weight 2) moves rows across the calibration folds, so the fitted
    # base models and calibrators differ. Weights are honoured within each fold (see
    # test_classifier_sample_weight_reaches_every_step), the cross-fitting is not weight-invariant.
    "check_sample_weight_equivalence_on_dense_data": (
        "internal calibration folds are built on rows, not on weights"),
}


@pytest.mark.parametrize("params", [
    {"model": "logistic", "calibration": None, "random_state": 0},
    {},  # the default: calibrated gradient boosting
], ids=["logistic-uncalibrated", "default"])
def test_sklearn_check_estimator(params):
    estimator = RePovertyClassifier(**params)
    expected = CALIBRATED_EXPECTED_FAILURES if estimator.calibration is not None else None
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        check_estimator(estimator, expected_failed_checks=expected, on_skip=None)


def test_clone_and_get_params_round_trip():
    clf = RePovertyClassifier(model="logistic", calibration="sigmoid", random_state=7)
    params = clf.get_params()
    assert params == {"model": "logistic", "calibration": "sigmoid", "random_state": 7}
    twin = clone(clf)
    assert twin is not clf and twin.get_params() == params
    assert RePovertyClassifier().set_params(**params).get_params() == params
    assert "RePovertyClassifier(" in repr(clf)


def test_not_fitted_raises_sklearn_error(data):
    X = data[0]
    with pytest.raises(SklearnNotFittedError):
        RePovertyClassifier().predict_proba(X)
    with pytest.raises(SklearnNotFittedError):
        RePovertyClassifier().predict(X)


def test_bad_parameters_and_single_class():
    X = np.random.default_rng(0).normal(size=(20, 2))
    with pytest.raises(PovmodelError, match="model must be one of"):
        RePovertyClassifier(model="forest").fit(X, np.arange(20) % 2)
    with pytest.raises(PovmodelError, match="calibration must be one of"):
        RePovertyClassifier(calibration="platt").fit(X, np.arange(20) % 2)
    with pytest.raises(SingleClassError, match="only one class"):
        RePovertyClassifier().fit(X, np.ones(20))
    with pytest.raises(PovmodelError, match="only one class"):  # the other class weighs 0
        RePovertyClassifier().fit(X, np.arange(20) % 2, sample_weight=np.arange(20) % 2)


def test_dataframe_with_booleans(data):
    X, y, *_ = data
    X, y = X.iloc[:600], y[:600]
    assert X["shock"].dtype == bool
    clf = RePovertyClassifier(model="logistic", calibration=None).fit(X, y)
    assert clf.n_features_in_ == 6
    assert list(clf.feature_names_in_) == list(X.columns)
    np.testing.assert_array_equal(clf.classes_, [0, 1])
    proba = clf.predict_proba(X)
    assert proba.shape == (600, 2) and np.allclose(proba.sum(axis=1), 1.0)
    np.testing.assert_array_equal(clf.predict(X), clf.classes_[proba.argmax(axis=1)])
    # booleans as floats give the same model
    as_float = RePovertyClassifier(model="logistic", calibration=None).fit(X.astype(float), y)
    np.testing.assert_allclose(as_float.predict_proba(X), proba)
    with pytest.raises(ValueError, match="feature names"):
        clf.predict_proba(X[list(reversed(X.columns))])


def test_deterministic_for_random_state(data):
    X, y, _, _, w = data
    X, y, w = X.iloc[:800], y[:800], w[:800]
    a = RePovertyClassifier(random_state=3).fit(X, y, sample_weight=w).predict_proba(X)
    b = RePovertyClassifier(random_state=3).fit(X, y, sample_weight=w).predict_proba(X)
    np.testing.assert_array_equal(a, b)


def test_classifier_sample_weight_reaches_every_step(data):
    X, y, *_ = data
    X, y = X.iloc[:800], y[:800]
    reps = np.random.default_rng(5).integers(1, 3, size=800)
    # uncalibrated logistic: weight k == the row repeated k times (scaler and regression)
    weighted = RePovertyClassifier(model="logistic", calibration=None).fit(X, y, sample_weight=reps)
    repeated = RePovertyClassifier(model="logistic", calibration=None).fit(
        X.loc[X.index.repeat(reps)], np.repeat(y, reps))
    np.testing.assert_allclose(weighted.predict_proba(X), repeated.predict_proba(X), rtol=1e-4, atol=1e-6)
    # calibrated: weights are routed to the base models and the calibrators without the
    # "sample weights will only be used for the calibration" warning of CalibratedClassifierCV
    for model in ("logistic", "hgb"):
        with warnings.catch_warnings():
            warnings.simplefilter("error")
            clf = RePovertyClassifier(model=model, random_state=0).fit(X, y, sample_weight=reps)
        unweighted = RePovertyClassifier(model=model, random_state=0).fit(X, y)
        assert not np.allclose(clf.predict_proba(X), unweighted.predict_proba(X))


# -- classifier: statistical behaviour out of group -----------------------------------------------
class _GroupSpy(ClassifierMixin, BaseEstimator):
    """Records the groups (column 0 of X) seen in fit; refuses to predict for them."""

    def fit(self, X, y, sample_weight=None):
        self.seen_ = set(np.asarray(X)[:, 0].tolist())
        self.classes_ = np.unique(y)
        return self

    def predict_proba(self, X):
        test_groups = set(np.asarray(X)[:, 0].tolist())
        assert not test_groups & self.seen_, "a group is in both training and test folds"
        return np.tile([0.5, 0.5], (len(X), 1))


def test_grouped_cv_keeps_groups_apart(data):
    _, y, _, groups, w = data
    X = groups.reshape(-1, 1).astype(float)
    oof = grouped_cv_predictions(_GroupSpy(), X, y, groups, sample_weight=w, n_splits=5)
    assert oof.shape == (N,) and np.all(oof == 0.5)
    with pytest.raises(PovmodelError, match="at least 5 groups"):
        grouped_cv_predictions(_GroupSpy(), X[:50], y[:50], np.arange(50) % 3)
    with pytest.raises(PovmodelError, match="lengths must match"):
        grouped_cv_predictions(_GroupSpy(), X, y[:-1], groups)


@pytest.fixture(scope="module")
def oof_logistic(data):
    X, y, _, groups, w = data
    return grouped_cv_predictions(RePovertyClassifier(model="logistic", calibration=None), X, y, groups,
                                  sample_weight=w)


def test_out_of_group_auc_well_above_chance(data, oof_logistic):
    X, y, p_true, groups, w = data
    ceiling = auc(y, p_true, w)  # the best any model can do
    assert auc(y, oof_logistic, w) > 0.75
    assert auc(y, oof_logistic, w) > ceiling - 0.02
    oof_hgb = grouped_cv_predictions(RePovertyClassifier(random_state=0), X, y, groups, sample_weight=w,
                                     n_splits=3)
    assert auc(y, oof_hgb, w) > 0.75


def test_shuffled_labels_score_chance_auc(data):
    X, y, _, groups, w = data
    y_shuffled = np.random.default_rng(11).permutation(y)
    oof = grouped_cv_predictions(RePovertyClassifier(model="logistic", calibration=None), X, y_shuffled,
                                 groups, sample_weight=w)
    assert abs(auc(y_shuffled, oof, w) - 0.5) < 0.05


def test_logistic_recovers_true_probabilities(data, oof_logistic):
    _, y, p_true, _, w = data
    assert prob_mae(oof_logistic, p_true, w) < 0.03
    table = metrics_table(y, oof_logistic, w, p_true=p_true)
    assert table["prob_mae_vs_truth"] < 0.03 and table["ece"] < 0.05
    assert table["brier"] < brier(y, np.full(len(y), np.average(y, weights=w)), w)


def test_isotonic_calibration_small_ece_on_held_out_data(data):
    X, y, p_true, groups, w = data
    train, test = groups < 20, groups >= 20
    clf = RePovertyClassifier(random_state=0).fit(X[train], y[train], sample_weight=w[train])
    p = clf.predict_proba(X[test])[:, 1]
    assert expected_calibration_error(y[test], p, w[test]) < 0.05
    assert prob_mae(p, p_true[test], w[test]) < 0.12  # boosting + isotonic steps: looser than logistic
    ie = inclusion_exclusion(y[test], p, w[test], budget_share=0.1)
    assert 0 <= ie["inclusion_error"] < 0.5 and 0.5 < ie["exclusion_error"] < 1
