"""Planning forecasts: bridges between standards, coherent province / region / nation draws, target
attainment, forecast_paths (no use of data after the origin) and the ``povmodel forecast`` command."""

from __future__ import annotations

import json
import math

import numpy as np
import pandas as pd
import pytest
from conftest import run_cli
from hypothesis import given, settings
from hypothesis import strategies as st

from povmodel import admin, measure
from povmodel.errors import PovmodelError
from povmodel.forecast.bridge import apply_bridge, bridge_factors
from povmodel.forecast.coherence import aggregate, reconcile
from povmodel.forecast.models import expit, logit
from povmodel.forecast.planning import ScenarioShock, forecast_paths
from povmodel.forecast.targets import LevelDraws, read_targets, target_attainment, traffic_light
from povmodel.measure.classify import deprivation_columns_for, snapshot_of
from povmodel.parameters import load_parameters


# ----------------------------------------------------------------------------------------------
# bridge
# ----------------------------------------------------------------------------------------------
def hand_households(n: int = 2000, seed: int = 0) -> tuple[pd.DataFrame, np.ndarray, ...]:
    """Households of one 2022 round in two provinces whose class under each standard is known by
    construction: no 2016 deprivation (poor-2016 <=> income <= 2016 line), and 2022 / 2027
    deprivations all-or-none (poor <=> income <= line and deprived)."""
    rng = np.random.default_rng(seed)
    s16, s22, s27 = (snapshot_of(s) for s in ("2016-2020", "2022-2025", "2027-2030"))
    line16, line22, line27 = s16.income_line.rural, s22.income_line.rural, s27.income_line.rural
    level = rng.choice(4, n, p=[0.2, 0.25, 0.2, 0.35])
    income = np.select([level == 0, level == 1, level == 2],
                       [0.5 * line16, (line16 + line22) / 2 + 1, (line22 + line27) / 2], 2.0 * line27)
    deprived = rng.random(n) < 0.6
    table = pd.DataFrame({"hh_id": [f"h{i}" for i in range(n)], "year": 2022,
                          "province": rng.choice(["01", "02"], n), "urban": False,
                          "weight": rng.uniform(50, 150, n), "income_pc": income.astype(float)})
    for c in deprivation_columns_for("2016-2020"):
        table[c] = False
    for std in ("2022-2025", "2027-2030"):
        for c in deprivation_columns_for(std):
            table[c] = deprived
    w = table["weight"].to_numpy()
    poor16 = (income <= line16).astype(float)
    poor22 = ((income <= line22) & deprived).astype(float)
    poor27 = ((income <= line27) & deprived).astype(float)
    return table, w, poor16, poor22, poor27


def test_bridge_equals_the_hand_computed_logit_difference():
    table, w, poor16, poor22, _ = hand_households()
    f = bridge_factors(table, year=2022, strata=None, psu=None).set_index("area")
    for area, mask in [("NATIONAL", np.ones(len(w), bool)), ("01", table["province"].eq("01").to_numpy()),
                       ("NMM", table["province"].eq("02").to_numpy())]:  # province 02 (Ha Giang) is in NMM
        p_from = np.sum(w[mask] * poor16[mask]) / np.sum(w[mask])
        p_to = np.sum(w[mask] * poor22[mask]) / np.sum(w[mask])
        assert f.loc[area, "p_from"] == pytest.approx(p_from, rel=1e-12)
        assert f.loc[area, "p_to"] == pytest.approx(p_to, rel=1e-12)
        assert f.loc[area, "bridge"] == pytest.approx(np.log(p_to / (1 - p_to)) - np.log(p_from / (1 - p_from)),
                                                      rel=1e-12)
    assert set(f["area_level"]) == {"national", "region", "province"}
    assert len(f) == 1 + 2 + 2  # provinces and regions without households are left out


def test_bridge_delta_method_se_matches_a_bootstrap():
    table, w, poor16, poor22, _ = hand_households(n=3000, seed=1)
    f = bridge_factors(table, year=2022, strata=None, psu=None, by="national").iloc[0]
    rng = np.random.default_rng(7)
    idx = rng.integers(0, len(w), size=(600, len(w)))
    ww = w[idx]
    pf = (ww * poor16[idx]).sum(1) / ww.sum(1)
    pt = (ww * poor22[idx]).sum(1) / ww.sum(1)
    sd = np.std(np.log(pt / (1 - pt)) - np.log(pf / (1 - pf)), ddof=1)
    assert f["se"] == pytest.approx(sd, rel=0.2)
    # the two rates share their households: the covariance enters
    assert f["cov"] == pytest.approx(np.cov(pf, pt)[0, 1], rel=0.35)


def test_bridge_to_the_2027_standard_and_its_errors():
    table, *_ = hand_households(n=800, seed=2)
    f = bridge_factors(table, year=2022, from_standard="2022-2025", to_standard="2027-2030", by="national",
                       strata=None, psu=None).iloc[0]
    est = {s: measure.estimate(table, standard=s, measures=["poor_rate"], strata=None, psu=None)
           .estimate("poor_rate") for s in ("2022-2025", "2027-2030")}
    assert f["p_from"] == pytest.approx(est["2022-2025"])
    assert f["p_to"] == pytest.approx(est["2027-2030"])
    assert f["bridge"] > 0  # the 2027 line is higher
    with pytest.raises(PovmodelError, match="2027-2030"):
        bridge_factors(table.drop(columns=deprivation_columns_for("2027-2030")), year=2022,
                       from_standard="2022-2025", to_standard="2027-2030", strata=None, psu=None)
    with pytest.raises(PovmodelError, match="2019"):
        bridge_factors(table, year=2019, strata=None, psu=None)
    with pytest.raises(PovmodelError, match="2030-2035"):
        bridge_factors(table, year=2022, to_standard="2030-2035", strata=None, psu=None)


def test_apply_bridge_moves_draws_by_the_factor_with_its_uncertainty():
    factors = pd.DataFrame({"area": ["A", "B"], "bridge": [1.0, -0.5], "se": [0.2, 0.0]})
    p = np.full((4000, 2, 3), 0.05)
    exact = apply_bridge(p, factors, areas=["A", "B"], uncertainty=False)
    np.testing.assert_allclose(logit(exact) - logit(p), np.broadcast_to(np.array([1.0, -0.5])[None, :, None], p.shape),
                               atol=1e-9)
    np.testing.assert_allclose(apply_bridge(exact, factors, areas=["A", "B"], uncertainty=False, inverse=True), p,
                               rtol=1e-9)
    noisy = logit(apply_bridge(p, factors, areas=["A", "B"], seed=3)) - logit(p)
    assert noisy[:, 0].std() == pytest.approx(0.2, rel=0.1)
    assert np.ptp(noisy[:, 0, :], axis=1).max() < 1e-9  # one bridge per draw, shared by every year
    assert noisy[:, 1].std() < 1e-9
    with pytest.raises(PovmodelError, match="C"):
        apply_bridge(p, factors, areas=["A", "C"])


# ----------------------------------------------------------------------------------------------
# coherence
# ----------------------------------------------------------------------------------------------
PROVINCES = admin.province_codes()


@given(seed=st.integers(0, 2**31 - 1), spread=st.floats(0.1, 4.0), gap=st.floats(-4.0, 4.0))
@settings(max_examples=60, deadline=None)
def test_reconciled_counts_add_up_and_rates_stay_in_bounds(seed, spread, gap):
    rng = np.random.default_rng(seed)
    d, y = 40, 3
    rates = expit(rng.normal(-2.0, spread, (d, len(PROVINCES), y)))
    hh = rng.uniform(1e3, 1e5, len(PROVINCES))
    nat_sum = (rates * hh[None, :, None]).sum(1) / hh.sum()
    national = expit(logit(nat_sum, 1e-9) + gap + rng.normal(0, 0.3, (d, y)))
    rec = reconcile(rates, hh, national, provinces=PROVINCES, years=[2021, 2022, 2023])
    assert (rec.province_rates >= 0).all() and (rec.province_rates <= 1 + 1e-12).all()
    assert (rec.national_rates >= 0).all() and (rec.national_rates <= 1).all()
    np.testing.assert_allclose(rec.region_counts.sum(axis=1), rec.national_counts, rtol=1e-10)
    region = admin.provinces().set_index("code").loc[PROVINCES, "region_code"].to_numpy()
    for j, r in enumerate(rec.regions):
        np.testing.assert_allclose(rec.province_counts[:, region == r].sum(axis=1), rec.region_counts[:, j],
                                   rtol=1e-10)
    # the WLS total survives the clipping: sum(b) + w (N - sum(b)), w = sum(v) / (sum(v) + v_N)
    b_hat, n_hat = rates * hh[None, :, None], national * hh.sum()
    expected = b_hat.sum(1) + rec.weight_national[None] * (n_hat - b_hat.sum(1))
    np.testing.assert_allclose(rec.national_counts, expected, rtol=1e-7)


def test_reconcile_changes_nothing_when_the_nation_is_the_sum_and_top_down_binds():
    rng = np.random.default_rng(4)
    rates = expit(rng.normal(-2.5, 1.0, (200, len(PROVINCES), 2)))
    hh = rng.uniform(1e3, 1e5, (len(PROVINCES), 2))
    national = (rates * hh[None]).sum(1) / hh.sum(0)[None]
    rec = reconcile(rates, hh, national, provinces=PROVINCES, years=[2024, 2025])
    np.testing.assert_allclose(rec.province_rates, rates, atol=1e-12)
    np.testing.assert_allclose(rec.national_rates, national, atol=1e-12)
    agg = aggregate(rates, hh, provinces=PROVINCES, years=[2024, 2025])
    np.testing.assert_allclose(agg.region_counts, rec.region_counts, rtol=1e-12)
    other = np.clip(national * 1.3, 0, 1)
    top = reconcile(rates, hh, other, provinces=PROVINCES, years=[2024, 2025], national_variance=[0.0, 0.0])
    np.testing.assert_allclose(top.national_rates, other, rtol=1e-9)
    np.testing.assert_allclose(top.weight_national, 1.0)


# ----------------------------------------------------------------------------------------------
# targets
# ----------------------------------------------------------------------------------------------
def test_target_probabilities_follow_the_draws_and_the_parameters():
    rng = np.random.default_rng(5)
    d, grid = 5000, list(range(2020, 2026))
    fall = rng.uniform(0.0, 2.0, (d, 2))  # pp a year
    poor = np.empty((d, 2, len(grid)))
    for j, yr in enumerate(grid):
        poor[:, :, j] = 0.12 - fall / 100 * (yr - 2020)
    near = np.full_like(poor, 0.05)
    hh = np.full((2, len(grid)), 1000.0)
    out = target_attainment({"province": LevelDraws(("A", "B"), poor, near, hh, synthetic=True)}, years=grid,
                            base_year=2020, end_year=2025, ethnic_majority_areas=["B"])
    values = read_targets(2021)
    tree = load_parameters()
    assert values["poverty_rate_fall_min"]["value"] == tree.get(
        "targets.poverty_rate_reduction_pp_per_year.min").at("2021-01-01")
    t = out.set_index(["area", "target"])
    for name in ("poverty_rate_fall_min", "poverty_rate_fall_max"):
        thr = values[name]["value"]
        assert t.loc[("A", name), "threshold"] == thr
        assert t.loc[("A", name), "probability"] == pytest.approx(np.mean(fall[:, 0] >= thr - 1e-12), abs=1e-3)
    assert ("A", "ethnic_minority_fall") not in t.index and ("B", "ethnic_minority_fall") in t.index
    assert t.loc[("B", "ethnic_minority_fall"), "threshold"] == values["ethnic_minority_fall"]["value"]
    both = (poor + near)[:, 0]
    share = values["poor_near_poor_halving"]["value"]
    assert t.loc[("A", "poor_near_poor_halving"), "probability"] == pytest.approx(
        np.mean(both[:, -1] / both[:, 0] <= 1 - share))
    assert out["probability"].between(0, 1).all()
    assert list(traffic_light([0.8, 0.79, 0.5, 0.49])) == ["green", "amber", "amber", "red"]
    later = target_attainment({"national": LevelDraws(("NATIONAL",), poor[:, :1], near[:, :1], hh[:1])},
                              years=[y + 5 for y in grid], base_year=2025, end_year=2030)
    assert "ethnic_minority_fall" not in set(later["target"])  # not set for 2026-2030 in the parameters
    assert any("ethnic_minority_fall" in n for n in later.attrs["notes"])


# ----------------------------------------------------------------------------------------------
# forecast_paths
# ----------------------------------------------------------------------------------------------
@pytest.fixture(scope="module")
def survey(processed):
    from povmodel import pipeline

    return pipeline.load_synthetic_survey()


@pytest.fixture(scope="module")
def panel(processed):
    from povmodel import datasets

    return datasets.load_regional_panel()


@pytest.fixture(scope="module")
def paths_2020(survey, panel):
    return forecast_paths(None, households=survey, panel=panel, origin=2020, draws=200, seed=11)


def test_forecast_paths_table_and_targets(paths_2020):
    p = paths_2020.paths
    assert set(p["area_level"]) == {"national", "region", "province"}
    assert set(p["indicator"]) == {"poor_rate", "near_poor_rate"}
    assert sorted(p["year"].unique()) == list(range(2021, 2026))
    assert len(p) == 2 * 5 * (1 + 6 + 63)
    assert (p["standard"] == "2022-2025").all() and p["synthetic"].all()
    assert ((p["low"] <= p["mean"] + 1e-9) & (p["mean"] <= p["high"] + 1e-9)).all()
    assert p[["mean", "low", "high"]].stack().between(0, 100).all()
    t = paths_2020.targets.set_index(["area", "target"])["probability"]
    assert t.between(0, 1).all()
    fall_min = t.xs("poverty_rate_fall_min", level="target")
    fall_max = t.xs("poverty_rate_fall_max", level="target")
    assert (fall_max <= fall_min.reindex(fall_max.index)).all()
    assert not paths_2020.bridge.empty and (paths_2020.bridge["year"] == 2020).all()


def test_forecast_paths_use_no_data_after_the_origin(survey, panel, paths_2020):
    later = survey["year"] > 2020
    perturbed = survey.copy()
    perturbed.loc[later, "income_pc"] *= 0.5
    perturbed.loc[later, "weight"] *= 1.7
    perturbed.attrs = survey.attrs
    panel2 = panel.copy()
    after = (panel2["year"] > 2020) & panel2["indicator"].str.contains("household_rate")
    assert after.any()
    panel2.loc[after, "value"] *= 0.5
    again = forecast_paths(None, households=perturbed, panel=panel2, origin=2020, draws=200, seed=11)
    pd.testing.assert_frame_equal(again.paths, paths_2020.paths)
    pd.testing.assert_frame_equal(again.targets, paths_2020.targets)
    # ... while the origin year itself matters
    moved = survey.copy()
    moved.loc[survey["year"] == 2020, "income_pc"] *= 0.8
    changed = forecast_paths(None, households=moved, panel=panel, origin=2020, draws=200, seed=11,
                             model="logit_trend")
    base = forecast_paths(None, households=survey, panel=panel, origin=2020, draws=200, seed=11, model="logit_trend")
    assert not np.allclose(changed.paths["mean"], base.paths["mean"])


def test_scenario_shock_enters_its_year_and_fades(survey, panel):
    codes = [*PROVINCES, "NATIONAL"]
    shock = ScenarioShock("test", 2021, baseline=pd.Series(0.05, index=codes), change=pd.Series(0.02, index=codes))
    args = {"households": survey, "panel": panel, "origin": 2020, "draws": 200, "seed": 3, "model": "logit_trend"}
    base = forecast_paths(None, **args).paths
    hit = forecast_paths(None, shock=shock, **args).paths
    nat = (base["area"] == "NATIONAL") & (base["indicator"] == "poor_rate")
    diff = (hit.loc[nat, "mean"].to_numpy() - base.loc[nat, "mean"].to_numpy())
    assert diff[0] > diff[1] > 0  # 2021 full, 2022 half
    np.testing.assert_allclose(diff[2:], 0.0, atol=1e-12)
    with pytest.raises(PovmodelError, match="unknown model"):
        forecast_paths(None, households=survey, origin=2020, draws=50, seed=1, model="arima")


# ----------------------------------------------------------------------------------------------
# command line
# ----------------------------------------------------------------------------------------------
def test_cli_forecast_json_contract(processed):
    out = run_cli("forecast", "--config", "configs/default.yaml", "--origin", "2020", "--json", "--draws", "200")
    assert out.returncode == 0, out.stderr
    data = json.loads(out.stdout)
    records = data["records"]
    assert records
    for r in records:
        assert {"area", "year", "indicator", "standard", "mean", "low", "high"} <= set(r)
        values = [r["mean"], r["low"], r["high"]]
        assert all(isinstance(v, float | int) and math.isfinite(v) for v in values), r
        assert r["low"] <= r["mean"] <= r["high"], r
        assert all(0 <= v <= 100 for v in values), r
    assert {r["area"] for r in records} >= {"NATIONAL", "RRD", "01"}
    assert {r["year"] for r in records} == set(range(2021, 2026))
    targets = data["targets"]
    assert targets and all(0 <= t["probability"] <= 1 for t in targets)
    assert data["synthetic"] is True


def test_cli_forecast_rejects_an_unknown_scenario(processed):
    out = run_cli("forecast", "--config", "configs/default.yaml", "--scenario", "covid_2021_delt", "--draws", "50")
    assert out.returncode == 2
    assert "covid_2021_delta" in out.stderr and "Traceback" not in out.stderr
