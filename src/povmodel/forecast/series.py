"""Tidy accessors for the forecasting models: the real poverty series as wide tables of shares.

Every accessor takes the long regional panel (:func:`povmodel.datasets.load_regional_panel`)
and returns areas x years (or years) on the share scale, with the source and standard in
``DataFrame.attrs``. Series never mix standards:

- GSO survey rates (``gso-income-line``) are the government income line *of the time*: the
  2006-2010 line for 2006 and 2008, the 2011-2015 line from 2010 on (data/raw/README.md). The
  break between 2008 and 2010 (most provinces' rate jumps up) is a change of line, so the
  accessors start in 2010 unless asked explicitly to cross it (``allow_line_change=True``).
- MOLISA administrative rates are ``2016-2020`` (2015-2021) or ``2022-2025`` (from 2022); the
  2021 -> 2022 jump is the change of standard. :func:`single_standard` keeps one of them.
"""

from __future__ import annotations

from collections.abc import Iterable

import numpy as np
import pandas as pd

from povmodel.datasets import SOURCE_GSO, SOURCE_MOLISA, STANDARD_GSO_INCOME
from povmodel.errors import DataValidationError, Problem

RATE = "poor_household_rate"
NATIONAL = "NATIONAL"
#: First year GSO rates use the 2011-2015 income line (2006 and 2008 use the 2006-2010 line).
GSO_LINE_CHANGE_YEAR = 2010
GSO_LINE_2006_2010 = "gso-income-line (2006-2010 government income line)"
GSO_LINE_2011_2015 = "gso-income-line (2011-2015 government income line)"
SOURCES = {"MOLISA": SOURCE_MOLISA, "GSO": SOURCE_GSO}


def gso_line(year: int) -> str:
    """The GSO income poverty line a GSO rate of ``year`` was measured against."""
    return GSO_LINE_2011_2015 if int(year) >= GSO_LINE_CHANGE_YEAR else GSO_LINE_2006_2010


def _select(panel: pd.DataFrame, *, indicator: str, level: str, source: str,
            standard: str | None = None) -> pd.DataFrame:
    need = {"area_code", "area_level", "year", "indicator", "value", "source", "standard"}
    missing = need - set(panel.columns)
    if missing:
        raise DataValidationError(Problem("the regional panel lacks columns", location=", ".join(sorted(missing))))
    rows = panel[(panel["indicator"] == indicator) & (panel["area_level"] == level) & (panel["source"] == source)]
    if standard is not None:
        rows = rows[rows["standard"] == standard]
    if rows.empty:
        what = f"{level} {indicator} from {source!r}" + (f" under standard {standard!r}" if standard else "")
        raise DataValidationError(Problem(f"the regional panel has no {what}", location=indicator))
    dup = rows.duplicated(["area_code", "year", "standard"], keep=False)
    if dup.any():
        ex = tuple(rows.loc[dup, ["area_code", "year"]].drop_duplicates().itertuples(index=False, name=None))
        raise DataValidationError(Problem(f"{indicator}: an area and year appear more than once",
                                          location=indicator, rows=int(dup.sum()), examples=ex))
    return rows


def _check_percent(rows: pd.DataFrame, indicator: str) -> None:
    """Rates must be percentages in [0, 100] (missing values are not allowed in the panel)."""
    value = rows["value"].astype(float)
    bad = ~value.between(0.0, 100.0)
    if bad.any():
        ex = tuple(f"{a} {y}: {v:g}" for a, y, v in rows.loc[bad, ["area_code", "year", "value"]].itertuples(
            index=False, name=None))
        raise DataValidationError(Problem(f"{indicator} outside [0, 100] percent", location=indicator,
                                          rows=int(bad.sum()), examples=ex))


def _years(frame: pd.DataFrame, first_year: int | None, last_year: int | None, what: str) -> pd.DataFrame:
    cols = np.asarray(frame.columns, dtype=int)
    keep = np.ones(len(cols), dtype=bool)
    if first_year is not None:
        keep &= cols >= int(first_year)
    if last_year is not None:
        keep &= cols <= int(last_year)
    if not keep.any():
        raise DataValidationError(Problem(
            f"{what}: no year between {first_year} and {last_year} (years held: {cols.min()}-{cols.max()})",
            location="year"))
    return frame.loc[:, keep]


def gso_rate_series(panel: pd.DataFrame, level: str = "province", *, first_year: int = GSO_LINE_CHANGE_YEAR,
                    last_year: int | None = None, allow_line_change: bool = False,
                    indicator: str = RATE) -> pd.DataFrame:
    """GSO survey poverty rates as a wide table of shares (areas x years).

    Parameters
    ----------
    panel
        The long regional panel.
    level
        ``"province"`` (63), ``"region"`` (6) or ``"national"``.
    first_year, last_year
        Years kept (default from 2010: one income line throughout).
    allow_line_change
        Allow years on both sides of the 2008 -> 2010 change of income line.
    indicator
        Panel indicator (default ``poor_household_rate``).

    Returns
    -------
    pandas.DataFrame
        Index ``area_code``, integer year columns, shares in [0, 1] (NaN where GSO published
        nothing). ``attrs``: ``source``, ``standard``, ``line_by_year``, ``preliminary_years``,
        ``area_names``.

    Raises
    ------
    DataValidationError
        No such rows, a rate outside [0, 100], a repeated area and year, or a series that crosses
        the change of income line without ``allow_line_change``.
    """
    rows = _select(panel, indicator=indicator, level=level, source=SOURCE_GSO, standard=STANDARD_GSO_INCOME)
    _check_percent(rows, indicator)
    wide = rows.pivot(index="area_code", columns="year", values="value").sort_index(axis=0).sort_index(axis=1)
    wide.columns = wide.columns.astype(int)
    wide = _years(wide, first_year, last_year, f"GSO {level} {indicator}") / 100.0
    lines = {int(y): gso_line(y) for y in wide.columns}
    if len(set(lines.values())) > 1 and not allow_line_change:
        raise DataValidationError(Problem(
            f"GSO {level} {indicator} {min(lines)}-{max(lines)} crosses the change of income line between "
            f"{GSO_LINE_CHANGE_YEAR - 2} and {GSO_LINE_CHANGE_YEAR} (2006-2010 line before, 2011-2015 line after); "
            f"start in {GSO_LINE_CHANGE_YEAR} or pass allow_line_change=True", location="year"))
    wide.index.name = "area_code"
    wide.columns.name = "year"
    prelim = rows.loc[rows.get("preliminary", pd.Series(False, index=rows.index)).astype(bool), "year"]
    wide.attrs = {
        "source": SOURCE_GSO, "standard": STANDARD_GSO_INCOME, "indicator": indicator, "unit": "share",
        "line_by_year": lines,
        "preliminary_years": sorted({int(y) for y in prelim if int(y) in lines}),
        "area_names": rows.drop_duplicates("area_code").set_index("area_code")["area_name"].to_dict()
        if "area_name" in rows else {},
    }
    return wide


def province_series(panel: pd.DataFrame, *, first_year: int = GSO_LINE_CHANGE_YEAR, last_year: int | None = None,
                    allow_line_change: bool = False) -> pd.DataFrame:
    """GSO province poor-household rates (63 provinces x years, shares); see :func:`gso_rate_series`.

    The default, 2010-2016, is on the 2011-2015 income line throughout (2016 is preliminary;
    Hồ Chí Minh City has no 2016 value).
    """
    return gso_rate_series(panel, "province", first_year=first_year, last_year=last_year,
                           allow_line_change=allow_line_change)


def national_series(panel: pd.DataFrame, source: str = "MOLISA", *, standard: str | None = None,
                    indicator: str = RATE) -> pd.DataFrame:
    """The national poverty rate by year, with the standard of each year.

    Parameters
    ----------
    panel
        The long regional panel.
    source
        ``"MOLISA"`` (administrative review, 2015-2022) or ``"GSO"`` (survey, 1998-2016).
    standard
        Keep only this standard (e.g. ``"2016-2020"``); ``None`` keeps all, one row per year and
        standard.

    Returns
    -------
    pandas.DataFrame
        Index ``year``; columns ``share`` (in [0, 1]), ``standard``, ``preliminary``.
    """
    if source not in SOURCES:
        raise DataValidationError(Problem(f"unknown source {source!r}; use one of {sorted(SOURCES)}",
                                          location="source"))
    rows = _select(panel, indicator=indicator, level="national", source=SOURCES[source], standard=standard)
    _check_percent(rows, indicator)
    prelim = rows["preliminary"].astype(bool) if "preliminary" in rows else False
    out = pd.DataFrame({"year": rows["year"].astype(int).to_numpy(), "share": rows["value"].to_numpy() / 100.0,
                        "standard": rows["standard"].to_numpy(), "preliminary": np.asarray(prelim, dtype=bool)})
    out = out.sort_values(["year", "standard"]).set_index("year")
    out.attrs = {"source": SOURCES[source], "indicator": indicator, "unit": "share"}
    return out


def single_standard(national: pd.DataFrame, standard: str | None = None, *, area: str = NATIONAL) -> pd.DataFrame:
    """One standard of a :func:`national_series` as a one-row wide table for the models.

    Parameters
    ----------
    national
        Output of :func:`national_series`.
    standard
        The standard to keep; ``None`` requires the series to hold exactly one.

    Returns
    -------
    pandas.DataFrame
        One row (``area``) by integer years, shares; ``attrs["standard"]``.
    """
    held = list(dict.fromkeys(national["standard"]))
    if standard is None:
        if len(held) != 1:
            raise DataValidationError(Problem(
                f"the national series mixes standards {held}; choose one (a change of standard is not a change "
                "in poverty)", location="standard"))
        standard = held[0]
    part = national[national["standard"] == standard]
    if part.empty:
        raise DataValidationError(Problem(f"no national rate under standard {standard!r} (held: {held})",
                                          location="standard"))
    wide = part["share"].to_frame(area).T
    wide.columns = wide.columns.astype(int)
    wide.index.name, wide.columns.name = "area_code", "year"
    wide.attrs = {**national.attrs, "standard": standard}
    return wide


def _gso_indicator(panel: pd.DataFrame, indicator: str, level: str, first_year: int | None,
                   last_year: int | None) -> pd.DataFrame:
    rows = _select(panel, indicator=indicator, level=level, source=SOURCE_GSO)
    value = rows["value"].astype(float)
    bad = ~(value > 0) | ~np.isfinite(value)
    if bad.any():
        ex = tuple(f"{a} {y}: {v:g}" for a, y, v in rows.loc[bad, ["area_code", "year", "value"]].itertuples(
            index=False, name=None))
        raise DataValidationError(Problem(f"{indicator} must be positive", location=indicator,
                                          rows=int(bad.sum()), examples=ex))
    wide = rows.pivot(index="area_code", columns="year", values="value").sort_index(axis=0).sort_index(axis=1)
    wide.columns = wide.columns.astype(int)
    wide = _years(wide, first_year, last_year, f"GSO {level} {indicator}")
    wide.index.name, wide.columns.name = "area_code", "year"
    wide.attrs = {"source": SOURCE_GSO, "indicator": indicator,
                  "unit": str(rows["unit"].iloc[0]) if "unit" in rows else ""}
    return wide


def province_population(panel: pd.DataFrame, *, first_year: int | None = None,
                        last_year: int | None = None) -> pd.DataFrame:
    """GSO average population by province (63 x years, thousand persons, 1995-2016)."""
    return _gso_indicator(panel, "population_total", "province", first_year, last_year)


def province_income(panel: pd.DataFrame, *, first_year: int | None = None,
                    last_year: int | None = None) -> pd.DataFrame:
    """GSO monthly income per capita by province (63 x 2010, 2012, 2014, 2016; thousand VND at current
    prices, i.e. nominal; 2016 preliminary)."""
    return _gso_indicator(panel, "income_pc_monthly", "province", first_year, last_year)


def national_income(panel: pd.DataFrame, *, area: str = NATIONAL) -> pd.DataFrame:
    """GSO national monthly income per capita (one row ``area``; nominal thousand VND)."""
    wide = _gso_indicator(panel, "income_pc_monthly", "national", None, None)
    return wide.rename(index={wide.index[0]: area})


def area_labels(areas: Iterable[str], panel: pd.DataFrame | None = None) -> dict[str, str]:
    """Area code -> name from the panel (codes themselves where the panel has no name)."""
    areas = list(areas)
    if panel is None or "area_name" not in panel:
        return {a: a for a in areas}
    names = panel.drop_duplicates("area_code").set_index("area_code")["area_name"]
    return {a: str(names.get(a, a)) for a in areas}
