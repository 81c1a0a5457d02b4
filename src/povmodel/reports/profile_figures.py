"""Figures of the poverty-profile report (matplotlib object API, no pyplot)."""

from __future__ import annotations

import numpy as np
import pandas as pd
from matplotlib.figure import Figure

#: One colour per poverty standard.
STANDARD_COLOURS = {"2016-2020": "#1f77b4", "2022-2025": "#d62728", "2027-2030": "#2ca02c"}


def _standard_break(ax, years: pd.Series, standards: pd.Series, text: str) -> None:
    """A dotted line (with ``text``) between the last year of one standard and the first of the next."""
    ordered = pd.DataFrame({"year": years.to_numpy(), "standard": standards.to_numpy()}).sort_values("year")
    changes = ordered["standard"].ne(ordered["standard"].shift()) & ordered.index.isin(ordered.index[1:])
    for i in np.flatnonzero(changes.to_numpy()):
        x = (ordered["year"].iloc[i - 1] + ordered["year"].iloc[i]) / 2
        ax.axvline(x, color="black", linestyle=":", linewidth=1)
        ax.text(x, 0.98, f" {text}", transform=ax.get_xaxis_transform(), fontsize=8, va="top", ha="left")


def national_rates(table: pd.DataFrame, *, title: str, ylabel: str, xlabel: str, series: dict[str, str],
                   standard_label: str, break_label: str) -> Figure:
    """National rates by survey year with 95% intervals, markers coloured by standard.

    Parameters
    ----------
    table
        Columns ``year``, ``standard`` and, for every key ``m`` of ``series``, ``m``,
        ``m_low``, ``m_high`` (shares).
    series
        Measure -> legend label.
    standard_label
        Legend label of a standard, with a ``{standard}`` field.
    """
    fig = Figure(figsize=(8.0, 4.2), dpi=110, layout="constrained")
    ax = fig.add_subplot()
    styles = ("-", "--")
    for (measure, name), style in zip(series.items(), styles, strict=False):
        y = 100 * table[measure].to_numpy(dtype=float)
        err = np.abs(100 * table[[f"{measure}_low", f"{measure}_high"]].to_numpy(dtype=float).T - y)
        ax.errorbar(table["year"], y, yerr=err, color="#444444", linestyle=style, linewidth=1.2, capsize=3,
                    label=name, zorder=2)
        for standard, part in table.groupby("standard", sort=True):
            ax.scatter(part["year"], 100 * part[measure], color=STANDARD_COLOURS.get(standard, "black"),
                       s=36, zorder=3)
    for standard in sorted(table["standard"].unique()):
        ax.scatter([], [], color=STANDARD_COLOURS.get(standard, "black"), s=36,
                   label=standard_label.format(standard=standard))
    _standard_break(ax, table["year"], table["standard"], break_label)
    ax.set_title(title, fontsize=11)
    ax.set_ylabel(ylabel)
    ax.set_xlabel(xlabel)
    ax.set_xticks(table["year"].to_numpy())
    ax.set_ylim(bottom=0)
    ax.grid(alpha=0.3)
    ax.legend(fontsize=8, loc="lower left")
    return fig


def region_lines(table: pd.DataFrame, standards: pd.Series, *, title: str, ylabel: str, xlabel: str,
                 break_label: str) -> Figure:
    """Poor-household rate by region and survey year (``table``: years x region names, shares)."""
    fig = Figure(figsize=(8.0, 4.4), dpi=110, layout="constrained")
    ax = fig.add_subplot()
    for name in table.columns:
        ax.plot(table.index, 100 * table[name], marker="o", label=name)
    _standard_break(ax, pd.Series(table.index), standards, break_label)
    ax.set_title(title, fontsize=11)
    ax.set_ylabel(ylabel)
    ax.set_xlabel(xlabel)
    ax.set_xticks(table.index.to_numpy())
    ax.set_ylim(bottom=0)
    ax.grid(alpha=0.3)
    ax.legend(fontsize=8, loc="upper right", ncols=2)
    return fig


def contribution_bars(shares: pd.DataFrame, *, title: str, xlabel: str) -> Figure:
    """Stacked horizontal bars: each row (area) split into its dimensions' contributions (shares
    summing to 1, columns in legend order)."""
    fig = Figure(figsize=(8.0, 0.45 * len(shares) + 1.8), dpi=110, layout="constrained")
    ax = fig.add_subplot()
    left = np.zeros(len(shares))
    colours = ("#4e79a7", "#f28e2b", "#e15759", "#76b7b2", "#59a14f", "#edc948", "#b07aa1")
    rows = np.arange(len(shares))[::-1]
    for colour, column in zip(colours, shares.columns, strict=False):
        width = 100 * shares[column].to_numpy(dtype=float)
        ax.barh(rows, width, left=left, color=colour, label=column, edgecolor="white", linewidth=0.5)
        for y, x, w in zip(rows, left, width, strict=True):
            if w >= 6:
                ax.text(x + w / 2, y, f"{w:.0f}", ha="center", va="center", fontsize=7, color="white")
        left += width
    ax.set_yticks(rows, shares.index)
    ax.set_xlim(0, 100)
    ax.set_xlabel(xlabel)
    ax.set_title(title, fontsize=11)
    ax.legend(fontsize=8, loc="upper center", bbox_to_anchor=(0.5, -0.12), ncols=3, frameon=False)
    return fig
