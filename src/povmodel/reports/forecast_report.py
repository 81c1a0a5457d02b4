"""The forecast report 2021-2025: national and regional poverty paths with 95% intervals by
scenario, province forecasts, the 2022 change of standard and its bridge, the probability of
reaching the programme's targets, rank uncertainty of the poorest provinces, an illustrative
budget split and the forecast backtests. Called cell by cell from ``notebooks/05_forecast``.

Everything is read from the run's forecast tables (:func:`povmodel.run_outputs.forecast_tables`,
``allocation``, ``backtest_summary``) and the real regional panel; nothing is refitted.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from povmodel import admin, datasets
from povmodel.forecast.targets import AMBER_AT, GREEN_AT
from povmodel.reports import figures, forecast_figures
from povmodel.reports.base import ReportBase
from povmodel.reports.labels import register
from povmodel.reports.report_numbers import number
from povmodel.reports.sections import Section
from povmodel.standards import standard_snapshot

TARGETS = ("poverty_rate_fall_min", "poverty_rate_fall_max", "ethnic_minority_fall", "poor_near_poor_halving")
RULES = ("equal_per_poor_household", "by_risk", "by_gap")
NAIVE = ("last_value", "national_trend")
Z95 = 1.959964

LABELS = {
    "forecast_title": {"en": "Poverty forecast 2021-2025", "vi": "Dự báo nghèo giai đoạn 2021-2025"},
    "forecast_intro": {
        "en": "Poor-household rates for {first}-{last} under the {standard} standard, nationally, by region and by "
              "province, for each scenario of the run, with 95% intervals; the probability of reaching the "
              "targets of the National Target Programme for Sustainable Poverty Reduction; which provinces are "
              "likely to be among the poorest; an illustrative budget split; and how well the forecasting "
              "models did on past data. The forecasts use data up to {origin}.",
        "vi": "Tỷ lệ hộ nghèo giai đoạn {first}-{last} theo chuẩn {standard}, cho cả nước, từng vùng và từng tỉnh, "
              "theo từng kịch bản, kèm khoảng tin cậy 95%; xác suất đạt các mục tiêu của Chương trình mục tiêu "
              "quốc gia giảm nghèo bền vững; những tỉnh nhiều khả năng thuộc nhóm nghèo nhất; một phương án phân "
              "bổ ngân sách minh họa; và mức độ chính xác của các mô hình dự báo trên số liệu quá khứ. Dự báo dùng "
              "số liệu đến năm {origin}.",
    },
    "forecast_basis_heading": {"en": "What rests on real data, what on synthetic data",
                               "vi": "Số liệu nào dựa trên dữ liệu thật, số liệu nào dựa trên dữ liệu tổng hợp"},
    "forecast_basis_real": {
        "en": "**Real, published data**: MOLISA's national poor-household rates {molisa} (administrative review; "
              "the national model is fitted on the years up to {origin}, later years are only compared with the "
              "forecast); GSO's province poverty rates {gso} (VHLSS survey), used for the backtests; the targets "
              "and the budget of the programme (dated parameters).",
        "vi": "**Dữ liệu thật, đã công bố**: tỷ lệ hộ nghèo cả nước của Bộ LĐ-TB&XH {molisa} (kết quả rà soát; mô "
              "hình cấp quốc gia ước lượng trên các năm đến {origin}, các năm sau chỉ dùng để so sánh với dự báo); "
              "tỷ lệ nghèo cấp tỉnh của TCTK {gso} (khảo sát VHLSS), dùng để kiểm định dự báo; các mục tiêu và "
              "ngân sách của Chương trình (tham số có ngày hiệu lực).",
    },
    "forecast_basis_synthetic": {
        "en": "**SYNTHETIC data**: GSO's province series ends in 2016, so the province and regional paths rest on "
              "the synthetic survey's rounds {rounds} (calibrated to published rates, not survey records), as do "
              "the bridge factors between standards, the near-poor paths, the ethnic-minority areas, the "
              "household counts of the budget split and the rank uncertainty. The national path is reconciled "
              "with the sum of the provinces, which carries most of the weight (the MOLISA-based national model "
              "keeps {weight} on average): the national forecast is therefore mostly synthetic too.",
        "vi": "**Dữ liệu TỔNG HỢP (giả lập)**: chuỗi số liệu cấp tỉnh của TCTK kết thúc năm 2016, nên đường dự báo "
              "cấp tỉnh và cấp vùng dựa trên các kỳ {rounds} của bộ khảo sát tổng hợp (hiệu chỉnh theo tỷ lệ công "
              "bố, không phải số liệu điều tra); hệ số quy đổi giữa hai chuẩn, đường dự báo cận nghèo, danh sách "
              "địa bàn đồng bào dân tộc thiểu số, số hộ dùng để phân bổ ngân sách và độ bất định của thứ hạng cũng "
              "vậy. Đường dự báo cả nước được điều hòa với tổng các tỉnh, vốn chiếm phần lớn trọng số (mô hình cả "
              "nước dựa trên số liệu Bộ LĐ-TB&XH chỉ giữ trung bình {weight}): vì vậy dự báo cả nước phần lớn cũng "
              "dựa trên dữ liệu tổng hợp.",
    },
    "forecast_national_heading": {"en": "National path", "vi": "Diễn biến cả nước"},
    "forecast_national_title": {"en": "Poor-household rate, whole country ({standard} standard)",
                                "vi": "Tỷ lệ hộ nghèo cả nước (chuẩn {standard})"},
    "forecast_rate_pct": {"en": "Poor households (%)", "vi": "Hộ nghèo (%)"},
    "forecast_year": {"en": "Year", "vi": "Năm"},
    "forecast_break": {"en": "forecast from {year}", "vi": "dự báo từ {year}"},
    "forecast_hist_molisa": {"en": "MOLISA, {standard} standard (real)", "vi": "Bộ LĐ-TB&XH, chuẩn {standard} (thật)"},
    "forecast_hist_bridged": {"en": "MOLISA bridged to {standard} (synthetic bridge)",
                              "vi": "Bộ LĐ-TB&XH quy đổi sang chuẩn {standard} (hệ số tổng hợp)"},
    "forecast_hist_check": {"en": "MOLISA {year}, {standard} standard (real, not used)",
                            "vi": "Bộ LĐ-TB&XH {year}, chuẩn {standard} (thật, không dùng để dự báo)"},
    "forecast_national_caption": {
        "en": "{scenario} scenario: {value} in {year} (95% interval {low} to {high}). Bands: 95% intervals. Grey: "
              "the real MOLISA series under the old standard and the same rates moved to the {standard} standard "
              "with the bridge factor. {check}",
        "vi": "Kịch bản {scenario}: {value} năm {year} (khoảng tin cậy 95% từ {low} đến {high}). Dải màu: khoảng "
              "tin cậy 95%. Màu xám: chuỗi thật của Bộ LĐ-TB&XH theo chuẩn cũ và cùng chuỗi đó quy đổi sang chuẩn "
              "{standard} bằng hệ số quy đổi. {check}",
    },
    "forecast_check": {
        "en": "The real MOLISA rate for {year} ({actual}) was not used; the forecast for {year} is {value} "
              "({low} to {high}).",
        "vi": "Tỷ lệ thật của Bộ LĐ-TB&XH năm {year} ({actual}) không được dùng để dự báo; dự báo cho năm {year} "
              "là {value} (từ {low} đến {high}).",
    },
    "forecast_scenarios_differ": {
        "en": "The scenarios differ only in {years}: the shocks they simulate fade out after that.",
        "vi": "Các kịch bản chỉ khác nhau trong các năm {years}: tác động của cú sốc giảm dần và hết sau đó.",
    },
    "forecast_scenarios_same": {"en": "All scenarios have the same national path.",
                                "vi": "Mọi kịch bản có cùng một đường dự báo cả nước."},
    "forecast_regions_heading": {"en": "Paths by region", "vi": "Diễn biến theo vùng"},
    "forecast_regions_title": {"en": "Poor-household rate by region, {scenario} scenario ({standard} standard)",
                               "vi": "Tỷ lệ hộ nghèo theo vùng, kịch bản {scenario} (chuẩn {standard})"},
    "forecast_regions_forecast": {"en": "forecast (95% interval)", "vi": "dự báo (khoảng tin cậy 95%)"},
    "forecast_regions_history": {"en": "synthetic survey rounds, bridged", "vi": "các kỳ khảo sát tổng hợp, đã quy đổi"},
    "forecast_regions_check": {"en": "MOLISA {year} (real, not used)", "vi": "Bộ LĐ-TB&XH {year} (thật, không dùng)"},
    "forecast_regions_caption": {
        "en": "History: the synthetic survey's rounds up to {origin}, moved to the {standard} standard with each "
              "region's bridge factor of {bridge_year} (SYNTHETIC). Stars: MOLISA's published regional rates "
              "{year} (real), for comparison only.",
        "vi": "Số liệu quá khứ: các kỳ của bộ khảo sát tổng hợp đến năm {origin}, quy đổi sang chuẩn {standard} "
              "bằng hệ số quy đổi năm {bridge_year} của từng vùng (TỔNG HỢP). Dấu sao: tỷ lệ cấp vùng do Bộ "
              "LĐ-TB&XH công bố năm {year} (thật), chỉ để so sánh.",
    },
    "forecast_provinces_heading": {"en": "Province forecasts for {year}", "vi": "Dự báo cấp tỉnh năm {year}"},
    "forecast_provinces_caption": {
        "en": "{scenario} scenario, highest rate first. SYNTHETIC: the province paths rest on the synthetic "
              "survey. Wide intervals mean the ranking of neighbouring provinces is uncertain (see the section on "
              "rank uncertainty).",
        "vi": "Kịch bản {scenario}, xếp từ tỷ lệ cao nhất. TỔNG HỢP: đường dự báo cấp tỉnh dựa trên bộ khảo sát "
              "tổng hợp. Khoảng tin cậy rộng nghĩa là thứ tự giữa các tỉnh gần nhau chưa chắc chắn (xem phần độ "
              "bất định của thứ hạng).",
    },
    "forecast_col_province": {"en": "Province", "vi": "Tỉnh/thành phố"},
    "forecast_col_region": {"en": "Region", "vi": "Vùng"},
    "forecast_col_area": {"en": "Area", "vi": "Địa bàn"},
    "forecast_col_base": {"en": "{year}, {standard} standard (%)", "vi": "Năm {year}, chuẩn {standard} (%)"},
    "forecast_col_forecast": {"en": "Forecast {year} (%)", "vi": "Dự báo {year} (%)"},
    "forecast_col_interval": {"en": "95% interval (%)", "vi": "Khoảng tin cậy 95% (%)"},
    "forecast_col_low": {"en": "Lower bound 95% (%)", "vi": "Cận dưới 95% (%)"},
    "forecast_col_high": {"en": "Upper bound 95% (%)", "vi": "Cận trên 95% (%)"},
    "forecast_col_change": {"en": "Change {base}-{year} (pp)", "vi": "Thay đổi {base}-{year} (điểm %)"},
    "forecast_standard_heading": {"en": "The 2022 change of poverty standard and how it is bridged",
                                  "vi": "Thay đổi chuẩn nghèo năm 2022 và cách quy đổi"},
    "forecast_standard_text": {
        "en": "From 2022 poverty is measured under the {new} standard: income line {new_rural} VND a month per "
              "person in rural and {new_urban} VND in urban areas (was {old_rural} and {old_urban} under the "
              "{old} standard), and {n_new} dimensions of basic social services instead of {n_old}. The "
              "measured rate jumps (MOLISA: {molisa_old} in {year_old}, {molisa_new} in {year_new}) because the "
              "standard changed, not because poverty rose. To put history and forecast on the same footing, "
              "the same households of the {bridge_year} survey round are classified under both standards; the "
              "bridge factor is the difference of the two rates on the logit scale, with its uncertainty carried "
              "into every forecast draw.",
        "vi": "Từ năm 2022, nghèo được đo theo chuẩn {new}: chuẩn thu nhập {new_rural} đồng/người/tháng ở nông "
              "thôn và {new_urban} đồng ở thành thị (chuẩn {old}: {old_rural} và {old_urban} đồng), và {n_new} "
              "chiều dịch vụ xã hội cơ bản thay vì {n_old}. Tỷ lệ đo được tăng vọt (Bộ LĐ-TB&XH: {molisa_old} năm "
              "{year_old}, {molisa_new} năm {year_new}) vì chuẩn thay đổi, không phải vì nghèo tăng. Để quá khứ "
              "và dự báo cùng một thước đo, cùng các hộ của kỳ khảo sát {bridge_year} được phân loại theo cả hai "
              "chuẩn; hệ số quy đổi là chênh lệch giữa hai tỷ lệ trên thang logit, độ bất định của nó được đưa "
              "vào từng lần mô phỏng dự báo.",
    },
    "forecast_standard_synthetic": {
        "en": "The bridge factors below come from the SYNTHETIC survey: they show the method, not Vietnam's "
              "actual gap between the standards.",
        "vi": "Các hệ số quy đổi dưới đây tính từ bộ khảo sát TỔNG HỢP: chúng minh họa phương pháp, không phải "
              "chênh lệch thực tế giữa hai chuẩn của Việt Nam.",
    },
    "forecast_col_from": {"en": "{year}, {standard} standard (%)", "vi": "Năm {year}, chuẩn {standard} (%)"},
    "forecast_col_bridge": {"en": "Bridge factor (logit)", "vi": "Hệ số quy đổi (logit)"},
    "forecast_col_bridge_se": {"en": "Standard error", "vi": "Sai số chuẩn"},
    "forecast_col_sample": {"en": "Sample households", "vi": "Số hộ mẫu"},
    "forecast_notes_intro": {"en": "Technical notes written by the run:",
                             "vi": "Ghi chú kỹ thuật do lần chạy ghi lại (tiếng Anh):"},
    "forecast_targets_heading": {"en": "Will the targets be met?", "vi": "Có đạt được mục tiêu không?"},
    "forecast_targets_text": {
        "en": "Each figure is the share of the simulated paths ({scenario} scenario) that meet the target between "
              "{base} and {end}. Traffic lights: green = probability at least {green}, amber = {amber} to "
              "{green}, red = below {amber}. The national rate targets are shown for every area as an indication; "
              "the ethnic-minority target only for areas where most households belong to ethnic minorities "
              "(synthetic survey).",
        "vi": "Mỗi con số là tỷ lệ các đường mô phỏng (kịch bản {scenario}) đạt mục tiêu trong giai đoạn {base}-"
              "{end}. Đèn tín hiệu: xanh = xác suất từ {green} trở lên, vàng = từ {amber} đến dưới {green}, đỏ = "
              "dưới {amber}. Các mục tiêu giảm tỷ lệ nghèo của cả nước được áp dụng cho mọi địa bàn để tham "
              "khảo; mục tiêu về đồng bào dân tộc thiểu số chỉ áp dụng cho địa bàn có đa số hộ là người dân tộc "
              "thiểu số (theo bộ khảo sát tổng hợp).",
    },
    "forecast_targets_national": {
        "en": "Nationally, the probability that the poor-household rate falls by at least {threshold} points a "
              "year is {probability} ({light}); expected fall {expected} points a year.",
        "vi": "Trên cả nước, xác suất tỷ lệ hộ nghèo giảm ít nhất {threshold} điểm phần trăm mỗi năm là "
              "{probability} ({light}); mức giảm kỳ vọng {expected} điểm phần trăm mỗi năm.",
    },
    "forecast_target_poverty_rate_fall_min": {"en": "Rate falls ≥ {threshold} pp/year",
                                              "vi": "Tỷ lệ nghèo giảm ≥ {threshold} điểm %/năm"},
    "forecast_target_poverty_rate_fall_max": {"en": "Rate falls ≥ {threshold} pp/year (upper target)",
                                              "vi": "Tỷ lệ nghèo giảm ≥ {threshold} điểm %/năm (mục tiêu cao)"},
    "forecast_target_ethnic_minority_fall": {"en": "Ethnic-minority areas: rate falls ≥ {threshold} pp/year",
                                             "vi": "Địa bàn DTTS: tỷ lệ nghèo giảm ≥ {threshold} điểm %/năm"},
    "forecast_target_poor_near_poor_halving": {"en": "Poor + near-poor households cut by ≥ {threshold}%",
                                               "vi": "Số hộ nghèo và cận nghèo giảm ≥ {threshold}%"},
    "forecast_light_green": {"en": "green", "vi": "xanh"},
    "forecast_light_amber": {"en": "amber", "vi": "vàng"},
    "forecast_light_red": {"en": "red", "vi": "đỏ"},
    "forecast_target_map_heading": {"en": "Target attainment by province", "vi": "Khả năng đạt mục tiêu theo tỉnh"},
    "forecast_target_map_title": {"en": "Probability that the rate falls ≥ {threshold} pp/year, {base}-{end}",
                                  "vi": "Xác suất tỷ lệ nghèo giảm ≥ {threshold} điểm %/năm, {base}-{end}"},
    "forecast_light_legend_green": {"en": "green: P ≥ {green}", "vi": "xanh: P ≥ {green}"},
    "forecast_light_legend_amber": {"en": "amber: {amber} ≤ P < {green}", "vi": "vàng: {amber} ≤ P < {green}"},
    "forecast_light_legend_red": {"en": "red: P < {amber}", "vi": "đỏ: P < {amber}"},
    "forecast_light_missing": {"en": "no forecast", "vi": "không có dự báo"},
    "forecast_target_map_caption": {
        "en": "{scenario} scenario, SYNTHETIC province paths. Provinces that are already poor can fall fastest in "
              "points; rich provinces cannot fall by a point a year from a low level, so red there is expected. "
              "The table counts provinces by light for every target.",
        "vi": "Kịch bản {scenario}, đường dự báo cấp tỉnh TỔNG HỢP. Tỉnh có tỷ lệ nghèo cao có thể giảm nhiều "
              "điểm phần trăm nhất; tỉnh giàu không thể giảm mỗi năm một điểm từ mức đã thấp, nên màu đỏ ở đó là "
              "dễ hiểu. Bảng đếm số tỉnh theo màu đèn cho từng mục tiêu.",
    },
    "forecast_col_target": {"en": "Target", "vi": "Mục tiêu"},
    "forecast_col_green": {"en": "Green", "vi": "Xanh"},
    "forecast_col_amber": {"en": "Amber", "vi": "Vàng"},
    "forecast_col_red": {"en": "Red", "vi": "Đỏ"},
    "forecast_ranks_heading": {"en": "Targeting with uncertainty: which provinces are the {k} poorest in {year}?",
                               "vi": "Chọn địa bàn khi còn bất định: tỉnh nào thuộc {k} tỉnh nghèo nhất năm {year}?"},
    "forecast_ranks_text": {
        "en": "Forecasts are uncertain, so ranks are too. Each simulated path ranks the provinces; the table shows "
              "the mean rank, the 95% rank interval and the probability of being among the {k} poorest. {sure} "
              "provinces are among them with probability ≥ 80%, {likely} more with probability 50-80%, and "
              "{possible} more with probability 20-50%. A fixed list of {k} would leave out provinces that are "
              "quite possibly among the poorest: consider the whole list with its probabilities. SYNTHETIC "
              "province paths ({scenario} scenario).",
        "vi": "Dự báo có độ bất định nên thứ hạng cũng vậy. Mỗi đường mô phỏng cho một thứ tự các tỉnh; bảng "
              "cho biết thứ hạng trung bình, khoảng thứ hạng 95% và xác suất thuộc {k} tỉnh nghèo nhất. {sure} tỉnh "
              "thuộc nhóm này với xác suất ≥ 80%, thêm {likely} tỉnh với xác suất 50-80% và {possible} tỉnh với "
              "xác suất 20-50%. Một danh sách cố định {k} tỉnh sẽ bỏ sót những tỉnh rất có thể thuộc nhóm nghèo "
              "nhất: nên xem cả danh sách cùng xác suất. Đường dự báo cấp tỉnh TỔNG HỢP (kịch bản {scenario}).",
    },
    "forecast_col_mean_rank": {"en": "Mean rank", "vi": "Thứ hạng trung bình"},
    "forecast_col_rank_interval": {"en": "Rank, 95% interval", "vi": "Thứ hạng, khoảng 95%"},
    "forecast_col_p_top": {"en": "P(among {k} poorest)", "vi": "Xác suất thuộc {k} tỉnh nghèo nhất"},
    "forecast_allocation_heading": {"en": "Budget split (illustrative)", "vi": "Phân bổ ngân sách (minh họa)"},
    "forecast_allocation_text": {
        "en": "ILLUSTRATIVE: how the programme's {budget} billion VND could be split across the 63 provinces by "
              "three rules. Every province first gets a floor of {floor} billion; the rest is split in proportion "
              "to (1) the expected poor households in {year} ({scenario} scenario), (2) the households at risk of "
              "falling into poverty, (3) the poverty gap of the latest survey round. All three rest on SYNTHETIC "
              "household data; this is not a proposal. The {n} provinces with the largest amount under rule (1) "
              "are shown; the full table is in tables/forecast_allocation.csv.",
        "vi": "MINH HỌA: cách chia {budget} tỷ đồng của Chương trình cho 63 tỉnh theo ba tiêu chí. Mỗi tỉnh trước "
              "hết nhận mức sàn {floor} tỷ đồng; phần còn lại chia theo tỷ lệ với (1) số hộ nghèo kỳ vọng năm "
              "{year} (kịch bản {scenario}), (2) số hộ có nguy cơ rơi vào nghèo, (3) khoảng nghèo của kỳ khảo sát "
              "gần nhất. Cả ba đều dựa trên dữ liệu hộ TỔNG HỢP; đây không phải đề xuất phân bổ. Bảng hiện {n} tỉnh "
              "được phân bổ nhiều nhất theo tiêu chí (1); bảng đầy đủ ở tables/forecast_allocation.csv.",
    },
    "forecast_rule_equal_per_poor_household": {"en": "(1) per poor household (billion VND)",
                                               "vi": "(1) theo số hộ nghèo (tỷ đồng)"},
    "forecast_rule_by_risk": {"en": "(2) by households at risk (billion VND)",
                              "vi": "(2) theo số hộ có nguy cơ (tỷ đồng)"},
    "forecast_rule_by_gap": {"en": "(3) by poverty gap (billion VND)", "vi": "(3) theo khoảng nghèo (tỷ đồng)"},
    "forecast_col_poor_households": {"en": "Poor households {year} (expected)", "vi": "Số hộ nghèo {year} (kỳ vọng)"},
    "forecast_backtest_heading": {"en": "Backtests: how well did the models forecast the past?",
                                  "vi": "Kiểm định dự báo: các mô hình dự báo quá khứ tốt đến đâu?"},
    "forecast_backtest_text": {
        "en": "Rolling-origin backtests on REAL series: each model is fitted on the years up to an origin and "
              "forecasts the following years, which are then compared with what was published. MAE and RMSE: "
              "mean absolute and root-mean-square error in percentage points (lower is better). Coverage: share "
              "of outcomes inside the 80% and 95% intervals (should be close to 80% and 95%). A model is useful "
              "only if it beats the two naive forecasts, the last value and the national trend, on the same "
              "cases. The run forecasts with the {model} model.",
        "vi": "Kiểm định cuốn chiếu trên các chuỗi số liệu THẬT: mỗi mô hình được ước lượng trên các năm đến một "
              "năm gốc rồi dự báo các năm sau, và so với số liệu đã công bố. MAE và RMSE: sai số tuyệt đối trung "
              "bình và căn bậc hai của sai số bình phương trung bình, tính bằng điểm phần trăm (càng thấp càng "
              "tốt). Độ phủ: tỷ lệ kết quả thực tế nằm trong khoảng 80% và 95% (nên gần 80% và 95%). Một mô hình "
              "chỉ hữu ích nếu tốt hơn cả hai cách dự báo đơn giản, giữ nguyên giá trị cuối và theo xu hướng cả "
              "nước, trên cùng các trường hợp. Lần chạy này dự báo bằng mô hình {model}.",
    },
    "forecast_verdict": {
        "en": "**{series}**: {n} model(s) beat both naive forecasts: {models}. Best: {best} (MAE {mae} pp against "
              "{last} for the last value and {trend} for the national trend, {cases} cases).",
        "vi": "**{series}**: {n} mô hình tốt hơn cả hai cách dự báo đơn giản: {models}. Tốt nhất: {best} (MAE {mae} "
              "điểm % so với {last} của giá trị cuối và {trend} của xu hướng cả nước, {cases} trường hợp).",
    },
    "forecast_verdict_none": {
        "en": "**{series}**: no model beats both naive forecasts; treat the forecasts of this series with care.",
        "vi": "**{series}**: không mô hình nào tốt hơn cả hai cách dự báo đơn giản; cần thận trọng khi dùng dự báo "
              "của chuỗi này.",
    },
    "forecast_series_gso": {"en": "GSO province rates {years} (real)", "vi": "Tỷ lệ nghèo cấp tỉnh TCTK {years} (thật)"},
    "forecast_series_molisa": {"en": "MOLISA national rate, {standard} standard (real)",
                               "vi": "Tỷ lệ nghèo cả nước Bộ LĐ-TB&XH, chuẩn {standard} (thật)"},
    "forecast_col_series": {"en": "Series", "vi": "Chuỗi số liệu"},
    "forecast_col_model": {"en": "Model", "vi": "Mô hình"},
    "forecast_col_mae": {"en": "MAE (pp)", "vi": "MAE (điểm %)"},
    "forecast_col_rmse": {"en": "RMSE (pp)", "vi": "RMSE (điểm %)"},
    "forecast_col_cov80": {"en": "Coverage 80%", "vi": "Độ phủ 80%"},
    "forecast_col_cov95": {"en": "Coverage 95%", "vi": "Độ phủ 95%"},
    "forecast_col_cases": {"en": "Cases", "vi": "Số trường hợp"},
    "forecast_col_beats": {"en": "Beats both naive forecasts", "vi": "Tốt hơn cả hai dự báo đơn giản"},
    "forecast_yes": {"en": "yes", "vi": "có"},
    "forecast_no": {"en": "no", "vi": "không"},
    "forecast_model_last_value": {"en": "Last value (naive)", "vi": "Giữ nguyên giá trị cuối (đơn giản)"},
    "forecast_model_national_trend": {"en": "National trend (naive)", "vi": "Theo xu hướng cả nước (đơn giản)"},
    "forecast_model_logit_trend": {"en": "Logit trend", "vi": "Xu hướng logit"},
    "forecast_model_damped_ets": {"en": "Damped exponential smoothing", "vi": "San bằng mũ có giảm chấn"},
    "forecast_model_panel_convergence": {"en": "Panel convergence", "vi": "Hội tụ theo dữ liệu bảng"},
    "forecast_model_growth_pass_through": {"en": "Growth pass-through", "vi": "Truyền dẫn tăng trưởng"},
    "forecast_model_combination": {"en": "Combination (average of the models)",
                                   "vi": "Kết hợp (trung bình các mô hình)"},
    "forecast_kf_national": {"en": "National poor-household rate 2025, forecast (95% interval)",
                             "vi": "Tỷ lệ hộ nghèo cả nước năm 2025, dự báo (khoảng tin cậy 95%)"},
    "forecast_kf_target": {"en": "Probability the national poverty-reduction target is met",
                           "vi": "Xác suất đạt mục tiêu giảm nghèo của cả nước"},
}
register(LABELS)


def _expit_pct(x) -> np.ndarray:
    """Inverse logit, in percent."""
    return 100 / (1 + np.exp(-np.asarray(x, dtype=float)))


@dataclass
class ForecastReport(ReportBase):
    """The forecast 2021-2025 from the run's forecast tables; each method returns one section.

    The province tables, target map and rank uncertainty are for the first scenario of the run.
    """

    panel: pd.DataFrame | None = None

    def __post_init__(self) -> None:
        if self.panel is None:
            self.panel = datasets.load_regional_panel()

    # -- helpers ----------------------------------------------------------------------------------
    @property
    def scenarios(self) -> list[str]:
        """The run's scenarios, in the config's order."""
        return [str(s) for s in self.outputs.cube["scenario"].values]

    @property
    def first(self) -> str:
        """The scenario of the province tables, the targets and the ranks."""
        return self.scenarios[0]

    def _num(self, value: float, digits: int = 1) -> str:
        return number(value, self.language, digits)

    def _pct(self, value: float, digits: int = 1) -> str:
        """A value already in percent."""
        return "–" if pd.isna(value) else f"{self._num(value, digits)}%"

    def _prob(self, value: float) -> str:
        return "–" if pd.isna(value) else f"{self._num(100 * value, 0)}%"

    def paths(self, level: str, indicator: str = "poor_rate", scenario: str | None = None) -> pd.DataFrame:
        """Forecast rows (percent) of ``level`` for ``scenario`` (all scenarios when ``None``)."""
        p = self.outputs.table("forecast_paths")
        p = p[(p["area_level"] == level) & (p["indicator"] == indicator)]
        return p if scenario is None else p[p["scenario"] == scenario]

    def national_2025(self) -> pd.Series:
        """The first scenario's national forecast in the last forecast year (``mean``, ``low``,
        ``high`` in percent, ``year``)."""
        nat = self.paths("national", scenario=self.first)
        return nat[nat["year"] == nat["year"].max()].iloc[0]

    @property
    def standard(self) -> str:
        """Standard of the forecast rates."""
        return str(self.outputs.table("forecast_paths")["standard"].iloc[0])

    @property
    def origin(self) -> int:
        """Last year of data the forecasts use."""
        return int(self.config.forecast.origin)

    def _bridge(self, level: str) -> pd.DataFrame:
        b = self.outputs.table("forecast_bridge")
        return b[(b["scenario"] == self.first) & (b["area_level"] == level) & (b["measure"] == "poor_rate")]

    def _molisa(self, level: str) -> pd.DataFrame:
        p = self.panel
        return p[p["source"].eq(datasets.SOURCE_MOLISA) & p["indicator"].eq("poor_household_rate")
                 & p["area_level"].eq(level)].sort_values("year")

    def _region_names(self) -> pd.Series:
        col = "region_name_vi" if self.language == "vi" else "region_name_en"
        return admin.regions().set_index("region_code")[col]

    def _province_names(self) -> tuple[pd.Series, pd.Series]:
        prov = admin.provinces().set_index("code")
        return prov["name"], prov["region_code"].map(self._region_names())

    # -- sections ---------------------------------------------------------------------------------
    def title(self) -> Section:
        """Report title and contents."""
        years = self.outputs.table("forecast_paths")["year"]
        return Section(self.t("forecast_title"),
                       [self.t("forecast_intro", first=int(years.min()), last=int(years.max()), standard=self.standard,
                               origin=self.origin)], level=1)

    def data_basis(self) -> Section:
        """Which figures rest on real data and which on synthetic data."""
        mol = self._molisa("national")
        gso = self.panel[self.panel["source"].eq(datasets.SOURCE_GSO)
                         & self.panel["indicator"].eq("poor_household_rate") & self.panel["area_level"].eq("province")]
        rec = self.outputs.table("forecast_reconciliation")
        rec = rec[(rec["scenario"] == self.first) & (rec["kind"] == "forecast")]
        national = self.outputs.cube["poor_rate"].sel(scenario=self.first, area="NATIONAL").to_series().dropna()
        rounds = [int(y) for y in national.index if y <= self.origin]
        text = [self.t("forecast_basis_real", molisa=f"{int(mol['year'].min())}-{int(mol['year'].max())}",
                       gso=f"{int(gso['year'].min())}-{int(gso['year'].max())}", origin=self.origin)]
        if self.outputs.synthetic:
            text.append(self.t("forecast_basis_synthetic", rounds=", ".join(map(str, rounds)),
                               weight=self._prob(rec["weight_national"].mean())))
        return Section(self.t("forecast_basis_heading"), text)

    def _national_history(self) -> dict[str, pd.DataFrame]:
        mol = self._molisa("national")
        bridge = self._bridge("national").iloc[0]
        old = mol[(mol["standard"] == bridge["from_standard"]) & (mol["year"] <= self.origin)]
        share = old["value"].to_numpy() / 100
        logit = np.log(share / (1 - share)) + bridge["bridge"]
        history = {
            self.t("forecast_hist_molisa", standard=bridge["from_standard"]): pd.DataFrame(
                {"year": old["year"], "mean": old["value"], "low": old["value"], "high": old["value"]}),
            self.t("forecast_hist_bridged", standard=self.standard): pd.DataFrame(
                {"year": old["year"], "mean": _expit_pct(logit), "low": _expit_pct(logit - Z95 * bridge["se"]),
                 "high": _expit_pct(logit + Z95 * bridge["se"])}),
        }
        for _, row in mol[(mol["standard"] == self.standard) & (mol["year"] > self.origin)].iterrows():
            history[self.t("forecast_hist_check", year=int(row["year"]), standard=self.standard)] = pd.DataFrame(
                {"year": [row["year"]], "mean": [row["value"]], "low": [row["value"]], "high": [row["value"]]})
        return history

    def national_path(self) -> Section:
        """National path of every scenario with its 95% band, over the real MOLISA history and
        its bridged version."""
        nat = self.paths("national")
        forecasts = {s: nat[nat["scenario"] == s] for s in self.scenarios}
        fig = forecast_figures.national_paths(
            forecasts, self._national_history(), title=self.t("forecast_national_title", standard=self.standard),
            xlabel=self.t("forecast_year"), ylabel=self.t("forecast_rate_pct"),
            break_label=self.t("forecast_break", year=self.origin + 1), break_year=self.origin + 0.5)
        png = figures.figure_png(fig)
        self.save_figure(png, "forecast_national")
        last = self.national_2025()
        check = ""
        mol = self._molisa("national")
        later = mol[(mol["standard"] == self.standard) & (mol["year"] > self.origin)]
        base = forecasts[self.first]
        if len(later) and int(later["year"].iloc[-1]) in set(base["year"]):
            row = later.iloc[-1]
            fc = base[base["year"] == row["year"]].iloc[0]
            check = self.t("forecast_check", year=int(row["year"]), actual=self._pct(row["value"], 2),
                           value=self._pct(fc["mean"], 2), low=self._pct(fc["low"], 2), high=self._pct(fc["high"], 2))
        text = [self.t("forecast_national_caption", scenario=self.first, value=self._pct(last["mean"], 2),
                       year=int(last["year"]), low=self._pct(last["low"], 2), high=self._pct(last["high"], 2),
                       standard=self.standard, check=check)]
        wide = nat.pivot_table(index="year", columns="scenario", values="mean")
        differ = [int(y) for y, row in wide.iterrows() if (row - row[self.first]).abs().max() > 1e-9]
        text.append(self.t("forecast_scenarios_differ", years=", ".join(map(str, differ))) if differ
                    else self.t("forecast_scenarios_same"))
        self.save_table(nat[["scenario", "year", "mean", "low", "high", "standard", "synthetic"]], "forecast_national")
        self.key_figure("forecast_kf_national", f"{self._pct(last['mean'], 2)} ({self._pct(last['low'], 2)} – "
                                                f"{self._pct(last['high'], 2)})")
        return Section(self.t("forecast_national_heading"), text,
                       figures=[(png, self.t("forecast_national_title", standard=self.standard))])

    def regional_paths(self) -> Section:
        """Small multiples: each region's forecast (first scenario) over its bridged synthetic
        survey history, with MOLISA's published regional rates as check points."""
        reg = self.paths("region", scenario=self.first)
        bridge = self._bridge("region").set_index("area")
        cube = self.outputs.cube
        years = [int(y) for y in cube["year"].values if y <= self.origin]
        mol = self._molisa("region")
        mol = mol[(mol["standard"] == self.standard) & (mol["year"] > self.origin)]
        names = self._region_names()
        panels = []
        for code in names.index:
            est = cube["poor_rate"].sel(scenario=self.first, area=code, year=years).to_numpy()
            se = cube["poor_rate_se"].sel(scenario=self.first, area=code, year=years).to_numpy()
            b = bridge.loc[code]
            logit = np.log(est / (1 - est)) + b["bridge"]
            half = Z95 * np.sqrt(b["se"] ** 2 + (se / (est * (1 - est))) ** 2)
            history = pd.DataFrame({"year": years, "mean": _expit_pct(logit), "low": _expit_pct(logit - half),
                                    "high": _expit_pct(logit + half)})
            check = mol[mol["area_code"] == code].rename(columns={"value": "mean"})
            panels.append((names[code], reg[reg["area"] == code], history, check))
        check_year = int(mol["year"].max()) if len(mol) else self.origin + 2
        fig = forecast_figures.regional_paths(
            panels, title=self.t("forecast_regions_title", scenario=self.first, standard=self.standard),
            ylabel=self.t("forecast_rate_pct"),
            labels=(self.t("forecast_regions_forecast"), self.t("forecast_regions_history"),
                    self.t("forecast_regions_check", year=check_year)))
        png = figures.figure_png(fig)
        self.save_figure(png, "forecast_regions")
        caption = self.t("forecast_regions_caption", origin=self.origin, standard=self.standard,
                         bridge_year=int(bridge["year"].iloc[0]), year=check_year)
        return Section(self.t("forecast_regions_heading"), [caption],
                       figures=[(png, self.t("forecast_regions_title", scenario=self.first, standard=self.standard))])

    def province_table(self) -> Section:
        """Every province's forecast in the last year (first scenario) with its interval, next to
        the survey round the bridge uses."""
        prov = self.paths("province", scenario=self.first)
        year = int(prov["year"].max())
        last = prov[prov["year"] == year].set_index("area")
        bridge = self._bridge("province").set_index("area")
        base_year = int(bridge["year"].iloc[0])
        names, regions = self._province_names()
        order = last["mean"].sort_values(ascending=False).index
        base = bridge["p_to"].reindex(order) * 100
        numeric = pd.DataFrame({
            self.t("forecast_col_province"): names.reindex(order).to_numpy(),
            self.t("forecast_col_region"): regions.reindex(order).to_numpy(),
            self.t("forecast_col_base", year=base_year, standard=self.standard): base.to_numpy(),
            self.t("forecast_col_forecast", year=year): last.loc[order, "mean"].to_numpy(),
            self.t("forecast_col_low"): last.loc[order, "low"].to_numpy(),
            self.t("forecast_col_high"): last.loc[order, "high"].to_numpy(),
            self.t("forecast_col_change", base=base_year, year=year): (last.loc[order, "mean"] - base).to_numpy(),
        })
        self.save_table(numeric.round(2), "forecast_provinces")
        display = numeric.iloc[:, :2].assign(**{
            numeric.columns[2]: numeric.iloc[:, 2].map(self._num),
            numeric.columns[3]: numeric.iloc[:, 3].map(self._num),
            self.t("forecast_col_interval"): [f"{self._num(lo)} – {self._num(hi)}"
                                              for lo, hi in zip(numeric.iloc[:, 4], numeric.iloc[:, 5], strict=True)],
            numeric.columns[6]: numeric.iloc[:, 6].map(lambda v: f"{'+' if v > 0 else ''}{self._num(v)}"),
        })
        return Section(self.t("forecast_provinces_heading", year=year),
                       [self.t("forecast_provinces_caption", scenario=self.first)], tables=[display])

    def standard_change(self) -> Section:
        """The 2022 change of standard, the bridge factors (national and regions) and the run's
        technical notes."""
        bridge = pd.concat([self._bridge("national"), self._bridge("region")])
        row = bridge.iloc[0]
        mol = self._molisa("national").set_index("year")
        old_years = mol[mol["standard"] == row["from_standard"]].index
        new_years = mol[mol["standard"] == row["to_standard"]].index
        old, new = standard_snapshot(int(old_years.max())), standard_snapshot(int(new_years.min()))
        text = [self.t("forecast_standard_text", new=row["to_standard"], old=row["from_standard"],
                       new_rural=self._num(new.income_line.rural, 0), new_urban=self._num(new.income_line.urban, 0),
                       old_rural=self._num(old.income_line.rural, 0), old_urban=self._num(old.income_line.urban, 0),
                       n_new=len(new.dimensions), n_old=len(old.dimensions),
                       molisa_old=self._pct(mol.loc[old_years.max(), "value"], 2), year_old=int(old_years.max()),
                       molisa_new=self._pct(mol.loc[new_years.min(), "value"], 2), year_new=int(new_years.min()),
                       bridge_year=int(row["year"]))]
        if self.outputs.synthetic:
            text.append(self.t("forecast_standard_synthetic"))
        names = pd.concat([pd.Series({"NATIONAL": self.t("national")}), self._region_names()])
        table = pd.DataFrame({
            self.t("forecast_col_area"): bridge["area"].map(names).to_numpy(),
            self.t("forecast_col_from", year=int(row["year"]), standard=row["from_standard"]):
                (100 * bridge["p_from"]).map(lambda v: self._num(v, 2)).to_numpy(),
            self.t("forecast_col_from", year=int(row["year"]), standard=row["to_standard"]):
                (100 * bridge["p_to"]).map(lambda v: self._num(v, 2)).to_numpy(),
            self.t("forecast_col_bridge"): bridge["bridge"].map(lambda v: self._num(v, 3)).to_numpy(),
            self.t("forecast_col_bridge_se"): bridge["se"].map(lambda v: self._num(v, 3)).to_numpy(),
            self.t("forecast_col_sample"): bridge["n"].map(lambda v: self._num(v, 0)).to_numpy(),
        })
        notes = self.outputs.table("forecast_notes")
        notes = notes[notes["scenario"] == self.first]["note"].tolist()
        text += [self.t("forecast_notes_intro"), *(f"– {n}" for n in notes)]
        return Section(self.t("forecast_standard_heading"), text, tables=[table])

    def _targets(self) -> pd.DataFrame:
        t = self.outputs.table("forecast_targets")
        return t[t["scenario"] == self.first]

    def _target_name(self, target: str, threshold: float) -> str:
        value = 100 * threshold if target == "poor_near_poor_halving" else threshold
        return self.t(f"forecast_target_{target}", threshold=self._num(value, 1 if value % 1 else 0))

    def targets(self) -> Section:
        """Probability of meeting each target, nationally and by region, with traffic lights."""
        t = self._targets()
        t = t[t["area_level"].isin(["national", "region"])]
        names = pd.concat([pd.Series({"NATIONAL": self.t("national")}), self._region_names()])
        cells = t.assign(cell=[f"{self._prob(p)} ({self.t(f'forecast_light_{light}')})"
                               for p, light in zip(t["probability"], t["light"], strict=True)])
        wide = cells.pivot(index="area", columns="target", values="cell").reindex(names.index)
        thresholds = t.groupby("target")["threshold"].first()
        columns = [c for c in TARGETS if c in wide.columns]
        table = pd.DataFrame({self.t("forecast_col_area"): names.to_numpy()})
        for target in columns:
            table[self._target_name(target, thresholds[target])] = wide[target].fillna("–").to_numpy()
        base, end = int(t["base_year"].iloc[0]), int(t["end_year"].iloc[0])
        text = [self.t("forecast_targets_text", scenario=self.first, base=base, end=end,
                       green=self._prob(GREEN_AT), amber=self._prob(AMBER_AT))]
        nat = t[(t["area"] == "NATIONAL") & (t["target"] == "poverty_rate_fall_min")]
        if len(nat):
            row = nat.iloc[0]
            text.append(self.t("forecast_targets_national", threshold=self._num(row["threshold"], 1),
                               probability=self._prob(row["probability"]),
                               light=self.t(f"forecast_light_{row['light']}"), expected=self._num(row["expected"], 2)))
            self.key_figure("forecast_kf_target", f"{self._prob(row['probability'])} "
                                                  f"({self.t('forecast_light_' + row['light'])}; "
                                                  f"{self._target_name(row['target'], row['threshold'])})")
        self.save_table(t.drop(columns=["parameter"]), "forecast_targets")
        return Section(self.t("forecast_targets_heading"), text, tables=[table])

    def target_map(self) -> Section:
        """Traffic-light map of the provinces for the main rate target, and the count of
        provinces by light for every target."""
        t = self._targets()
        prov = t[t["area_level"] == "province"]
        main = prov[prov["target"] == "poverty_rate_fall_min"]
        base, end = int(t["base_year"].iloc[0]), int(t["end_year"].iloc[0])
        green, amber = self._prob(GREEN_AT), self._prob(AMBER_AT)
        title = self.t("forecast_target_map_title", threshold=self._num(main["threshold"].iloc[0], 1), base=base,
                       end=end)
        fig = forecast_figures.light_map(
            datasets.load_boundaries("province"), datasets.load_boundaries("region"),
            main.set_index("area")["light"], title=title,
            legend={light: self.t(f"forecast_light_legend_{light}", green=green, amber=amber)
                    for light in forecast_figures.LIGHT_COLOURS},
            missing_label=self.t("forecast_light_missing"))
        png = figures.figure_png(fig)
        self.save_figure(png, "forecast_target_lights")
        counts = prov.groupby(["target", "light"]).size().unstack("light", fill_value=0)
        counts = counts.reindex(columns=list(forecast_figures.LIGHT_COLOURS), fill_value=0)
        thresholds = prov.groupby("target")["threshold"].first()
        order = [c for c in TARGETS if c in counts.index]
        table = pd.DataFrame({
            self.t("forecast_col_target"): [self._target_name(c, thresholds[c]) for c in order],
            self.t("forecast_col_green"): counts.loc[order, "green"].to_numpy(),
            self.t("forecast_col_amber"): counts.loc[order, "amber"].to_numpy(),
            self.t("forecast_col_red"): counts.loc[order, "red"].to_numpy(),
        })
        return Section(self.t("forecast_target_map_heading"),
                       [self.t("forecast_target_map_caption", scenario=self.first)],
                       figures=[(png, title)], tables=[table])

    def rank_uncertainty(self, rows: int = 20) -> Section:
        """The provinces most likely to be among the ``k`` poorest in the last forecast year, with
        their rank intervals (first scenario); ``rows`` provinces are shown."""
        r = self.outputs.table("forecast_ranks")
        r = r[r["scenario"] == self.first].sort_values(["p_top_k", "mean_rank"], ascending=[False, True])
        k, year = int(r["k"].iloc[0]), int(r["year"].iloc[0])
        names, regions = self._province_names()
        shown = r.head(rows)
        table = pd.DataFrame({
            self.t("forecast_col_province"): shown["area"].map(names).to_numpy(),
            self.t("forecast_col_region"): shown["area"].map(regions).to_numpy(),
            self.t("forecast_col_forecast", year=year): (100 * shown["mean"]).map(self._num).to_numpy(),
            self.t("forecast_col_mean_rank"): shown["mean_rank"].map(self._num).to_numpy(),
            self.t("forecast_col_rank_interval"): [f"{lo} – {hi}" for lo, hi in zip(shown["rank_lo"], shown["rank_hi"],
                                                                                    strict=True)],
            self.t("forecast_col_p_top", k=k): shown["p_top_k"].map(self._prob).to_numpy(),
        })
        p = r["p_top_k"]
        text = [self.t("forecast_ranks_text", k=k, sure=int((p >= 0.8).sum()), likely=int(((p >= 0.5) & (p < 0.8)).sum()),
                       possible=int(((p >= 0.2) & (p < 0.5)).sum()), scenario=self.first)]
        self.save_table(r.assign(name=r["area"].map(names)), "forecast_ranks")
        return Section(self.t("forecast_ranks_heading", k=k, year=year), text, tables=[table])

    def allocation(self, rows: int = 20) -> Section:
        """The illustrative split of the programme's budget by three rules (``rows`` provinces
        shown, all saved)."""
        a = self.outputs.table("allocation")
        names, regions = self._province_names()
        wide = a.pivot(index="province", columns="rule", values="allocation")
        poor = a[a["rule"] == RULES[0]].set_index("province")["poor_households"]
        wide = wide.reindex(columns=[r for r in RULES if r in wide.columns]).sort_values(RULES[0], ascending=False)
        year = int(a["year"].iloc[0])
        numeric = pd.DataFrame({
            self.t("forecast_col_province"): wide.index.map(names),
            self.t("forecast_col_region"): wide.index.map(regions),
            self.t("forecast_col_poor_households", year=year): poor.reindex(wide.index).round(-1).to_numpy(),
            **{self.t(f"forecast_rule_{rule}"): wide[rule].round(1).to_numpy() for rule in wide.columns},
        })
        self.save_table(numeric, "forecast_allocation")
        display = numeric.head(rows).copy()
        for col in display.columns[2:]:
            display[col] = display[col].map(lambda v: self._num(v, 0))
        text = [self.t("forecast_allocation_text", budget=self._num(a["budget"].iloc[0], 0),
                       floor=self._num(a["floor"].iloc[0], 0), year=year, scenario=str(a["scenario"].iloc[0]), n=rows)]
        return Section(self.t("forecast_allocation_heading"), text, tables=[display])

    def _series_name(self, series: str) -> str:
        if series.startswith("GSO"):
            return self.t("forecast_series_gso", years=series.rsplit(" ", 1)[-1])
        if series.startswith("MOLISA") and "(" in series:
            return self.t("forecast_series_molisa", standard=series.split("(")[1].split(" ")[0])
        return series

    def _model_name(self, model: str) -> str:
        key = f"forecast_model_{model}"
        return self.t(key) if key in LABELS else model

    def backtests(self) -> Section:
        """MAE, RMSE and interval coverage of every model against the naive baselines (last value,
        national trend) on the real series, and the verdict per series."""
        s = self.outputs.table("backtest_summary")
        beats = s["beats_last_value"] & s["beats_national_trend"] & ~s["model"].isin(NAIVE)
        table = pd.DataFrame({
            self.t("forecast_col_series"): s["series"].map(self._series_name),
            self.t("forecast_col_model"): s["model"].map(self._model_name),
            self.t("forecast_col_mae"): s["mae_pp"].map(lambda v: self._num(v, 2)),
            self.t("forecast_col_rmse"): s["rmse_pp"].map(lambda v: self._num(v, 2)),
            self.t("forecast_col_cov80"): s["coverage80"].map(self._prob),
            self.t("forecast_col_cov95"): s["coverage95"].map(self._prob),
            self.t("forecast_col_cases"): s["n"].map(lambda v: self._num(v, 0)),
            self.t("forecast_col_beats"): [("–" if m in NAIVE else self.t("forecast_yes" if b else "forecast_no"))
                                           for m, b in zip(s["model"], beats, strict=True)],
        })
        text = [self.t("forecast_backtest_text", model=self._model_name(self.config.forecast.model))]
        for series, part in s.assign(beats=beats).groupby("series", sort=False):
            winners = part[part["beats"]].sort_values("mae_pp")
            if not len(winners):
                text.append(self.t("forecast_verdict_none", series=self._series_name(series)))
                continue
            best = winners.iloc[0]
            text.append(self.t("forecast_verdict", series=self._series_name(series), n=len(winners),
                               models=", ".join(map(self._model_name, winners["model"])),
                               best=self._model_name(best["model"]), mae=self._num(best["mae_pp"], 2),
                               last=self._num(best["last_value_mae_pp"], 2),
                               trend=self._num(best["national_trend_mae_pp"], 2), cases=int(best["n"])))
        self.save_table(s, "forecast_backtests")
        return Section(self.t("forecast_backtest_heading"), text, tables=[table])
