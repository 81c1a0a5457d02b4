"""Interactive maps as self-contained HTML (plotly; the JavaScript library is embedded, so the
file opens offline and can be mailed as one attachment).

Provinces are drawn as a choropleth of their real boundaries. Districts have no open polygons
here, so they are drawn as points at their real centres, sized by the households concerned
and coloured by the value, over the province outlines: never as invented polygons.
"""

from __future__ import annotations

import json

import numpy as np
import pandas as pd

#: Plotly colour scale of risk maps (light = low).
RISK_SCALE = "Reds"
#: plotly.js fetches a world base map (topojson) from its CDN for every geo subplot, even with
#: the base layers hidden; offline that fetch fails and nothing is drawn. The maps here draw
#: only their own boundaries, so an empty base map is embedded under the name plotly.js looks
#: for (``window.PlotlyGeoAssets``), and nothing is fetched.
_EMPTY_BASE_MAP = json.dumps({
    "type": "Topology", "arcs": [],
    "objects": {layer: {"type": "GeometryCollection", "geometries": []}
                for layer in ("coastlines", "land", "ocean", "lakes", "rivers", "countries", "subunits")},
})


def _hover(table: pd.DataFrame, hover: dict[str, str]) -> tuple[np.ndarray, str]:
    """Custom data and hover template showing ``hover`` columns with their labels."""
    cols = list(hover)
    data = table[cols].astype(object).where(table[cols].notna(), "–").to_numpy()
    lines = [f"{label}: %{{customdata[{i}]}}" for i, label in enumerate(hover.values())]
    return data, "<br>".join(lines) + "<extra></extra>"


def _outline(provinces) -> dict:
    """GeoJSON of the provinces with clockwise exterior rings: plotly.js (d3-geo) reads a
    counter-clockwise ring (the GeoJSON standard's order) as the rest of the globe."""
    from shapely.geometry.polygon import orient

    def clockwise(geom):
        if geom.geom_type == "Polygon":
            return orient(geom, sign=-1.0)
        return type(geom)([orient(part, sign=-1.0) for part in geom.geoms])

    frame = provinces[["code", "geometry"]].copy()
    frame["geometry"] = frame.geometry.map(clockwise)
    return json.loads(frame.to_json())


def _figure_html(fig, *, title: str, note: str) -> str:
    fig.update_geos(fitbounds="locations", visible=False)
    fig.update_layout(title={"text": title, "font": {"size": 15}}, height=820,
                      legend={"x": 0.01, "y": 0.01, "xanchor": "left", "yanchor": "bottom"}, margin={"l": 0, "r": 0, "t": 60, "b": 40},
                      annotations=[{"text": note, "showarrow": False, "xref": "paper", "yref": "paper",
                                    "x": 0, "y": -0.03, "xanchor": "left", "font": {"size": 11}}])
    html = fig.to_html(full_html=True, include_plotlyjs=True, config={"displaylogo": False})
    assets = f"<script>window.PlotlyGeoAssets = {{topojson: {{world_110m: {_EMPTY_BASE_MAP}}}}};</script>"
    return html.replace("<head>", "<head><meta charset=\"utf-8\">" + assets, 1)


def province_map_html(provinces, table: pd.DataFrame, *, value: str, title: str, value_label: str,
                      hover: dict[str, str], note: str = "") -> str:
    """A province choropleth of ``table[value]`` (one row per province, column ``province``
    with GSO codes), with ``hover`` columns (column -> label) shown on mouse-over. Provinces
    without a value are grey."""
    import plotly.graph_objects as go

    geojson = _outline(provinces)
    data, template = _hover(table, hover)
    fig = go.Figure(go.Choropleth(
        geojson=geojson, featureidkey="properties.code", locations=table["province"], z=table[value],
        colorscale=RISK_SCALE, marker_line_color="white", marker_line_width=0.4,
        colorbar_title=value_label, customdata=data, hovertemplate=template))
    missing = sorted(set(provinces["code"]) - set(table.loc[table[value].notna(), "province"]))
    if missing:
        fig.add_trace(go.Choropleth(geojson=geojson, featureidkey="properties.code", locations=missing,
                                    z=np.zeros(len(missing)), colorscale=[[0, "#d9d9d9"], [1, "#d9d9d9"]],
                                    showscale=False, hovertemplate="no estimate<extra></extra>"))
    return _figure_html(fig, title=title, note=note)


def district_points_html(provinces, table: pd.DataFrame, *, value: str, size: str, title: str, value_label: str,
                         hover: dict[str, str], note: str = "") -> str:
    """District values as points at the district centres (``lat``, ``lon``), coloured by
    ``table[value]`` and sized by ``table[size]``, over the province outlines. Rows whose value
    is missing (suppressed cells) are drawn as small grey crosses."""
    import plotly.graph_objects as go

    geojson = _outline(provinces)
    fig = go.Figure(go.Choropleth(
        geojson=geojson, featureidkey="properties.code", locations=provinces["code"], z=np.zeros(len(provinces)),
        colorscale=[[0, "#f4f4f4"], [1, "#f4f4f4"]], showscale=False, marker_line_color="#888888",
        marker_line_width=0.5, hoverinfo="skip"))
    shown = table[table[value].notna()]
    data, template = _hover(shown, hover)
    sizes = shown[size].to_numpy(dtype=float)
    fig.add_trace(go.Scattergeo(
        lon=shown["lon"], lat=shown["lat"], mode="markers", customdata=data, hovertemplate=template,
        marker={"size": 4 + 14 * np.sqrt(sizes / max(np.nanmax(sizes), 1.0)), "color": shown[value],
                "colorscale": RISK_SCALE, "colorbar": {"title": value_label}, "line": {"width": 0.3, "color": "#333"}},
        name=value_label))
    hidden = table[table[value].isna()]
    if len(hidden):
        fig.add_trace(go.Scattergeo(lon=hidden["lon"], lat=hidden["lat"], mode="markers",
                                    marker={"symbol": "x", "size": 4, "color": "#999999"},
                                    hovertemplate="suppressed: too few sample households<extra></extra>",
                                    name="suppressed"))
    return _figure_html(fig, title=title, note=note)
