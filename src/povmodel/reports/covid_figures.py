"""Figures of the COVID-19 and scenario-comparison reports (matplotlib object API, no pyplot)."""

from __future__ import annotations

import numpy as np
import pandas as pd
from matplotlib.colors import TwoSlopeNorm
from matplotlib.figure import Figure
from matplotlib.patches import Patch

SCENARIO_COLOURS = ("#1f77b4", "#d62728", "#ff7f0e", "#2ca02c", "#9467bd", "#8c564b", "#e377c2")


def offset_bars(table: pd.DataFrame, *, title: str, ylabel: str, loss_label: str, transfer_label: str,
                share_text: str) -> Figure:
    """Income loss and transfers paid (VND bn) per scenario, the offset share written above.

    ``table``: index = scenario, columns ``loss``, ``transfers`` (VND bn), ``offset`` (share);
    ``share_text`` has an ``{offset}`` field.
    """
    fig = Figure(figsize=(8.0, 4.2), dpi=110, layout="constrained")
    ax = fig.add_subplot()
    x = np.arange(len(table))
    ax.bar(x - 0.2, table["loss"], width=0.4, color="#d62728", label=loss_label)
    ax.bar(x + 0.2, table["transfers"], width=0.4, color="#2ca02c", label=transfer_label)
    for xi, (loss, offset) in enumerate(zip(table["loss"], table["offset"], strict=True)):
        ax.text(xi, loss, share_text.format(offset=offset), ha="center", va="bottom", fontsize=8)
    ax.set_xticks(x, table.index, fontsize=8)
    ax.set_ylabel(ylabel)
    ax.set_title(title, fontsize=11)
    ax.margins(y=0.15)
    ax.grid(alpha=0.3, axis="y")
    ax.legend(fontsize=8)
    return fig


def grouped_changes(panels: dict[str, pd.DataFrame], *, title: str, ylabel: str) -> Figure:
    """One panel per breakdown: bars of a change (percentage points) by group, one bar per
    scenario, with 95% Monte Carlo intervals.

    ``panels``: panel title -> frame with columns ``group``, ``scenario``, ``mean``, ``low``,
    ``high`` (percentage points; missing = suppressed, not drawn).
    """
    n = len(panels)
    cols = 2 if n > 1 else 1
    rows = int(np.ceil(n / cols))
    fig = Figure(figsize=(11.0, 3.6 * rows + 0.8), dpi=110, layout="constrained")
    axes = np.atleast_1d(fig.subplots(rows, cols, squeeze=False)).ravel()
    for ax, (name, frame) in zip(axes, panels.items(), strict=False):
        groups = list(dict.fromkeys(frame["group"]))
        scenarios = list(dict.fromkeys(frame["scenario"]))
        width = 0.8 / max(len(scenarios), 1)
        x = np.arange(len(groups))
        for i, scenario in enumerate(scenarios):
            part = frame[frame["scenario"] == scenario].set_index("group").reindex(groups)
            mean = part["mean"].to_numpy(dtype=float)
            err = np.abs(part[["low", "high"]].to_numpy(dtype=float).T - mean)
            ax.bar(x + (i - (len(scenarios) - 1) / 2) * width, mean, width=width, yerr=err, capsize=2,
                   color=SCENARIO_COLOURS[i % len(SCENARIO_COLOURS)], label=scenario, error_kw={"linewidth": 0.8})
        ax.axhline(0, color="black", linewidth=0.8)
        ax.set_xticks(x, groups, fontsize=8, rotation=20 if len(groups) > 4 else 0, ha="right" if len(groups) > 4 else "center")
        ax.set_title(name, fontsize=10)
        ax.set_ylabel(ylabel, fontsize=8)
        ax.grid(alpha=0.3, axis="y")
    for ax in axes[n:]:
        ax.set_visible(False)
    handles, labels = axes[0].get_legend_handles_labels()
    fig.legend(handles, labels, loc="outside lower center", ncols=min(len(labels), 4), fontsize=8, frameon=False)
    fig.suptitle(title, fontsize=12)
    return fig


def change_choropleth(provinces, regions, values: pd.Series, *, title: str, legend_label: str,
                      missing_label: str, caption: str = "") -> Figure:
    """Province choropleth of a change (percentage points), diverging colours centred on zero
    (red: more poverty); provinces without a value (suppressed) hatched grey.

    ``values``: changes indexed by GSO province code.
    """
    gdf = provinces.assign(value=provinces["code"].map(values))
    finite = gdf["value"].dropna()
    bound = float(np.nanmax(np.abs(finite))) if len(finite) else 1.0
    bound = bound if bound > 0 else 1.0
    fig = Figure(figsize=(6.4, 9.0), dpi=110, layout="constrained")
    ax = fig.add_subplot()
    gdf.plot(ax=ax, column="value", cmap="RdBu_r", norm=TwoSlopeNorm(0.0, -bound, bound), legend=True,
             edgecolor="white", linewidth=0.3, missing_kwds={"color": "lightgrey", "hatch": "///"},
             legend_kwds={"label": legend_label, "shrink": 0.6})
    regions.boundary.plot(ax=ax, color="#333333", linewidth=0.9)
    if gdf["value"].isna().any():
        ax.legend(handles=[Patch(facecolor="lightgrey", hatch="///", label=missing_label)], loc="lower left",
                  fontsize=8, frameon=False)
    ax.set_title(title, fontsize=11)
    if caption:
        ax.text(0.0, -0.02, caption, transform=ax.transAxes, fontsize=8, va="top", wrap=True)
    ax.set_axis_off()
    ax.set_aspect("equal")
    return fig


def forecast_paths(paths: dict[str, pd.DataFrame], *, title: str, ylabel: str, xlabel: str) -> Figure:
    """National forecast paths with their intervals, one line per scenario.

    ``paths``: legend label -> frame with ``year``, ``mean``, ``low``, ``high`` (percent).
    """
    fig = Figure(figsize=(8.0, 4.2), dpi=110, layout="constrained")
    ax = fig.add_subplot()
    styles = ("-", "--", ":", "-.")
    for i, (name, frame) in enumerate(paths.items()):
        colour = SCENARIO_COLOURS[i % len(SCENARIO_COLOURS)]
        ax.fill_between(frame["year"], frame["low"], frame["high"], color=colour, alpha=0.15)
        ax.plot(frame["year"], frame["mean"], marker="o", color=colour, linestyle=styles[i % len(styles)],
                label=name)
    years = sorted({int(y) for f in paths.values() for y in f["year"]})
    ax.set_xticks(years)
    ax.set_title(title, fontsize=11)
    ax.set_ylabel(ylabel)
    ax.set_xlabel(xlabel)
    ax.set_ylim(bottom=0)
    ax.grid(alpha=0.3)
    ax.legend(fontsize=8)
    return fig
