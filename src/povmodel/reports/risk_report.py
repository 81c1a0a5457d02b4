"""The re-poverty risk report: what the risk models are, how well they do on households they
never saw, maps of the expected share of households falling (back) into poverty by the next
survey round, and priority lists of provinces and districts. Called cell by cell from
``notebooks/03_risk``.

Everything here reads the run's tables ``risk_metrics``, ``risk_province`` and
``risk_district`` (:func:`povmodel.run_outputs.risk_area_tables`); nothing is refitted.
"""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd
from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from matplotlib.patches import Patch

from povmodel import admin, datasets
from povmodel.reports import figures
from povmodel.reports.base import ReportBase
from povmodel.reports.labels import register
from povmodel.reports.report_numbers import number, percent
from povmodel.reports.sections import Section
from povmodel.targeting import export_table

MODELS = ("logistic", "hgb", "vep")

LABELS = {
    "risk_title": {"en": "Re-poverty risk: who may fall (back) into poverty by the next survey round",
                   "vi": "Nguy cơ tái nghèo: hộ nào có thể rơi (lại) vào nghèo ở kỳ khảo sát tới"},
    "risk_intro": {
        "en": "Re-poverty (tái nghèo) means a household that is not poor today, often one that has just "
              "escaped poverty, is poor again at the next survey round. This report estimates, for every "
              "household of the latest round ({year}) that is not poor, the probability of being poor at the "
              "next round, and adds these probabilities up by province and district. The numbers are "
              "expected shares and counts of households, with 95% intervals; they point to where support "
              "that keeps households out of poverty is most needed.",
        "vi": "Tái nghèo là trường hợp một hộ hiện không nghèo, thường là hộ vừa thoát nghèo, lại rơi vào "
              "nghèo ở kỳ khảo sát tiếp theo. Báo cáo này ước tính, cho từng hộ không nghèo trong kỳ khảo sát "
              "gần nhất ({year}), xác suất trở thành hộ nghèo ở kỳ tiếp theo, rồi cộng các xác suất đó theo "
              "tỉnh và huyện. Các con số là tỷ lệ và số hộ kỳ vọng, kèm khoảng tin cậy 95%; chúng chỉ ra nơi "
              "cần ưu tiên hỗ trợ để hộ không quay lại nghèo.",
    },
    "risk_models_heading": {"en": "The models in plain words", "vi": "Các mô hình, giải thích ngắn gọn"},
    "risk_model_logistic": {
        "en": "**Logistic regression**: a weighted sum of household traits (size, urban or rural, "
              "ethnicity, the head's age, sex and schooling, sector and informal work, income and its "
              "distance to the poverty line, remittances, deprivations, near-poor status) and province traits "
              "(poverty rate, income growth, poverty of neighbouring provinces) turned into a probability. "
              "Simple and transparent.",
        "vi": "**Hồi quy logistic**: tổng có trọng số của các đặc điểm hộ (quy mô, thành thị hay nông thôn, "
              "dân tộc, tuổi, giới tính và số năm đi học của chủ hộ, ngành nghề và việc làm phi chính thức, thu "
              "nhập và khoảng cách đến chuẩn nghèo, kiều hối, số chiều thiếu hụt, tình trạng cận nghèo) và đặc "
              "điểm tỉnh (tỷ lệ nghèo, tăng trưởng thu nhập, mức nghèo của các tỉnh lân cận), quy đổi thành "
              "xác suất. Đơn giản, dễ giải thích.",
    },
    "risk_model_hgb": {
        "en": "**Gradient boosting**: many small decision trees, each correcting the previous ones; it "
              "captures combinations of traits (e.g. a small farm in a mountainous province). The maps and "
              "lists below use this model, fitted on every pair of consecutive rounds ({pairs} household "
              "pairs).",
        "vi": "**Gradient boosting (tăng cường cây quyết định)**: nhiều cây quyết định nhỏ, cây sau sửa lỗi "
              "cây trước; mô hình nắm bắt được các tổ hợp đặc điểm (ví dụ hộ ít đất ở tỉnh miền núi). Bản đồ "
              "và danh sách dưới đây dùng mô hình này, ước lượng trên mọi cặp hai kỳ khảo sát liên tiếp "
              "({pairs} cặp hộ).",
    },
    "risk_model_vep": {
        "en": "**Vulnerability as expected poverty (VEP)**: the classic approach of Chaudhuri, Jalan and "
              "Suryahadi (2002). From one survey round it estimates each household's expected income and how "
              "much it varies, then the probability that income falls below next round's poverty line.",
        "vi": "**Mức độ dễ tổn thương theo nghèo kỳ vọng (VEP)**: phương pháp kinh điển của Chaudhuri, Jalan "
              "và Suryahadi (2002). Từ một kỳ khảo sát, phương pháp ước tính thu nhập kỳ vọng của mỗi hộ và "
              "mức dao động của nó, rồi tính xác suất thu nhập xuống dưới chuẩn nghèo của kỳ sau.",
    },
    "risk_validation_heading": {"en": "How well the models predict (validation)",
                                "vi": "Mô hình dự báo tốt đến đâu (kiểm định)"},
    "risk_validation_intro": {
        "en": "Every model is scored on households it never saw: out of province (no province is in both the "
              "training and the test households), among households that had just escaped poverty (re-poverty "
              "proper), and out of time (trained on earlier rounds, tested on a later one). AUC: the chance "
              "that a household that did become poor is ranked above one that did not (0.5 = coin toss, "
              "1 = perfect). Brier: mean squared error of the probabilities (lower is better). ECE: average "
              "gap between predicted and observed rates (calibration; lower is better). Error vs true "
              "probability: possible only because the synthetic data carry each household's true "
              "probability.",
        "vi": "Mỗi mô hình được chấm điểm trên các hộ mà nó chưa từng thấy: ngoài tỉnh (không tỉnh nào vừa có "
              "hộ dùng để ước lượng vừa có hộ dùng để kiểm tra), trong nhóm hộ vừa thoát nghèo (tái nghèo theo "
              "đúng nghĩa), và ngoài thời gian (ước lượng trên các kỳ trước, kiểm tra trên kỳ sau). AUC: xác "
              "suất một hộ thực sự rơi vào nghèo được xếp hạng cao hơn một hộ không rơi vào nghèo (0,5 = ngẫu "
              "nhiên, 1 = hoàn hảo). Brier: sai số bình phương trung bình của xác suất (càng thấp càng tốt). "
              "ECE: chênh lệch trung bình giữa tỷ lệ dự báo và tỷ lệ thực tế (độ hiệu chỉnh; càng thấp càng "
              "tốt). Sai số so với xác suất thật: chỉ tính được vì dữ liệu tổng hợp có sẵn xác suất thật của "
              "từng hộ.",
    },
    "risk_reading_best": {
        "en": "Out of province, {best} ranks households best (AUC {auc}); its probabilities are off the true "
              "ones by {mae} percentage points on average.",
        "vi": "Ngoài tỉnh, mô hình {best} xếp hạng hộ tốt nhất (AUC {auc}); xác suất dự báo lệch so với xác "
              "suất thật trung bình {mae} điểm phần trăm.",
    },
    "risk_reading_vep": {
        "en": "VEP ranks households less well (AUC {auc}) and is poorly calibrated on a cross-section: its "
              "calibration error is {ece} against {ece_best} for the best classifier, and its probabilities "
              "are off by {mae} points. A single round shows how incomes differ between households, not how "
              "each household's income moves, so VEP's volatility is a guess; use it to rank, not to count.",
        "vi": "VEP xếp hạng kém hơn (AUC {auc}) và hiệu chỉnh kém khi chỉ dùng số liệu một kỳ: sai số hiệu "
              "chỉnh là {ece} so với {ece_best} của mô hình phân loại tốt nhất, xác suất lệch {mae} điểm. Một "
              "kỳ khảo sát chỉ cho thấy thu nhập khác nhau giữa các hộ, không cho thấy thu nhập của từng hộ "
              "biến động ra sao, nên độ dao động trong VEP chỉ là giả định; nên dùng VEP để xếp hạng, không "
              "dùng để đếm số hộ.",
    },
    "risk_reading_escaped": {
        "en": "Among the {n} households that had just escaped poverty, prediction is harder for every model "
              "(AUC {low} to {high}): who falls back depends on shocks no survey sees in advance.",
        "vi": "Trong {n} hộ vừa thoát nghèo, mọi mô hình đều dự báo khó hơn (AUC từ {low} đến {high}): hộ "
              "nào quay lại nghèo phụ thuộc vào những cú sốc mà khảo sát không thấy trước được.",
    },
    "risk_reading_time": {
        "en": "Out of time ({year} pairs), the classifiers keep their accuracy (AUC {low} to {high}): the "
              "relationships learned on earlier rounds still hold.",
        "vi": "Ngoài thời gian (các cặp hộ năm {year}), các mô hình phân loại vẫn giữ độ chính xác (AUC từ "
              "{low} đến {high}): các quan hệ học được từ các kỳ trước vẫn đúng.",
    },
    "risk_split_out_of_province": {"en": "Out of province", "vi": "Ngoài tỉnh"},
    "risk_split_out_of_province_escaped": {"en": "Out of province, households that had escaped poverty",
                                           "vi": "Ngoài tỉnh, hộ vừa thoát nghèo"},
    "risk_split_out_of_time": {"en": "Out of time (test pairs {year})", "vi": "Ngoài thời gian (cặp hộ năm {year})"},
    "risk_name_logistic": {"en": "Logistic regression", "vi": "Hồi quy logistic"},
    "risk_name_hgb": {"en": "Gradient boosting", "vi": "Gradient boosting"},
    "risk_name_vep": {"en": "VEP (vulnerability)", "vi": "VEP (mức độ dễ tổn thương)"},
    "risk_col_split": {"en": "Test", "vi": "Phép kiểm tra"},
    "risk_col_model": {"en": "Model", "vi": "Mô hình"},
    "risk_col_n_test": {"en": "Test households", "vi": "Số hộ kiểm tra"},
    "risk_col_auc": {"en": "AUC", "vi": "AUC"},
    "risk_col_brier": {"en": "Brier", "vi": "Brier"},
    "risk_col_ece": {"en": "ECE", "vi": "ECE"},
    "risk_col_mae": {"en": "Error vs true probability (pp)", "vi": "Sai số so với xác suất thật (điểm %)"},
    "risk_map_heading": {"en": "Where the risk is: provinces", "vi": "Nguy cơ ở đâu: theo tỉnh"},
    "risk_map_title": {"en": "Expected % of non-poor households poor at the round after {year}",
                       "vi": "Tỷ lệ % hộ không nghèo dự kiến rơi vào nghèo ở kỳ sau {year}"},
    "risk_share_pct": {"en": "Expected share (%)", "vi": "Tỷ lệ kỳ vọng (%)"},
    "risk_legend_unreliable": {"en": "unreliable (few sample households or CV > 30%)",
                               "vi": "kém tin cậy (ít hộ mẫu hoặc CV > 30%)"},
    "risk_legend_suppressed": {"en": "no estimate (too few sample households)",
                               "vi": "không ước tính (quá ít hộ mẫu)"},
    "risk_map_caption": {
        "en": "Nationally, about {households} non-poor households ({share}) are expected to be poor at the "
              "next round. Highest: {top} ({top_share}). Hatched provinces: unreliable estimate ({n_unrel}); "
              "blank provinces: suppressed ({n_supp}). Thick lines: the six regions.",
        "vi": "Trên cả nước, khoảng {households} hộ không nghèo ({share}) dự kiến rơi vào nghèo ở kỳ tới. Cao "
              "nhất: {top} ({top_share}). Tỉnh gạch chéo: ước tính kém tin cậy ({n_unrel}); tỉnh để trắng: "
              "không công bố ước tính ({n_supp}). Đường đậm: sáu vùng.",
    },
    "risk_district_heading": {"en": "Where the risk is: districts", "vi": "Nguy cơ ở đâu: theo huyện"},
    "risk_district_title": {"en": "Expected % of non-poor households poor at the round after {year}, by district",
                            "vi": "Tỷ lệ % hộ không nghèo dự kiến rơi vào nghèo ở kỳ sau {year}, theo huyện"},
    "risk_district_caption": {
        "en": "One point per district centre, coloured by the expected share and sized by the number of "
              "non-poor households. Of {n} districts, {n_ok} have a reliable estimate, {n_unrel} an unreliable "
              "one (black dot: fewer than 30 sample households or CV above 30%) and {n_supp} none (grey cross: "
              "fewer than 10 sample households). The survey is not designed for districts: read district "
              "figures as indications.",
        "vi": "Mỗi điểm là trung tâm một huyện, màu theo tỷ lệ kỳ vọng, kích thước theo số hộ không nghèo. "
              "Trong {n} huyện, {n_ok} huyện có ước tính tin cậy, {n_unrel} huyện có ước tính kém tin cậy "
              "(chấm đen: dưới 30 hộ mẫu hoặc CV trên 30%) và {n_supp} huyện không có ước tính (dấu x xám: "
              "dưới 10 hộ mẫu). Khảo sát không được thiết kế cho cấp huyện: số liệu cấp huyện chỉ mang tính "
              "tham khảo.",
    },
    "risk_priority_provinces_heading": {"en": "Priority list: the {top} provinces most at risk",
                                        "vi": "Danh sách ưu tiên: {top} tỉnh có nguy cơ cao nhất"},
    "risk_priority_districts_heading": {"en": "Priority list: the {top} districts most at risk",
                                        "vi": "Danh sách ưu tiên: {top} huyện có nguy cơ cao nhất"},
    "risk_priority_intro": {
        "en": "The {top} provinces and the {top} districts with the highest expected share of non-poor "
              "households falling into poverty by the next round. Areas without an estimate are not ranked; "
              "unreliable estimates are ranked but flagged: check them against local knowledge before acting. "
              "Households at risk are rounded to tens.",
        "vi": "{top} tỉnh và {top} huyện có tỷ lệ kỳ vọng hộ không nghèo rơi vào nghèo ở kỳ tới cao nhất. Địa "
              "bàn không có ước tính không được xếp hạng; ước tính kém tin cậy vẫn được xếp hạng nhưng có đánh "
              "dấu: cần đối chiếu với thực tế địa phương trước khi quyết định. Số hộ có nguy cơ được làm tròn "
              "đến hàng chục.",
    },
    "risk_priority_files": {
        "en": "Saved as tables/{name}.csv and tables/{name}.xlsx.",
        "vi": "Đã lưu tại tables/{name}.csv và tables/{name}.xlsx.",
    },
    "risk_priority_districts_note": {
        "en": "Most district estimates rest on few sample households: the district list says where to look "
              "first, not how many households to support.",
        "vi": "Phần lớn ước tính cấp huyện dựa trên ít hộ mẫu: danh sách huyện cho biết nên xem xét ở đâu "
              "trước, không cho biết cần hỗ trợ bao nhiêu hộ.",
    },
    "risk_col_rank": {"en": "Rank", "vi": "Hạng"},
    "risk_col_province": {"en": "Province", "vi": "Tỉnh/thành phố"},
    "risk_col_district": {"en": "District", "vi": "Quận/huyện"},
    "risk_col_region": {"en": "Region", "vi": "Vùng"},
    "risk_col_share": {"en": "Expected share (%)", "vi": "Tỷ lệ kỳ vọng (%)"},
    "risk_col_interval": {"en": "95% interval (%)", "vi": "Khoảng tin cậy 95% (%)"},
    "risk_col_low": {"en": "Lower bound 95% (%)", "vi": "Cận dưới 95% (%)"},
    "risk_col_high": {"en": "Upper bound 95% (%)", "vi": "Cận trên 95% (%)"},
    "risk_col_households": {"en": "Households at risk", "vi": "Số hộ có nguy cơ"},
    "risk_col_sample": {"en": "Sample households", "vi": "Số hộ mẫu"},
    "risk_col_quality": {"en": "Quality", "vi": "Chất lượng"},
    "risk_quality_ok": {"en": "reliable", "vi": "tin cậy"},
    "risk_quality_unreliable": {"en": "⚠ unreliable", "vi": "⚠ kém tin cậy"},
    "risk_quality_suppressed": {"en": "suppressed", "vi": "không công bố"},
    "risk_none": {"en": "none", "vi": "không có"},
    "risk_kf_households": {"en": "Households expected to fall into poverty by the next round",
                           "vi": "Số hộ dự kiến rơi vào nghèo ở kỳ tới"},
    "risk_kf_top": {"en": "Province with the highest re-poverty risk", "vi": "Tỉnh có nguy cơ tái nghèo cao nhất"},
}
register(LABELS)


def risk_choropleth(provinces, regions, table: pd.DataFrame, *, title: str, legend_label: str,
                    unreliable_label: str, suppressed_label: str) -> Figure:
    """Province choropleth of ``table["value"]`` (indexed by ``province``): provinces whose
    ``quality`` is ``unreliable`` hatched, those without a value left blank."""
    gdf = provinces.merge(table[["province", "value", "quality"]], left_on="code", right_on="province", how="left")
    fig = Figure(figsize=(6.4, 9.0), dpi=110, layout="constrained")
    ax = fig.add_subplot()
    shown, blank = gdf[gdf["value"].notna()], gdf[gdf["value"].isna()]
    shown.plot(ax=ax, column="value", cmap="Reds", legend=True, edgecolor="white", linewidth=0.3,
               legend_kwds={"label": legend_label, "shrink": 0.6})
    if len(blank):
        blank.plot(ax=ax, color="white", edgecolor="#999999", linewidth=0.4)
    unreliable = gdf[gdf["quality"].eq("unreliable") & gdf["value"].notna()]
    if len(unreliable):
        unreliable.plot(ax=ax, facecolor="none", edgecolor="#222222", hatch="////", linewidth=0.4)
    regions.boundary.plot(ax=ax, color="#333333", linewidth=0.9)
    ax.legend(handles=[Patch(facecolor="white", edgecolor="#222222", hatch="////", label=unreliable_label),
                       Patch(facecolor="white", edgecolor="#999999", label=suppressed_label)],
              loc="upper right", fontsize=8, frameon=False)
    ax.set_title(title, fontsize=11)
    ax.set_axis_off()
    ax.set_aspect("equal")
    return fig


@dataclass
class RiskReport(ReportBase):
    """Re-poverty risk from the run's risk tables; each method returns one report section.

    ``top`` is the length of the priority lists.
    """

    top: int = 15

    # -- helpers ----------------------------------------------------------------------------------
    @property
    def scored_year(self) -> int:
        """The survey round whose non-poor households are scored."""
        return int(self.outputs.table("risk_province")["scored_year"].iloc[0])

    def _quality(self, values: pd.Series) -> pd.Series:
        return values.map(lambda q: self.t(f"risk_quality_{q}"))

    def _split_name(self, split: str) -> str:
        if split.startswith("out_of_time_"):
            return self.t("risk_split_out_of_time", year=split.rsplit("_", 1)[1])
        return self.t(f"risk_split_{split}")

    def _auc(self, value: float) -> str:
        return number(value, self.language, 3)

    def national_at_risk(self) -> tuple[float, float]:
        """Households expected to be poor at the next round nationally (sum over provinces with an
        estimate) and their share of the non-poor households scored."""
        prov = self.outputs.table("risk_province")
        shown = prov[prov["expected_share"].notna()]
        total = float(shown["households_at_risk"].sum())
        return total, total / float(shown["households_scored"].sum())

    def ranked(self, level: str) -> pd.DataFrame:
        """Areas of ``level`` (``province``/``district``) with an estimate, highest expected share
        first, with a ``rank`` column (suppressed areas are left out)."""
        table = self.outputs.table(f"risk_{level}")
        table = table[table["expected_share"].notna() & table["quality"].ne("suppressed")]
        table = table.sort_values("expected_share", ascending=False, kind="stable").reset_index(drop=True)
        return table.assign(rank=range(1, len(table) + 1))

    # -- sections ---------------------------------------------------------------------------------
    def title(self) -> Section:
        """Report title and what re-poverty means here."""
        return Section(self.t("risk_title"), [self.t("risk_intro", year=self.scored_year)], level=1)

    def models(self) -> Section:
        """The three models in plain words."""
        pairs = int(self.outputs.table("risk_metrics")["pairs"].iloc[0])
        text = [self.t("risk_model_logistic"), self.t("risk_model_hgb", pairs=number(pairs, self.language, 0)),
                self.t("risk_model_vep")]
        return Section(self.t("risk_models_heading"), text)

    def validation(self) -> Section:
        """The validation table (AUC, Brier, ECE, error vs the true probability by test) and a
        short reading of it."""
        m = self.outputs.table("risk_metrics")
        lang = self.language
        table = pd.DataFrame({
            self.t("risk_col_split"): m["split"].map(self._split_name),
            self.t("risk_col_model"): m["model"].map(lambda x: self.t(f"risk_name_{x}")),
            self.t("risk_col_n_test"): m["n_test"].map(lambda v: number(v, lang, 0)),
            self.t("risk_col_auc"): m["auc"].map(self._auc),
            self.t("risk_col_brier"): m["brier"].map(lambda v: number(v, lang, 4)),
            self.t("risk_col_ece"): m["ece"].map(lambda v: number(v, lang, 3)),
            self.t("risk_col_mae"): m["prob_mae_vs_truth"].map(lambda v: number(100 * v, lang, 2)),
        })
        self.save_table(m.drop(columns=["scored_year"]), "risk_validation")
        text = [self.t("risk_validation_intro"), *self._reading(m)]
        return Section(self.t("risk_validation_heading"), text, tables=[table])

    def _reading(self, m: pd.DataFrame) -> list[str]:
        lang = self.language
        lines = []
        oop = m[m["split"] == "out_of_province"].set_index("model")
        classifiers = oop.drop(index="vep", errors="ignore")
        if len(classifiers):
            best = classifiers["auc"].idxmax()
            lines.append(self.t("risk_reading_best", best=self.t(f"risk_name_{best}"),
                                auc=self._auc(classifiers.loc[best, "auc"]),
                                mae=number(100 * classifiers.loc[best, "prob_mae_vs_truth"], lang, 1)))
            if "vep" in oop.index:
                vep = oop.loc["vep"]
                lines.append(self.t("risk_reading_vep", auc=self._auc(vep["auc"]), ece=number(vep["ece"], lang, 3),
                                    ece_best=number(classifiers["ece"].min(), lang, 3),
                                    mae=number(100 * vep["prob_mae_vs_truth"], lang, 1)))
        escaped = m[m["split"] == "out_of_province_escaped"]
        if len(escaped):
            lines.append(self.t("risk_reading_escaped", n=number(escaped["n_test"].iloc[0], lang, 0),
                                low=self._auc(escaped["auc"].min()), high=self._auc(escaped["auc"].max())))
        timed = m[m["split"].str.startswith("out_of_time_") & m["model"].ne("vep")]
        if len(timed):
            lines.append(self.t("risk_reading_time", year=timed["split"].iloc[0].rsplit("_", 1)[1],
                                low=self._auc(timed["auc"].min()), high=self._auc(timed["auc"].max())))
        return lines

    def province_map(self) -> Section:
        """Choropleth of the expected share by province; unreliable hatched, suppressed blank."""
        prov = self.outputs.table("risk_province")
        lang = self.language
        fig = risk_choropleth(
            datasets.load_boundaries("province"), datasets.load_boundaries("region"),
            prov.assign(value=prov["expected_share"].where(prov["quality"].ne("suppressed")) * 100),
            title=self.t("risk_map_title", year=self.scored_year), legend_label=self.t("risk_share_pct"),
            unreliable_label=self.t("risk_legend_unreliable"), suppressed_label=self.t("risk_legend_suppressed"))
        png = figures.figure_png(fig)
        self.save_figure(png, "risk_province_map")
        total, share = self.national_at_risk()
        top = self.ranked("province").iloc[0]
        names = prov.set_index("province")["name"]
        unreliable = prov[prov["quality"] == "unreliable"]["province"]
        suppressed = prov[prov["quality"] == "suppressed"]["province"]

        def listed(codes: pd.Series) -> str:
            return ", ".join(names[c] for c in codes) if len(codes) else self.t("risk_none")

        caption = self.t("risk_map_caption", households=number(round(total, -2), lang, 0), share=percent(share, lang, 1),
                         top=top["name"], top_share=percent(top["expected_share"], lang, 1),
                         n_unrel=listed(unreliable), n_supp=listed(suppressed))
        self.key_figure("risk_kf_households", f"{number(round(total, -2), lang, 0)} ({percent(share, lang, 1)})")
        self.key_figure("risk_kf_top", f"{top['name']} ({percent(top['expected_share'], lang, 1)})")
        return Section(self.t("risk_map_heading"), [caption],
                       figures=[(png, self.t("risk_map_title", year=self.scored_year))])

    def district_map(self) -> Section:
        """District centres coloured by the expected share; unreliable marked, suppressed crossed."""
        dist = self.outputs.table("risk_district")
        shown = dist.assign(share_pct=dist["expected_share"].where(dist["quality"].ne("suppressed")) * 100)
        title = self.t("risk_district_title", year=self.scored_year)
        fig = figures.district_points(datasets.load_boundaries("province"), datasets.load_boundaries("region"), shown,
                                      value="share_pct", size="households_scored", title=title,
                                      legend_label=self.t("risk_share_pct"))
        ax = fig.axes[0]
        unreliable = shown[shown["quality"].eq("unreliable") & shown["share_pct"].notna()]
        ax.scatter(unreliable["lon"], unreliable["lat"], marker=".", s=3, color="black", linewidths=0, zorder=4)
        ax.legend(handles=[
            Line2D([], [], marker=".", linestyle="none", color="black", label=self.t("risk_legend_unreliable")),
            Line2D([], [], marker="x", linestyle="none", color="#999999", markersize=4,
                   label=self.t("risk_legend_suppressed"))], loc="upper right", fontsize=8, frameon=False)
        png = figures.figure_png(fig)
        self.save_figure(png, "risk_district_map")
        counts = dist["quality"].value_counts()
        caption = self.t("risk_district_caption", n=len(dist), n_ok=int(counts.get("ok", 0)),
                         n_unrel=int(counts.get("unreliable", 0)), n_supp=int(counts.get("suppressed", 0)))
        return Section(self.t("risk_district_heading"), [caption], figures=[(png, title)])

    def _priority(self, level: str) -> tuple[pd.DataFrame, pd.DataFrame]:
        """The top ``top`` areas of ``level``: (display table, numeric table for the files)."""
        lang = self.language
        table = self.ranked(level).head(self.top)
        regions = admin.provinces().set_index("code")[f"region_name_{'vi' if lang == 'vi' else 'en'}"]
        names = {self.t("risk_col_province"): table["name"]} if level == "province" else {
            self.t("risk_col_district"): table["name"], self.t("risk_col_province"): table["province_name"]}
        households = table["households_at_risk"].round(-1)
        common = {self.t("risk_col_rank"): table["rank"], **names,
                  self.t("risk_col_region"): table["province"].map(regions)}
        display = pd.DataFrame({
            **common,
            self.t("risk_col_share"): table["expected_share"].map(lambda v: number(100 * v, lang, 1)),
            self.t("risk_col_interval"): [f"{number(100 * lo, lang, 1)} – {number(100 * hi, lang, 1)}"
                                          for lo, hi in zip(table["share_low"], table["share_high"], strict=True)],
            self.t("risk_col_households"): households.map(lambda v: number(v, lang, 0)),
            self.t("risk_col_sample"): table["sample_households"].map(lambda v: number(v, lang, 0)),
            self.t("risk_col_quality"): self._quality(table["quality"]),
        })
        numeric = pd.DataFrame({
            **common,
            self.t("risk_col_share"): (100 * table["expected_share"]).round(2),
            self.t("risk_col_low"): (100 * table["share_low"]).round(2),
            self.t("risk_col_high"): (100 * table["share_high"]).round(2),
            self.t("risk_col_households"): households,
            self.t("risk_col_sample"): table["sample_households"],
            self.t("risk_col_quality"): table["quality"],
        })
        return display, numeric

    def _priority_section(self, level: str, extra: list[str]) -> Section:
        display, numeric = self._priority(level)
        name = f"risk_priority_{level}s"
        self.save_table(numeric, name)
        if self.output_dir is not None:
            export_table(numeric, self.output_dir / "tables" / f"{name}.xlsx", language=self.language)
        return Section(self.t(f"risk_priority_{level}s_heading", top=len(display)),
                       [*extra, self.t("risk_priority_files", name=name)], tables=[display])

    def priority_provinces(self) -> Section:
        """The ``top`` provinces by expected share, with intervals, households at risk and a
        quality flag (suppressed provinces are not ranked); saved as CSV and Excel."""
        return self._priority_section("province", [self.t("risk_priority_intro", top=self.top)])

    def priority_districts(self) -> Section:
        """The ``top`` districts, as :meth:`priority_provinces`."""
        return self._priority_section("district", [self.t("risk_priority_districts_note")])
