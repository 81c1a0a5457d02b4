"""Unit-level EBP / CensusEB (povmodel.spatial.ebp): agreement with samplics' EbUnitModel and
statsmodels' MixedLM, simulation truth, reproducibility, transformations, aggregation, errors.

Populations are drawn from the nested-error model itself (SYNTHETIC); the slow cases also use
the synthetic survey and census of povmodel.synthetic.
"""

from __future__ import annotations

import warnings
from dataclasses import replace

import numpy as np
import pandas as pd
import pytest

from povmodel.errors import DataValidationError, EstimatorInputError, NotFittedError, PovmodelError
from povmodel.spatial.ebp import EBP, _ProblemLog

LINE = 700.0


def model_population(seed=1, m=30, size=(300, 1500), sigma_u=0.25, sigma_e=0.5, lam=None, shift=0.0):
    """A census drawn from T(y) = 6.6 + 0.5 x1 - 0.4 x2 + 0.2 [sector] + u + e (T = log, or the
    Box-Cox with ``lam``), areas A00.., with a household size."""
    rng = np.random.default_rng(seed)
    n_i = rng.integers(*size, m)
    area = np.repeat(np.arange(m), n_i)
    n = len(area)
    x1 = rng.normal(0, 1, n)
    x2 = rng.random(n) < 0.4
    sector = rng.choice(np.array(["farm", "trade", "wage"]), n)
    z = 6.6 + 0.5 * x1 - 0.4 * x2 + 0.2 * (sector == "wage") + rng.normal(0, sigma_u, m)[area] \
        + rng.normal(0, sigma_e, n)
    if lam is None:
        y = np.exp(z) - shift
    else:
        z = (np.exp(6.6 * lam) - 1) / lam + (z - 6.6) * np.exp(6.6 * lam)  # same spread around the line
        y = (1 + lam * z) ** (1 / lam)
    return pd.DataFrame({"area": np.char.add("A", np.char.zfill(area.astype(str), 2)), "x1": x1, "x2": x2,
                         "sector": sector, "hh_size": rng.integers(1, 8, n), "y": y})


def draw_sample(pop, seed=2, n=(4, 30), skip=()):
    """A simple random sample of n_i units in each area (none in ``skip``)."""
    rng = np.random.default_rng(seed)
    idx = []
    for a, rows in pop.groupby("area").indices.items():
        if a not in skip:
            idx.append(rng.choice(rows, min(len(rows), int(rng.integers(*n))), replace=False))
    return pop.iloc[np.sort(np.concatenate(idx))]


@pytest.fixture(scope="module")
def pop():
    return model_population()


@pytest.fixture(scope="module")
def sample(pop):
    return draw_sample(pop, skip=("A03", "A17"))


COVS = ["x1", "x2", "sector"]


# ------------------------------------------------------------------- peers
def test_variance_components_match_statsmodels_mixedlm(sample):
    import statsmodels.api as sm

    model = EBP("log", line=LINE).fit(sample, y="y", covariates=COVS, area="area")
    X = np.column_stack([np.ones(len(sample)), sample["x1"], sample["x2"], sample["sector"] == "trade",
                         sample["sector"] == "wage"]).astype(float)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        ref = sm.MixedLM(np.log(sample["y"].to_numpy()), X, sample["area"].to_numpy()).fit(reml=True)
    p = model.params_
    # MixedLM stops at its own tolerance: agreement to 1e-4 relative (ours is the higher optimum)
    np.testing.assert_allclose(p.beta, ref.fe_params, rtol=1e-5)
    np.testing.assert_allclose(p.sigma2_u, np.asarray(ref.cov_re)[0, 0], rtol=1e-3)
    np.testing.assert_allclose(p.sigma2_e, ref.scale, rtol=1e-4)
    # standard errors: sigma2_e (X'V^-1 X)^-1 against MixedLM's inverse Hessian (within 0.5%)
    np.testing.assert_allclose(np.sqrt(np.diag(p.cov_beta)), ref.bse_fe, rtol=5e-3)
    jac = -np.log(sample["y"]).sum()
    assert p.loglik - jac == pytest.approx(ref.llf, abs=1e-4)
    assert p.loglik - jac >= ref.llf - 1e-8


def _samplics(sample, rest, boxcox, indicator=None, draws=0):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # samplics announces that it is archived
        from samplics.sae import EbUnitModel
        from samplics.utils.types import FitMethod

        eb = EbUnitModel(method="REML", boxcox=boxcox, constant=0)
        eb.method = FitMethod.reml  # samplics 0.6.1 passes the string on where the enum is checked
        X = np.column_stack([sample["x1"], sample["x2"]]).astype(float)
        eb.fit(sample["y"].to_numpy(), X, sample["area"].to_numpy())
        if draws:
            np.random.seed(11)  # noqa: NPY002 - samplics draws from numpy's global generator
            eb.predict(np.column_stack([rest["x1"], rest["x2"]]).astype(float), rest["area"].to_numpy(),
                       indicator=indicator, number_samples=draws, show_progress=False)
    return eb


def test_point_estimates_match_samplics_eb_unit_model(pop):
    """Same data, log transform, EB with the sample completing each area (samplics' definition):
    beta and variance components to 1e-6; FGT0 by area within 4 Monte Carlo standard errors of
    the difference (both sides have MC error: sd of the difference = sqrt(2) mc_se)."""
    small = pop[pop["area"] < "A15"]
    sample = draw_sample(small)
    rest = small.drop(index=sample.index)
    draws = 1500

    def fgt0(y):
        return np.mean(y <= LINE)

    eb = _samplics(sample, rest, 0, fgt0, draws)
    model = EBP("log", indicators=("fgt0",), line=LINE, L=draws, seed=5).fit(
        sample, y="y", covariates=["x1", "x2"], area="area")
    p = model.params_
    np.testing.assert_allclose(p.beta, eb.fixed_effects, rtol=1e-6)
    np.testing.assert_allclose(p.sigma2_u, eb.re_std**2, rtol=1e-5)
    np.testing.assert_allclose(p.sigma2_e, eb.error_std**2, rtol=1e-6)
    res = model.predict(rest, area="area", include_sample=True).to_frame().set_index("area")
    theirs = pd.Series(eb.area_est)
    diff = (res["estimate"] - theirs[res.index]).abs()
    assert (diff <= 4 * np.sqrt(2) * res["mc_se"]).all(), diff / res["mc_se"]
    assert diff.mean() < 0.005


def test_box_cox_fixed_lambda_fit_matches_samplics(sample):
    """samplics' Box-Cox is y^lam / lam (ours (y^lam - 1) / lam): slopes and variance components
    agree, intercepts differ by exactly 1 / lam. (samplics' inverse, (1 + lam z)^(1/lam), is not
    the inverse of its own forward transform, so only the fit is compared for lam != 0.)"""
    lam = 0.25
    eb = _samplics(sample, None, lam)
    model = EBP("box_cox", transform_param=lam, line=LINE).fit(sample, y="y", covariates=["x1", "x2"], area="area")
    p = model.params_
    np.testing.assert_allclose(p.beta[1:], eb.fixed_effects[1:], rtol=1e-6)
    assert p.beta[0] == pytest.approx(eb.fixed_effects[0] - 1 / lam, rel=1e-7)
    np.testing.assert_allclose([p.sigma2_u, p.sigma2_e], [eb.re_std**2, eb.error_std**2], rtol=1e-5)


# ---------------------------------------------------------- simulation truth
def test_ebp_close_to_census_truth_and_beats_direct():
    """Three censuses drawn from the model, 4-29 sampled households per area and two areas out
    of sample: the EBP of FGT0 tracks each census's true FGT0 and has a much smaller RMSE across
    sampled areas than the direct (sample) estimate."""
    rmse_ebp, rmse_in, rmse_direct = [], [], []
    for seed in (2, 3, 4):
        pop = model_population(seed=seed)
        sample = draw_sample(pop, skip=("A03", "A17"))
        model = EBP("log", line=LINE, L=100, seed=1, indicators=("fgt0", "mean")).fit(
            sample, y="y", covariates=COVS, area="area")
        res = model.predict(pop, area="area").to_frame()
        fgt = res[res["indicator"] == "fgt0"].set_index("area")
        truth = (pop["y"] <= LINE).groupby(pop["area"]).mean()[fgt.index]
        ins = fgt["in_sample"]
        rmse_ebp.append(np.sqrt(((fgt["estimate"] - truth) ** 2).mean()))
        rmse_in.append(np.sqrt(((fgt["estimate"] - truth)[ins] ** 2).mean()))
        rmse_direct.append(np.sqrt(((fgt["direct"] - truth)[ins] ** 2).mean()))
        assert not fgt.loc[["A03", "A17"], "in_sample"].any()
        assert (fgt.loc[["A03", "A17"], "n_sample"] == 0).all()
        assert (fgt["n_census"] == pop.groupby("area").size()[fgt.index]).all()
    # measured: EBP 0.075 overall, 0.067 in sampled areas; direct 0.146
    assert np.mean(rmse_ebp) < 0.09
    assert np.mean(rmse_in) < 0.6 * np.mean(rmse_direct), (rmse_in, rmse_direct)


# ---------------------------------------------------------- reproducibility
def test_same_seed_same_results_whatever_workers_and_chunks():
    census = model_population(seed=7, m=12, size=(9_000, 14_000))  # > 2 RNG blocks of 65,536 rows
    sample = draw_sample(census)
    kw = dict(line=LINE, L=8, seed=42, mse="bootstrap", B=3, L_boot=4)
    m1 = EBP("log", workers=1, **kw).fit(sample, y="y", covariates=COVS, area="area")
    m2 = EBP("log", workers=2, **kw).fit(sample, y="y", covariates=COVS, area="area")
    a = m1.predict(census, area="area").to_frame()
    cuts = [0, 1_000, 70_001, 130_000, len(census)]
    b = m2.predict((census.iloc[i:j] for i, j in zip(cuts[:-1], cuts[1:], strict=True)), area="area").to_frame()
    pd.testing.assert_frame_equal(a, b)  # bit-identical
    # a different processing block size: the same random numbers, summed in another order
    m3 = EBP("log", workers=2, chunk_size=65_536, **kw).fit(sample, y="y", covariates=COVS, area="area")
    c = m3.predict(census, area="area").to_frame()
    np.testing.assert_allclose(c["estimate"], a["estimate"], rtol=1e-12)
    np.testing.assert_allclose(c["mse"], a["mse"], rtol=1e-9)
    # another seed differs
    d = EBP("log", workers=2, **{**kw, "seed": 43}).fit(sample, y="y", covariates=COVS, area="area")
    assert not np.allclose(d.predict(census, area="area").to_frame()["estimate"], a["estimate"], rtol=1e-9)


def test_callable_indicators_share_the_draws_of_the_builtins(pop, sample):
    def half_line(y, line):
        return np.mean(y <= line / 2)

    plain = EBP("log", line=LINE, L=20, seed=3, indicators=("fgt0", "mean")).fit(
        sample, y="y", covariates=COVS, area="area").predict(pop, area="area").to_frame()
    both = EBP("log", line=LINE, L=20, seed=3, indicators=("fgt0", half_line, "mean")).fit(
        sample, y="y", covariates=COVS, area="area").predict(pop, area="area").to_frame()
    assert list(both["indicator"].unique()) == ["fgt0", "half_line", "mean"]
    pd.testing.assert_frame_equal(plain, both[both["indicator"] != "half_line"].reset_index(drop=True))
    half = both[both["indicator"] == "half_line"].set_index("area")["estimate"]
    fgt0 = both[both["indicator"] == "fgt0"].set_index("area")["estimate"]
    assert ((half > 0) & (half < fgt0)).all()


# ---------------------------------------------------------- transformations
@pytest.mark.parametrize("lam", [0.3, -0.2])
def test_box_cox_lambda_recovered(lam):
    pop = model_population(seed=3, m=40, size=(60, 61), lam=lam)
    model = EBP("box_cox", line=LINE).fit(pop, y="y", covariates=COVS, area="area")
    assert model.params_.transform.lam == pytest.approx(lam, abs=0.06)
    s = model.model_summary()
    assert s.lam == model.params_.transform.lam and s.shift == 0.0


def test_log_shift_estimated_by_reml_with_jacobian():
    pop = model_population(seed=4, m=40, size=(60, 61), shift=400.0)  # y = exp(z) - 400, some y < 0
    assert (pop["y"] < 0).any()
    model = EBP("log_shift", line=LINE).fit(pop, y="y", covariates=COVS, area="area")
    assert model.params_.transform.shift == pytest.approx(400.0, rel=0.15)
    assert (pop["y"] + model.params_.transform.shift > 0).all()
    # the estimated shift beats its neighbours in the REML likelihood of y
    from povmodel.spatial._ebp_transform import Transform, profile_loglik

    y, best = pop["y"].to_numpy(), model.params_.transform.shift
    at = [profile_loglik(model.design_, y, Transform("log_shift", 0.0, s)) for s in (best * 0.9, best, best * 1.1)]
    assert at[1] > max(at[0], at[2])


@pytest.mark.parametrize("transform", [None, "log_shift", "box_cox"])
def test_every_transformation_predicts(pop, sample, transform):
    model = EBP(transform, line=LINE, L=10, seed=1).fit(sample, y="y", covariates=COVS, area="area")
    res = model.predict(pop, area="area").to_frame()
    assert np.isfinite(res["estimate"]).all()
    fgt0 = res[res["indicator"] == "fgt0"]["estimate"]
    assert ((fgt0 > 0) & (fgt0 < 1)).all()
    assert model.model_summary().transform.startswith(transform or "none")


def test_pseudo_eb_with_equal_weights_is_the_eblup(sample):
    s = sample.assign(w=250.0)
    plain = EBP("log", line=LINE).fit(s, y="y", covariates=COVS, area="area")
    weighted = EBP("log", line=LINE, weights=True).fit(s, y="y", covariates=COVS, area="area", weight="w")
    np.testing.assert_allclose(weighted.params_.beta, plain.params_.beta, rtol=1e-9)
    np.testing.assert_allclose(weighted.params_.u_hat, plain.params_.u_hat, atol=1e-10)
    uneq = EBP("log", line=LINE, weights=True).fit(s.assign(w=np.linspace(1, 9, len(s))), y="y",
                                                     covariates=COVS, area="area", weight="w")
    assert not np.allclose(uneq.params_.beta, plain.params_.beta)
    assert "Guadarrama" in uneq.model_summary().weighting


# ---------------------------------------------------------- aggregation
def test_aggregate_equals_pooled_indicator_without_randomness(pop, sample):
    """With s2_u = s2_e = 0 every draw is T^-1(x'beta): area and province indicators must equal
    the indicators computed directly on that population, pooled over the province."""
    def below_half(y, line):
        return np.mean(y <= line / 2)

    census = pop.assign(province=np.where(pop["area"] < "A12", "P1", "P2"), line=np.where(pop["x2"], 650.0, 750.0),
                        weight=2.0)
    model = EBP("log", line="line", L=3, seed=1, unit="person", indicators=("fgt0", "fgt1", "mean")).fit(
        sample.assign(line=700.0), y="y", covariates=COVS, area="area", hh_size="hh_size")
    p = model.params_
    model.params_ = replace(p, sigma2_u=0.0, sigma2_e=0.0, u_hat=np.zeros_like(p.u_hat))
    res = model.predict(census, area="area", weight="weight", hh_size="hh_size", aggregate_to="province").to_frame()
    X = model.encoding_.matrix(census, _ProblemLog("census"), 0)
    y = np.exp(X @ p.beta)
    w = 2.0 * census["hh_size"].to_numpy()
    line = census["line"].to_numpy()
    gap = np.maximum(1 - y / line, 0)
    for level, key in (("area", census["area"]), ("province", census["province"])):
        got = res[res["level"] == level].pivot(index="area", columns="indicator", values="estimate")
        want = pd.DataFrame({"fgt0": w * (y <= line), "fgt1": w * gap, "mean": w * y}).groupby(key.to_numpy()).sum()
        want = want.div(pd.Series(w).groupby(key.to_numpy()).sum(), axis=0)
        np.testing.assert_allclose(got[want.columns], want.loc[got.index], rtol=1e-12)
    # a callable over the pooled province population
    m2 = EBP("log", line=LINE, L=2, seed=1, indicators=(below_half,)).fit(sample, y="y", covariates=COVS, area="area")
    m2.params_ = model.params_
    r2 = m2.predict(census, area="area", aggregate_to="province").to_frame("province").set_index("area")
    want = pd.Series(y <= LINE / 2).groupby(census["province"].to_numpy()).mean()
    np.testing.assert_allclose(r2["estimate"], want[r2.index], rtol=1e-12)


def test_aggregate_is_population_weighted_mean_of_areas_and_benchmarking(pop, sample):
    census = pop.assign(province=np.where(pop["area"] < "A12", "P1", "P2"))
    model = EBP("log", line=LINE, L=30, seed=2, mse="bootstrap", B=4, L_boot=5).fit(
        sample, y="y", covariates=COVS, area="area")
    res = model.predict(census, area="area", aggregate_to={a: p for a, p in zip(census["area"], census["province"],
                                                                                strict=True)})
    df = res.to_frame()
    assert set(df["level"]) == {"area", "aggregate"}
    areas = df[df["level"] == "area"].assign(prov=lambda d: np.where(d["area"] < "A12", "P1", "P2"))
    for ind in ("fgt0", "fgt2", "mean"):
        a = areas[areas["indicator"] == ind]
        pooled = (a["estimate"] * a["population"]).groupby(a["prov"]).sum() / a["population"].groupby(a["prov"]).sum()
        got = df[(df["level"] == "aggregate") & (df["indicator"] == ind)].set_index("area")["estimate"]
        np.testing.assert_allclose(got, pooled[got.index], rtol=1e-12)
    assert (df["mse"] > 0).all() and np.isfinite(df["cv"]).all()
    bench = res.benchmark({"fgt0": 0.5})
    a = bench.to_frame("area")
    a = a[a["indicator"] == "fgt0"]
    assert (a["estimate"] * a["population"]).sum() / a["population"].sum() == pytest.approx(0.5, rel=1e-12)
    regional = res.benchmark({"fgt0": {"P1": 0.4, "P2": 0.6}}, by=res.members["aggregate"])
    agg = regional.to_frame("aggregate").set_index(["area", "indicator"])["estimate"]
    assert agg[("P1", "fgt0")] == pytest.approx(0.4) and agg[("P2", "fgt0")] == pytest.approx(0.6)
    with pytest.raises(DataValidationError, match="groups without a target"):
        res.benchmark({"fgt0": {"P1": 0.4}}, by=res.members["aggregate"])


# ---------------------------------------------------------- MSE
def test_bootstrap_mse_larger_out_of_sample_and_reproducible(pop, sample):
    kw = dict(line=LINE, L=20, seed=9, mse="bootstrap", B=20, L_boot=10, indicators=("fgt0",))
    a = EBP("log", **kw).fit(sample, y="y", covariates=COVS, area="area").predict(pop, area="area").to_frame()
    b = EBP("log", workers=1, **kw).fit(sample, y="y", covariates=COVS, area="area").predict(pop, area="area")
    pd.testing.assert_frame_equal(a, b.to_frame())
    assert a.loc[~a["in_sample"], "mse"].mean() > 2 * a.loc[a["in_sample"], "mse"].mean()
    # more sampled units, smaller MSE on average
    big = a["n_sample"] >= a.loc[a["in_sample"], "n_sample"].median()
    assert a.loc[big & a["in_sample"], "mse"].mean() < a.loc[~big & a["in_sample"], "mse"].mean()


@pytest.mark.slow
def test_bootstrap_mse_tracks_empirical_mse():
    """Over 12 populations from the model, the mean bootstrap MSE across areas is within a factor
    1.6 of the empirical MSE of the EBP of FGT0 against each population's truth."""
    emp, boot = [], []
    for r in range(12):
        pop = model_population(seed=100 + r, m=20, size=(400, 800))
        sample = draw_sample(pop, seed=200 + r, n=(5, 15))
        res = EBP("log", line=LINE, L=50, seed=r, mse="bootstrap", B=40, L_boot=25, indicators=("fgt0",)).fit(
            sample, y="y", covariates=COVS, area="area").predict(pop, area="area").to_frame().set_index("area")
        truth = (pop["y"] <= LINE).groupby(pop["area"]).mean()
        emp.append(((res["estimate"] - truth[res.index]) ** 2).mean())
        boot.append(res["mse"].mean())
    ratio = np.mean(boot) / np.mean(emp)
    assert 1 / 1.6 < ratio < 1.6, ratio


# ---------------------------------------------------------- summary
def test_model_summary(sample):
    s = EBP("box_cox", line=LINE).fit(sample, y="y", covariates=COVS, area="area").model_summary()
    assert list(s.coefficients["term"]) == ["Intercept", "x1", "x2", "sector[trade]", "sector[wage]"]
    assert 0 < s.r2_marginal < s.r2_conditional < 1
    assert s.icc == pytest.approx(s.sigma2_u / (s.sigma2_u + s.sigma2_e))
    assert {"residual_skewness", "residual_kurtosis", "shapiro_area_p"} <= set(s.diagnostics)
    assert abs(s.diagnostics["residual_skewness"]) < 0.5
    assert "sigma2_u" in str(s)


# ---------------------------------------------------------- errors
def test_fit_reports_every_problem_at_once(sample):
    bad = sample.copy()
    bad.iloc[[0, 5, 9], bad.columns.get_loc("x1")] = np.nan
    bad.iloc[[3, 4], bad.columns.get_loc("sector")] = None
    bad.iloc[[7], bad.columns.get_loc("y")] = -5.0
    with pytest.raises(DataValidationError) as exc:
        EBP("log", line=LINE).fit(bad, y="y", covariates=COVS, area="area")
    text = str(exc.value)
    assert len(exc.value.problems) == 3
    assert "x1: missing values (3 rows, e.g. 1, 6, 10)" in text
    assert "sector: missing values (2 rows" in text
    assert "y: log transform needs y > 0" in text and "(1 row, e.g. 8)" in text
    with pytest.raises(DataValidationError, match="zone: missing column\n.*x9: missing column"):
        EBP("log", line=LINE).fit(sample, y="y", covariates=["x1", "x9"], area="zone")


def test_predict_errors(pop, sample):
    model = EBP("log", line=LINE, L=2, seed=1).fit(sample, y="y", covariates=COVS, area="area")
    bad1, bad2 = pop.iloc[:5000].copy(), pop.iloc[5000:12000].copy()
    bad1.iloc[[1, 2], bad1.columns.get_loc("x1")] = np.nan
    bad2.iloc[[0, 10, 20], bad2.columns.get_loc("x1")] = np.nan
    bad2.iloc[[4], bad2.columns.get_loc("sector")] = "mining"
    with pytest.raises(DataValidationError) as exc:
        model.predict([bad1, bad2], area="area")
    text = str(exc.value)
    assert "x1: missing values (5 rows, e.g. 2, 3, 5001, 5011, 5021)" in text  # counted over both chunks
    assert "values not seen in the sample (e.g. mining)" in text
    with pytest.raises(DataValidationError, match="missing column"):
        model.predict(pop.drop(columns=["x2"]), area="area")
    with pytest.raises(DataValidationError, match="no census area matches"):
        model.predict(pop.assign(area=pop["area"].str[1:].astype(int)), area="area")
    with pytest.raises(DataValidationError, match="missing from the aggregate_to mapping"):
        model.predict(pop, area="area", aggregate_to={"A00": "P1"})
    with pytest.raises(DataValidationError, match="lies in several"):
        model.predict(pop.assign(prov=np.arange(len(pop)) % 2), area="area", aggregate_to="prov")
    with pytest.raises(EstimatorInputError):
        model.predict("census.parquet", area="area")
    with pytest.raises(NotFittedError):
        EBP("log", line=LINE).predict(pop, area="area")


@pytest.mark.parametrize("kwargs", [dict(transform="sqrt"), dict(mse="jackknife"), dict(L=0),
                                    dict(indicators=("fgt3",)), dict(line=None), dict(unit="village")])
def test_bad_options(kwargs):
    kw = {"transform": "log", "line": LINE, **kwargs}
    with pytest.raises(PovmodelError):
        EBP(kw.pop("transform"), **kw)


# ---------------------------------------------------------- synthetic world
@pytest.mark.slow
def test_synthetic_survey_and_census_by_district():
    """Synthetic survey (2018 round) and synthetic census of Lai Chau (12): EBP of FGT0 by
    district is closer to the census truth than the direct estimate."""
    from povmodel import pipeline
    from povmodel.paths import processed_dir
    from povmodel.standards import standard_snapshot
    from povmodel.synthetic import build_world
    from povmodel.synthetic.census import census_chunk

    lines = standard_snapshot(2018).income_line
    survey = pipeline.load_synthetic_survey()
    survey = survey[survey["year"] == 2018].assign(line=lambda d: np.where(d["urban"], lines.urban, lines.rural))
    world = build_world(pipeline.default_seed(), pd.read_parquet(processed_dir() / "regional_panel.parquet"))
    communes = world.frame.communes
    census = census_chunk(communes[communes["province"] == "12"], world.frame, world.calibration, world.spec,
                          world.seed, 2018)
    census["line"] = np.where(census["urban"], lines.urban, lines.rural)
    covs = ["urban", "hh_size", "ethnic_minority", "head_female", "head_age", "head_education_years", "sector",
            "informal"]
    model = EBP("box_cox", line="line", L=50, seed=1, indicators=("fgt0",)).fit(
        survey, y="income_pc", covariates=covs, area="district", weight="weight")
    res = model.predict(census, area="district").to_frame().set_index("area")
    truth = (census["income_pc"] <= census["line"]).groupby(census["district"]).mean()
    ins = res["in_sample"]
    err = (res["estimate"] - truth[res.index])[ins]
    err_direct = (res["direct"] - truth[res.index])[ins]
    assert np.sqrt((err**2).mean()) < np.sqrt((err_direct**2).mean())
    assert np.sqrt((err**2).mean()) < 0.08
