"""Maps of the area re-poverty risk table (:func:`povmodel.risk.area.area_risk`): a static PNG
or an interactive HTML file chosen by the file's extension, for provinces (choropleth) or
districts (points at the district centres)."""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from povmodel import datasets
from povmodel.errors import PovmodelError
from povmodel.io import atomic_path, write_text
from povmodel.reports import figures, interactive

MAP_SUFFIXES = (".png", ".html")


def _hover(level: str) -> dict[str, str]:
    area = {"name": "province"} if level == "province" else {"name": "district", "province_name": "province"}
    return {**area, "share_pct": "expected share (%)", "interval_pct": "95% interval (%)",
            "households_at_risk_fmt": "expected households", "sample_households": "sample households",
            "quality": "quality"}


def _display(table: pd.DataFrame) -> pd.DataFrame:
    """Rounded text columns for hover labels."""
    pct = table["expected_share"] * 100
    return table.assign(
        share_pct=pct.round(2), interval_pct=(table["share_low"] * 100).round(2).astype(str) + " – "
        + (table["share_high"] * 100).round(2).astype(str),
        households_at_risk_fmt=table["households_at_risk"].round(-1).map(
            lambda v: f"{v:,.0f}" if pd.notna(v) else "–"))


def write_risk_map(table: pd.DataFrame, path, *, level: str, scored_year: int, synthetic: bool) -> str:
    """Draw the area risk ``table`` to ``path`` (``.png`` static, ``.html`` interactive);
    written atomically. Returns the path."""
    path = Path(path)
    suffix = path.suffix.lower()
    if suffix not in MAP_SUFFIXES:
        raise PovmodelError(f"risk map: write a .png or .html file, not {suffix or 'no extension'}: {path}")
    prefix = "SYNTHETIC households – " if synthetic else ""
    title = f"{prefix}expected % of non-poor households poor at the round after {scored_year}, by {level}"
    note = ("Synthetic survey calibrated to published rates: illustrative, not official statistics. "
            if synthetic else "") + "Grey: no estimate (too few sample households)."
    provinces = datasets.load_boundaries("province")
    table = _display(table)
    if suffix == ".html":
        draw = interactive.province_map_html if level == "province" else interactive.district_points_html
        extra = {} if level == "province" else {"size": "households_scored"}
        html = draw(provinces, table, value="share_pct", title=title, value_label="expected share (%)",
                    hover=_hover(level), note=note, **extra)
        write_text(path, html)
        return str(path)
    regions = datasets.load_boundaries("region")
    if level == "province":
        fig = figures.province_choropleth(provinces, regions, table.set_index("province")["share_pct"], title=title,
                                          legend_label="expected share (%)", cmap="Reds")
    else:
        fig = figures.district_points(provinces, regions, table, value="share_pct", size="households_scored",
                                      title=title, legend_label="expected share (%)")
    with atomic_path(path) as tmp:
        tmp.write_bytes(figures.figure_png(fig))
    return str(path)
