"""Global and local Moran's I on the real province boundaries."""

from __future__ import annotations

import io

import numpy as np
import pandas as pd
import pytest
from matplotlib.figure import Figure

from povmodel.errors import PovmodelError
from povmodel.spatial.autocorrelation import global_moran, local_moran
from povmodel.spatial.weights import contiguity_weights, knn_weights


@pytest.fixture(scope="module")
def provinces(processed):
    from povmodel import datasets

    return datasets.load_boundaries("province")


@pytest.fixture(scope="module")
def queen(provinces):
    return contiguity_weights(provinces)


@pytest.fixture(scope="module")
def latitude(provinces):
    """A smooth north-south gradient: the latitude of the province centroids (km)."""
    centroids = provinces.to_crs(3405).centroid
    return pd.Series(centroids.y.to_numpy() / 1000, index=provinces["code"].to_numpy())


@pytest.fixture(scope="module")
def poverty_2016(processed):
    from povmodel import datasets

    panel = datasets.load_regional_panel()
    rows = panel[(panel["source"] == "GSO survey (VHLSS)") & (panel["area_level"] == "province")
                 & (panel["indicator"] == "poor_household_rate") & (panel["year"] == 2016)]
    return rows.set_index("area_code")["value"]


def _hand_moran(values: pd.Series, w) -> float:
    """n / S0 * z'Wz / z'z with row-standardised binary weights (S0 = n)."""
    ids = list(values.index)
    z = values.to_numpy() - values.mean()
    W = np.zeros((len(ids), len(ids)))
    for a, i in enumerate(ids):
        links = [j for j in w.neighbours(i) if j in values.index]
        for j in links:
            W[a, ids.index(j)] = 1 / len(links)
    return len(ids) / W.sum() * (z @ W @ z) / (z @ z)


def test_moran_equals_hand_computation(latitude, queen):
    result = global_moran(latitude, queen, permutations=0, seed=None)
    assert result.i == pytest.approx(_hand_moran(latitude, queen), rel=1e-12)
    assert result.expected == pytest.approx(-1 / 62)
    assert np.isnan(result.p_sim)


def test_moran_of_2016_poverty_excludes_the_missing_province(poverty_2016, queen):
    assert "79" not in poverty_2016.index  # no 2016 figure for Hồ Chí Minh in the panel
    with pytest.raises(PovmodelError, match="no value"):
        global_moran(poverty_2016, queen, seed=1)
    result = global_moran(poverty_2016, queen, permutations=99, seed=1, missing="exclude")
    assert result.n == 62
    assert result.i == pytest.approx(_hand_moran(poverty_2016, queen), rel=1e-12)
    assert result.i > 0.5 and result.p_sim == pytest.approx(0.01)


def test_random_permutation_shows_no_autocorrelation(latitude, queen):
    rng = np.random.default_rng(20240601)
    shuffled = pd.Series(rng.permutation(latitude.to_numpy()), index=latitude.index)
    result = global_moran(shuffled, queen, permutations=999, seed=5)
    assert abs(result.i - result.expected) < 0.15
    assert result.p_sim > 0.1
    # over many shuffles, I averages to E[I] = -1/(n-1)
    draws = [global_moran(pd.Series(rng.permutation(latitude.to_numpy()), index=latitude.index), queen,
                          permutations=0, seed=None).i for _ in range(200)]
    assert np.mean(draws) == pytest.approx(-1 / 62, abs=0.015)


def test_gradient_is_strongly_autocorrelated_with_hot_north_and_cold_south(provinces, latitude, queen):
    result = global_moran(latitude, queen, permutations=999, seed=3)
    assert result.i > 0.8 and result.p_sim == pytest.approx(0.001)
    local = local_moran(latitude, queen, seed=3)
    table = local.to_frame().merge(provinces[["code", "region_code"]], on="code")
    table["degrees_north"] = provinces.representative_point().y.to_numpy()
    hot = table[table["cluster"] == "hot spot"]
    cold = table[table["cluster"] == "cold spot"]
    # hot spots: the northern mountains and the Red River delta (and Thanh Hóa next to them)
    assert len(hot) >= 15 and hot["degrees_north"].min() > 19.5
    assert set(table.loc[table["region_code"] == "NMM", "cluster"]) == {"hot spot"}
    # cold spots: the Mekong delta, the South East and the south of the highlands
    assert len(cold) >= 15 and cold["degrees_north"].max() < 13
    assert set(table.loc[table["region_code"] == "MRD", "cluster"]) == {"cold spot"}
    assert not table["cluster"].str.contains("outlier").any()
    assert set(table.loc[table["significant"], "quadrant"]) <= {"HH", "LL"}
    # the lag is the mean over the contiguous neighbours
    ha_noi = table.set_index("code").loc["01"]
    assert ha_noi["lag"] == pytest.approx(latitude[queen.neighbours("01")].mean())
    assert ha_noi["name"] == "Hà Nội"


def test_fdr_flags_no_more_than_unadjusted(poverty_2016, queen):
    plain = local_moran(poverty_2016, queen, seed=11, missing="exclude")
    adjusted = local_moran(poverty_2016, queen, seed=11, fdr=True, missing="exclude")
    np.testing.assert_array_equal(plain.table["p_sim"], adjusted.table["p_sim"])
    assert adjusted.threshold <= plain.threshold == 0.05
    assert adjusted.table["significant"].sum() <= plain.table["significant"].sum()
    assert not (adjusted.table["significant"] & ~plain.table["significant"]).any()
    assert "Benjamini-Hochberg" in adjusted.summary()


def test_same_seed_same_p_values(poverty_2016, queen):
    state = np.random.get_state()  # noqa: NPY002 (esda seeds the legacy global state)
    a = local_moran(poverty_2016, queen, seed=42, missing="exclude")
    b = local_moran(poverty_2016, queen, seed=42, missing="exclude")
    c = local_moran(poverty_2016, queen, seed=43, missing="exclude")
    pd.testing.assert_frame_equal(a.to_frame(), b.to_frame())
    assert not np.array_equal(a.table["p_sim"], c.table["p_sim"])
    g1 = global_moran(poverty_2016, queen, seed=42, missing="exclude")
    g2 = global_moran(poverty_2016, queen, seed=42, missing="exclude")
    assert g1.p_sim == g2.p_sim and g1.z_sim == g2.z_sim
    # the caller's global random state is restored
    after = np.random.get_state()  # noqa: NPY002
    assert state[0] == after[0] and np.array_equal(state[1], after[1]) and state[2] == after[2]


def test_local_results_frame_summary_and_map(poverty_2016, queen, provinces):
    from povmodel import datasets

    result = local_moran(poverty_2016, knn_weights(provinces), seed=7, missing="exclude")
    frame = result.to_frame()
    assert list(frame.columns) == ["code", "name", "value", "lag", "Ii", "p_sim", "quadrant", "significant",
                                   "cluster"]
    assert set(frame["cluster"]) <= {"hot spot", "cold spot", "high-low outlier", "low-high outlier",
                                     "not significant"}
    assert "Hà Giang" in set(frame.loc[frame["cluster"] == "hot spot", "name"])
    assert "hot spot" in result.summary()
    fig = result.map(regions=datasets.load_boundaries("region"), language="vi")
    assert isinstance(fig, Figure)
    texts = {t.get_text() for t in fig.axes[0].texts}
    assert "Hà Giang" in texts
    legend = [t.get_text() for t in fig.axes[0].get_legend().get_texts()]
    assert any(t.startswith("Điểm nóng") for t in legend) and any(t.startswith("Không có số liệu") for t in legend)
    buf = io.BytesIO()
    fig.savefig(buf, format="png")
    assert buf.getvalue()[:8] == b"\x89PNG\r\n\x1a\n"


def test_bad_inputs(latitude, queen):
    with pytest.raises(PovmodelError, match="constant"):
        global_moran(pd.Series(1.0, index=latitude.index), queen, seed=1)
    with pytest.raises(PovmodelError, match="alpha"):
        local_moran(latitude, queen, seed=1, alpha=1.5)
    with pytest.raises(PovmodelError, match="permutations"):
        local_moran(latitude, queen, seed=1, permutations=10)
    with pytest.raises(PovmodelError, match="SpatialWeights"):
        global_moran(latitude, {"01": ["02"]}, seed=1)
    subset = latitude.drop(["26", "27", "33", "35", "17", "19", "24", "25"])  # Hà Nội's neighbours
    with pytest.raises(PovmodelError, match="no neighbour"):
        global_moran(subset, queen, seed=1, missing="exclude")
