"""The scenario-comparison report: two scenarios of the run (a baseline and an alternative, e.g. a
reform) side by side, with differences (alternative − baseline) of the shock metrics, by region
and province, of the forecast paths 2021-2025 and of the probabilities of reaching the
targets. Called cell by cell from ``notebooks/07_scenario_comparison``.

Works for any pair of the config's scenarios: a scenario without microsimulation (such as
``baseline``) has no shock metrics, and the report says so and shows what exists.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from povmodel import admin, datasets
from povmodel.reports import covid_figures, figures
from povmodel.reports.base import ReportBase
from povmodel.reports.covid import (
    HEADLINE_METRICS,
    format_metric,
    metrics_by_group,
    scenario_rows,
    scenario_spec,
    simulated_scenarios,
)
from povmodel.reports.labels import region_name, register
from povmodel.reports.report_numbers import number, percent, points, signed, with_interval
from povmodel.reports.sections import Section

LABELS = {
    "cmp_title": {"en": "Scenario comparison: {alternative} against {baseline}",
                  "vi": "So sánh kịch bản: {alternative} so với {baseline}"},
    "cmp_intro": {
        "en": "Every difference in this report is the alternative scenario ({alternative}) minus the baseline "
              "scenario ({baseline}). Two intervals that do not overlap (\"separate\") mean the difference is "
              "larger than the Monte Carlo or forecast noise; overlapping intervals do not prove that there is "
              "no difference. Scenario parameters come from the scenario files of the run, with their sources "
              "in shared/data/FACTS.md.",
        "vi": "Mọi chênh lệch trong báo cáo này là kịch bản so sánh ({alternative}) trừ kịch bản gốc "
              "({baseline}). Hai khoảng không chồng lên nhau (\"tách biệt\") nghĩa là chênh lệch lớn hơn nhiễu "
              "Monte Carlo hoặc nhiễu dự báo; hai khoảng chồng nhau không chứng minh là không có chênh lệch. Tham "
              "số kịch bản lấy từ các tệp kịch bản của lần chạy, nguồn ghi trong shared/data/FACTS.md.",
    },
    "cmp_describe_heading": {"en": "The two scenarios", "vi": "Hai kịch bản"},
    "cmp_role_baseline": {"en": "Baseline", "vi": "Kịch bản gốc"},
    "cmp_role_alternative": {"en": "Alternative", "vi": "Kịch bản so sánh"},
    "cmp_col_role": {"en": "Role", "vi": "Vai trò"},
    "cmp_changes_heading": {"en": "Parameter changes on top of the enacted parameters:",
                            "vi": "Các thay đổi tham số so với tham số đã ban hành:"},
    "cmp_col_parameter": {"en": "Parameter", "vi": "Tham số"},
    "cmp_col_from": {"en": "From", "vi": "Từ ngày"},
    "cmp_col_value": {"en": "Value", "vi": "Giá trị"},
    "cmp_no_changes": {"en": "Neither scenario changes a dated parameter.",
                       "vi": "Cả hai kịch bản đều không thay đổi tham số nào."},
    "cmp_headline_heading": {"en": "Headline results side by side", "vi": "Kết quả chính song song"},
    "cmp_headline_text": {
        "en": "Whole country, shock microsimulation (intervals: 95% Monte Carlo intervals of the mean).",
        "vi": "Cả nước, mô phỏng vi mô cú sốc (khoảng: khoảng Monte Carlo 95% của giá trị trung bình).",
    },
    "cmp_not_simulated": {
        "en": "{names}: no shock microsimulation (no shock and no support package), so there are no shock "
              "metrics to compare; the forecast and target sections below still compare the scenarios.",
        "vi": "{names}: không có mô phỏng vi mô cú sốc (không có cú sốc và gói hỗ trợ), nên không có chỉ tiêu cú "
              "sốc để so sánh; các phần dự báo và mục tiêu bên dưới vẫn so sánh hai kịch bản.",
    },
    "cmp_years_differ": {
        "en": "The two scenarios are set in different years ({a} and {b}) and may be classified under different "
              "standards: read the differences with care.",
        "vi": "Hai kịch bản thuộc các năm khác nhau ({a} và {b}) và có thể được phân loại theo các chuẩn khác "
              "nhau: cần thận trọng khi đọc chênh lệch.",
    },
    "cmp_summary": {
        "en": "Change in the poor-household rate: {base} under {baseline}, {alt} under {alternative}; difference "
              "**{diff}**, {newly} newly poor households.",
        "vi": "Thay đổi tỷ lệ hộ nghèo: {base} theo {baseline}, {alt} theo {alternative}; chênh lệch **{diff}**, "
              "{newly} hộ nghèo mới.",
    },
    "cmp_col_metric": {"en": "Indicator", "vi": "Chỉ tiêu"},
    "cmp_col_difference": {"en": "Difference (alternative − baseline)", "vi": "Chênh lệch (so sánh − gốc)"},
    "cmp_col_separate": {"en": "Intervals separate?", "vi": "Hai khoảng tách biệt?"},
    "cmp_yes": {"en": "yes", "vi": "có"},
    "cmp_no": {"en": "no", "vi": "không"},
    "kf_cmp_rate_difference": {"en": "Difference in the poor-rate change (synthetic data)",
                               "vi": "Chênh lệch mức thay đổi tỷ lệ hộ nghèo (dữ liệu tổng hợp)"},
    "kf_cmp_newly_difference": {"en": "Difference in newly poor households (synthetic data)",
                                "vi": "Chênh lệch số hộ nghèo mới (dữ liệu tổng hợp)"},
    "kf_cmp_forecast_difference": {"en": "Difference in the forecast poor rate, last forecast year",
                                   "vi": "Chênh lệch tỷ lệ nghèo dự báo, năm dự báo cuối"},
    "cmp_areas_heading": {"en": "Regions and provinces", "vi": "Theo vùng và tỉnh"},
    "cmp_areas_text": {
        "en": "Change in the poor-household rate by region under each scenario and the difference; the map "
              "shows the difference by province (red: the alternative has more poor households). Provinces "
              "suppressed in either scenario (too few sample households) have no number.",
        "vi": "Thay đổi tỷ lệ hộ nghèo theo vùng trong từng kịch bản và chênh lệch; bản đồ thể hiện chênh lệch "
              "theo tỉnh (màu đỏ: kịch bản so sánh có nhiều hộ nghèo hơn). Tỉnh không được công bố ở một trong hai "
              "kịch bản (quá ít hộ mẫu) không có số liệu.",
    },
    "cmp_areas_extremes": {
        "en": "Largest differences: {top}.", "vi": "Chênh lệch lớn nhất: {top}.",
    },
    "cmp_region": {"en": "Region", "vi": "Vùng"},
    "cmp_national": {"en": "Whole country", "vi": "Cả nước"},
    "cmp_map_title": {"en": "Difference in the change of the poor-household rate\n{alternative} − {baseline}",
                      "vi": "Chênh lệch mức thay đổi tỷ lệ hộ nghèo\n{alternative} − {baseline}"},
    "cmp_map_legend": {"en": "Difference (percentage points)", "vi": "Chênh lệch (điểm phần trăm)"},
    "cmp_map_missing": {"en": "suppressed (too few sample households)", "vi": "không công bố (quá ít hộ mẫu)"},
    "cmp_forecast_heading": {"en": "Forecast paths 2021-2025", "vi": "Đường dự báo 2021-2025"},
    "cmp_forecast_text": {
        "en": "National poor-household rate forecast under the {standard} standard, with 95% intervals "
              "(shaded). How each scenario enters the forecast: {notes}",
        "vi": "Tỷ lệ hộ nghèo cả nước dự báo theo chuẩn {standard}, kèm khoảng 95% (vùng tô màu). Cách từng "
              "kịch bản đi vào dự báo: {notes}",
    },
    "cmp_forecast_same": {"en": "The two paths are identical: the scenarios differ only before the forecast "
                                "starts or not in anything the forecast uses.",
                          "vi": "Hai đường dự báo trùng nhau: hai kịch bản chỉ khác nhau trước thời điểm bắt đầu "
                                "dự báo hoặc ở những yếu tố dự báo không sử dụng."},
    "cmp_forecast_no_note": {"en": "{scenario}: no scenario impact in the forecast.",
                             "vi": "{scenario}: không có tác động kịch bản trong dự báo."},
    "cmp_forecast_note": {"en": "{scenario}: microsimulated impact added in {years}.",
                          "vi": "{scenario}: tác động mô phỏng được cộng vào các năm {years}."},
    "cmp_forecast_figure": {"en": "National poor-household rate forecast", "vi": "Dự báo tỷ lệ hộ nghèo cả nước"},
    "cmp_rate_pct": {"en": "Poor households (%)", "vi": "Hộ nghèo (%)"},
    "cmp_year": {"en": "Year", "vi": "Năm"},
    "cmp_col_rate_of": {"en": "{scenario} (95% interval)", "vi": "{scenario} (khoảng 95%)"},
    "cmp_no_forecast": {"en": "The run has no forecast for these scenarios.",
                        "vi": "Lần chạy không có dự báo cho các kịch bản này."},
    "cmp_targets_heading": {"en": "Chances of reaching the targets", "vi": "Khả năng đạt các mục tiêu"},
    "cmp_targets_text": {
        "en": "Probability (share of forecast draws) that each target of the 2021-2025 programme is reached by "
              "{end}, nationally and by region, under each scenario. {moved}",
        "vi": "Xác suất (tỷ lệ số lần rút dự báo) đạt từng mục tiêu của chương trình 2021-2025 vào năm {end}, "
              "cả nước và theo vùng, trong từng kịch bản. {moved}",
    },
    "cmp_targets_moved": {"en": "Targets whose probability differs by 10 points or more in at least one area "
                                "(provinces included): {count}.",
                          "vi": "Số trường hợp xác suất chênh lệch từ 10 điểm trở lên ở ít nhất một địa bàn (kể cả "
                                "cấp tỉnh): {count}."},
    "cmp_col_target": {"en": "Target", "vi": "Mục tiêu"},
    "cmp_col_area": {"en": "Area", "vi": "Địa bàn"},
    "cmp_col_prob_of": {"en": "P({scenario})", "vi": "Xác suất ({scenario})"},
    "cmp_target_poverty_rate_fall_min": {"en": "Poor rate falls ≥ {threshold:g} pp a year",
                                         "vi": "Tỷ lệ nghèo giảm ≥ {threshold:g} điểm %/năm"},
    "cmp_target_poverty_rate_fall_max": {"en": "Poor rate falls ≥ {threshold:g} pp a year (upper goal)",
                                         "vi": "Tỷ lệ nghèo giảm ≥ {threshold:g} điểm %/năm (mức cao)"},
    "cmp_target_poor_near_poor_halving": {"en": "Poor and near-poor households halved",
                                          "vi": "Số hộ nghèo và cận nghèo giảm một nửa"},
    "cmp_target_ethnic_minority_fall": {"en": "Poor rate in ethnic-minority areas falls ≥ {threshold:g} pp a year",
                                        "vi": "Tỷ lệ nghèo vùng đồng bào dân tộc thiểu số giảm ≥ {threshold:g} điểm %/năm"},
    "cmp_no_targets": {"en": "The run has no target table for these scenarios.",
                       "vi": "Lần chạy không có bảng mục tiêu cho các kịch bản này."},
}
register(LABELS)

#: How a difference of each kind of metric is written.
_DIFF_KIND = {"share": "points", "points": "points", "count": "count", "vnd": "vnd"}


@dataclass
class ScenarioComparisonReport(ReportBase):
    """Two scenarios of the run side by side; each method returns one report section."""

    baseline: str = ""
    alternative: str = ""

    def __post_init__(self) -> None:
        for name in (self.baseline, self.alternative):
            scenario_spec(self.config, name)  # a clear error for an unknown scenario

    # -- helpers --------------------------------------------------------------------------
    @property
    def pair(self) -> tuple[str, str]:
        """``(baseline, alternative)``."""
        return self.baseline, self.alternative

    @property
    def simulated(self) -> list[str]:
        """Those of the two scenarios with microsimulation results."""
        present = simulated_scenarios(self.config, self.outputs)
        return [s for s in self.pair if s in present]

    def _diff(self, kind: str, value: float) -> str:
        kind = _DIFF_KIND[kind]
        if kind == "points":
            return points(value, self.language)
        if kind == "vnd":
            return "–" if pd.isna(value) else f"{signed(value / 1e9, self.language)} {self.t('num_bn_vnd')}"
        return signed(value, self.language)

    @staticmethod
    def _separate(a, b) -> bool | None:
        """Whether two rows' intervals do not overlap (None if either is missing)."""
        if a is None or b is None or pd.isna(a["mean"]) or pd.isna(b["mean"]):
            return None
        return bool(a["high"] < b["low"] or b["high"] < a["low"])

    def _yes_no(self, value: bool | None) -> str:
        return "–" if value is None else self.t("cmp_yes" if value else "cmp_no")

    # -- sections -------------------------------------------------------------------------
    def title(self) -> Section:
        """Report title and how to read differences."""
        return Section(self.t("cmp_title", baseline=self.baseline, alternative=self.alternative),
                       [self.t("cmp_intro", baseline=self.baseline, alternative=self.alternative)], level=1)

    def descriptions(self) -> Section:
        """Both scenarios' titles, descriptions, shocks, support and parameter changes."""
        table = scenario_rows(self.config, list(self.pair), self.language)
        table.insert(0, self.t("cmp_col_role"), [self.t("cmp_role_baseline"), self.t("cmp_role_alternative")])
        rows = [{self.t("covid_col_scenario"): name, self.t("cmp_col_parameter"): path,
                 self.t("cmp_col_from"): str(date), self.t("cmp_col_value"): number(value, self.language)
                 if isinstance(value, int | float) else str(value)}
                for name in dict.fromkeys(self.pair)
                for path, dated in scenario_spec(self.config, name).parameter_changes.items()
                for date, value in dated.items()]
        self.save_table(table, "scenarios")
        text = [self.t("covid_quoted")]
        tables = [table]
        if rows:
            text.append(self.t("cmp_changes_heading"))
            tables.append(pd.DataFrame(rows))
        else:
            text.append(self.t("cmp_no_changes"))
        return Section(self.t("cmp_describe_heading"), text, tables=tables)

    def headline(self) -> Section:
        """Every headline metric of both scenarios, the difference and whether the intervals
        separate; what exists when a scenario has no microsimulation. The key figures."""
        missing = [s for s in dict.fromkeys(self.pair) if s not in self.simulated]
        text = [self.t("cmp_not_simulated", names=", ".join(missing))] if missing else []
        if not self.simulated:
            return Section(self.t("cmp_headline_heading"), text)
        rows = {s: metrics_by_group(self.outputs, s, "national").xs("NATIONAL", level="group") for s in self.simulated}
        table = pd.DataFrame({self.t("cmp_col_metric"): [self.t(f"covid_metric_{m}") for m, _ in HEADLINE_METRICS]})
        for s in self.simulated:
            table[s] = [format_metric(kind, rows[s].loc[m] if m in rows[s].index else None, self.language)
                        for m, kind in HEADLINE_METRICS]
        if missing:
            self.save_table(table, "scenario_metrics")
            return Section(self.t("cmp_headline_heading"), [self.t("cmp_headline_text"), *text], tables=[table])
        base, alt = rows[self.baseline], rows[self.alternative]
        diffs, separate = [], []
        for m, kind in HEADLINE_METRICS:
            a = base.loc[m] if m in base.index else None
            b = alt.loc[m] if m in alt.index else None
            diffs.append("–" if a is None or b is None else self._diff(kind, b["mean"] - a["mean"]))
            separate.append(self._yes_no(self._separate(a, b)))
        table[self.t("cmp_col_difference")] = diffs
        table[self.t("cmp_col_separate")] = separate
        self.save_table(table, "scenario_metrics")
        text = [self.t("cmp_headline_text")]
        years = [scenario_spec(self.config, s).year for s in self.pair]
        if years[0] != years[1]:
            text.append(self.t("cmp_years_differ", a=years[0], b=years[1]))
        change = alt.loc["poor_rate_change", "mean"] - base.loc["poor_rate_change", "mean"]
        newly = alt.loc["newly_poor_households", "mean"] - base.loc["newly_poor_households", "mean"]
        text.append(self.t("cmp_summary", base=points(base.loc["poor_rate_change", "mean"], self.language),
                           alt=points(alt.loc["poor_rate_change", "mean"], self.language),
                           baseline=self.baseline, alternative=self.alternative,
                           diff=points(change, self.language), newly=signed(newly, self.language)))
        self.key_figure("kf_cmp_rate_difference", points(change, self.language))
        self.key_figure("kf_cmp_newly_difference", signed(newly, self.language))
        return Section(self.t("cmp_headline_heading"), text, tables=[table])

    def province_differences(self) -> pd.DataFrame:
        """Province change in the poor rate under both scenarios and the difference
        (``province``, ``name``, ``baseline``, ``alternative``, ``difference``; NaN where either
        scenario is suppressed). Both scenarios must be simulated."""
        provinces = admin.provinces()[["code", "name"]].set_index("code")
        out = pd.DataFrame(index=provinces.index)
        for role, s in zip(("baseline", "alternative"), self.pair, strict=True):
            rows = metrics_by_group(self.outputs, s, "province").xs("poor_rate_change", level="metric")
            rows = rows.reindex(provinces.index)
            out[role] = rows["mean"].where(rows["quality"].ne("suppressed") & rows["quality"].notna())
        out["difference"] = out["alternative"] - out["baseline"]
        return out.assign(name=provinces["name"]).reset_index(names="province")

    def areas(self) -> Section:
        """Regional table and province map of the difference in the poor-rate change."""
        if len(self.simulated) < 2:
            missing = [s for s in dict.fromkeys(self.pair) if s not in self.simulated]
            return Section(self.t("cmp_areas_heading"), [self.t("cmp_not_simulated", names=", ".join(missing))])
        regions = admin.regions()
        codes = [*regions["region_code"], "NATIONAL"]
        names = [*regions.apply(region_name, axis=1, language=self.language), self.t("cmp_national")]
        per = {s: pd.concat([metrics_by_group(self.outputs, s, "region"), metrics_by_group(self.outputs, s, "national")])
               for s in self.pair}
        table = pd.DataFrame({self.t("cmp_region"): names})
        for s in self.pair:
            table[s] = [format_metric("points", per[s].loc[(c, "poor_rate_change")], self.language) for c in codes]
        base = [per[self.baseline].loc[(c, "poor_rate_change")] for c in codes]
        alt = [per[self.alternative].loc[(c, "poor_rate_change")] for c in codes]
        table[self.t("cmp_col_difference")] = [points(b["mean"] - a["mean"], self.language) for a, b in zip(base, alt, strict=True)]
        table[self.t("cmp_col_separate")] = [self._yes_no(self._separate(a, b)) for a, b in zip(base, alt, strict=True)]
        self.save_table(table, "region_differences")
        prov = self.province_differences()
        self.save_table(prov.assign(**{c: prov[c] * 100 for c in ("baseline", "alternative", "difference")}),
                        "province_differences")
        title = self.t("cmp_map_title", baseline=self.baseline, alternative=self.alternative)
        fig = covid_figures.change_choropleth(
            datasets.load_boundaries("province"), datasets.load_boundaries("region"),
            prov.set_index("province")["difference"] * 100, title=title, legend_label=self.t("cmp_map_legend"),
            missing_label=self.t("cmp_map_missing"))
        png = figures.figure_png(fig)
        self.save_figure(png, "province_difference")
        ranked = prov.dropna(subset=["difference"])
        ranked = ranked.reindex(ranked["difference"].abs().sort_values(ascending=False).index).head(5)
        top = ", ".join(f"{n} {points(v, self.language)}" for n, v in zip(ranked["name"], ranked["difference"], strict=True))
        return Section(self.t("cmp_areas_heading"), [self.t("cmp_areas_text"), self.t("cmp_areas_extremes", top=top)],
                       figures=[(png, title)], tables=[table])

    def forecast_table(self) -> pd.DataFrame:
        """National forecast poor rate (percent) of both scenarios by year (``scenario``,
        ``year``, ``mean``, ``low``, ``high``, ``standard``)."""
        paths = self.outputs.table("forecast_paths")
        nat = paths[(paths["area"] == "NATIONAL") & (paths["indicator"] == "poor_rate")
                    & paths["scenario"].isin(self.pair)]
        return nat[["scenario", "year", "mean", "low", "high", "standard"]].sort_values(["scenario", "year"])

    def forecast(self) -> Section:
        """National forecast paths of both scenarios with intervals, and their difference."""
        nat = self.forecast_table()
        if nat.empty or not set(self.pair) <= set(nat["scenario"]):
            return Section(self.t("cmp_forecast_heading"), [self.t("cmp_no_forecast")])
        lang = self.language
        by = {s: nat[nat["scenario"] == s].set_index("year") for s in dict.fromkeys(self.pair)}
        years = sorted(set(by[self.baseline].index) & set(by[self.alternative].index))
        table = pd.DataFrame({self.t("cmp_year"): years})
        for s in dict.fromkeys(self.pair):
            table[self.t("cmp_col_rate_of", scenario=s)] = [
                with_interval(percent(by[s].loc[y, "mean"] / 100, lang, 2), percent(by[s].loc[y, "low"] / 100, lang, 2),
                              percent(by[s].loc[y, "high"] / 100, lang, 2)) for y in years]
        diff = [by[self.alternative].loc[y, "mean"] / 100 - by[self.baseline].loc[y, "mean"] / 100 for y in years]
        table[self.t("cmp_col_difference")] = [points(d, lang) for d in diff]
        table[self.t("cmp_col_separate")] = [self._yes_no(self._separate(by[self.baseline].loc[y], by[self.alternative].loc[y]))
                                             for y in years]
        self.save_table(table, "forecast_national")
        fig = covid_figures.forecast_paths(
            {s: by[s].reset_index() for s in dict.fromkeys(self.pair)}, title=self.t("cmp_forecast_figure"),
            ylabel=self.t("cmp_rate_pct"), xlabel=self.t("cmp_year"))
        png = figures.figure_png(fig)
        self.save_figure(png, "forecast_paths")
        notes = " ".join(self._impact_note(s) for s in dict.fromkeys(self.pair))
        text = [self.t("cmp_forecast_text", standard=by[self.baseline]["standard"].iloc[0], notes=notes)]
        if np.allclose(diff, 0.0):
            text.append(self.t("cmp_forecast_same"))
        self.key_figure("kf_cmp_forecast_difference", f"{points(diff[-1], lang)} ({years[-1]})")
        return Section(self.t("cmp_forecast_heading"), text, figures=[(png, self.t("cmp_forecast_figure"))],
                       tables=[table])

    def _impact_note(self, scenario: str) -> str:
        """Which forecast years carry the scenario's microsimulated impact (from the forecast notes)."""
        paths = self.forecast_table()
        base = paths[paths["scenario"] == scenario].set_index("year")["mean"]
        notes = self.outputs.table("forecast_notes")
        hit = notes[(notes["scenario"] == scenario) & notes["note"].str.startswith(f"scenario {scenario}:")]
        if hit.empty or base.empty:
            return self.t("cmp_forecast_no_note", scenario=scenario)
        years = [int(y) for y in base.index if f"{int(y)} (" in hit["note"].iloc[0]]
        return self.t("cmp_forecast_note", scenario=scenario, years=", ".join(map(str, years)) or "–")

    def targets(self) -> Section:
        """Probabilities of reaching each target, nationally and by region, under both scenarios."""
        targets = self.outputs.table("forecast_targets")
        part = targets[targets["scenario"].isin(self.pair)]
        if part.empty or not set(self.pair) <= set(part["scenario"]):
            return Section(self.t("cmp_targets_heading"), [self.t("cmp_no_targets")])
        wide = part.pivot_table(index=["target", "area", "area_level", "threshold"], columns="scenario",
                                values="probability", aggfunc="first").reset_index()
        wide["difference"] = wide[self.alternative] - wide[self.baseline]
        moved = int((wide["difference"].abs() >= 0.1 - 1e-9).sum())
        regions = admin.regions().set_index("region_code")
        area_names = {c: region_name(r, self.language) for c, r in regions.iterrows()} | {"NATIONAL": self.t("cmp_national")}
        shown = wide[wide["area_level"].isin(["national", "region"])].copy()
        order = {c: i for i, c in enumerate(["NATIONAL", *regions.index, *part["target"].unique()])}
        shown = shown.sort_values(["target", "area"], key=lambda c: c.map(order))
        lang = self.language
        table = pd.DataFrame({
            self.t("cmp_col_target"): [self.t(f"cmp_target_{t}", threshold=th) for t, th in
                                       zip(shown["target"], shown["threshold"], strict=True)],
            self.t("cmp_col_area"): [area_names.get(a, a) for a in shown["area"]],
        })
        for s in dict.fromkeys(self.pair):
            table[self.t("cmp_col_prob_of", scenario=s)] = [percent(v, lang, 0) for v in shown[s]]
        table[self.t("cmp_col_difference")] = [points(v, lang, 0) for v in shown["difference"]]
        self.save_table(table, "target_probabilities")
        end = int(part["end_year"].max())
        return Section(self.t("cmp_targets_heading"),
                       [self.t("cmp_targets_text", end=end, moved=self.t("cmp_targets_moved", count=moved))],
                       tables=[table])
