"""Property-based fuzzing of every input loader (tracker issue 10): whatever is wrong with a
config, a scenario, a person table, a regional panel or a boundary file, either it loads or a
:class:`~povmodel.errors.PovmodelError` comes out -- never another exception type.

The household loader is fuzzed in ``tests/test_io_loaders.py``; the malformed files worth
keeping are in the corpus (``tests/corpus/README.md``).
"""

from __future__ import annotations

import copy
import json
import re
import tempfile
from pathlib import Path

import pandas as pd
import pytest
import yaml
from conftest import ROOT
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from povmodel.config import load_config, load_scenario
from povmodel.errors import ConfigError, DataValidationError, PovmodelError
from povmodel.io import check_boundaries, read_persons, read_regional_panel

FUZZ = settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
SCENARIO = ROOT / "configs" / "scenarios" / "covid_2020_wave1.yaml"

#: A complete, valid config (self-contained: the repository's default config may change).
BASE_CONFIG = {
    "name": "fuzz", "title": "Fuzz", "seed": 20211, "language": "en", "standard": "auto",
    "years": [2016, 2018, 2020], "provinces": ["01", "Hồ Chí Minh", 48],
    "scenarios": [str(SCENARIO)], "draws": 100,
    "forecast": {"origin": 2020, "standard": "2022-2025", "model": "combination", "draws": 500},
    "reports": ["overview"], "output_dir": "reports", "report_timeout_s": 600,
}
BASE_SCENARIO = yaml.safe_load(SCENARIO.read_text(encoding="utf-8"))

#: Values of every type and of the awkward kinds YAML produces.
GARBAGE = st.one_of(
    st.none(), st.booleans(), st.integers(), st.integers(min_value=10**18, max_value=10**40),
    st.floats(allow_nan=True, allow_infinity=True), st.text(max_size=20),
    st.sampled_from(["", "yes", "no", "~", "1e30", "-1", "2020-02-30", "2020-04-09", "NaN", ".inf", "01",
                     "Hà Nội", "all", "services", "covid_support.res42.months", "\x00", "../", "{", "*a"]),
    st.dates().map(str), st.lists(st.integers(-5, 3000), max_size=3),
    st.dictionaries(st.text(max_size=5), st.integers(), max_size=2),
)


def _paths(tree, prefix=()):
    """Every key path of a nested dict / list."""
    yield prefix
    if isinstance(tree, dict):
        for k, v in tree.items():
            yield from _paths(v, (*prefix, k))
    elif isinstance(tree, list):
        for i, v in enumerate(tree):
            yield from _paths(v, (*prefix, i))


def _mutate(tree, data) -> object:
    """Up to four mutations: drop a key, replace a value (a type swap or garbage), add a key."""
    tree = copy.deepcopy(tree)
    for _ in range(data.draw(st.integers(1, 4), label="mutations")):
        paths = [p for p in _paths(tree) if p]
        if not paths:
            break
        path = data.draw(st.sampled_from(paths), label="path")
        parent = tree
        for key in path[:-1]:
            parent = parent[key]
        action = data.draw(st.sampled_from(["drop", "replace", "replace", "add"]), label="action")
        if action == "drop":
            del parent[path[-1]]
        elif action == "replace":
            parent[path[-1]] = data.draw(GARBAGE, label="value")
        elif isinstance(parent, dict):
            parent[data.draw(st.text(min_size=1, max_size=8), label="key")] = data.draw(GARBAGE, label="value")
        else:
            parent.append(data.draw(GARBAGE, label="value"))
    return tree


def _dump(tree) -> str:
    return yaml.safe_dump(tree, allow_unicode=True, sort_keys=False)


def _load_yaml_text(loader, text: str | bytes, name: str = "f.yaml"):
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / name
        path.write_bytes(text if isinstance(text, bytes) else text.encode("utf-8", errors="surrogatepass"))
        try:
            return loader(path)
        except ConfigError as exc:
            assert exc.problems and all(p.file for p in exc.problems), str(exc)
            assert path.name in str(exc)
            return None


def test_base_documents_are_valid(tmp_path):
    (tmp_path / "c.yaml").write_text(_dump(BASE_CONFIG), encoding="utf-8")
    assert load_config(tmp_path / "c.yaml").name == "fuzz"
    assert load_scenario(SCENARIO).name == BASE_SCENARIO["name"]


# --------------------------------------------------------------------------------------------
# Configs and scenarios
# --------------------------------------------------------------------------------------------
@FUZZ
@given(data=st.data())
def test_mutated_config_raises_only_config_errors(data):
    _load_yaml_text(load_config, _dump(_mutate(BASE_CONFIG, data)))


@FUZZ
@given(data=st.data())
def test_mutated_scenario_raises_only_config_errors(data):
    _load_yaml_text(load_scenario, _dump(_mutate(BASE_SCENARIO, data)))


#: Pieces of YAML syntax: indicators, tags, anchors, flow collections, control characters.
_YAML_BITS = st.sampled_from([
    "name: x\n", "seed: 1\n", "years: [2020]\n", "extends: ", "x.yaml", "\n", "  ", "\t", ": ", "- ", "? ",
    "[", "]", "{", "}", ",", "&a ", "*a", "*b", "!!python/object:os.system ", "!!binary ", "!!int ", "!!float ",
    "!!timestamp ", "!!set ", "!foo ", "<<: ", "|\n", ">-\n", "'", '"', "#", "%YAML 1.1\n", "---\n", "...\n",
    "2020-02-30", "1e999", "0x1F", "~", "yes", "\x00", "\ufeff", "\udce9", "Hà Nội", "9" * 40,
])


@FUZZ
@given(bits=st.lists(st.one_of(_YAML_BITS, st.text(max_size=6)), max_size=30),
       loader=st.sampled_from([load_config, load_scenario]))
def test_yaml_garbage_raises_only_config_errors(bits, loader):
    _load_yaml_text(loader, "".join(bits))


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(raw=st.binary(max_size=200), encoding_prefix=st.sampled_from([b"", b"\xef\xbb\xbf", b"\xff\xfe", b"name: x\n"]))
def test_random_bytes_raise_only_config_errors(raw, encoding_prefix):
    _load_yaml_text(load_config, encoding_prefix + raw)


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.data())
def test_extends_chain_with_mutations_raises_only_config_errors(data):
    """A config extending a mutated parent (which may itself extend something odd)."""
    with tempfile.TemporaryDirectory() as folder:
        parent = _mutate(BASE_CONFIG, data)
        if isinstance(parent, dict) and data.draw(st.booleans(), label="parent extends"):
            parent["extends"] = data.draw(st.sampled_from(["child.yaml", "parent.yaml", "", "nope.yaml", 5]))
        (Path(folder) / "parent.yaml").write_text(_dump(parent), encoding="utf-8")
        child = {"extends": "parent.yaml", **_mutate({"name": "child", "draws": 10}, data)}
        (Path(folder) / "child.yaml").write_text(_dump(child), encoding="utf-8")
        try:
            load_config(Path(folder) / "child.yaml")
        except ConfigError as exc:
            assert exc.problems and all(p.file for p in exc.problems)


# --------------------------------------------------------------------------------------------
# Person tables and regional panels: column drops, type swaps, garbage values, any format
# --------------------------------------------------------------------------------------------
_PERSONS = pd.DataFrame({
    "person_id": ["P1", "P2", "P3"], "hh_id": ["H1", "H1", "H2"], "year": ["2022"] * 3,
    "age": ["34", "7", "61"], "female": ["yes", "no", "có"],
})
_PANEL = pd.read_csv(ROOT / "tests" / "corpus" / "panel_valid.csv", dtype=str, keep_default_na=False)
_CELL_GARBAGE = st.one_of(
    st.text(max_size=12),
    st.sampled_from(["", "NA", "..", "-", "-1", "0", "1e309", "nan", "inf", "1,5", "có", '"', "\n", "01", "99",
                     "true", "2.5", "\x00", "Hà Nội", "\ufeff", "province", "%", "9" * 30, "2020-01-01"]),
    st.floats(allow_nan=True, allow_infinity=True).map(str),
)


def _mangle(frame: pd.DataFrame, data) -> pd.DataFrame:
    frame = frame.copy()
    frame = frame.drop(columns=data.draw(st.lists(st.sampled_from(list(frame.columns)), unique=True, max_size=3),
                                         label="dropped"))
    for _ in range(data.draw(st.integers(0, 6), label="garbage cells")):
        if frame.shape[1] == 0:
            break
        column = data.draw(st.sampled_from(list(frame.columns)), label="column")
        frame.loc[data.draw(st.integers(0, len(frame) - 1), label="row"), column] = data.draw(_CELL_GARBAGE)
    if frame.shape[1] >= 2 and data.draw(st.booleans(), label="swap"):  # two columns' values swapped
        a, b = data.draw(st.lists(st.sampled_from(list(frame.columns)), min_size=2, max_size=2, unique=True))
        frame[[a, b]] = frame[[b, a]].to_numpy()
    if frame.shape[1] and data.draw(st.booleans(), label="rename"):
        frame = frame.rename(columns={frame.columns[0]: data.draw(_CELL_GARBAGE, label="new name")})
    return frame


_ILLEGAL_IN_EXCEL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f]")


def _write(frame: pd.DataFrame, folder: Path, data) -> Path:
    fmt = data.draw(st.sampled_from(["csv", "csv", "parquet", "xlsx"]), label="format")
    if fmt == "csv":
        path = folder / "t.csv"
        sep = data.draw(st.sampled_from([",", ";", "\t"]), label="sep")
        encoding = data.draw(st.sampled_from(["utf-8", "utf-16", "utf-8-sig"]), label="encoding")
        path.write_bytes(frame.to_csv(index=False, sep=sep).encode(encoding, errors="surrogatepass"))
        return path
    # typed formats: each column kept as text or turned into numbers (a type swap of the file)
    typed = frame.copy()
    typed.columns = [str(c).encode("utf-8", "replace").decode("utf-8") for c in typed.columns]
    if fmt == "xlsx":
        typed.columns = [_ILLEGAL_IN_EXCEL.sub("", c) for c in typed.columns]
    typed = typed.loc[:, ~pd.Index(typed.columns).duplicated()]
    for column in typed.columns:
        kind = data.draw(st.sampled_from(["text", "number", "bool"]), label=f"type of {column}")
        text = typed[column].astype(str).map(lambda s: s.encode("utf-8", "replace").decode("utf-8"))
        if fmt == "xlsx":  # Excel cannot hold control characters: the writer refuses them
            text = text.str.replace(_ILLEGAL_IN_EXCEL, "", regex=True)
        typed[column] = (pd.to_numeric(text, errors="coerce") if kind == "number"
                         else text.str.len().gt(1) if kind == "bool" else text)
    if fmt == "parquet":
        path = folder / "t.parquet"
        typed.to_parquet(path, index=False)
    else:
        path = folder / "t.xlsx"
        typed.to_excel(path, index=False)
    return path


@pytest.mark.parametrize("loader, valid", [(read_persons, _PERSONS), (read_regional_panel, _PANEL)],
                         ids=["persons", "panel"])
@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.data())
def test_malformed_tables_raise_only_povmodel_errors(loader, valid, data):
    with tempfile.TemporaryDirectory() as folder:
        path = _write(_mangle(valid, data), Path(folder), data)
        try:
            out = loader(path)
        except DataValidationError as exc:
            assert exc.problems and all(p.file for p in exc.problems), str(exc)
            return
        except PovmodelError:
            return
    assert len(out) == len(valid)  # loaded: no row dropped


# --------------------------------------------------------------------------------------------
# Boundary files: codes and geometries garbled
# --------------------------------------------------------------------------------------------
_BOUNDARIES = json.loads((ROOT / "tests" / "corpus" / "boundaries_valid.geojson").read_text(encoding="utf-8"))
_COORD = st.one_of(st.floats(-1e7, 1e7, allow_nan=False), st.sampled_from([0.0, 105.0, 21.0, 1e300]))


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.data())
def test_garbled_boundaries_raise_only_povmodel_errors(data):
    collection = copy.deepcopy(_BOUNDARIES)
    features = collection["features"]
    for _ in range(data.draw(st.integers(1, 5), label="edits")):
        k = data.draw(st.integers(0, len(features) - 1), label="feature")
        what = data.draw(st.sampled_from(["code", "drop", "ring", "geometry", "crs", "duplicate"]), label="edit")
        if what == "code":
            features[k]["properties"]["code"] = data.draw(st.one_of(_CELL_GARBAGE, st.integers(), st.none()))
        elif what == "drop" and len(features) > 1:
            features.pop(k)
        elif what == "ring":
            ring = [[data.draw(_COORD), data.draw(_COORD)] for _ in range(data.draw(st.integers(0, 5)))]
            features[k]["geometry"]["coordinates"] = [ring]
        elif what == "geometry":
            features[k]["geometry"] = data.draw(st.sampled_from([
                None, {"type": "Point", "coordinates": [105, 21]}, {"type": "Polygon", "coordinates": []},
                {"type": "LineString", "coordinates": [[105, 21], [106, 22]]}]))
        elif what == "crs":
            collection["crs"] = {"type": "name", "properties": {"name": data.draw(st.sampled_from(
                ["urn:ogc:def:crs:EPSG::32648", "EPSG:3857", "EPSG:4326", "nonsense"]))}}
        else:
            features.append(copy.deepcopy(features[k]))
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "b.geojson"
        path.write_text(json.dumps(collection, ensure_ascii=False), encoding="utf-8")
        try:
            check_boundaries(path)
        except PovmodelError as exc:
            assert "b.geojson" in str(exc)
