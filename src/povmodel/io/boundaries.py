"""Province boundary files (GeoJSON, GeoPackage, Shapefile, FlatGeobuf, GeoParquet):
:func:`check_boundaries` reads one with geopandas (imported only when it runs), checks its CRS,
its geometries and its province codes against the 63 provinces of :mod:`povmodel.admin`,
reports every problem at once and returns the features in EPSG:4326.
"""

from __future__ import annotations

import warnings
from pathlib import Path

import pandas as pd

from povmodel.errors import DataValidationError, Problem
from povmodel.io._text import _as_text, _first_line, _show
from povmodel.io.detect import _check_file, _problem
from povmodel.io.files import sha256_file

#: Extensions of boundary files -> how they are read.
BOUNDARY_FORMATS = {".geojson": "geojson", ".json": "geojson", ".gpkg": "gpkg", ".shp": "shapefile",
                    ".fgb": "flatgeobuf", ".parquet": "geoparquet", ".geoparquet": "geoparquet"}
#: Columns holding the province code, in order of preference.
BOUNDARY_CODE_COLUMNS = ("code", "shapeISO")
_BOUNDARY_NAME_COLUMNS = ("name", "shapeName", "NAME_1", "province", "code", "shapeISO")


def _feature_labels(gdf) -> pd.Series:
    """A readable label per feature: its name (or code), else ``feature <k>``."""
    labels = pd.Series([f"feature {k}" for k in range(1, len(gdf) + 1)], index=gdf.index)
    for column in _BOUNDARY_NAME_COLUMNS:
        if column in gdf.columns:
            names = _as_text(gdf[column])
            return names.where(names.notna() & names.ne(""), labels)
    return labels


#: Longitude / latitude box around Vietnam and its islands, with a wide margin: a province
#: whose representative point lies outside it sits in a wrong CRS.
VIETNAM_BOX = (100.0, 5.0, 120.0, 25.0)


def _geometry_problems(gdf, labels: pd.Series, file: str, unreadable: bool = False) -> list[Problem]:
    import shapely

    geometry = gdf.geometry
    empty = geometry.isna() | geometry.is_empty
    polygonal = geometry.geom_type.isin(["Polygon", "MultiPolygon"])
    invalid = ~empty & polygonal & ~geometry.is_valid
    problems = []
    for mask, message in (
        (empty, "features without a readable geometry (missing, or broken: e.g. a ring that is not "
                "closed)" if unreadable else "features without geometry"),
        (~empty & ~polygonal, "geometries that are not polygons: "
                              + _show(geometry[~empty & ~polygonal].geom_type.tolist())),
        (invalid, "invalid geometries ("
                  + "; ".join(dict.fromkeys(shapely.is_valid_reason(geometry[invalid].to_numpy()).tolist()))[:200]
                  + "): repair them, e.g. with shapely.make_valid"),
    ):
        if mask.any():
            problems.append(Problem(message, file=file, location="geometry", rows=int(mask.sum()),
                                    examples=tuple(labels[mask].head(5))))
    return problems


def _crs_problems(gdf, file: str) -> tuple[list[Problem], list[str]]:
    if gdf.crs is None:
        return [Problem("no coordinate reference system (CRS): declare EPSG:4326 (longitude / "
                        "latitude, WGS 84) or the CRS the coordinates are in", file=file,
                        location="crs")], []
    if gdf.crs.equals("EPSG:4326", ignore_axis_order=True):
        bounds = gdf.total_bounds
        if len(gdf) and not (-180 <= bounds[0] <= bounds[2] <= 180 and -90 <= bounds[1] <= bounds[3] <= 90):
            return [Problem("the CRS says longitude / latitude (EPSG:4326) but coordinates are out of "
                            f"range (bounds {', '.join(f'{b:.6g}' for b in bounds)}): wrong CRS declared?",
                            file=file, location="crs")], []
        return [], []
    return [], [f"CRS {gdf.crs.to_string()} will be reprojected to EPSG:4326"]


def _extent_problems(gdf, labels: pd.Series, file: str) -> list[Problem]:
    """Features that, in longitude / latitude, lie far from Vietnam: coordinates in another CRS
    than the one declared (degrees labelled UTM, metres labelled EPSG:4326 ...)."""
    import numpy as np

    polygonal = ~gdf.geometry.isna() & ~gdf.geometry.is_empty & gdf.geometry.is_valid
    if not polygonal.any():
        return []
    try:
        with np.errstate(all="ignore"):
            points = gdf.geometry[polygonal].representative_point().to_crs("EPSG:4326")
    except Exception as exc:  # pyproj raises several types for impossible transformations
        return [Problem(f"cannot be reprojected from {gdf.crs.to_string()} to EPSG:4326: {_first_line(exc)}",
                        file=file, location="crs")]
    x0, y0, x1, y1 = VIETNAM_BOX
    outside = ~(points.x.between(x0, x1) & points.y.between(y0, y1))
    if not outside.any():
        return []
    first = points[outside].iloc[0]
    return [Problem(f"features lie outside Vietnam in the declared CRS {gdf.crs.to_string()} (e.g. at "
                    f"longitude {first.x:.4g}, latitude {first.y:.4g}): the coordinates are in another "
                    "CRS than the one declared?", file=file, location="crs", rows=int(outside.sum()),
                    examples=tuple(labels[points.index[outside]].head(5)))]


def _code_problems(gdf, labels: pd.Series, file: str) -> tuple[list[Problem], str | None, str | None]:
    """Duplicated codes and provinces missing from the 63, for GSO or ISO 3166-2 codes."""
    from povmodel import admin

    column = next((c for c in BOUNDARY_CODE_COLUMNS if c in gdf.columns), None)
    if column is None:
        return [Problem(f"no province code column: name it {' or '.join(map(repr, BOUNDARY_CODE_COLUMNS))} "
                        "(GSO code or ISO 3166-2 code)", file=file)], None, None
    codes = _as_text(gdf[column]).str.strip()
    blank = codes.isna() | codes.eq("")
    if blank.all():
        return [Problem(f"the code column {column!r} is empty", file=file, location=column, rows=len(codes),
                        examples=tuple(labels.head(5)))], column, None
    problems = []
    if blank.any():
        problems.append(Problem("features without a province code", file=file, location=column,
                                rows=int(blank.sum()), examples=tuple(labels[blank].head(5))))
    codes = codes.where(~blank)
    dup = codes.notna() & codes.duplicated(keep=False)
    if dup.any():
        problems.append(Problem(
            f"duplicated codes {_show(codes[dup].unique().tolist())}: one feature per province "
            "expected (dissolve the parts of a province into one MultiPolygon)",
            file=file, location=column, rows=int(dup.sum()), examples=tuple(labels[dup].head(5))))
    table = admin.provinces()
    gso = codes.where(~codes.str.fullmatch(r"\d").fillna(False).astype(bool), "0" + codes)
    if codes.str.upper().str.startswith("VN-").mean() >= 0.5:
        scheme, keyed, known = "ISO 3166-2", codes.str.upper(), table["iso_3166_2"]
    elif gso.isin(table["code"]).mean() >= 0.5:
        scheme, keyed, known = "GSO", gso, table["code"]
    else:
        problems.append(Problem(f"codes are neither GSO province codes nor ISO 3166-2 codes, found "
                                f"{_show(codes.dropna().tolist())}", file=file, location=column))
        return problems, column, None
    unknown = ~keyed.isin(known)
    if unknown.any():
        problems.append(Problem(f"unknown {scheme} province codes, found {_show(codes[unknown].tolist())}",
                                file=file, location=column, rows=int(unknown.sum()),
                                examples=tuple(labels[unknown].head(5))))
    missing = table.loc[~known.isin(keyed), "name"]
    if len(missing):
        problems.append(Problem(f"missing provinces: {len(missing)} of the {len(table)} provinces have "
                                f"no boundary", file=file, location=column,
                                examples=tuple(missing.head(5))))
    return problems, column, scheme


def check_boundaries(path: str | Path):
    """Read and check a province boundary file (GeoJSON, GeoPackage, Shapefile, GeoParquet).

    Checks, all reported at once: a CRS is declared (a missing CRS is a problem; a CRS other
    than EPSG:4326 is reprojected, and said so in ``attrs["load_report"]["notes"]``);
    coordinates of an EPSG:4326 file are longitudes / latitudes; every geometry is a valid
    (Multi)Polygon (invalid, e.g. self-intersecting, ones are counted and named); a code
    column ``code`` (GSO codes, ``"01"``) or ``shapeISO`` (ISO 3166-2, ``"VN-HN"``) has no
    duplicates, no unknown codes and covers the 63 provinces of :mod:`povmodel.admin`.

    Parameters
    ----------
    path
        The boundary file; ``.parquet`` / ``.geoparquet`` are read with
        :func:`geopandas.read_parquet`, everything else with :func:`geopandas.read_file`.

    Returns
    -------
    geopandas.GeoDataFrame
        The features in EPSG:4326; ``attrs["load_report"]``: ``file``, ``sha256``,
        ``rows_read``, ``format``, ``crs`` (as declared), ``code_column``, ``code_scheme``,
        ``notes``.

    Raises
    ------
    DataValidationError
        Listing every problem; examples are feature names.
    """
    import geopandas as gpd

    path = Path(path)
    file = str(path)
    fmt = _check_file(path, BOUNDARY_FORMATS)
    unreadable = False
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            try:
                gdf = gpd.read_parquet(path) if fmt == "geoparquet" else gpd.read_file(path)
            except Exception:
                if fmt == "geoparquet":
                    raise
                # a geometry GEOS refuses (e.g. an unclosed ring): read it as missing, name it below
                gdf = gpd.read_file(path, on_invalid="ignore")
                unreadable = True
    except Exception as exc:  # pyogrio / pyarrow raise several types for unreadable files
        raise _problem(f"cannot be read as {fmt} boundaries: {_first_line(exc)}", file) from None
    if gdf.empty:
        raise _problem("no features", file)
    labels = _feature_labels(gdf)
    problems, notes = _crs_problems(gdf, file)
    if not problems and gdf.crs is not None:
        problems += _extent_problems(gdf, labels, file)
    problems += _geometry_problems(gdf, labels, file, unreadable)
    code_problems, code_column, scheme = _code_problems(gdf, labels, file)
    problems += code_problems
    if problems:
        raise DataValidationError(problems, title=f"{file}: {len(problems)} problem"
                                  f"{'s' if len(problems) != 1 else ''} in the boundaries")
    crs = gdf.crs.to_string()
    gdf = gdf.to_crs("EPSG:4326")
    gdf.attrs["load_report"] = {"file": file, "sha256": sha256_file(path), "rows_read": len(gdf),
                                "format": fmt, "crs": crs, "code_column": code_column,
                                "code_scheme": scheme, "notes": notes}
    return gdf
