"""Area re-poverty risk: province and district aggregation, small-cell flags and suppression,
and the static and interactive risk maps."""

from __future__ import annotations

import json
import re

import numpy as np
import pandas as pd
import pytest
from shapely.geometry import shape

from povmodel import admin, pipeline
from povmodel.errors import PovmodelError
from povmodel.risk.area import MIN_SAMPLE_RELIABLE, MIN_SAMPLE_SUPPRESS, area_risk


@pytest.fixture(scope="module")
def scored(processed):
    survey = pipeline.load_synthetic_survey()
    latest = survey[survey["year"] == 2022].reset_index(drop=True)
    probability = np.random.default_rng(0).beta(1, 30, len(latest))
    return latest, probability


@pytest.fixture(scope="module")
def district_table(scored):
    households, p = scored
    return area_risk(households, p, level="district", replicates=30, seed=1)


def test_districts_registry():
    d = admin.districts()
    assert len(d) == 696 and d["code"].is_unique and set(d["province"]) == set(admin.province_codes())
    assert d["lat"].between(8, 24).all() and d["lon"].between(102, 110).all()


def test_district_risk_adds_up_and_flags_small_cells(scored, district_table):
    households, p = scored
    t = district_table
    assert len(t) == 696 and t["sample_households"].sum() == len(households)
    kept = t["quality"] != "suppressed"
    # expected households at risk add up to the weighted sum of scores over the districts shown
    shown = households["district"].isin(t.loc[kept, "district"])
    np.testing.assert_allclose(t.loc[kept, "households_at_risk"].sum(),
                               (households["weight"] * p)[shown].sum(), rtol=1e-9)
    small = t["sample_households"] < MIN_SAMPLE_SUPPRESS
    assert (t.loc[small, "quality"] == "suppressed").all() and t.loc[small, "expected_share"].isna().all()
    few = t["sample_households"].between(MIN_SAMPLE_SUPPRESS, MIN_SAMPLE_RELIABLE - 1)
    assert (t.loc[few, "quality"] == "unreliable").all()
    shares = t["expected_share"].dropna().to_numpy()
    assert (np.diff(shares) <= 0).all() and t["expected_share"].iloc[-1:].isna().all()


def test_district_risk_rejects_unknown_codes(scored):
    households, p = scored
    bad = households.assign(district=households["district"].where(households.index > 2, "999"))
    with pytest.raises(PovmodelError, match="3 scored households have an unknown district"):
        area_risk(bad, p, level="district", replicates=5, seed=1)
    with pytest.raises(PovmodelError, match="area level"):
        area_risk(households, p, level="commune", replicates=5, seed=1)


def _signed_area(ring) -> float:
    x, y = np.asarray(ring).T
    return 0.5 * float(np.sum(x[:-1] * y[1:] - x[1:] * y[:-1]))


def test_interactive_maps_are_offline_and_draw_every_province(scored, district_table, tmp_path):
    from povmodel.reports.risk_maps import write_risk_map

    households, p = scored
    provinces = area_risk(households, p, replicates=30, seed=1)
    for level, table in (("province", provinces), ("district", district_table)):
        path = tmp_path / f"{level}.html"
        write_risk_map(table, path, level=level, scored_year=2022, synthetic=True)
        html = path.read_text(encoding="utf-8")
        assert "window.PlotlyGeoAssets" in html and "SYNTHETIC households" in html
        assert "<script src=" not in html  # self-contained: plotly.js is embedded
    geojson = json.loads(re.search(r'"geojson":(\{"type":"FeatureCollection".*?\]\}\}\]\})', html).group(1))
    assert {f["properties"]["code"] for f in geojson["features"]} == set(admin.province_codes())
    for feature in geojson["features"]:  # clockwise exterior rings: d3-geo's order
        geom = shape(feature["geometry"])
        parts = geom.geoms if geom.geom_type == "MultiPolygon" else [geom]
        assert all(_signed_area(part.exterior.coords) < 0 for part in parts)


def test_static_district_map_and_bad_suffix(district_table, tmp_path):
    from povmodel.reports.risk_maps import write_risk_map

    path = write_risk_map(district_table, tmp_path / "d.png", level="district", scored_year=2022, synthetic=True)
    assert open(path, "rb").read(8) == b"\x89PNG\r\n\x1a\n"
    with pytest.raises(PovmodelError, match=".png or .html"):
        write_risk_map(district_table, tmp_path / "d.svg", level="district", scored_year=2022, synthetic=True)


def test_area_table_export_keeps_every_district(district_table, tmp_path):
    from povmodel.risk.area import export_area_risk

    export_area_risk(district_table, tmp_path / "d.csv")
    back = pd.read_csv(tmp_path / "d.csv", dtype={"district": str, "province": str}, encoding="utf-8-sig")
    assert len(back) == 696 and back["quality"].isin(["ok", "unreliable", "suppressed"]).all()
