"""Forecasting poverty rates by area: tidy series from the real panel, logit-scale models with
simulated intervals, and rolling-origin backtests against naive baselines.

Modules: :mod:`~povmodel.forecast.series` (GSO province and MOLISA national series, one standard
at a time), :mod:`~povmodel.forecast.models` (``LastValue``, ``NationalTrend``, ``LogitTrend``,
``DampedETS``, ``PanelConvergence``, ``GrowthPassThrough``, ``Combination``),
:mod:`~povmodel.forecast.backtest`, :mod:`~povmodel.forecast.bridge` (logit bridges between
standards), :mod:`~povmodel.forecast.coherence` (province / region / nation reconciliation on
counts), :mod:`~povmodel.forecast.targets` (probability of meeting the programme's targets) and
:mod:`~povmodel.forecast.planning` (:func:`forecast_paths`: everything together).
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
from povmodel.forecast.bridge import apply_bridge, bridge_factors, sample_bridge
from povmodel.forecast.coherence import ReconciledDraws, aggregate, clip_redistribute, reconcile
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
from povmodel.forecast.planning import ForecastPaths, ScenarioShock, forecast_paths, scenario_shock
from povmodel.forecast.series import (
    gso_rate_series,
    national_income,
    national_series,
    province_income,
    province_population,
    province_series,
    single_standard,
)
from povmodel.forecast.targets import (
    LevelDraws,
    ethnic_majority,
    light_counts,
    read_targets,
    target_attainment,
    traffic_light,
)

__all__ = [
    "BacktestResult",
    "Combination",
    "DampedETS",
    "ForecastDraws",
    "ForecastModel",
    "ForecastPaths",
    "GrowthPassThrough",
    "LastValue",
    "LevelDraws",
    "LogitTrend",
    "NationalTrend",
    "PanelConvergence",
    "ReconciledDraws",
    "ScenarioShock",
    "aggregate",
    "apply_bridge",
    "backtest_national",
    "backtest_provinces",
    "bridge_factors",
    "clip_redistribute",
    "ethnic_majority",
    "forecast_paths",
    "gso_rate_series",
    "inverse_mae_weights",
    "light_counts",
    "national_income",
    "national_models",
    "national_series",
    "province_income",
    "province_models",
    "province_population",
    "province_series",
    "read_targets",
    "reconcile",
    "rolling_origin",
    "sample_bridge",
    "scenario_shock",
    "single_standard",
    "target_attainment",
    "traffic_light",
]
