"""Area-level Fay-Herriot model: agreement with samplics and with hand-coded dense-matrix
formulas, exact small cases, recovery of the truth in simulation, properties, input errors."""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy import integrate, optimize, stats

from povmodel.errors import DataValidationError, EstimatorInputError, PovmodelError
from povmodel.spatial.fay_herriot import FayHerriot, arcsin_backtransform, fay_herriot


def simulate(m=60, seed=0, sigma2=1.0, beta=(1.0, 0.5, -1.0), psi_range=(0.3, 2.0)):
    """Data from the model: returns y, psi, X (without intercept), theta."""
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(m, len(beta) - 1))
    psi = rng.uniform(*psi_range, m)
    theta = beta[0] + X @ np.asarray(beta[1:]) + rng.normal(0, np.sqrt(sigma2), m)
    return theta + rng.normal(0, np.sqrt(psi)), psi, X, theta


# ---------------------------------------------------------------------------------------------
# agreement with samplics (independent implementation with dense m x m matrices)
# ---------------------------------------------------------------------------------------------


def samplics_fit(y, psi, X, method):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", FutureWarning)  # samplics announces it is archived
        from samplics.sae import EblupAreaModel
        from samplics.utils.types import FitMethod
    m = len(y)
    model = EblupAreaModel(method=FitMethod.reml if method == "REML" else FitMethod.ml)
    model.fit(yhat=y, X=X, area=np.arange(m), error_std=np.sqrt(psi), tol=1e-13, maxiter=1000)
    model.predict(X=X, area=np.arange(m))
    est = np.array([model.area_est[i] for i in range(m)])
    mse = np.array([model.area_mse[i] for i in range(m)])
    return model, est, mse


@pytest.fixture
def samplics_ml_fixed(monkeypatch):
    """samplics 0.6's ML score is returned as a length-1 array; its Fisher-scoring loop then
    updates ``sigma2_v`` in place, so ``sigma2_v_previous`` aliases it, the relative change reads
    0 and the loop stops after two steps, unconverged. Returning floats (nothing else changed)
    lets samplics' own ML iteration converge."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", FutureWarning)
        from samplics.sae import EblupAreaModel
    original = EblupAreaModel._partial_derivatives

    def as_floats(self, **kwargs):
        score, info = original(self, **kwargs)
        return float(np.ravel(score)[0]), float(np.ravel(info)[0])

    monkeypatch.setattr(EblupAreaModel, "_partial_derivatives", as_floats)


@pytest.mark.parametrize("method", ["REML", "ML"])
@pytest.mark.parametrize("seed", [0, 1])
def test_agrees_with_samplics(method, seed, samplics_ml_fixed):
    y, psi, X, _ = simulate(m=60, seed=seed)
    ours = FayHerriot(method=method).fit(y, psi, X)
    peer, est, mse = samplics_fit(y, psi, X, method)
    assert ours.converged and peer.convergence["achieved"]
    assert ours.sigma2_u == pytest.approx(peer.re_std**2, abs=1e-6, rel=1e-9)
    np.testing.assert_allclose(ours.beta.to_numpy(), peer.fixed_effects, atol=1e-6, rtol=0)
    np.testing.assert_allclose(ours.beta_se.to_numpy(), peer.fe_std, atol=1e-6, rtol=0)
    np.testing.assert_allclose(ours.estimate.to_numpy(), est, atol=1e-6, rtol=0)
    # samplics' MSE is the same formula: g1 + g2 + 2 g3 (REML), plus the ML bias term of sae::mseFH
    np.testing.assert_allclose(ours.mse.to_numpy(), mse, atol=1e-6, rtol=1e-8)


def test_samplics_unpatched_reml_agrees_too():
    y, psi, X, _ = simulate(m=40, seed=5)
    peer, est, _ = samplics_fit(y, psi, X, "REML")
    ours = FayHerriot().fit(y, psi, X)
    assert ours.sigma2_u == pytest.approx(peer.re_std**2, abs=1e-6)
    np.testing.assert_allclose(ours.estimate.to_numpy(), est, atol=1e-6)


# ---------------------------------------------------------------------------------------------
# hand-coded independent computations
# ---------------------------------------------------------------------------------------------


def dense_reference(y, psi, X, method):
    """Textbook formulas with full m x m matrices (Rao & Molina 2015, sections 5.2, 6.1):
    sigma2_u maximises the (restricted) log-likelihood (scipy, not Fisher scoring)."""
    m, p = X.shape

    def negloglik(s2):
        V = np.diag(s2 + psi)
        Vi = np.linalg.inv(V)
        A = X.T @ Vi @ X
        b = np.linalg.solve(A, X.T @ Vi @ y)
        r = y - X @ b
        ll = -0.5 * (np.linalg.slogdet(V)[1] + r @ Vi @ r)
        if method == "REML":
            ll -= 0.5 * np.linalg.slogdet(A)[1]
        return -ll

    s2 = optimize.minimize_scalar(negloglik, bounds=(0, 50), method="bounded",
                                  options={"xatol": 1e-12}).x
    V = np.diag(s2 + psi)
    Vi = np.linalg.inv(V)
    Q = np.linalg.inv(X.T @ Vi @ X)
    beta = Q @ X.T @ Vi @ y
    gamma = s2 / (s2 + psi)
    est = gamma * y + (1 - gamma) * (X @ beta)
    g1 = s2 * psi / (s2 + psi)
    g2 = np.array([(1 - gamma[d]) ** 2 * (X[d] @ Q @ X[d]) for d in range(m)])
    var_s2 = 2 / np.sum(1 / (s2 + psi) ** 2)
    g3 = psi**2 / (s2 + psi) ** 3 * var_s2
    mse = g1 + g2 + 2 * g3
    if method == "ML":
        bias = -np.trace(Q @ X.T @ Vi @ Vi @ X) / np.sum(1 / (s2 + psi) ** 2)
        mse -= bias * (1 - gamma) ** 2
    return s2, beta, est, mse, Q


@pytest.mark.parametrize("method", ["REML", "ML"])
def test_matches_dense_textbook_computation(method):
    y, psi, X, _ = simulate(m=30, seed=11)
    r = FayHerriot(method=method).fit(y, psi, X)
    s2, beta, est, mse, _ = dense_reference(y, psi, np.column_stack([np.ones(30), X]), method)
    assert r.sigma2_u == pytest.approx(s2, rel=1e-6)
    np.testing.assert_allclose(r.beta.to_numpy(), beta, atol=1e-6)
    np.testing.assert_allclose(r.estimate.to_numpy(), est, atol=1e-6)
    np.testing.assert_allclose(r.mse.to_numpy(), mse, atol=1e-6)


def test_tiny_balanced_case_by_hand():
    """Equal psi = 1 and an intercept: REML total variance is SS/(m-1), ML is SS/m."""
    y = np.array([1.0, 2.0, 4.0, 7.0])  # mean 3.5, SS = 21
    r = FayHerriot().fit(y, np.ones(4), areas=list("abcd"))
    assert r.sigma2_u == pytest.approx(21 / 3 - 1, rel=1e-12)
    assert r.beta["intercept"] == pytest.approx(3.5)
    gamma = 6 / 7
    np.testing.assert_allclose(r.gamma.to_numpy(), gamma)
    np.testing.assert_allclose(r.estimate.to_numpy(), gamma * y + (1 - gamma) * 3.5)
    # g1 = 6/7, g2 = (1/7)^2 * 7/4 = 1/28, g3 = (1/7)^2 * (2 / (4/49)) / 7 = 1/14
    np.testing.assert_allclose(r.mse.to_numpy(), 6 / 7 + 1 / 28 + 2 / 14)
    assert r.estimate.index.tolist() == list("abcd")

    ml = FayHerriot(method="ML").fit(y, np.ones(4))
    assert ml.sigma2_u == pytest.approx(21 / 4 - 1, rel=1e-12)
    np.testing.assert_allclose(ml.estimate.to_numpy(), 17 / 21 * y + 4 / 21 * 3.5)


def test_truncation_at_zero_is_reported():
    y = np.array([1.0, 1.5, 2.0, 1.2, 1.4])  # spread far below the sampling variance 1
    r = FayHerriot().fit(y, np.ones(5))
    assert r.sigma2_u == 0.0 and r.truncated and r.converged
    np.testing.assert_allclose(r.estimate.to_numpy(), y.mean())
    np.testing.assert_allclose(r.gamma.to_numpy(), 0.0)
    assert "truncated at 0" in r.summary()


def test_out_of_sample_areas_get_synthetic_estimates():
    y, psi, X, _ = simulate(m=50, seed=3)
    y_obs = y.copy()
    y_obs[[4, 17]] = np.nan
    psi_obs = psi.copy()
    psi_obs[[4, 17]] = np.nan
    r = FayHerriot().fit(y_obs, psi_obs, X)
    inside = FayHerriot().fit(np.delete(y, [4, 17]), np.delete(psi, [4, 17]), np.delete(X, [4, 17], axis=0))
    assert r.sigma2_u == pytest.approx(inside.sigma2_u)
    Xi = np.column_stack([np.ones(50), X])
    np.testing.assert_allclose(r.estimate.to_numpy()[[4, 17]], Xi[[4, 17]] @ r.beta.to_numpy())
    q = np.einsum("mi,ij,mj->m", Xi[[4, 17]], r.beta_cov, Xi[[4, 17]])
    np.testing.assert_allclose(r.mse.to_numpy()[[4, 17]], q + r.sigma2_u)
    f = r.to_frame()
    assert f["out_of_sample"].sum() == 2 and f.loc[[4, 17], "gamma"].eq(0).all()
    assert list(f.columns[:9]) == ["area", "direct", "direct_variance", "direct_cv", "estimate", "mse", "cv",
                                   "gamma", "out_of_sample"]


# ---------------------------------------------------------------------------------------------
# simulation truth
# ---------------------------------------------------------------------------------------------


def test_recovers_sigma2_and_beta():
    y, psi, X, _ = simulate(m=1500, seed=21, sigma2=0.8)
    for method in ("REML", "ML"):
        r = FayHerriot(method=method).fit(y, psi, X)
        se_s2 = np.sqrt(2 / np.sum(1 / (r.sigma2_u + psi) ** 2))
        assert abs(r.sigma2_u - 0.8) < 4 * se_s2
        assert np.all(np.abs(r.beta.to_numpy() - [1.0, 0.5, -1.0]) < 4 * r.beta_se.to_numpy())


def test_bootstrap_mse_close_to_prasad_rao():
    y, psi, X, _ = simulate(m=100, seed=8)
    pr = FayHerriot().fit(y, psi, X)
    boot = FayHerriot(mse="bootstrap", bootstrap_reps=400, seed=1).fit(y, psi, X)
    np.testing.assert_allclose(boot.estimate.to_numpy(), pr.estimate.to_numpy())
    assert np.mean(boot.mse) / np.mean(pr.mse) == pytest.approx(1, abs=0.05)
    assert np.corrcoef(boot.mse, pr.mse)[0, 1] > 0.9
    again = FayHerriot(mse="bootstrap", bootstrap_reps=400, seed=1).fit(y, psi, X)
    np.testing.assert_array_equal(again.mse.to_numpy(), boot.mse.to_numpy())


@pytest.mark.parametrize("method", ["REML", "ML"])
def test_prasad_rao_mse_matches_empirical_mse(method):
    """1,000 replications of the model (about 1 s): the second-order MSE is unbiased to O(1/m)."""
    m, reps = 30, 1000
    rng = np.random.default_rng(99)
    X = rng.normal(size=(m, 1))
    psi = rng.uniform(0.2, 2.0, m)
    sq_err, mse = np.zeros(m), np.zeros(m)
    model = FayHerriot(method=method)
    for _ in range(reps):
        theta = 1 + 0.5 * X[:, 0] + rng.normal(0, 1, m)
        r = model.fit(theta + rng.normal(0, np.sqrt(psi)), psi, X)
        sq_err += (r.estimate.to_numpy() - theta) ** 2
        mse += r.mse.to_numpy()
    ratio = mse / sq_err
    assert ratio.mean() == pytest.approx(1, abs=0.05)
    assert np.all(np.abs(ratio - 1) < 0.25)  # each area: 1000 replications, relative noise ~ 5%


@pytest.mark.slow
def test_arcsin_bootstrap_mse_tracks_empirical_mse():
    m, reps = 40, 150
    rng = np.random.default_rng(5)
    x = rng.normal(size=m)
    n = rng.integers(30, 200, m)
    sq_err, mse = np.zeros(m), np.zeros(m)
    for i in range(reps):
        p = np.sin(np.clip(0.45 + 0.1 * x + rng.normal(0, 0.12, m), 0, np.pi / 2)) ** 2
        direct = rng.binomial(n, p) / n
        r = FayHerriot(transform="arcsin", mse="bootstrap", bootstrap_reps=100, seed=i).fit(
            direct, direct * (1 - direct) / n, x, n_effective=n)
        sq_err += (r.estimate.to_numpy() - p) ** 2
        mse += r.mse.to_numpy()
    assert mse.sum() / sq_err.sum() == pytest.approx(1, abs=0.15)


# ---------------------------------------------------------------------------------------------
# arcsin transformation
# ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize("mu,var", [(0.3, 0.01), (1.5, 0.05), (-0.1, 0.02), (0.7, 0.5), (0.05, 1e-8), (1.2, 0.0)])
def test_arcsin_backtransform_equals_numerical_integral(mu, var):
    if var == 0:
        expected = np.sin(mu) ** 2
    else:
        s = np.sqrt(var)
        f = lambda t: np.sin(t) ** 2 * stats.norm.pdf(t, mu, s)  # noqa: E731
        cut = min(max(mu, 0), np.pi / 2)  # split at the mode so quad sees a narrow peak
        lo = max(0.0, mu - 12 * s)
        hi = min(np.pi / 2, mu + 12 * s)
        expected = (integrate.quad(f, lo, cut, epsabs=1e-14)[0] if cut > lo else 0.0)
        expected += integrate.quad(f, cut, hi, epsabs=1e-14)[0] if hi > cut else 0.0
        expected += stats.norm.sf(np.pi / 2, mu, s)  # mass above pi/2 has sin^2 = 1
    assert arcsin_backtransform(mu, var) == pytest.approx(expected, abs=1e-12)


def test_arcsin_model_fits_on_the_transformed_scale():
    rng = np.random.default_rng(4)
    m = 60
    x = rng.normal(size=m)
    n = rng.integers(20, 300, m)
    p = np.sin(np.clip(0.5 + 0.1 * x + rng.normal(0, 0.1, m), 0, np.pi / 2)) ** 2
    direct = rng.binomial(n, p) / n
    r = FayHerriot(transform="arcsin", mse="bootstrap", bootstrap_reps=50, seed=2).fit(
        direct, direct * (1 - direct) / n, x, n_effective=n)
    plain = FayHerriot().fit(np.arcsin(np.sqrt(direct)), 1 / (4 * n), x)
    assert r.sigma2_u == pytest.approx(plain.sigma2_u)
    np.testing.assert_allclose(r.beta.to_numpy(), plain.beta.to_numpy())
    g1 = plain.gamma.to_numpy() / (4 * n)
    np.testing.assert_allclose(r.estimate.to_numpy(), arcsin_backtransform(plain.estimate.to_numpy(), g1))
    assert np.all(r.mse > 0) and np.all((r.estimate >= 0) & (r.estimate <= 1))


@settings(max_examples=40, deadline=None)
@given(seed=st.integers(0, 10_000), m=st.integers(6, 40), level=st.floats(0.0, 1.0))
def test_arcsin_estimates_are_proportions(seed, m, level):
    rng = np.random.default_rng(seed)
    n = rng.integers(2, 50, m)
    direct = rng.binomial(n, level) / n
    direct[rng.random(m) < 0.2] = np.nan  # some out-of-sample areas
    if np.isfinite(direct).sum() < 3:
        direct[:3] = level
    r = FayHerriot(transform="arcsin", mse=None).fit(direct, None, rng.normal(size=m), n_effective=n)
    est = r.estimate.to_numpy()
    assert np.all((est >= 0) & (est <= 1))


# ---------------------------------------------------------------------------------------------
# properties
# ---------------------------------------------------------------------------------------------


@settings(max_examples=60, deadline=None)
@given(seed=st.integers(0, 10_000), m=st.integers(4, 60), sigma2=st.floats(0.0, 5.0),
       method=st.sampled_from(["REML", "ML"]))
def test_shrinkage_and_eblup_between_direct_and_synthetic(seed, m, sigma2, method):
    rng = np.random.default_rng(seed)
    psi = rng.uniform(0.05, 3.0, m)
    x = rng.normal(size=m)
    y = 2 + x + rng.normal(0, np.sqrt(sigma2), m) + rng.normal(0, np.sqrt(psi))
    r = FayHerriot(method=method).fit(y, psi, x)
    g = r.gamma.to_numpy()
    assert np.all((g >= 0) & (g <= 1)) and r.sigma2_u >= 0
    est, syn = r.estimate.to_numpy(), r.synthetic.to_numpy()
    tol = 1e-9 * (1 + np.abs(y) + np.abs(syn))
    assert np.all(est >= np.minimum(y, syn) - tol) and np.all(est <= np.maximum(y, syn) + tol)
    assert np.all(r.mse.to_numpy() > 0)


@settings(max_examples=60, deadline=None)
@given(seed=st.integers(0, 10_000), m=st.integers(5, 50), k=st.integers(1, 4),
       method=st.sampled_from(["ratio", "difference"]), target=st.floats(0.5, 50.0))
def test_benchmarking_hits_targets_exactly(seed, m, k, method, target):
    rng = np.random.default_rng(seed)
    y, psi, X, _ = simulate(m=m, seed=seed)
    y = y + 20  # positive estimates for the ratio method
    r = FayHerriot().fit(y, psi, X)
    w = rng.uniform(1, 100, m)
    groups = np.array([f"g{i % k}" for i in range(m)])
    if k == 1:
        b = r.benchmark(target, w, method=method)
        assert np.average(b.estimate, weights=w) == pytest.approx(target, rel=1e-12)
    else:
        targets = {f"g{i}": target + i for i in range(k)}
        b = r.benchmark(targets, w, groups=groups, method=method)
        for g, t in targets.items():
            sel = groups == g
            assert np.average(b.estimate.to_numpy()[sel], weights=w[sel]) == pytest.approx(t, rel=1e-12)
    assert b.benchmarked and not r.benchmarked
    shift = b.estimate.to_numpy() - r.estimate.to_numpy()
    np.testing.assert_allclose(b.mse.to_numpy(), r.mse.to_numpy() + shift**2)


def test_benchmark_ratio_and_difference_forms():
    r = FayHerriot().fit(np.array([1.0, 2.0, 4.0, 7.0]), np.ones(4))
    est = r.estimate.to_numpy()
    w = np.array([1.0, 1.0, 1.0, 1.0])
    np.testing.assert_allclose(r.benchmark(7.0, w).estimate.to_numpy(), est * 2)  # mean 3.5 -> 7
    np.testing.assert_allclose(r.benchmark(4.5, w, method="difference").estimate.to_numpy(), est + 1)


# ---------------------------------------------------------------------------------------------
# results object
# ---------------------------------------------------------------------------------------------


def test_summary_diagnostics_and_plot():
    from matplotlib.figure import Figure

    y, psi, X, _ = simulate(m=80, seed=13)
    r = FayHerriot().fit(y, psi, pd.DataFrame(X, columns=["urban", "literacy"]), areas=[f"A{i}" for i in range(80)])
    assert r.beta.index.tolist() == ["intercept", "urban", "literacy"]
    text = r.summary()
    assert "Fay-Herriot" in text and "literacy" in text and "Prasad-Rao" in text
    d = r.diagnostics()
    assert set(d["normality"].index) == {"standardised_residuals", "area_effects"}
    assert d["normality"]["shapiro_p"].between(0, 1).all()
    assert d["normality"]["kurtosis"].between(1.5, 6).all()  # normal data: about 3
    assert 0.5 < d["correlation"] <= 1 and d["n_areas"] == 80
    fig = r.plot_diagnostics()
    assert isinstance(fig, Figure) and len(fig.axes) == 3
    np.testing.assert_allclose(r.cv.to_numpy(), np.sqrt(r.mse.to_numpy()) / np.abs(r.estimate.to_numpy()))
    np.testing.assert_allclose(r.direct_cv.to_numpy(), np.sqrt(psi) / np.abs(y))


def test_frame_function_and_series_input():
    y, psi, X, _ = simulate(m=40, seed=2)
    frame = pd.DataFrame({"province": [f"P{i:02d}" for i in range(40)], "rate": y, "var": psi,
                          "x1": X[:, 0], "x2": X[:, 1]})
    frame.loc[5, ["rate", "var"]] = np.nan
    r = fay_herriot(frame, direct="rate", variance="var", covariates=["x1", "x2"], area="province", method="ML")
    direct = pd.Series(frame["rate"].to_numpy(), index=frame["province"])
    same = FayHerriot(method="ML").fit(direct, frame["var"], frame[["x1", "x2"]])
    pd.testing.assert_series_equal(r.estimate, same.estimate)
    assert r.out_of_sample["P05"] and r.method == "ML"


# ---------------------------------------------------------------------------------------------
# errors
# ---------------------------------------------------------------------------------------------


def test_frame_errors_are_reported_all_at_once():
    frame = pd.DataFrame({"area": ["a", "b", "b", "d", None], "y": [1.0, 2, 3, 4, 5], "v": [1.0, 0, -1, 1, np.nan],
                          "x": [1.0, np.nan, 2, 3, 4]})
    with pytest.raises(DataValidationError) as info:
        fay_herriot(frame, direct="y", variance="v", covariates=["x", "z"], area="area")
    text = str(info.value)
    for part in ("z: missing column", "area: duplicate area", "area: missing area label",
                 "x: missing or infinite covariate", "v: variance must be positive", "v: missing variance"):
        assert part in text, part
    assert len(info.value.problems) == 6
    with pytest.raises(DataValidationError, match="n_effective"):
        fay_herriot(frame, direct="y", variance="v", covariates="x", area="area", transform="arcsin", mse=None)


def test_array_errors_are_estimator_input_errors():
    fh = FayHerriot()
    with pytest.raises(EstimatorInputError) as info:
        fh.fit([1.0, np.inf, 2.0, 3.0], [1.0, 0.0, -1.0, np.nan], np.ones((3, 2)), areas=list("abcc"))
    text = str(info.value)
    for part in ("areas must be unique", "infinite", "variance is missing", "variance must be positive",
                 "one row per direct estimate"):
        assert part in text, part
    with pytest.raises(EstimatorInputError, match="n_effective"):
        FayHerriot(transform="arcsin", mse=None).fit([0.1, 0.2, 0.3], None)
    with pytest.raises(EstimatorInputError, match="proportions"):
        FayHerriot(transform="arcsin", mse=None).fit([0.1, 1.2, 0.3, 0.5], None, n_effective=[10, 10, 10, 10])
    with pytest.raises(EstimatorInputError, match="rank"):
        fh.fit(np.arange(6.0), np.ones(6), np.ones((6, 1)))
    with pytest.raises(EstimatorInputError, match="cannot identify"):
        fh.fit([1.0, 2.0, np.nan], [1.0, 1.0, np.nan], [[0.0], [1.0], [2.0]])
    with pytest.raises(EstimatorInputError, match="numeric"):
        fh.fit(["a", "b", "c"], [1, 1, 1])
    with pytest.raises(EstimatorInputError, match="no finite value"):
        fh.fit([np.nan, np.nan], [1.0, 1.0])
    for kwargs in ({"method": "OLS"}, {"mse": "jackknife"}, {"transform": "log"}, {"bootstrap_reps": 1},
                   {"transform": "arcsin"}):
        with pytest.raises(PovmodelError):
            FayHerriot(**kwargs)


def test_benchmark_errors():
    r = FayHerriot().fit(np.array([1.0, 2.0, 4.0, 7.0]), np.ones(4))
    with pytest.raises(EstimatorInputError, match="no value for group"):
        r.benchmark({"n": 1.0}, np.ones(4), groups=["n", "n", "s", "s"])
    with pytest.raises(EstimatorInputError, match="non-negative"):
        r.benchmark(1.0, [1, -1, 1, 1])
    with pytest.raises(EstimatorInputError, match="length 4"):
        r.benchmark(1.0, [1, 1])
    with pytest.raises(EstimatorInputError, match="sum to 0"):
        r.benchmark(1.0, np.zeros(4))
    with pytest.raises(EstimatorInputError, match="method"):
        r.benchmark(1.0, np.ones(4), method="raking")
