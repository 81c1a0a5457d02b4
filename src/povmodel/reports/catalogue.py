"""The reports povmodel can produce, their typed parameters, and the jobs of a report run.

The parameters model of a report is the contract between the runner and the notebook's
``parameters`` cell: the runner validates every job's parameters against it before any kernel
starts, and a test checks that each notebook's parameters cell declares exactly these names.
One report may run as several jobs: the province brief once per province, the scenario
comparison once per pair of scenarios.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from povmodel import admin
from povmodel.config import Language, RunConfig
from povmodel.errors import ConfigError, Problem
from povmodel.paths import notebooks_dir


class ReportParameters(BaseModel):
    """Parameters every report notebook receives."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    config_path: str = Field(..., description="Absolute path of the run config.")
    run_id: str = Field(..., description="Results (cube and tables) the report reads: the config's results_id.")
    output_dir: str = Field(..., description="The job's own folder for its figures and tables.")
    language: Language = "en"


class OverviewParameters(ReportParameters):
    """National overview and data quality."""


class ProfileParameters(ReportParameters):
    """Poverty profile by standard."""


class RiskParameters(ReportParameters):
    """Re-poverty risk."""

    top: int = Field(15, ge=1, le=696, description="Length of the priority lists.")


class CovidParameters(ReportParameters):
    """COVID-19 impact."""


class ForecastParameters(ReportParameters):
    """Forecast 2021-2025."""


class ProvinceBriefParameters(ReportParameters):
    """One province's brief."""

    province: str = Field(..., description="Two-digit GSO province code.")

    @field_validator("province")
    @classmethod
    def _known(cls, value: str) -> str:
        if value not in admin.province_codes():
            raise ValueError(f"unknown GSO province code {value!r} (two digits, e.g. '01' for Hà Nội)")
        return value


class ScenarioComparisonParameters(ReportParameters):
    """Two scenarios side by side."""

    baseline: str = Field(..., description="Reference scenario.")
    alternative: str = Field(..., description="Scenario or reform compared with it.")


@dataclass(frozen=True)
class ReportSpec:
    """One report: its name, notebook, parameters model and titles."""

    name: str
    notebook: str
    parameters: type[ReportParameters]
    title_en: str
    title_vi: str

    @property
    def notebook_path(self) -> Path:
        """Absolute path of the executable ``.ipynb``."""
        return notebooks_dir() / self.notebook

    def title(self, language: str) -> str:
        """Title in the report language."""
        return self.title_vi if language == "vi" else self.title_en


REPORTS: dict[str, ReportSpec] = {spec.name: spec for spec in (
    ReportSpec("overview", "01_overview.ipynb", OverviewParameters,
               "National overview and data sources", "Tổng quan cả nước và nguồn dữ liệu"),
    ReportSpec("profile", "02_profile.ipynb", ProfileParameters,
               "Poverty profile by standard", "Hồ sơ nghèo theo chuẩn nghèo"),
    ReportSpec("risk", "03_risk.ipynb", RiskParameters,
               "Re-poverty risk", "Nguy cơ tái nghèo"),
    ReportSpec("covid", "04_covid.ipynb", CovidParameters,
               "COVID-19 impact", "Tác động của COVID-19"),
    ReportSpec("forecast", "05_forecast.ipynb", ForecastParameters,
               "Poverty forecast 2021-2025", "Dự báo nghèo 2021-2025"),
    ReportSpec("province_brief", "06_province_brief.ipynb", ProvinceBriefParameters,
               "Province brief", "Báo cáo tóm tắt cấp tỉnh"),
    ReportSpec("scenario_comparison", "07_scenario_comparison.ipynb", ScenarioComparisonParameters,
               "Scenario comparison", "So sánh kịch bản"),
)}


@dataclass(frozen=True)
class Job:
    """One notebook execution of a report run.

    ``name`` is unique in the run and names the outputs (``<name>.ipynb``, ``<name>.html`` and
    the job's folder ``<name>/``); ``notebook`` is the path of the notebook executed.
    """

    name: str
    report: str
    notebook: str
    params: dict
    title_en: str
    title_vi: str

    def title(self, language: str) -> str:
        """Title in the report language."""
        return self.title_vi if language == "vi" else self.title_en


def report_spec(name: str) -> ReportSpec:
    """The :class:`ReportSpec` called ``name``."""
    try:
        return REPORTS[name]
    except KeyError:
        raise ConfigError(Problem(f"unknown report {name!r}; known: {', '.join(REPORTS)}")) from None


def _comparisons(config: RunConfig) -> list[tuple[str, str]]:
    pairs = [(p.baseline, p.alternative) for p in config.report_settings.comparisons]
    if pairs or not config.scenario_specs:
        return pairs
    first = config.scenario_specs[0].name
    return [(first, s.name) for s in config.scenario_specs[1:] if s.simulated]


def plan_jobs(config: RunConfig, run_dir: str | Path, *, only: Sequence[str] | None = None,
              provinces: Sequence[str | int] | None = None) -> list[Job]:
    """Every job of a report run, with validated parameters, or a :class:`ConfigError` listing
    every problem (unknown report, province or scenario; missing notebook) before anything runs.

    Parameters
    ----------
    config
        The run config.
    run_dir
        The run's output folder; each job works in ``run_dir/<job name>/``.
    only
        Run only these reports (default: the config's ``reports``).
    provinces
        Province briefs only for these provinces (GSO codes or names; default: the config's
        ``report_settings.briefs``).
    """
    from povmodel.scenarios import resolve_province_codes

    run_dir = Path(run_dir)
    problems: list[Problem] = []
    names = list(only) if only else list(config.reports)
    for name in names:
        if name not in REPORTS:
            problems.append(Problem(f"unknown report {name!r}; known: {', '.join(REPORTS)}", location="--only"))
    if provinces:
        try:
            codes = resolve_province_codes(list(provinces))
        except (ConfigError, ValueError) as exc:
            problems.append(Problem(str(exc), location="--province"))
            codes = []
    else:
        briefs = config.report_settings.briefs
        codes = admin.province_codes() if briefs == "all" else list(briefs)
    scenario_names = [s.name for s in config.scenario_specs]
    base = {"config_path": str(config.source), "run_id": config.results_id, "language": config.language}
    todo: list[tuple[str, str, dict, str, str]] = []
    province_names = admin.provinces().set_index("code")["name"]
    for name in dict.fromkeys(names):
        if name not in REPORTS:
            continue
        spec = REPORTS[name]
        if name == "province_brief":
            for code in codes:
                todo.append((f"province_brief_{code}", name, {"province": code},
                             f"{spec.title_en}: {province_names.get(code, code)}",
                             f"{spec.title_vi}: {province_names.get(code, code)}"))
        elif name == "scenario_comparison":
            for a, b in _comparisons(config):
                for role, scen in (("baseline", a), ("alternative", b)):
                    if scen not in scenario_names:
                        problems.append(Problem(f"unknown scenario {scen!r} as {role}; the config's scenarios are "
                                                f"{scenario_names}", file=str(config.source), location="report_settings"))
                todo.append((f"scenario_comparison_{a}_vs_{b}", name, {"baseline": a, "alternative": b},
                             f"{spec.title_en}: {a} vs {b}", f"{spec.title_vi}: {a} và {b}"))
        else:
            todo.append((name, name, {}, spec.title_en, spec.title_vi))
    jobs = []
    for job_name, report, extra, title_en, title_vi in todo:
        spec = REPORTS[report]
        if not spec.notebook_path.is_file():
            problems.append(Problem("report notebook missing", file=str(spec.notebook_path)))
            continue
        try:
            params = spec.parameters(**base, **extra, output_dir=str(run_dir / job_name))
        except ValidationError as exc:
            problems.extend(Problem(err["msg"], location=f"{job_name}.{'.'.join(map(str, err['loc']))}")
                            for err in exc.errors())
            continue
        jobs.append(Job(job_name, report, str(spec.notebook_path), params.model_dump(), title_en, title_vi))
    if problems:
        raise ConfigError(problems, title=f"cannot run the reports of {config.source}")
    return jobs
