"""Planning paths: national, regional and province poverty forecasts under one standard, coherent
on counts, with the probability of meeting the programme's targets.

:func:`forecast_paths` puts together

- the **national path** from the real MOLISA series (2015, 2017-2022), fitted on the years up
  to the origin in the standard of its last year up to the origin; earlier years under another
  standard are moved to it by the national bridge factor (:mod:`~povmodel.forecast.bridge`, point
  value: it moves the older history only, the forecast starts from the origin value). At origin
  2020 the series is 2015-2020 under the 2016-2020 standard; at origin 2022 it is the one 2022
  point under the 2022-2025 standard plus the bridged 2015-2021 history. When the requested
  ``standard`` differs, the forecast draws are bridged with ``b ~ N(b_hat, se^2)``.
- the **province paths** from the SYNTHETIC survey's design-based province estimates of the
  rounds up to the origin, each round classified directly under the requested ``standard`` when
  its households carry that standard's indicators (the synthetic survey carries the 2016 and 2022
  sets in every round), else under the standard in force that year and bridged like the national
  history; fitted with the same kind of model.
- bridge draws: one per area and simulation, shared by every year (a change of standard is a
  level shift, so a fall between two years is not blurred by independent bridge noise); all
  factors come from the latest survey round up to the origin.
- an optional **scenario shock** (:class:`ScenarioShock`): the province and national impact of a
  shock microsimulation (``poor_rate_change``) added on the logit scale in the scenario year,
  half of it the year after, nothing from the second year after, in forecast years only.
- **coherence**: province poor counts reconciled with the national count per draw
  (:func:`~povmodel.forecast.coherence.reconcile`, or top-down); regions and the nation are sums
  of provinces. Near-poor rates have no usable national series (MOLISA: 2015, 2021, 2022), so
  their regional and national paths are sums of the SYNTHETIC province paths.
- **target attainment** (:func:`~povmodel.forecast.targets.target_attainment`), from the year
  before the first reported year (2020 for 2021-2025) to the last.

Years up to the origin are history (MOLISA values; survey estimates with their sampling error on
the logit scale; bridged values with the bridge error); later years are forecasts. Household
counts are the survey's weight totals by province (of that year's round, else of the latest round
up to the origin, held constant).

On the default data the province and regional paths, the near-poor paths and every bridge factor
rest on SYNTHETIC households (calibrated to the published rates, not survey records): they are
marked ``synthetic`` and illustrate the method. The national poor-household path starts from the
real MOLISA series but, after MinT reconciliation, leans mostly on the synthetic province sum (the
``weight_national`` of :attr:`ForecastPaths.reconciliation` says how much the MOLISA forecast
counts), and a bridged national path rests on a synthetic bridge factor, so it is marked
synthetic unless the households are real or the path is top-down under MOLISA's own standard.
"""

from __future__ import annotations

import zlib
from collections.abc import Iterable
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from povmodel import admin, measure
from povmodel.errors import DataValidationError, PovmodelError
from povmodel.forecast import series as fs
from povmodel.forecast.backtest import choose_model, model_members
from povmodel.forecast.bridge import bridge_factors, sample_bridge
from povmodel.forecast.coherence import ReconciledDraws, aggregate, reconcile
from povmodel.forecast.models import (
    DEFAULT_FLOOR,
    ForecastModel,
    expit,
    logit,
)
from povmodel.forecast.targets import LevelDraws, ethnic_majority, target_attainment
from povmodel.measure.classify import STANDARD_DATES, standard_at_year

#: Models :func:`forecast_paths` can use (``combination``: equal-weight mixture of the four members).
MODELS = ("combination", "logit_trend", "damped_ets", "panel_convergence", "growth_pass_through", "last_value",
          "national_trend")
INDICATORS = ("poor_rate", "near_poor_rate")
#: Ways of making the national and province paths add up (see :func:`forecast_paths`).
COHERENCE = ("mint", "top-down")
PATH_COLUMNS = ["area", "area_name", "area_level", "year", "indicator", "standard", "mean", "low", "high", "kind",
                "synthetic"]
#: Years over which a scenario shock fades out: full in its year, half the next, none after.
SHOCK_DECAY_YEARS = 2


@dataclass(frozen=True)
class ScenarioShock:
    """The impact of a shock scenario on poor-household rates, by area.

    Attributes
    ----------
    name
        Scenario name.
    year
        Scenario year (the shock's full effect).
    baseline, change
        Poor-household rate without the shock and its change (shares), indexed by province code
        and ``NATIONAL`` (e.g. ``poor_rate_baseline`` and ``poor_rate_change`` of
        :func:`povmodel.shocks.simulate`, means over its draws).
    standard
        Standard the microsimulation classified under (the shift is applied as a logit shift to
        rates of any standard).
    """

    name: str
    year: int
    baseline: pd.Series
    change: pd.Series
    standard: str | None = None

    def logit_shift(self, areas: Iterable[str], floor: float = DEFAULT_FLOOR) -> np.ndarray:
        """``logit(baseline + change) - logit(baseline)`` per area (0 where the area has no value)."""
        areas = list(areas)
        base = self.baseline.reindex(areas).to_numpy(dtype=float)
        new = base + self.change.reindex(areas).to_numpy(dtype=float)
        shift = logit(np.clip(new, 0.0, 1.0), floor) - logit(base, floor)
        return np.where(np.isfinite(shift), shift, 0.0)

    def profile(self, years: Iterable[int]) -> np.ndarray:
        """Weight of the shock per year: 1 in its year, falling linearly to 0 after
        :data:`SHOCK_DECAY_YEARS` years, 0 before."""
        t = np.asarray(list(years), dtype=float) - self.year
        return np.where(t >= 0, np.clip(1.0 - t / SHOCK_DECAY_YEARS, 0.0, 1.0), 0.0)


@dataclass
class ForecastPaths:
    """What :func:`forecast_paths` returns.

    Attributes
    ----------
    paths
        Tidy table (:data:`PATH_COLUMNS`): ``mean``, ``low``, ``high`` in percent; ``kind`` is
        ``forecast`` (after the origin), ``observed`` (history under the standard) or ``bridged``
        (history moved from another standard).
    targets
        Target attainment per area (:data:`povmodel.forecast.targets.TARGET_COLUMNS`).
    bridge
        The bridge factors used (empty when none was needed).
    reconciliation
        Per year: ``weight_national`` (how much of the gap between the national forecast and the
        province sum the provinces absorb) and the clip passes.
    notes
        Remarks on the data and choices.
    extra
        Diagnostics: ``rounds``, ``clip_passes``, ``coherence``, ``province_standard``,
        ``national_fit_series`` and ``province_poor_draws`` = (provinces, reconciled poor-rate
        draws of shape draws x provinces x years, years).
    """

    paths: pd.DataFrame
    targets: pd.DataFrame
    bridge: pd.DataFrame
    reconciliation: pd.DataFrame
    notes: list[str]
    origin: int
    standard: str
    origin_standard: str
    model: str
    draws: int
    seed: int
    years: tuple[int, ...]
    base_year: int
    synthetic: bool
    scenario: str | None = None
    extra: dict = field(default_factory=dict)

    def records(self) -> list[dict]:
        """The paths as JSON-ready records (percentages rounded to 4 decimals)."""
        t = self.paths.copy()
        for c in ("mean", "low", "high"):
            t[c] = t[c].astype(float).round(4)
        return [{k: (v.item() if isinstance(v, np.generic) else v) for k, v in row.items()}
                for row in t.to_dict(orient="records")]

    def target_records(self) -> list[dict]:
        """The target table as JSON-ready records."""
        t = self.targets.copy()
        for c in ("probability", "expected"):
            t[c] = t[c].astype(float).round(4)
        return [{k: (v.item() if isinstance(v, np.generic) else v) for k, v in row.items()}
                for row in t.to_dict(orient="records")]


# ----------------------------------------------------------------------------------------------
# models
# ----------------------------------------------------------------------------------------------
def _check_model(model: str) -> None:
    if model not in MODELS:
        raise PovmodelError(f"forecast: unknown model {model!r}; known: {', '.join(MODELS)}")


def _province_model(model: str, national: pd.DataFrame, income: pd.DataFrame) -> ForecastModel:
    return choose_model(model, lambda: model_members("auto", income), national)


def _national_model(model: str, panel: pd.DataFrame, national: pd.DataFrame) -> ForecastModel:
    def members():
        calibration = (fs.province_series(panel), fs.province_income(panel))
        return model_members(None, fs.national_income(panel), calibration)

    return choose_model(model, members, national)


# ----------------------------------------------------------------------------------------------
# inputs
# ----------------------------------------------------------------------------------------------
def _rng(seed: int, *key) -> np.random.Generator:
    tag = zlib.crc32("|".join(map(str, key)).encode())
    return np.random.default_rng([int(seed), tag])


def _national_history(panel: pd.DataFrame, origin: int) -> pd.DataFrame:
    """MOLISA national poor-household rate up to the origin: index year, ``share``, ``standard``
    (one row per year, the later standard where a year has two)."""
    nat = fs.national_series(panel, "MOLISA").reset_index()
    nat = nat[nat["year"] <= origin]
    if nat["year"].nunique() < 2:
        raise PovmodelError(f"forecast: the MOLISA national series has fewer than 2 years up to origin {origin} "
                            f"(years held: {sorted(set(fs.national_series(panel, 'MOLISA').index))})")
    nat = nat.sort_values(["year", "standard"]).drop_duplicates("year", keep="last")
    return nat.set_index("year")[["share", "standard"]]


def _survey_estimates(households: pd.DataFrame, rounds: list[int], standard: str) -> pd.DataFrame:
    """Design-based national and province estimates per round: under ``standard`` where the round's
    households carry its indicators, else under the standard in force that year (to be bridged)."""
    tables = []
    for r in rounds:
        part = households[households["year"] == r]
        args = {"by": ["national", "province"], "measures": ["poor_rate", "near_poor_rate", "mean_income"]}
        try:
            tables.append(measure.estimate(part, standard=standard, **args).to_frame())
        except DataValidationError:
            tables.append(measure.estimate(part, standard=None, **args).to_frame())
    table = pd.concat(tables, ignore_index=True)
    return table[table["n"] > 0]


def _wide(table: pd.DataFrame, measure_name: str, by: str, column: str = "estimate") -> pd.DataFrame:
    part = table[(table["measure"] == measure_name) & (table["by"] == by)]
    wide = part.pivot(index="domain", columns="year", values=column)
    wide.columns = wide.columns.astype(int)
    wide.index.name, wide.columns.name = "area_code", "year"
    return wide


def _round_standards(table: pd.DataFrame) -> dict[int, str]:
    return {int(y): str(s) for y, s in table.drop_duplicates("year")[["year", "standard"]].itertuples(index=False)}


class _Bridges:
    """Bridge factors from the bridge round, computed once per (from, to, measure), and their
    draws, drawn once per (from, to, measure, areas) so every year shares them."""

    def __init__(self, households: pd.DataFrame, year: int, draws: int, seed: int):
        self.households, self.year, self.draws, self.seed = households, year, draws, seed
        self._factors: dict[tuple, pd.DataFrame] = {}
        self._draws: dict[tuple, np.ndarray] = {}

    def factors(self, source: str, target: str, measure_name: str) -> pd.DataFrame:
        key = (source, target, measure_name)
        if key not in self._factors:
            self._factors[key] = bridge_factors(self.households, year=self.year, from_standard=source,
                                                to_standard=target, measure=measure_name)
        return self._factors[key]

    def point(self, source: str, target: str, measure_name: str, areas) -> np.ndarray:
        if source == target:
            return np.zeros(len(areas))
        f = self.factors(source, target, measure_name).set_index("area")
        return f.loc[list(areas), "bridge"].to_numpy(dtype=float)

    def sample(self, source: str, target: str, measure_name: str, areas) -> np.ndarray:
        """(draws, areas) bridge draws (zeros when no bridge is needed)."""
        areas = tuple(areas)
        if source == target:
            return np.zeros((self.draws, len(areas)))
        key = (source, target, measure_name, areas)
        if key not in self._draws:
            self._draws[key] = sample_bridge(self.factors(source, target, measure_name), areas, self.draws,
                                             _rng(self.seed, "bridge", *key[:3], len(areas)))
        return self._draws[key]

    def table(self) -> pd.DataFrame:
        if not self._factors:
            return pd.DataFrame()
        return pd.concat(self._factors.values(), ignore_index=True)


def _households_by_province(households: pd.DataFrame, rounds: list[int], provinces: list[str],
                            grid: list[int], weight: str = "weight") -> np.ndarray:
    """Households per province (sum of weights) per year of the grid: the round of that year where
    there is one, else the latest round up to the origin."""
    part = households[households["year"].isin(rounds)]
    totals = part.groupby(["province", "year"])[weight].sum().unstack("year").reindex(provinces)
    out = np.empty((len(provinces), len(grid)))
    for j, y in enumerate(grid):
        col = y if y in totals.columns else rounds[-1]
        out[:, j] = totals[col].to_numpy(dtype=float)
    missing = [p for p, ok in zip(provinces, np.isfinite(out).all(axis=1) & (out > 0).all(axis=1), strict=True)
               if not ok]
    if missing:
        raise PovmodelError(f"forecast: no households for province(s) {missing[:10]} in round(s) {rounds}")
    return out


# ----------------------------------------------------------------------------------------------
# the paths
# ----------------------------------------------------------------------------------------------
def _province_draws(table: pd.DataFrame, measure_name: str, *, provinces: list[str], origin_standard: str,
                    standard: str, model: ForecastModel, grid: list[int], origin: int, draws: int, seed: int,
                    bridges: _Bridges, standards: dict[int, str]) -> tuple[np.ndarray, dict[int, str]]:
    """Province draws (draws x provinces x grid years) under ``standard``, and the kind of each
    history year (``observed`` or ``bridged``)."""
    est = _wide(table, measure_name, "province").reindex(provinces)
    se = _wide(table, measure_name, "province", "se").reindex(provinces)
    # fit in the origin standard: rounds under another standard moved by the point bridge
    fit_logit = pd.DataFrame(logit(est.to_numpy()), index=est.index, columns=est.columns)
    for y in est.columns:
        fit_logit[y] += bridges.point(standards[y], origin_standard, measure_name, provinces)
    series = pd.DataFrame(expit(fit_logit.to_numpy()), index=est.index, columns=est.columns)
    horizon = [y for y in grid if y > origin]
    out = np.empty((draws, len(provinces), len(grid)))
    kinds: dict[int, str] = {}
    if horizon:
        fc = model.fit(series, origin).forecast(horizon, draws, seed=_rng(seed, "provinces", measure_name))
        shift = bridges.sample(origin_standard, standard, measure_name, provinces)
        sims = expit(logit(fc.draws) + shift[:, :, None])
        for k, y in enumerate(horizon):
            out[:, :, grid.index(y)] = sims[:, :, k]
    rng = _rng(seed, "province-history", measure_name)
    for y in (y for y in grid if y <= origin):
        if y not in est.columns:
            raise PovmodelError(f"forecast: no survey round in {y} for the province history (rounds up to the "
                                f"origin: {sorted(est.columns)}); choose years after the origin or another origin")
        p = np.clip(est[y].to_numpy(dtype=float), DEFAULT_FLOOR, 1 - DEFAULT_FLOOR)
        se_logit = se[y].to_numpy(dtype=float) / (p * (1 - p))
        noise = rng.standard_normal((draws, len(provinces))) * se_logit[None]
        shift = bridges.sample(standards[y], standard, measure_name, provinces)
        out[:, :, grid.index(y)] = expit(logit(est[y].to_numpy()) + noise + shift)
        kinds[y] = "observed" if standards[y] == standard else "bridged"
    return out, kinds


def _national_fit_series(nat: pd.DataFrame, origin_standard: str, bridges: _Bridges) -> pd.DataFrame:
    """The MOLISA history in the origin standard (other standards moved by the point bridge), one row."""
    fit = np.asarray([logit(s) + bridges.point(std, origin_standard, "poor_rate", ("NATIONAL",))[0]
                      for s, std in zip(nat["share"], nat["standard"], strict=True)])
    return pd.DataFrame([expit(fit)], index=pd.Index([fs.NATIONAL], name="area_code"),
                        columns=pd.Index(nat.index.astype(int), name="year"))


def _national_draws(nat: pd.DataFrame, series: pd.DataFrame, *, origin_standard: str, standard: str,
                    model: ForecastModel, grid: list[int], origin: int, draws: int, seed: int,
                    bridges: _Bridges) -> tuple[np.ndarray, dict[int, str]]:
    """National poor-rate draws (draws x grid years) under ``standard`` and the kind of each history year."""
    area = ("NATIONAL",)
    horizon = [y for y in grid if y > origin]
    out = np.empty((draws, len(grid)))
    kinds: dict[int, str] = {}
    if horizon:
        fc = model.fit(series, origin).forecast(horizon, draws, seed=_rng(seed, "national"))
        shift = bridges.sample(origin_standard, standard, "poor_rate", area)
        sims = expit(logit(fc.draws[:, 0, :]) + shift)
        for k, y in enumerate(horizon):
            out[:, grid.index(y)] = sims[:, k]
    for y in (y for y in grid if y <= origin):
        if y not in nat.index:
            raise PovmodelError(f"forecast: no MOLISA national rate for {y} (years held up to the origin: "
                                f"{list(nat.index)}); choose years after the origin or another origin")
        std = str(nat.loc[y, "standard"])
        shift = bridges.sample(std, standard, "poor_rate", area)[:, 0]
        out[:, grid.index(y)] = expit(logit(float(nat.loc[y, "share"])) + shift)
        kinds[y] = "observed" if std == standard else "bridged"
    return out, kinds


def _summary_rows(rec: ReconciledDraws, indicator: str, standard: str, years: list[int], grid: list[int],
                  kinds: dict[str, dict[int, str]], synthetic: dict[str, bool], origin: int,
                  level: float) -> pd.DataFrame:
    q = [(1 - level) / 2, (1 + level) / 2]
    cols = [grid.index(y) for y in years]
    names = {**admin.provinces().set_index("code")["name"].to_dict(),
             **admin.regions().set_index("region_code")["region_name_en"].to_dict(), "NATIONAL": "Viet Nam"}
    frames = []
    for lvl, (areas, rates, _) in rec.levels().items():
        r = rates[:, :, cols] * 100.0
        lo, hi = np.quantile(r, q, axis=0)
        grid_years = np.asarray(years)
        area_idx, year_idx = np.meshgrid(np.arange(len(areas)), np.arange(len(years)), indexing="ij")
        kind = np.asarray([("forecast" if y > origin else kinds[lvl].get(y, "observed")) for y in grid_years])
        frames.append(pd.DataFrame({
            "area": np.asarray(areas, dtype=object)[area_idx.ravel()],
            "area_name": [names.get(a, a) for a in np.asarray(areas)[area_idx.ravel()]],
            "area_level": lvl, "year": grid_years[year_idx.ravel()], "indicator": indicator, "standard": standard,
            "mean": r.mean(axis=0).ravel(), "low": lo.ravel(), "high": hi.ravel(),
            "kind": kind[year_idx.ravel()], "synthetic": synthetic[lvl]}))
    return pd.concat(frames, ignore_index=True)


def forecast_paths(config=None, *, households: pd.DataFrame, panel: pd.DataFrame | None = None, origin: int = 2020,
                   standard: str = "2022-2025", years: Iterable[int] = range(2021, 2026), draws: int = 1000,
                   seed: int | None = None, model: str = "combination", shock: ScenarioShock | None = None,
                   base_year: int | None = None, level: float = 0.95, coherence: str = "mint",
                   synthetic: bool | None = None, parameters=None) -> ForecastPaths:
    """National, regional and province poverty paths with intervals and target attainment.

    Parameters
    ----------
    config
        A :class:`povmodel.config.RunConfig` (its ``seed`` when ``seed`` is not given, its
        regional panel file if it names one) or ``None``.
    households
        The survey (``povmodel.pipeline.load_households(config)`` or the SYNTHETIC default
        ``povmodel.pipeline.load_synthetic_survey()``); only rounds up to the origin are used. The
        forecasting layer does not load it itself (it sits below the pipeline).
    panel
        Regional panel (default: the config's, else :func:`povmodel.datasets.load_regional_panel`).
    origin
        Last year of data used: survey rounds, MOLISA years and the bridge round (the latest
        round up to the origin) are all ``<= origin``.
    standard
        Standard of the output (``2016-2020``, ``2022-2025`` or ``2027-2030``; the last needs
        households with the 2027 indicators).
    years
        Years reported (e.g. 2021-2025); years up to the origin are history.
    draws, seed
        Simulated paths and the seed (same seed, same output).
    model
        One of :data:`MODELS`, used for the national and the province series.
    shock
        Optional :class:`ScenarioShock` (applied to poor-household rates in forecast years only;
        a shock in or before the origin year is already in the data and is not added).
    base_year
        Base of the targets (default: the year before the first reported year).
    level
        Interval level (default 95%).
    coherence
        ``"mint"`` (default): the national and province poor counts are reconciled by WLS with the
        across-draw variances (:func:`~povmodel.forecast.coherence.reconcile`); ``"top-down"``:
        the national forecast is binding (``v_N = 0``) and the provinces absorb the gap.
    synthetic
        Whether the households are synthetic (default: read from their ``attrs``).
    parameters
        Parameter tree for the targets (default: the enacted one).

    Returns
    -------
    ForecastPaths
    """
    _check_model(model)
    if coherence not in COHERENCE:
        raise PovmodelError(f"forecast: coherence {coherence!r} unknown; use one of {', '.join(COHERENCE)}")
    if standard not in STANDARD_DATES:
        raise PovmodelError(f"forecast: standard {standard!r} unknown; known: {', '.join(STANDARD_DATES)}")
    if isinstance(draws, bool) or not isinstance(draws, int | np.integer) or draws < 2:
        raise PovmodelError(f"forecast: draws must be an integer >= 2, got {draws!r}")
    if not 0.0 < level < 1.0:
        raise PovmodelError(f"forecast: interval level must be in (0, 1), got {level}")
    try:
        years = sorted({int(y) for y in years})
        origin = int(origin)
    except (TypeError, ValueError):
        raise PovmodelError("forecast: origin and years must be integers") from None
    if not years:
        raise PovmodelError("forecast: no year to report")
    base = years[0] - 1 if base_year is None else int(base_year)
    if base >= years[-1]:
        raise PovmodelError(f"forecast: base year {base} is not before the last reported year {years[-1]}")
    seed = int(seed if seed is not None else (config.seed if config is not None else 0))
    draws = int(draws)
    if panel is None:
        panel = _load_panel(config)
    if households is None or not isinstance(households, pd.DataFrame):
        raise PovmodelError("forecast: pass the survey households (povmodel.pipeline.load_households(config))")
    if synthetic is None:
        synthetic = bool(households.attrs.get("povmodel", {}).get("synthetic", False))
    notes: list[str] = []
    label = "SYNTHETIC " if synthetic else ""

    rounds = sorted(int(y) for y in pd.unique(households["year"]) if int(y) <= origin)
    if len(rounds) < 2:
        held = sorted(int(y) for y in pd.unique(households["year"]))
        raise PovmodelError(f"forecast: origin {origin}: needs at least 2 survey rounds up to the origin; rounds held: "
                            f"{held}")
    survey = households[households["year"].isin(rounds)]
    grid = list(range(min(base, years[0]), years[-1] + 1))
    bridges = _Bridges(survey, rounds[-1], draws, seed)

    # -- national (real MOLISA series), fitted in the standard of its last year up to the origin --
    nat = _national_history(panel, origin)
    nat_standard = str(nat["standard"].iloc[-1])
    nat_series = _national_fit_series(nat, nat_standard, bridges)
    national, nat_kinds = _national_draws(nat, nat_series, origin_standard=nat_standard, standard=standard,
                                          model=_national_model(model, panel, nat_series), grid=grid, origin=origin,
                                          draws=draws, seed=seed, bridges=bridges)
    moved = [int(y) for y in nat.index[nat["standard"] != nat_standard]]
    if moved:
        notes.append(f"MOLISA national rates of {moved} bridged to the {nat_standard} standard for the fit "
                     f"({label}bridge factor from the {rounds[-1]} round, point value)")
    if nat_standard != standard:
        notes.append(f"national forecast made under the {nat_standard} standard (MOLISA's at the origin) and bridged "
                     f"to {standard} with the {label}bridge factor of the {rounds[-1]} round (b ~ N(b_hat, se^2))")

    # -- provinces (survey) ----------------------------------------------------------------------
    table = _survey_estimates(survey, rounds, standard)
    standards = _round_standards(table)
    prov_standard = standards[rounds[-1]]
    provinces = [p for p in admin.province_codes() if p in set(_wide(table, "poor_rate", "province").index)]
    income = _wide(table, "mean_income", "province").reindex(provinces)
    hh = _households_by_province(survey, rounds, provinces, grid)
    prov: dict[str, np.ndarray] = {}
    prov_kinds: dict[str, dict[int, str]] = {}
    for ind in INDICATORS:
        nat_ind = _wide(table, ind, "national")
        nat_fit = pd.DataFrame(expit(logit(nat_ind.to_numpy()) + np.asarray(
            [bridges.point(standards[y], prov_standard, ind, ("NATIONAL",))[0] for y in nat_ind.columns])[None]),
            index=pd.Index([fs.NATIONAL], name="area_code"), columns=nat_ind.columns)
        national_side = nat_series if ind == "poor_rate" and nat_standard == prov_standard else nat_fit
        prov[ind], prov_kinds[ind] = _province_draws(
            table, ind, provinces=provinces, origin_standard=prov_standard, standard=standard,
            model=_province_model(model, national_side, income), grid=grid, origin=origin, draws=draws, seed=seed,
            bridges=bridges, standards=standards)
    direct = [r for r in rounds if standards[r] == standard]
    other = [r for r in rounds if standards[r] != standard]
    notes.append(f"province paths: {label}survey rounds {rounds}, model {model}; rounds {direct or 'none'} classified "
                 f"directly under {standard}" + (f", rounds {other} under the standard in force then and bridged "
                                                 f"({label}factors of the {rounds[-1]} round)" if other else ""))

    # -- scenario shock ----------------------------------------------------------------------------
    scenario = None
    if shock is not None:
        scenario = shock.name
        weights = np.where(np.asarray(grid) > origin, shock.profile(grid), 0.0)
        if shock.year <= origin:
            notes.append(f"scenario {shock.name}: its year {shock.year} is not after the origin {origin}; the shock is "
                         "already in the data the forecast starts from and is not added")
        elif not weights.any():
            notes.append(f"scenario {shock.name}: its effect ({shock.year}-{shock.year + SHOCK_DECAY_YEARS - 1}) "
                         "falls outside the reported years")
        else:
            prov["poor_rate"] = expit(logit(prov["poor_rate"]) + shock.logit_shift(provinces)[None, :, None]
                                      * weights[None, None, :])
            national = expit(logit(national) + shock.logit_shift(["NATIONAL"])[0] * weights[None, :])
            notes.append(f"scenario {shock.name}: poor-rate impact of the {label}microsimulation added on the logit "
                         f"scale in {shock.year} (x1), {shock.year + 1} (x0.5), none after; near-poor rates unchanged")

    # -- coherence -------------------------------------------------------------------------------
    top_down = coherence == "top-down"
    rec = reconcile(prov["poor_rate"], hh, national, provinces=provinces, years=grid,
                    national_variance=np.zeros(len(grid)) if top_down else None)
    near = aggregate(prov["near_poor_rate"], hh, provinces=provinces, years=grid)
    fc_cols = [grid.index(y) for y in grid if y > origin]
    w_nat = float(np.mean(rec.weight_national[fc_cols])) if fc_cols else 1.0
    if top_down:
        notes.append("coherence top-down: the national poor-rate path is the MOLISA-based forecast; the "
                     f"{label}provinces absorb the whole gap on counts")
    else:
        notes.append(f"national poor-rate path reconciled with the {label}province sum on counts (diagonal MinT): the "
                     f"MOLISA-based forecast carries weight {w_nat:.2f} on average over the forecast years "
                     "(1 = taken as is; the province sum's variance ignores the correlation across provinces)")
    notes.append("near-poor: no usable national series (MOLISA 2015, 2021, 2022 only); regional and national "
                 f"near-poor paths are sums of the {label}province paths")

    # -- tables ----------------------------------------------------------------------------------
    kinds_poor = {"national": nat_kinds, "region": prov_kinds["poor_rate"], "province": prov_kinds["poor_rate"]}
    kinds_near = {lvl: prov_kinds["near_poor_rate"] for lvl in ("national", "region", "province")}
    nat_real = top_down and nat_standard == standard and not moved
    syn = {"national": bool(synthetic) and not nat_real, "region": bool(synthetic), "province": bool(synthetic)}
    syn_near = {lvl: bool(synthetic) for lvl in syn}
    paths = pd.concat([_summary_rows(rec, "poor_rate", standard, years, grid, kinds_poor, syn, origin, level),
                       _summary_rows(near, "near_poor_rate", standard, years, grid, kinds_near, syn_near, origin,
                                     level)], ignore_index=True)[PATH_COLUMNS]
    em_levels = {lvl: ethnic_majority(survey, year=rounds[-1], by=lvl) for lvl in ("national", "region", "province")}
    em_areas = [a for s in em_levels.values() for a in s.index[s > 0.5]]
    notes.append(f"ethnic-minority target applied to areas whose "
                 f"{label}survey share of ethnic-minority households in {rounds[-1]} is above 0.5: "
                 f"{', '.join(em_areas) or 'none'}")
    levels_draws = {lvl: LevelDraws(areas=tuple(areas), poor=rates, near_poor=near.levels()[lvl][1],
                                    households=h, synthetic=syn[lvl])
                    for lvl, (areas, rates, h) in rec.levels().items()}
    targets = target_attainment(levels_draws, years=grid, base_year=base, end_year=years[-1],
                                ethnic_majority_areas=em_areas, parameters=parameters, standard=standard)
    notes.extend(targets.attrs.get("notes", []))
    target_standard = standard_at_year(years[-1])
    if target_standard != standard:
        notes.append(f"the targets of {base + 1}-{years[-1]} are set under the {target_standard} standard; these "
                     f"paths are under {standard}")
    prov_sum = (prov["poor_rate"] * hh[None]).sum(axis=1) / hh.sum(axis=0)[None]
    reconciliation = pd.DataFrame({
        "year": grid, "kind": ["forecast" if y > origin else "history" for y in grid],
        "weight_national": rec.weight_national, "national_model_mean": 100 * national.mean(axis=0),
        "province_sum_mean": 100 * prov_sum.mean(axis=0), "reconciled_mean": 100 * rec.national_rates.mean(axis=0)})
    return ForecastPaths(paths=paths, targets=targets, bridge=bridges.table(), reconciliation=reconciliation,
                         notes=notes, origin=origin, standard=standard, origin_standard=nat_standard, model=model,
                         draws=draws, seed=seed, years=tuple(years), base_year=base, synthetic=bool(synthetic),
                         scenario=scenario, extra={"rounds": rounds, "clip_passes": rec.iterations,
                                                   "coherence": coherence, "province_standard": prov_standard,
                                                   "national_fit_series": nat_series,
                                                   "province_poor_draws": (tuple(provinces), rec.province_rates,
                                                                           tuple(grid))})


def _load_panel(config) -> pd.DataFrame:
    if config is not None and getattr(config.data, "regional_panel", None) is not None:
        from povmodel.io import read_regional_panel

        return read_regional_panel(config.resolve(config.data.regional_panel))
    from povmodel import datasets

    return datasets.load_regional_panel()


def scenario_shock(results_national: pd.DataFrame, results_province: pd.DataFrame, *, name: str, year: int,
                   standard: str | None = None) -> ScenarioShock:
    """A :class:`ScenarioShock` from the wide national and province tables of a shock
    microsimulation (``SimulationResults.wide(grouping)``: ``poor_rate_baseline`` and
    ``poor_rate_change`` per group)."""
    frames = [results_national, results_province]
    for f in frames:
        missing = {"poor_rate_baseline", "poor_rate_change"} - set(f.columns)
        if missing:
            raise PovmodelError(f"scenario {name}: the simulation results lack {sorted(missing)}")
    both = pd.concat(frames)
    both.index = both.index.astype(str)
    return ScenarioShock(name=name, year=int(year), baseline=both["poor_rate_baseline"].astype(float),
                         change=both["poor_rate_change"].astype(float), standard=standard)


__all__ = ["COHERENCE", "MODELS", "ForecastPaths", "ScenarioShock", "forecast_paths", "scenario_shock"]
