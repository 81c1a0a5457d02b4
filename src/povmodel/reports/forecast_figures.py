"""Figures of the forecast report (matplotlib object API): poverty paths with their bands, small
multiples by region, and a traffic-light map of target attainment.

The functions take tidy tables and already translated text; they hold no report logic.
"""

from __future__ import annotations

import pandas as pd
from matplotlib.figure import Figure
from matplotlib.patches import Patch

#: Colours of the target-attainment traffic lights.
LIGHT_COLOURS = {"green": "#1a9850", "amber": "#fdae61", "red": "#d73027"}
SCENARIO_COLOURS = ("#d62728", "#1f77b4", "#ff7f0e", "#9467bd", "#2ca02c", "#8c564b", "#e377c2", "#17becf")


def _band(ax, part: pd.DataFrame, colour: str, label: str, *, alpha: float = 0.15, marker: str = "o",
          linestyle: str = "-", zorder: float = 2) -> None:
    part = part.sort_values("year")
    ax.fill_between(part["year"], part["low"], part["high"], color=colour, alpha=alpha, linewidth=0)
    ax.plot(part["year"], part["mean"], color=colour, marker=marker, markersize=4, linestyle=linestyle, label=label,
            zorder=zorder)


def national_paths(forecasts: dict[str, pd.DataFrame], history: dict[str, pd.DataFrame], *, title: str,
                   xlabel: str, ylabel: str, break_label: str, break_year: float) -> Figure:
    """The national poor-household rate: each history series and each scenario's forecast
    (``year``, ``mean``, ``low``, ``high`` in percent; keys are legend labels).

    History series with equal ``low`` and ``high`` are drawn as points without a band; the
    change of standard is marked at ``break_year``.
    """
    fig = Figure(figsize=(8.4, 4.8), dpi=110, layout="constrained")
    ax = fig.add_subplot()
    greys = ("#7f7f7f", "#000000", "#444444")
    for i, (name, part) in enumerate(history.items()):
        if (part["high"] > part["low"]).any():
            _band(ax, part, greys[i % len(greys)], name, alpha=0.12, marker="s")
        else:
            ax.plot(part["year"], part["mean"], color=greys[i % len(greys)], marker="*" if len(part) == 1 else "s",
                    markersize=10 if len(part) == 1 else 4, linestyle="--", label=name)
    for i, (name, part) in enumerate(forecasts.items()):  # the first scenario drawn on top
        _band(ax, part, SCENARIO_COLOURS[i % len(SCENARIO_COLOURS)], name, alpha=0.10 if i else 0.2,
              linestyle="-" if i == 0 else "--", zorder=3 if i == 0 else 2)
    ax.axvline(break_year, color="black", linestyle=":", linewidth=1)
    ax.text(break_year + 0.1, 0.02, break_label, fontsize=8, va="bottom", transform=ax.get_xaxis_transform())
    ax.set_xlabel(xlabel)
    ax.set_ylabel(ylabel)
    ax.set_ylim(bottom=0)
    ax.set_title(title, fontsize=11)
    ax.grid(alpha=0.3)
    ax.legend(fontsize=7, loc="upper right")
    return fig


def regional_paths(panels: list[tuple[str, pd.DataFrame, pd.DataFrame, pd.DataFrame]], *, title: str,
                   ylabel: str, labels: tuple[str, str, str]) -> Figure:
    """Small multiples, one per region: ``(name, forecast, history, check)`` tables (``year``,
    ``mean``, ``low``, ``high`` in percent). ``labels``: legend texts of the forecast, the
    history and the check points."""
    cols = 3
    rows = (len(panels) + cols - 1) // cols
    fig = Figure(figsize=(10.0, 3.1 * rows + 0.6), dpi=110, layout="constrained")
    axes = fig.subplots(rows, cols, sharex=True, squeeze=False).ravel()
    for ax, (name, forecast, history, check) in zip(axes, panels, strict=False):
        _band(ax, history, "#555555", labels[1], alpha=0.12, marker="s", linestyle="--")
        _band(ax, forecast, SCENARIO_COLOURS[0], labels[0], alpha=0.2)
        if len(check):
            ax.plot(check["year"], check["mean"], linestyle="none", marker="*", markersize=9, color="#1f77b4",
                    label=labels[2])
        ax.set_title(name, fontsize=9)
        ax.set_ylim(bottom=0)
        ax.grid(alpha=0.3)
        ax.tick_params(labelsize=8)
    for ax in axes[len(panels):]:
        ax.set_axis_off()
    axes[0].set_ylabel(ylabel, fontsize=8)
    handles, texts = axes[0].get_legend_handles_labels()
    fig.legend(handles, texts, loc="outside lower center", ncols=3, fontsize=8, frameon=False)
    fig.suptitle(title, fontsize=11)
    return fig


def light_map(provinces, regions, lights: pd.Series, *, title: str, legend: dict[str, str],
              missing_label: str) -> Figure:
    """Provinces coloured green / amber / red (``lights`` indexed by GSO code); provinces
    without a light are white. ``legend``: light -> legend text."""
    gdf = provinces.assign(light=provinces["code"].map(lights))
    fig = Figure(figsize=(6.4, 9.0), dpi=110, layout="constrained")
    ax = fig.add_subplot()
    handles = []
    for light, colour in LIGHT_COLOURS.items():
        part = gdf[gdf["light"] == light]
        if len(part):
            part.plot(ax=ax, color=colour, edgecolor="white", linewidth=0.3)
        handles.append(Patch(facecolor=colour, label=legend[light]))
    blank = gdf[gdf["light"].isna()]
    if len(blank):
        blank.plot(ax=ax, color="white", edgecolor="#999999", linewidth=0.4)
        handles.append(Patch(facecolor="white", edgecolor="#999999", label=missing_label))
    regions.boundary.plot(ax=ax, color="#333333", linewidth=0.9)
    ax.legend(handles=handles, loc="upper right", fontsize=8, frameon=False)
    ax.set_title(title, fontsize=11)
    ax.set_axis_off()
    ax.set_aspect("equal")
    return fig
