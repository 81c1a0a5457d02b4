"""Provinces, regions, crosswalk and boundaries (real data)."""

from __future__ import annotations

import pytest

from povmodel import admin
from povmodel.errors import UnknownAreaError


def test_registry_counts():
    p = admin.provinces()
    assert len(p) == 63 and p["code"].is_unique
    counts = admin.regions().set_index("region_code")["n_provinces"].to_dict()
    assert counts == {"RRD": 11, "NMM": 14, "NCC": 14, "CH": 5, "SE": 6, "MRD": 13}


@pytest.mark.parametrize(
    ("spelling", "code"),
    [
        ("79", "79"), (79, "79"), (1, "01"), ("Hồ Chí Minh", "79"), ("TP. Hồ Chí Minh", "79"),
        ("Thành phố Hồ Chí Minh", "79"), ("ho chi minh", "79"), ("Tỉnh Đắk Lắk", "66"), ("dak lak", "66"),
        ("Bà Rịa–Vũng Tàu", "77"), ("Ba Ria - Vung Tau", "77"), ("thua thien hue", "46"),
        ("  HÀ NỘI ", "01"), ("VN-SG", "79"), ("Đắk Nông", "67"),
    ],
)
def test_lookup_by_any_spelling(spelling, code):
    assert admin.province_code(spelling) == code


def test_unknown_names_suggest_close_matches():
    with pytest.raises(UnknownAreaError, match="did you mean Đắk Lắk"):
        admin.province_code("Dak Lac")
    with pytest.raises(UnknownAreaError, match="unknown province code '99'"):
        admin.province_code("99")


def test_ascii_names():
    assert admin.to_ascii("Đắk Lắk") == "Dak Lak"
    assert admin.province("46").name_ascii == "Thua Thien Hue"


def test_crosswalk_2025_is_consistent():
    cw = admin.crosswalk_2025()
    new = admin.provinces_2025()
    assert len(new) == 34 and cw["province_2025_code"].nunique() == 34
    for row in new.itertuples():
        merged = sorted(c.strip() for c in row.merged_from.replace("+", ";").replace(",", ";").split(";") if c.strip())
        assert merged == sorted(cw.loc[cw["province_2025_code"] == row.code, "code"]), row.name
    # spot checks from FACTS.md section 4
    lookup = cw.set_index("code")["province_2025_code"]
    assert lookup["77"] == "79" and lookup["74"] == "79" and lookup["02"] == "08" and lookup["93"] == "92"


def test_boundaries(processed):
    from povmodel.datasets import load_boundaries

    prov = load_boundaries("province")
    assert len(prov) == 63 and prov["code"].is_unique
    assert prov.geometry.is_valid.all()
    assert set(prov.geom_type) <= {"Polygon", "MultiPolygon"}
    assert prov.crs.to_epsg() == 4326
    assert not prov["boundary_name"].str.contains("\t").any()
    brvt = prov.set_index("code").loc["77"]
    assert brvt.geometry.geom_type == "MultiPolygon"  # Côn Đảo dissolved into Bà Rịa–Vũng Tàu
    assert brvt.geometry.bounds[1] < 9.0  # Côn Đảo lies at ~8.7°N
    assert len(load_boundaries("region")) == 6
    assert len(load_boundaries("province_2025")) == 34
    # dissolving loses no area
    assert abs(load_boundaries("region").to_crs(3405).area.sum() / prov.to_crs(3405).area.sum() - 1) < 1e-6
