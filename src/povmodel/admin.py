"""Vietnam's administrative units: the 63 provinces (2008 to June 2025), the six socio-economic
regions, the 34 provinces formed on 12/06/2025, and the province boundaries.

All of it is read from the real files in ``data/raw/vn_admin`` and
``data/raw/boundaries_geoboundaries_vnm_adm1`` (provenance in ``data/raw/README.md``).
Lookups accept a GSO code (``"79"``, ``79``) or any common spelling of a name: with or without
diacritics, with a "Tỉnh" / "Thành phố" / "TP." prefix, with hyphens or dashes.
"""

from __future__ import annotations

import difflib
import functools
import re
import unicodedata
from dataclasses import dataclass
from typing import TYPE_CHECKING

import pandas as pd

from povmodel.errors import DataValidationError, Problem, UnknownAreaError
from povmodel.paths import raw_dir

if TYPE_CHECKING:  # geopandas is heavy: imported only where boundaries are built
    import geopandas as gpd

PROVINCES_FILE = "vn_admin/vn_provinces_63_2008_2025.csv"
PROVINCES_2025_FILE = "vn_admin/vn_provinces_34_2025.csv"
DISTRICTS_FILE = "vn_admin/vn_districts_legacy.csv"
BOUNDARIES_FILE = "boundaries_geoboundaries_vnm_adm1/geoBoundaries-VNM-ADM1.geojson"
N_PROVINCES = 63
N_PROVINCES_2025 = 34
#: The six GSO socio-economic regions, in the order GSO tables list them.
REGION_ORDER = ("RRD", "NMM", "NCC", "CH", "SE", "MRD")
_PREFIXES = ("thanh pho", "tinh", "tp.", "tp ", "t.p.", "city", "province")


def to_ascii(text: str) -> str:
    """Vietnamese text without diacritics (``"Đắk Lắk"`` -> ``"Dak Lak"``)."""
    text = text.replace("Đ", "D").replace("đ", "d")
    decomposed = unicodedata.normalize("NFD", text)
    return "".join(c for c in decomposed if not unicodedata.combining(c))


def normalise_name(text: str) -> str:
    """A matching key for a place name: ASCII, lower case, prefixes and punctuation removed."""
    key = to_ascii(str(text)).lower().strip()
    key = re.sub(r"[\u2010-\u2015]", "-", key)  # en/em dashes
    changed = True
    while changed:
        changed = False
        for prefix in _PREFIXES:
            if key.startswith(prefix):
                key = key[len(prefix) :].strip(" .")
                changed = True
    key = re.sub(r"\s+(city|province)$", "", key)
    return re.sub(r"[^a-z0-9]", "", key)


@dataclass(frozen=True)
class Province:
    """One of the 63 provinces (2008 to June 2025)."""

    code: str
    name: str
    name_ascii: str
    name_with_type: str
    is_city: bool
    region_code: str
    region_name_en: str
    region_name_vi: str
    iso_3166_2: str
    province_2025_code: str
    province_2025_name: str


@functools.lru_cache(maxsize=1)
def _province_table() -> pd.DataFrame:
    path = raw_dir() / PROVINCES_FILE
    try:
        df = pd.read_csv(path, dtype=str, encoding="utf-8", keep_default_na=False)
    except FileNotFoundError:
        raise DataValidationError(
            Problem("province registry not found; is POVMODEL_ROOT set to the project?", file=str(path))
        ) from None
    problems = []
    if len(df) != N_PROVINCES:
        problems.append(Problem(f"expected {N_PROVINCES} provinces, found {len(df)}", file=str(path)))
    dup = df["gso_code"][df["gso_code"].duplicated()]
    if len(dup):
        problems.append(
            Problem("duplicate GSO codes", file=str(path), location="gso_code", rows=len(dup), examples=tuple(dup))
        )
    if problems:
        raise DataValidationError(problems)
    out = pd.DataFrame(
        {
            "code": df["gso_code"],
            "name": df["name"],
            "name_ascii": df["name"].map(to_ascii),
            "name_with_type": df["name_with_type"],
            "is_city": df["type"].eq("thanh-pho"),
            "region_code": df["region_code"],
            "region_name_en": df["region_name_en"],
            "region_name_vi": df["region_name_vi"],
            "iso_3166_2": df["iso_3166_2"],
            "province_2025_code": df["province_2025_code"],
            "province_2025_name": df["province_2025_name"],
        }
    )
    return out.sort_values("code", ignore_index=True)


def provinces() -> pd.DataFrame:
    """The 63 provinces with codes, names (diacritics and ASCII), region, ISO code and the
    province they joined on 12/06/2025 (a fresh copy each call)."""
    return _province_table().copy()


def province_codes() -> list[str]:
    """The 63 two-digit GSO province codes, sorted."""
    return _province_table()["code"].tolist()


@functools.lru_cache(maxsize=1)
def _district_table() -> pd.DataFrame:
    path = raw_dir() / DISTRICTS_FILE
    try:
        df = pd.read_csv(path, dtype=str, encoding="utf-8", keep_default_na=False)
    except FileNotFoundError:
        raise DataValidationError(Problem("district registry not found", file=str(path))) from None
    problems = []
    dup = df["district_code"][df["district_code"].duplicated()]
    if len(dup):
        problems.append(Problem("duplicate district codes", file=str(path), location="district_code",
                                rows=len(dup), examples=tuple(dup[:5])))
    unknown = df["province_code"][~df["province_code"].isin(province_codes())]
    if len(unknown):
        problems.append(Problem("unknown province codes", file=str(path), location="province_code",
                                rows=len(unknown), examples=tuple(unknown.unique()[:5])))
    if problems:
        raise DataValidationError(problems)
    return pd.DataFrame({
        "code": df["district_code"], "name": df["district_name"], "type": df["district_type"],
        "province": df["province_code"], "lat": df["lat"].astype(float), "lon": df["lon"].astype(float),
    }).sort_values("code", ignore_index=True)


def districts() -> pd.DataFrame:
    """The 696 districts before the 2025 reform (GSO codes, names, type, province code and the
    district centre's latitude and longitude; a fresh copy each call). No open district
    polygons exist here: map districts as points at these centres."""
    return _district_table().copy()


def regions() -> pd.DataFrame:
    """The six socio-economic regions with their names and number of provinces."""
    t = _province_table()
    out = (
        t.groupby("region_code", sort=False)
        .agg(region_name_en=("region_name_en", "first"), region_name_vi=("region_name_vi", "first"),
             n_provinces=("code", "size"))
        .reindex(list(REGION_ORDER))
        .reset_index()
    )
    return out


@functools.lru_cache(maxsize=1)
def _name_index() -> dict[str, str]:
    index: dict[str, str] = {}
    for row in _province_table().itertuples():
        for spelling in (row.name, row.name_with_type, row.name_ascii, row.iso_3166_2):
            index[normalise_name(spelling)] = row.code
    # common alternative names
    extras = {"hcm": "79", "hcmc": "79", "saigon": "79", "tphcm": "79", "hue": "46", "brvt": "77"}
    index.update(extras)
    return index


def province_code(value: str | int) -> str:
    """The two-digit GSO code of a province given by code or by any spelling of its name.

    Raises
    ------
    UnknownAreaError
        Naming the closest known provinces.
    """
    table = _province_table()
    text = str(value).strip()
    if text.isdigit():
        code = text.zfill(2)
        if code in set(table["code"]):
            return code
        raise UnknownAreaError(
            f"unknown province code {value!r}: GSO province codes are the 63 two-digit codes "
            f"01-96 (e.g. 01 Hà Nội, 79 Hồ Chí Minh)"
        )
    key = normalise_name(text)
    index = _name_index()
    if key in index:
        return index[key]
    close = difflib.get_close_matches(key, list(index), n=3, cutoff=0.6)
    names = [_province_table().set_index("code").loc[index[c], "name"] for c in close]
    hint = f"; did you mean {', '.join(dict.fromkeys(names))}?" if names else ""
    raise UnknownAreaError(f"unknown province {value!r}{hint}")


def province(value: str | int) -> Province:
    """The :class:`Province` for a code or a name (see :func:`province_code`)."""
    code = province_code(value)
    row = _province_table().set_index("code").loc[code]
    return Province(code=code, **{f: row[f] for f in Province.__dataclass_fields__ if f != "code"})


def crosswalk_2025() -> pd.DataFrame:
    """Each of the 63 provinces and the one of the 34 provinces (from 12/06/2025) it is part of.
    Every old province maps wholly to one new province."""
    t = _province_table()
    return t[["code", "name", "province_2025_code", "province_2025_name"]].copy()


@functools.lru_cache(maxsize=1)
def _provinces_2025_table() -> pd.DataFrame:
    path = raw_dir() / PROVINCES_2025_FILE
    df = pd.read_csv(path, dtype=str, encoding="utf-8", keep_default_na=False)
    return pd.DataFrame(
        {
            "code": df["province_2025_code"],
            "name": df["name"],
            "name_ascii": df["name"].map(to_ascii),
            "name_with_type": df["name_with_type"],
            "merged_from": df["merged_from_gso_codes_63"],
        }
    )


def provinces_2025() -> pd.DataFrame:
    """The 34 provincial units formed on 12/06/2025 and the old GSO codes each merges."""
    return _provinces_2025_table().copy()


# --------------------------------------------------------------------------------------------
# Boundaries
# --------------------------------------------------------------------------------------------
def build_boundaries(path=None) -> dict[str, gpd.GeoDataFrame]:
    """Clean the geoBoundaries ADM1 file and derive the three boundary layers.

    Côn Đảo (a separate feature sharing ``VN-43``) is dissolved into Bà Rịa–Vũng Tàu, names
    are trimmed, every province is joined to its GSO code through ISO 3166-2, invalid
    geometries are repaired, and regions and the 34 provinces of 2025 are derived by dissolve.

    Returns
    -------
    dict
        ``{"province": 63 rows, "region": 6 rows, "province_2025": 34 rows}``, CRS EPSG:4326.

    Raises
    ------
    DataValidationError
        If the file does not yield exactly the 63 provinces with valid polygons.
    """
    import geopandas as gpd
    from shapely.validation import make_valid

    path = raw_dir() / BOUNDARIES_FILE if path is None else path
    try:
        raw = gpd.read_file(path)
    except Exception as exc:  # pyogrio raises several types for unreadable files
        raise DataValidationError(Problem(f"cannot read boundaries: {exc}", file=str(path))) from None
    problems: list[Problem] = []
    for col in ("shapeISO", "shapeName", "geometry"):
        if col not in raw.columns:
            problems.append(Problem("missing column", file=str(path), location=col))
    if problems:
        raise DataValidationError(problems)
    raw = raw.set_crs("EPSG:4326", allow_override=raw.crs is None).to_crs("EPSG:4326")
    raw["shapeName"] = raw["shapeName"].str.strip()
    raw["geometry"] = raw.geometry.map(lambda g: g if g is None or g.is_valid else make_valid(g))
    dissolved = raw.dissolve(by="shapeISO", as_index=False, aggfunc="first")
    t = _province_table()
    merged = t.merge(dissolved[["shapeISO", "shapeName", "geometry"]], how="left",
                     left_on="iso_3166_2", right_on="shapeISO", indicator=True)
    missing = merged[merged["_merge"] != "both"]
    if len(missing):
        problems.append(Problem("no boundary for these provinces", file=str(path), location="shapeISO",
                                rows=len(missing), examples=tuple(missing["name"])))
    extra = sorted(set(dissolved["shapeISO"]) - set(t["iso_3166_2"]))
    if extra:
        problems.append(Problem("boundaries for unknown ISO codes", file=str(path), location="shapeISO",
                                rows=len(extra), examples=tuple(extra)))
    gdf = gpd.GeoDataFrame(merged.drop(columns=["_merge", "shapeISO"]), geometry="geometry", crs="EPSG:4326")
    gdf = gdf.rename(columns={"shapeName": "boundary_name"})
    bad = gdf[gdf.geometry.isna() | ~gdf.geometry.is_valid | ~gdf.geom_type.isin(["Polygon", "MultiPolygon"])]
    if len(bad) and not len(missing):
        problems.append(Problem("invalid or non-polygon geometry", file=str(path), location="geometry",
                                rows=len(bad), examples=tuple(bad["name"])))
    if problems:
        raise DataValidationError(problems)
    region = gdf.dissolve(by="region_code", as_index=False, aggfunc="first")[
        ["region_code", "region_name_en", "region_name_vi", "geometry"]
    ]
    p25 = gdf.dissolve(by="province_2025_code", as_index=False, aggfunc="first")[
        ["province_2025_code", "province_2025_name", "geometry"]
    ].rename(columns={"province_2025_code": "code", "province_2025_name": "name"})
    return {"province": gdf.reset_index(drop=True), "region": region, "province_2025": p25}
