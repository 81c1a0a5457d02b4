"""Figures for reports, drawn with matplotlib's object API (no pyplot state, no GUI).

Each function takes data first and returns a :class:`matplotlib.figure.Figure`.
"""

from __future__ import annotations

import io

import pandas as pd
from matplotlib.figure import Figure

from povmodel.reports.labels import label


def province_choropleth(provinces, regions, values: pd.Series, *, title: str, legend_label: str,
                        cmap: str = "YlOrRd") -> Figure:
    """A choropleth of the 63 provinces with the region borders drawn on top.

    Parameters
    ----------
    provinces
        GeoDataFrame with a ``code`` column (GSO codes) and geometries.
    regions
        GeoDataFrame of the regions (outlines only).
    values
        Values indexed by GSO province code; provinces without a value are hatched grey.
    """
    gdf = provinces.assign(value=provinces["code"].map(values))
    fig = Figure(figsize=(6.4, 9.0), dpi=110, layout="constrained")
    ax = fig.add_subplot()
    gdf.plot(ax=ax, column="value", cmap=cmap, legend=True, edgecolor="white", linewidth=0.3,
             missing_kwds={"color": "lightgrey", "hatch": "///", "label": "no data"},
             legend_kwds={"label": legend_label, "shrink": 0.6})
    regions.boundary.plot(ax=ax, color="#333333", linewidth=0.9)
    ax.set_title(title, fontsize=11)
    ax.set_axis_off()
    ax.set_aspect("equal")
    return fig


def district_points(provinces, regions, table: pd.DataFrame, *, value: str, size: str, title: str,
                    legend_label: str, cmap: str = "Reds") -> Figure:
    """District values as points at the district centres (``lon``, ``lat`` columns), coloured by
    ``value`` and sized by ``size``, over the province and region outlines; districts without a
    value (suppressed) are small grey crosses. Districts have no open polygons here."""
    import numpy as np

    fig = Figure(figsize=(6.4, 9.0), dpi=110, layout="constrained")
    ax = fig.add_subplot()
    provinces.plot(ax=ax, color="#f4f4f4", edgecolor="#999999", linewidth=0.3)
    regions.boundary.plot(ax=ax, color="#333333", linewidth=0.8)
    shown = table[table[value].notna()]
    sizes = shown[size].to_numpy(dtype=float)
    points = ax.scatter(shown["lon"], shown["lat"], c=shown[value], cmap=cmap, edgecolors="#333333",
                        linewidths=0.2, s=4 + 60 * np.sqrt(sizes / max(np.nanmax(sizes), 1.0)), zorder=3)
    fig.colorbar(points, ax=ax, shrink=0.6, label=legend_label)
    hidden = table[table[value].isna()]
    if len(hidden):
        ax.scatter(hidden["lon"], hidden["lat"], marker="x", s=6, color="#999999", linewidths=0.5, zorder=2,
                   label="suppressed (too few sample households)")
        ax.legend(loc="lower left", fontsize=8, frameon=False)
    ax.set_title(title, fontsize=11)
    ax.set_axis_off()
    ax.set_aspect("equal")
    return fig


def national_series(panel: pd.DataFrame, *, language: str) -> Figure:
    """National poor-household rates: MOLISA review by standard, GSO survey estimates apart."""
    fig = Figure(figsize=(8.0, 4.2), dpi=110, layout="constrained")
    ax = fig.add_subplot()
    nat = panel[(panel["area_level"] == "national") & (panel["indicator"] == "poor_household_rate")]
    # GSO's 1998-2004 rates are under the GSO-World Bank expenditure line: not this series
    gso = nat[nat["source"].str.startswith("GSO") & nat["standard"].eq("gso-income-line")].sort_values("year")
    ax.plot(gso["year"], gso["value"], color="#7f7f7f", marker="s", linestyle="--",
            label=label("series_gso", language))
    molisa = nat[nat["source"].str.startswith("MOLISA")]
    colours = {"2016-2020": "#1f77b4", "2022-2025": "#d62728", "2027-2030": "#2ca02c"}
    for standard, part in molisa.groupby("standard", sort=True):
        part = part.sort_values("year")
        ax.plot(part["year"], part["value"], marker="o", color=colours.get(standard, "black"),
                label=label("series_molisa", language, standard=standard))
        for x, y in zip(part["year"], part["value"], strict=True):
            ax.annotate(f"{y:.2f}", (x, y), textcoords="offset points", xytext=(0, 6), ha="center", fontsize=7)
    if molisa["standard"].nunique() > 1:
        ax.axvline(2021.5, color="black", linestyle=":", linewidth=1)
        ax.text(2021.4, ax.get_ylim()[1] * 0.97, label("series_break", language), fontsize=8, va="top",
                ha="right")
    ax.set_xlabel(label("year", language))
    ax.set_ylabel(label("rate_pct", language))
    ax.set_title(label("series_title", language), fontsize=11)
    ax.set_ylim(bottom=0)
    ax.grid(alpha=0.3)
    ax.legend(fontsize=8, loc="lower left")
    return fig


def figure_png(fig: Figure) -> bytes:
    """PNG bytes of a figure."""
    buf = io.BytesIO()
    fig.savefig(buf, format="png", bbox_inches="tight", pad_inches=0.1)
    return buf.getvalue()
