"""Report text in Vietnamese and English.

Every title, axis label, legend and table header a report shows comes from here, so that
``language: vi`` in a config gives a fully Vietnamese report.
"""

from __future__ import annotations

from povmodel.errors import PovmodelError

LANGUAGES = ("vi", "en")

_LABELS: dict[str, dict[str, str]] = {
    "overview_title": {
        "en": "Vietnam poverty overview and data sources",
        "vi": "Tổng quan nghèo đói Việt Nam và nguồn dữ liệu",
    },
    "overview_intro": {
        "en": "Real published figures only: GSO survey-based province rates (2006-2016, income line "
              "of the time) and MOLISA's administrative review of poor households (2015-2022). No "
              "household-level data are used in this report.",
        "vi": "Chỉ dùng số liệu công bố chính thức: tỷ lệ nghèo cấp tỉnh của TCTK theo khảo sát "
              "(2006-2016, chuẩn thu nhập từng thời kỳ) và kết quả rà soát hộ nghèo của Bộ LĐ-TB&XH "
              "(2015-2022). Báo cáo này không dùng dữ liệu cấp hộ.",
    },
    "headline": {"en": "Headline figures", "vi": "Số liệu chính"},
    "headline_molisa": {
        "en": "National poor-household rate (MOLISA review, end of {year}, {standard} standard): **{value:.2f}%**",
        "vi": "Tỷ lệ hộ nghèo cả nước (rà soát của Bộ LĐ-TB&XH, cuối năm {year}, chuẩn {standard}): **{value:.2f}%**",
    },
    "headline_gso": {
        "en": "Province poor-household rates {year} (GSO{prelim}): from **{low:.1f}%** ({low_name}) to "
              "**{high:.1f}%** ({high_name}); national {national:.1f}%",
        "vi": "Tỷ lệ hộ nghèo cấp tỉnh năm {year} (TCTK{prelim}): từ **{low:.1f}%** ({low_name}) đến "
              "**{high:.1f}%** ({high_name}); cả nước {national:.1f}%",
    },
    "preliminary": {"en": ", preliminary", "vi": ", sơ bộ"},
    "map_title": {
        "en": "Poor-household rate by province, {year} (GSO{prelim})",
        "vi": "Tỷ lệ hộ nghèo theo tỉnh, năm {year} (TCTK{prelim})",
    },
    "map_heading": {"en": "Poverty by province", "vi": "Nghèo đói theo tỉnh"},
    "map_caption": {
        "en": "Thick lines: the six socio-economic regions. Boundaries: geoBoundaries (2008 boundaries). "
              "Rates are GSO survey estimates under the income poverty line of the time, not MOLISA's "
              "multidimensional counts.",
        "vi": "Đường đậm: sáu vùng kinh tế - xã hội. Ranh giới: geoBoundaries (ranh giới năm 2008). Tỷ lệ "
              "là ước tính khảo sát của TCTK theo chuẩn nghèo thu nhập từng thời kỳ, không phải số liệu "
              "rà soát nghèo đa chiều của Bộ LĐ-TB&XH.",
    },
    "map_no_data": {
        "en": "Hatched grey: no {year} figure published for {names}.",
        "vi": "Gạch chéo màu xám: không có số liệu công bố năm {year} cho {names}.",
    },
    "rate_pct": {"en": "Poor households (%)", "vi": "Hộ nghèo (%)"},
    "year": {"en": "Year", "vi": "Năm"},
    "series_heading": {"en": "National poverty series", "vi": "Chuỗi tỷ lệ nghèo cả nước"},
    "series_title": {
        "en": "National poor-household rate by source and standard",
        "vi": "Tỷ lệ hộ nghèo cả nước theo nguồn và chuẩn nghèo",
    },
    "series_molisa": {"en": "MOLISA review, {standard} standard", "vi": "Rà soát Bộ LĐ-TB&XH, chuẩn {standard}"},
    "series_gso": {"en": "GSO survey, income line of the time", "vi": "Khảo sát TCTK, chuẩn thu nhập từng thời kỳ"},
    "series_break": {"en": "standard change 2021→2022", "vi": "đổi chuẩn 2021→2022"},
    "series_caption": {
        "en": "The MOLISA series breaks between 2021 (2.23%, 2016-2020 standard) and 2022 (4.03%, "
              "2022-2025 standard): the rise is the new standard, not a rise in poverty. GSO survey "
              "estimates and MOLISA administrative counts are different measurements and are never "
              "joined into one series.",
        "vi": "Chuỗi của Bộ LĐ-TB&XH bị gián đoạn giữa 2021 (2,23%, chuẩn 2016-2020) và 2022 (4,03%, "
              "chuẩn 2022-2025): mức tăng là do chuẩn mới, không phải nghèo tăng. Ước tính khảo sát của "
              "TCTK và số liệu rà soát hành chính của Bộ LĐ-TB&XH là hai phép đo khác nhau và không bao "
              "giờ được nối thành một chuỗi.",
    },
    "regions_heading": {"en": "Poverty by region", "vi": "Nghèo đói theo vùng"},
    "region": {"en": "Region", "vi": "Vùng"},
    "col_gso": {"en": "GSO {year} (%)", "vi": "TCTK {year} (%)"},
    "col_molisa_poor": {"en": "MOLISA {year} poor (%)", "vi": "Bộ LĐ-TB&XH {year} nghèo (%)"},
    "col_molisa_near": {"en": "MOLISA {year} near-poor (%)", "vi": "Bộ LĐ-TB&XH {year} cận nghèo (%)"},
    "national": {"en": "Whole country", "vi": "Cả nước"},
    "sources_heading": {"en": "Data sources: what is real, what is synthetic", "vi": "Nguồn dữ liệu: thật và tổng hợp"},
    "col_dataset": {"en": "Dataset", "vi": "Bộ dữ liệu"},
    "col_kind": {"en": "Kind", "vi": "Loại"},
    "col_source": {"en": "Source", "vi": "Nguồn"},
    "col_licence": {"en": "Licence", "vi": "Giấy phép"},
    "col_sha": {"en": "SHA-256 (first 12)", "vi": "SHA-256 (12 ký tự đầu)"},
    "kind_real": {"en": "real, published", "vi": "thật, đã công bố"},
    "kind_synthetic": {"en": "SYNTHETIC", "vi": "TỔNG HỢP (giả lập)"},
    "synthetic_survey": {
        "en": "Household survey panel 2016-2022 ({rows:,} household-rounds, seed {seed})",
        "vi": "Bộ khảo sát hộ gia đình 2016-2022 ({rows:,} lượt hộ, hạt giống {seed})",
    },
    "synthetic_source": {
        "en": "povmodel.synthetic: generated, calibrated to MOLISA/GSO published rates; not survey records",
        "vi": "povmodel.synthetic: dữ liệu giả lập, hiệu chỉnh theo tỷ lệ công bố của Bộ LĐ-TB&XH/TCTK; không phải số liệu điều tra",
    },
    "flags_heading": {"en": "Parameters flagged as uncertain or draft", "vi": "Tham số chưa chắc chắn hoặc dự thảo"},
    "flags_intro": {
        "en": "These dated policy parameters in force at {date} are not yet verified against the legal "
              "text (or come from a draft). Numbers that depend on them carry the same caveat.",
        "vi": "Các tham số chính sách hiệu lực tại {date} dưới đây chưa được đối chiếu với văn bản pháp "
              "luật (hoặc lấy từ dự thảo). Các số liệu phụ thuộc vào chúng có cùng lưu ý.",
    },
    "flags_none": {"en": "No flagged parameter at {date}.", "vi": "Không có tham số cần lưu ý tại {date}."},
    "col_parameter": {"en": "Parameter", "vi": "Tham số"},
    "col_status": {"en": "Status", "vi": "Tình trạng"},
    "col_reference": {"en": "Reference", "vi": "Căn cứ"},
    "col_note": {"en": "Note", "vi": "Ghi chú"},
    "provenance_heading": {"en": "Provenance", "vi": "Nguồn gốc kết quả"},
    "col_item": {"en": "Item", "vi": "Mục"},
    "col_value": {"en": "Value", "vi": "Giá trị"},
    "index_title": {"en": "povmodel reports", "vi": "Báo cáo povmodel"},
    "col_report": {"en": "Report", "vi": "Báo cáo"},
    "col_time": {"en": "Time (s)", "vi": "Thời gian (giây)"},
    "kf_national_rate": {"en": "National poor-household rate (MOLISA)", "vi": "Tỷ lệ hộ nghèo cả nước (Bộ LĐ-TB&XH)"},
    "col_key_figures": {"en": "Key figures", "vi": "Số liệu chính"},
    "index_reports": {"en": "National reports", "vi": "Báo cáo toàn quốc"},
    "index_briefs": {"en": "Province briefs", "vi": "Báo cáo tóm tắt cấp tỉnh"},
    "index_comparisons": {"en": "Scenario comparisons", "vi": "So sánh kịch bản"},
    "index_failed": {"en": "{n} report(s) failed: their executed notebooks are kept as logs.",
                     "vi": "{n} báo cáo bị lỗi: notebook đã chạy được giữ lại làm nhật ký."},
    "synthetic_banner": {
        "en": "Household-level figures in this report come from SYNTHETIC survey data calibrated to "
              "published GSO/MOLISA rates. They illustrate the methods; they are not official statistics.",
        "vi": "Các số liệu cấp hộ trong báo cáo này lấy từ dữ liệu khảo sát TỔNG HỢP (giả lập), hiệu chỉnh "
              "theo tỷ lệ công bố của TCTK/Bộ LĐ-TB&XH. Chúng minh họa phương pháp, không phải số liệu "
              "thống kê chính thức.",
    },
}


def register(labels: dict[str, dict[str, str]]) -> None:
    """Add a report module's labels (``{key: {"en": ..., "vi": ...}}``).

    Every label needs both languages; a key may be registered again only with the same text.
    """
    for key, texts in labels.items():
        missing = [lang for lang in LANGUAGES if not texts.get(lang)]
        if missing:
            raise PovmodelError(f"report label {key!r} has no text in {missing}")
        if key in _LABELS and _LABELS[key] != texts:
            raise PovmodelError(f"report label {key!r} registered twice with different text")
        _LABELS[key] = dict(texts)


def label(key: str, language: str, **fields: object) -> str:
    """The text for ``key`` in ``language`` with ``fields`` filled in."""
    if language not in LANGUAGES:
        raise PovmodelError(f"unknown language {language!r}; use one of {LANGUAGES}")
    try:
        text = _LABELS[key][language]
    except KeyError:
        raise PovmodelError(f"no report label {key!r}") from None
    return text.format(**fields) if fields else text


def region_name(row, language: str) -> str:
    """Region name in the report language from a row with ``region_name_en``/``region_name_vi``."""
    return row["region_name_vi"] if language == "vi" else row["region_name_en"]
