"""Rolling-origin backtests of the forecasting models on the real series.

At each origin every model is fitted on the years up to the origin and forecasts the observed
years after it (up to ``last_year``); the central forecast is scored against the published rate
(MAE and RMSE in percentage points) and the simulated 80% and 95% intervals by their coverage.
Two naive baselines are always included: ``last_value`` (the last published rate carries
forward) and ``national_trend`` (every area's logit moves by the national logit slope).

:func:`backtest_provinces` uses the GSO province series 2010-2016 (one income line);
:func:`backtest_national` the MOLISA national series under one standard (2016-2020: 2015-2021).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from povmodel.errors import EstimatorInputError, PovmodelError
from povmodel.forecast import series as fs
from povmodel.forecast.models import (
    Combination,
    DampedETS,
    ForecastModel,
    GrowthPassThrough,
    LastValue,
    LogitTrend,
    NationalTrend,
    PanelConvergence,
    check_series,
)

BASELINES = ("last_value", "national_trend")
TABLE_COLUMNS = ["model", "origin", "horizon", "mae_pp", "rmse_pp", "coverage80", "coverage95", "n"]


@dataclass
class BacktestResult:
    """What a rolling-origin backtest found.

    Attributes
    ----------
    label
        The series backtested.
    table
        One row per model, origin and horizon (years after the origin): ``mae_pp``, ``rmse_pp``
        (percentage points), ``coverage80``, ``coverage95`` (shares of published rates inside the
        intervals) and ``n`` (area-years scored).
    errors
        One row per model, origin, area and target year: actual, point, intervals (percent).
    summary
        One row per model over all its cases (``n``): the metrics, each baseline's MAE on the same
        cases (``last_value_mae_pp``, ``national_trend_mae_pp``) and whether the model beats it
        (``beats_last_value``, ``beats_national_trend``); ``mae_pp_common`` over the ``n_common``
        cases every model forecast.
    skipped
        Models that could not be fitted at an origin, with the reason.
    notes
        Other remarks (e.g. members a combination left out).
    """

    label: str
    table: pd.DataFrame
    errors: pd.DataFrame
    summary: pd.DataFrame
    skipped: pd.DataFrame
    notes: list[str] = field(default_factory=list)

    def winners(self) -> list[str]:
        """Models (not baselines) whose MAE is below both baselines' on the same cases, best first
        (by MAE relative to the better baseline on those cases)."""
        s = self.summary.set_index("model")
        flags = [f"beats_{b}" for b in BASELINES if f"beats_{b}" in s]
        if not flags:
            return []
        won = s[~s.index.isin(BASELINES) & s[flags].astype(bool).all(axis=1).to_numpy()]
        ratio = won["mae_pp"] / won[[f"{b}_mae_pp" for b in BASELINES if f"{b}_mae_pp" in s]].min(axis=1)
        return list(ratio.sort_values().index)

    def verdict(self) -> str:
        """One sentence: which models beat the naive baselines on MAE."""
        s = self.summary.set_index("model")
        won = self.winners()
        base = ", ".join(f"{b} {s.loc[b, 'mae_pp']:.2f} pp (n = {int(s.loc[b, 'n'])})"
                         for b in BASELINES if b in s.index)
        if not won:
            return f"{self.label}: no model beats both naive baselines on MAE (baselines {base})."
        def line(m: str) -> str:
            base_mae = " / ".join(f"{s.loc[m, f'{b}_mae_pp']:.2f}" for b in BASELINES if f"{b}_mae_pp" in s)
            return f"{m} {s.loc[m, 'mae_pp']:.2f} pp vs {base_mae} (n = {int(s.loc[m, 'n'])})"

        listed = "; ".join(line(m) for m in won)
        return (f"{self.label}: {len(won)} model(s) beat both naive baselines on MAE on the same cases "
                f"(model vs {' / '.join(b for b in BASELINES if b in s.index)}): {listed}; best {won[0]}.")


def _coverage(actual, low, high) -> np.ndarray:
    return (actual >= low) & (actual <= high)


def rolling_origin(series: pd.DataFrame, models: Mapping[str, ForecastModel], origins: Iterable[int], *,
                   last_year: int | None = None, draws: int = 1000, seed: int = 0,
                   label: str = "series") -> BacktestResult:
    """Rolling-origin backtest of ``models`` on ``series`` (areas x years of shares).

    Parameters
    ----------
    series
        Areas x years of shares (the published values to score against).
    models
        Name -> model; each is refitted at every origin.
    origins
        Last years of data the models see; targets are the years after the origin (up to
        ``last_year``) in which the series has at least one value.
    draws, seed
        Simulated paths per forecast; the seed of model ``j`` at ``origin`` is ``(seed, origin, j)``.

    Returns
    -------
    BacktestResult
    """
    series = check_series(series)
    origins = sorted({int(o) for o in origins})
    if not origins:
        raise EstimatorInputError("backtest: no origin given")
    if not models:
        raise EstimatorInputError("backtest: no model given")
    end = int(series.columns.max()) if last_year is None else int(last_year)
    observed_years = [int(y) for y in series.columns if series[y].notna().any()]
    rows, skipped, notes = [], [], []
    for origin in origins:
        targets = [y for y in observed_years if origin < y <= end]
        if not targets:
            raise EstimatorInputError(f"backtest: no observed year after origin {origin} up to {end}")
        actual = series.loc[:, targets].to_numpy()
        for j, (name, model) in enumerate(models.items()):
            try:
                model.fit(series, origin)
                fc = model.forecast(targets, draws, seed=[seed, origin, j])
            except PovmodelError as exc:
                skipped.append({"model": name, "origin": origin, "reason": str(exc)})
                continue
            if isinstance(model, Combination) and model.dropped_:
                notes.append(f"{name} at origin {origin} left out {', '.join(model.dropped_)} "
                             f"(weights {', '.join(f'{k} {w:.2f}' for k, w in model.weights_.items())})")
            lo80, hi80 = fc.interval(0.8)
            lo95, hi95 = fc.interval(0.95)
            area_idx, year_idx = np.nonzero(~np.isnan(actual))
            rows.append(pd.DataFrame({
                "model": name, "origin": origin, "area": np.asarray(fc.areas)[area_idx],
                "year": np.asarray(fc.years)[year_idx], "horizon": np.asarray(fc.years)[year_idx] - origin,
                "actual": 100 * actual[area_idx, year_idx], "point": 100 * fc.point[area_idx, year_idx],
                "low80": 100 * lo80[area_idx, year_idx], "high80": 100 * hi80[area_idx, year_idx],
                "low95": 100 * lo95[area_idx, year_idx], "high95": 100 * hi95[area_idx, year_idx],
            }))
    if not rows:
        raise EstimatorInputError(f"backtest {label}: no model could be fitted at any origin: {skipped}")
    errors = pd.concat(rows, ignore_index=True)
    errors["error"] = errors["point"] - errors["actual"]
    errors["in80"] = _coverage(errors["actual"], errors["low80"], errors["high80"])
    errors["in95"] = _coverage(errors["actual"], errors["low95"], errors["high95"])
    order = {name: i for i, name in enumerate(models)}
    table = _metrics(errors, ["model", "origin", "horizon"])
    table = table.sort_values(["model", "origin", "horizon"], key=lambda c: c.map(order) if c.name == "model" else c,
                              ignore_index=True)
    return BacktestResult(label=label, table=table[TABLE_COLUMNS], errors=errors,
                          summary=_summary(errors, list(models)),
                          skipped=pd.DataFrame(skipped, columns=["model", "origin", "reason"]), notes=notes)


def _metrics(errors: pd.DataFrame, by: list[str]) -> pd.DataFrame:
    g = errors.assign(abs_err=errors["error"].abs(), sq_err=errors["error"] ** 2).groupby(by, sort=False)
    out = g.agg(mae_pp=("abs_err", "mean"), mse=("sq_err", "mean"), coverage80=("in80", "mean"),
                coverage95=("in95", "mean"), n=("error", "size")).reset_index()
    out["rmse_pp"] = np.sqrt(out.pop("mse"))
    return out


def _summary(errors: pd.DataFrame, names: list[str]) -> pd.DataFrame:
    """Per model over its own cases, with each baseline's MAE on exactly those cases, and the MAE on
    the (origin, area, year) cases every model forecast."""
    key = ["origin", "area", "year"]
    present = [m for m in names if (errors["model"] == m).any()]
    by_case = errors.set_index([*key, "model"])["error"].abs().unstack("model")
    summary = _metrics(errors, ["model"]).set_index("model").reindex(present)
    common = by_case[present].dropna()
    summary["mae_pp_common"] = common.mean()
    summary["n_common"] = len(common)
    for b in BASELINES:
        if b not in by_case:
            continue
        same = [by_case.loc[by_case[m].notna(), b].mean() for m in present]
        summary[f"{b}_mae_pp"] = same
        summary[f"beats_{b}"] = (summary["mae_pp"] < summary[f"{b}_mae_pp"]).astype(bool)
    cols = ["mae_pp", "rmse_pp", "coverage80", "coverage95", "n"]
    return summary[cols + [c for c in summary.columns if c not in cols]].reset_index()


def inverse_mae_weights(result: BacktestResult, models: Iterable[str] | None = None) -> dict[str, float]:
    """Combination weights proportional to 1 / MAE on the backtest's common cases (baselines and
    combinations left out unless named)."""
    s = result.summary.set_index("model")["mae_pp"]
    names = list(models) if models is not None else [m for m in s.index if m not in BASELINES
                                                       and not m.startswith("combination")]
    missing = [m for m in names if m not in s.index]
    if missing or not names:
        raise EstimatorInputError(f"inverse_mae_weights: models {missing or names} not in the backtest")
    inv = 1.0 / s.loc[names]
    return (inv / inv.sum()).to_dict()


def model_members(regions, income, calibration=None) -> dict[str, ForecastModel]:
    """Fresh instances of the four forecast models (the members of a combination)."""
    return {"logit_trend": LogitTrend(), "damped_ets": DampedETS(),
            "panel_convergence": PanelConvergence(regions=regions),
            "growth_pass_through": GrowthPassThrough(income, calibration=calibration)}


def choose_model(name: str, members, national: pd.DataFrame) -> ForecastModel:
    """The model called ``name``: a naive baseline, the combination of ``members()`` or one of
    them (``members`` builds fresh instances)."""
    if name == "combination":
        return Combination(members(), on_member_error="drop")
    if name == "last_value":
        return LastValue()
    if name == "national_trend":
        return NationalTrend(national)
    return members()[name]


def province_models(panel: pd.DataFrame, *, first_year: int = fs.GSO_LINE_CHANGE_YEAR,
                    allow_line_change: bool = False) -> dict[str, ForecastModel]:
    """The baselines, the four models and their equal-weight combination for the GSO province series.

    ``national_trend`` uses the GSO national rate (same income line, same years); the growth model
    uses GSO province income per capita.
    """
    national = fs.gso_rate_series(panel, "national", first_year=first_year, allow_line_change=allow_line_change)
    income = fs.province_income(panel)
    models: dict[str, ForecastModel] = {"last_value": LastValue(), "national_trend": NationalTrend(national)}
    models.update(model_members("auto", income))
    models["combination"] = Combination(model_members("auto", income), on_member_error="drop")
    return models


def national_models(panel: pd.DataFrame, *, standard: str = "2016-2020", source: str = "MOLISA",
                    ) -> dict[str, ForecastModel]:
    """The baselines, the four models and their combination for the national series of one standard.

    ``national_trend`` is the series' own logit slope applied from the last value; the panel model
    is the one-area time-series version (no regions); the growth model takes its pass-through from
    the GSO provinces 2010-2016 and the GSO national income growth (both nominal).
    """
    national = fs.single_standard(fs.national_series(panel, source, standard=standard))
    income = fs.national_income(panel)
    calibration = (fs.province_series(panel), fs.province_income(panel))
    models: dict[str, ForecastModel] = {"last_value": LastValue(), "national_trend": NationalTrend(national)}
    models.update(model_members(None, income, calibration))
    models["combination"] = Combination(model_members(None, income, calibration),
                                        on_member_error="drop")
    return models


def backtest_provinces(panel: pd.DataFrame, *, origins: Iterable[int] = (2012, 2013, 2014, 2015),
                       first_year: int = fs.GSO_LINE_CHANGE_YEAR, last_year: int | None = None,
                       allow_line_change: bool = False, draws: int = 1000, seed: int = 0) -> BacktestResult:
    """Rolling-origin backtest on the GSO province rates.

    The default series is 2010-2016 (the 2011-2015 income line throughout), so origins start in
    2012 (at 2012 the trend models, which need three years, are skipped). Origins 2010, 2012, 2014
    on 2006-2016 need ``first_year=2006, allow_line_change=True`` and fit across the change of line.
    """
    series = fs.province_series(panel, first_year=first_year, last_year=last_year,
                                allow_line_change=allow_line_change)
    models = province_models(panel, first_year=first_year, allow_line_change=allow_line_change)
    label = f"GSO province rate {series.columns.min()}-{series.columns.max()}"
    return rolling_origin(series, models, origins, last_year=last_year, draws=draws, seed=seed, label=label)


def backtest_national(panel: pd.DataFrame, *, origins: Iterable[int] = (2018, 2019), standard: str = "2016-2020",
                      last_year: int | None = None, draws: int = 1000, seed: int = 0) -> BacktestResult:
    """Rolling-origin backtest on the MOLISA national rate under one standard (2016-2020: 2015-2021)."""
    series = fs.single_standard(fs.national_series(panel, "MOLISA", standard=standard))
    models = national_models(panel, standard=standard)
    label = f"MOLISA national rate ({standard} standard)"
    return rolling_origin(series, models, origins, last_year=last_year, draws=draws, seed=seed, label=label)
