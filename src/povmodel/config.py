"""Run configs and scenario files: strict pydantic models, loading with ``extends:``, hashing.

A config is YAML read with a safe loader, merged onto the config it ``extends`` (recursively;
mappings merge key by key, everything else is replaced), then validated in one pass so that
*every* problem is reported at once, each naming the file, the line, the key path and what is
wrong. Paths inside a config are relative to the folder of the file that names them.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import difflib
import hashlib
import json
import re
import reprlib
from pathlib import Path
from typing import Annotated, Any, Literal

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    PrivateAttr,
    ValidationError,
    ValidationInfo,
    field_validator,
    model_validator,
)

from povmodel._version import __version__
from povmodel._yaml import line_of, read_yaml
from povmodel.errors import ConfigError, Problem
from povmodel.parameters import load_parameters
from povmodel.scenarios import Shock, Support, resolve_province_codes

#: Reports a config may ask for (each is a notebook in ``notebooks/``).
ReportName = Literal["overview", "profile", "risk", "covid", "forecast", "province_brief", "scenario_comparison"]
Language = Literal["vi", "en"]
StandardName = Literal["auto", "2016-2020", "2022-2025", "2027-2030"]
_MAX_EXTENDS_DEPTH = 10


class StrictModel(BaseModel):
    """Frozen, no unknown keys, no silent type coercion of strings into numbers."""

    model_config = ConfigDict(frozen=True, extra="forbid", strict=False, str_strip_whitespace=True)


def _coverage_years() -> tuple[int, int]:
    start, end = load_parameters().coverage
    return start.year, end.year


class DataSources(StrictModel):
    """Where the run's data come from; ``None`` means the embedded default."""

    households: Path | None = Field(
        None, description="Household survey file (CSV, Parquet, Stata, Excel); default: the synthetic panel."
    )
    persons: Path | None = Field(None, description="Person table of the same survey (optional).")
    regional_panel: Path | None = Field(
        None, description="Regional panel file; default: built from the real GSO/MOLISA tables in data/raw."
    )
    column_map: Path | None = Field(None, description="YAML mapping of your column names to povmodel's.")

    @field_validator("households", "persons", "regional_panel", "column_map")
    @classmethod
    def _file_exists(cls, value: Path | None, info: ValidationInfo) -> Path | None:
        if value is None:
            return value
        base = (info.context or {}).get("base_dir")
        path = value if value.is_absolute() or base is None else Path(base) / value
        if not path.is_file():
            raise ValueError(f"file not found: {path}")
        return value


class ScenarioSpec(StrictModel):
    """A scenario: dated parameter changes on top of the enacted parameters (the reform
    mechanism) and, for the shock microsimulation (:mod:`povmodel.shocks`), a shock applied to
    the households of a survey round and the support paid in response."""

    name: Annotated[str, Field(pattern=r"^[a-z0-9][a-z0-9_\-]*$", description="Short identifier.")]
    title: str = Field("", description="Human-readable title.")
    description: str = ""
    parameter_changes: dict[str, dict[dt.date, Any]] = Field(
        default_factory=dict,
        description="{parameter.path: {YYYY-MM-DD: value}} applied on top of the dated parameters.",
    )
    year: int | None = Field(None, description="Scenario year: the year of the shock (its poverty standard applies).")
    baseline_round: int | None = Field(
        None, description="Survey round whose households are shocked (a round before the shock).")
    nowcast_growth: Annotated[float, Field(ge=-0.5, le=1.0)] = Field(
        0.0, description="Distribution-neutral income growth from the baseline round to the scenario year.")
    workers_per_person: Annotated[float, Field(gt=0.0, le=1.0)] = Field(
        0.56, description="Workers per household member where the data have no n_workers column.")
    shock: Shock | None = Field(None, description="The shock (none: no shock).")
    support: Support | None = Field(None, description="Support packages paid in response (none: no support).")

    @field_validator("parameter_changes")
    @classmethod
    def _known_parameters(cls, value: dict[str, dict[dt.date, Any]]) -> dict[str, dict[dt.date, Any]]:
        try:
            load_parameters().with_changes(value)
        except ConfigError as exc:
            raise ValueError("; ".join(p.message for p in exc.problems)) from None
        return value

    @model_validator(mode="after")
    def _simulation_complete(self) -> ScenarioSpec:
        simulated = self.shock is not None or self.support is not None
        if simulated and (self.year is None or self.baseline_round is None):
            raise ValueError("a scenario with a shock or support needs 'year' and 'baseline_round'")
        if self.year is not None and self.baseline_round is not None and self.baseline_round > self.year:
            raise ValueError(f"baseline_round {self.baseline_round} is after the scenario year {self.year}")
        if self.support is not None:
            params = load_parameters().with_changes(self.parameter_changes)
            problems = []
            for i, benefit in enumerate(self.support.benefits):
                for key in ("amount", "payments"):
                    path = getattr(benefit, key)
                    if not isinstance(path, str):
                        continue
                    if path not in params:
                        problems.append(f"support.benefits.{i}.{key}: unknown parameter {path!r}")
                    elif not isinstance(params.get(path).at(self.support.date), int | float):
                        problems.append(f"support.benefits.{i}.{key}: {path!r} has no number at "
                                        f"{self.support.date}")
            if problems:
                raise ValueError("; ".join(problems))
        return self

    @property
    def simulated(self) -> bool:
        """True if the scenario has a shock or support for the microsimulation."""
        return self.shock is not None or self.support is not None


class ForecastSettings(StrictModel):
    """Forecasts added to the results cube by ``povmodel run`` (one per scenario)."""

    origin: int = Field(2020, description="Last year of data the forecasts use.")
    standard: Literal["2016-2020", "2022-2025"] = Field("2022-2025", description="Standard of the forecast rates.")
    first_year: int = Field(2021, description="First forecast year reported.")
    last_year: int = Field(2025, description="Last forecast year reported.")
    model: Literal["combination", "logit_trend", "damped_ets", "panel_convergence", "growth_pass_through"] = Field(
        "combination", description="Forecast model.")
    draws: int = Field(1000, ge=10, le=100_000, description="Simulated paths.")

    @model_validator(mode="after")
    def _years_in_order(self) -> ForecastSettings:
        if not self.origin < self.last_year or self.first_year > self.last_year:
            raise ValueError(f"need origin < last_year and first_year <= last_year "
                             f"(origin {self.origin}, years {self.first_year}-{self.last_year})")
        return self


class ScenarioPair(StrictModel):
    """Two scenarios of the config compared side by side."""

    baseline: str = Field(..., description="Name of the reference scenario.")
    alternative: str = Field(..., description="Name of the scenario or reform compared with it.")


class ReportSettings(StrictModel):
    """Which province briefs and scenario comparisons the report set contains."""

    briefs: Literal["all"] | list[str | int] = Field(
        "all", description="Provinces with a brief: 'all' (the 63) or GSO codes / names.")
    comparisons: list[ScenarioPair] = Field(
        default_factory=list,
        description="Scenario pairs compared; empty = the first scenario against each scenario with a shock.")

    @field_validator("briefs")
    @classmethod
    def _known_provinces(cls, value):
        return value if value == "all" else resolve_province_codes(value)


class ComputeSettings(StrictModel):
    """Where the census-scale paths run (:mod:`povmodel.compute`): in this process, on a dask
    ``LocalCluster`` started for the run, or on an existing dask cluster. It changes how, not
    what, is computed: the results are identical in every mode (same seed)."""

    mode: Literal["local", "dask"] = Field(
        "local", description="'local': in this process (default); 'dask': chunks on a dask cluster.")
    workers: int | None = Field(
        None, ge=1, le=256,
        description="dask LocalCluster worker processes (default 2); not with scheduler_address.")
    threads_per_worker: int = Field(1, ge=1, le=64, description="Threads of each LocalCluster worker.")
    memory_limit: str | None = Field(
        None, pattern=r"^(auto|\d+(\.\d+)?\s*(B|kB|KB|MB|GB|TB|KiB|MiB|GiB|TiB))$",
        description="Memory limit of each LocalCluster worker, e.g. '6GB' (default: dask's 'auto').")
    scheduler_address: str | None = Field(
        None, pattern=r"^(tcp|tls|inproc|ucx|ws|wss)://\S+$",
        description="Address of an existing dask scheduler, e.g. 'tcp://10.0.0.5:8786' (mode 'dask' only).")
    chunk_households: int = Field(
        500_000, ge=10_000, le=50_000_000,
        description="Households per chunk when a province's households are generated in pieces.")

    @model_validator(mode="after")
    def _dask_only_options(self) -> ComputeSettings:
        if self.mode == "local":
            given = [k for k in ("workers", "memory_limit", "scheduler_address") if getattr(self, k) is not None]
            if given:
                raise ValueError(f"{', '.join(given)} only apply with mode: dask (mode is 'local')")
        if self.scheduler_address is not None:
            given = [k for k in ("workers", "memory_limit") if getattr(self, k) is not None]
            if given:
                raise ValueError(f"{', '.join(given)} configure a LocalCluster; an existing cluster "
                                 "(scheduler_address) is sized where it was started")
        return self


class RunConfig(StrictModel):
    """One run of povmodel: data, years, standard, seed, scenarios and the report set."""

    name: Annotated[str, Field(pattern=r"^[a-z0-9][a-z0-9_\-]*$", max_length=64,
                               description="Short identifier; names the report folder.")]
    title: str = Field("", description="Human-readable title of the run.")
    description: str = ""
    seed: int = Field(..., ge=0, lt=2**63, description="Seed of every random step.")
    language: Language = Field("en", description="Language of report text, labels and tables.")
    standard: StandardName = Field(
        "auto", description="Poverty standard used for classification; 'auto' = the one in force each year."
    )
    years: list[int] = Field(..., min_length=1, description="Survey rounds / years the run covers.")
    provinces: list[str | int] = Field(
        default_factory=list, description="GSO codes or names of focus provinces (empty = all 63)."
    )
    scenarios: list[Path] = Field(default_factory=list, description="Scenario YAML files.")
    forecast: ForecastSettings | None = Field(None, description="Forecasts added to the results cube (none: no forecast).")
    draws: int = Field(100, ge=1, le=100_000,
                       description="Monte Carlo draws of the shock microsimulation of scenarios with a shock or support.")
    reports: list[ReportName] = Field(default_factory=lambda: ["overview"], description="Reports to produce.")
    output_dir: Path = Field(Path("reports"), description="Folder receiving reports/<run_id>/.")
    report_timeout_s: int = Field(600, gt=0, le=24 * 3600, description="Per-report execution timeout.")
    min_sample_households: int = Field(
        10, ge=10, le=10_000,
        description="Area cells of the published tables with fewer sample households than this are suppressed "
                    "(no estimate; never below 10).")
    report_settings: ReportSettings = Field(default_factory=ReportSettings,
                                            description="Province briefs and scenario comparisons.")
    data: DataSources = Field(default_factory=DataSources)
    compute: ComputeSettings = Field(default_factory=ComputeSettings,
                                     description="Where census-scale work runs: local (default) or dask.")

    _source: Path | None = PrivateAttr(None)
    _scenario_specs: tuple[ScenarioSpec, ...] = PrivateAttr(())

    @field_validator("years")
    @classmethod
    def _years_in_coverage(cls, value: list[int]) -> list[int]:
        lo, hi = _coverage_years()
        outside = [y for y in value if not lo <= y <= hi]
        if outside:
            raise ValueError(
                f"year(s) {outside} outside the dated parameters' coverage {lo}-{hi} "
                "(the poverty standards povmodel knows)"
            )
        if len(set(value)) != len(value):
            raise ValueError("years repeated")
        return sorted(value)

    @field_validator("provinces")
    @classmethod
    def _known_provinces(cls, value: list[str | int]) -> list[str]:
        return resolve_province_codes(value)

    @field_validator("output_dir")
    @classmethod
    def _usable_folder_name(cls, value: Path) -> Path:
        if "\0" in str(value) or not str(value).strip():
            raise ValueError("output_dir must be a folder path without NUL characters")
        return value

    @field_validator("scenarios")
    @classmethod
    def _scenario_files_exist(cls, value: list[Path], info: ValidationInfo) -> list[Path]:
        base = (info.context or {}).get("base_dir")
        missing = [str(p) for p in value if not ((Path(base) / p) if base and not p.is_absolute() else p).is_file()]
        if missing:
            raise ValueError(f"scenario file(s) not found: {', '.join(missing)}")
        return value

    # -- derived -------------------------------------------------------------------------
    @property
    def source(self) -> Path | None:
        """The YAML file this config was loaded from."""
        return self._source

    @property
    def base_dir(self) -> Path:
        """Folder that relative paths in this config are resolved against."""
        return self._source.parent if self._source else Path.cwd()

    def resolve(self, path: Path) -> Path:
        """A path from this config, made absolute against :attr:`base_dir`."""
        return path if path.is_absolute() else (self.base_dir / path).resolve()

    @property
    def scenario_specs(self) -> tuple[ScenarioSpec, ...]:
        """The scenario files, loaded and validated."""
        return self._scenario_specs

    @property
    def config_hash(self) -> str:
        """SHA-256 of the resolved config and its scenarios (stable across machines)."""
        return config_hash(self)

    @property
    def run_id(self) -> str:
        """``<name>-<first 10 hex of the config hash>``: same inputs, same folder."""
        return f"{self.name}-{self.config_hash[:10]}"

    @property
    def results_id(self) -> str:
        """``results-<first 10 hex>`` of the hash of what the results depend on (data, years,
        standard, seed, scenarios, draws, forecast; not names, language or the report set):
        configs that differ only in presentation share one results cube."""
        content = {k: v for k, v in _canonical(self).items() if k != "config"}  # scenario contents
        content["config"] = self.model_dump(mode="json", exclude=PRESENTATION_FIELDS | {"scenarios", "data"})
        content["data"] = {k: str(self.resolve(v)) if v is not None else None  # wherever the config sits
                           for k, v in self.data.model_dump().items()}
        blob = json.dumps(content, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
        return f"results-{hashlib.sha256(blob.encode('utf-8')).hexdigest()[:10]}"


#: Config fields that change how results are presented, not the results themselves.
PRESENTATION_FIELDS = {"name", "title", "description", "language", "reports", "report_settings", "output_dir",
                       "report_timeout_s", "compute"}


def _canonical(model: RunConfig) -> dict[str, Any]:
    return {
        "config": model.model_dump(mode="json"),
        "scenarios": [s.model_dump(mode="json") for s in model.scenario_specs],
    }


def config_hash(model: RunConfig) -> str:
    """SHA-256 of the canonical JSON of a config and its scenarios."""
    blob = json.dumps(_canonical(model), sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(blob.encode("utf-8")).hexdigest()


# --------------------------------------------------------------------------------------------
# Loading
# --------------------------------------------------------------------------------------------
def _deep_merge(base: dict, override: dict) -> dict:
    out = dict(base)
    for key, value in override.items():
        if isinstance(value, dict) and isinstance(out.get(key), dict):
            out[key] = _deep_merge(out[key], value)
        else:
            out[key] = value
    return out


def _rebase_paths(data: dict, from_dir: Path, to_dir: Path) -> dict:
    """Make the paths of an extended config relative to the extending config's folder."""
    import os

    def rebase(p: Any) -> Any:
        if isinstance(p, str) and not Path(p).is_absolute():
            return os.path.relpath((from_dir / p).resolve(), to_dir.resolve())
        return p

    out = dict(data)
    if isinstance(out.get("scenarios"), list):
        out["scenarios"] = [rebase(p) for p in out["scenarios"]]
    if "output_dir" in out:
        out["output_dir"] = rebase(out["output_dir"])
    if isinstance(out.get("data"), dict):
        out["data"] = {k: rebase(v) for k, v in out["data"].items()}
    return out


def _read_with_extends(path: Path, chain: tuple[Path, ...] = (), what: str = "config") -> tuple[dict, Any]:
    if "\0" in str(path):
        raise ConfigError(Problem("file name contains a NUL character", file=repr(str(path))))
    path = path.resolve()
    if path in chain:
        raise ConfigError(Problem(f"'extends' loops back to {path}", file=str(chain[-1]), location="extends"))
    if len(chain) > _MAX_EXTENDS_DEPTH:
        raise ConfigError(Problem("'extends' nested too deeply", file=str(path), location="extends"))
    data, node = read_yaml(path)
    if data is None:
        raise ConfigError(Problem(f"{what} is empty", file=str(path)))
    if not isinstance(data, dict):
        raise ConfigError(Problem(f"a {what} must be a mapping of keys, not a {type(data).__name__}",
                                  file=str(path)))
    parent = data.pop("extends", None)
    if parent is None:
        return data, node
    if not isinstance(parent, str):
        line = line_of(node, ["extends"])
        raise ConfigError(Problem("'extends' must be a path to another config", file=f"{path}:{line}",
                                  location="extends"))
    if "\0" in parent or not parent.strip():
        line = line_of(node, ["extends"])
        raise ConfigError(Problem(f"'extends' must be a path to another config, got {_short(parent)}",
                                  file=f"{path}:{line}", location="extends"))
    parent_path = (path.parent / parent).resolve()
    if not parent_path.is_file():
        line = line_of(node, ["extends"])
        raise ConfigError(Problem(f"extended config not found: {parent_path}", file=f"{path}:{line}",
                                  location="extends"))
    base, _ = _read_with_extends(parent_path, (*chain, path), what)
    base = _rebase_paths(base, parent_path.parent, path.parent)
    return _deep_merge(base, data), node


def _short(value: Any, limit: int = 80) -> str:
    """``repr`` of a value, cut to ``limit`` characters (a YAML alias can expand to millions)."""
    short = reprlib.Repr()
    short.maxstring, short.maxother, short.maxlevel = limit, limit, 3
    short.maxlist = short.maxtuple = short.maxdict = short.maxset = 6
    try:
        text = short.repr(value)
    except Exception:  # a value whose repr fails: never let the error message itself fail
        text = f"<{type(value).__name__}>"
    return text if len(text) <= limit else text[: limit - 3] + "..."


def _data_path(data: Any, loc: tuple[Any, ...]) -> tuple[Any, ...]:
    """The part of a pydantic error location that exists in the input: pydantic appends the
    branch of a union it tried (``int``, ``constrained-str``, ``literal['all']``) and ``[key]``
    for a bad dict key; those are not keys of the file."""
    out: list[Any] = []
    current = data
    for part in loc:
        if isinstance(current, dict):
            match = next((k for k in current if k == part or str(k) == str(part)), _MISSING)
            if match is _MISSING:
                break
            current = current[match]
        elif isinstance(current, list) and isinstance(part, int) and 0 <= part < len(current):
            current = current[part]
        else:
            break
        out.append(part)
    return tuple(out)


_MISSING = object()
#: ``support.benefits.0.amount: unknown parameter ...``: a model validator naming a key path.
_KEY_PATH_MESSAGE = re.compile(r"^(?P<path>[A-Za-z_][\w]*(?:\.[\w-]+)+): (?P<message>.+)$", re.S)


def _problems_from_validation(exc: ValidationError, file: Path, node: Any, model: type[BaseModel],
                              data: Any = None) -> list[Problem]:
    """One problem per key path: the file and line, the dotted key path and what is wrong (the
    branches of a union merged into one message; long values cut)."""
    grouped: dict[tuple[Any, ...], list[dict]] = {}
    for err in exc.errors(include_url=False):
        loc = tuple(err["loc"])
        if data is not None and err["type"] not in ("missing", "extra_forbidden"):
            loc = _data_path(data, loc)
        grouped.setdefault(loc, []).append(err)
    problems = []
    for loc, errs in grouped.items():
        for loc_, msg in _messages(loc, errs, model):
            key_path = ".".join(str(p) for p in loc_)
            line = line_of(node, list(loc_))
            where = f"{file}:{line}" if line else str(file)
            problems.append(Problem(msg, file=where, location=key_path or None))
    return problems


def _messages(loc: tuple[Any, ...], errs: list[dict], model: type[BaseModel]) -> list[tuple[tuple, str]]:
    out: list[tuple[tuple, str]] = []
    should: list[str] = []
    for err in errs:
        msg = err["msg"].removeprefix("Value error, ")
        if err["type"] == "extra_forbidden":
            allowed = _allowed_keys(model, list(loc[:-1]))
            close = difflib.get_close_matches(str(loc[-1]), allowed, n=1)
            msg = f"unknown key '{loc[-1]}'" + (f"; did you mean '{close[0]}'?" if close else "")
            msg += f" (allowed: {', '.join(allowed)})" if allowed else ""
            out.append((loc, msg))
        elif err["type"] == "missing":
            out.append((loc, "required key is missing"))
        elif err["type"] == "value_error" and not loc:
            # a model validator: split "a.b: x; c.d: y" into problems at their key paths
            parts = msg.split("; ")
            matches = [_KEY_PATH_MESSAGE.match(p) for p in parts]
            if all(matches):
                out.extend((tuple(int(k) if k.isdigit() else k for k in m["path"].split(".")), m["message"])
                           for m in matches if m is not None)
            else:
                out.append((loc, msg))
        elif err["type"] == "value_error":
            out.append((loc, msg))
        elif msg.startswith("Input should be ") and len(errs) > 1:
            should.append(msg.removeprefix("Input should be "))  # one branch of a union
        else:
            out.append((loc, msg + (f" (got {_short(err['input'])})" if "input" in err else "")))
    if should:
        got = next((e["input"] for e in errs if "input" in e), None)
        out.append((loc, "Input should be " + " or ".join(dict.fromkeys(should)) + f" (got {_short(got)})"))
    return out


def _allowed_keys(model: type[BaseModel], loc: list[Any]) -> list[str]:
    current: Any = model
    for part in loc:
        field = getattr(current, "model_fields", {}).get(str(part))
        if field is None:
            return []
        ann = field.annotation
        args = getattr(ann, "__args__", ()) or (ann,)
        current = next((a for a in args if isinstance(a, type) and issubclass(a, BaseModel)), None)
        if current is None:
            return []
    return sorted(getattr(current, "model_fields", {}))


def load_scenario(path: str | Path) -> ScenarioSpec:
    """Load and validate one scenario file (following ``extends:``, as configs do: a reform
    is typically a scenario that extends another and changes some parameters).

    Raises
    ------
    ConfigError
        Every problem at once, each with file, line and key path.
    """
    path = Path(path)
    if not path.is_file():
        raise ConfigError(Problem("scenario file not found", file=str(path)))
    data, node = _read_with_extends(path, what="scenario")
    try:
        spec = ScenarioSpec.model_validate(data)
    except ValidationError as exc:
        raise ConfigError(_problems_from_validation(exc, path, node, ScenarioSpec, data)) from None
    problems = _scenario_problems(spec, path, node)
    if problems:
        raise ConfigError(problems, title=f"invalid scenario {path}")
    return spec


def _boolean_problems(data: Any, path: Path, node: Any, model: Any, prefix: tuple = ()) -> list[Problem]:
    """``true`` / ``yes`` / ``on`` where a number or a name is expected: pydantic reads a YAML
    boolean as 1 (``seed: yes`` would be seed 1, ``provinces: [yes]`` Hà Nội), so say so."""
    import typing

    def kinds(annotation: Any) -> set:
        args = typing.get_args(annotation)
        if typing.get_origin(annotation) is Annotated:
            return kinds(args[0])
        if not args:
            return {annotation}
        return set().union(*(kinds(a) for a in args))

    problems: list[Problem] = []
    if not isinstance(data, dict):
        return problems
    for name, field in getattr(model, "model_fields", {}).items():
        if name not in data:
            continue
        value, types = data[name], kinds(field.annotation)
        sub = next((t for t in types if isinstance(t, type) and issubclass(t, BaseModel)), None)
        if sub is not None:
            problems += _boolean_problems(value, path, node, sub, (*prefix, name))
        if bool in types or not types & {int, float, str}:
            continue
        items = list(enumerate(value)) if isinstance(value, list) else [(None, value)]
        for i, item in items:
            if isinstance(item, bool):
                key_path = [*prefix, name] + ([] if i is None else [i])
                line = line_of(node, key_path)
                problems.append(Problem(
                    f"{str(item).lower()} is a yes/no value, not a number or name (YAML reads yes/no/true/"
                    "false/on/off as booleans: quote a name)", file=f"{path}:{line}" if line else str(path),
                    location=".".join(map(str, key_path))))
    return problems


def _scenario_problems(spec: ScenarioSpec, path: Path, node: Any) -> list[Problem]:
    """What the model alone does not catch: years outside the dated parameters' coverage and
    parameter changes whose value is not of the kind of the enacted values (a text where the
    law gives an amount, a negative amount, an infinite one)."""
    import math

    params = load_parameters()
    lo, hi = params.coverage[0].year, params.coverage[1].year
    problems = []

    def problem(message: str, key_path: list[Any]) -> None:
        line = line_of(node, key_path)
        problems.append(Problem(message, file=f"{path}:{line}" if line else str(path),
                                location=".".join(str(k) for k in key_path)))

    if spec.year is not None and not lo <= spec.year <= hi:
        problem(f"year {spec.year} outside the dated parameters' coverage {lo}-{hi}", ["year"])
    if spec.baseline_round is not None and not 1990 <= spec.baseline_round <= hi:
        problem(f"baseline_round {spec.baseline_round} is not a survey round (1990-{hi})", ["baseline_round"])
    for name, dated in spec.parameter_changes.items():
        enacted = [v.value for v in params.parameters[name].values]
        numeric = [v for v in enacted if isinstance(v, int | float) and not isinstance(v, bool)]
        kinds = {type(v) for v in enacted if v is not None} - {int, float}
        for date, value in dated.items():
            key_path = ["parameter_changes", name, str(date)]
            if value is None and None in enacted:
                continue
            if numeric and not kinds:
                if isinstance(value, bool) or not isinstance(value, int | float):
                    problem(f"expected a number like the enacted values (e.g. {numeric[-1]}), got {_short(value)}",
                            key_path)
                elif abs(value) > 1e15 or not math.isfinite(value):
                    problem(f"number out of range: {_short(value)}", key_path)
                elif value < 0 <= min(numeric):
                    problem(f"negative value {value}: the enacted values are never negative", key_path)
            elif kinds and not any(isinstance(value, k) for k in kinds):
                expected = " or ".join(sorted(k.__name__ for k in kinds))
                problem(f"expected a {expected} like the enacted values, got {_short(value)}", key_path)
    return problems


def load_config(path: str | Path) -> RunConfig:
    """Load a run config (following ``extends:``), validate it and its scenario files.

    Raises
    ------
    ConfigError
        Every problem in the config and its scenarios at once.
    """
    path = Path(path)
    data, node = _read_with_extends(path)
    problems: list[Problem] = []
    config = None
    try:
        config = RunConfig.model_validate(data, context={"base_dir": path.resolve().parent})
    except ValidationError as exc:
        problems.extend(_problems_from_validation(exc, path, node, RunConfig, data))
    problems.extend(_boolean_problems(data, path, node, RunConfig))
    specs = []
    for scen in data.get("scenarios", []) if isinstance(data.get("scenarios"), list) else []:
        scen_path = Path(str(scen))
        scen_path = scen_path if scen_path.is_absolute() else path.resolve().parent / scen_path
        if not scen_path.is_file():
            continue  # reported by the field validator
        try:
            specs.append(load_scenario(scen_path))
        except ConfigError as exc:  # named with the config, which the command line prints alone
            problems.extend(dataclasses.replace(p, message=f"{p.message} (scenario of {path})")
                            for p in exc.problems)
    names = [s.name for s in specs]
    dup = sorted({n for n in names if names.count(n) > 1})
    if dup:
        problems.append(Problem(f"scenario name(s) used twice: {dup}", file=str(path), location="scenarios"))
    if config is not None and len(specs) == len(config.scenarios):
        for i, pair in enumerate(config.report_settings.comparisons):
            for role in ("baseline", "alternative"):
                name = getattr(pair, role)
                if name not in names:
                    hint = difflib.get_close_matches(name, names, n=1)
                    line = line_of(node, ["report_settings", "comparisons", i, role])
                    problems.append(Problem(
                        f"unknown scenario {name!r}; the config's scenarios are {names}"
                        + (f" (did you mean {hint[0]!r}?)" if hint else ""),
                        file=f"{path}:{line}" if line else str(path), location=f"report_settings.comparisons.{i}.{role}"))
    if problems:
        raise ConfigError(problems, title=f"invalid config {path}")
    assert config is not None
    config._source = path.resolve()
    config._scenario_specs = tuple(specs)
    return config


def config_json_schema() -> dict[str, Any]:
    """JSON schema of the run config (written to ``configs/schema.json``)."""
    schema = RunConfig.model_json_schema()
    schema["$schema"] = "https://json-schema.org/draft/2020-12/schema"
    schema["title"] = "povmodel run config"
    schema["description"] = (
        f"Run config of povmodel {__version__.split('+')[0].rsplit('.', 1)[0]}.x. "
        "Any config may also name 'extends: other.yaml' to build on another config."
    )
    schema.setdefault("properties", {})["extends"] = {
        "type": "string", "description": "Path of a config this one builds on."
    }
    return schema
