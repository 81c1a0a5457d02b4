"""Regenerate the binary and encoding-specific files of the loader test corpus.

Run once from the project root after changing it (the outputs are committed; the tests do not
run this script)::

    .venv/bin/python tests/corpus/make_corpus.py

It writes, into ``tests/corpus/``: Parquet, Stata and Excel tables, a PNG and a Parquet file
saved under a ``.csv`` name, text tables in Windows-1258, UTF-16 and damaged UTF-8, bytes that
are not text, small boundary files (63 squares on a grid, one per province: the checks look
at codes, CRS and validity, not at the shapes), and the config / scenario YAML files that are
not plain UTF-8 text (other encodings, a NUL byte, 5,000 nested brackets). Everything is
deterministic. The plain UTF-8 CSV and YAML files of the corpus are written by hand and are not
touched. ``README.md`` lists every
file with the failure it provokes and the message expected.
"""

from __future__ import annotations

import json
import struct
import unicodedata
import zlib
from pathlib import Path

import pandas as pd

HERE = Path(__file__).resolve().parent

#: The small valid household table all binary positive cases are made from.
HOUSEHOLDS = pd.DataFrame({
    "hh_id": ["H001", "H002", "H003"],
    "year": [2022, 2022, 2022],
    "province": ["01", "79", "48"],
    "urban": [True, False, True],
    "weight": [120.5, 98.0, 101.2],
    "hh_size": [4, 3, 5],
    "income_pc": [2500000.0, 1800000.0, 3100000.0],
    "stratum": ["Hà Nội", "Hồ Chí Minh", "Đà Nẵng"],
})


def _png() -> bytes:
    """A 1 x 1 white PNG image, built by hand."""
    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    header = struct.pack(">IIBBBBB", 1, 1, 8, 2, 0, 0, 0)
    pixels = zlib.compress(b"\x00\xff\xff\xff")
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", pixels) + chunk(b"IEND", b"")


def _cp1258(text: str) -> bytes:
    """Encode Vietnamese text as Windows-1258 does: a precomposed base letter where the code
    page has one, followed by the tone mark as a combining character."""
    out = bytearray()
    for char in unicodedata.normalize("NFC", text):
        try:
            out += char.encode("cp1258")
            continue
        except UnicodeEncodeError:
            pass
        base, *marks = unicodedata.normalize("NFD", char)
        for k in range(len(marks)):  # base + one mark precomposed (ô, ă, ơ ...), others combining
            head = unicodedata.normalize("NFC", base + marks[k])
            try:
                out += head.encode("cp1258") + "".join(marks[:k] + marks[k + 1:]).encode("cp1258")
                break
            except UnicodeEncodeError:
                continue
        else:
            raise ValueError(f"cannot encode {char!r} in cp1258")
    return bytes(out)


def text_files() -> None:
    csv_text = HOUSEHOLDS.to_csv(index=False, lineterminator="\r\n")
    raw = _cp1258(csv_text)
    assert unicodedata.normalize("NFC", raw.decode("cp1258")) == csv_text  # round trip
    (HERE / "hh_cp1258_valid.csv").write_bytes(raw)
    # Excel's "Unicode text": UTF-16 with a byte-order mark, tab-separated
    (HERE / "hh_utf16_valid.txt").write_bytes(HOUSEHOLDS.to_csv(index=False, sep="\t").encode("utf-16"))
    # UTF-8 with one Latin-1 byte pasted in (row 3)
    broken = HOUSEHOLDS.to_csv(index=False).replace("Hồ Chí Minh", "Hồ Chí Minh\udce9", 1)
    (HERE / "broken_utf8.csv").write_bytes(broken.encode("utf-8", errors="surrogateescape"))
    # bytes that are not text in any encoding (no NUL, so the encoding checks run)
    (HERE / "not_text.csv").write_bytes(bytes((k * 37 + 11) % 255 + 1 for k in range(600)))
    (HERE / "png_named.csv").write_bytes(_png())


def binary_tables() -> None:
    HOUSEHOLDS.to_parquet(HERE / "hh_valid.parquet", index=False)
    HOUSEHOLDS.to_parquet(HERE / "parquet_named.csv", index=False)
    stata = HOUSEHOLDS.assign(urban=HOUSEHOLDS["urban"].astype("int8"))  # Stata has no booleans
    stata.to_stata(HERE / "hh_valid.dta", write_index=False, version=118)
    HOUSEHOLDS.to_excel(HERE / "hh_valid.xlsx", index=False, sheet_name="households")
    bad = HOUSEHOLDS.copy()
    bad.loc[1, "weight"] = -3.0  # spreadsheet row 3
    bad.to_excel(HERE / "hh_negative_weight.xlsx", index=False)


def _provinces() -> pd.DataFrame:
    table = pd.read_csv(HERE.parent.parent / "data/raw/vn_admin/vn_provinces_63_2008_2025.csv", dtype=str)
    return table.sort_values("gso_code", ignore_index=True)


def _square(k: int) -> list:
    """A 0.5-degree square on a 9 x 7 grid over Vietnam."""
    x, y = 102.0 + (k % 9) * 0.9, 8.5 + (k // 9) * 2.0
    x2, y2 = round(x + 0.5, 2), round(y + 0.5, 2)
    x, y = round(x, 2), round(y, 2)
    return [[[x, y], [x2, y], [x2, y2], [x, y2], [x, y]]]


def _feature(properties: dict, rings: list) -> dict:
    return {"type": "Feature", "properties": properties, "geometry": {"type": "Polygon", "coordinates": rings}}


def _write_geojson(name: str, features: list) -> None:
    collection = {"type": "FeatureCollection", "features": features}
    text = json.dumps(collection, ensure_ascii=False, separators=(",", ":"))
    (HERE / name).write_text(text.replace('{"type":"Feature"', '\n{"type":"Feature"') + "\n", encoding="utf-8")


def boundary_files() -> None:
    import geopandas as gpd

    provinces = _provinces()
    features = [_feature({"code": r["gso_code"], "name": r["name"]}, _square(k)) for k, r in provinces.iterrows()]
    _write_geojson("boundaries_valid.geojson", features)
    bowtie = [[[105.0, 21.0], [105.5, 21.5], [105.5, 21.0], [105.0, 21.5], [105.0, 21.0]]]
    _write_geojson("boundaries_self_intersecting.geojson",
                   [_feature(features[0]["properties"], bowtie), *features[1:]])
    duplicate = _feature({"code": "01", "name": "Hà Nội (copy)"}, _square(63))
    _write_geojson("boundaries_duplicate_code.geojson", [*features, duplicate])
    iso = [_feature({"shapeISO": r["iso_3166_2"], "shapeName": r["name"]}, _square(k))
           for k, r in provinces.head(3).iterrows()]
    _write_geojson("boundaries_missing_provinces.geojson", iso)
    gdf = gpd.read_file(HERE / "boundaries_valid.geojson").set_crs(None, allow_override=True)
    gdf.to_parquet(HERE / "boundaries_no_crs.parquet", index=False)
    more_boundary_files(features)


def more_boundary_files(features: list) -> None:
    """Wrong CRS (metres labelled as degrees, degrees labelled as UTM), an unclosed ring, points,
    no code column, and a valid file in UTM zone 48N (reprojected on reading)."""
    import geopandas as gpd

    valid = gpd.read_file(HERE / "boundaries_valid.geojson")
    utm = valid.to_crs("EPSG:32648")  # UTM zone 48N, metres
    utm.to_parquet(HERE / "boundaries_utm_valid.parquet", index=False)
    # metres written into a GeoJSON without a "crs" member: GeoJSON says longitude / latitude
    metres = json.loads(utm.to_json(drop_id=True))
    metres.pop("crs", None)
    for f in metres["features"]:
        f["geometry"]["coordinates"] = [[[round(x), round(y)] for x, y in ring] for ring in f["geometry"]["coordinates"]]
    _write_geojson("boundaries_metres_as_degrees.geojson", metres["features"])
    # degrees under a (legacy GeoJSON) "crs" member that declares UTM zone 48N
    collection = {"type": "FeatureCollection",
                  "crs": {"type": "name", "properties": {"name": "urn:ogc:def:crs:EPSG::32648"}},
                  "features": features}
    text = json.dumps(collection, ensure_ascii=False, separators=(",", ":"))
    (HERE / "boundaries_degrees_as_utm.geojson").write_text(
        text.replace('{"type":"Feature"', '\n{"type":"Feature"') + "\n", encoding="utf-8")
    unclosed = [[[105.0, 21.0], [105.5, 21.0], [105.5, 21.5], [105.0, 21.5]]]
    _write_geojson("boundaries_unclosed_ring.geojson",
                   [_feature(features[0]["properties"], unclosed), *features[1:]])
    points = [{"type": "Feature", "properties": f["properties"],
               "geometry": {"type": "Point", "coordinates": f["geometry"]["coordinates"][0][0]}} for f in features]
    _write_geojson("boundaries_points.geojson", points)
    _write_geojson("boundaries_no_code_column.geojson",
                   [_feature({"name": f["properties"]["name"]}, f["geometry"]["coordinates"]) for f in features])


def yaml_files() -> None:
    """Config and scenario files that are not plain UTF-8 text."""
    configs, scenarios = HERE / "configs", HERE / "scenarios"
    configs.mkdir(exist_ok=True)
    scenarios.mkdir(exist_ok=True)
    text = "name: bad\ntitle: Nghèo đa chiều Hà Nội\nseed: 1\nyears: [2020]\n"
    (configs / "cfg_windows1258.yaml").write_bytes(_cp1258(text))
    (configs / "cfg_nul_byte.yaml").write_bytes(b"name: bad\nseed: 1\x00\nyears: [2020]\n")
    (configs / "cfg_deep_nesting.yaml").write_text("name: bad\nseed: 1\nyears: [2020]\ntitle: "
                                                   + "[" * 5000 + "]" * 5000 + "\n", encoding="utf-8")
    (scenarios / "scn_utf16.yaml").write_bytes("name: bad\ntitle: Sốc COVID-19\n".encode("utf-16"))


if __name__ == "__main__":
    text_files()
    binary_tables()
    boundary_files()
    yaml_files()
    print(f"corpus regenerated in {HERE}")
