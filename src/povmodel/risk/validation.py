"""Validation of re-poverty risk models that cannot flatter them.

Every model is scored on households it never saw: out-of-province (grouped cross-validation by
province, so that no province is in both the training and the test folds) and out-of-time
(trained on earlier round pairs, tested on a later one). Vulnerability as expected poverty
(VEP, fitted on the training households' current log income, as a cross-sectional VEP is)
is scored on the same splits as the classifiers. On synthetic data every household also
carries the generator's true probability, so the mean absolute error of the predicted
probabilities against the truth is reported too.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from sklearn.base import clone
from sklearn.model_selection import GroupKFold

from povmodel.errors import PovmodelError
from povmodel.risk.classifier import RePovertyClassifier
from povmodel.risk.evaluate import metrics_table
from povmodel.risk.features import feature_columns
from povmodel.risk.vulnerability import VulnerabilityEstimator
from povmodel.standards import standard_snapshot

#: Features of the VEP mean and variance equations: traits, not current welfare.
VEP_EXCLUDED = ("log_income_pc", "deprivations", "near_poor", "remittance_share", "log_income_to_next_line",
                "standard_changes")


def _vep_predictions(train: pd.DataFrame, test: pd.DataFrame, features: list[str]) -> np.ndarray:
    """VEP of the test households: log income at t regressed on traits in the training
    households (three-step FGLS), probability of falling below next round's income line."""
    traits = [f for f in features if f not in VEP_EXCLUDED]
    est = VulnerabilityEstimator().fit(train[traits], train["log_income_pc"], sample_weight=train["weight"])
    lines = np.empty(len(test))
    for year, idx in test.groupby("year_next").indices.items():
        snap = standard_snapshot(int(year))
        urban = test["urban"].to_numpy()[idx] > 0
        lines[idx] = np.where(urban, snap.income_line.urban, snap.income_line.rural)
    return est.vulnerability(test[traits], lines)


def _models(random_state: int) -> dict[str, RePovertyClassifier]:
    return {"logistic": RePovertyClassifier(model="logistic", random_state=random_state),
            "hgb": RePovertyClassifier(model="hgb", random_state=random_state)}


def _score(rows: list, split: str, test: pd.DataFrame, predictions: dict[str, np.ndarray]) -> None:
    truth = test["truth_p_poor_next_round"].to_numpy() if "truth_p_poor_next_round" in test else None
    for name, p in predictions.items():
        scores = metrics_table(test["poor_next"].to_numpy(dtype=float), p, test["weight"].to_numpy(), truth)
        rows.append({"split": split, "model": name, "n_test": len(test), **scores})


def validate(pairs: pd.DataFrame, *, n_splits: int = 5, random_state: int = 0,
             test_year: int | None = None, return_predictions: bool = False):
    """Scores (``auc``, ``brier``, ``ece`` and ``prob_mae_vs_truth`` where the truth is known)
    of the logistic and gradient-boosted classifiers and of VEP, out of province (all pairs,
    and the households that had escaped poverty at t: re-poverty proper) and out of time.
    ``test_year``: the round whose pairs form the out-of-time test (default: the last pair whose
    next round has the same standard as its training rounds). With ``return_predictions``,
    also the out-of-province predictions ``{model: probability per pair}``."""
    features = feature_columns(pairs)
    if pairs["poor_next"].nunique() < 2:
        raise PovmodelError("the target has a single class: nobody (or everybody) is poor at the next round")
    rows: list[dict] = []
    # out of province: grouped K-fold by province
    folds = GroupKFold(n_splits=n_splits)
    oof = {name: np.zeros(len(pairs)) for name in ("logistic", "hgb", "vep")}
    X, y, w = pairs[features], pairs["poor_next"].to_numpy(dtype=int), pairs["weight"].to_numpy()
    for train_idx, test_idx in folds.split(X, y, groups=pairs["province"]):
        for name, model in _models(random_state).items():
            fitted = clone(model).fit(X.iloc[train_idx], y[train_idx], sample_weight=w[train_idx])
            oof[name][test_idx] = fitted.predict_proba(X.iloc[test_idx])[:, 1]
        oof["vep"][test_idx] = _vep_predictions(pairs.iloc[train_idx], pairs.iloc[test_idx], features)
    _score(rows, "out_of_province", pairs, oof)
    escaped = pairs["escaped"].to_numpy()
    if pairs.loc[escaped, "poor_next"].nunique() == 2:  # re-poverty proper: escaped at t
        _score(rows, "out_of_province_escaped", pairs[escaped], {k: v[escaped] for k, v in oof.items()})
    # out of time: train on earlier pairs, test on a later one under the same standard
    if test_year is None:
        first_standard = pairs.loc[pairs["year"].idxmin(), "standard_next"]
        same = pairs[pairs["standard_next"] == first_standard]
        years = sorted(same["year"].unique())
        test_year = int(years[-1]) if len(years) > 1 else None
    if test_year is not None:
        train, test = pairs[pairs["year"] < test_year], pairs[pairs["year"] == test_year]
        if len(train) and len(test) and train["poor_next"].nunique() == 2:
            predictions = {name: clone(model).fit(train[features], train["poor_next"].astype(int),
                                                  sample_weight=train["weight"]).predict_proba(test[features])[:, 1]
                           for name, model in _models(random_state).items()}
            predictions["vep"] = _vep_predictions(train, test, features)
            _score(rows, f"out_of_time_{test_year}", test, predictions)
    return (pd.DataFrame(rows), oof) if return_predictions else pd.DataFrame(rows)


def risk_report(survey: pd.DataFrame, provinces: pd.DataFrame, *, seed: int, top: int = 10,
                n_splits: int = 5, level: str = "province") -> dict:
    """Validation metrics of every model and the areas (``level``: provinces or districts) with
    the highest expected share of households falling (back) into poverty by the next round
    (gradient-boosted classifier fitted on every panel pair, scoring the latest round's
    non-poor households). ``areas`` holds the ``top`` areas with an estimate, ``all_areas``
    every area (suppressed ones last)."""
    tables = risk_tables(survey, provinces, seed=seed, n_splits=n_splits, levels=(level,))
    areas = tables["areas"][level]
    return {"metrics": tables["metrics"], "areas": areas[areas["expected_share"].notna()].head(top),
            "all_areas": areas, "scored_year": tables["scored_year"], "pairs": tables["pairs"], "level": level}


def risk_tables(survey: pd.DataFrame, provinces: pd.DataFrame, *, seed: int, n_splits: int = 5,
                levels: tuple[str, ...] = ("province", "district")) -> dict:
    """The validation metrics and the area risk tables at several ``levels`` from one fit.

    Returns ``{"metrics", "areas": {level: table}, "scored_year", "pairs", "pair_table",
    "out_of_province"}`` (see :func:`risk_report`); ``pair_table`` holds the panel pairs and
    ``out_of_province`` each model's predictions for them from folds that never saw their
    province.
    """
    from povmodel.risk.area import area_risk
    from povmodel.risk.features import current_features, panel_pairs

    pairs = panel_pairs(survey, provinces)
    metrics, oof = validate(pairs, n_splits=n_splits, random_state=seed, return_predictions=True)
    features = feature_columns(pairs)
    model = RePovertyClassifier(model="hgb", random_state=seed).fit(
        pairs[features], pairs["poor_next"].astype(int), sample_weight=pairs["weight"])
    latest = int(survey["year"].max())
    scored = current_features(survey, provinces, latest)
    probability = model.predict_proba(scored[features])[:, 1]
    areas = {lvl: area_risk(scored, probability, level=lvl, seed=seed) for lvl in levels}
    return {"metrics": metrics, "areas": areas, "scored_year": latest, "pairs": len(pairs), "pair_table": pairs,
            "out_of_province": oof}
