"""Run configs and scenario files: strict pydantic models, loading with ``extends:``, hashing.

A config is YAML read with a safe loader, merged onto the config it ``extends`` (recursively;
mappings merge key by key, everything else is replaced), then validated in one pass so that
*every* problem is reported at once, each naming the file, the line, the key path and what is
wrong. Paths inside a config are relative to the folder of the file that names them.
"""

from __future__ import annotations

import datetime as dt
import difflib
import hashlib
import json
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
ReportName = Literal["overview"]
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
    data: DataSources = Field(default_factory=DataSources)

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


def _read_with_extends(path: Path, chain: tuple[Path, ...] = ()) -> tuple[dict, Any]:
    path = path.resolve()
    if path in chain:
        raise ConfigError(Problem(f"'extends' loops back to {path}", file=str(chain[-1]), location="extends"))
    if len(chain) > _MAX_EXTENDS_DEPTH:
        raise ConfigError(Problem("'extends' nested too deeply", file=str(path), location="extends"))
    data, node = read_yaml(path)
    if data is None:
        raise ConfigError(Problem("config is empty", file=str(path)))
    if not isinstance(data, dict):
        raise ConfigError(Problem(f"a config must be a mapping of keys, not a {type(data).__name__}",
                                  file=str(path)))
    parent = data.pop("extends", None)
    if parent is None:
        return data, node
    if not isinstance(parent, str):
        line = line_of(node, ["extends"])
        raise ConfigError(Problem("'extends' must be a path to another config", file=f"{path}:{line}",
                                  location="extends"))
    parent_path = (path.parent / parent).resolve()
    if not parent_path.is_file():
        line = line_of(node, ["extends"])
        raise ConfigError(Problem(f"extended config not found: {parent_path}", file=f"{path}:{line}",
                                  location="extends"))
    base, _ = _read_with_extends(parent_path, (*chain, path))
    base = _rebase_paths(base, parent_path.parent, path.parent)
    return _deep_merge(base, data), node


def _problems_from_validation(exc: ValidationError, file: Path, node: Any, model: type[BaseModel]) -> list[Problem]:
    problems = []
    for err in exc.errors(include_url=False):
        loc = [p for p in err["loc"]]
        key_path = ".".join(str(p) for p in loc)
        line = line_of(node, loc)
        where = f"{file}:{line}" if line else str(file)
        msg = err["msg"]
        if err["type"] == "extra_forbidden":
            allowed = _allowed_keys(model, loc[:-1])
            close = difflib.get_close_matches(str(loc[-1]), allowed, n=1)
            msg = f"unknown key '{loc[-1]}'" + (f"; did you mean '{close[0]}'?" if close else "")
            msg += f" (allowed: {', '.join(allowed)})"
        elif err["type"] == "missing":
            msg = "required key is missing"
        elif "input" in err and err["type"] not in ("value_error",):
            msg += f" (got {err['input']!r})"
        msg = msg.removeprefix("Value error, ")
        problems.append(Problem(msg, file=where, location=key_path or None))
    return problems


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
    data, node = _read_with_extends(path)
    try:
        return ScenarioSpec.model_validate(data)
    except ValidationError as exc:
        raise ConfigError(_problems_from_validation(exc, path, node, ScenarioSpec)) from None


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
        problems.extend(_problems_from_validation(exc, path, node, RunConfig))
    specs = []
    for scen in data.get("scenarios", []) if isinstance(data.get("scenarios"), list) else []:
        scen_path = Path(str(scen))
        scen_path = scen_path if scen_path.is_absolute() else path.resolve().parent / scen_path
        if not scen_path.is_file():
            continue  # reported by the field validator
        try:
            specs.append(load_scenario(scen_path))
        except ConfigError as exc:
            problems.extend(exc.problems)
    names = [s.name for s in specs]
    dup = sorted({n for n in names if names.count(n) > 1})
    if dup:
        problems.append(Problem(f"scenario name(s) used twice: {dup}", file=str(path), location="scenarios"))
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
