"""The ``povmodel`` command.

Exit codes: 0 success; 1 a report failed; 2 invalid input (config, data, arguments), with one
line per problem on standard error and no traceback; 130 interrupted.
"""

from __future__ import annotations

import argparse
import sys
import time
from collections.abc import Sequence

from povmodel._version import __version__
from povmodel.errors import PovmodelError, ProblemsError


def _err(line: str) -> None:
    print(line, file=sys.stderr)


def _cmd_validate_config(args: argparse.Namespace) -> int:
    from povmodel.config import load_config

    bad = 0
    for path in args.paths:
        try:
            config = load_config(path)
        except ProblemsError as exc:
            bad += 1
            for line in exc.lines():
                _err(line)
        else:
            print(f"{path}: valid (run_id {config.run_id})")
    return 2 if bad else 0


def _cmd_data_build(args: argparse.Namespace) -> int:
    from povmodel.pipeline import build_data

    t0 = time.perf_counter()
    build_data(args.out, seed=args.seed, progress=print)
    print(f"data build finished in {time.perf_counter() - t0:.1f} s")
    return 0


def _cmd_data_census(args: argparse.Namespace) -> int:
    import pandas as pd

    from povmodel import pipeline
    from povmodel.paths import processed_dir
    from povmodel.synthetic import build_world

    seed = pipeline.default_seed() if args.seed is None else args.seed
    pipeline.ensure_data(seed=seed, progress=print)
    world = build_world(seed, pd.read_parquet(processed_dir() / "regional_panel.parquet"))
    out = args.out or processed_dir() / f"census_{args.year}_seed{seed}"
    if args.compute == "dask":
        from povmodel.census_scale import generate

        result = generate(world, out, year=args.year, provinces=args.province,
                          compute=_compute_settings(args, chunk_households=args.chunk))
    else:
        result = world.census(out, year=args.year, provinces=args.province, chunk_households=args.chunk,
                              progress=print)
    per_million = result.seconds / max(result.households, 1) * 1e6
    print(f"SYNTHETIC census {args.year}: {result.households:,} households in {len(result.files)} files under "
          f"{out}; {result.seconds:.1f} s ({per_million:.1f} s per million households), "
          f"peak memory {result.peak_memory_mb:.0f} MB")
    return 0


def _cmd_measure(args: argparse.Namespace) -> int:
    import json
    from pathlib import Path

    from povmodel import io, measure
    from povmodel.measure.estimate import DEFAULT_MEASURES, MPI_MEASURES

    measures = args.measures or [*DEFAULT_MEASURES, *MPI_MEASURES]
    if Path(args.path).is_dir():  # a census written by `povmodel data census`: measured by province partition
        from povmodel.census_scale import measure as measure_census

        if args.persons or args.column_map or args.variance != "taylor":
            _err("error: a census folder is measured with Taylor standard errors, without --persons or --column-map")
            return 2
        t0 = time.perf_counter()
        results = measure_census(args.path, by=args.by, standard=args.standard, year=args.year, unit=args.unit,
                                 measures=measures, min_n=args.min_n, compute=_compute_settings(args))
        print(f"census {args.path}: measured in {time.perf_counter() - t0:.1f} s ({args.compute})", file=sys.stderr)
    else:
        households = io.read_households(args.path, column_map=args.column_map)
        persons = io.read_persons(args.persons) if args.persons else None
        results = measure.estimate(households, standard=args.standard, year=args.year, by=args.by, unit=args.unit,
                                   measures=measures, persons=persons, variance=args.variance,
                                   replicates=args.replicates, seed=args.seed, min_n=args.min_n)
    if args.json:
        table = results.to_frame()
        print(json.dumps(json.loads(table.to_json(orient="records")), ensure_ascii=False, indent=1))
    else:
        print(results.summary())
    return 0


def _cmd_data_check(args: argparse.Namespace) -> int:
    from povmodel import io

    if args.kind == "boundaries":
        if args.column_map or args.encoding or args.sheet is not None:
            _err("error: --column-map, --encoding and --sheet do not apply to --kind boundaries")
            return 2
        gdf = io.check_boundaries(args.path)
        report = gdf.attrs["load_report"]
        print(f"{args.path}: valid boundaries: {len(gdf)} features, {report['format']}, code column "
              f"{report['code_column']} ({report['code_scheme']}), CRS {report['crs']}")
    else:
        loader = {"households": io.read_households, "persons": io.read_persons,
                  "panel": io.read_regional_panel}[args.kind]
        table = loader(args.path, column_map=args.column_map, encoding=args.encoding, sheet=args.sheet)
        report = table.attrs["load_report"]
        encoding = f", {report['encoding']}" if report.get("encoding") else ""
        print(f"{args.path}: valid {args.kind} table: {len(table):,} rows, {table.shape[1]} columns, "
              f"{report['format']}{encoding}")
    for note in report.get("notes", []):
        print(f"note: {note}")
    return 0


def _config_households(path):
    """The config at ``path``, its households (data built if needed) and their source."""
    from povmodel import pipeline
    from povmodel.config import load_config

    config = load_config(path)
    pipeline.ensure_data(seed=config.seed)
    households, _, source = pipeline.load_households(config)
    return config, households, source


def _cmd_risk(args: argparse.Namespace) -> int:
    import json

    from povmodel import datasets
    from povmodel.risk.features import province_features
    from povmodel.risk.validation import risk_report

    config, households, source = _config_households(args.config)
    provinces = province_features(datasets.load_regional_panel(), datasets.load_boundaries("province"))
    report = risk_report(households, provinces, seed=config.seed, top=args.top, level=args.level)
    plural = "provinces" if args.level == "province" else "districts"
    if args.out:
        from povmodel.risk.area import export_area_risk

        written = export_area_risk(report["all_areas"], args.out)
        print(f"ranked table of the {len(report['all_areas'])} {plural} written to {written}", file=sys.stderr)
    if args.map:
        from povmodel.reports.risk_maps import write_risk_map

        written = write_risk_map(report["all_areas"], args.map, level=args.level,
                                 scored_year=report["scored_year"], synthetic=source["synthetic"])
        print(f"risk map written to {written}", file=sys.stderr)
    if args.json:
        print(json.dumps({
            "synthetic": source["synthetic"], "scored_year": report["scored_year"], "panel_pairs": report["pairs"],
            "level": args.level,
            "metrics": json.loads(report["metrics"].to_json(orient="records")),
            "top_areas": json.loads(report["areas"].to_json(orient="records", force_ascii=False)),
        }, ensure_ascii=False, indent=1))
    else:
        print(("SYNTHETIC households. " if source["synthetic"] else "") + "Validation (households never seen):")
        print(report["metrics"].round(4).to_string(index=False))
        print(f"\n{plural.capitalize()} with the highest expected share falling into poverty after "
              f"{report['scored_year']}:")
        print(report["areas"].round(4).to_string(index=False))
    return 0


def _cmd_simulate(args: argparse.Namespace) -> int:
    import json

    from povmodel import pipeline
    from povmodel.config import load_config, load_scenario
    from povmodel.shocks import published_comparison, simulate

    scenario = load_scenario(args.scenario)
    reform = load_scenario(args.reform) if args.reform else None
    if args.config:
        config = load_config(args.config)
        seed = config.seed if args.seed is None else args.seed
        pipeline.ensure_data(seed=config.seed)
        households, _, source = pipeline.load_households(config)
    else:
        seed = pipeline.default_seed() if args.seed is None else args.seed
        households, source = pipeline.load_synthetic_survey(), {"synthetic": True}
    t0 = time.perf_counter()
    progress = None
    if not args.json and sys.stderr.isatty():
        def progress(done, total):
            print(f"\r  draw {done}/{total}", end="" if done < total else "\n", file=sys.stderr)
    if args.census:
        from povmodel.census_scale import simulate as simulate_census

        results = simulate_census(args.census, scenario, draws=args.draws, seed=seed, reform=reform,
                                  compute=_compute_settings(args))
    else:
        results = simulate(households, scenario, draws=args.draws, seed=seed, workers=args.workers, reform=reform,
                           progress=progress)
    elapsed = time.perf_counter() - t0
    if args.out:
        print(f"results table written to {results.export(args.out)}", file=sys.stderr)
    validation = published_comparison(results, scenario.name) if scenario.year == 2020 and scenario.shock else None
    if args.json:
        out = {"scenario": scenario.name, "reform": reform.name if reform else None,
               "synthetic": bool(source.get("synthetic")), "year": results.year, "standard": results.standard,
               "baseline_round": scenario.baseline_round, "draws": results.draws, "seed": results.seed,
               "seconds": round(elapsed, 3), "notes": results.notes, **results.to_dict(scenario.name)}
        if reform is not None:
            out["reform_results"] = results.to_dict(reform.name)
        if validation is not None:
            out["validation"] = json.loads(validation.to_json(orient="records"))
        print(json.dumps(out, ensure_ascii=False, indent=1))
        return 0
    note = "SYNTHETIC households (calibrated to published rates; not official statistics). " \
        if source.get("synthetic") else ""
    print(f"{note}Scenario {scenario.name}: {results.year}, standard {results.standard}, "
          f"round {scenario.baseline_round}, {results.draws} draws, seed {seed}, {elapsed:.1f} s")
    shown = ["poor_rate_baseline", "poor_rate_scenario", "newly_poor_households", "repoor_households",
             "near_poor_to_poor_households", "income_loss_vnd", "transfer_cost_vnd", "offset_share"]
    for name in results.scenarios:
        t = results.select(grouping="national", scenario=name).set_index("metric")
        if "winners_share" in t.index:
            shown = [*shown, "winners_share", "losers_share"]
        print(f"\n{name} (national; mean and 95% Monte Carlo interval):")
        print(t.loc[[m for m in shown if m in t.index], ["mean", "low", "high"]].to_string(float_format="{:,.4g}".format))
    if validation is not None:
        print("\nBeside published figures (the first three are the scenario's inputs):")
        print(validation[["metric", "group", "simulated", "published", "gap", "source"]].round(3).to_string(index=False))
    for line in results.notes:
        print(f"note: {line}")
    return 0


def _cmd_sae(args: argparse.Namespace) -> int:
    import json

    from povmodel import datasets
    from povmodel.spatial.province_fh import province_covariates, province_fay_herriot

    config, households, source = _config_households(args.config)
    boundaries = datasets.load_boundaries("province")
    covariates = province_covariates(datasets.load_regional_panel(), boundaries)
    standard = None if config.standard == "auto" else config.standard
    table, fit = province_fay_herriot(households, covariates, year=args.year, measure=args.measure,
                                      standard=standard)
    synthetic = bool(source.get("synthetic"))
    if args.out:
        from povmodel.io import write_table

        print(f"province table written to {write_table(table, args.out)}", file=sys.stderr)
    if args.map:
        from pathlib import Path

        from povmodel.io import atomic_path, write_text
        from povmodel.reports import figures, sae_maps

        prefix = "SYNTHETIC households - " if synthetic else ""
        title = f"{prefix}{args.measure} {args.year}: Fay-Herriot estimate and CV"
        path = Path(args.map)
        if path.suffix.lower() == ".html":
            write_text(path, sae_maps.estimate_cv_html(boundaries, table, title=title, language=config.language,
                                                       area="province"))
        else:
            fig = sae_maps.estimate_cv_maps(boundaries, datasets.load_boundaries("region"), table, title=title,
                                            language=config.language, area="province")
            with atomic_path(path) as tmp:
                tmp.write_bytes(figures.figure_png(fig))
        print(f"map written to {path}", file=sys.stderr)
    if args.json:
        print(json.dumps({"synthetic": synthetic, "year": args.year, "measure": args.measure,
                          "model": {"sigma2_u": float(fit.sigma2_u), "beta": fit.beta.to_dict(),
                                    "converged": bool(fit.converged)},
                          "provinces": json.loads(table.to_json(orient="records", force_ascii=False))},
                         ensure_ascii=False, indent=1))
    else:
        print(("SYNTHETIC households. " if synthetic else "") + fit.summary())
        print(table.sort_values("estimate", ascending=False).head(args.top).round(4).to_string(index=False))
    return 0


def _cmd_backtest(args: argparse.Namespace) -> int:
    import json

    from povmodel import datasets, pipeline
    from povmodel.forecast.backtest import backtest_national, backtest_provinces

    pipeline.ensure_data()
    panel = datasets.load_regional_panel()
    results = [backtest_provinces(panel, draws=args.draws, seed=args.seed),
               backtest_national(panel, draws=args.draws, seed=args.seed)]
    if args.json:
        print(json.dumps([{"series": r.label, "verdict": r.verdict(), "winners": r.winners(),
                           "summary": json.loads(r.summary.to_json(orient="records")),
                           "table": json.loads(r.table.to_json(orient="records"))} for r in results], indent=1))
        return 0
    for r in results:
        print(f"{r.label} (REAL published rates; MAE and RMSE in percentage points):")
        cols = [c for c in ("model", "mae_pp", "rmse_pp", "coverage80", "coverage95", "n", "last_value_mae_pp",
                            "national_trend_mae_pp") if c in r.summary]
        print(r.summary[cols].round(3).to_string(index=False))
        print(r.verdict() + "\n")
    return 0


def _cmd_run(args: argparse.Namespace) -> int:
    from povmodel.config import load_config
    from povmodel.pipeline import run

    t0 = time.perf_counter()
    path = run(load_config(args.config), progress=print)
    print(f"results cube: {path} ({time.perf_counter() - t0:.1f} s)")
    return 0


def _cmd_report(args: argparse.Namespace) -> int:
    from povmodel.config import load_config
    from povmodel.reports.runner import run_reports

    t0 = time.perf_counter()
    config = load_config(args.config)
    result = run_reports(config, only=args.only, provinces=args.province, jobs=args.jobs, force=args.force,
                         progress=print, progress_bar=not args.quiet)
    print()
    lines = result.summary_lines()
    if args.quiet:  # only what ran or failed; cached reports are counted below
        lines = lines[:1] + [line for line, r in zip(lines[1:], _result_rows(result), strict=True)
                             if r is None or r.status != "cached"]
    for line in lines:
        print(line)
    print(f"\n{len(result.reports)} report(s), {len(result.failed)} failed, "
          f"{time.perf_counter() - t0:.1f} s; index: {result.run_dir / 'index.html'}")
    return 1 if result.failed else 0


def _compute_settings(args: argparse.Namespace, **extra) -> dict:
    """The ``compute:`` settings given on the command line (checked by ComputeSettings)."""
    settings = {"mode": args.compute, **extra}
    if args.compute == "dask":
        if args.scheduler:
            settings["scheduler_address"] = args.scheduler
        elif args.dask_workers:
            settings["workers"] = args.dask_workers
    elif args.scheduler or args.dask_workers:
        settings.update(scheduler_address=args.scheduler, workers=args.dask_workers)  # refused: local mode
    return settings


def _add_compute_options(p: argparse.ArgumentParser) -> None:
    p.add_argument("--compute", choices=["local", "dask"], default="local",
                   help="local (default, in this process) or dask (one task per province)")
    p.add_argument("--dask-workers", type=_positive_int, metavar="N",
                   help="worker processes of the dask LocalCluster started for the run (default 2)")
    p.add_argument("--scheduler", metavar="ADDRESS", help="an existing dask scheduler, e.g. tcp://10.0.0.5:8786")


def _positive_int(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a whole number: {text!r}") from None
    if value < 1:
        raise argparse.ArgumentTypeError(f"must be at least 1, got {value}")
    return value


def _result_rows(result) -> list:
    """For each summary line after the header: its report result, or ``None`` for an error line."""
    rows = []
    for r in result.reports:
        rows.append(r)
        if r.error:
            rows.append(None)
    return rows


def _cmd_forecast(args: argparse.Namespace) -> int:
    import json
    import math

    from povmodel import pipeline
    from povmodel.config import load_config
    from povmodel.forecast.planning import forecast_paths, scenario_shock
    from povmodel.forecast.targets import light_counts

    t0 = time.perf_counter()
    config = load_config(args.config)
    text = str(args.years).strip()
    parts = text.split("-")
    if len(parts) not in (1, 2) or not all(p.strip().isdigit() for p in parts):
        raise PovmodelError(f"--years {text!r}: expected FIRST-LAST (e.g. 2021-2025) or one year")
    first, last = int(parts[0]), int(parts[-1])
    if last < first:
        raise PovmodelError(f"--years {text!r}: the last year {last} is before the first {first}")
    spec = None
    if args.scenario is not None:
        known = {s.name: s for s in config.scenario_specs}
        if args.scenario not in known:
            raise PovmodelError(f"--scenario {args.scenario!r}: no such scenario in {args.config}; known: "
                                f"{', '.join(known) or 'none'}")
        spec = known[args.scenario]
        if spec.shock is not None and spec.baseline_round is not None and spec.baseline_round > args.origin:
            raise PovmodelError(f"--scenario {spec.name}: its baseline_round {spec.baseline_round} is after the origin "
                                f"{args.origin} (the forecast may only use data up to the origin)")
    pipeline.ensure_data(seed=config.seed)
    households, _, source = pipeline.load_households(config)
    shock, extra_notes = None, []
    if spec is not None and spec.shock is not None and spec.year is not None and spec.year <= args.origin:
        extra_notes.append(f"scenario {spec.name}: its year {spec.year} is not after the origin {args.origin}; the "
                           "shock is already in the data the forecast starts from and is not added")
    elif spec is not None and spec.shock is not None:
        from povmodel.shocks import simulate

        sim = simulate(households, spec, draws=config.draws, seed=config.seed)
        shock = scenario_shock(sim.wide("national"), sim.wide("province"), name=spec.name, year=spec.year,
                               standard=sim.standard)
        extra_notes.append(f"scenario {spec.name}: shock microsimulation of round {spec.baseline_round}, "
                           f"{config.draws} draws (config 'draws'), mean poor-rate change by province")
    elif spec is not None:
        extra_notes.append(f"scenario {spec.name} has no shock: the paths are the baseline forecast")
    result = forecast_paths(config, households=households, origin=args.origin, standard=args.standard,
                            years=range(first, last + 1), draws=args.draws, seed=args.seed, model=args.model,
                            shock=shock, coherence=args.coherence, synthetic=bool(source.get("synthetic")))
    notes = [*extra_notes, *result.notes]
    elapsed = time.perf_counter() - t0
    if args.json:
        def clean(rows):
            return [{k: (None if isinstance(v, float) and not math.isfinite(v) else v) for k, v in r.items()}
                    for r in rows]

        nat_bridge = result.bridge[result.bridge["area"] == "NATIONAL"] if len(result.bridge) else result.bridge
        print(json.dumps({
            "origin": result.origin, "standard": result.standard, "model": result.model, "draws": result.draws,
            "seed": result.seed, "years": list(result.years), "base_year": result.base_year,
            "scenario": spec.name if spec is not None else None, "synthetic": result.synthetic, "coherence": args.coherence,
            "seconds": round(elapsed, 3), "notes": notes, "records": clean(result.records()),
            "targets": clean(result.target_records()),
            "bridge": clean(json.loads(nat_bridge.to_json(orient="records"))) if len(nat_bridge) else [],
        }, ensure_ascii=False, indent=1))
        return 0
    tag = "SYNTHETIC households (calibrated to published rates; not official statistics). " if result.synthetic else ""
    print(f"{tag}Forecast from origin {result.origin}, standard {result.standard}, model {result.model}, "
          f"{result.draws} draws, seed {result.seed}" + (f", scenario {spec.name}" if spec is not None else ""))
    paths = result.paths[result.paths["area_level"].isin(["national", "region"])].copy()
    paths["value"] = [f"{m:5.2f} [{lo:5.2f}, {hi:5.2f}]{'' if k == 'forecast' else ' *'}"
                      for m, lo, hi, k in zip(paths["mean"], paths["low"], paths["high"], paths["kind"], strict=True)]
    for indicator, part in paths.groupby("indicator", sort=False):
        wide = part.pivot_table(index=["area", "area_name"], columns="year", values="value", aggfunc="first",
                                sort=False)
        synthetic = "SYNTHETIC " if part["synthetic"].any() else ""
        print(f"\n{indicator} (%; mean and 95% interval; * history) - {synthetic}national and regions:")
        print(wide.to_string())
    targets = result.targets
    nat = targets[targets["area_level"] == "national"]
    if len(nat):
        print(f"\nTargets {result.base_year + 1}-{result.years[-1]} (national; probability of meeting them):")
        print(nat[["target", "threshold", "unit", "probability", "light", "expected", "status"]]
              .round(3).to_string(index=False))
        counts = light_counts(targets, "province")
        if len(counts):
            print("\nProvinces by traffic light (green P >= 0.8, amber 0.5-0.8, red < 0.5):")
            print(counts.to_string())
    for line in notes:
        print(f"note: {line}")
    print(f"({elapsed:.1f} s)")
    return 0


def build_parser() -> argparse.ArgumentParser:
    """The argument parser of the ``povmodel`` command."""
    parser = argparse.ArgumentParser(
        prog="povmodel",
        description="Re-poverty risk, COVID-19 impact, poverty maps and forecasts for Vietnam.",
    )
    parser.add_argument("--version", action="version", version=f"povmodel {__version__}")
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    p = sub.add_parser("validate-config", help="check run configs; one line per problem")
    p.add_argument("paths", nargs="+", metavar="PATH")
    p.set_defaults(func=_cmd_validate_config)

    data = sub.add_parser("data", help="build and check data")
    data_sub = data.add_subparsers(dest="data_command", required=True, metavar="ACTION")
    p = data_sub.add_parser("build", help="build data/processed from data/raw and the synthetic survey; "
                                          "prints what it wrote")
    p.add_argument("--out", default=None, help="target folder (default: data/processed)")
    p.add_argument("--seed", type=int, default=None, help="seed of the synthetic survey (default: configs/default.yaml)")
    p.set_defaults(func=_cmd_data_build)
    p = data_sub.add_parser("census", help="write a SYNTHETIC census (every household) as Parquet by province")
    p.add_argument("--province", nargs="+", metavar="CODE", default=None, help="GSO codes or names (default: all 63)")
    p.add_argument("--year", type=int, default=2019, help="census year (2016-2022; default 2019)")
    p.add_argument("--seed", type=int, default=None, help="seed (default: configs/default.yaml)")
    p.add_argument("--out", default=None, help="target folder (default: data/processed/census_<year>_seed<seed>)")
    p.add_argument("--chunk", type=int, default=500_000, help="households per chunk: bounds memory (default 500000)")
    _add_compute_options(p)
    p.set_defaults(func=_cmd_data_census)
    p = data_sub.add_parser(
        "check", help="check a household, person, panel or boundary file; one line per problem")
    p.add_argument("path", metavar="PATH")
    p.add_argument("--kind", required=True, choices=["households", "persons", "panel", "boundaries"],
                   help="what the file holds")
    p.add_argument("--column-map", metavar="FILE", default=None,
                   help="YAML column map: rename / recode / constants / extra (see README)")
    p.add_argument("--encoding", default=None, help="text encoding of a CSV (default: detected)")
    p.add_argument("--sheet", default=None, help="Excel sheet name (default: the first sheet)")
    p.set_defaults(func=_cmd_data_check)

    p = sub.add_parser("measure", help="poverty measures by domain with design-based standard errors")
    p.add_argument("path", metavar="PATH", help="household file (CSV, Parquet, Stata, Excel), or a census folder "
                                                "written by `povmodel data census` (measured province by province)")
    p.add_argument("--standard", choices=["2016-2020", "2022-2025", "2027-2030"], default=None,
                   help="poverty standard (default: the one in force at the end of each survey year)")
    p.add_argument("--year", type=int, default=None, help="survey year (default: every year in the file)")
    p.add_argument("--by", nargs="+", default=["national"], metavar="DOMAIN",
                   help="domain types: national region province urban ethnicity (default: national)")
    p.add_argument("--unit", choices=["household", "person"], default="household")
    p.add_argument("--measures", nargs="+", default=None, metavar="MEASURE",
                   help="poor_rate near_poor_rate middle_rate poor_or_near_poor_rate fgt0 fgt1 fgt2 mean_income "
                        "mpi_h mpi_a mpi_m0 (default: poor_rate near_poor_rate fgt0 fgt1 fgt2 mpi_h mpi_a mpi_m0; "
                        "mpi_*: Alkire-Foster, the standard's indicators, nested weights, k = 1/3)")
    p.add_argument("--persons", default=None, help="person file (deprivations derived from persons where possible)")
    p.add_argument("--column-map", default=None, help="YAML column map for the household file")
    p.add_argument("--variance", choices=["taylor", "bootstrap"], default="taylor")
    p.add_argument("--replicates", type=int, default=200)
    p.add_argument("--seed", type=int, default=None, help="seed of the bootstrap")
    p.add_argument("--min-n", type=int, default=50, help="flag domains with fewer sample households")
    p.add_argument("--json", action="store_true", help="print the tidy table as JSON records")
    _add_compute_options(p)
    p.set_defaults(func=_cmd_measure)

    p = sub.add_parser("risk", help="re-poverty risk: validation of the models and the provinces most at risk")
    p.add_argument("--config", required=True, metavar="PATH")
    p.add_argument("--top", type=int, default=10, help="number of areas listed (default 10)")
    p.add_argument("--level", choices=["province", "district"], default="province",
                   help="areas ranked, exported and mapped (districts: points at their centres)")
    p.add_argument("--json", action="store_true", help="print metrics and top areas as JSON")
    p.add_argument("--out", default=None, metavar="FILE", help="also export the ranked table of every area (.csv or .xlsx)")
    p.add_argument("--map", default=None, metavar="FILE", help="also draw the risk map: .png static, .html interactive")
    p.set_defaults(func=_cmd_risk)

    p = sub.add_parser("simulate", help="shock microsimulation of a scenario (COVID-19 waves, support packages)")
    p.add_argument("--scenario", required=True, metavar="PATH", help="scenario YAML (configs/scenarios/)")
    p.add_argument("--reform", default=None, metavar="PATH",
                   help="a second scenario run on the same draws (winners, losers, cost)")
    p.add_argument("--draws", type=int, default=100, help="Monte Carlo draws (default 100)")
    p.add_argument("--seed", type=int, default=None, help="seed (default: the config's or the default config's)")
    p.add_argument("--workers", type=int, default=None, help="threads (default: cores); results do not depend on it")
    p.add_argument("--config", default=None, metavar="PATH", help="run config whose households are used "
                   "(default: the synthetic survey)")
    p.add_argument("--json", action="store_true", help="print national and province results as JSON")
    p.add_argument("--out", default=None, metavar="FILE", help="also export the tidy results (.csv or .xlsx)")
    p.add_argument("--census", default=None, metavar="DIR",
                   help="simulate on a census folder (`povmodel data census`) province by province instead")
    _add_compute_options(p)
    p.set_defaults(func=_cmd_simulate)

    p = sub.add_parser("sae", help="province poverty map: direct survey estimates + Fay-Herriot on real covariates")
    p.add_argument("--config", required=True, metavar="PATH")
    p.add_argument("--year", type=int, required=True, help="survey round")
    p.add_argument("--measure", default="poor_rate", choices=["poor_rate", "near_poor_rate", "fgt0"],
                   help="rate to estimate (default poor_rate)")
    p.add_argument("--top", type=int, default=10, help="provinces printed (default 10)")
    p.add_argument("--json", action="store_true", help="print the model and the 63 provinces as JSON")
    p.add_argument("--out", default=None, metavar="FILE", help="also export the table (.csv or .xlsx)")
    p.add_argument("--map", default=None, metavar="FILE", help="also draw estimate and CV maps (.png or .html)")
    p.set_defaults(func=_cmd_sae)

    p = sub.add_parser("forecast", help="national, regional and province poverty paths with intervals and "
                                        "the probability of meeting the programme's targets")
    p.add_argument("--config", required=True, metavar="PATH")
    p.add_argument("--origin", type=int, default=2020, help="last year of data used (default 2020)")
    p.add_argument("--scenario", default=None, metavar="NAME",
                   help="a scenario of the config: its shock (if any) enters the forecast years")
    p.add_argument("--standard", choices=["2016-2020", "2022-2025", "2027-2030"], default="2022-2025",
                   help="poverty standard of the paths (default 2022-2025)")
    p.add_argument("--years", default="2021-2025", metavar="FIRST-LAST", help="years reported (default 2021-2025)")
    p.add_argument("--draws", type=int, default=1000, help="simulated paths (default 1000)")
    p.add_argument("--seed", type=int, default=None, help="seed (default: the config's)")
    p.add_argument("--model", default="combination",
                   help="combination (default), logit_trend, damped_ets, panel_convergence, growth_pass_through, "
                        "last_value or national_trend")
    p.add_argument("--coherence", default="mint",
                   help="mint (default): national and provinces reconciled on counts; top-down: the national path "
                        "is binding")
    p.add_argument("--json", action="store_true", help="print the paths and target probabilities as JSON")
    p.set_defaults(func=_cmd_forecast)

    p = sub.add_parser("backtest", help="rolling-origin backtests of the forecast models on the real series "
                                        "(GSO provinces 2010-2016, MOLISA national) against naive baselines")
    p.add_argument("--draws", type=int, default=1000, help="simulated paths per forecast (default 1000)")
    p.add_argument("--seed", type=int, default=0, help="seed (default 0)")
    p.add_argument("--json", action="store_true", help="print summaries, verdicts and the full tables as JSON")
    p.set_defaults(func=_cmd_backtest)

    p = sub.add_parser("run", help="build the results cube of a config (data/processed/cubes/<run_id>.nc)")
    p.add_argument("config", metavar="CONFIG")
    p.set_defaults(func=_cmd_run)

    p = sub.add_parser("report", help="execute the config's report notebooks into reports/<run_id>/")
    p.add_argument("config", metavar="CONFIG")
    p.add_argument("--only", nargs="+", metavar="NAME",
                   help="run only these reports (overview, profile, risk, covid, forecast, province_brief, "
                        "scenario_comparison)")
    p.add_argument("--province", nargs="+", metavar="CODE",
                   help="province briefs only for these provinces (GSO codes or names)")
    p.add_argument("--jobs", type=_positive_int, metavar="N",
                   help="worker processes, each with its own kernel (default: the number of cores)")
    p.add_argument("--force", action="store_true", help="re-run reports whose inputs are unchanged")
    p.add_argument("--quiet", action="store_true", help="no progress bar; list only reports that ran")
    p.set_defaults(func=_cmd_report)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the ``povmodel`` command; returns the exit code."""
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        return args.func(args)
    except ProblemsError as exc:
        if exc.title:
            _err(exc.title + ":")
        for line in exc.lines():
            _err(line)
        return 2
    except PovmodelError as exc:
        _err(f"error: {exc}")
        return 2
    except KeyboardInterrupt:
        _err("interrupted")
        return 130
    except BrokenPipeError:  # output piped into a command that stopped reading (e.g. head)
        import os

        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 0


if __name__ == "__main__":
    sys.exit(main())
