"""The national overview report: real provincial and national poverty figures, data sources,
flagged parameters and provenance. Called cell by cell from ``notebooks/01_overview``."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import pandas as pd

from povmodel import admin, datasets, pipeline
from povmodel.io import raw_checksums
from povmodel.parameters import load_parameters
from povmodel.reports import figures
from povmodel.reports.base import ReportBase
from povmodel.reports.labels import region_name
from povmodel.reports.sections import Section


@dataclass
class OverviewReport(ReportBase):
    """The real panel, loaded once; each method returns one report section."""

    panel: pd.DataFrame | None = None

    def __post_init__(self) -> None:
        if self.panel is None:
            self.panel = datasets.load_regional_panel()

    # -- helpers --------------------------------------------------------------------------
    def _gso_latest(self) -> tuple[int, bool, pd.DataFrame]:
        gso = self.panel[self.panel["source"].eq(datasets.SOURCE_GSO)
                         & self.panel["indicator"].eq("poor_household_rate")]
        year = int(gso["year"].max())
        latest = gso[gso["year"] == year]
        return year, bool(latest["preliminary"].any()), latest

    def _molisa_poor(self) -> pd.DataFrame:
        p = self.panel
        return p[p["source"].eq(datasets.SOURCE_MOLISA) & p["indicator"].eq("poor_household_rate")]

    # -- sections -------------------------------------------------------------------------
    def title(self) -> Section:
        """Report title and what the report is built from."""
        return Section(self.t("overview_title"), [self.t("overview_intro")], level=1)

    def headline(self) -> Section:
        """Latest national MOLISA rate and the spread of GSO province rates."""
        mol = self._molisa_poor()
        nat = mol[mol["area_level"] == "national"].sort_values("year").iloc[-1]
        year, prelim, latest = self._gso_latest()
        prov = latest[latest["area_level"] == "province"].sort_values("value")
        national = latest[latest["area_level"] == "national"]["value"].iloc[0]
        lines = [
            self.t("headline_molisa", year=int(nat["year"]), standard=nat["standard"], value=nat["value"]),
            self.t("headline_gso", year=year, prelim=self.t("preliminary") if prelim else "",
                    low=prov["value"].iloc[0], low_name=prov["area_name"].iloc[0],
                    high=prov["value"].iloc[-1], high_name=prov["area_name"].iloc[-1], national=national),
        ]
        self.key_figure("kf_national_rate", f"{nat['value']:.2f}% ({int(nat['year'])}, {nat['standard']})")
        return Section(self.t("headline"), lines)

    def province_map(self) -> Section:
        """Choropleth of the latest GSO province rates with region borders."""
        year, prelim, latest = self._gso_latest()
        values = latest[latest["area_level"] == "province"].set_index("area_code")["value"]
        fig = figures.province_choropleth(
            datasets.load_boundaries("province"), datasets.load_boundaries("region"), values,
            title=self.t("map_title", year=year, prelim=self.t("preliminary") if prelim else ""),
            legend_label=self.t("rate_pct"),
        )
        png = figures.figure_png(fig)
        self.save_figure(png, "province_poverty_map")
        names = admin.provinces().set_index("code")["name"]
        no_data = [names[c] for c in names.index if c not in values.index]
        caption = [self.t("map_caption")]
        if no_data:
            caption.append(self.t("map_no_data", year=year, names=", ".join(no_data)))
        table = latest[latest["area_level"] == "province"][["area_code", "area_name", "value"]]
        self.save_table(table.rename(columns={"value": "poor_household_rate_pct"}), "province_poverty_gso")
        return Section(self.t("map_heading"), caption,
                       figures=[(png, self.t("map_title", year=year, prelim=""))])

    def national_series(self) -> Section:
        """National rates over time, MOLISA by standard and GSO apart."""
        png = figures.figure_png(figures.national_series(self.panel, language=self.language))
        self.save_figure(png, "national_series")
        return Section(self.t("series_heading"), [self.t("series_caption")],
                       figures=[(png, self.t("series_title"))])

    def regional_table(self) -> Section:
        """Regional rates: GSO latest survey year and MOLISA 2022."""
        year, _, latest = self._gso_latest()
        regions = admin.regions()
        regions["name"] = regions.apply(region_name, axis=1, language=self.language)
        gso = latest.set_index("area_code")["value"]
        p = self.panel[self.panel["source"].eq(datasets.SOURCE_MOLISA)]
        myear = int(p[p["area_level"] == "region"]["year"].max())
        p = p[p["year"] == myear]
        poor = p[p["indicator"] == "poor_household_rate"].set_index("area_code")["value"]
        near = p[p["indicator"] == "near_poor_household_rate"].set_index("area_code")["value"]
        codes = [*regions["region_code"], "NATIONAL"]
        names = [*regions["name"], self.t("national")]
        table = pd.DataFrame({
            self.t("region"): names,
            self.t("col_gso", year=year): [gso.get(c) for c in codes],
            self.t("col_molisa_poor", year=myear): [poor.get(c) for c in codes],
            self.t("col_molisa_near", year=myear): [near.get(c) for c in codes],
        })
        self.save_table(table, "regional_rates")
        return Section(self.t("regions_heading"), tables=[table])

    def data_sources(self) -> Section:
        """Every dataset the run uses: real or synthetic, source, licence, checksum."""
        sums = raw_checksums()
        rows = [{
            self.t("col_dataset"): s["dataset"],
            self.t("col_kind"): self.t("kind_real"),
            self.t("col_source"): s["source"],
            self.t("col_licence"): s["licence"],
            self.t("col_sha"): sums.get(s["main_file"], "")[:12],
        } for s in datasets.RAW_SOURCES]
        survey = pipeline.survey_record()
        if survey:
            rows.append({
                self.t("col_dataset"): self.t("synthetic_survey", rows=survey["rows"], seed=survey["seed"]),
                self.t("col_kind"): self.t("kind_synthetic"),
                self.t("col_source"): self.t("synthetic_source"),
                self.t("col_licence"): "–",
                self.t("col_sha"): survey["sha256"][:12],
            })
        table = pd.DataFrame(rows)
        self.save_table(table, "data_sources")
        return Section(self.t("sources_heading"), tables=[table])

    def parameter_flags(self, date: str | dt.date | None = None) -> Section:
        """Dated parameters in force at ``date`` (default: end of the config's last year) whose
        value is uncertain or a draft."""
        when = date or dt.date(max(self.config.years), 12, 31)
        flagged = load_parameters().flagged(when)
        if not flagged:
            return Section(self.t("flags_heading"), [self.t("flags_none", date=when)])
        table = pd.DataFrame([{
            self.t("col_parameter"): path, self.t("col_status"): v.status,
            self.t("col_reference"): v.reference, self.t("col_note"): v.note or "",
        } for path, v in flagged])
        return Section(self.t("flags_heading"), [self.t("flags_intro", date=when)], tables=[table])
