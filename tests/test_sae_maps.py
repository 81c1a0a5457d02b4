"""Estimate / CV maps of small-area estimates: static PNG and offline interactive HTML."""

from __future__ import annotations

import io
import json
import re

import numpy as np
import pandas as pd
import pytest
from shapely.geometry import shape
from shapely.geometry.polygon import orient

from povmodel import admin
from povmodel.errors import PovmodelError
from povmodel.reports import sae_maps

PNG = b"\x89PNG\r\n\x1a\n"


@pytest.fixture(scope="module")
def boundaries(processed):
    from povmodel import datasets

    return datasets.load_boundaries("province"), datasets.load_boundaries("region")


@pytest.fixture(scope="module")
def estimates(boundaries):
    """Illustrative province estimates (shares) with CVs across the four reliability classes;
    Hà Giang has no estimate and Cao Bằng is absent from the table."""
    provinces, _ = boundaries
    rng = np.random.default_rng(3)
    codes = provinces["code"].tolist()
    est = rng.uniform(0.01, 0.35, len(codes))
    cv = np.resize([0.05, 0.15, 0.25, 0.45], len(codes))
    table = pd.DataFrame({"province": codes, "estimate": est, "cv": cv, "ci_low": est * (1 - 1.96 * cv),
                          "ci_high": est * (1 + 1.96 * cv)})
    table.loc[table["province"] == "02", ["estimate", "cv", "ci_low", "ci_high"]] = np.nan
    return table[table["province"] != "04"].reset_index(drop=True)


def _png(fig) -> bytes:
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=60)
    return buf.getvalue()


def _texts(fig) -> str:
    parts = [t.get_text() for t in fig.texts]
    if fig._supxlabel is not None:
        parts.append(fig._supxlabel.get_text())
    for ax in fig.axes:
        parts += [t.get_text() for t in ax.texts] + [ax.get_title()]
        legend = ax.get_legend()
        if legend is not None:
            parts += [t.get_text() for t in legend.get_texts()] + [legend.get_title().get_text()]
    return "\n".join(parts)


def test_geoboundaries_hold_islands_of_both_archipelagos(boundaries):
    provinces, _ = boundaries
    found = sae_maps._archipelagos(provinces)
    assert set(found["hoang_sa"]["code"]) == {"48"}  # Đà Nẵng (Hoàng Sa district)
    assert set(found["truong_sa"]["code"]) == {"56"}  # Khánh Hòa (Trường Sa district)
    assert "thuộc chủ quyền của Việt Nam" in sae_maps.archipelago_note(provinces, "vi")
    # a boundary file without them says they are not shown
    mainland = provinces.assign(geometry=provinces.geometry.clip_by_rect(100, 5, 110.5, 25))
    assert sae_maps.archipelago_note(mainland, "vi") == (
        "Quần đảo Hoàng Sa và Trường Sa (Việt Nam) không thể hiện trên bản đồ này.")
    assert "not shown" in sae_maps.archipelago_note(mainland, "en")


def test_estimate_cv_maps_png(boundaries, estimates):
    provinces, regions = boundaries
    fig = sae_maps.estimate_cv_maps(provinces, regions, estimates, title="Tỷ lệ hộ nghèo ước tính", k=5)
    assert len(fig.axes) == 2
    assert _png(fig).startswith(PNG)
    text = _texts(fig)
    assert "Quần đảo Hoàng Sa" in text and "Trường Sa" in text and "QĐ. Hoàng Sa" in text
    assert "dưới 10%: rất tin cậy" in text and "từ 30%: không đủ tin cậy" in text
    assert "Không có ước tính" in text  # Hà Giang and Cao Bằng hatched grey
    legend = [t.get_text() for t in fig.axes[0].get_legend().get_texts()]
    assert all("," in label and label.endswith("%") for label in legend[:5])  # decimal comma in Vietnamese
    # every island part is drawn: the markers include Côn Đảo, Lý Sơn, Phú Quý and the archipelagos
    marks = sae_maps._small_parts(provinces)
    assert {"77", "51", "60", "48", "56", "31"} <= set(marks["code"])


def test_english_maps_and_quantiles(boundaries, estimates):
    provinces, regions = boundaries
    fig = sae_maps.estimate_cv_maps(provinces, regions, estimates, title="Poverty", language="en",
                                    scheme="Quantiles", k=4)
    text = _texts(fig)
    assert "belong to Việt Nam" in text and "30% and above: unreliable" in text
    legend = [t.get_text() for t in fig.axes[0].get_legend().get_texts()]
    assert len(legend) == 5 and all("%" in t for t in legend[:4])


def test_district_points_map(boundaries):
    provinces, regions = boundaries
    districts = admin.districts()
    rng = np.random.default_rng(0)
    table = pd.DataFrame({"district": districts["code"], "share": rng.uniform(0, 0.5, len(districts)),
                          "households": rng.integers(1_000, 90_000, len(districts))})
    table.loc[::50, "share"] = np.nan
    fig = sae_maps.district_points_map(provinces, regions, table, value="share", size="households",
                                       title="Hộ nghèo theo huyện")
    assert _png(fig).startswith(PNG)
    text = _texts(fig)
    assert "Không công bố" in text and "90.000" in text


def test_estimate_cv_html(boundaries, estimates):
    provinces, _ = boundaries
    page = sae_maps.estimate_cv_html(provinces, estimates, title="Tỷ lệ hộ nghèo ước tính", language="vi")
    assert page.startswith("<!doctype html>") or page.lstrip().lower().startswith("<!doctype html>")
    assert "window.PlotlyGeoAssets" in page and "<script src=" not in page  # offline, self-contained
    geojson = json.loads(re.search(r'"geojson":(\{"type":"FeatureCollection".*?\]\}\}\]\})', page).group(1))
    assert {f["properties"]["code"] for f in geojson["features"]} == set(provinces["code"])
    for feature in geojson["features"]:  # rounded coordinates keep clockwise rings (d3-geo's order)
        geom = shape(feature["geometry"])
        parts = geom.geoms if geom.geom_type == "MultiPolygon" else [geom]
        assert all(orient(part, sign=-1.0).equals_exact(part, 0) for part in parts if part.area > 1e-6)
    for code in provinces["code"]:
        assert f'"{code}"' in page
    for name in ("Hà Nội", "Thừa Thiên Huế", "Đắk Lắk", "Bà Rịa - Vũng Tàu"):
        assert name in page
    assert "Tỉnh" in page and "Khoảng tin cậy 95%" in page and "Độ tin cậy" in page
    assert "%{customdata[0]}" in page and "%{customdata[2]}" in page  # name, estimate, interval, CV
    assert '"updatemenus"' in page and '"restyle"' in page
    assert "Quần đảo Hoàng Sa (thành phố Đà Nẵng) và quần đảo Trường Sa" in page
    row = page.split("<td>01</td>")[1].split("</tr>")[0]
    est = estimates.set_index("province").loc["01"]
    assert f"{est['estimate'] * 100:.1f}".replace(".", ",") + "%" in row


def test_english_html_tooltips(boundaries, estimates):
    provinces, _ = boundaries
    page = sae_maps.estimate_cv_html(provinces, estimates, title="Estimated poverty", language="en",
                                     low=None, high=None)
    assert "Province: %{customdata[0]}" in page and "CV: %{customdata[3]}" in page
    assert "95% interval: %{customdata[2]}" in page
    assert "Paracel" in page and "Spratly" in page


def test_bad_inputs(boundaries, estimates):
    provinces, regions = boundaries
    with pytest.raises(PovmodelError, match="no column 'cv'"):
        sae_maps.estimate_cv_maps(provinces, regions, estimates.drop(columns="cv"), title="x")
    with pytest.raises(PovmodelError, match="no column 'ci_low'"):
        sae_maps.estimate_cv_html(provinces, estimates.drop(columns="ci_low"), title="x")
    with pytest.raises(PovmodelError, match="percent=True"):
        sae_maps.estimate_cv_maps(provinces, regions, estimates.assign(estimate=estimates["estimate"] * 100),
                                  title="x")
    with pytest.raises(PovmodelError, match="unknown province codes"):
        sae_maps.estimate_cv_html(provinces, estimates.assign(province=range(len(estimates))), title="x")
    with pytest.raises(PovmodelError, match="duplicate"):
        sae_maps.estimate_cv_html(provinces, pd.concat([estimates, estimates.head(1)]), title="x")
    with pytest.raises(PovmodelError, match="language"):
        sae_maps.estimate_cv_maps(provinces, regions, estimates, title="x", language="fr")
    with pytest.raises(PovmodelError, match="scheme"):
        sae_maps.estimate_cv_maps(provinces, regions, estimates, title="x", scheme="Jenks")
    with pytest.raises(PovmodelError, match="numbers"):
        sae_maps.estimate_cv_html(provinces, estimates.assign(cv="high"), title="x")
    with pytest.raises(PovmodelError, match="no column 'share'"):
        sae_maps.district_points_map(provinces, regions, pd.DataFrame({"district": ["001"]}), value="share",
                                     size="households", title="x")
