"""Figures of the province brief (:mod:`povmodel.reports.brief`): the province's position on a
locator map and among the 63 province rates, and its forecast paths by scenario.

Both take their text already translated, draw with matplotlib's object API and return a
:class:`matplotlib.figure.Figure`.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from matplotlib.colors import Normalize
from matplotlib.figure import Figure

HIGHLIGHT = "#08306b"
CMAP = "YlOrRd"
PALETTE = ("#1f77b4", "#d62728", "#2ca02c", "#9467bd", "#ff7f0e", "#8c564b", "#e377c2", "#17becf")


def position(provinces, values: pd.Series, code: str, *, regions: pd.Series, region_order: list[str],
             region_labels: list[str], national: float | None, title_map: str, title_strip: str,
             axis_label: str, national_label: str, name: str) -> Figure:
    """A locator map (provinces shaded by ``values``, province ``code`` outlined) beside a strip
    chart of the 63 province values by region with ``code`` highlighted.

    Parameters
    ----------
    provinces
        GeoDataFrame of the 63 provinces (``code``, geometry).
    values
        Values in percent indexed by GSO code (missing values drawn grey).
    regions
        Region code of each province, indexed by GSO code.
    region_order, region_labels
        Region codes top to bottom and their display names.
    """
    fig = Figure(figsize=(8.6, 5.4), dpi=100, layout="constrained")
    map_ax, strip_ax = fig.subplots(1, 2, width_ratios=(1.0, 1.5))
    norm = Normalize(0, max(float(np.nanmax(values.to_numpy())), 1e-9))
    shaded = provinces.assign(value=provinces["code"].map(values))
    shaded.plot(ax=map_ax, column="value", cmap=CMAP, norm=norm, edgecolor="white", linewidth=0.25,
                missing_kwds={"color": "#d9d9d9"})
    provinces[provinces["code"] == code].plot(ax=map_ax, facecolor="none", edgecolor=HIGHLIGHT, linewidth=2.2)
    map_ax.set_title(title_map, fontsize=9, wrap=True)
    map_ax.set_axis_off()
    map_ax.set_aspect("equal")

    rows = {r: i for i, r in enumerate(region_order)}
    frame = pd.DataFrame({"value": values, "row": regions.reindex(values.index).map(rows)}).dropna()
    jitter = np.random.default_rng(0).uniform(-0.18, 0.18, len(frame))
    strip_ax.scatter(frame["value"], frame["row"] + jitter, s=24, c=frame["value"], cmap=CMAP, norm=norm,
                     edgecolors="#777777", linewidths=0.4)
    if code in frame.index:
        x, y = frame.loc[code, "value"], frame.loc[code, "row"]
        strip_ax.scatter([x], [y], s=110, c=[x], cmap=CMAP, norm=norm, edgecolors=HIGHLIGHT, linewidths=2.2,
                         zorder=3)
        strip_ax.annotate(name, (x, y), xytext=(0, 9), textcoords="offset points", ha="center", fontsize=9,
                          fontweight="bold", color=HIGHLIGHT)
    if national is not None and np.isfinite(national):
        strip_ax.axvline(national, color="#333333", linestyle="--", linewidth=1)
        strip_ax.text(national, len(region_order) - 0.45, f" {national_label}", fontsize=8, va="bottom")
    strip_ax.set_yticks(range(len(region_order)), region_labels, fontsize=8)
    strip_ax.set_ylim(len(region_order) - 0.4, -0.6)
    strip_ax.set_xlim(left=0)
    strip_ax.set_xlabel(axis_label)
    strip_ax.set_title(title_strip, fontsize=10)
    strip_ax.grid(axis="x", alpha=0.3)
    return fig


def forecast(paths: list[tuple[str, pd.DataFrame]], observed: list[tuple[str, pd.DataFrame, str]], *,
             title: str, axis_label: str, year_label: str) -> Figure:
    """Forecast paths with their 95% bands and the observed survey estimates.

    Parameters
    ----------
    paths
        ``(legend label, frame with year, mean, low, high in percent)`` per distinct path.
    observed
        ``(legend label, frame with year, value, low, high in percent, marker style)``; a
        ``"filled"`` style for estimates under the forecast's standard, ``"hollow"`` otherwise.
    """
    fig = Figure(figsize=(8.0, 4.2), dpi=100, layout="constrained")
    ax = fig.add_subplot()
    for i, (text, path) in enumerate(paths):
        colour = PALETTE[i % len(PALETTE)]
        ax.fill_between(path["year"], path["low"], path["high"], color=colour, alpha=0.12, linewidth=0)
        ax.plot(path["year"], path["mean"], color=colour, marker="o", markersize=3, label=text)
    for text, points, style in observed:
        filled = style == "filled"
        ax.errorbar(points["year"], points["value"],
                    yerr=[points["value"] - points["low"], points["high"] - points["value"]],
                    fmt="s", color="black", markerfacecolor="black" if filled else "white", capsize=2,
                    linewidth=0.8, markersize=5, label=text)
    ax.set_xlabel(year_label)
    ax.set_ylabel(axis_label)
    ax.set_title(title, fontsize=10)
    ax.set_ylim(bottom=0)
    ax.xaxis.get_major_locator().set_params(integer=True)
    ax.grid(alpha=0.3)
    ax.legend(fontsize=7, loc="upper center", bbox_to_anchor=(0.5, -0.18), ncol=2, frameon=False)
    return fig
