"""The reports povmodel can produce: notebook file and typed parameters of each.

The parameters model of a report is the contract between the runner and the notebook's
``parameters`` cell: the runner validates parameters against it before any kernel starts, and
a test checks that each notebook's parameters cell declares exactly these names.
"""

from __future__ import annotations

from dataclasses import dataclass

from pydantic import BaseModel, ConfigDict, Field

from povmodel.config import Language, RunConfig
from povmodel.errors import ConfigError, Problem
from povmodel.paths import notebooks_dir


class ReportParameters(BaseModel):
    """Parameters every report notebook receives."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    config_path: str = Field(..., description="Absolute path of the run config.")
    output_dir: str = Field(..., description="Folder for the report's figures and tables.")
    language: Language = "en"


class OverviewParameters(ReportParameters):
    """Parameters of the national overview report."""


@dataclass(frozen=True)
class ReportSpec:
    """One report: its name, notebook and parameters model."""

    name: str
    notebook: str
    parameters: type[ReportParameters]
    title_en: str
    title_vi: str

    @property
    def notebook_path(self):
        """Absolute path of the executable ``.ipynb``."""
        return notebooks_dir() / self.notebook

    def title(self, language: str) -> str:
        """Title in the report language."""
        return self.title_vi if language == "vi" else self.title_en


REPORTS: dict[str, ReportSpec] = {
    "overview": ReportSpec("overview", "01_overview.ipynb", OverviewParameters,
                           "National overview and data sources", "Tổng quan cả nước và nguồn dữ liệu"),
}


def report_spec(name: str) -> ReportSpec:
    """The :class:`ReportSpec` called ``name``."""
    try:
        return REPORTS[name]
    except KeyError:
        raise ConfigError(Problem(f"unknown report {name!r}; known: {', '.join(REPORTS)}")) from None


def parameters_for(spec: ReportSpec, config: RunConfig, output_dir) -> ReportParameters:
    """Validated parameters of ``spec`` for a run of ``config``."""
    return spec.parameters(config_path=str(config.source), output_dir=str(output_dir),
                           language=config.language)
