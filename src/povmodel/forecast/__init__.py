"""Forecasting poverty rates by area: tidy series from the real panel, logit-scale models with
simulated intervals, and rolling-origin backtests against naive baselines.

Modules: :mod:`~povmodel.forecast.series` (GSO province and MOLISA national series, one standard
at a time), :mod:`~povmodel.forecast.models` (``LastValue``, ``NationalTrend``, ``LogitTrend``,
``DampedETS``, ``PanelConvergence``, ``GrowthPassThrough``, ``Combination``) and
:mod:`~povmodel.forecast.backtest`.
"""

from povmodel.forecast.backtest import (
    BacktestResult,
    backtest_national,
    backtest_provinces,
    inverse_mae_weights,
    national_models,
    province_models,
    rolling_origin,
)
from povmodel.forecast.models import (
    Combination,
    DampedETS,
    ForecastDraws,
    ForecastModel,
    GrowthPassThrough,
    LastValue,
    LogitTrend,
    NationalTrend,
    PanelConvergence,
)
from povmodel.forecast.series import (
    gso_rate_series,
    national_income,
    national_series,
    province_income,
    province_population,
    province_series,
    single_standard,
)

__all__ = [
    "BacktestResult",
    "Combination",
    "DampedETS",
    "ForecastDraws",
    "ForecastModel",
    "GrowthPassThrough",
    "LastValue",
    "LogitTrend",
    "NationalTrend",
    "PanelConvergence",
    "backtest_national",
    "backtest_provinces",
    "gso_rate_series",
    "inverse_mae_weights",
    "national_income",
    "national_models",
    "national_series",
    "province_income",
    "province_models",
    "province_population",
    "province_series",
    "rolling_origin",
    "single_standard",
]
