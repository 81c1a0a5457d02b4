"""Forecasting models: no look-ahead, valid outputs, recovery of known parameters, clear errors."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from scipy.special import expit, logit

from povmodel.errors import NotFittedError, PovmodelError
from povmodel.forecast import (
    Combination,
    DampedETS,
    GrowthPassThrough,
    LastValue,
    LogitTrend,
    NationalTrend,
    PanelConvergence,
    national_series,
    province_series,
    single_standard,
)
from povmodel.forecast import series as fs

YEARS = [2010, 2012, 2013, 2014, 2015, 2016]  # unequally spaced, like the GSO series


def _panel_like(n_areas: int = 6, seed: int = 1) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    """Small rates, income and national tables with a falling logit trend and noise."""
    rng = np.random.default_rng(seed)
    areas = [f"A{i}" for i in range(n_areas)]
    start = rng.uniform(-3.0, -0.5, n_areas)
    slope = rng.uniform(-0.25, -0.05, n_areas)
    t = np.asarray(YEARS) - 2010
    lg = start[:, None] + slope[:, None] * t + rng.normal(0, 0.05, (n_areas, len(YEARS)))
    rates = pd.DataFrame(expit(lg), index=areas, columns=YEARS)
    inc_years = [2010, 2012, 2014, 2016]
    growth = rng.uniform(0.05, 0.15, n_areas)
    income = pd.DataFrame(1000 * np.exp(growth[:, None] * (np.asarray(inc_years) - 2010)), index=areas,
                          columns=inc_years)
    national = pd.DataFrame([expit(-1.8 - 0.15 * t)], index=["NATIONAL"], columns=YEARS)
    return rates, income, national


def _models(income, national) -> dict:
    def members():
        return {"trend": LogitTrend(), "ets": DampedETS(), "panel": PanelConvergence(regions=None, income=income),
                "growth": GrowthPassThrough(income)}

    return {"last_value": LastValue(), "national_trend": NationalTrend(national), **members(),
            "combination_mix": Combination(members()),
            "combination_avg": Combination(members(), how="average")}


def test_no_future_leakage():
    rates, income, national = _panel_like()
    origin = 2014
    later_r = [c for c in rates.columns if c > origin]
    later_i = [c for c in income.columns if c > origin]
    rng = np.random.default_rng(7)
    rates2, income2, national2 = rates.copy(), income.copy(), national.copy()
    rates2[later_r] = rng.uniform(0.01, 0.99, (len(rates), len(later_r)))
    rates2.loc["A0", 2016] = np.nan
    income2[later_i] = rng.uniform(10, 1e5, (len(income), len(later_i)))
    national2[later_r] = 0.9
    first = _models(income, national)
    second = _models(income2, national2)
    for name in first:
        a = first[name].fit(rates, origin).forecast([2015, 2016, 2018], draws=200, seed=3)
        b = second[name].fit(rates2, origin).forecast([2015, 2016, 2018], draws=200, seed=3)
        assert max(first[name].years_used_) <= origin, name
        np.testing.assert_array_equal(a.draws, b.draws, err_msg=name)
        np.testing.assert_array_equal(a.point, b.point, err_msg=name)


def test_outputs_inside_unit_interval_and_intervals_ordered():
    rates, income, national = _panel_like()
    rates.loc["A1"] = [0.0, 0.0, 0.0, 0.001, 0.0, 0.0]  # published 0.0 % (floored, still forecast)
    rates.loc["A2"] = [0.99, 0.995, 0.999, 1.0, 1.0, 1.0]
    for name, model in _models(income, national).items():
        fc = model.fit(rates, 2016).forecast([2017, 2020, 2030], draws=300, seed=0)
        assert fc.draws.shape == (300, len(rates), 3), name
        assert ((fc.draws > 0) & (fc.draws < 1)).all(), name
        assert ((fc.point > 0) & (fc.point < 1)).all(), name
        lo95, hi95 = fc.interval(0.95)
        lo80, hi80 = fc.interval(0.8)
        assert (lo95 <= lo80).all() and (lo80 <= fc.quantile(0.5)).all(), name
        assert (fc.quantile(0.5) <= hi80).all() and (hi80 <= hi95).all(), name
        frame = fc.to_frame()
        assert list(frame.columns) == ["model", "origin", "area", "year", "point", "mean", "low80", "high80",
                                       "low95", "high95"]
        assert fc.areas == tuple(rates.index) and fc.years == (2017, 2020, 2030)


def test_reproducible_for_a_seed():
    rates, income, national = _panel_like()
    for name, model in _models(income, national).items():
        model.fit(rates, 2015)
        a = model.forecast([2016, 2017], draws=100, seed=11)
        b = model.forecast([2016, 2017], draws=100, seed=11)
        c = model.forecast([2016, 2017], draws=100, seed=12)
        np.testing.assert_array_equal(a.draws, b.draws, err_msg=name)
        assert not np.array_equal(a.draws, c.draws), name


def test_logit_trend_recovers_a_known_trend():
    years = [2006, 2008, 2010, 2013, 2014, 2016, 2019]
    intercept = np.array([-1.0, -2.5, 0.3])  # logit at the origin year 2019
    slope = np.array([-0.12, -0.3, 0.05])
    t = np.asarray(years) - 2019
    exact = pd.DataFrame(expit(intercept[:, None] + slope[:, None] * t), index=list("abc"), columns=years)
    model = LogitTrend().fit(exact, 2019)
    np.testing.assert_allclose(model.slope_, slope, atol=1e-10)
    np.testing.assert_allclose(model.intercept_, intercept, atol=1e-10)
    fc = model.forecast([2021, 2025], draws=50, seed=0)
    np.testing.assert_allclose(logit(fc.point), intercept[:, None] + slope[:, None] * np.array([2, 6]), atol=1e-9)

    rng = np.random.default_rng(4)
    n = 400
    a = rng.uniform(-3, 0, n)
    b = rng.uniform(-0.3, 0.1, n)
    noisy = a[:, None] + b[:, None] * t + rng.normal(0, 0.1, (n, len(years)))
    fit = LogitTrend().fit(pd.DataFrame(expit(noisy), columns=years), 2019)
    se = 0.1 / np.sqrt(((t - t.mean()) ** 2).sum())
    assert abs(np.mean(fit.slope_ - b)) < 4 * se / np.sqrt(n)
    assert np.std(fit.slope_ - b) == pytest.approx(se, rel=0.15)
    assert np.sqrt(fit.sigma2_[0]) == pytest.approx(0.1, rel=0.1)
    # 95% predictive intervals cover a fresh observation about 95% of the time
    fc = fit.forecast([2021], draws=2000, seed=1)
    fresh = expit(a + b * 2 + rng.normal(0, 0.1, n))
    lo, hi = fc.interval(0.95)
    assert 0.90 < np.mean((fresh >= lo[:, 0]) & (fresh <= hi[:, 0])) < 0.99


def test_panel_convergence_recovers_the_coefficients():
    rng = np.random.default_rng(5)
    n, years = 300, np.arange(2000, 2011)
    beta, const, sigma = -0.08, -0.35, 0.05
    regions = {f"p{i}": ("north" if i % 2 else "south") for i in range(n)}
    effect = np.array([0.1 if i % 2 else 0.0 for i in range(n)])
    level = np.empty((n, len(years)))
    level[:, 0] = rng.uniform(-4, 0, n)
    for j in range(1, len(years)):
        prev = level[:, j - 1]
        level[:, j] = prev + const + beta * prev + effect + rng.normal(0, sigma, n)
    frame = pd.DataFrame(expit(level), index=list(regions), columns=years)
    frame = frame.drop(columns=[2003, 2005])  # gaps of two years
    model = PanelConvergence(regions=regions).fit(frame, 2010)
    coef, se = model.coef_, model.bse_
    assert abs(coef["logit_level"] - beta) < 4 * se["logit_level"]
    assert se["logit_level"] < 0.01
    assert abs(coef["const"] - (const + 0.1)) < 4 * se["const"]  # baseline region "north" has +0.1
    assert abs(coef["region[south]"] - (-0.1)) < 4 * se["region[south]"]
    assert np.sqrt(model.sigma2_) == pytest.approx(sigma, rel=0.1)
    assert model.convergence_ == coef["logit_level"] < 0


def test_pass_through_is_estimated_from_data_and_negative_on_growth():
    rng = np.random.default_rng(6)
    n = 120
    areas = [f"a{i}" for i in range(n)]
    g = rng.uniform(0.02, 0.15, n)
    years = [2010, 2012, 2014, 2016]
    true_b = 1.6
    lg = np.empty((n, 4))
    lg[:, 0] = rng.uniform(-3, -0.5, n)
    for j in range(1, 4):
        lg[:, j] = lg[:, j - 1] - true_b * g * 2 + rng.normal(0, 0.05, n)
    rates = pd.DataFrame(expit(lg), index=areas, columns=years)
    income = pd.DataFrame(800 * np.exp(g[:, None] * (np.asarray(years) - 2010)), index=areas, columns=years)
    model = GrowthPassThrough(income).fit(rates, 2016)
    assert model.coef_growth_ < 0
    assert model.pass_through_ == pytest.approx(true_b, abs=4 * model.bse_["income_growth"])
    assert abs(model.pass_through_ - 0.7) > 0.5
    np.testing.assert_allclose(model.growth_, g)
    # the point forecast follows logit p_t = logit p_o - b g (t - o)
    fc = model.forecast([2019], draws=10, seed=0)
    np.testing.assert_allclose(logit(fc.point[:, 0]), lg[:, 3] + model.coef_growth_ * g * 3, atol=1e-9)
    # forward growth is a scenario input
    fast = GrowthPassThrough(income, growth=0.3).fit(rates, 2016).forecast([2019], draws=10, seed=0)
    assert (fast.point < fc.point).all()
    with_const = GrowthPassThrough(income, intercept=True).fit(rates, 2016)
    assert set(with_const.coef_.index) == {"const", "income_growth"}
    # calibrated on other areas (the provinces) to forecast one more (the nation)
    nat = rates.iloc[:1].rename(index={"a0": "NAT"})
    nat_income = income.iloc[:1].rename(index={"a0": "NAT"})
    cal = GrowthPassThrough(nat_income, calibration=(rates, income)).fit(nat, 2016)
    assert cal.coef_growth_ == pytest.approx(model.coef_growth_)


def test_damped_ets_interpolates_irregular_years():
    rates, _, _ = _panel_like(3)
    model = DampedETS().fit(rates, 2016)
    assert len(model.results_) == 3
    assert model.results_[0].nobs == 7  # 2010-2016 annual after interpolating 2011
    assert set(model.params_.columns) >= {"smoothing_level", "smoothing_trend", "damping_trend"}
    with pytest.raises(PovmodelError, match="needs 4"):
        DampedETS().fit(rates, 2012)


def test_combination_weights_and_dropping():
    rates, income, national = _panel_like()
    comb = Combination({"trend": LogitTrend(), "last": LastValue()}, weights={"trend": 3, "last": 1}).fit(rates, 2014)
    assert comb.weights_ == {"trend": 0.75, "last": 0.25}
    fc = comb.forecast([2016], draws=50, seed=0)
    t = comb.members["trend"].forecast([2016], draws=5, seed=0).point
    last = comb.members["last"].forecast([2016], draws=5, seed=0).point
    np.testing.assert_allclose(logit(fc.point), 0.75 * logit(t) + 0.25 * logit(last))
    with pytest.raises(PovmodelError, match="needs 4"):
        Combination({"ets": DampedETS(), "last": LastValue()}).fit(rates, 2012)
    dropped = Combination({"ets": DampedETS(), "last": LastValue()}, on_member_error="drop").fit(rates, 2012)
    assert list(dropped.dropped_) == ["ets"] and dropped.weights_ == {"last": 1.0}


def test_clear_errors():
    rates, income, national = _panel_like()
    with pytest.raises(PovmodelError, match="origin 2005 is before the first year"):
        LogitTrend().fit(rates, 2005)
    gap = rates.copy()
    gap.loc["A3", [2010, 2012, 2013]] = np.nan
    with pytest.raises(PovmodelError, match=r"no observed rate up to 2013 for area\(s\) \['A3'\]"):
        LastValue().fit(gap, 2013)
    pct = rates * 100
    with pytest.raises(PovmodelError, match=r"area A0, year 2010 is outside \[0, 1\].*percent"):
        LogitTrend().fit(pct, 2014)
    with pytest.raises(PovmodelError, match="horizon year 2014 is not after the origin 2014"):
        LogitTrend().fit(rates, 2014).forecast([2014, 2015])
    with pytest.raises(NotFittedError):
        LogitTrend().forecast([2020])
    with pytest.raises(PovmodelError, match="draws"):
        LogitTrend().fit(rates, 2014).forecast([2015], draws=0)
    with pytest.raises(PovmodelError, match="no residual degrees of freedom"):
        LogitTrend().fit(rates, 2012)
    short_income = income.copy()
    short_income.loc["A0", [2012, 2014, 2016]] = np.nan
    with pytest.raises(PovmodelError, match="area A0 has fewer than 2 income years"):
        GrowthPassThrough(short_income).fit(rates, 2016)
    with pytest.raises(PovmodelError, match="no interval between income years"):
        GrowthPassThrough(income.drop(columns=[2012, 2014, 2016])).fit(rates, 2016)
    with pytest.raises(PovmodelError, match=r"no region given for area\(s\) \['A5'\]"):
        PanelConvergence(regions={f"A{i}": "r" for i in range(5)}).fit(rates, 2016)
    with pytest.raises(PovmodelError, match="no forward income growth for area"):
        GrowthPassThrough(income, growth={"A0": 0.1}).fit(rates, 2016)
    bad_income = income.copy()
    bad_income.loc["A2", 2012] = -5
    with pytest.raises(PovmodelError, match="income -5 for area A2, year 2012 is not positive"):
        GrowthPassThrough(bad_income)


# ---- series accessors on the real panel -----------------------------------------------------
@pytest.fixture(scope="module")
def panel():
    from povmodel import datasets

    return datasets.load_regional_panel()


def test_province_series_one_income_line(panel):
    s = province_series(panel)
    assert s.shape == (63, 6)
    assert list(s.columns) == [2010, 2012, 2013, 2014, 2015, 2016]
    assert np.isnan(s.loc["79", 2016]) and s.loc["01", 2016] == pytest.approx(0.013)
    assert s.attrs["standard"] == "gso-income-line" and s.attrs["preliminary_years"] == [2016]
    assert set(s.attrs["line_by_year"].values()) == {fs.GSO_LINE_2011_2015}
    with pytest.raises(PovmodelError, match="crosses the change of income line"):
        province_series(panel, first_year=2006)
    full = province_series(panel, first_year=2006, allow_line_change=True)
    assert full.columns[0] == 2006 and full.attrs["line_by_year"][2008] == fs.GSO_LINE_2006_2010
    assert fs.province_population(panel).shape[0] == 63
    assert list(fs.province_income(panel).columns) == [2010, 2012, 2014, 2016]


def test_national_series_keeps_standards_apart(panel):
    nat = national_series(panel)
    assert nat.loc[2021, "share"] == pytest.approx(0.0223) and nat.loc[2022, "standard"] == "2022-2025"
    with pytest.raises(PovmodelError, match="mixes standards"):
        single_standard(nat)
    old = single_standard(nat, "2016-2020")
    assert list(old.columns) == [2015, 2017, 2018, 2019, 2020, 2021]
    assert old.loc["NATIONAL", 2015] == pytest.approx(0.0988)
    with pytest.raises(PovmodelError, match="unknown source"):
        national_series(panel, "WB")


def test_rates_outside_0_100_are_rejected(panel):
    bad = panel.copy()
    row = bad.index[(bad["indicator"] == "poor_household_rate") & (bad["area_code"] == "02") & (bad["year"] == 2012)]
    bad.loc[row, "value"] = 138.5
    with pytest.raises(PovmodelError, match=r"outside \[0, 100\].*02 2012: 138.5"):
        province_series(bad)
    with pytest.raises(PovmodelError, match="no province"):
        province_series(panel[panel["indicator"] != "poor_household_rate"])
