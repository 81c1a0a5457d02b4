"""The COVID-19 impact report: every simulated scenario of the run side by side (poverty before
and after with Monte Carlo intervals, newly poor, income loss, support paid and the share of
the loss it offset), breakdowns by sector, decile, urban/rural and ethnicity, and a province
map of the change. Called cell by cell from ``notebooks/04_covid``.

Everything is read from the run's ``simulation`` table (:mod:`povmodel.shocks`); nothing is
simulated again. The helpers :func:`simulated_scenarios`, :func:`national_metrics` and
:func:`format_metric` are shared with the scenario-comparison report.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from povmodel import admin, datasets
from povmodel.config import RunConfig, ScenarioSpec
from povmodel.errors import PovmodelError
from povmodel.reports import covid_figures, figures
from povmodel.reports.base import ReportBase
from povmodel.reports.labels import label, region_name, register
from povmodel.reports.report_numbers import (
    billion_vnd,
    number,
    percent,
    points,
    signed,
    with_interval,
)
from povmodel.reports.sections import Section
from povmodel.run_outputs import RunOutputs

#: Headline metrics of a simulated scenario, in display order, with their kind of number.
HEADLINE_METRICS: tuple[tuple[str, str], ...] = (
    ("poor_rate_baseline", "share"), ("poor_rate_scenario", "share"), ("poor_rate_change", "points"),
    ("newly_poor_households", "count"), ("newly_poor_people", "count"), ("repoor_households", "count"),
    ("near_poor_to_poor_households", "count"), ("lifted_out_households", "count"),
    ("fgt0_change", "points"), ("fgt1_change", "points"), ("income_loss_vnd", "vnd"),
    ("transfer_cost_vnd", "vnd"), ("offset_share", "share"),
)
#: Breakdowns of the simulation table shown by group.
BREAKDOWNS = ("sector", "decile", "urban", "ethnicity")
#: Prefix of the per-package transfer cost metrics.
PACKAGE_PREFIX = "transfer_cost_vnd_"

LABELS = {
    "covid_title": {"en": "COVID-19 impact on poverty: simulated scenarios",
                    "vi": "Tác động của COVID-19 đến nghèo: các kịch bản mô phỏng"},
    "covid_intro": {
        "en": "The shock microsimulation applies each scenario's labour-market shock (work stopped or hours "
              "cut by sector and region, lower remittances) and its support packages to the households of a "
              "survey round before COVID-19, many times over (Monte Carlo draws: which workers are hit is "
              "random), and classifies every household under the standard in force in the scenario year. "
              "Scenario parameters (shares of workers affected, durations, benefit amounts, take-up) come from "
              "the scenario files of the run, with their sources in shared/data/FACTS.md; values without a "
              "published source are marked ASSUMPTION there. Intervals are 95% Monte Carlo intervals of the "
              "mean over {draws} draws.",
        "vi": "Mô phỏng vi mô cú sốc áp dụng cú sốc thị trường lao động của từng kịch bản (ngừng việc hoặc giảm "
              "giờ làm theo ngành và vùng, kiều hối giảm) và các gói hỗ trợ vào các hộ của một kỳ khảo sát trước "
              "COVID-19, lặp lại nhiều lần (các lần rút Monte Carlo: người lao động nào bị ảnh hưởng là ngẫu "
              "nhiên), rồi phân loại từng hộ theo chuẩn nghèo có hiệu lực trong năm của kịch bản. Tham số kịch "
              "bản (tỷ lệ lao động bị ảnh hưởng, thời gian, mức hỗ trợ, tỷ lệ nhận) lấy từ các tệp kịch bản của "
              "lần chạy, nguồn ghi trong shared/data/FACTS.md; giá trị không có nguồn công bố được ghi là GIẢ "
              "ĐỊNH (ASSUMPTION) ở đó. Khoảng là khoảng Monte Carlo 95% của giá trị trung bình qua {draws} lần rút.",
    },
    "covid_no_scenarios": {"en": "This run has no simulated scenario (no shock, no support package).",
                           "vi": "Lần chạy này không có kịch bản mô phỏng nào (không có cú sốc, không có gói hỗ trợ)."},
    "covid_scenarios_heading": {"en": "The scenarios", "vi": "Các kịch bản"},
    "covid_quoted": {
        "en": "Titles and descriptions are quoted from the scenario files.",
        "vi": "Tên và mô tả kịch bản được trích nguyên văn từ các tệp kịch bản (bằng tiếng Anh).",
    },
    "covid_col_scenario": {"en": "Scenario", "vi": "Kịch bản"},
    "covid_col_title": {"en": "Title", "vi": "Tên"},
    "covid_col_description": {"en": "Description", "vi": "Mô tả"},
    "covid_col_year": {"en": "Scenario year", "vi": "Năm kịch bản"},
    "covid_col_round": {"en": "Households of survey round", "vi": "Hộ của kỳ khảo sát"},
    "covid_col_shock": {"en": "Shock", "vi": "Cú sốc"},
    "covid_col_support": {"en": "Support packages", "vi": "Gói hỗ trợ"},
    "covid_shock_period": {"en": "{months} months from month {start}, recovery over {recovery} months",
                           "vi": "{months} tháng từ tháng {start}, phục hồi trong {recovery} tháng"},
    "covid_none": {"en": "none", "vi": "không có"},
    "covid_headline_heading": {"en": "Scenarios side by side", "vi": "So sánh các kịch bản"},
    "covid_headline_text": {
        "en": "Whole country. \"Before\" is the survey round's households classified under the scenario year's "
              "standard without the shock; \"after\" includes the shock and the support paid. Newly poor: poor "
              "after, not poor before; of them, re-poor had left poverty since the previous round, and "
              "near-poor were near-poor before. Lifted out: poor before, not after (support can lift "
              "households above the line). Income loss and transfers are totals over the year.",
        "vi": "Cả nước. \"Trước\" là các hộ của kỳ khảo sát phân loại theo chuẩn của năm kịch bản khi chưa có cú "
              "sốc; \"sau\" đã tính cú sốc và hỗ trợ được chi trả. Nghèo mới: nghèo sau, không nghèo trước; trong "
              "đó tái nghèo là hộ đã thoát nghèo kể từ kỳ trước, và từ cận nghèo là hộ cận nghèo trước đó. Thoát "
              "nghèo: nghèo trước, không nghèo sau (hỗ trợ có thể đưa hộ lên trên chuẩn). Thu nhập bị mất và "
              "tiền hỗ trợ là tổng cả năm.",
    },
    "covid_worst_text": {
        "en": "The largest rise in the poor-household rate is in **{scenario}**: {change} ({low} to {high}), "
              "with {newly} newly poor households.",
        "vi": "Tỷ lệ hộ nghèo tăng nhiều nhất trong kịch bản **{scenario}**: {change} (từ {low} đến {high}), với "
              "{newly} hộ nghèo mới.",
    },
    "covid_col_metric": {"en": "Indicator", "vi": "Chỉ tiêu"},
    "covid_metric_poor_rate_baseline": {"en": "Poor-household rate before the shock", "vi": "Tỷ lệ hộ nghèo trước cú sốc"},
    "covid_metric_poor_rate_scenario": {"en": "Poor-household rate after shock and support",
                                        "vi": "Tỷ lệ hộ nghèo sau cú sốc và hỗ trợ"},
    "covid_metric_poor_rate_change": {"en": "Change in the poor-household rate", "vi": "Thay đổi tỷ lệ hộ nghèo"},
    "covid_metric_newly_poor_households": {"en": "Newly poor households", "vi": "Số hộ nghèo mới"},
    "covid_metric_newly_poor_people": {"en": "Newly poor people", "vi": "Số người nghèo mới"},
    "covid_metric_repoor_households": {"en": "of which re-poor households", "vi": "trong đó hộ tái nghèo"},
    "covid_metric_near_poor_to_poor_households": {"en": "of which formerly near-poor households",
                                                  "vi": "trong đó hộ từ cận nghèo"},
    "covid_metric_lifted_out_households": {"en": "Households lifted out of poverty", "vi": "Số hộ thoát nghèo"},
    "covid_metric_fgt0_change": {"en": "Change in income-poverty headcount (FGT0, persons)",
                                 "vi": "Thay đổi tỷ lệ nghèo thu nhập (FGT0, theo người)"},
    "covid_metric_fgt1_change": {"en": "Change in the poverty gap (FGT1, persons)",
                                 "vi": "Thay đổi khoảng cách nghèo (FGT1, theo người)"},
    "covid_metric_income_loss_vnd": {"en": "Household income lost", "vi": "Thu nhập hộ bị mất"},
    "covid_metric_transfer_cost_vnd": {"en": "Support paid (transfers)", "vi": "Tiền hỗ trợ đã chi trả"},
    "covid_metric_offset_share": {"en": "Share of the income loss offset by support",
                                  "vi": "Tỷ lệ thu nhập bị mất được hỗ trợ bù đắp"},
    "covid_not_measured": {"en": "not measured", "vi": "không đo được"},
    "covid_suppressed": {"en": "suppressed (too few sample households)", "vi": "không công bố (quá ít hộ mẫu)"},
    "covid_unreliable": {"en": "(unreliable)", "vi": "(không đủ tin cậy)"},
    "kf_covid_worst_rise": {"en": "Largest simulated rise in the poor-household rate (synthetic data)",
                            "vi": "Mức tăng tỷ lệ hộ nghèo lớn nhất theo mô phỏng (dữ liệu tổng hợp)"},
    "kf_covid_newly_poor": {"en": "Newly poor households in that scenario (synthetic data)",
                            "vi": "Số hộ nghèo mới trong kịch bản đó (dữ liệu tổng hợp)"},
    "covid_support_heading": {"en": "How much of the loss did support offset?",
                              "vi": "Hỗ trợ đã bù đắp được bao nhiêu phần thu nhập bị mất?"},
    "covid_support_text": {
        "en": "Transfers paid as a share of the household income lost: {shares}. The table splits the "
              "transfers by support package (package names as in the scenario files).",
        "vi": "Tiền hỗ trợ đã chi trả so với thu nhập hộ bị mất: {shares}. Bảng dưới chia tiền hỗ trợ theo "
              "từng gói (tên gói như trong tệp kịch bản).",
    },
    "covid_offset_title": {"en": "Income lost and support paid by scenario",
                           "vi": "Thu nhập bị mất và tiền hỗ trợ theo kịch bản"},
    "covid_offset_axis": {"en": "Billion VND", "vi": "Tỷ đồng"},
    "covid_loss": {"en": "Income lost", "vi": "Thu nhập bị mất"},
    "covid_transfers": {"en": "Support paid", "vi": "Tiền hỗ trợ"},
    "covid_offset_share": {"en": "offset {offset}", "vi": "bù đắp {offset}"},
    "covid_col_package": {"en": "Support package", "vi": "Gói hỗ trợ"},
    "covid_breakdown_heading": {"en": "Who is hit: sector, income decile, urban/rural, ethnicity",
                                "vi": "Ai bị ảnh hưởng: ngành, nhóm thu nhập, thành thị/nông thôn, dân tộc"},
    "covid_breakdown_text": {
        "en": "Change in the poor-household rate (percentage points) and newly poor households by group. "
              "Sector: the household's main sector; deciles of income per person before the shock (D1 the "
              "poorest tenth). Groups with fewer than 10 sample households are suppressed, fewer than 30 "
              "flagged unreliable.",
        "vi": "Thay đổi tỷ lệ hộ nghèo (điểm phần trăm) và số hộ nghèo mới theo nhóm. Ngành: ngành chính của hộ; "
              "nhóm thập phân theo thu nhập bình quân đầu người trước cú sốc (D1 là 10% nghèo nhất). Nhóm có dưới "
              "10 hộ mẫu không được công bố, dưới 30 hộ mẫu bị đánh dấu không đủ tin cậy.",
    },
    "covid_breakdown_figure": {"en": "Change in the poor-household rate by group",
                               "vi": "Thay đổi tỷ lệ hộ nghèo theo nhóm"},
    "covid_change_pp": {"en": "Change (percentage points)", "vi": "Thay đổi (điểm phần trăm)"},
    "covid_col_breakdown": {"en": "Breakdown", "vi": "Phân tổ"},
    "covid_col_group": {"en": "Group", "vi": "Nhóm"},
    "covid_col_change_of": {"en": "{scenario}: change in poor rate", "vi": "{scenario}: thay đổi tỷ lệ nghèo"},
    "covid_col_newly_of": {"en": "{scenario}: newly poor households", "vi": "{scenario}: hộ nghèo mới"},
    "covid_breakdown_sector": {"en": "Sector", "vi": "Ngành"},
    "covid_breakdown_decile": {"en": "Income decile", "vi": "Nhóm thập phân thu nhập"},
    "covid_breakdown_urban": {"en": "Urban / rural", "vi": "Thành thị / nông thôn"},
    "covid_breakdown_ethnicity": {"en": "Ethnicity", "vi": "Dân tộc"},
    "covid_group_agriculture": {"en": "Agriculture, forestry, fishery", "vi": "Nông, lâm nghiệp, thủy sản"},
    "covid_group_manufacturing_construction": {"en": "Industry and construction", "vi": "Công nghiệp và xây dựng"},
    "covid_group_services": {"en": "Services", "vi": "Dịch vụ"},
    "covid_group_tourism_hospitality": {"en": "Tourism and hospitality", "vi": "Du lịch, lưu trú và ăn uống"},
    "covid_group_public": {"en": "Public sector", "vi": "Khu vực nhà nước"},
    "covid_group_urban": {"en": "Urban", "vi": "Thành thị"},
    "covid_group_rural": {"en": "Rural", "vi": "Nông thôn"},
    "covid_group_kinh_hoa": {"en": "Kinh and Hoa", "vi": "Kinh và Hoa"},
    "covid_group_ethnic_minority": {"en": "Ethnic minorities", "vi": "Dân tộc thiểu số"},
    "covid_regions_heading": {"en": "Regions and provinces", "vi": "Theo vùng và tỉnh"},
    "covid_regions_text": {
        "en": "Change in the poor-household rate by region for every scenario, and the province map for "
              "**{scenario}** (red: more poor households). Provinces with fewer than 10 sample households are "
              "suppressed (hatched grey).",
        "vi": "Thay đổi tỷ lệ hộ nghèo theo vùng của từng kịch bản, và bản đồ cấp tỉnh của kịch bản "
              "**{scenario}** (màu đỏ: hộ nghèo tăng). Tỉnh có dưới 10 hộ mẫu không được công bố (gạch chéo xám).",
    },
    "covid_unreliable_list": {"en": "Unreliable province estimates (fewer than 30 sample households): {names}.",
                              "vi": "Ước tính cấp tỉnh không đủ tin cậy (dưới 30 hộ mẫu): {names}."},
    "covid_province_range": {
        "en": "Largest province rises: {top}.",
        "vi": "Các tỉnh tăng nhiều nhất: {top}.",
    },
    "covid_region": {"en": "Region", "vi": "Vùng"},
    "covid_national": {"en": "Whole country", "vi": "Cả nước"},
    "covid_map_title": {"en": "Change in the poor-household rate by province: {scenario}",
                        "vi": "Thay đổi tỷ lệ hộ nghèo theo tỉnh: {scenario}"},
    "covid_map_missing": {"en": "suppressed (too few sample households)", "vi": "không công bố (quá ít hộ mẫu)"},
}
register(LABELS)


# -- shared with the comparison report ----------------------------------------------------
def simulated_scenarios(config: RunConfig, outputs: RunOutputs) -> list[str]:
    """Names of the config's scenarios with microsimulation results, in config order."""
    if "simulation" not in outputs.names or outputs.table("simulation").empty:
        return []
    present = set(outputs.table("simulation")["scenario"])
    return [s.name for s in config.scenario_specs if s.simulated and s.name in present]


def scenario_spec(config: RunConfig, name: str) -> ScenarioSpec:
    """The config's scenario called ``name``."""
    for spec in config.scenario_specs:
        if spec.name == name:
            return spec
    raise PovmodelError(f"unknown scenario {name!r}; the config's scenarios are "
                        f"{[s.name for s in config.scenario_specs]}")


def metrics_by_group(outputs: RunOutputs, scenario: str, grouping: str) -> pd.DataFrame:
    """Rows of the simulation table of one scenario and grouping, indexed by (group, metric)."""
    sim = outputs.table("simulation")
    part = sim[(sim["scenario"] == scenario) & (sim["grouping"] == grouping)]
    return part.set_index(["group", "metric"])


def national_metrics(outputs: RunOutputs, scenario: str) -> pd.DataFrame:
    """National simulation results of ``scenario``: one row per metric (``mean``, ``low``,
    ``high``, ``quality``)."""
    return metrics_by_group(outputs, scenario, "national").xs("NATIONAL", level="group")


def format_value(kind: str, value: float, language: str) -> str:
    """One number of a metric of kind ``share``, ``points``, ``count`` or ``vnd``."""
    if kind == "share":
        return percent(value, language, 2)
    if kind == "points":
        return points(value, language)
    if kind == "vnd":
        return billion_vnd(value, language)
    return number(value, language)


def _bare(kind: str, value: float, language: str) -> str:
    """An interval bound without its unit."""
    if kind == "points":
        return signed(100 * value, language, 2)
    if kind == "vnd":
        return number(value / 1e9, language)
    return format_value(kind, value, language)


def format_metric(kind: str, row, language: str) -> str:
    """A metric with its 95% interval; missing (not measured), suppressed or unreliable said so."""
    if row is None:
        return label("covid_not_measured", language)
    if row["quality"] == "suppressed":
        return label("covid_suppressed", language)
    if pd.isna(row["mean"]):
        return label("covid_not_measured", language)
    text = format_value(kind, row["mean"], language)
    if not np.isclose(row["low"], row["high"], rtol=1e-9, atol=0.0):
        text = with_interval(text, _bare(kind, row["low"], language), _bare(kind, row["high"], language))
    return f"{text} {label('covid_unreliable', language)}" if row["quality"] == "unreliable" else text


def scenario_rows(config: RunConfig, names: list[str], language: str) -> pd.DataFrame:
    """Title, description, year, survey round, shock and support packages of ``names``."""
    def t(key, **f):
        return label(key, language, **f)

    rows = []
    for name in names:
        spec = scenario_spec(config, name)
        shock = spec.shock
        rows.append({
            t("covid_col_scenario"): name, t("covid_col_title"): spec.title,
            t("covid_col_description"): " ".join(spec.description.split()),
            t("covid_col_year"): spec.year if spec.year is not None else "–",
            t("covid_col_round"): spec.baseline_round if spec.baseline_round is not None else "–",
            t("covid_col_shock"): t("covid_shock_period", months=shock.duration_months, start=shock.start_month,
                                    recovery=shock.recovery_months) if shock is not None else t("covid_none"),
            t("covid_col_support"): ", ".join(b.name for b in spec.support.benefits)
            if spec.support is not None and spec.support.benefits else t("covid_none"),
        })
    return pd.DataFrame(rows)


@dataclass
class CovidReport(ReportBase):
    """Every simulated scenario of the run; each method returns one report section."""

    # -- data -----------------------------------------------------------------------------
    @property
    def scenarios(self) -> list[str]:
        """The simulated scenarios, in config order."""
        return simulated_scenarios(self.config, self.outputs)

    def worst(self) -> str | None:
        """The scenario with the largest national rise in the poor-household rate."""
        if not self.scenarios:
            return None
        change = {s: national_metrics(self.outputs, s).loc["poor_rate_change", "mean"] for s in self.scenarios}
        return max(change, key=lambda s: change[s])

    def _metric_text(self, kind: str, rows: pd.DataFrame, key) -> str:
        return format_metric(kind, rows.loc[key] if key in rows.index else None, self.language)

    def _none(self) -> Section:
        return Section(paragraphs=[self.t("covid_no_scenarios")])

    # -- sections -------------------------------------------------------------------------
    def title(self) -> Section:
        """Report title and how the scenarios are simulated."""
        return Section(self.t("covid_title"), [self.t("covid_intro", draws=self.config.draws)], level=1)

    def scenario_table(self) -> Section:
        """Title, description, year, shock and support of every simulated scenario."""
        if not self.scenarios:
            return self._none()
        table = scenario_rows(self.config, self.scenarios, self.language)
        self.save_table(table, "scenarios")
        return Section(self.t("covid_scenarios_heading"), [self.t("covid_quoted")], tables=[table])

    def headline(self) -> Section:
        """Every headline metric of every scenario side by side; the key figures."""
        if not self.scenarios:
            return self._none()
        table = pd.DataFrame({self.t("covid_col_metric"): [self.t(f"covid_metric_{m}") for m, _ in HEADLINE_METRICS]})
        for s in self.scenarios:
            rows = national_metrics(self.outputs, s)
            table[s] = [self._metric_text(kind, rows, m) for m, kind in HEADLINE_METRICS]
        self.save_table(table, "scenario_metrics")
        worst = self.worst()
        rows = national_metrics(self.outputs, worst)
        change, newly = rows.loc["poor_rate_change"], rows.loc["newly_poor_households"]
        lang = self.language
        self.key_figure("kf_covid_worst_rise", f"{points(change['mean'], lang)} ({worst})")
        self.key_figure("kf_covid_newly_poor", f"{number(newly['mean'], lang)} ({worst})")
        text = [self.t("covid_headline_text"),
                self.t("covid_worst_text", scenario=worst, change=points(change["mean"], lang),
                       low=points(change["low"], lang), high=points(change["high"], lang),
                       newly=number(newly["mean"], lang))]
        return Section(self.t("covid_headline_heading"), text, tables=[table])

    def support(self) -> Section:
        """Income loss against transfers paid (chart) and the transfers by support package."""
        if not self.scenarios:
            return self._none()
        lang = self.language
        nat = {s: national_metrics(self.outputs, s) for s in self.scenarios}
        frame = pd.DataFrame({
            "loss": [nat[s].loc["income_loss_vnd", "mean"] / 1e9 for s in self.scenarios],
            "transfers": [nat[s].loc["transfer_cost_vnd", "mean"] / 1e9 for s in self.scenarios],
            "offset": [percent(nat[s].loc["offset_share", "mean"], lang) for s in self.scenarios],
        }, index=self.scenarios)
        fig = covid_figures.offset_bars(frame, title=self.t("covid_offset_title"), ylabel=self.t("covid_offset_axis"),
                                        loss_label=self.t("covid_loss"), transfer_label=self.t("covid_transfers"),
                                        share_text=self.t("covid_offset_share"))
        png = figures.figure_png(fig)
        self.save_figure(png, "support_offset")
        packages = list(dict.fromkeys(m for s in self.scenarios for m in nat[s].index if m.startswith(PACKAGE_PREFIX)))
        table = pd.DataFrame({self.t("covid_col_package"): [p[len(PACKAGE_PREFIX):] for p in packages]})
        for s in self.scenarios:
            table[s] = [self._metric_text("vnd", nat[s], p) if p in nat[s].index else "–" for p in packages]
        total = {self.t("covid_col_package"): self.t("covid_metric_transfer_cost_vnd")}
        total.update({s: self._metric_text("vnd", nat[s], "transfer_cost_vnd") for s in self.scenarios})
        table = pd.concat([table, pd.DataFrame([total])], ignore_index=True)
        self.save_table(table, "support_packages")
        shares = "; ".join(f"{s} {o}" for s, o in zip(self.scenarios, frame["offset"], strict=True))
        return Section(self.t("covid_support_heading"), [self.t("covid_support_text", shares=shares)],
                       figures=[(png, self.t("covid_offset_title"))], tables=[table])

    def _group_name(self, grouping: str, group: str) -> str:
        if grouping == "decile":
            return group
        return self.t(f"covid_group_{group}")

    def breakdowns(self) -> Section:
        """Change in the poor rate and newly poor households by sector, decile, urban/rural and
        ethnicity (chart and tables)."""
        if not self.scenarios:
            return self._none()
        panels, change_rows, newly_rows = {}, [], []
        for grouping in BREAKDOWNS:
            frames = []
            per = {s: metrics_by_group(self.outputs, s, grouping) for s in self.scenarios}
            groups = list(dict.fromkeys(g for s in self.scenarios for g in per[s].index.get_level_values("group")))
            for g in groups:
                name = self._group_name(grouping, g)
                change = {self.t("covid_col_breakdown"): self.t(f"covid_breakdown_{grouping}"),
                          self.t("covid_col_group"): name}
                newly = dict(change)
                for s in self.scenarios:
                    change[s] = self._metric_text("points", per[s], (g, "poor_rate_change"))
                    newly[s] = self._metric_text("count", per[s], (g, "newly_poor_households"))
                    if (g, "poor_rate_change") in per[s].index:
                        row = per[s].loc[(g, "poor_rate_change")]
                        frames.append({"group": name, "scenario": s, "mean": 100 * row["mean"],
                                       "low": 100 * row["low"], "high": 100 * row["high"]})
                change_rows.append(change)
                newly_rows.append(newly)
            panels[self.t(f"covid_breakdown_{grouping}")] = pd.DataFrame(frames)
        fig = covid_figures.grouped_changes(panels, title=self.t("covid_breakdown_figure"),
                                            ylabel=self.t("covid_change_pp"))
        png = figures.figure_png(fig)
        self.save_figure(png, "breakdowns")
        change_table, newly_table = pd.DataFrame(change_rows), pd.DataFrame(newly_rows)
        change_table.columns = [*change_table.columns[:2], *(self.t("covid_col_change_of", scenario=s)
                                                             for s in self.scenarios)]
        newly_table.columns = [*newly_table.columns[:2], *(self.t("covid_col_newly_of", scenario=s)
                                                           for s in self.scenarios)]
        self.save_table(change_table, "breakdown_poor_rate_change")
        self.save_table(newly_table, "breakdown_newly_poor")
        return Section(self.t("covid_breakdown_heading"), [self.t("covid_breakdown_text")],
                       figures=[(png, self.t("covid_breakdown_figure"))], tables=[change_table, newly_table])

    def province_changes(self, scenario: str) -> pd.DataFrame:
        """Province change in the poor rate of ``scenario`` (``province``, ``name``, ``mean``,
        ``low``, ``high``, ``quality``; suppressed provinces have no number)."""
        rows = metrics_by_group(self.outputs, scenario, "province").xs("poor_rate_change", level="metric")
        provinces = admin.provinces()[["code", "name"]].set_index("code")
        out = rows[["mean", "low", "high", "quality"]].reindex(provinces.index)
        out["quality"] = out["quality"].fillna("suppressed")
        out.loc[out["quality"] == "suppressed", ["mean", "low", "high"]] = np.nan
        return out.assign(name=provinces["name"]).reset_index(names="province")

    def regions(self, scenario: str | None = None) -> Section:
        """Regional changes of every scenario and the province map of ``scenario`` (default:
        the one with the largest national rise)."""
        if not self.scenarios:
            return self._none()
        scenario = scenario or self.worst()
        if scenario not in self.scenarios:
            raise PovmodelError(f"scenario {scenario!r} has no simulation results; simulated: {self.scenarios}")
        regions = admin.regions()
        codes = [*regions["region_code"], "NATIONAL"]
        names = [*regions.apply(region_name, axis=1, language=self.language), self.t("covid_national")]
        table = pd.DataFrame({self.t("covid_region"): names})
        for s in self.scenarios:
            per = pd.concat([metrics_by_group(self.outputs, s, "region"), metrics_by_group(self.outputs, s, "national")])
            table[s] = [self._metric_text("points", per, (c, "poor_rate_change")) for c in codes]
        self.save_table(table, "region_poor_rate_change")
        prov = self.province_changes(scenario)
        self.save_table(prov.assign(**{c: prov[c] * 100 for c in ("mean", "low", "high")}),
                        f"province_poor_rate_change_{scenario}")
        title = self.t("covid_map_title", scenario=scenario)
        fig = covid_figures.change_choropleth(
            datasets.load_boundaries("province"), datasets.load_boundaries("region"),
            prov.set_index("province")["mean"] * 100, title=title, legend_label=self.t("covid_change_pp"),
            missing_label=self.t("covid_map_missing"))
        png = figures.figure_png(fig)
        self.save_figure(png, f"province_change_{scenario}")
        text = [self.t("covid_regions_text", scenario=scenario)]
        top = prov.dropna(subset=["mean"]).nlargest(5, "mean")
        text.append(self.t("covid_province_range", top=", ".join(
            f"{n} {points(v, self.language)}" for n, v in zip(top["name"], top["mean"], strict=True))))
        unreliable = prov[prov["quality"] == "unreliable"]["name"].tolist()
        if unreliable:
            text.append(self.t("covid_unreliable_list", names=", ".join(unreliable)))
        return Section(self.t("covid_regions_heading"), text, figures=[(png, title)], tables=[table])
