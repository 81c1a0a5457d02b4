"""Parsing the wide GSO statistical tables in ``data/raw/gso_province_2006_2016`` into panel rows.

The tables were scraped from the GSO website (21/09/2018, R package ``choisy/gso``). They are
``;``-separated; most start with a title line and a blank line before the header, a few were
reshaped by the package authors and repeat their header line instead; ``..`` means "not
published". Area names are ASCII English ("Ha Noi", " WHOLE COUNTRY", "Red River Delta",
"whole_country"), column headers carry the year, a preliminary mark ("Pre. 2016",
"Prel. 2016", "Pre..2016", "prel_2016") and, in multi-item tables, the item ("Total Prel. 2016",
"2010 Quintile 1", "2016 (*) Area (Km2)").

One generic function, :func:`parse_table`, reads any of them; a :class:`TableSpec` per file says
which item becomes which indicator (:data:`TABLES`). Province values before 2008 for Hà Nội and
before 2004 for Lai Châu, Đắk Lắk and Cần Thơ refer to the boundaries of the time (before Hà Tây
was merged, Điện Biên, Đắk Nông and Hậu Giang split off), as GSO published them.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from povmodel import admin
from povmodel.errors import DataValidationError, Problem, UnknownAreaError
from povmodel.paths import raw_dir

GSO_FOLDER = "gso_province_2006_2016"
#: Source of every GSO figure (survey estimates, VHLSS and the labour force survey).
SOURCE_GSO = "GSO survey (VHLSS)"
#: Poverty rates under the government income poverty line of the time (2006 onwards).
STANDARD_GSO_INCOME = "gso-income-line"
#: Poverty rates under the GSO-World Bank expenditure (consumption) poverty line (1998-2004).
STANDARD_GSO_WB_EXPENDITURE = "gso-wb-expenditure-line"
#: ``standard`` of indicators that are not poverty measurements (population, income, labour).
STANDARD_NONE = "n/a"
GSO_VINTAGE = "GSO website tables scraped 2018-09-21 (R package choisy/gso)"
NATIONAL = "NATIONAL"
NATIONAL_NAME = "Việt Nam"

_THOUSAND_PERSONS = "thousand persons"
_INCOME = "thousand VND/person/month"
_PCT = "%"
_POVERTY_STANDARDS = ((0, STANDARD_GSO_WB_EXPENDITURE), (2006, STANDARD_GSO_INCOME))

#: GSO spellings of the national row and the six regions (keys as :func:`admin.normalise_name`
#: makes them); the income, population and labour tables say "Northern Central area ...".
REGION_NAMES: dict[str, str] = {
    "wholecountry": NATIONAL,
    "redriverdelta": "RRD",
    "northernmidlandsandmountainareas": "NMM",
    "northernmidlandsandmountainousareas": "NMM",
    "northcentralareaandcentralcoastalarea": "NCC",
    "northerncentralareaandcentralcoastalarea": "NCC",
    "northcentralandcentralcoastalareas": "NCC",
    "centralhighlands": "CH",
    "southeast": "SE",
    "mekongriverdelta": "MRD",
}
#: Rows that are a residence (urban / rural) of the whole country: indicator gets a suffix.
RESIDENCE_NAMES = {"urban": "urban", "rural": "rural"}
#: Why known names match no area of the panel.
UNMATCHED_WHY = {"hatay": "Hà Tây, merged into Hà Nội in 2008, is not one of the 63 provinces"}

_HEADER = re.compile(
    r"^(?P<pre>.*?)\s*(?:X(?=\d))?(?P<prelim>Prel?[._\s]+)?(?P<year>(?:19|20)\d{2})\b\s*"
    r"(?P<star>\(\*\))?\s*(?P<post>.*?)\s*$",
    flags=re.IGNORECASE,
)


@dataclass(frozen=True)
class TableSpec:
    """How to read one GSO table.

    Parameters
    ----------
    file
        File name inside ``data/raw/gso_province_2006_2016``.
    title
        The table's GSO title (goes into ``reference``).
    items
        Item label (a column header without its year and marks; ``""`` for single-item tables;
        the column name itself in long tables) -> ``(indicator, unit)``.
    standards
        ``(first year, standard)`` pairs, oldest first: the standard of a value is the last one
        whose first year is not after the value's year.
    year_column
        For long tables: the column that holds the year labels (else years are in the headers).
    star_is_preliminary
        Whether a ``(*)`` mark after the year means a preliminary figure.
    """

    file: str
    title: str
    items: Mapping[str, tuple[str, str]]
    standards: tuple[tuple[int, str], ...] = ((0, STANDARD_NONE),)
    year_column: str | None = None
    star_is_preliminary: bool = False

    @property
    def path(self) -> str:
        """Path relative to ``data/raw`` (used as the ``source`` of left-out rows)."""
        return f"{GSO_FOLDER}/{self.file}"


@dataclass
class ParsedTable:
    """Rows of one table in panel form (``value`` NaN where GSO printed ``..``) and the counts
    of rows left out because their area matches none of the panel's areas."""

    spec: TableSpec
    rows: pd.DataFrame
    unmatched: list[tuple[int, str]] = field(default_factory=list)


_QUINTILES = {f"Quintile {q}": (f"income_pc_monthly_q{q}", _INCOME) for q in range(1, 6)}
_POVERTY_ITEMS = {"": ("poor_household_rate", _PCT)}
_UNEMPLOYMENT = {
    f"{kind.capitalize()}.rate.{part}": (f"{kind}_rate{suffix}", _PCT)
    for kind in ("unemployment", "underemployment")
    for part, suffix in (("General", ""), ("Urban", "_urban"), ("Rural", "_rural"))
}

#: The GSO tables of the panel, in priority order: where two tables publish the same figure,
#: the earlier one's row is kept and the later one's is counted as a repeat.
TABLES: tuple[TableSpec, ...] = (
    TableSpec("Average_population_by_province.csv", "Average population by province", {
        "Total": ("population_total", _THOUSAND_PERSONS),
        "Male": ("population_male", _THOUSAND_PERSONS),
        "Female": ("population_female", _THOUSAND_PERSONS),
        "Urban": ("population_urban", _THOUSAND_PERSONS),
        "Rural": ("population_rural", _THOUSAND_PERSONS),
    }),
    # the 2016 "(*)" column repeats the preliminary 2016 population of the table above
    TableSpec("Area_population_and_population_density_by_province.csv",
              "Area, population and population density by province", {
                  "Area (Km2)": ("area_km2", "km2"),
                  "Average population (Thous. pers.)": ("population_total", _THOUSAND_PERSONS),
                  "Population density (Person/km2)": ("population_density", "persons/km2"),
              }, star_is_preliminary=True),
    TableSpec("Monthly_average_income_per_capita_at_current_prices_by_income_quintile_and_by_province.csv",
              "Monthly average income per capita at current prices by income quintile and by province",
              {"General average": ("income_pc_monthly", _INCOME), **_QUINTILES}),
    TableSpec("Monthly_average_income_per_capita_at_current_prices_by_income_source_and_by_province.csv",
              "Monthly average income per capita at current prices by income source and by province", {
                  "Total": ("income_pc_monthly", _INCOME),
                  "Salary & wage": ("income_pc_monthly_salary_wage", _INCOME),
                  "Agriculture, forestry & fishery": ("income_pc_monthly_agriculture_forestry_fishery", _INCOME),
                  "Non-agriculture, forestry & fishery": (
                      "income_pc_monthly_non_agriculture_forestry_fishery", _INCOME),
                  "Others": ("income_pc_monthly_other", _INCOME),
              }),
    TableSpec("General_poverty_rate_by_region.csv", "General poverty rate by region", _POVERTY_ITEMS,
              standards=_POVERTY_STANDARDS),
    TableSpec("General_poverty_rate_by_residence.csv", "General poverty rate by residence", _POVERTY_ITEMS,
              standards=_POVERTY_STANDARDS),
    TableSpec("Index_of_income_inequality_distribution_GINI_index.csv",
              "Index of income inequality distribution (GINI index)", {"": ("gini", "Gini index (0-1)")}),
    TableSpec("Labour_force_at_15_years_of_age_and_above_by_province.csv",
              "Labour force at 15 years of age and above by province",
              {"": ("labour_force", _THOUSAND_PERSONS)}),
    TableSpec("Percentage_of_trained_employed_workers_at_15_years_of_age_and_above_by_province.csv",
              "Percentage of trained employed workers at 15 years of age and above by province",
              {"": ("trained_workers_pct", _PCT)}),
    TableSpec("Unemployment_and_underemployment_rate_of_labour_force_at_working_age_by_region.csv",
              "Unemployment and underemployment rate of labour force at working age by region",
              _UNEMPLOYMENT, year_column="Year"),
)


def read_table(path: Path) -> pd.DataFrame:
    """A raw GSO table as strings: title and blank lines skipped, repeated header lines dropped.

    Raises
    ------
    DataValidationError
        If the file is missing or has no ``;``-separated header.
    """
    try:
        lines = path.read_text(encoding="utf-8-sig").splitlines()
    except FileNotFoundError:
        raise DataValidationError(Problem("raw data file missing", file=str(path))) from None
    header = next((i for i, line in enumerate(lines) if ";" in line), None)
    if header is None:
        raise DataValidationError(Problem("no ';'-separated header line", file=str(path)))
    df = pd.read_csv(path, sep=";", skiprows=header, dtype=str, keep_default_na=False,
                     encoding="utf-8-sig")
    first = df.columns[0]
    return df[df[first] != first].reset_index(drop=True)


def _parse_labels(labels: pd.Series) -> pd.DataFrame:
    """Item, year and marks of year-bearing labels (``NaN`` year where there is none)."""
    parts = labels.str.extract(_HEADER)
    pre, post = parts["pre"].fillna(""), parts["post"].fillna("")
    return pd.DataFrame({
        "item": pre.where(post.eq(""), (pre + " " + post).str.strip()),
        "year": pd.to_numeric(parts["year"]),
        "prelim": parts["prelim"].notna(),
        "star": parts["star"].notna(),
    }, index=labels.index)


def _resolve_area(name: str) -> tuple[str | None, str | None, str]:
    """``(area_code, area_level, indicator suffix)`` of a GSO area name; no code if unmatched."""
    key = admin.normalise_name(name)
    if key in REGION_NAMES:
        code = REGION_NAMES[key]
        return code, "national" if code == NATIONAL else "region", ""
    if key in RESIDENCE_NAMES:
        return NATIONAL, "national", f"_{RESIDENCE_NAMES[key]}"
    for spelling in (name, re.sub(r"\s+city\s*$", "", name, flags=re.IGNORECASE)):
        try:
            return admin.province_code(spelling), "province", ""
        except UnknownAreaError:
            continue
    return None, None, ""


def _unmatched_reason(name: str) -> str:
    why = UNMATCHED_WHY.get(admin.normalise_name(name))
    text = f"area {name.strip()!r} matches no province, region or the whole country"
    return f"{text} ({why})" if why else text


@functools.lru_cache(maxsize=1)
def _area_names() -> dict[str, str]:
    names = admin.provinces().set_index("code")["name"].to_dict()
    names.update(admin.regions().set_index("region_code")["region_name_en"].to_dict())
    names[NATIONAL] = NATIONAL_NAME
    return names


def _standards(spec: TableSpec, years: pd.Series) -> pd.Series:
    starts = np.array([start for start, _ in spec.standards])
    labels = np.array([standard for _, standard in spec.standards], dtype=object)
    position = np.searchsorted(starts, years.to_numpy(), side="right") - 1
    return pd.Series(labels[position], index=years.index, dtype=str)


def parse_table(spec: TableSpec, path: str | Path | None = None) -> ParsedTable:
    """Read one GSO table into long panel rows (one per area, year and item).

    Parameters
    ----------
    spec
        What the table holds (see :data:`TABLES`).
    path
        The file to read (default: ``spec.file`` in ``data/raw/gso_province_2006_2016``).

    Returns
    -------
    ParsedTable
        ``rows`` has the panel columns plus ``raw_file``; a ``..`` cell becomes a row whose
        ``value`` is NaN (the caller counts and drops them). Rows of areas that match no
        province, region, the whole country or a residence are left out and counted in
        ``unmatched`` with their reason.

    Raises
    ------
    DataValidationError
        If a column header has no year or an item the spec does not describe, or a cell is
        neither a number nor ``..``.
    """
    path = Path(path) if path is not None else raw_dir() / spec.path
    df = read_table(path)
    area_col = df.columns[0]
    ids = [area_col, *([spec.year_column] if spec.year_column else [])]
    long = df.melt(id_vars=ids, var_name="column", value_name="raw")
    if spec.year_column:
        labels = _parse_labels(long[spec.year_column])
        labels["item"] = long["column"]
    else:
        columns = pd.Series(df.columns.drop(ids), name="column")
        labels = _parse_labels(columns).set_index(columns).reindex(long["column"]).set_index(long.index)
    problems = []
    no_year = labels["year"].isna()
    unknown = ~labels["item"].isin(list(spec.items))
    if no_year.any():
        where = long[spec.year_column] if spec.year_column else long["column"]
        problems.append(Problem("no year in these labels", file=str(path), location=spec.year_column,
                                rows=int(no_year.sum()), examples=tuple(where[no_year].unique()[:5])))
    if unknown.any():
        problems.append(Problem("column not described by the table spec", file=str(path),
                                rows=int(unknown.sum()), examples=tuple(long.loc[unknown, "column"].unique()[:5])))
    raw = long["raw"].str.strip()
    missing = raw.eq("..")
    value = pd.to_numeric(raw.where(~missing), errors="coerce")
    bad = value.isna() & ~missing
    if bad.any():
        problems.append(Problem("not a number nor '..'", file=str(path), location=str(long.loc[bad, "column"].iloc[0]),
                                rows=int(bad.sum()), examples=tuple(raw[bad].unique()[:5])))
    if problems:
        raise DataValidationError(problems)

    names = pd.Series(df[area_col].unique())
    resolved = pd.DataFrame(names.map(_resolve_area).tolist(), columns=["code", "level", "suffix"], index=names)
    area = resolved.reindex(long[area_col]).set_index(long.index)
    unmatched_mask = area["code"].isna()
    counts = long.loc[unmatched_mask, area_col].value_counts(sort=False)
    unmatched = [(int(n), _unmatched_reason(name)) for name, n in counts.items()]
    keep = ~unmatched_mask
    year = labels.loc[keep, "year"].astype(int)
    item = labels.loc[keep, "item"]
    indicator = item.map({k: v[0] for k, v in spec.items.items()})
    rows = pd.DataFrame({
        "area_code": area.loc[keep, "code"],
        "area_level": area.loc[keep, "level"],
        "area_name": area.loc[keep, "code"].map(_area_names()),
        "year": year,
        "indicator": indicator + area.loc[keep, "suffix"],
        "value": value[keep].astype(float),
        "unit": item.map({k: v[1] for k, v in spec.items.items()}),
        "standard": _standards(spec, year),
        "source": SOURCE_GSO,
        "vintage": GSO_VINTAGE,
        "preliminary": labels.loc[keep, "prelim"] | (labels.loc[keep, "star"] & spec.star_is_preliminary),
        "status": "verified",
        "reference": f"GSO, {spec.title} (data/raw/{spec.path})",
        "raw_file": spec.path,
    })
    return ParsedTable(spec, rows.reset_index(drop=True), unmatched)


def gso_tables(specs: tuple[TableSpec, ...] = TABLES) -> list[ParsedTable]:
    """Every table of :data:`TABLES` parsed (see :func:`parse_table`)."""
    return [parse_table(spec) for spec in specs]
