"""Maps of small-area estimates with their reliability: the estimate and its coefficient of
variation (CV) side by side (static, matplotlib), district estimates as points at the real
district centres, and an interactive offline HTML map (plotly) with estimate / CV views.

Estimates are classed with mapclassify; CVs in the usual reliability classes (below 10%,
10-20%, 20-30%, 30% and more: above 30% an estimate is not reliable enough to publish).
Islands are parts of their provinces' polygons and are drawn, small ones with a marker so that
they stay visible. The geoBoundaries polygons hold a few islands of the Hoàng Sa (Paracel, Đà
Nẵng city) and Trường Sa (Spratly, Khánh Hòa province) archipelagos: they are drawn at their
true positions and labelled, with a note that both archipelagos belong to Việt Nam; boundary
files without them get a note that they are not shown.
"""

from __future__ import annotations

import html
import warnings

import numpy as np
import pandas as pd
from matplotlib.figure import Figure

from povmodel import admin
from povmodel.errors import PovmodelError
from povmodel.reports import interactive

LANGUAGES = ("vi", "en")
#: Upper bounds of the CV classes (shares); the last class is open.
CV_BREAKS = (0.10, 0.20, 0.30)
CV_COLOURS = ("#1a9850", "#a6d96a", "#fdae61", "#d73027")
MISSING_COLOUR = "#d9d9d9"
#: Polygon parts smaller than this (km², EPSG:3405) are also drawn as markers; slivers smaller
#: than :data:`SLIVER_KM2` are artefacts of the boundary file and are not marked.
SMALL_PART_KM2 = 150.0
SLIVER_KM2 = 0.05
#: Rough extent (lon_min, lon_max, lat_min, lat_max) of the two archipelagos, to find their
#: islands in a boundary file.
ARCHIPELAGOS = {"hoang_sa": (110.5, 113.5, 15.0, 17.5), "truong_sa": (111.0, 117.5, 6.0, 12.0)}
_PROJECTED_CRS = 3405

_TEXT: dict[str, dict[str, str]] = {
    "estimate": {"vi": "Ước tính", "en": "Estimate"},
    "cv": {"vi": "Hệ số biến thiên (CV)", "en": "Coefficient of variation (CV)"},
    "interval": {"vi": "Khoảng tin cậy 95%", "en": "95% interval"},
    "province": {"vi": "Tỉnh", "en": "Province"},
    "district": {"vi": "Huyện", "en": "District"},
    "code": {"vi": "Mã", "en": "Code"},
    "reliability": {"vi": "Độ tin cậy", "en": "Reliability"},
    "no_estimate": {"vi": "Không có ước tính", "en": "No estimate"},
    "no_cv": {"vi": "Không có CV", "en": "No CV"},
    "suppressed": {"vi": "Không công bố (quá ít hộ mẫu)", "en": "Suppressed (too few sample households)"},
    "size": {"vi": "Kích thước: {label}", "en": "Size: {label}"},
    "cv_0": {"vi": "dưới 10%: rất tin cậy", "en": "below 10%: very reliable"},
    "cv_1": {"vi": "10–20%: tin cậy", "en": "10–20%: reliable"},
    "cv_2": {"vi": "20–30%: dùng thận trọng", "en": "20–30%: use with caution"},
    "cv_3": {"vi": "từ 30%: không đủ tin cậy", "en": "30% and above: unreliable"},
    "hoang_sa": {"vi": "QĐ. Hoàng Sa\n(Đà Nẵng)", "en": "Hoàng Sa (Paracel) Is.\n(Đà Nẵng)"},
    "truong_sa": {"vi": "QĐ. Trường Sa\n(Khánh Hòa)", "en": "Trường Sa (Spratly) Is.\n(Khánh Hòa)"},
    "sea": {"vi": "BIỂN ĐÔNG", "en": "EAST SEA\n(Biển Đông)"},
    "islands_shown": {
        "vi": "Quần đảo Hoàng Sa (thành phố Đà Nẵng) và quần đảo Trường Sa (tỉnh Khánh Hòa) thuộc chủ quyền "
              "của Việt Nam; ranh giới geoBoundaries chỉ có một số đảo của hai quần đảo, được vẽ đúng vị trí "
              "(ký hiệu phóng to).",
        "en": "The Hoàng Sa (Paracel; Đà Nẵng city) and Trường Sa (Spratly; Khánh Hòa province) archipelagos "
              "belong to Việt Nam; the geoBoundaries polygons hold only some of their islands, drawn at their "
              "true positions (enlarged markers).",
    },
    "islands_absent": {
        "vi": "Quần đảo Hoàng Sa và Trường Sa (Việt Nam) không thể hiện trên bản đồ này.",
        "en": "The Hoàng Sa (Paracel) and Trường Sa (Spratly) archipelagos (Việt Nam) are not shown on this map.",
    },
    "islands_partly": {
        "vi": "Quần đảo Hoàng Sa và Trường Sa thuộc chủ quyền của Việt Nam; ranh giới dùng ở đây chỉ có "
              "{present}, quần đảo còn lại không thể hiện trên bản đồ này.",
        "en": "The Hoàng Sa (Paracel) and Trường Sa (Spratly) archipelagos belong to Việt Nam; the boundaries "
              "used here hold only {present}, the other is not shown on this map.",
    },
    "name_hoang_sa": {"vi": "quần đảo Hoàng Sa", "en": "the Hoàng Sa archipelago"},
    "name_truong_sa": {"vi": "quần đảo Trường Sa", "en": "the Trường Sa archipelago"},
    "missing_note": {"vi": "Gạch chéo xám: không có ước tính.", "en": "Hatched grey: no estimate."},
    "cv_note": {
        "vi": "CV = sai số chuẩn / ước tính; CV từ 30% trở lên: ước tính không đủ tin cậy để công bố.",
        "en": "CV = standard error / estimate; at 30% and above an estimate is too unreliable to publish.",
    },
    "table": {"vi": "Bảng số liệu", "en": "Data table"},
    "show": {"vi": "Hiển thị", "en": "Show"},
}


def _t(key: str, language: str, **fields: object) -> str:
    text = _TEXT[key][language]
    return text.format(**fields) if fields else text


def _check_language(language: str) -> None:
    if language not in LANGUAGES:
        raise PovmodelError(f"unknown language {language!r}; use one of {LANGUAGES}")


def _pct(value: float, language: str, digits: int = 1) -> str:
    """A percentage as text (decimal comma in Vietnamese); ``–`` for a missing value."""
    if value is None or not np.isfinite(value):
        return "–"
    text = f"{value:.{digits}f}"
    return (text.replace(".", ",") if language == "vi" else text) + "%"


def _validated(table: pd.DataFrame, codes: pd.Series, *, area: str, columns: dict[str, str | None],
               percent: bool, what: str) -> pd.DataFrame:
    """``table`` as ``code`` plus the numeric ``columns`` (role -> column) in percent,
    checked against the known ``codes``: every problem is a :class:`PovmodelError`."""
    if not isinstance(table, pd.DataFrame):
        raise PovmodelError(f"the {what} table must be a pandas DataFrame")
    needed = [area, *(c for c in columns.values() if c is not None)]
    absent = [c for c in needed if c not in table.columns]
    if absent:
        raise PovmodelError(f"the {what} table has no column {', '.join(map(repr, absent))}; "
                            f"columns: {list(table.columns)}")
    area_codes = table[area].astype(str)
    if area_codes.duplicated().any():
        raise PovmodelError(f"duplicate {area} codes in the {what} table: "
                            f"{sorted(area_codes[area_codes.duplicated()].unique())[:5]}")
    unknown = sorted(set(area_codes) - set(codes.astype(str)))
    if unknown:
        raise PovmodelError(f"{len(unknown)} unknown {area} codes in the {what} table, e.g. {unknown[:5]} "
                            "(GSO codes are strings such as '01')")
    out = pd.DataFrame({"code": area_codes.to_numpy()})
    for role, col in columns.items():
        if col is None:
            out[role] = np.nan
            continue
        try:
            out[role] = pd.to_numeric(table[col], errors="raise").astype(float).to_numpy()
        except (TypeError, ValueError):
            raise PovmodelError(f"column {col!r} of the {what} table must hold numbers") from None
        if (out[role] < 0).any():
            raise PovmodelError(f"column {col!r} of the {what} table has negative values")
    if not percent:
        value_roles = [r for r in ("estimate", "low", "high") if r in out]
        if value_roles and (out[value_roles].max().max() > 1):
            raise PovmodelError(f"estimates above 1 in the {what} table: pass percent=True if they are "
                                "percentages (then the CV is in percent too)")
        for role in columns:
            if role != "size":
                out[role] *= 100
    return out


def _classes(values: np.ndarray, scheme: str, k: int) -> np.ndarray:
    """Upper bounds of the classes of the non-missing ``values`` (mapclassify), reproducible:
    numpy's global random state is seeded for the call and restored."""
    import mapclassify

    if scheme not in mapclassify.CLASSIFIERS:
        raise PovmodelError(f"unknown classification scheme {scheme!r}; use one of {mapclassify.CLASSIFIERS}")
    if not isinstance(k, int | np.integer) or k < 2:
        raise PovmodelError(f"k must be an integer >= 2, got {k!r}")
    y = values[np.isfinite(values)]
    distinct = np.unique(y)
    if len(distinct) == 0:
        raise PovmodelError("no value to map: every estimate is missing")
    if len(distinct) <= k:
        return distinct
    # NaturalBreaks (k-means) and the sampled schemes draw from the legacy global state
    state = np.random.get_state()  # noqa: NPY002
    np.random.seed(0)  # noqa: NPY002
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # few distinct values, pure-python fallbacks
            bins = np.asarray(mapclassify.classify(y, scheme, k=int(k)).bins, dtype=float)
    finally:
        np.random.set_state(state)  # noqa: NPY002
    return np.unique(bins)


def _class_index(values: np.ndarray, bins: np.ndarray) -> np.ndarray:
    """Class of each value (-1 for missing); values above the last bound fall in the last class."""
    index = np.searchsorted(bins, values, side="left").astype(int)
    index = np.minimum(index, len(bins) - 1)
    return np.where(np.isfinite(values), index, -1)


def _class_labels(values: np.ndarray, bins: np.ndarray, language: str) -> list[str]:
    low = float(np.nanmin(values))
    labels = []
    for i, upper in enumerate(bins):
        lower = low if i == 0 else bins[i - 1]
        labels.append(_pct(upper, language) if i == 0 and np.isclose(lower, upper)
                      else f"{_pct(lower, language)} – {_pct(upper, language)}")
    return labels


def _round_number(value: float) -> float:
    """``value`` rounded to one significant digit (for size legends)."""
    if value <= 0:
        return 0.0
    scale = 10 ** np.floor(np.log10(value))
    return float(max(np.round(value / scale), 1) * scale)


def _cv_index(cv: np.ndarray) -> np.ndarray:
    """CV class (0-3) of CVs in percent; -1 for missing."""
    index = np.searchsorted(np.asarray(CV_BREAKS) * 100, cv, side="right")
    return np.where(np.isfinite(cv), index, -1)


def _colours(n: int, cmap: str) -> list:
    from matplotlib import colormaps

    ramp = colormaps[cmap]
    return [ramp(x) for x in (np.linspace(0.15, 0.95, n) if n > 1 else [0.6])]


def _small_parts(provinces) -> pd.DataFrame:
    """Representative points (lon, lat) of the small polygon parts (islands), with ``code``."""
    parts = provinces[["code", "geometry"]].explode(index_parts=False).reset_index(drop=True)
    area = parts.to_crs(_PROJECTED_CRS).area / 1e6
    small = parts[(area < SMALL_PART_KM2) & (area >= SLIVER_KM2)]
    points = small.geometry.representative_point()
    return pd.DataFrame({"code": small["code"].to_numpy(), "lon": points.x.to_numpy(), "lat": points.y.to_numpy()})


def _archipelagos(provinces) -> dict[str, pd.DataFrame]:
    """Island parts of the boundaries inside each archipelago's extent (may be empty)."""
    parts = provinces[["code", "geometry"]].explode(index_parts=False).reset_index(drop=True)
    points = parts.geometry.representative_point()
    found = {}
    for key, (x0, x1, y0, y1) in ARCHIPELAGOS.items():
        inside = (points.x >= x0) & (points.x <= x1) & (points.y >= y0) & (points.y <= y1)
        found[key] = pd.DataFrame({"code": parts.loc[inside, "code"].to_numpy(), "lon": points.x[inside].to_numpy(),
                                   "lat": points.y[inside].to_numpy()})
    return found


def archipelago_note(provinces, language: str = "vi") -> str:
    """The note on the Hoàng Sa and Trường Sa archipelagos that fits ``provinces``: drawn (the
    geoBoundaries polygons hold some of their islands), partly drawn, or not shown."""
    _check_language(language)
    present = [key for key, parts in _archipelagos(provinces.to_crs(4326)).items() if len(parts)]
    if len(present) == len(ARCHIPELAGOS):
        return _t("islands_shown", language)
    if not present:
        return _t("islands_absent", language)
    return _t("islands_partly", language, present=_t(f"name_{present[0]}", language))


def _province_frame(provinces):
    import geopandas as gpd

    if not isinstance(provinces, gpd.GeoDataFrame) or "code" not in provinces:
        raise PovmodelError("provinces must be a GeoDataFrame with a 'code' column "
                            "(povmodel.datasets.load_boundaries('province'))")
    if provinces.crs is None:
        raise PovmodelError("provinces have no CRS")
    frame = provinces.to_crs(4326).copy()
    frame["code"] = frame["code"].astype(str)
    if "name" not in frame:
        frame["name"] = frame["code"]
    return frame


def _decorate(ax, provinces, regions, language: str, marks: pd.DataFrame, colour_of: dict) -> None:
    """Region borders, island markers, archipelago labels and the sea name on a map axis."""
    from matplotlib import patheffects

    if regions is not None:
        regions.to_crs(4326).boundary.plot(ax=ax, color="#333333", linewidth=0.8)
    if len(marks):
        ax.scatter(marks["lon"], marks["lat"], s=7, c=[colour_of.get(c, MISSING_COLOUR) for c in marks["code"]],
                   edgecolors="#333333", linewidths=0.3, zorder=3)
    halo = [patheffects.withStroke(linewidth=2, foreground="white")]
    for key, parts in _archipelagos(provinces).items():
        if len(parts):
            ax.annotate(_t(key, language), (parts["lon"].mean(), parts["lat"].min()), xytext=(0, -6),
                        textcoords="offset points", ha="center", va="top", fontsize=6.5, style="italic",
                        color="#333333", path_effects=halo)
    ax.text(111.2, 13.8, _t("sea", language), fontsize=8, color="#6a8caf", ha="center", va="center",
            style="italic")
    ax.set_axis_off()
    ax.set_aspect("equal")


def _draw_classes(ax, provinces, index: np.ndarray, colours: list, labels: list[str], *, missing_label: str,
                  legend_title: str) -> dict:
    """Provinces coloured by class ``index`` (-1: hatched grey); returns code -> colour."""
    from matplotlib.patches import Patch

    colour = np.array([colours[i] if i >= 0 else MISSING_COLOUR for i in index], dtype=object)
    shown = index >= 0
    if shown.any():
        provinces[shown].plot(ax=ax, color=list(colour[shown]), edgecolor="white", linewidth=0.3)
    handles = [Patch(facecolor=c, edgecolor="#777777", label=lab) for c, lab in zip(colours, labels, strict=True)]
    if (~shown).any():
        provinces[~shown].plot(ax=ax, color=MISSING_COLOUR, edgecolor="#999999", hatch="///", linewidth=0.3)
        handles.append(Patch(facecolor=MISSING_COLOUR, edgecolor="#999999", hatch="///", label=missing_label))
    ax.legend(handles=handles, title=legend_title, loc="upper right", fontsize=7.5, title_fontsize=8,
              frameon=False)
    return dict(zip(provinces["code"], colour, strict=True))


def estimate_cv_maps(provinces, regions, table: pd.DataFrame, *, estimate: str = "estimate", cv: str = "cv",
                     title: str, language: str = "vi", k: int = 5, scheme: str = "NaturalBreaks",
                     area: str = "province", percent: bool = False, estimate_label: str | None = None,
                     cmap: str = "YlOrRd") -> Figure:
    """Two province choropleths side by side: the estimate (classed) and its CV (reliability
    classes).

    Parameters
    ----------
    provinces, regions
        GeoDataFrames of the provinces (``code``, ``name``) and the regions (borders drawn).
    table
        One row per province: ``area`` (GSO code), ``estimate`` and ``cv`` columns; provinces
        absent or without an estimate are hatched grey.
    title
        Figure title.
    language
        ``"vi"`` or ``"en"``.
    k, scheme
        Number of classes and mapclassify scheme (``"NaturalBreaks"``, ``"Quantiles"``,
        ``"FisherJenks"``, ``"EqualInterval"``...) of the estimate.
    percent
        Whether the estimates and CVs are percentages; by default they are shares (0-1).
    estimate_label
        Legend title of the estimate (default "Ước tính (%)" / "Estimate (%)").

    Returns
    -------
    matplotlib.figure.Figure
    """
    _check_language(language)
    frame = _province_frame(provinces)
    values = _validated(table, frame["code"], area=area, columns={"estimate": estimate, "cv": cv},
                        percent=percent, what="estimate")
    gdf = frame.merge(values, on="code", how="left")
    est = gdf["estimate"].to_numpy(dtype=float)
    cvs = np.where(np.isfinite(est), gdf["cv"].to_numpy(dtype=float), np.nan)
    bins = _classes(est, scheme, k)
    marks = _small_parts(gdf)

    fig = Figure(figsize=(13.0, 9.6), dpi=110, layout="constrained")
    ax_est, ax_cv = fig.subplots(1, 2)
    colours = _colours(len(bins), cmap)
    colour_of = _draw_classes(ax_est, gdf, _class_index(est, bins), colours, _class_labels(est, bins, language),
                              missing_label=_t("no_estimate", language),
                              legend_title=estimate_label or f"{_t('estimate', language)} (%)")
    _decorate(ax_est, gdf, regions, language, marks, colour_of)
    ax_est.set_title(_t("estimate", language), fontsize=11)
    missing = _t("no_estimate", language) if np.isfinite(cvs).sum() == np.isfinite(est).sum() \
        else f"{_t('no_estimate', language)} / {_t('no_cv', language)}"
    colour_of = _draw_classes(ax_cv, gdf, _cv_index(cvs), list(CV_COLOURS),
                              [_t(f"cv_{i}", language) for i in range(len(CV_COLOURS))], missing_label=missing,
                              legend_title="CV")
    _decorate(ax_cv, gdf, regions, language, marks, colour_of)
    ax_cv.set_title(_t("cv", language), fontsize=11)
    fig.suptitle(title, fontsize=13)
    note = [archipelago_note(gdf, language), _t("cv_note", language)]
    if not np.isfinite(est).all():
        note.append(_t("missing_note", language))
    fig.supxlabel("\n".join(note), fontsize=8, ha="left", x=0.02)
    return fig


def district_points_map(provinces, regions, table: pd.DataFrame, *, value: str, size: str, title: str,
                        language: str = "vi", area: str = "district", k: int = 5, scheme: str = "Quantiles",
                        percent: bool = False, value_label: str | None = None, size_label: str | None = None,
                        cmap: str = "YlOrRd") -> Figure:
    """District estimates as points at the real district centres, coloured by class and sized
    by ``size``; no district polygons exist here.

    Parameters
    ----------
    provinces, regions
        GeoDataFrames of the provinces (outlines) and regions (borders).
    table
        One row per district: ``area`` (district code), ``value``, ``size`` (e.g. households)
        and optionally ``lat``/``lon`` (else the centres of :func:`povmodel.admin.districts`).
        Districts without a value (suppressed) are grey crosses.
    k, scheme
        Classes of the value (mapclassify).
    percent
        Whether ``value`` is a percentage; by default a share (0-1).

    Returns
    -------
    matplotlib.figure.Figure
    """
    from matplotlib.lines import Line2D

    _check_language(language)
    frame = _province_frame(provinces)
    centres = admin.districts()[["code", "lat", "lon"]]
    values = _validated(table, centres["code"], area=area, columns={"estimate": value, "size": size},
                        percent=percent, what="district")
    if {"lat", "lon"} <= set(table.columns):
        values["lat"] = pd.to_numeric(table["lat"], errors="coerce").to_numpy()
        values["lon"] = pd.to_numeric(table["lon"], errors="coerce").to_numpy()
    else:
        values = values.merge(centres, on="code", how="left")
    if values[["lat", "lon"]].isna().any().any():
        raise PovmodelError("some districts have no centre (lat/lon)")
    est = values["estimate"].to_numpy(dtype=float)
    bins = _classes(est, scheme, k)
    index = _class_index(est, bins)
    colours = _colours(len(bins), cmap)

    fig = Figure(figsize=(7.2, 9.6), dpi=110, layout="constrained")
    ax = fig.add_subplot()
    frame.plot(ax=ax, color="#f4f4f4", edgecolor="#999999", linewidth=0.3)
    _decorate(ax, frame, regions, language, _small_parts(frame), {})
    shown = index >= 0
    sizes = values["size"].to_numpy(dtype=float)
    top = max(float(np.nanmax(sizes)) if np.isfinite(sizes).any() else 1.0, 1.0)
    area_of = lambda s: 4 + 80 * np.sqrt(np.nan_to_num(s, nan=0.0) / top)  # noqa: E731
    ax.scatter(values.loc[shown, "lon"], values.loc[shown, "lat"], s=area_of(sizes[shown]),
               c=[colours[i] for i in index[shown]], edgecolors="#333333", linewidths=0.25, zorder=4)
    handles = [Line2D([], [], marker="o", linestyle="", markerfacecolor=c, markeredgecolor="#333333", markersize=7,
                      label=lab) for c, lab in zip(colours, _class_labels(est, bins, language), strict=True)]
    if (~shown).any():
        ax.scatter(values.loc[~shown, "lon"], values.loc[~shown, "lat"], marker="x", s=8, color="#888888",
                   linewidths=0.6, zorder=4)
        handles.append(Line2D([], [], marker="x", linestyle="", color="#888888", label=_t("suppressed", language)))
    for ref in sorted({_round_number(top * share) for share in (0.1, 0.5, 1.0)}):
        text = f"{ref:,.0f}".replace(",", "." if language == "vi" else ",")
        handles.append(Line2D([], [], marker="o", linestyle="", markerfacecolor="none", markeredgecolor="#333333",
                              markersize=float(np.sqrt(area_of(ref))), label=text))
    ax.legend(handles=handles, loc="upper right", fontsize=7.5, frameon=False, title_fontsize=8,
              title=(value_label or f"{_t('estimate', language)} (%)") + "\n"
              + _t("size", language, label=size_label or size))
    ax.set_title(title, fontsize=11)
    fig.supxlabel(archipelago_note(frame, language), fontsize=7.5, ha="left", x=0.02, wrap=True)
    return fig


def estimate_cv_html(provinces, table: pd.DataFrame, *, estimate: str = "estimate", cv: str = "cv",
                     low: str | None = "ci_low", high: str | None = "ci_high", title: str, language: str = "vi",
                     area: str = "province", percent: bool = False, interval_label: str | None = None,
                     note: str = "") -> str:
    """A self-contained interactive HTML map (plotly, works offline) of province estimates: a
    dropdown switches between the estimate and its CV; tooltips give the province name, the
    estimate, its interval and the CV. A data table and the archipelago note follow the map.

    Parameters
    ----------
    provinces
        GeoDataFrame of the provinces (``code``, ``name``).
    table
        One row per province: ``area`` (GSO code), ``estimate``, ``cv`` and the interval bounds
        ``low``/``high`` (``None`` if there are none).
    title
        Title of the page and map.
    language
        ``"vi"`` or ``"en"``.
    percent
        Whether the values are percentages; by default shares (0-1).
    interval_label
        Tooltip label of the interval (default "Khoảng tin cậy 95%" / "95% interval").
    note
        Extra text under the map (e.g. the data source).

    Returns
    -------
    str
        The HTML document.
    """
    import plotly.graph_objects as go

    _check_language(language)
    frame = _province_frame(provinces)
    values = _validated(table, frame["code"], area=area,
                        columns={"estimate": estimate, "cv": cv, "low": low, "high": high}, percent=percent,
                        what="estimate")
    data = frame[["code", "name"]].merge(values, on="code", how="left")
    has = data["estimate"].notna()
    cv_class = _cv_index(data["cv"].to_numpy(dtype=float))
    reliability = [_t(f"cv_{i}", language) if i >= 0 else "–" for i in cv_class]
    interval = [f"{_pct(lo, language)} – {_pct(hi, language)}" if np.isfinite(lo) and np.isfinite(hi) else "–"
                for lo, hi in zip(data["low"], data["high"], strict=True)]
    data = data.assign(est_txt=[_pct(v, language) for v in data["estimate"]], interval_txt=interval,
                       cv_txt=[_pct(v, language) for v in data["cv"]], reliability=reliability, cv_class=cv_class)
    hover = {"name": _t("province", language), "est_txt": _t("estimate", language),
             "interval_txt": interval_label or _t("interval", language), "cv_txt": "CV",
             "reliability": _t("reliability", language)}
    geojson = _rounded(interactive._outline(frame))
    shown = data[has]
    custom, template = interactive._hover(shown, hover)
    est_trace = go.Choropleth(
        geojson=geojson, featureidkey="properties.code", locations=shown["code"], z=shown["estimate"],
        colorscale="YlOrRd", marker_line_color="white", marker_line_width=0.4, customdata=custom,
        hovertemplate=template, colorbar={"title": f"{_t('estimate', language)} (%)"}, name=_t("estimate", language))
    with_cv = shown[shown["cv_class"] >= 0]
    custom_cv, _ = interactive._hover(with_cv, hover)
    n = len(CV_COLOURS)
    steps = [[pos, colour] for i, colour in enumerate(CV_COLOURS) for pos in (i / n, (i + 1) / n)]
    cv_trace = go.Choropleth(
        geojson=geojson, featureidkey="properties.code", locations=with_cv["code"], z=with_cv["cv_class"],
        zmin=-0.5, zmax=n - 0.5, colorscale=steps, marker_line_color="white", marker_line_width=0.4,
        customdata=custom_cv, hovertemplate=template, visible=False, name="CV",
        colorbar={"title": "CV", "tickvals": list(range(n)), "ticktext": [_t(f"cv_{i}", language) for i in range(n)]})
    fig = go.Figure([est_trace, cv_trace])
    always = []
    lacking = sorted(set(data.loc[~has, "code"]) | set(shown.loc[shown["cv_class"] < 0, "code"]))
    if lacking:
        fig.add_trace(go.Choropleth(
            geojson=geojson, featureidkey="properties.code", locations=lacking, z=np.zeros(len(lacking)),
            colorscale=[[0, MISSING_COLOUR], [1, MISSING_COLOUR]], showscale=False, marker_line_color="white",
            hovertemplate=_t("no_estimate", language) + "<extra></extra>", name=_t("no_estimate", language)))
        always.append(True)
    for key, parts in _archipelagos(frame).items():
        if len(parts):
            fig.add_trace(go.Scattergeo(
                lon=parts["lon"], lat=parts["lat"], mode="markers", marker={"size": 4, "color": "#555555"},
                hoverinfo="skip", showlegend=False))
            fig.add_trace(go.Scattergeo(
                lon=[parts["lon"].mean()], lat=[parts["lat"].min() - 0.35], mode="text", hoverinfo="skip",
                text=[_t(key, language).replace("\n", "<br>")], textfont={"size": 10, "color": "#333333"},
                showlegend=False))
            always += [True, True]
    fig.update_layout(updatemenus=[{
        "type": "dropdown", "x": 0.01, "y": 0.99, "xanchor": "left", "yanchor": "top", "showactive": True,
        "buttons": [{"label": _t("estimate", language), "method": "restyle", "args": [{"visible": [True, False, *always]}]},
                    {"label": _t("cv", language), "method": "restyle", "args": [{"visible": [False, True, *always]}]}],
    }])
    islands = archipelago_note(frame, language)
    caption = " ".join(part for part in (note, _t("cv_note", language),
                                         _t("missing_note", language) if lacking else "") if part)
    page = interactive._figure_html(fig, title=title, note=caption)
    page = page.replace("<head>", f"<head><title>{html.escape(title)}</title>", 1)
    footer = _html_footer(data, language, islands=islands, caption=caption, interval_label=hover["interval_txt"])
    return page.replace("</body>", footer + "</body>", 1)


def _rounded(geojson: dict, digits: int = 4) -> dict:
    """GeoJSON with coordinates rounded to ``digits`` decimals (4: about 10 m), which keeps
    the page small: every choropleth trace embeds the boundaries."""
    def walk(node):
        if isinstance(node, float):
            return round(node, digits)
        if isinstance(node, list):
            return [walk(x) for x in node]
        return node

    for feature in geojson["features"]:
        feature["geometry"]["coordinates"] = walk(feature["geometry"]["coordinates"])
    return geojson


def _html_footer(data: pd.DataFrame, language: str, *, islands: str, caption: str, interval_label: str) -> str:
    """The archipelago note, the caption and a data table under the map, in plain HTML (so
    that names with diacritics are readable text, for search and screen readers)."""
    heads = [_t("code", language), _t("province", language), f"{_t('estimate', language)}", interval_label, "CV",
             _t("reliability", language)]
    rows = "".join(
        "<tr>" + "".join(f"<td>{html.escape(str(cell))}</td>" for cell in row) + "</tr>"
        for row in data[["code", "name", "est_txt", "interval_txt", "cv_txt", "reliability"]].itertuples(index=False))
    head = "".join(f"<th>{html.escape(h)}</th>" for h in heads)
    return (f'<div style="font-family: sans-serif; font-size: 13px; margin: 8px 16px">'
            f'<p class="archipelago-note">{html.escape(islands)}</p><p>{html.escape(caption)}</p>'
            f'<details><summary>{html.escape(_t("table", language))}</summary>'
            f'<table style="border-collapse: collapse" border="1" cellpadding="3"><thead><tr>{head}</tr></thead>'
            f'<tbody>{rows}</tbody></table></details></div>')
