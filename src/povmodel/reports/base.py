"""What every report class shares: the run's outputs, bilingual labels, figure and table saving,
key figures for the index page, the synthetic-data banner and the provenance section.

A report class is built in a notebook's first cell with ``from_parameters(**parameters)`` and
each of its methods returns one :class:`~povmodel.reports.sections.Section`.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from povmodel.config import RunConfig, load_config
from povmodel.io import atomic_path, write_table, write_text
from povmodel.provenance import provenance_record
from povmodel.reports.labels import label
from povmodel.reports.sections import Section
from povmodel.run_outputs import RunOutputs

#: File in a job's folder listing the figures the index page shows next to the report's link.
KEY_FIGURES_FILE = "key_figures.json"


@dataclass
class ReportBase:
    """Shared state and helpers of the report classes.

    Attributes
    ----------
    config
        The run config.
    outputs
        The run's results cube and tables (:class:`~povmodel.run_outputs.RunOutputs`).
    language
        ``"vi"`` or ``"en"``.
    output_dir
        The job's folder (figures under ``figures/``, tables under ``tables/``), or ``None``
        to save nothing.
    """

    config: RunConfig
    outputs: RunOutputs
    language: str
    output_dir: Path | None
    key_figures: list[dict] = field(default_factory=list)

    @classmethod
    def from_parameters(cls, *, config_path: str, run_id: str = "", output_dir: str | None = None,
                        language: str | None = None, **extra):
        """The report for one job's parameters (the notebook's ``parameters`` cell); an empty
        ``run_id`` means the config's own run (for interactive use)."""
        config = load_config(config_path)
        return cls(config=config, outputs=RunOutputs.open(run_id or config.results_id),
                   language=language or config.language,
                   output_dir=Path(output_dir) if output_dir else None, **extra)

    # -- text -------------------------------------------------------------------------------------
    def t(self, key: str, **fields) -> str:
        """The label ``key`` in the report language."""
        return label(key, self.language, **fields)

    # -- saving -----------------------------------------------------------------------------------
    def save_table(self, df: pd.DataFrame, name: str) -> None:
        """Write ``tables/<name>.csv`` (UTF-8 with BOM, so Excel shows the diacritics)."""
        if self.output_dir is not None:
            write_table(df, self.output_dir / "tables" / f"{name}.csv")

    def save_figure(self, png: bytes, name: str) -> None:
        """Write ``figures/<name>.png``."""
        if self.output_dir is not None:
            target = self.output_dir / "figures" / f"{name}.png"
            with atomic_path(target) as tmp:
                tmp.write_bytes(png)

    def key_figure(self, key: str, value: str) -> None:
        """Record a figure for the index page (``key`` is a label key) and save the list."""
        self.key_figures = [k for k in self.key_figures if k["key"] != key]
        self.key_figures.append({"key": key, "label": self.t(key), "value": value})
        if self.output_dir is not None:
            write_text(self.output_dir / KEY_FIGURES_FILE,
                       json.dumps(self.key_figures, ensure_ascii=False, indent=1))

    # -- shared sections --------------------------------------------------------------------------
    def synthetic_banner(self) -> Section:
        """A warning that household-level figures are synthetic (empty for real data)."""
        if not self.outputs.synthetic:
            return Section()
        return Section(paragraphs=[f"**{self.t('synthetic_banner')}**"])

    def provenance(self) -> Section:
        """Config hash, package version, seed, data checksums of this run."""
        record = provenance_record(self.config)
        record["results_cube_sha256"] = self.outputs.record.get("cube_sha256")
        table = pd.DataFrame({self.t("col_item"): list(record),
                              self.t("col_value"): [str(v) for v in record.values()]})
        return Section(self.t("provenance_heading"), tables=[table])
