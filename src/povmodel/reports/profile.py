"""The poverty-profile report: who is poor under the standard in force each survey year, national
and by region, with money-metric (FGT) and multidimensional (Alkire-Foster) measures and a
province map with its reliability. Called cell by cell from ``notebooks/02_profile``.

Every rate is read from the run's results cube (baseline scenario, survey years); only the MPI
contributions by dimension and the comparison of the two standards on the same households are
computed here, from the run's household table, with :mod:`povmodel.measure`.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from povmodel import admin, datasets, pipeline
from povmodel.measure import MPISpec, estimate, mpi
from povmodel.measure.classify import snapshot_of
from povmodel.reports import figures, profile_figures, sae_maps
from povmodel.reports.base import ReportBase
from povmodel.reports.labels import region_name, register
from povmodel.reports.report_numbers import number, percent, with_interval
from povmodel.reports.sections import Section

#: A province estimate is unreliable above this coefficient of variation ...
MAX_CV = 0.3
#: ... or with fewer sample households than this.
MIN_SAMPLE = 30

LABELS = {
    "profile_title": {"en": "Poverty profile by standard", "vi": "Hồ sơ nghèo theo chuẩn nghèo"},
    "profile_intro": {
        "en": "Who is poor, where, and how poor, in every survey round of this run ({years}). Each round is "
              "classified under the poverty standard in force at the end of its year: the 2016-2020 standard "
              "(Decision 59/2015/QĐ-TTg, extended to 2021) up to 2021 and the 2022-2025 standard (Decree "
              "07/2021/NĐ-CP) from 2022. Rates under different standards measure different things and are "
              "never joined into one trend. Intervals are 95% design-based confidence intervals.",
        "vi": "Ai nghèo, ở đâu và nghèo đến mức nào, trong từng kỳ khảo sát của lần chạy này ({years}). Mỗi kỳ "
              "được phân loại theo chuẩn nghèo có hiệu lực vào cuối năm đó: chuẩn 2016-2020 (Quyết định "
              "59/2015/QĐ-TTg, kéo dài đến năm 2021) cho đến năm 2021 và chuẩn 2022-2025 (Nghị định "
              "07/2021/NĐ-CP) từ năm 2022. Tỷ lệ theo các chuẩn khác nhau đo những điều khác nhau và không "
              "được nối thành một xu hướng. Khoảng tin cậy là khoảng tin cậy 95% theo thiết kế mẫu.",
    },
    "profile_standards_heading": {"en": "The two poverty standards", "vi": "Hai chuẩn nghèo"},
    "profile_rule_income_or_band_with_deprivation": {
        "en": "Poor: income per person at or below the poverty line, or between the poverty and the "
              "near-poor lines and deprived in at least {threshold} of the {n} indicators. Near-poor: "
              "between the two lines and deprived in fewer than {threshold} indicators.",
        "vi": "Hộ nghèo: thu nhập bình quân đầu người bằng hoặc thấp hơn chuẩn nghèo, hoặc nằm giữa chuẩn "
              "nghèo và chuẩn cận nghèo và thiếu hụt từ {threshold} trong {n} chỉ số trở lên. Hộ cận nghèo: "
              "thu nhập nằm giữa hai chuẩn và thiếu hụt dưới {threshold} chỉ số.",
    },
    "profile_rule_income_and_deprivation": {
        "en": "Poor: income per person at or below the poverty line and deprived in at least {threshold} of "
              "the {n} indicators. Near-poor: income at or below the line and deprived in fewer than "
              "{threshold} indicators.",
        "vi": "Hộ nghèo: thu nhập bình quân đầu người bằng hoặc thấp hơn chuẩn nghèo và thiếu hụt từ "
              "{threshold} trong {n} chỉ số trở lên. Hộ cận nghèo: thu nhập bằng hoặc thấp hơn chuẩn nghèo "
              "và thiếu hụt dưới {threshold} chỉ số.",
    },
    "profile_col_standard": {"en": "Standard", "vi": "Chuẩn nghèo"},
    "profile_col_years": {"en": "Survey years in this report", "vi": "Các năm khảo sát trong báo cáo"},
    "profile_col_line": {"en": "Poverty line, rural / urban (VND per person per month)",
                         "vi": "Chuẩn nghèo thu nhập, nông thôn / thành thị (đồng/người/tháng)"},
    "profile_col_near_line": {"en": "Near-poor line, rural / urban (VND per person per month)",
                              "vi": "Chuẩn cận nghèo, nông thôn / thành thị (đồng/người/tháng)"},
    "profile_col_indicators": {"en": "Deprivation indicators (dimensions)",
                               "vi": "Chỉ số thiếu hụt (số chiều)"},
    "profile_col_rule": {"en": "Classification rule", "vi": "Quy tắc phân loại"},
    "profile_indicator_count": {"en": "{n} in {d} dimensions", "vi": "{n} chỉ số trong {d} chiều"},
    "profile_national_heading": {"en": "Poor and near-poor households, whole country",
                                 "vi": "Hộ nghèo và cận nghèo, cả nước"},
    "profile_national_text": {
        "en": "In {year} ({standard} standard) **{poor}** of households are poor (95% CI {low} – {high}) and "
              "**{near}** near-poor.",
        "vi": "Năm {year} (chuẩn {standard}), **{poor}** số hộ là hộ nghèo (khoảng tin cậy 95%: {low} – {high}) "
              "và **{near}** là hộ cận nghèo.",
    },
    "profile_break_text": {
        "en": "The jump between {before} and {after} comes from the change of standard (higher income lines, "
              "12 instead of 10 indicators and a different rule), not from a rise in poverty.",
        "vi": "Bước nhảy giữa năm {before} và năm {after} là do đổi chuẩn nghèo (chuẩn thu nhập cao hơn, 12 "
              "thay vì 10 chỉ số và quy tắc khác), không phải do nghèo tăng.",
    },
    "profile_col_year": {"en": "Year", "vi": "Năm"},
    "profile_col_poor": {"en": "Poor households (95% CI)", "vi": "Hộ nghèo (KTC 95%)"},
    "profile_col_near": {"en": "Near-poor households (95% CI)", "vi": "Hộ cận nghèo (KTC 95%)"},
    "profile_col_n": {"en": "Sample households", "vi": "Số hộ mẫu"},
    "profile_poor": {"en": "Poor households", "vi": "Hộ nghèo"},
    "profile_near": {"en": "Near-poor households", "vi": "Hộ cận nghèo"},
    "profile_share_pct": {"en": "Share of households (%)", "vi": "Tỷ lệ hộ (%)"},
    "profile_standard_legend": {"en": "{standard} standard", "vi": "Chuẩn {standard}"},
    "profile_standard_change": {"en": "change of standard", "vi": "đổi chuẩn"},
    "profile_national_figure": {"en": "Poor and near-poor households by survey year and standard",
                                "vi": "Hộ nghèo và cận nghèo theo năm khảo sát và chuẩn nghèo"},
    "kf_profile_poor": {"en": "Poor-household rate, latest survey round (synthetic data)",
                        "vi": "Tỷ lệ hộ nghèo, kỳ khảo sát gần nhất (dữ liệu tổng hợp)"},
    "kf_profile_near": {"en": "Near-poor household rate, latest survey round (synthetic data)",
                        "vi": "Tỷ lệ hộ cận nghèo, kỳ khảo sát gần nhất (dữ liệu tổng hợp)"},
    "profile_kf_value": {"en": "{value} ({year}, {standard} standard)", "vi": "{value} (năm {year}, chuẩn {standard})"},
    "profile_compare_heading": {"en": "The same households under both standards",
                                "vi": "Cùng các hộ theo cả hai chuẩn"},
    "profile_compare_text": {
        "en": "To show how much of the change between {before} and {after} is the standard itself, both rounds "
              "are classified here under both standards. Read across a row: same households, different "
              "standard; read down a column: same standard, different year.",
        "vi": "Để thấy phần thay đổi giữa năm {before} và năm {after} do chính chuẩn nghèo gây ra, cả hai kỳ "
              "được phân loại theo cả hai chuẩn. Đọc theo hàng: cùng các hộ, khác chuẩn; đọc theo cột: cùng "
              "chuẩn, khác năm.",
    },
    "profile_col_in_force": {"en": "Standard in force", "vi": "Chuẩn đang áp dụng"},
    "profile_col_poor_under": {"en": "Poor under {standard} (95% CI)", "vi": "Nghèo theo chuẩn {standard} (KTC 95%)"},
    "profile_col_near_under": {"en": "Near-poor under {standard}", "vi": "Cận nghèo theo chuẩn {standard}"},
    "profile_regions_heading": {"en": "Poverty by region", "vi": "Nghèo theo vùng"},
    "profile_regions_text": {
        "en": "Poor-household rate by region in every survey round (column headers give the standard), and "
              "the latest round with its 95% intervals. The highest rate in {year}: {top} ({value}).",
        "vi": "Tỷ lệ hộ nghèo theo vùng ở từng kỳ khảo sát (tiêu đề cột ghi chuẩn nghèo) và kỳ gần nhất kèm "
              "khoảng tin cậy 95%. Tỷ lệ cao nhất năm {year}: {top} ({value}).",
    },
    "profile_region": {"en": "Region", "vi": "Vùng"},
    "profile_col_year_standard": {"en": "{year} ({standard})", "vi": "{year} (chuẩn {standard})"},
    "profile_regions_figure": {"en": "Poor-household rate by region and survey year",
                               "vi": "Tỷ lệ hộ nghèo theo vùng và năm khảo sát"},
    "profile_national": {"en": "Whole country", "vi": "Cả nước"},
    "profile_fgt_heading": {"en": "Depth and severity of income poverty (FGT)",
                            "vi": "Độ sâu và mức độ nghiêm trọng của nghèo thu nhập (FGT)"},
    "profile_fgt_text": {
        "en": "Foster-Greer-Thorbecke measures against the income poverty line of the standard in force "
              "(rural or urban line per household): FGT0 is the share of households with income per person at "
              "or below the line (income only, so it differs from the poor-household rate, which also counts "
              "deprivations); FGT1, the poverty gap, is the average shortfall from the line as a share of the "
              "line; FGT2 weights the largest shortfalls most.",
        "vi": "Các chỉ số Foster-Greer-Thorbecke so với chuẩn nghèo thu nhập của chuẩn đang áp dụng (chuẩn "
              "nông thôn hoặc thành thị của từng hộ): FGT0 là tỷ lệ hộ có thu nhập bình quân đầu người bằng hoặc "
              "thấp hơn chuẩn (chỉ xét thu nhập, nên khác tỷ lệ hộ nghèo vốn tính cả thiếu hụt); FGT1 (khoảng "
              "cách nghèo) là mức thiếu hụt thu nhập bình quân so với chuẩn, tính theo tỷ lệ của chuẩn; FGT2 "
              "đặt trọng số lớn nhất cho những hộ thiếu hụt nhiều nhất.",
    },
    "profile_col_fgt0": {"en": "FGT0 headcount (95% CI)", "vi": "FGT0 tỷ lệ (KTC 95%)"},
    "profile_col_fgt1": {"en": "FGT1 poverty gap (95% CI)", "vi": "FGT1 khoảng cách nghèo (KTC 95%)"},
    "profile_col_fgt2": {"en": "FGT2 severity (95% CI)", "vi": "FGT2 mức độ nghiêm trọng (KTC 95%)"},
    "profile_region_year": {"en": "Region, {year}", "vi": "Vùng, năm {year}"},
    "profile_mpi_heading": {"en": "Multidimensional poverty (Alkire-Foster)",
                            "vi": "Nghèo đa chiều (phương pháp Alkire-Foster)"},
    "profile_mpi_text": {
        "en": "The analytic Alkire-Foster version of the standard in force: every dimension weighs the same, "
              "its indicators share the weight, and a household is multidimensionally poor when its weighted "
              "deprivation score is at least 1/3. H is the share of such households, A their average "
              "deprivation score and M0 = H × A. This is not MOLISA's counting rule (which also tests income), "
              "so H differs from the poor-household rate. In {year}: H {h}, A {a}, M0 {m0}.",
        "vi": "Phiên bản phân tích Alkire-Foster của chuẩn đang áp dụng: các chiều có trọng số bằng nhau, các "
              "chỉ số trong một chiều chia đều trọng số của chiều đó, và một hộ nghèo đa chiều khi điểm thiếu hụt "
              "có trọng số từ 1/3 trở lên. H là tỷ lệ các hộ này, A là điểm thiếu hụt bình quân của họ và "
              "M0 = H × A. Đây không phải quy tắc đếm của Bộ LĐ-TB&XH (vốn xét cả thu nhập), nên H khác tỷ lệ "
              "hộ nghèo. Năm {year}: H {h}, A {a}, M0 {m0}.",
    },
    "profile_col_h": {"en": "H headcount (95% CI)", "vi": "H tỷ lệ nghèo đa chiều (KTC 95%)"},
    "profile_col_a": {"en": "A intensity (95% CI)", "vi": "A cường độ thiếu hụt (KTC 95%)"},
    "profile_col_m0": {"en": "M0 adjusted headcount (95% CI)", "vi": "M0 chỉ số nghèo đa chiều (KTC 95%)"},
    "profile_contrib_heading": {"en": "What multidimensional poverty is made of",
                                "vi": "Cơ cấu nghèo đa chiều theo chiều thiếu hụt"},
    "profile_contrib_text": {
        "en": "Contribution of each dimension and indicator to M0 in {year} ({standard} standard): the share "
              "of all weighted deprivations of multidimensionally poor households that come from it (the "
              "contributions add up to 100%). Censored headcount: share of all households that are "
              "multidimensionally poor and deprived in the indicator. Largest contribution nationally: "
              "{top} ({value}).",
        "vi": "Đóng góp của từng chiều và từng chỉ số vào M0 năm {year} (chuẩn {standard}): phần trong tổng số "
              "thiếu hụt có trọng số của các hộ nghèo đa chiều đến từ chiều/chỉ số đó (tổng các đóng góp bằng "
              "100%). Tỷ lệ thiếu hụt kiểm duyệt: tỷ lệ hộ vừa nghèo đa chiều vừa thiếu hụt chỉ số đó. Đóng góp "
              "lớn nhất cả nước: {top} ({value}).",
    },
    "profile_contrib_figure": {"en": "Contribution of each dimension to M0, {year}",
                               "vi": "Đóng góp của từng chiều vào M0, năm {year}"},
    "profile_contrib_axis": {"en": "Contribution to M0 (%)", "vi": "Đóng góp vào M0 (%)"},
    "profile_col_dimension": {"en": "Dimension", "vi": "Chiều"},
    "profile_col_indicator": {"en": "Indicator", "vi": "Chỉ số"},
    "profile_col_weight": {"en": "Weight", "vi": "Trọng số"},
    "profile_col_uncensored": {"en": "Deprived (all households)", "vi": "Thiếu hụt (mọi hộ)"},
    "profile_col_censored": {"en": "Censored headcount", "vi": "Tỷ lệ thiếu hụt kiểm duyệt"},
    "profile_col_contribution": {"en": "Contribution to M0", "vi": "Đóng góp vào M0"},
    "profile_dim_employment": {"en": "Employment", "vi": "Việc làm"},
    "profile_dim_health": {"en": "Health", "vi": "Y tế"},
    "profile_dim_education": {"en": "Education", "vi": "Giáo dục"},
    "profile_dim_housing": {"en": "Housing", "vi": "Nhà ở"},
    "profile_dim_water_sanitation": {"en": "Water and sanitation", "vi": "Nước sinh hoạt và vệ sinh"},
    "profile_dim_information": {"en": "Information", "vi": "Thông tin"},
    "profile_map_heading": {"en": "Poor-household rate by province and its reliability",
                            "vi": "Tỷ lệ hộ nghèo theo tỉnh và độ tin cậy"},
    "profile_map_title": {"en": "Poor-household rate by province, {year} ({standard} standard, synthetic survey)",
                          "vi": "Tỷ lệ hộ nghèo theo tỉnh, năm {year} (chuẩn {standard}, khảo sát tổng hợp)"},
    "profile_map_legend": {"en": "Poor households (%)", "vi": "Hộ nghèo (%)"},
    "profile_map_text": {
        "en": "Left: direct survey estimate of the poor-household rate in {year}; right: its coefficient of "
              "variation (CV = standard error / estimate). A province estimate is flagged unreliable when its "
              "CV is above {cv} or it rests on fewer than {n} sample households. Province rates range from "
              "{low} ({low_name}) to {high} ({high_name}).",
        "vi": "Bên trái: ước tính trực tiếp từ khảo sát về tỷ lệ hộ nghèo năm {year}; bên phải: hệ số biến "
              "thiên (CV = sai số chuẩn / ước tính). Ước tính của một tỉnh bị đánh dấu không đủ tin cậy khi CV "
              "lớn hơn {cv} hoặc dựa trên dưới {n} hộ mẫu. Tỷ lệ cấp tỉnh từ {low} ({low_name}) đến {high} "
              "({high_name}).",
    },
    "profile_unreliable_none": {"en": "No province estimate is flagged unreliable.",
                                "vi": "Không có ước tính cấp tỉnh nào bị đánh dấu không đủ tin cậy."},
    "profile_unreliable_some": {
        "en": "**{count} province estimate(s) flagged unreliable** (listed below): read them as indicative only.",
        "vi": "**{count} ước tính cấp tỉnh bị đánh dấu không đủ tin cậy** (liệt kê dưới đây): chỉ nên dùng để "
              "tham khảo.",
    },
    "profile_col_province": {"en": "Province", "vi": "Tỉnh"},
    "profile_col_estimate": {"en": "Poor households (95% CI)", "vi": "Hộ nghèo (KTC 95%)"},
    "profile_col_cv": {"en": "CV", "vi": "CV"},
    "profile_col_quality": {"en": "Reliability", "vi": "Độ tin cậy"},
    "profile_quality_ok": {"en": "reliable", "vi": "tin cậy"},
    "profile_quality_unreliable": {"en": "UNRELIABLE", "vi": "KHÔNG ĐỦ TIN CẬY"},
}
register(LABELS)


@dataclass
class ProfileReport(ReportBase):
    """Poverty profile of the run's survey rounds; each method returns one report section."""

    _households: pd.DataFrame | None = field(default=None, repr=False)

    # -- data -----------------------------------------------------------------------------
    @property
    def observed(self):
        """The cube's measured scenario (the one holding survey estimates), survey years only."""
        cube = self.outputs.cube
        has = cube["poor_rate"].notnull().any(dim=("area", "year"))
        scenario = str(cube["scenario"].values[np.flatnonzero(has.values)[0]])
        data = cube.sel(scenario=scenario)
        years = data["year"].values[data["poor_rate"].sel(area="NATIONAL").notnull().values]
        return data.sel(year=years)

    @property
    def years(self) -> list[int]:
        """Survey years of the run."""
        return [int(y) for y in self.observed["year"].values]

    @property
    def latest(self) -> int:
        """Latest survey year."""
        return self.years[-1]

    def standard_of(self, year: int) -> str:
        """Standard in force in ``year`` (the cube's ``standard`` coordinate)."""
        return str(self.observed["standard"].sel(year=year).item())

    def households(self) -> pd.DataFrame:
        """The run's household table (loaded once; used for aggregates only)."""
        if self._households is None:
            self._households = pipeline.load_households(self.config)[0]
        return self._households

    def series(self, measure: str, area: str = "NATIONAL") -> pd.DataFrame:
        """``measure`` with its 95% interval and sample size by survey year for ``area``."""
        d = self.observed.sel(area=area)
        return pd.DataFrame({
            "year": self.years, "standard": [self.standard_of(y) for y in self.years],
            measure: d[measure].values, f"{measure}_low": d[f"{measure}_ci_low"].values,
            f"{measure}_high": d[f"{measure}_ci_high"].values, f"{measure}_n": d[f"{measure}_n"].values,
        })

    def _ci(self, area: str, year: int, measure: str, digits: int = 1) -> str:
        d = self.observed.sel(area=area, year=year)
        return self._fmt_ci(float(d[measure]), float(d[f"{measure}_ci_low"]), float(d[f"{measure}_ci_high"]),
                            digits)

    def _fmt_ci(self, value: float, low: float, high: float, digits: int = 1) -> str:
        lang = self.language
        return with_interval(percent(value, lang, digits), percent(low, lang, digits), percent(high, lang, digits))

    def _regions(self) -> tuple[list[str], list[str]]:
        regions = admin.regions()
        codes = [*regions["region_code"], "NATIONAL"]
        names = [*regions.apply(region_name, axis=1, language=self.language), self.t("profile_national")]
        return codes, names

    def _year_header(self, year: int) -> str:
        return self.t("profile_col_year_standard", year=year, standard=self.standard_of(year))

    def _change_years(self) -> tuple[int, int] | None:
        """The last year of the first standard and the first year of the next, if the run spans both."""
        for before, after in zip(self.years, self.years[1:], strict=False):
            if self.standard_of(before) != self.standard_of(after):
                return before, after
        return None

    # -- sections -------------------------------------------------------------------------
    def title(self) -> Section:
        """Report title and what it is built from."""
        years = ", ".join(str(y) for y in self.years)
        return Section(self.t("profile_title"), [self.t("profile_intro", years=years)], level=1)

    def standards(self) -> Section:
        """Income lines, indicators and rule of each standard used in the run's survey years."""
        rows = []
        for standard in dict.fromkeys(self.standard_of(y) for y in self.years):
            snap = snapshot_of(standard)
            used = [str(y) for y in self.years if self.standard_of(y) == standard]
            n, d = len(snap.indicators), len(snap.dimensions)
            rows.append({
                self.t("profile_col_standard"): standard,
                self.t("profile_col_years"): ", ".join(used),
                self.t("profile_col_line"): f"{number(snap.income_line.rural, self.language)} / "
                                            f"{number(snap.income_line.urban, self.language)}",
                self.t("profile_col_near_line"): f"{number(snap.near_poor_line.rural, self.language)} / "
                                                 f"{number(snap.near_poor_line.urban, self.language)}",
                self.t("profile_col_indicators"): self.t("profile_indicator_count", n=n, d=d),
                self.t("profile_col_rule"): self.t(f"profile_rule_{snap.rule}", threshold=int(snap.deprivation_threshold),
                                                   n=n),
            })
        table = pd.DataFrame(rows)
        self.save_table(table, "poverty_standards")
        return Section(self.t("profile_standards_heading"), tables=[table])

    def national(self) -> Section:
        """Poor and near-poor rates by survey year with 95% intervals; the key figures."""
        poor, near = self.series("poor_rate"), self.series("near_poor_rate")
        table = pd.DataFrame({
            self.t("profile_col_year"): poor["year"],
            self.t("profile_col_standard"): poor["standard"],
            self.t("profile_col_poor"): [self._fmt_ci(v, lo, hi) for v, lo, hi in
                                         poor[["poor_rate", "poor_rate_low", "poor_rate_high"]].to_numpy()],
            self.t("profile_col_near"): [self._fmt_ci(v, lo, hi) for v, lo, hi in
                                         near[["near_poor_rate", "near_poor_rate_low", "near_poor_rate_high"]].to_numpy()],
            self.t("profile_col_n"): [number(n, self.language) for n in poor["poor_rate_n"]],
        })
        self.save_table(table, "national_rates")
        year, standard = self.latest, self.standard_of(self.latest)
        d = self.observed.sel(area="NATIONAL", year=year)
        lang = self.language
        text = [self.t("profile_national_text", year=year, standard=standard,
                       poor=percent(float(d["poor_rate"]), lang), low=percent(float(d["poor_rate_ci_low"]), lang),
                       high=percent(float(d["poor_rate_ci_high"]), lang), near=percent(float(d["near_poor_rate"]), lang))]
        change = self._change_years()
        if change:
            text.append(self.t("profile_break_text", before=change[0], after=change[1]))
        self.key_figure("kf_profile_poor", self.t("profile_kf_value", value=self._ci("NATIONAL", year, "poor_rate"),
                                                  year=year, standard=standard))
        self.key_figure("kf_profile_near", self.t("profile_kf_value", value=self._ci("NATIONAL", year, "near_poor_rate"),
                                                  year=year, standard=standard))
        both = poor.merge(near, on=["year", "standard"])
        fig = profile_figures.national_rates(
            both, title=self.t("profile_national_figure"), ylabel=self.t("profile_share_pct"),
            xlabel=self.t("profile_col_year"),
            series={"poor_rate": self.t("profile_poor"), "near_poor_rate": self.t("profile_near")},
            standard_label=self.t("profile_standard_legend"), break_label=self.t("profile_standard_change"))
        png = figures.figure_png(fig)
        self.save_figure(png, "national_rates")
        return Section(self.t("profile_national_heading"), text, figures=[(png, self.t("profile_national_figure"))],
                       tables=[table])

    def standard_comparison(self) -> Section:
        """The rounds either side of the change of standard classified under both standards
        (empty when the run's survey years are all under one standard)."""
        change = self._change_years()
        if change is None:
            return Section()
        standards = [self.standard_of(y) for y in change]
        hh = self.households()
        part = hh[hh["year"].isin(change)]
        rows = {std: estimate(part, standard=std, measures=("poor_rate", "near_poor_rate")).to_frame()
                for std in standards}
        cols = {self.t("profile_col_year"): list(change),
                self.t("profile_col_in_force"): standards}
        for std, res in rows.items():
            res = res.set_index(["year", "measure"])
            cols[self.t("profile_col_poor_under", standard=std)] = [
                self._fmt_ci(*res.loc[(y, "poor_rate"), ["estimate", "ci_low", "ci_high"]]) for y in change]
        for std, res in rows.items():
            res = res.set_index(["year", "measure"])
            cols[self.t("profile_col_near_under", standard=std)] = [
                percent(res.loc[(y, "near_poor_rate"), "estimate"], self.language) for y in change]
        table = pd.DataFrame(cols)
        self.save_table(table, "standards_compared")
        return Section(self.t("profile_compare_heading"),
                       [self.t("profile_compare_text", before=change[0], after=change[1])], tables=[table])

    def regions(self) -> Section:
        """Poor rates by region and year, the latest year with intervals, and a line chart."""
        codes, names = self._regions()
        rates = self.observed["poor_rate"].sel(area=codes).to_pandas()  # areas x years
        table = pd.DataFrame({self.t("profile_region"): names})
        for year in self.years:
            table[self._year_header(year)] = [percent(v, self.language) for v in rates[year]]
        latest = pd.DataFrame({
            self.t("profile_region_year", year=self.latest): names,
            self.t("profile_col_poor"): [self._ci(c, self.latest, "poor_rate") for c in codes],
            self.t("profile_col_near"): [self._ci(c, self.latest, "near_poor_rate") for c in codes],
            self.t("profile_col_n"): [number(self.observed["poor_rate_n"].sel(area=c, year=self.latest).item(),
                                             self.language) for c in codes],
        })
        self.save_table(table, "regional_poor_rates")
        self.save_table(latest, "regional_rates_latest")
        last = rates[self.latest].iloc[:-1]
        top = names[int(np.argmax(last.to_numpy()))]
        lines = rates.iloc[:-1].T
        lines.columns = names[:-1]
        fig = profile_figures.region_lines(
            lines, pd.Series([self.standard_of(y) for y in self.years]), title=self.t("profile_regions_figure"),
            ylabel=self.t("profile_share_pct"), xlabel=self.t("profile_col_year"),
            break_label=self.t("profile_standard_change"))
        png = figures.figure_png(fig)
        self.save_figure(png, "regional_poor_rates")
        text = self.t("profile_regions_text", year=self.latest, top=top, value=percent(last.max(), self.language))
        return Section(self.t("profile_regions_heading"), [text], figures=[(png, self.t("profile_regions_figure"))],
                       tables=[table, latest])

    def fgt(self) -> Section:
        """FGT0/1/2 by survey year (national) and by region in the latest year."""
        cols = {"fgt0": "profile_col_fgt0", "fgt1": "profile_col_fgt1", "fgt2": "profile_col_fgt2"}
        digits = {"fgt0": 1, "fgt1": 2, "fgt2": 2}
        national = pd.DataFrame({self.t("profile_col_year"): self.years,
                                 self.t("profile_col_standard"): [self.standard_of(y) for y in self.years]})
        for m, key in cols.items():
            national[self.t(key)] = [self._ci("NATIONAL", y, m, digits[m]) for y in self.years]
        codes, names = self._regions()
        regional = pd.DataFrame({self.t("profile_region_year", year=self.latest): names})
        for m, key in cols.items():
            regional[self.t(key)] = [self._ci(c, self.latest, m, digits[m]) for c in codes]
        self.save_table(national, "fgt_national")
        self.save_table(regional, "fgt_regions")
        return Section(self.t("profile_fgt_heading"),
                       [self.t("profile_fgt_text")], tables=[national, regional])

    def mpi(self) -> Section:
        """MPI H, A and M0 by region (latest year) and nationally by year."""
        codes, names = self._regions()
        year = self.latest
        cols = {"mpi_h": "profile_col_h", "mpi_a": "profile_col_a", "mpi_m0": "profile_col_m0"}
        regional = pd.DataFrame({self.t("profile_region_year", year=year): names})
        for m, key in cols.items():
            regional[self.t(key)] = [self._ci(c, year, m) for c in codes]
        national = pd.DataFrame({self.t("profile_col_year"): self.years,
                                 self.t("profile_col_standard"): [self.standard_of(y) for y in self.years]})
        for m, key in cols.items():
            national[self.t(key)] = [self._ci("NATIONAL", y, m) for y in self.years]
        self.save_table(regional, "mpi_regions")
        self.save_table(national, "mpi_national")
        d = self.observed.sel(area="NATIONAL", year=year)
        text = self.t("profile_mpi_text", year=year, h=percent(float(d["mpi_h"]), self.language),
                      a=percent(float(d["mpi_a"]), self.language), m0=number(float(d["mpi_m0"]), self.language, 3))
        return Section(self.t("profile_mpi_heading"), [text], tables=[regional, national])

    def mpi_contributions(self) -> Section:
        """Contributions of dimensions (by region) and indicators (national) to M0 in the latest
        year, computed from the run's households with :func:`povmodel.measure.mpi`."""
        year, standard = self.latest, self.standard_of(self.latest)
        hh = self.households()
        spec = MPISpec.vietnam(standard)
        res = mpi(hh[hh["year"] == year], spec, by=["national", "region"]).to_frame()
        est = res.pivot_table(index="measure", columns="domain", values="estimate", aggfunc="first")
        codes, names = self._regions()
        dims = spec.dimension_names
        dim_names = [self.t(f"profile_dim_{d}") for d in dims]
        shares = est.loc[[f"contribution_dimension_{d}" for d in dims], codes].T
        shares.index, shares.columns = names, dim_names
        fig = profile_figures.contribution_bars(shares, title=self.t("profile_contrib_figure", year=year),
                                                xlabel=self.t("profile_contrib_axis"))
        png = figures.figure_png(fig)
        self.save_figure(png, "mpi_contributions")
        snap = snapshot_of(standard)
        names_of = {i["code"]: i["name_vi" if self.language == "vi" else "name_en"] for i in snap.indicators}
        nat = est["NATIONAL"]
        indicators = pd.DataFrame({
            self.t("profile_col_dimension"): [self.t(f"profile_dim_{d}") for d in spec.dimensions],
            self.t("profile_col_indicator"): [names_of.get(code, code) for code in spec.labels],
            self.t("profile_col_weight"): [number(w, self.language, 3) for w in spec.weights],
            self.t("profile_col_uncensored"): [percent(nat[f"uncensored_{c}"], self.language) for c in spec.labels],
            self.t("profile_col_censored"): [percent(nat[f"censored_{c}"], self.language) for c in spec.labels],
            self.t("profile_col_contribution"): [percent(nat[f"contribution_{c}"], self.language) for c in spec.labels],
        })
        by_region = shares.map(lambda v: percent(v, self.language)).reset_index(names=self.t("profile_region"))
        self.save_table(indicators, "mpi_indicator_contributions")
        self.save_table(by_region, "mpi_dimension_contributions")
        top = int(np.argmax(shares.loc[self.t("profile_national")].to_numpy()))
        text = self.t("profile_contrib_text", year=year, standard=standard, top=dim_names[top],
                      value=percent(shares.iloc[-1, top], self.language))
        return Section(self.t("profile_contrib_heading"), [text],
                       figures=[(png, self.t("profile_contrib_figure", year=year))], tables=[by_region, indicators])

    def province_table(self) -> pd.DataFrame:
        """Latest poor rate of every province with SE, CV, sample size and the reliability flag
        (columns ``area``, ``name``, ``estimate``, ``ci_low``, ``ci_high``, ``se``, ``cv``, ``n``,
        ``unreliable``)."""
        d = self.observed.sel(year=self.latest)
        provinces = admin.provinces()[["code", "name"]]
        codes = provinces["code"].tolist()
        est = d["poor_rate"].sel(area=codes).values
        se = d["poor_rate_se"].sel(area=codes).values
        n = d["poor_rate_n"].sel(area=codes).values
        with np.errstate(divide="ignore", invalid="ignore"):
            cv = np.where(est > 0, se / est, np.inf)
        return pd.DataFrame({
            "area": codes, "name": provinces["name"].to_numpy(), "estimate": est,
            "ci_low": d["poor_rate_ci_low"].sel(area=codes).values,
            "ci_high": d["poor_rate_ci_high"].sel(area=codes).values, "se": se, "cv": cv, "n": n,
            "unreliable": (cv > MAX_CV) | ~(n >= MIN_SAMPLE),
        })

    def province_map(self) -> Section:
        """Latest province poor rates next to their CV, unreliable provinces listed."""
        year, standard = self.latest, self.standard_of(self.latest)
        table = self.province_table()
        title = self.t("profile_map_title", year=year, standard=standard)
        fig = sae_maps.estimate_cv_maps(
            datasets.load_boundaries("province"), datasets.load_boundaries("region"),
            table[["area", "estimate", "cv"]].assign(cv=table["cv"].where(np.isfinite(table["cv"]))),
            title=title, language=self.language, area="area", estimate_label=self.t("profile_map_legend"))
        png = figures.figure_png(fig)
        self.save_figure(png, "province_poor_rate_cv")
        ordered = table.sort_values("estimate")
        lang = self.language
        text = [self.t("profile_map_text", year=year, cv=percent(MAX_CV, lang, 0), n=MIN_SAMPLE,
                       low=percent(ordered["estimate"].iloc[0], lang), low_name=ordered["name"].iloc[0],
                       high=percent(ordered["estimate"].iloc[-1], lang), high_name=ordered["name"].iloc[-1])]
        shown = pd.DataFrame({
            self.t("profile_col_province"): table["name"],
            self.t("profile_col_estimate"): [self._fmt_ci(v, lo, hi) for v, lo, hi in
                                             table[["estimate", "ci_low", "ci_high"]].to_numpy()],
            self.t("profile_col_cv"): [percent(v, lang) for v in table["cv"]],
            self.t("profile_col_n"): [number(v, lang) for v in table["n"]],
            self.t("profile_col_quality"): [self.t("profile_quality_unreliable" if u else "profile_quality_ok")
                                            for u in table["unreliable"]],
        })
        self.save_table(shown, "province_poor_rates")
        flagged = shown[table["unreliable"].to_numpy()]
        text.append(self.t("profile_unreliable_some", count=len(flagged)) if len(flagged)
                    else self.t("profile_unreliable_none"))
        return Section(self.t("profile_map_heading"), text, figures=[(png, title)],
                       tables=[flagged] if len(flagged) else [])
