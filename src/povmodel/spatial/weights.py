"""Spatial weights between provinces (and districts) and spatial lags.

Contiguity weights are built by libpysal from the province polygons (geoBoundaries, 2008
boundaries), with the GSO codes as ids. Island provinces are the usual trap of contiguity: here
the islands off the coast (Phú Quốc, Côn Đảo, Lý Sơn, Phú Quý, Bạch Long Vĩ, the Hoàng Sa and
Trường Sa archipelagos...) are parts of their province's multipolygon, so every one of the 63
provinces touches another; a province can still end up alone with other boundary files or a
subset of provinces, and :func:`contiguity_weights` then joins it to its nearest province (or
keeps it isolated on request and reports it). A small gap tolerance closes slivers between
imprecise polygons (none is needed with the geoBoundaries polygons: no pair of provinces that
do not touch is closer than 2 km).

Distances are computed in VN-2000 / UTM zone 48N (EPSG:3405), the projected CRS used across
povmodel.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from povmodel import admin
from povmodel.errors import PovmodelError

#: Projected CRS for distances and centroids: VN-2000 / UTM zone 48N (metres).
PROJECTED_CRS = 3405
CONTIGUITY_KINDS = ("queen", "rook")
ISLAND_RULES = ("nearest", "keep")
MISSING_RULES = ("raise", "exclude")
TRANSFORMS = ("r", "b")


@dataclass(frozen=True)
class SpatialWeights:
    """Binary spatial weights with the units they link.

    Attributes
    ----------
    w
        libpysal ``W`` with binary weights; ids are the unit codes (GSO codes for provinces).
        Analyses never transform it in place: they work on copies.
    kind
        ``"queen"``, ``"rook"`` or ``"knn"``.
    units
        GeoDataFrame (EPSG:4326) with ``code``, ``name`` and ``geometry`` (polygons for
        provinces, centre points for districts), in the order of ``w.id_order``.
    islands
        Codes of units left without any neighbour (only with ``islands="keep"``).
    joined
        Units that had no neighbour by contiguity, mapped to the nearest unit they were joined to.
    gap_links
        Pairs added because their polygons come within the gap tolerance without touching.
    """

    w: object
    kind: str
    units: object
    islands: tuple[str, ...] = ()
    joined: Mapping[str, str] = field(default_factory=dict)
    gap_links: tuple[tuple[str, str], ...] = ()

    @property
    def ids(self) -> list[str]:
        """Unit codes in the order of the weights."""
        return list(self.w.id_order)

    @property
    def n(self) -> int:
        """Number of units."""
        return int(self.w.n)

    def neighbours(self, code: str) -> list[str]:
        """Sorted codes of the neighbours of ``code``."""
        if code not in self.w.neighbors:
            raise PovmodelError(f"unit {code!r} is not in these weights")
        return sorted(self.w.neighbors[code])

    def cardinalities(self) -> pd.Series:
        """Number of neighbours of every unit, indexed by code."""
        return pd.Series({i: len(self.w.neighbors[i]) for i in self.ids}, name="neighbours")

    def is_symmetric(self) -> bool:
        """Whether every link goes both ways."""
        return all(i in self.w.neighbors[j] for i in self.ids for j in self.w.neighbors[i])

    def to_frame(self) -> pd.DataFrame:
        """One row per directed link: ``code``, ``name``, ``neighbour``, ``neighbour_name``,
        ``link`` (``contiguity``, ``gap``, ``nearest`` or ``knn``); islands kept isolated appear
        with an empty neighbour."""
        names = self.units.set_index("code")["name"]
        gap = {frozenset(p) for p in self.gap_links}
        nearest = {frozenset(p) for p in self.joined.items()}
        rows = []
        for i in self.ids:
            for j in sorted(self.w.neighbors[i]):
                pair = frozenset((i, j))
                link = ("knn" if self.kind == "knn" else "nearest" if pair in nearest
                        else "gap" if pair in gap else "contiguity")
                rows.append((i, names.get(i), j, names.get(j), link))
            if not self.w.neighbors[i]:
                rows.append((i, names.get(i), None, None, "none"))
        return pd.DataFrame(rows, columns=["code", "name", "neighbour", "neighbour_name", "link"])


def _projected(frame, what: str):
    if frame.crs is None:
        raise PovmodelError(f"{what} have no CRS; set one (EPSG:4326 for longitude/latitude)")
    return frame.to_crs(PROJECTED_CRS)


def _units(boundaries, code_column: str):
    """Validated ``code``/``name``/``geometry`` frame of the boundaries (EPSG:4326)."""
    import geopandas as gpd

    if not isinstance(boundaries, gpd.GeoDataFrame):
        raise PovmodelError("boundaries must be a GeoDataFrame (see povmodel.datasets.load_boundaries)")
    if code_column not in boundaries:
        raise PovmodelError(f"boundaries have no code column {code_column!r}; columns: {list(boundaries.columns)}")
    codes = boundaries[code_column].astype(str)
    if codes.duplicated().any():
        raise PovmodelError(f"duplicate codes in boundaries: {sorted(codes[codes.duplicated()].unique())[:5]}")
    if len(boundaries) < 2:
        raise PovmodelError("spatial weights need at least two areas")
    empty = boundaries.geometry.isna() | boundaries.geometry.is_empty
    if empty.any():
        raise PovmodelError(f"areas without geometry: {codes[empty.to_numpy()].tolist()[:5]}")
    names = boundaries["name"] if "name" in boundaries else codes
    units = gpd.GeoDataFrame({"code": codes.to_numpy(), "name": names.to_numpy()},
                             geometry=boundaries.geometry.to_numpy(), crs=boundaries.crs)
    if units.crs is None:
        raise PovmodelError("boundaries have no CRS; set one (EPSG:4326 for longitude/latitude)")
    return units.to_crs(4326).reset_index(drop=True)


def _w(neighbours: dict[str, list[str]], ids: list[str]):
    from libpysal.weights import W

    return W({i: sorted(neighbours[i]) for i in ids}, {i: [1.0] * len(neighbours[i]) for i in ids},
             id_order=ids, silence_warnings=True)


def contiguity_weights(boundaries, *, kind: str = "queen", islands: str = "nearest", tolerance: float = 100.0,
                       code_column: str = "code") -> SpatialWeights:
    """Queen or rook contiguity between polygons (libpysal), ids = codes.

    Parameters
    ----------
    boundaries
        GeoDataFrame of the areas (e.g. ``datasets.load_boundaries("province")``) with a CRS.
    kind
        ``"queen"`` (a shared point is enough) or ``"rook"`` (a shared edge is needed).
    islands
        What to do with an area without any neighbour: ``"nearest"`` joins it (both ways) to
        the area nearest by polygon distance; ``"keep"`` leaves it isolated and lists it in
        ``.islands``.
    tolerance
        Gap tolerance in metres (EPSG:3405): areas whose polygons do not touch but come closer
        than this are neighbours too (fuzzy contiguity for imprecise boundaries). ``0`` is
        strict contiguity. With the geoBoundaries polygons it adds no pair up to 2 km.
    code_column
        Column with the ids (GSO codes).

    Returns
    -------
    SpatialWeights
        Binary, symmetric weights.
    """
    from libpysal.weights import Queen, Rook

    if kind not in CONTIGUITY_KINDS:
        raise PovmodelError(f"contiguity kind must be one of {CONTIGUITY_KINDS}, got {kind!r}")
    if islands not in ISLAND_RULES:
        raise PovmodelError(f"islands must be one of {ISLAND_RULES}, got {islands!r}")
    if not tolerance >= 0:
        raise PovmodelError(f"gap tolerance must be a distance in metres >= 0, got {tolerance!r}")
    units = _units(boundaries, code_column)
    ids = units["code"].tolist()
    builder = Queen if kind == "queen" else Rook
    raw = builder.from_dataframe(units, ids=ids, use_index=False, silence_warnings=True)
    neighbours = {i: set(raw.neighbors[i]) for i in ids}
    projected = _projected(units, "boundaries").geometry.to_numpy()
    gap_links = []
    if tolerance > 0:
        from shapely import STRtree

        tree = STRtree(projected)
        left, right = tree.query(projected, predicate="dwithin", distance=tolerance)
        for a, b in zip(left, right, strict=True):
            i, j = ids[a], ids[b]
            # touching pairs are contiguity's call (a rook corner is not a neighbour)
            if a < b and j not in neighbours[i] and projected[a].distance(projected[b]) > 0:
                neighbours[i].add(j)
                neighbours[j].add(i)
                gap_links.append((i, j))
    alone = [i for i in ids if not neighbours[i]]
    joined: dict[str, str] = {}
    if islands == "nearest":
        for i in alone:
            a = ids.index(i)
            distances = np.array([projected[a].distance(g) if b != a else np.inf for b, g in enumerate(projected)])
            j = ids[int(np.argmin(distances))]
            neighbours[i].add(j)
            neighbours[j].add(i)
            joined[i] = j
        alone = []
    return SpatialWeights(w=_w(neighbours, ids), kind=kind, units=units, islands=tuple(alone), joined=joined,
                          gap_links=tuple(gap_links))


def _knn(units, xy: np.ndarray, k: int) -> SpatialWeights:
    from libpysal.weights import KNN

    if not isinstance(k, int | np.integer) or k < 1:
        raise PovmodelError(f"k must be a positive number of neighbours, got {k!r}")
    if k >= len(units):
        raise PovmodelError(f"k={k} neighbours needs more than {k} units, got {len(units)}")
    ids = units["code"].tolist()
    knn = KNN.from_array(xy, k=int(k), ids=ids, silence_warnings=True)
    neighbours = {i: [str(j) for j in knn.neighbors[i]] for i in ids}
    return SpatialWeights(w=_w(neighbours, ids), kind="knn", units=units)


def knn_weights(boundaries, k: int = 4, *, code_column: str = "code") -> SpatialWeights:
    """The ``k`` nearest areas by distance between centroids (EPSG:3405).

    Every area has exactly ``k`` neighbours (islands included); the weights are not symmetric.
    """
    units = _units(boundaries, code_column)
    centroids = _projected(units, "boundaries").centroid
    return _knn(units, np.column_stack([centroids.x, centroids.y]), k)


def district_knn_weights(k: int = 6, *, districts: pd.DataFrame | None = None) -> SpatialWeights:
    """The ``k`` nearest districts by distance between district centres (EPSG:3405).

    ``districts`` (``code``, ``name``, ``lat``, ``lon``) defaults to the 696 districts of
    :func:`povmodel.admin.districts`; no district polygons exist here, so there is no district
    contiguity. ``units`` holds the centres as points.
    """
    import geopandas as gpd

    table = admin.districts() if districts is None else districts
    missing = [c for c in ("code", "lat", "lon") if c not in table]
    if missing:
        raise PovmodelError(f"districts need columns {missing}")
    bad = table["lat"].isna() | table["lon"].isna()
    if bad.any():
        raise PovmodelError(f"{int(bad.sum())} districts have no centre, e.g. {table.loc[bad, 'code'].tolist()[:5]}")
    codes = table["code"].astype(str)
    if codes.duplicated().any():
        raise PovmodelError(f"duplicate district codes: {sorted(codes[codes.duplicated()].unique())[:5]}")
    names = table["name"] if "name" in table else codes
    units = gpd.GeoDataFrame({"code": codes.to_numpy(), "name": names.to_numpy()},
                             geometry=gpd.points_from_xy(table["lon"], table["lat"]), crs=4326)
    points = units.to_crs(PROJECTED_CRS).geometry
    return _knn(units, np.column_stack([points.x, points.y]), k)


def as_w(weights):
    """The libpysal ``W`` of :class:`SpatialWeights` (or a ``W`` given directly)."""
    from libpysal.weights import W

    if isinstance(weights, SpatialWeights):
        return weights.w
    if isinstance(weights, W):
        return weights
    raise PovmodelError(f"expected SpatialWeights or a libpysal W, got {type(weights).__name__}")


def binary_copy(w, ids: list[str] | None = None):
    """A fresh binary ``W`` of ``w`` restricted to ``ids`` (all by default), safe to transform:
    libpysal and esda transform weights in place."""
    keep = list(w.id_order) if ids is None else list(ids)
    kept = set(keep)
    return _w({i: [j for j in w.neighbors[i] if j in kept] for i in keep}, keep)


def aligned_values(values: pd.Series, w, *, missing: str = "raise") -> pd.Series:
    """``values`` reindexed to the ids of ``w`` (float), checked.

    Codes of ``values`` that are not units of ``w`` are an error (often integer codes against
    the GSO code strings). Units without a value (absent or NaN) are an error with
    ``missing="raise"``; with ``missing="exclude"`` they are left NaN for the caller to drop.
    """
    if missing not in MISSING_RULES:
        raise PovmodelError(f"missing must be one of {MISSING_RULES}, got {missing!r}")
    if not isinstance(values, pd.Series):
        raise PovmodelError("values must be a pandas Series indexed by unit code")
    if values.index.has_duplicates:
        raise PovmodelError(f"duplicate codes in values: {sorted(map(str, values.index[values.index.duplicated()]))[:5]}")
    ids = list(w.id_order)
    index = values.index.map(str)
    unknown = sorted(set(index) - set(ids))
    if unknown:
        hint = " (codes are strings such as '01')" if any(len(c) < len(ids[0]) for c in unknown) else ""
        raise PovmodelError(f"{len(unknown)} codes of values are not units of the weights, e.g. {unknown[:5]}{hint}")
    try:
        numeric = pd.to_numeric(pd.Series(values.to_numpy(), index=index), errors="raise").astype(float)
    except (TypeError, ValueError) as exc:
        raise PovmodelError(f"values must be numbers: {exc}") from None
    out = numeric.reindex(ids)
    if np.isinf(out.to_numpy()).any():
        raise PovmodelError(f"infinite values for {out.index[np.isinf(out.to_numpy())].tolist()[:5]}")
    absent = out.index[out.isna()].tolist()
    if absent and missing == "raise":
        raise PovmodelError(f"{len(absent)} units have no value, e.g. {absent[:5]}; fill them or pass "
                            "missing='exclude' to leave them out")
    return out


def spatial_lag(values: pd.Series, w, *, transform: str = "r", missing: str = "raise") -> pd.Series:
    """Spatial lag of ``values`` (indexed by unit code) over the neighbours in ``w``.

    Parameters
    ----------
    values
        Numbers indexed by code (GSO codes as strings for provinces).
    w
        :class:`SpatialWeights` or a libpysal ``W``; its own weights are ignored: links count
        as 1 before ``transform``.
    transform
        ``"r"``: mean over the neighbours (row-standardised); ``"b"``: sum over them.
    missing
        ``"raise"`` (default): every unit needs a value. ``"exclude"``: units without a value
        are left out as neighbours, so a lag is the mean (or sum) over the neighbours that have
        one; a unit whose neighbours all lack a value gets NaN.

    Returns
    -------
    pandas.Series
        Lag for every unit of ``w``, indexed by code; NaN for a unit without neighbours.
    """
    if transform not in TRANSFORMS:
        raise PovmodelError(f"transform must be one of {TRANSFORMS}, got {transform!r}")
    w = as_w(w)
    y = aligned_values(values, w, missing=missing)
    observed = y.notna()
    lags = {}
    for i in w.id_order:
        others = [j for j in w.neighbors[i] if observed[j]]
        if not others:
            lags[i] = np.nan
            continue
        total = float(y[others].sum())
        lags[i] = total / len(others) if transform == "r" else total
    return pd.Series(lags, name=f"{values.name}_lag" if values.name else "lag").rename_axis("code")
