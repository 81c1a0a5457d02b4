"""Rolling-origin backtests: metrics checked by hand on a tiny case, and on the real series."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from scipy.special import expit, logit

from povmodel.errors import PovmodelError
from povmodel.forecast import (
    LastValue,
    LogitTrend,
    NationalTrend,
    PanelConvergence,
    backtest_national,
    inverse_mae_weights,
    province_series,
    rolling_origin,
)
from povmodel.forecast.backtest import TABLE_COLUMNS

TINY = pd.DataFrame({2010: [0.30, 0.12], 2012: [0.20, 0.10], 2013: [0.18, 0.09], 2014: [0.15, 0.07]},
                    index=["A", "B"])
NATIONAL = pd.Series({2010: 0.20, 2012: 0.15, 2013: 0.13, 2014: 0.11})


def test_last_value_metrics_by_hand():
    result = rolling_origin(TINY, {"last_value": LastValue()}, [2012], draws=2000, seed=1, label="tiny")
    table = result.table
    assert list(table.columns) == TABLE_COLUMNS
    assert table[["origin", "horizon", "n"]].to_numpy().tolist() == [[2012, 1, 2], [2012, 2, 2]]
    # errors in pp: A 20 -> 18, 15 (2, 5); B 10 -> 9, 7 (1, 3)
    h1, h2 = table.iloc[0], table.iloc[1]
    assert h1["mae_pp"] == pytest.approx((2 + 1) / 2)
    assert h1["rmse_pp"] == pytest.approx(np.sqrt((2**2 + 1**2) / 2))
    assert h2["mae_pp"] == pytest.approx((5 + 3) / 2)
    assert h2["rmse_pp"] == pytest.approx(np.sqrt((5**2 + 3**2) / 2))
    errors = result.errors
    assert errors["point"].tolist() == pytest.approx([20, 20, 10, 10])
    assert errors["actual"].tolist() == pytest.approx([18, 15, 9, 7])
    assert ((errors["low95"] <= errors["low80"]) & (errors["high80"] <= errors["high95"])).all()
    cov = ((errors["actual"] >= errors["low80"]) & (errors["actual"] <= errors["high80"])).groupby(
        errors["horizon"]).mean()
    assert table["coverage80"].tolist() == pytest.approx(cov.tolist())


def test_national_trend_and_summary_by_hand():
    models = {"last_value": LastValue(), "national_trend": NationalTrend(NATIONAL), "logit_trend": LogitTrend()}
    result = rolling_origin(TINY, models, [2012, 2013], draws=500, seed=0)
    # national logit slope over 2010-2012 (two points) from the last value
    slope = (logit(0.15) - logit(0.20)) / 2
    nt = result.errors.query("model == 'national_trend' and origin == 2012").sort_values(["area", "year"])
    expected = 100 * expit(logit(np.array([0.20, 0.20, 0.10, 0.10])) + slope * np.array([1, 2, 1, 2]))
    assert nt["point"].to_numpy() == pytest.approx(expected)
    # logit_trend needs three years: skipped at 2012 with the reason
    assert result.skipped[["model", "origin"]].to_numpy().tolist() == [["logit_trend", 2012]]
    assert "degrees of freedom" in result.skipped["reason"].iloc[0]
    s = result.summary.set_index("model")
    assert s.loc["last_value", "n"] == 6 and s.loc["logit_trend", "n"] == 2
    assert s.loc["logit_trend", "n_common"] == 2
    # baselines are compared on the same cases as the model
    lv_2013 = result.errors.query("model == 'last_value' and origin == 2013")["error"].abs().mean()
    assert s.loc["logit_trend", "last_value_mae_pp"] == pytest.approx(lv_2013)
    assert s.loc["national_trend", "beats_last_value"] == (s.loc["national_trend", "mae_pp"] < s.loc["last_value",
                                                                                                     "mae_pp"])
    assert set(result.winners()) <= {"logit_trend"}
    assert result.verdict().startswith("series:")
    weights = inverse_mae_weights(result, ["logit_trend", "national_trend"])
    assert sum(weights.values()) == pytest.approx(1.0)


def test_backtest_errors():
    with pytest.raises(PovmodelError, match="no observed year after origin 2014"):
        rolling_origin(TINY, {"last_value": LastValue()}, [2014])
    with pytest.raises(PovmodelError, match="no model could be fitted"):
        rolling_origin(TINY, {"logit_trend": LogitTrend()}, [2012])
    with pytest.raises(PovmodelError, match="outside"):
        rolling_origin(TINY * 100, {"last_value": LastValue()}, [2012])


@pytest.fixture(scope="module")
def panel():
    from povmodel import datasets

    return datasets.load_regional_panel()


def test_national_molisa_backtest_real(panel):
    result = backtest_national(panel, draws=300)
    t = result.table.set_index(["model", "origin", "horizon"])
    # last value by hand: 2019 = 3.75 %, published 2020 = 2.75 %, 2021 = 2.23 %
    assert t.loc[("last_value", 2019, 1), "mae_pp"] == pytest.approx(1.00)
    assert t.loc[("last_value", 2019, 2), "mae_pp"] == pytest.approx(1.52)
    assert t.loc[("last_value", 2018, 3), "mae_pp"] == pytest.approx(5.35 - 2.23)
    assert result.errors["year"].max() == 2021  # never the 2022-2025 standard
    assert (t["n"] == 1).all()
    assert list(result.skipped["model"]) == ["panel_convergence"]  # too few changes at 2018


def test_province_backtest_real_fast_models(panel):
    series = province_series(panel)
    models = {"last_value": LastValue(), "logit_trend": LogitTrend(), "panel_convergence": PanelConvergence()}
    result = rolling_origin(series, models, [2014], draws=200, seed=0, label="GSO provinces")
    t = result.table.set_index(["model", "horizon"])
    assert t.loc[("last_value", 1), "n"] == 63 and t.loc[("last_value", 2), "n"] == 62  # Hồ Chí Minh City: no 2016
    # published 0.0 % is floored at 0.05 % before the logit, so the last value of such an area is 0.05 %
    by_hand = (series[2015] - series[2014].clip(lower=0.0005)).abs().mean() * 100
    assert t.loc[("last_value", 1), "mae_pp"] == pytest.approx(by_hand)
    assert ((result.table[["coverage80", "coverage95"]] >= 0) & (result.table[["coverage80", "coverage95"]] <= 1)).all(
        axis=None)


@pytest.mark.slow
def test_backtest_cli_json():
    import json

    from conftest import run_cli

    res = run_cli("backtest", "--draws", "200", "--json")
    assert res.returncode == 0, res.stderr
    out = json.loads(res.stdout)
    assert [r["series"].split(" ")[0] for r in out] == ["GSO", "MOLISA"]
    province = out[0]
    assert province["winners"] and "beat both naive baselines" in province["verdict"]
    assert {"model", "origin", "horizon", "mae_pp"} <= set(province["table"][0])
