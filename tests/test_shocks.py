"""Shock microsimulation: hand-computed cases, axioms (no shock = baseline, transfers never
reduce income, a more generous reform never raises poverty), calibration of the affected
shares, Monte Carlo behaviour, reproducibility, the shipped scenarios and the CLI contract."""

from __future__ import annotations

import json

import numpy as np
import pytest
from conftest import ROOT, run_cli
from hypothesis import given, settings
from hypothesis import strategies as st

from povmodel import pipeline
from povmodel.config import ScenarioSpec, load_scenario
from povmodel.errors import ConfigError, PovmodelError
from povmodel.shocks import published_comparison, simulate
from povmodel.shocks.prepare import prepare
from povmodel.shocks.simulate import _incomes, _plan

SCENARIOS = ROOT / "configs" / "scenarios"
SHIPPED = ("baseline", "covid_2020_wave1", "covid_2021_delta", "covid_2021_no_support", "prolonged_shock",
           "double_poor_transfer_2020")


@pytest.fixture(scope="module")
def survey(processed):
    return pipeline.load_synthetic_survey()


def spec(**changes) -> ScenarioSpec:
    base = {"name": "t", "year": 2020, "baseline_round": 2018,
            "shock": {"start_month": 4, "duration_months": 3,
                      "labour": [{"sector": "all", "lose_work": 0.1, "reduced_hours": 0.4}]}}
    base.update(changes)
    return ScenarioSpec.model_validate(base)


RES42_POOR = {"date": "2020-04-09", "benefits": [
    {"name": "poor", "amount": "covid_support.res42.poor_near_poor", "per": "person", "eligible": "poor_near_poor_list",
     "payments": "covid_support.res42.months", "take_up": 0.8}]}


def one_draw(prep, s, d=0, seed=3):
    rng = np.random.default_rng([seed, d])
    u = rng.random(int(prep.workers.sum()), dtype=np.float32)
    v = rng.random(prep.n, dtype=np.float32)
    return _incomes(prep, _plan(prep, s), u, v)


# ------------------------------------------------------------------------------------------
# hand-computed
# ------------------------------------------------------------------------------------------
def test_shock_months_by_hand():
    s = spec().shock
    assert s.shock_months() == 3.0
    faded = spec(shock={"start_month": 4, "duration_months": 3, "recovery_months": 3}).shock
    assert faded.shock_months() == pytest.approx(3 + (1 - 0.5 / 3) + (1 - 1.5 / 3) + (1 - 2.5 / 3))
    late = spec(shock={"start_month": 11, "duration_months": 3, "recovery_months": 2}).shock
    assert late.shock_months() == 2.0  # November and December only


def test_two_households_by_hand(survey):
    """Every worker loses all labour income for 3 months: monthly-average income falls by a
    quarter of labour income; the Res 42 transfer adds 3 x 250,000 / 12 per person."""
    rows = survey[survey["year"] == 2018].head(2).copy()
    rows["income_pc"] = [1_000_000.0, 2_000_000.0]
    rows["remittances_pc"] = [0.0, 400_000.0]
    rows["urban"] = False
    rows["hh_size"] = 4
    for c in [c for c in rows if c.startswith("dep_2016_")]:
        rows[c] = False
    s = spec(shock={"start_month": 4, "duration_months": 3,
                    "labour": [{"sector": "all", "lose_work": 1.0, "income_loss_lost": 1.0}]},
             support=RES42_POOR | {"benefits": [RES42_POOR["benefits"][0] | {"take_up": 1.0}]})
    prep = prepare(rows, s)
    income, loss, month_loss, affected, _ = one_draw(prep, s)
    order = np.argsort(prep.income)
    np.testing.assert_allclose(loss[order], [250_000.0, 400_000.0])  # (2,000,000 - 400,000) / 4
    np.testing.assert_allclose(month_loss[order], [1_000_000.0, 1_600_000.0])
    np.testing.assert_array_equal(affected[order], prep.workers[order])
    # 1,000,000 is near-poor in 2020 (700k < income <= 1M, no deprivation): on the list, so paid
    np.testing.assert_allclose(income[order], [750_000.0 + 3 * 250_000 / 12, 1_600_000.0])


# ------------------------------------------------------------------------------------------
# axioms
# ------------------------------------------------------------------------------------------
def test_unaffected_households_are_unchanged(survey):
    s = spec()
    prep = prepare(survey, s)
    income, loss, _, affected, _ = one_draw(prep, s)
    untouched = affected == 0
    assert 0 < untouched.sum() < prep.n
    np.testing.assert_array_equal(income[untouched], prep.income[untouched])
    assert (loss[~untouched] > 0).all()


def test_zero_shock_equals_the_baseline_exactly(survey):
    zero = spec(shock={"start_month": 1, "duration_months": 0,
                       "labour": [{"sector": "all", "lose_work": 0.0, "reduced_hours": 0.0}]})
    for s in (zero, load_scenario(SCENARIOS / "baseline.yaml")):
        r = simulate(survey, s, draws=3, seed=1)
        w = r.wide(stat="mean")
        assert (w["poor_rate_scenario"] == w["poor_rate_baseline"]).all()
        for m in ("newly_poor_households", "income_loss_vnd", "transfer_cost_vnd", "fgt1_change", "fgt2_change"):
            assert (w[m] == 0).all(), m


@settings(max_examples=15, deadline=None)
@given(amount=st.floats(0, 5e6), take_up=st.floats(0, 1), delay=st.integers(0, 12),
       eligible=st.sampled_from(["poor_near_poor_list", "formal_reduced", "informal_lost", "formal_workers",
                                 "household_business_stopped", "all_persons"]),
       per=st.sampled_from(["person", "worker", "household"]))
def test_transfers_never_reduce_income(survey_2018, amount, take_up, delay, eligible, per):
    prep, without = survey_2018
    support = {"date": "2020-04-09", "benefits": [{"name": "b", "amount": "covid_support.res42.poor_near_poor",
                                                   "per": per, "eligible": eligible, "payments": 1,
                                                   "take_up": take_up, "delay_months": delay}]}
    changes = {"covid_support.res42.poor_near_poor": {"2020-04-09": amount}}
    with_support = spec(support=support, parameter_changes=changes)
    income_with = one_draw(prep, with_support)[0]
    assert (income_with >= without).all()


@pytest.fixture(scope="module")
def survey_2018(survey):
    s = spec()
    prep = prepare(survey, s)
    return prep, one_draw(prep, s)[0]


def test_more_generous_reform_never_raises_poverty(survey):
    base = spec(support=RES42_POOR)
    reform = spec(name="more", support=RES42_POOR,
                  parameter_changes={"covid_support.res42.poor_near_poor": {"2020-04-09": 600000}})
    r = simulate(survey, base, reform=reform, draws=8, seed=2)
    for grouping in ("national", "province", "decile"):
        b = r.select("poor_rate_scenario", grouping, "t").set_index("group")["mean"]
        m = r.select("poor_rate_scenario", grouping, "more").set_index("group")["mean"]
        assert (m <= b + 1e-15).all()
    assert r.value("losers_share", scenario="more") == 0.0 and r.value("winners_share", scenario="more") > 0
    assert r.value("transfer_cost_vnd", scenario="more") == pytest.approx(
        2.4 * r.value("transfer_cost_vnd", scenario="t"), rel=1e-9)


# ------------------------------------------------------------------------------------------
# calibration, Monte Carlo, reproducibility
# ------------------------------------------------------------------------------------------
def test_ranking_hits_the_scenario_shares_and_the_less_educated_first(survey):
    s = load_scenario(SCENARIOS / "covid_2020_wave1.yaml")
    r = simulate(survey, s, draws=20, seed=5)
    table = published_comparison(r)
    sectors = table[table["metric"] == "workers_affected_share"]
    assert (sectors["gap"].abs() < 0.01).all(), sectors  # the GSO shares are the scenario's inputs
    prep = prepare(survey, s)
    from povmodel.shocks.prepare import worker_probabilities

    p, *_ = worker_probabilities(prep, s.shock)
    services = prep.sector == 2
    low = p[services & (prep.education <= 5)].mean()
    high = p[services & (prep.education >= 12)].mean()
    assert low > high


def test_monte_carlo_intervals_narrow_with_draws(survey):
    s = load_scenario(SCENARIOS / "covid_2021_delta.yaml")

    def width(draws):
        t = simulate(survey, s, draws=draws, seed=9).select("newly_poor_households")
        return float((t["high"] - t["low"]).iloc[0])

    few, many = width(8), width(64)
    assert many < 0.6 * few  # expected ratio sqrt(8/64) = 0.35


def test_reproducible_whatever_the_number_of_workers(survey):
    s = load_scenario(SCENARIOS / "covid_2020_wave1.yaml")
    one = simulate(survey, s, draws=6, seed=11, workers=1).table
    two = simulate(survey, s, draws=6, seed=11, workers=2).table
    other = simulate(survey, s, draws=6, seed=12, workers=2).table
    assert one.equals(two)
    assert not one["mean"].equals(other["mean"])


def test_province_totals_add_up_to_national(survey):
    r = simulate(survey, load_scenario(SCENARIOS / "covid_2021_delta.yaml"), draws=4, seed=1)
    for metric in ("newly_poor_households", "transfer_cost_vnd", "income_loss_vnd"):
        provinces = r.select(metric, "province")
        assert (provinces["quality"] != "suppressed").all()
        assert provinces["mean"].sum() == pytest.approx(r.value(metric), rel=1e-9)
    # the Delta wave hits the southern lockdown regions hardest (in reach; poverty rises most
    # where many households live near the line, which the rich South-East does not)
    regions = r.select("households_income_fell_share", "region").set_index("group")["mean"]
    assert regions[["SE", "MRD"]].min() > regions.drop(["SE", "MRD"]).max()


# ------------------------------------------------------------------------------------------
# scenarios, errors, CLI
# ------------------------------------------------------------------------------------------
@pytest.mark.parametrize("name", SHIPPED)
def test_shipped_scenarios_run(survey, name):
    s = load_scenario(SCENARIOS / f"{name}.yaml")
    r = simulate(survey, s, draws=2, seed=1)
    rate = r.value("poor_rate_scenario")
    assert 0 < rate < 0.5 and np.isfinite(r.value("newly_poor_households"))


def test_scenario_errors_are_clear(tmp_path):
    with pytest.raises(Exception, match="exceeds 1"):
        spec(shock={"start_month": 1, "duration_months": 1, "labour": [
            {"sector": "services", "lose_work": 0.7, "reduced_hours": 0.5}]})
    bad = tmp_path / "bad.yaml"
    bad.write_text("name: bad\nshock: {start_month: 4, duration_months: 3}\nsupport:\n  date: 2020-04-09\n"
                   "  benefits:\n    - {name: x, amount: covid_support.res42.poor_nearpoor, per: person,"
                   " eligible: poor_near_poor_list}\n", encoding="utf-8")
    with pytest.raises(ConfigError) as err:
        load_scenario(bad)
    text = str(err.value)
    assert "year" in text and "baseline_round" in text
    with pytest.raises(PovmodelError, match="no households in baseline round 2019"):
        simulate(pipeline.load_synthetic_survey(), spec(baseline_round=2019), draws=1, seed=1)


@pytest.mark.slow
def test_simulate_cli_json_contract():
    res = run_cli("simulate", "--scenario", str(SCENARIOS / "covid_2021_delta.yaml"), "--draws", "10", "--seed",
                  "3", "--json")
    assert res.returncode == 0, res.stderr
    out = json.loads(res.stdout)
    keys = ("newly_poor_households", "repoor_households", "poor_rate_baseline", "poor_rate_scenario",
            "transfer_cost_vnd")
    for entry in (out["national"], *out["province"]):
        for key in keys:
            assert set(entry[key]) >= {"mean", "low", "high"}, key
    assert len(out["province"]) == 63 and out["synthetic"] is True and out["draws"] == 10
    assert out["national"]["poor_rate_scenario"]["mean"] > out["national"]["poor_rate_baseline"]["mean"]
