"""Targeting: how sure are the poorest-area rankings, how to split a budget, and how well a
household list hits the poor.

:mod:`~povmodel.targeting.ranks` (:func:`rank_uncertainty`, :func:`stable_set`) summarises the
rank of every area across posterior or bootstrap draws. :mod:`~povmodel.targeting.allocation`
(:func:`allocate_budget`, :func:`targeting_errors`) divides a caller-given budget across provinces
and measures inclusion and exclusion errors. :func:`export_table` writes any of these tables as
CSV (UTF-8 with BOM, so that Excel shows the diacritics) or XLSX with Vietnamese or English
column headers.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from povmodel.errors import PovmodelError
from povmodel.io import write_table
from povmodel.targeting.allocation import (
    ALLOCATION_COLUMNS,
    RULES,
    allocate_budget,
    targeting_errors,
)
from povmodel.targeting.ranks import StableSet, draw_ranks, rank_uncertainty, stable_set

#: Column headers of the targeting tables: column -> {"en": ..., "vi": ...}.
HEADERS: dict[str, dict[str, str]] = {
    "area": {"en": "Area", "vi": "Địa bàn"},
    "province": {"en": "Province", "vi": "Tỉnh/thành phố"},
    "mean": {"en": "Mean value", "vi": "Giá trị trung bình"},
    "mean_rank": {"en": "Mean rank", "vi": "Thứ hạng trung bình"},
    "rank_lo": {"en": "Rank, lower bound (95%)", "vi": "Thứ hạng, cận dưới (95%)"},
    "rank_hi": {"en": "Rank, upper bound (95%)", "vi": "Thứ hạng, cận trên (95%)"},
    "p_top_k": {"en": "Probability of being among the k poorest", "vi": "Xác suất thuộc nhóm k nghèo nhất"},
    "poor_households": {"en": "Poor households (expected)", "vi": "Số hộ nghèo (kỳ vọng)"},
    "poor_rate": {"en": "Poverty rate", "vi": "Tỷ lệ hộ nghèo"},
    "risk_households": {"en": "Households at risk of falling into poverty", "vi": "Số hộ có nguy cơ rơi vào nghèo"},
    "poverty_gap": {"en": "Poverty gap (sum)", "vi": "Khoảng nghèo (tổng)"},
    "floor": {"en": "Floor (billion VND)", "vi": "Mức sàn (tỷ đồng)"},
    "allocation": {"en": "Allocation (billion VND)", "vi": "Phân bổ (tỷ đồng)"},
    "share": {"en": "Share of budget", "vi": "Tỷ trọng ngân sách"},
    "per_poor_household": {"en": "Allocation per poor household (million VND)",
                           "vi": "Phân bổ bình quân mỗi hộ nghèo (triệu đồng)"},
    "expected_poor_reached": {"en": "Poor households reached (illustrative)",
                              "vi": "Số hộ nghèo được hỗ trợ (minh họa)"},
    "expected_poor_reached_per_billion": {"en": "Poor households reached per billion VND (illustrative)",
                                          "vi": "Số hộ nghèo được hỗ trợ trên 1 tỷ đồng (minh họa)"},
    "rule": {"en": "Selection rule", "vi": "Tiêu chí lựa chọn"},
    "selected_share": {"en": "Share selected", "vi": "Tỷ lệ hộ được chọn"},
    "poor_share": {"en": "Share poor", "vi": "Tỷ lệ hộ nghèo"},
    "inclusion_error": {"en": "Inclusion error", "vi": "Sai số chọn nhầm"},
    "exclusion_error": {"en": "Exclusion error", "vi": "Sai số bỏ sót"},
    "n_selected": {"en": "Households selected (sample)", "vi": "Số hộ được chọn (mẫu)"},
}
LANGUAGES = ("vi", "en")
EXPORT_FORMATS = (".csv", ".xlsx")


def export_table(frame: pd.DataFrame, path: str | Path, *, language: str = "vi") -> Path:
    """Write a targeting table with translated column headers, atomically.

    Parameters
    ----------
    frame
        Any table; columns found in :data:`HEADERS` are renamed, others kept as they are.
    path
        Target file; ``.csv`` (UTF-8 with BOM) or ``.xlsx``.
    language
        ``"vi"`` (Vietnamese) or ``"en"`` (English) headers.

    Returns
    -------
    pathlib.Path
        The file written.
    """
    if language not in LANGUAGES:
        raise PovmodelError(f"language must be one of {LANGUAGES}, got {language!r}")
    if not isinstance(frame, pd.DataFrame):
        raise PovmodelError("export_table needs a DataFrame")
    if Path(path).suffix.lower() not in EXPORT_FORMATS:
        raise PovmodelError(f"cannot export to {Path(path).name!r}: use one of {', '.join(EXPORT_FORMATS)}")
    path = write_table(frame.rename(columns={c: h[language] for c, h in HEADERS.items()}), path)
    return path


__all__ = [
    "ALLOCATION_COLUMNS",
    "EXPORT_FORMATS",
    "HEADERS",
    "LANGUAGES",
    "RULES",
    "StableSet",
    "allocate_budget",
    "draw_ranks",
    "export_table",
    "rank_uncertainty",
    "stable_set",
    "targeting_errors",
]
