"""The province brief: one province's figures, map position, re-poverty risk, scenario impacts,
forecast and targets, in two pages. Run once per province from ``notebooks/06_province_brief``.

Everything is read from the run's results cube and tables (nothing is re-estimated), and the
heavy data are read once, so that a brief executes in about a second and the 63 briefs of a
report run stay cheap.
"""

from __future__ import annotations

from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from povmodel import admin
from povmodel.errors import PovmodelError
from povmodel.reports import brief_figures
from povmodel.reports.base import ReportBase
from povmodel.reports.labels import register
from povmodel.reports.report_numbers import number, percent
from povmodel.reports.sections import Section

#: Quality rules of the cube's estimates, the same as for the risk and shock tables
#: (:mod:`povmodel.risk.area`, :mod:`povmodel.shocks.results`; not imported here: they load scipy).
MAX_RELIABLE_CV = 0.3
MIN_SAMPLE_RELIABLE = 30
MIN_SAMPLE_SUPPRESS = 10
#: Measures of the key-figures table (cube variable, label key).
KEY_MEASURES = (("poor_rate", "brief_poor_rate"), ("near_poor_rate", "brief_near_poor_rate"),
                ("mpi_h", "brief_mpi_h"))
TOP_DISTRICTS = 3
#: Dimensions of every cube variable read here.
CUBE_DIMS = ("scenario", "area", "year")
#: Cube variables the brief reads.
CUBE_VARIABLES = tuple(f"{m}{s}" for m, _ in KEY_MEASURES for s in ("", "_se", "_ci_low", "_ci_high", "_n")) + (
    "shock_poor_rate_scenario", "shock_poor_rate_change", "shock_poor_rate_change_ci_low",
    "shock_poor_rate_change_ci_high", "shock_newly_poor_households", "shock_newly_poor_households_ci_low",
    "shock_newly_poor_households_ci_high")
#: Label keys of the units of the target table's expected values.
UNITS = {"pp/year": "brief_unit_pp_year", "end / base households": "brief_unit_ratio"}

LABELS: dict[str, dict[str, str]] = {
    "brief_title": {"en": "{name}: province brief", "vi": "{name}: báo cáo tóm tắt cấp tỉnh"},
    "brief_intro": {
        "en": "{name_with_type} (GSO code {code}), {region} region. Survey estimates, re-poverty risk, "
              "scenario impacts and the 2021-2025 forecast of run {run_id}.",
        "vi": "{name_with_type} (mã TCTK {code}), vùng {region}. Ước tính khảo sát, nguy cơ tái nghèo, tác "
              "động của các kịch bản và dự báo 2021-2025 của lần chạy {run_id}.",
    },
    "brief_figures_heading": {"en": "Key figures", "vi": "Số liệu chính"},
    "brief_poor_rate": {"en": "Poor-household rate", "vi": "Tỷ lệ hộ nghèo"},
    "brief_near_poor_rate": {"en": "Near-poor household rate", "vi": "Tỷ lệ hộ cận nghèo"},
    "brief_mpi_h": {"en": "Multidimensional poverty headcount (MPI H)",
                    "vi": "Tỷ lệ nghèo đa chiều (chỉ số H của MPI)"},
    "brief_col_indicator": {"en": "Indicator", "vi": "Chỉ tiêu"},
    "brief_col_year": {"en": "Year (standard)", "vi": "Năm (chuẩn nghèo)"},
    "brief_col_estimate": {"en": "Estimate", "vi": "Ước tính"},
    "brief_col_ci": {"en": "95% interval", "vi": "Khoảng tin cậy 95%"},
    "brief_col_change": {"en": "Change since 2016 (same standard)", "vi": "Thay đổi so với 2016 (cùng chuẩn)"},
    "brief_col_rank": {"en": "Rank of 63 (1 = highest)", "vi": "Thứ hạng trong 63 tỉnh (1 = cao nhất)"},
    "brief_col_quality": {"en": "Reliability", "vi": "Độ tin cậy"},
    "brief_col_sample": {"en": "Sample households", "vi": "Số hộ mẫu"},
    "brief_quality_ok": {"en": "reliable", "vi": "tin cậy"},
    "brief_quality_unreliable": {"en": "UNRELIABLE", "vi": "KHÔNG ĐỦ TIN CẬY"},
    "brief_quality_suppressed": {"en": "suppressed (too few sample households)",
                                 "vi": "không công bố (quá ít hộ mẫu)"},
    "brief_headline": {
        "en": "Poor-household rate {year} ({standard} standard): **{value}** (95% interval {low} – {high}), "
              "rank **{rank} of {total}** among the provinces (1 = poorest); whole country {national}.",
        "vi": "Tỷ lệ hộ nghèo năm {year} (chuẩn {standard}): **{value}** (khoảng tin cậy 95%: {low} – "
              "{high}), xếp thứ **{rank}/{total}** tỉnh (1 = nghèo nhất); cả nước {national}.",
    },
    "brief_headline_missing": {
        "en": "No poor-household rate can be published for {year}: too few sample households.",
        "vi": "Không công bố tỷ lệ hộ nghèo năm {year}: quá ít hộ mẫu.",
    },
    "brief_headline_unreliable": {
        "en": "The {year} poor-household rate of this province is UNRELIABLE (coefficient of variation above 30% "
              "or few sample households): use it with caution.",
        "vi": "Tỷ lệ hộ nghèo năm {year} của tỉnh này KHÔNG ĐỦ TIN CẬY (hệ số biến thiên trên 30% hoặc ít hộ "
              "mẫu): cần sử dụng thận trọng.",
    },
    "brief_standard_note": {
        "en": "The poverty standard changed in {new_year} ({old} → {new}): figures of {new_year} and later "
              "are not comparable with earlier years, so changes are measured within one standard "
              "({first}→{last}). Reliability: unreliable when the coefficient of variation exceeds 30% "
              "or fewer than {min_n} sample households.",
        "vi": "Chuẩn nghèo thay đổi từ năm {new_year} ({old} → {new}): số liệu từ {new_year} không so sánh "
              "được với các năm trước, vì vậy mức thay đổi được tính trong cùng một chuẩn ({first}→{last}). "
              "Độ tin cậy: không đủ tin cậy khi hệ số biến thiên trên 30% hoặc dưới {min_n} hộ mẫu.",
    },
    "brief_reliability_note": {
        "en": "Reliability: unreliable when the coefficient of variation exceeds 30% or fewer than {min_n} "
              "sample households.",
        "vi": "Độ tin cậy: không đủ tin cậy khi hệ số biến thiên trên 30% hoặc dưới {min_n} hộ mẫu.",
    },
    "brief_pp": {"en": "{value} pp", "vi": "{value} điểm %"},
    "brief_position_heading": {"en": "Position in the country", "vi": "Vị trí trong cả nước"},
    "brief_position_text": {
        "en": "{name} is in the {region} region: {rank} of its {n_region} provinces have a higher poor-household "
              "rate in {year}; the regional median is {median}.",
        "vi": "{name} thuộc vùng {region}: {rank}/{n_region} tỉnh trong vùng có tỷ lệ hộ nghèo năm {year} cao "
              "hơn; trung vị của vùng là {median}.",
    },
    "brief_map_title": {"en": "Poor-household rate {year}\n({name} outlined)",
                        "vi": "Tỷ lệ hộ nghèo năm {year}\n({name}: viền đậm)"},
    "brief_strip_title": {"en": "The 63 provinces by region, {year}", "vi": "63 tỉnh theo vùng, năm {year}"},
    "brief_rate_axis": {"en": "Poor households (%)", "vi": "Hộ nghèo (%)"},
    "brief_national_short": {"en": "whole country", "vi": "cả nước"},
    "brief_risk_heading": {"en": "Re-poverty risk", "vi": "Nguy cơ tái nghèo"},
    "brief_risk_text": {
        "en": "Expected share of the non-poor households of {year} that are poor at the next survey round: "
              "**{value}** (95% interval {low} – {high}), about {households} households; rank **{rank} of "
              "{total}** provinces (1 = highest risk). Reliability: {quality}.",
        "vi": "Tỷ lệ dự kiến hộ không nghèo năm {year} rơi vào nghèo ở vòng khảo sát tiếp theo: **{value}** "
              "(khoảng tin cậy 95%: {low} – {high}), khoảng {households} hộ; xếp thứ **{rank}/{total}** tỉnh "
              "(1 = nguy cơ cao nhất). Độ tin cậy: {quality}.",
    },
    "brief_risk_suppressed": {
        "en": "Re-poverty risk of {year}: not published (too few sample households).",
        "vi": "Nguy cơ tái nghèo năm {year}: không công bố (quá ít hộ mẫu).",
    },
    "brief_risk_districts": {
        "en": "Districts with the highest expected share (suppressed districts left out):",
        "vi": "Các huyện có tỷ lệ dự kiến cao nhất (không gồm huyện không công bố):",
    },
    "brief_risk_no_districts": {"en": "No district estimate can be published.",
                                "vi": "Không có ước tính cấp huyện nào được công bố."},
    "brief_col_district": {"en": "District", "vi": "Huyện"},
    "brief_col_share": {"en": "Expected share", "vi": "Tỷ lệ dự kiến"},
    "brief_col_households_risk": {"en": "Households at risk", "vi": "Số hộ có nguy cơ"},
    "brief_scenarios_heading": {"en": "Scenario impacts", "vi": "Tác động của các kịch bản"},
    "brief_scenarios_text": {
        "en": "Microsimulated change in the poor-household rate and newly poor households in the scenario's "
              "year, against the same year without the shock or reform (negative: fewer poor).",
        "vi": "Mức thay đổi tỷ lệ hộ nghèo và số hộ mới rơi vào nghèo theo vi mô phỏng trong năm của kịch "
              "bản, so với cùng năm khi không có cú sốc hoặc cải cách (số âm: giảm nghèo).",
    },
    "brief_scenarios_none": {"en": "This run simulates no scenario.", "vi": "Lần chạy này không mô phỏng kịch bản nào."},
    "brief_scenarios_missing": {
        "en": "–: no figure published (suppressed or not estimated for this province).",
        "vi": "–: không có số liệu công bố (không công bố hoặc không ước tính cho tỉnh này).",
    },
    "brief_col_scenario": {"en": "Scenario", "vi": "Kịch bản"},
    "brief_col_change_pp": {"en": "Poor rate change (pp)", "vi": "Thay đổi tỷ lệ nghèo (điểm %)"},
    "brief_col_newly_poor": {"en": "Newly poor households", "vi": "Số hộ mới nghèo"},
    "brief_col_rate_after": {"en": "Poor rate with scenario", "vi": "Tỷ lệ nghèo theo kịch bản"},
    "brief_forecast_heading": {"en": "Forecast 2021-2025 and targets", "vi": "Dự báo 2021-2025 và mục tiêu"},
    "brief_forecast_title": {"en": "{name}: poor-household rate, {standard} standard, by scenario",
                             "vi": "{name}: tỷ lệ hộ nghèo, chuẩn {standard}, theo kịch bản"},
    "brief_year": {"en": "Year", "vi": "Năm"},
    "brief_observed_same": {"en": "survey estimate, {standard} standard", "vi": "ước tính khảo sát, chuẩn {standard}"},
    "brief_observed_other": {"en": "survey estimate, {standard} standard (not comparable)",
                             "vi": "ước tính khảo sát, chuẩn {standard} (không so sánh được)"},
    "brief_forecast_text": {
        "en": "Lines: forecast means; shaded: 95% bands. Scenarios with identical paths share a line. "
              "Probability of being among the {k} poorest provinces in {year}: **{p_top}** "
              "(expected rank {rank}, range {rank_lo}–{rank_hi}).",
        "vi": "Đường: giá trị dự báo trung bình; vùng tô: khoảng 95%. Các kịch bản có cùng đường dự báo dùng "
              "chung một đường. Xác suất thuộc {k} tỉnh nghèo nhất năm {year}: **{p_top}** (thứ hạng kỳ vọng "
              "{rank}, khoảng {rank_lo}–{rank_hi}).",
    },
    "brief_col_forecast": {"en": "Forecast {year} (95% band)", "vi": "Dự báo {year} (khoảng 95%)"},
    "brief_col_p_top": {"en": "P(among {k} poorest)", "vi": "Xác suất thuộc {k} tỉnh nghèo nhất"},
    "brief_col_target": {"en": "Target", "vi": "Mục tiêu"},
    "brief_col_probability": {"en": "Probability of meeting it", "vi": "Xác suất đạt"},
    "brief_col_expected": {"en": "Expected", "vi": "Giá trị kỳ vọng"},
    "brief_col_light": {"en": "Signal", "vi": "Tín hiệu"},
    "brief_light_green": {"en": "green (likely)", "vi": "xanh (nhiều khả năng đạt)"},
    "brief_light_amber": {"en": "amber (uncertain)", "vi": "vàng (chưa chắc chắn)"},
    "brief_light_red": {"en": "red (unlikely)", "vi": "đỏ (khó đạt)"},
    "brief_target_poverty_rate_fall_min": {
        "en": "Poor rate falls at least {threshold} pp a year ({base}-{end})",
        "vi": "Tỷ lệ nghèo giảm ít nhất {threshold} điểm %/năm ({base}-{end})",
    },
    "brief_target_poverty_rate_fall_max": {
        "en": "Poor rate falls at least {threshold} pp a year ({base}-{end}, upper target)",
        "vi": "Tỷ lệ nghèo giảm ít nhất {threshold} điểm %/năm ({base}-{end}, mục tiêu cao)",
    },
    "brief_target_poor_near_poor_halving": {
        "en": "Poor and near-poor households cut by at least half ({base}-{end})",
        "vi": "Số hộ nghèo và cận nghèo giảm ít nhất một nửa ({base}-{end})",
    },
    "brief_target_ethnic_minority_fall": {
        "en": "Poor rate of ethnic-minority areas falls at least {threshold} pp a year ({base}-{end})",
        "vi": "Tỷ lệ nghèo vùng đồng bào dân tộc thiểu số giảm ít nhất {threshold} điểm %/năm ({base}-{end})",
    },
    "brief_unit_pp_year": {"en": "pp/year", "vi": "điểm %/năm"},
    "brief_unit_ratio": {"en": "× base-year households", "vi": "× số hộ năm gốc"},
    "brief_targets_none": {"en": "No target applies to this province.",
                           "vi": "Không có mục tiêu nào áp dụng cho tỉnh này."},
    "brief_all_scenarios": {"en": "all scenarios", "vi": "mọi kịch bản"},
    "brief_provenance": {
        "en": "Provenance: run {run_id}, config {config}, povmodel {version}, seed {seed}, commit {commit}, "
              "results cube SHA-256 {cube}.",
        "vi": "Nguồn gốc: lần chạy {run_id}, cấu hình {config}, povmodel {version}, hạt giống {seed}, commit "
              "{commit}, SHA-256 khối kết quả {cube}.",
    },
    "kf_brief_poor_rate": {"en": "Poor-household rate", "vi": "Tỷ lệ hộ nghèo"},
    "kf_brief_forecast": {"en": "Forecast 2025", "vi": "Dự báo 2025"},
    "kf_brief_risk": {"en": "Re-poverty risk", "vi": "Nguy cơ tái nghèo"},
}
register(LABELS)


def read_cube_cells(path, variables=CUBE_VARIABLES) -> tuple[pd.DataFrame, pd.Series]:
    """The cube's ``variables`` (those present) as one frame indexed by scenario, area and year,
    and the poverty standard of each year.

    Reads the NetCDF file with h5netcdf alone (or a Zarr cube with zarr alone): opening it with
    xarray decodes all of its variables and imports dask, about a second of a brief's budget;
    the values are the same as in :attr:`RunOutputs.cube <povmodel.run_outputs.RunOutputs.cube>`
    (a test checks it for both formats).
    """
    with _stored_cube(path) as (names, dims, values):
        scenarios, areas = _text(values("scenario")), _text(values("area"))
        years = [int(y) for y in values("year")]
        standards = pd.Series(_text(values("standard")), index=pd.Index(years, name="year"), name="standard")
        data = {}
        for name in variables:
            if name not in names:
                continue
            if dims(name) != CUBE_DIMS:
                raise PovmodelError(f"cube variable {name!r} has dimensions {dims(name)}, expected {CUBE_DIMS}: {path}")
            data[name] = np.asarray(values(name), dtype=float).ravel()
    index = pd.MultiIndex.from_product([scenarios, areas, years], names=list(CUBE_DIMS))
    return pd.DataFrame(data, index=index), standards


def _text(values) -> list[str]:
    return [v.decode() if isinstance(v, bytes) else str(v) for v in values]


@contextmanager
def _stored_cube(path):
    """``(names, dims(name), values(name))`` of the arrays stored in a NetCDF or Zarr cube."""
    if Path(path).is_dir():  # Zarr format 2: each array's dimension names are in its attributes
        import zarr

        group = zarr.open_group(str(path), mode="r")
        yield (set(group.array_keys()), lambda name: tuple(group[name].attrs["_ARRAY_DIMENSIONS"]),
               lambda name: group[name][...])
        return
    import h5netcdf

    with h5netcdf.File(path, "r") as nc:
        stored = nc.variables
        yield set(stored), lambda name: tuple(stored[name].dimensions), lambda name: stored[name][...]


@dataclass
class ProvinceBrief(ReportBase):
    """One province's brief; each method returns one report section.

    Attributes
    ----------
    province
        Two-digit GSO province code (``"01"`` Hà Nội ... ``"96"`` Cà Mau).
    """

    province: str = ""
    _info: pd.Series = field(init=False, repr=False)
    _provinces: pd.DataFrame = field(init=False, repr=False)
    _cells: pd.DataFrame = field(init=False, repr=False)  # cube variables by scenario, area, year
    _standards: pd.Series = field(init=False, repr=False)  # poverty standard by year
    _observed: pd.DataFrame = field(init=False, repr=False)  # survey estimates by area, year

    def __post_init__(self) -> None:
        if isinstance(self.province, int):  # papermill's -p turns "62" into 62
            self.province = f"{self.province:02d}"
        table = admin.provinces().set_index("code")
        if self.province not in table.index:
            raise PovmodelError(f"unknown GSO province code {self.province!r}: use one of the 63 two-digit "
                                f"codes, e.g. '01' for Hà Nội")
        self._info = table.loc[self.province]
        self._provinces = table
        self._cells, self._standards = read_cube_cells(self.outputs.record["cube"])
        observed = self._cells["poor_rate"].notna().groupby(level="scenario", sort=False).any()
        if not observed.any():
            raise PovmodelError(f"run {self.outputs.run_id!r}: the results cube holds no survey estimate")
        self._observed = self._cells.xs(observed.idxmax(), level="scenario")

    # -- formatting -------------------------------------------------------------------------------
    def _num(self, value: float, digits: int = 1) -> str:
        return number(value, self.language, digits)

    def _pct(self, share: float | None, digits: int = 1) -> str:
        return percent(share, self.language, digits)

    def _pp(self, share: float, digits: int = 2) -> str:
        """A difference of shares in percentage points, signed."""
        if pd.isna(share):
            return "–"
        sign = "+" if share > 0 else ("−" if share < 0 else "")
        return self.t("brief_pp", value=sign + self._num(abs(100 * share), digits))

    def _count(self, value: float) -> str:
        return "–" if pd.isna(value) else self._num(round(value, -1), 0)

    @property
    def name(self) -> str:
        """Province name with diacritics."""
        return str(self._info["name"])

    def _region(self) -> str:
        return str(self._info["region_name_vi" if self.language == "vi" else "region_name_en"])

    # -- data -------------------------------------------------------------------------------------
    def _latest_year(self, measure: str = "poor_rate") -> int:
        return int(self._observed.loc[self.province, measure].dropna().index.max())

    def _standard(self, year: int) -> str:
        return str(self._standards[year])

    def _national(self, measure: str, year: int) -> float:
        return float(self._observed.loc[("NATIONAL", year), measure])

    def _estimate(self, measure: str, year: int) -> dict:
        cell = self._observed.loc[(self.province, year)]
        value, se, n = (float(cell[measure]), float(cell[f"{measure}_se"]), float(cell[f"{measure}_n"]))
        if np.isnan(value) or n < MIN_SAMPLE_SUPPRESS:
            quality = "suppressed"
        elif n < MIN_SAMPLE_RELIABLE or not (se / value <= MAX_RELIABLE_CV if value > 0 else False):
            quality = "unreliable"
        else:
            quality = "ok"
        hide = quality == "suppressed"
        return {"value": np.nan if hide else value, "low": np.nan if hide else float(cell[f"{measure}_ci_low"]),
                "high": np.nan if hide else float(cell[f"{measure}_ci_high"]), "n": n, "quality": quality}

    def _province_values(self, measure: str, year: int) -> pd.Series:
        """The 63 provinces' estimates of ``measure`` in ``year`` (fractions), by GSO code."""
        return self._observed.xs(year, level="year")[measure].reindex(self._provinces.index)

    def _rank(self, measure: str, year: int) -> tuple[int | None, int]:
        """Rank of the province (1 = highest value) among the provinces with an estimate."""
        values = self._province_values(measure, year).dropna()
        if self.province not in values.index:
            return None, len(values)
        return int((values > values[self.province]).sum()) + 1, len(values)

    # -- sections ---------------------------------------------------------------------------------
    def title(self) -> Section:
        """Province name with its type, code and region."""
        intro = self.t("brief_intro", name_with_type=self._info["name_with_type"], code=self.province,
                       region=self._region(), run_id=self.outputs.run_id)
        return Section(self.t("brief_title", name=self.name), [intro], level=1)

    def key_figures_table(self) -> Section:
        """Poor, near-poor and MPI headcount rates of the latest survey year with intervals,
        change since 2016 within one standard, rank among the 63 provinces and reliability."""
        years = self._standards.index.tolist()
        first = years[0]
        rows = []
        for measure, key in KEY_MEASURES:
            year = self._latest_year(measure)
            est = self._estimate(measure, year)
            same = [y for y in years if y <= year and self._standard(y) == self._standard(first)]
            last = max(same)
            start, end = self._estimate(measure, first), self._estimate(measure, last)
            rank, total = self._rank(measure, year)
            rows.append({
                self.t("brief_col_indicator"): self.t(key),
                self.t("brief_col_year"): f"{year} ({self._standard(year)})",
                self.t("brief_col_estimate"): self._pct(est["value"]),
                self.t("brief_col_ci"): (f"{self._pct(est['low'])} – {self._pct(est['high'])}"
                                         if not np.isnan(est["value"]) else "–"),
                self.t("brief_col_change"): f"{self._pp(end['value'] - start['value'])} ({first}→{last})",
                self.t("brief_col_rank"): "–" if rank is None or est["quality"] == "suppressed" else f"{rank}/{total}",
                self.t("brief_col_sample"): self._count(est["n"]) if est["n"] >= MIN_SAMPLE_SUPPRESS else "–",
                self.t("brief_col_quality"): self.t(f"brief_quality_{est['quality']}"),
            })
        table = pd.DataFrame(rows)
        self.save_table(table, f"province_{self.province}_key_figures")
        year = self._latest_year()
        est = self._estimate("poor_rate", year)
        if est["quality"] == "suppressed":
            lines = [self.t("brief_headline_missing", year=year)]
        else:
            rank, total = self._rank("poor_rate", year)
            national = self._national("poor_rate", year)
            lines = [self.t("brief_headline", year=year, standard=self._standard(year), value=self._pct(est["value"]),
                            low=self._pct(est["low"]), high=self._pct(est["high"]), rank=rank, total=total,
                            national=self._pct(national))]
            if est["quality"] == "unreliable":
                lines.append(f"**{self.t('brief_headline_unreliable', year=year)}**")
        self.key_figure("kf_brief_poor_rate", f"{self._pct(est['value'])} ({year})")
        changes = [y for y in years if self._standard(y) != self._standard(first)]
        if changes and changes[0] <= year:
            last = max(y for y in years if y < changes[0])
            lines.append(self.t("brief_standard_note", new_year=changes[0], old=self._standard(first),
                                new=self._standard(changes[0]), first=first, last=last, min_n=MIN_SAMPLE_RELIABLE))
        else:
            lines.append(self.t("brief_reliability_note", min_n=MIN_SAMPLE_RELIABLE))
        return Section(self.t("brief_figures_heading"), lines, tables=[table])

    def map_position(self, provinces=None) -> Section:
        """Locator map shaded by poor rate with the province outlined, and the 63 province rates
        by region with the province highlighted. ``provinces``: boundaries (default: loaded)."""
        from povmodel.datasets import load_boundaries
        from povmodel.reports.figures import figure_png

        year = self._latest_year()
        values = self._province_values("poor_rate", year)
        if provinces is None:
            provinces = load_boundaries("province")
        regions = admin.regions()
        region_col = "region_name_vi" if self.language == "vi" else "region_name_en"
        national = self._national("poor_rate", year)
        fig = brief_figures.position(
            provinces, values * 100, self.province, regions=self._provinces["region_code"],
            region_order=regions["region_code"].tolist(), region_labels=regions[region_col].str.wrap(22).tolist(),
            national=100 * national, title_map=self.t("brief_map_title", year=year, name=self.name),
            title_strip=self.t("brief_strip_title", year=year), axis_label=self.t("brief_rate_axis"),
            national_label=self.t("brief_national_short"), name=self.name)
        png = figure_png(fig)
        self.save_figure(png, f"province_{self.province}_position")
        same_region = values[self._provinces["region_code"] == self._info["region_code"]].dropna()
        lines = []
        if self.province in same_region.index:
            lines.append(self.t("brief_position_text", name=self.name, region=self._region(),
                                rank=int((same_region > same_region[self.province]).sum()),
                                n_region=len(same_region), year=year, median=self._pct(same_region.median())))
        return Section(self.t("brief_position_heading"), lines,
                       figures=[(png, self.t("brief_map_title", year=year, name=self.name).replace("\n", " "))])

    def risk(self) -> Section:
        """Expected share of non-poor households poor at the next round, its interval, rank and
        reliability, and the province's highest-risk districts."""
        table = self.outputs.table("risk_province")
        row = table[table["province"] == self.province].iloc[0]
        year = int(row["scored_year"])
        if row["quality"] == "suppressed" or pd.isna(row["expected_share"]):
            return Section(self.t("brief_risk_heading"), [self.t("brief_risk_suppressed", year=year)])
        shown = table[table["quality"] != "suppressed"]["expected_share"].dropna()
        rank = int((shown > row["expected_share"]).sum()) + 1
        lines = [self.t("brief_risk_text", year=year, value=self._pct(row["expected_share"], 2),
                        low=self._pct(row["share_low"], 2), high=self._pct(row["share_high"], 2),
                        households=self._count(row["households_at_risk"]), rank=rank, total=len(shown),
                        quality=self.t(f"brief_quality_{row['quality']}"))]
        self.key_figure("kf_brief_risk", self._pct(row["expected_share"], 2))
        districts = self.outputs.table("risk_district")
        districts = districts[(districts["province"] == self.province) & (districts["quality"] != "suppressed")
                              & districts["expected_share"].notna()]
        top = districts.sort_values("expected_share", ascending=False).head(TOP_DISTRICTS)
        if top.empty:
            lines.append(self.t("brief_risk_no_districts"))
            return Section(self.t("brief_risk_heading"), lines)
        lines.append(self.t("brief_risk_districts"))
        out = pd.DataFrame({
            self.t("brief_col_district"): top["name"].to_numpy(),
            self.t("brief_col_share"): [self._pct(v, 2) for v in top["expected_share"]],
            self.t("brief_col_ci"): [f"{self._pct(lo, 2)} – {self._pct(hi, 2)}"
                                     for lo, hi in zip(top["share_low"], top["share_high"], strict=True)],
            self.t("brief_col_households_risk"): [self._count(v) for v in top["households_at_risk"]],
            self.t("brief_col_quality"): [self.t(f"brief_quality_{q}") for q in top["quality"]],
        })
        self.save_table(out, f"province_{self.province}_risk_districts")
        return Section(self.t("brief_risk_heading"), lines, tables=[out])

    def scenario_impacts(self) -> Section:
        """Per simulated scenario: the province's poor-rate change and newly poor households
        with their intervals in the scenario's year (cube ``shock_*``); missing shown as ``–``."""
        cells = self._cells
        if "shock_poor_rate_change" not in cells or cells["shock_poor_rate_change"].isna().all():
            return Section(self.t("brief_scenarios_heading"), [self.t("brief_scenarios_none")])
        simulated = cells["shock_poor_rate_change"].dropna().reset_index()
        years = simulated.groupby("scenario", sort=False)["year"].first()
        sim = self.outputs.table("simulation")
        quality = sim[(sim["grouping"] == "province") & (sim["group"] == self.province)
                      & (sim["metric"] == "poor_rate_change")].set_index("scenario")["quality"]
        rows, missing = [], False
        for scenario, year in years.items():
            get = cells.loc[(scenario, self.province, year)].to_dict()
            flag = quality.get(scenario, "suppressed")
            if flag == "suppressed":
                get = dict.fromkeys(get, np.nan)
            missing |= bool(np.isnan([get["shock_poor_rate_change"], get["shock_newly_poor_households"]]).any())
            rows.append({
                self.t("brief_col_scenario"): f"{scenario} ({year})",
                self.t("brief_col_rate_after"): self._pct(get["shock_poor_rate_scenario"], 2),
                self.t("brief_col_change_pp"): self._interval_pp(get["shock_poor_rate_change"],
                                                                 get["shock_poor_rate_change_ci_low"],
                                                                 get["shock_poor_rate_change_ci_high"]),
                self.t("brief_col_newly_poor"): self._interval_count(get["shock_newly_poor_households"],
                                                                     get["shock_newly_poor_households_ci_low"],
                                                                     get["shock_newly_poor_households_ci_high"]),
                self.t("brief_col_quality"): self.t(f"brief_quality_{flag}"),
            })
        table = pd.DataFrame(rows)
        self.save_table(table, f"province_{self.province}_scenarios")
        lines = [self.t("brief_scenarios_text")]
        if missing:
            lines.append(self.t("brief_scenarios_missing"))
        return Section(self.t("brief_scenarios_heading"), lines, tables=[table])

    def _interval_pp(self, value: float, low: float, high: float) -> str:
        if pd.isna(value):
            return "–"
        return f"{self._pp(value)} [{self._pp(low)}; {self._pp(high)}]"

    def _interval_count(self, value: float, low: float, high: float) -> str:
        if pd.isna(value):
            return "–"
        return f"{self._count(value)} [{self._count(low)} – {self._count(high)}]"

    def forecast(self) -> Section:
        """Forecast paths 2021-2025 with 95% bands by scenario and the observed estimates; 2025
        forecasts and the probability of being among the k poorest provinces; targets."""
        from povmodel.reports.figures import figure_png

        paths = self.outputs.table("forecast_paths")
        mine = paths[(paths["area"] == self.province) & (paths["area_level"] == "province")
                     & (paths["indicator"] == "poor_rate")].sort_values(["scenario", "year"])
        standard = str(mine["standard"].iloc[0])
        end = int(mine["year"].max())
        groups: dict[tuple, list[str]] = {}
        for scenario, path in mine.groupby("scenario", sort=False):
            groups.setdefault(tuple(path["mean"].round(6)), []).append(scenario)
        drawn = [(", ".join(names), mine[mine["scenario"] == names[0]]) for names in groups.values()]
        observed = []
        history = self._observed.loc[self.province, ["poor_rate", "poor_rate_ci_low", "poor_rate_ci_high"]]
        history = 100 * history.dropna(subset=["poor_rate"]).set_axis(["value", "low", "high"], axis=1)
        history = history.reset_index().assign(standard=lambda d: d["year"].map(self._standards))
        for std, part in history.groupby("standard", sort=True):
            key = "brief_observed_same" if std == standard else "brief_observed_other"
            observed.append((self.t(key, standard=std), part, "filled" if std == standard else "hollow"))
        fig = brief_figures.forecast(drawn, observed, title=self.t("brief_forecast_title", name=self.name,
                                                                   standard=standard),
                                     axis_label=self.t("brief_rate_axis"), year_label=self.t("brief_year"))
        png = figure_png(fig)
        self.save_figure(png, f"province_{self.province}_forecast")

        ranks = self.outputs.table("forecast_ranks")
        ranks = ranks[ranks["area"] == self.province].set_index("scenario")
        final = mine[mine["year"] == end].set_index("scenario")
        k = int(ranks["k"].iloc[0])
        rank_year = int(ranks["year"].iloc[0])
        final = final.assign(
            band=[f"{self._pct(m / 100)} ({self._pct(lo / 100)} – {self._pct(hi / 100)})"
                  for m, lo, hi in zip(final["mean"], final["low"], final["high"], strict=True)],
            p_top=[self._pct(p, 0) for p in ranks["p_top_k"].reindex(final.index)])
        merged = final.reset_index().groupby(["band", "p_top"], sort=False)["scenario"].agg(list).reset_index()
        table = pd.DataFrame({
            self.t("brief_col_scenario"): [self._scenarios(s, len(final)) for s in merged["scenario"]],
            self.t("brief_col_forecast", year=end): merged["band"].to_numpy(),
            self.t("brief_col_p_top", k=k): merged["p_top"].to_numpy(),
        })
        self.save_table(table, f"province_{self.province}_forecast")
        reference = final.index[0]
        self.key_figure("kf_brief_forecast", f"{self._pct(final.loc[reference, 'mean'] / 100)} ({end})")
        first = ranks.loc[reference]
        lines = [self.t("brief_forecast_text", k=k, year=rank_year, p_top=self._pct(first["p_top_k"], 0),
                        rank=self._num(first["mean_rank"], 1), rank_lo=int(first["rank_lo"]),
                        rank_hi=int(first["rank_hi"]))]
        return Section(self.t("brief_forecast_heading"), lines, figures=[(png, self.t(
            "brief_forecast_title", name=self.name, standard=standard))], tables=[table, self._targets()])

    def _targets(self) -> pd.DataFrame:
        """Target attainment rows of the province, scenarios with the same result merged."""
        targets = self.outputs.table("forecast_targets")
        mine = targets[(targets["area"] == self.province) & (targets["area_level"] == "province")]
        if mine.empty:
            return pd.DataFrame({self.t("brief_col_target"): [self.t("brief_targets_none")]})
        n_scenarios = mine["scenario"].nunique()
        keys = ["target", "threshold", "base_year", "end_year", "probability", "light", "expected", "expected_unit"]
        mine = mine.assign(probability=mine["probability"].round(2), expected=mine["expected"].round(2))
        merged = mine.groupby(keys, sort=False, dropna=False)["scenario"].agg(list).reset_index()
        return pd.DataFrame({
            self.t("brief_col_target"): [self.t(f"brief_target_{r.target}", threshold=self._num(r.threshold, 1),
                                                base=r.base_year, end=r.end_year) for r in merged.itertuples()],
            self.t("brief_col_scenario"): [self._scenarios(s, n_scenarios) for s in merged["scenario"]],
            self.t("brief_col_probability"): [self._pct(p, 0) for p in merged["probability"]],
            self.t("brief_col_light"): [self.t(f"brief_light_{x}") for x in merged["light"]],
            self.t("brief_col_expected"): [f"{self._num(e, 2)} {self.t(UNITS[u]) if u in UNITS else u}" for e, u in
                                           zip(merged["expected"], merged["expected_unit"], strict=True)],
        })

    def _scenarios(self, names: list[str], total: int) -> str:
        """Scenario names joined, or "all scenarios"."""
        return self.t("brief_all_scenarios") if len(names) == total > 1 else ", ".join(names)

    def provenance_line(self) -> Section:
        """One line: run, config hash, version, seed, commit and results-cube checksum."""
        record = self.outputs.record
        text = self.t("brief_provenance", run_id=self.outputs.run_id, config=str(record.get("config_hash", ""))[:12],
                      version=record.get("povmodel_version", "–"), seed=record.get("seed", "–"),
                      commit=str(record.get("git_commit", "–"))[:12], cube=str(record.get("cube_sha256", ""))[:12])
        return Section(paragraphs=[text])
