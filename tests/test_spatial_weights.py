"""Spatial weights on the real province boundaries and district centres; spatial lags."""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
from shapely.geometry import box

from povmodel.errors import PovmodelError
from povmodel.spatial.weights import (
    SpatialWeights,
    contiguity_weights,
    district_knn_weights,
    knn_weights,
    spatial_lag,
)


@pytest.fixture(scope="module")
def provinces(processed):
    from povmodel import datasets

    return datasets.load_boundaries("province")


@pytest.fixture(scope="module")
def queen(provinces):
    return contiguity_weights(provinces)


def _squares(codes_and_boxes):
    codes, boxes = zip(*codes_and_boxes, strict=True)
    return gpd.GeoDataFrame({"code": list(codes), "name": [f"area {c}" for c in codes]}, geometry=list(boxes),
                            crs=3405)


def test_every_province_has_a_neighbour_and_contiguity_is_symmetric(queen):
    assert queen.n == 63
    assert queen.cardinalities().min() >= 1
    assert queen.islands == ()
    assert queen.joined == {}  # island parts belong to multipolygons: no province is alone
    assert queen.is_symmetric()


def test_ha_noi_neighbours_are_the_real_ones(queen):
    # checked on the map: all eight provinces around Hà Nội, and no other
    assert queen.neighbours("01") == ["17", "19", "24", "25", "26", "27", "33", "35"]
    frame = queen.to_frame()
    names = set(frame.loc[frame["code"] == "01", "neighbour_name"])
    assert {"Bắc Ninh", "Hưng Yên", "Vĩnh Phúc", "Thái Nguyên", "Phú Thọ", "Hà Nam", "Bắc Giang"} <= names
    assert set(frame["link"]) == {"contiguity"}


def test_island_provinces_keep_mainland_neighbours(queen):
    assert queen.neighbours("91") == ["89", "92", "93", "95", "96"]  # Kiên Giang, Phú Quốc included
    assert "79" in queen.neighbours("77")  # Bà Rịa - Vũng Tàu (Côn Đảo) and Hồ Chí Minh
    assert queen.neighbours("56")  # Khánh Hòa, with islands of Trường Sa


def test_rook_equals_queen_on_these_boundaries(provinces, queen):
    rook = contiguity_weights(provinces, kind="rook")
    assert rook.w.neighbors == queen.w.neighbors


def test_gap_tolerance_adds_no_false_neighbour(provinces, queen):
    strict = contiguity_weights(provinces, tolerance=0)
    wide = contiguity_weights(provinces, tolerance=2000)
    assert strict.w.neighbors == queen.w.neighbors == wide.w.neighbors
    assert wide.gap_links == ()


def test_gap_tolerance_closes_slivers():
    # two squares 50 m apart (an imprecise shared border) and one far away
    frame = _squares([("A", box(0, 0, 1000, 1000)), ("B", box(1050, 0, 2000, 1000)),
                      ("C", box(10_000, 0, 11_000, 1000))])
    strict = contiguity_weights(frame, tolerance=0, islands="keep")
    assert set(strict.islands) == {"A", "B", "C"}
    fuzzy = contiguity_weights(frame, tolerance=100, islands="keep")
    assert fuzzy.neighbours("A") == ["B"] and fuzzy.gap_links == (("A", "B"),)
    assert fuzzy.islands == ("C",)
    assert fuzzy.to_frame().query("code == 'C'")["link"].tolist() == ["none"]


def test_isolated_province_joined_to_nearest_or_kept(provinces):
    # without its mainland neighbours, Kiên Giang is alone: joined to the nearest province left
    subset = provinces[provinces["code"].isin(["91", "79", "77", "01"])]
    joined = contiguity_weights(subset)
    assert joined.joined["91"] == "79" and "91" in joined.neighbours("79")
    assert joined.is_symmetric() and joined.cardinalities().min() >= 1
    assert set(joined.to_frame().query("code == '91'")["link"]) == {"nearest"}
    kept = contiguity_weights(subset, islands="keep")
    assert set(kept.islands) == {"01", "91"} and kept.neighbours("91") == []


def test_bad_contiguity_inputs(provinces):
    with pytest.raises(PovmodelError, match="kind"):
        contiguity_weights(provinces, kind="bishop")
    with pytest.raises(PovmodelError, match="islands"):
        contiguity_weights(provinces, islands="drop")
    with pytest.raises(PovmodelError, match="code column"):
        contiguity_weights(provinces, code_column="gso")
    with pytest.raises(PovmodelError, match="GeoDataFrame"):
        contiguity_weights(pd.DataFrame({"code": ["01"]}))


def test_knn_weights(provinces):
    knn = knn_weights(provinces, k=4)
    assert isinstance(knn, SpatialWeights) and knn.kind == "knn"
    assert set(knn.cardinalities()) == {4}
    assert all(isinstance(j, str) for j in knn.neighbours("91"))
    with pytest.raises(PovmodelError):
        knn_weights(provinces, k=0)


def test_district_knn_weights():
    w = district_knn_weights(k=6)
    assert w.n == 696 and set(w.cardinalities()) == {6}
    # the six districts nearest to Ba Đình are in Hà Nội
    assert all(code < "300" for code in w.neighbours("001"))
    assert set(w.units.geom_type) == {"Point"}


def test_lag_equals_hand_computation():
    # A-B-C in a row, D touches C only at a corner (queen, not rook)
    frame = _squares([("A", box(0, 0, 1, 1)), ("B", box(1, 0, 2, 1)), ("C", box(2, 0, 3, 1)),
                      ("D", box(3, 1, 4, 2))])
    w = contiguity_weights(frame, tolerance=0)
    values = pd.Series({"A": 1.0, "B": 2.0, "C": 4.0, "D": 8.0})
    lag = spatial_lag(values, w)
    expected = pd.Series({"A": 2.0, "B": (1 + 4) / 2, "C": (2 + 8) / 2, "D": 4.0})
    pd.testing.assert_series_equal(lag, expected, check_names=False, check_index_type=False)
    assert spatial_lag(values, w, transform="b")["C"] == 10.0
    rook = contiguity_weights(frame, kind="rook", tolerance=0, islands="keep")
    assert rook.islands == ("D",) and np.isnan(spatial_lag(values, rook)["D"])


def test_lag_missing_values_raise_or_are_excluded():
    frame = _squares([("A", box(0, 0, 1, 1)), ("B", box(1, 0, 2, 1)), ("C", box(2, 0, 3, 1))])
    w = contiguity_weights(frame, tolerance=0)
    values = pd.Series({"A": 1.0, "B": np.nan, "C": 4.0})
    with pytest.raises(PovmodelError, match="no value"):
        spatial_lag(values, w)
    lag = spatial_lag(values, w, missing="exclude")
    assert np.isnan(lag["A"]) and lag["B"] == 2.5 and np.isnan(lag["C"])
    with pytest.raises(PovmodelError, match="not units"):
        spatial_lag(pd.Series({"A": 1.0, "Z": 2.0}), w)
    with pytest.raises(PovmodelError, match="transform"):
        spatial_lag(values, w, transform="d")


def test_lag_of_province_values_uses_gso_codes(provinces, queen):
    values = pd.Series(np.arange(63, dtype=float), index=provinces["code"])
    lag = spatial_lag(values, queen)
    assert lag["01"] == pytest.approx(values[queen.neighbours("01")].mean())
    with pytest.raises(PovmodelError, match="strings"):
        spatial_lag(pd.Series([1.0], index=[1]), queen)
