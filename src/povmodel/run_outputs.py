"""The tables a run writes beside its results cube, for the reports.

The cube (:mod:`povmodel.cube`) holds every figure by scenario, area and year. The reports also
need what does not fit that grid: the forecast paths with their history and notes, target
attainment, rank uncertainty of the provinces, an illustrative budget split, the forecast
backtests, re-poverty risk by province and district with model validation, and the shock
microsimulation's breakdowns (sector, decile, ethnicity ...). :func:`build_tables` computes
them from the run's results, :func:`write_outputs` writes them atomically to
``data/processed/runs/<results_id>/`` with a ``run.json`` record, and :class:`RunOutputs` reads
them back (one object a report opens once).
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from povmodel.errors import PovmodelError
from povmodel.io import atomic_path, read_json, sha256_file, sha256_path, write_json
from povmodel.paths import processed_dir

RUN_RECORD = "run.json"
#: How many provinces count as "the poorest" in the rank-uncertainty table.
TOP_K = 10


def run_dir(results_id: str) -> Path:
    """Folder of a run's tables: ``data/processed/runs/<results_id>/``
    (:attr:`povmodel.config.RunConfig.results_id`)."""
    return processed_dir() / "runs" / results_id


# ---------------------------------------------------------------------------------------------
# Building
# ---------------------------------------------------------------------------------------------
def forecast_tables(forecasts: Mapping[str, object], *, k: int = TOP_K) -> dict[str, pd.DataFrame]:
    """Paths, targets, reconciliation, bridges, notes and province rank uncertainty (in the last
    forecast year) of every scenario's :class:`~povmodel.forecast.ForecastPaths`."""
    from povmodel.targeting import rank_uncertainty

    out: dict[str, list[pd.DataFrame]] = {n: [] for n in ("forecast_paths", "forecast_targets",
                                                          "forecast_reconciliation", "forecast_bridge",
                                                          "forecast_notes", "forecast_ranks")}
    for scenario, fc in forecasts.items():
        out["forecast_paths"].append(fc.paths.assign(scenario=scenario))
        out["forecast_targets"].append(fc.targets.assign(scenario=scenario))
        out["forecast_reconciliation"].append(fc.reconciliation.assign(scenario=scenario))
        if len(fc.bridge):
            out["forecast_bridge"].append(fc.bridge.assign(scenario=scenario))
        out["forecast_notes"].append(pd.DataFrame({"scenario": scenario, "note": fc.notes}))
        provinces, draws, grid = fc.extra["province_poor_draws"]
        year = fc.years[-1]
        ranks = rank_uncertainty(draws[:, :, list(grid).index(year)], list(provinces), k=k)
        out["forecast_ranks"].append(ranks.assign(scenario=scenario, year=year, k=k, standard=fc.standard,
                                                  synthetic=fc.synthetic))
    return {name: pd.concat(parts, ignore_index=True) if parts else pd.DataFrame()
            for name, parts in out.items()}


def allocation_table(paths: pd.DataFrame, risk_province: pd.DataFrame, households: pd.DataFrame, *,
                     budget: float, scenario: str, year: int) -> pd.DataFrame:
    """An illustrative split of ``budget`` (billion VND) across provinces by three rules, from
    the forecast poor rate in ``year`` (scenario ``scenario``), the households at risk and the
    poverty gap of the latest survey round.

    Every province first gets a floor of 0.5% of the budget; the rest follows the rule.
    """
    from povmodel.measure import estimate
    from povmodel.targeting import allocate_budget

    fc = paths[(paths["scenario"] == scenario) & (paths["area_level"] == "province")
               & (paths["indicator"] == "poor_rate") & (paths["year"] == year)].set_index("area")
    latest = households[households["year"] == households["year"].max()]
    gap = estimate(latest, by=["province"], measures=("fgt1",)).to_frame()
    gap = gap[gap["measure"] == "fgt1"].set_index("domain")["estimate"]
    hh = latest.groupby("province", observed=True)["weight"].sum()
    risk = risk_province.set_index("province")["households_at_risk"]
    codes = list(fc.index)
    table = pd.DataFrame({
        "province": codes,
        "poor_rate": fc["mean"].to_numpy() / 100,
        "poor_households": fc["mean"].to_numpy() / 100 * hh.reindex(codes).to_numpy(),
        "risk_households": risk.reindex(codes).fillna(0.0).to_numpy(),
        "poverty_gap": gap.reindex(codes).to_numpy() * hh.reindex(codes).to_numpy(),
    })
    floor = 0.005 * budget
    parts = [allocate_budget(table, budget, rule=rule, floor=floor).assign(rule=rule)
             for rule in ("equal_per_poor_household", "by_risk", "by_gap")]
    # no cost per household is assumed here, so the "poor reached" columns would be all missing
    reach = ["expected_poor_reached", "expected_poor_reached_per_billion"]
    return (pd.concat(parts, ignore_index=True).drop(columns=reach, errors="ignore")
            .assign(scenario=scenario, year=year, budget=budget))


def backtest_tables(panel: pd.DataFrame, *, draws: int, seed: int) -> dict[str, pd.DataFrame]:
    """Rolling-origin backtests of the province (GSO) and national (MOLISA) series."""
    from povmodel.forecast import backtest_national, backtest_provinces

    results = [backtest_provinces(panel, draws=draws, seed=seed), backtest_national(panel, draws=draws, seed=seed)]
    summary = pd.concat([r.summary.assign(series=r.label, verdict=r.verdict()) for r in results], ignore_index=True)
    detail = pd.concat([r.table.assign(series=r.label) for r in results], ignore_index=True)
    return {"backtest_summary": summary, "backtest_detail": detail}


def risk_area_tables(households: pd.DataFrame, *, seed: int) -> dict[str, pd.DataFrame]:
    """Re-poverty risk validation metrics and expected shares by province and district."""
    from povmodel import datasets
    from povmodel.risk.features import province_features
    from povmodel.risk.validation import risk_tables

    provinces = province_features(datasets.load_regional_panel(), datasets.load_boundaries("province"))
    tables = risk_tables(households, provinces, seed=seed)
    year = tables["scored_year"]
    return {"risk_metrics": tables["metrics"].assign(scored_year=year, pairs=tables["pairs"]),
            "risk_province": tables["areas"]["province"].assign(scored_year=year),
            "risk_district": tables["areas"]["district"].assign(scored_year=year),
            "targeting_errors": household_targeting(tables["pair_table"], tables["out_of_province"])}


def household_targeting(pairs: pd.DataFrame, predictions: Mapping[str, np.ndarray]) -> pd.DataFrame:
    """Inclusion and exclusion errors, among households not poor at a round, of picking who will
    be poor at the next round: the official near-poor list against each model's risk score
    (out-of-province predictions), each rule selecting as many households (weighted) as the
    near-poor list holds."""
    from povmodel.targeting import targeting_errors

    budget = float(np.average(pairs["near_poor"].astype(float), weights=pairs["weight"]))
    rules = {"near_poor_list": pairs["near_poor"].astype(float).to_numpy(),
             **{f"risk_score_{name}": p for name, p in predictions.items()}}
    return targeting_errors(pairs.assign(poor_next=pairs["poor_next"].astype(int)), rules, budget_share=budget,
                            poor_col="poor_next").assign(pairs=len(pairs))


def simulation_table(simulations: Mapping[str, object]) -> pd.DataFrame:
    """Every simulated scenario's results table (all groupings), one frame."""
    parts = [sim.table for sim in simulations.values()]
    return pd.concat(parts, ignore_index=True) if parts else pd.DataFrame()


# ---------------------------------------------------------------------------------------------
# Publishing rules: small cells, no silent NaN
# ---------------------------------------------------------------------------------------------
#: Columns that identify or count, never suppressed.
_KEEP = {"sample_households", "scored_year", "year", "k", "pairs", "n", "n_test", "n_selected", "lat", "lon"}


def suppress_small_cells(table: pd.DataFrame, *, min_households: int) -> pd.DataFrame:
    """Rows of an area table with fewer than ``min_households`` sample households lose their
    estimates (numeric columns other than counts and keys) and are marked ``suppressed``."""
    if "sample_households" not in table:
        return table
    small = pd.to_numeric(table["sample_households"], errors="coerce").fillna(0).to_numpy() < min_households
    if not small.any():
        return table
    out = table.copy()
    numeric = [c for c in out.columns if c not in _KEEP and pd.api.types.is_numeric_dtype(out[c])
               and not pd.api.types.is_bool_dtype(out[c])]
    out.loc[small, numeric] = np.nan
    if "quality" in out:
        out.loc[small, "quality"] = "suppressed"
    return out


def check_published(tables: Mapping[str, pd.DataFrame], cube=None) -> None:
    """Raise a :class:`PovmodelError` naming every missing (NaN) figure that is not explained:
    in a table, a NaN is allowed only in a row marked ``suppressed``; in the cube, a variable's
    (scenario, year) slice is either wholly missing (outside what it covers: a survey year, a
    scenario year, a forecast year) or complete for every area."""
    problems = []
    for name, table in tables.items():
        numeric = table.select_dtypes("number")
        missing = numeric.isna()
        if "quality" in table:
            missing = missing & ~table["quality"].eq("suppressed").to_numpy()[:, None]
        if missing.to_numpy().any():
            cols = missing.any()
            rows = missing.any(axis=1)
            problems.append(f"table {name!r}: NaN in {', '.join(cols[cols].index)} on {int(rows.sum())} row(s) "
                            f"(e.g. rows {rows[rows].index[:5].tolist()}) not marked suppressed")
    if cube is not None:
        for var, da in cube.data_vars.items():
            if set(da.dims) != {"scenario", "area", "year"} or var.endswith(("_se", "_n")):
                continue
            values = da.transpose("scenario", "area", "year").to_numpy()
            covered = np.isfinite(values).any(axis=1)  # (scenario, year) slices with any value
            holes = ~np.isfinite(values) & covered[:, None, :]
            if holes.any():
                s_i, a_i, y_i = np.nonzero(holes)
                areas = sorted({str(cube["area"].values[i]) for i in a_i})
                problems.append(f"cube variable {var!r}: NaN for {len(areas)} area(s) (e.g. {areas[:5]}) in "
                                f"scenario {cube['scenario'].values[s_i[0]]!s}, year {int(cube['year'].values[y_i[0]])} "
                                "where other areas have values")
    if problems:
        raise PovmodelError("missing figures in the run's outputs:\n  - " + "\n  - ".join(problems))


# ---------------------------------------------------------------------------------------------
# Writing and reading
# ---------------------------------------------------------------------------------------------
def _parquet_safe(df: pd.DataFrame) -> pd.DataFrame:
    """Object columns holding mixed types (e.g. a parameter value that may be a number or a
    string) are written as strings; attrs are dropped (not Parquet metadata)."""
    out = df.copy()
    out.attrs = {}
    for col in out.columns:
        if out[col].dtype == object:
            kinds = {type(v) for v in out[col].dropna()}
            if len(kinds) > 1 or (kinds and not kinds <= {str}):
                out[col] = out[col].map(lambda v: v if v is None or (isinstance(v, float) and np.isnan(v))
                                        else str(v))
    return out


def write_outputs(run_id: str, tables: Mapping[str, pd.DataFrame], *, cube_path: Path, inputs_sha256: str,
                  provenance: dict) -> Path:
    """Write ``tables`` as Parquet and the ``run.json`` record (last, so a run folder with a
    record is complete)."""
    folder = run_dir(run_id)
    folder.mkdir(parents=True, exist_ok=True)
    written = {}
    for name, table in tables.items():
        path = folder / f"{name}.parquet"
        with atomic_path(path) as tmp:
            _parquet_safe(table).to_parquet(tmp, index=False)
        written[name] = {"rows": len(table), "sha256": sha256_file(path)}
    write_json(folder / RUN_RECORD, {
        **provenance, "inputs_sha256": inputs_sha256, "written": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        "cube": str(cube_path), "cube_sha256": sha256_path(cube_path), "tables": written,
    })
    return folder


def is_fresh(run_id: str, inputs_sha256: str) -> bool:
    """Whether the run's cube and tables exist, are intact and were made from these inputs."""
    record_path = run_dir(run_id) / RUN_RECORD
    if not record_path.is_file():
        return False
    record = read_json(record_path)
    cube = Path(record.get("cube", ""))
    if record.get("inputs_sha256") != inputs_sha256 or not cube.exists():
        return False
    if sha256_path(cube) != record.get("cube_sha256"):
        return False
    folder = run_dir(run_id)
    return all((folder / f"{n}.parquet").is_file() and sha256_file(folder / f"{n}.parquet") == t["sha256"]
               for n, t in record.get("tables", {}).items())


@dataclass
class RunOutputs:
    """A run's results cube and tables, opened once by a report.

    Tables load lazily on first access (``outputs.table("forecast_paths")``).
    """

    run_id: str
    record: dict
    _tables: dict[str, pd.DataFrame] = field(default_factory=dict, repr=False)
    _cube: object | None = field(default=None, repr=False)

    @classmethod
    def open(cls, run_id: str) -> RunOutputs:
        """The outputs of ``run_id``; a clear error if the run has not been built."""
        path = run_dir(run_id) / RUN_RECORD
        if not path.is_file():
            raise PovmodelError(f"no results for run {run_id!r} ({path} missing); run `povmodel run CONFIG` first")
        return cls(run_id, read_json(path))

    @property
    def cube(self):
        """The results cube (:class:`xarray.Dataset`), loaded into memory."""
        if self._cube is None:
            from povmodel.cube import open_cube

            self._cube = open_cube(self.record["cube"])
        return self._cube

    @property
    def names(self) -> list[str]:
        """Names of the tables written."""
        return list(self.record.get("tables", {}))

    def table(self, name: str) -> pd.DataFrame:
        """One table by name."""
        if name not in self._tables:
            if name not in self.record.get("tables", {}):
                raise PovmodelError(f"run {self.run_id!r} has no table {name!r}; it has: {', '.join(self.names)}")
            self._tables[name] = pd.read_parquet(run_dir(self.run_id) / f"{name}.parquet")
        return self._tables[name]

    @property
    def synthetic(self) -> bool:
        """Whether the run's household data are synthetic."""
        return bool(self.record.get("synthetic"))

    def summary(self) -> str:
        """One line per table (name, rows)."""
        return json.dumps({n: t["rows"] for n, t in self.record.get("tables", {}).items()})
