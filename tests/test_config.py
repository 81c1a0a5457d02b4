"""Run configs: strict validation, all problems at once, extends, hashing, schema."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from conftest import ROOT, run_cli

from povmodel.config import config_json_schema, load_config, load_scenario
from povmodel.errors import ConfigError

DEFAULT = ROOT / "configs" / "default.yaml"


def write(path: Path, text: str) -> Path:
    path.write_text(text, encoding="utf-8")
    return path


def test_default_config_is_valid():
    config = load_config(DEFAULT)
    assert config.name == "default"
    assert [s.name for s in config.scenario_specs] == ["baseline", "covid_2020_wave1", "covid_2021_delta",
                                                       "covid_2021_no_support", "double-poor-transfer-2020"]
    assert config.run_id.startswith("default-")
    assert config.results_id.startswith("results-")


def test_presentation_fields_do_not_change_the_results_id(tmp_path):
    base = load_config(DEFAULT)
    same = load_config(write(tmp_path / "vi.yaml", f"extends: {DEFAULT}\nname: other\nlanguage: vi\n"
                                                   "reports: [overview]\n"))
    other = load_config(write(tmp_path / "seed.yaml", f"extends: {DEFAULT}\nseed: 7\n"))
    assert same.results_id == base.results_id and same.run_id != base.run_id
    assert other.results_id != base.results_id


def test_bad_config_names_every_problem_at_once(tmp_path):
    bad = write(tmp_path / "bad.yaml", f"""\
extends: {DEFAULT}
name: bad
seed: not-a-number
colour: blue
years: [2010, 2020]
""")
    with pytest.raises(ConfigError) as info:
        load_config(bad)
    lines = info.value.lines()
    assert len(lines) == 3, lines
    by_key = {line.split(": ")[1]: line for line in lines}
    assert "unknown key 'colour'" in by_key["colour"]
    assert "valid integer" in by_key["seed"]
    assert "2010" in by_key["years"] and "coverage 2016-2030" in by_key["years"]
    assert all(line.startswith(f"{bad}:") for line in lines)
    assert f"{bad}:3" in by_key["seed"]  # the line of the key in the file


def test_validate_config_cli_exit_codes(tmp_path):
    ok = run_cli("validate-config", str(DEFAULT))
    assert ok.returncode == 0, ok.stderr
    assert "valid" in ok.stdout
    bad = write(tmp_path / "bad.yaml", "name: x\nseed: 1.5\nyears: [2031]\nlangauge: vi\n")
    res = run_cli("validate-config", str(DEFAULT), str(bad))
    assert res.returncode == 2
    assert "Traceback" not in res.stderr
    assert len(res.stderr.strip().splitlines()) == 3
    assert "did you mean 'language'" in res.stderr


def test_yaml_tags_are_refused_never_executed(tmp_path):
    marker = tmp_path / "pwned"
    evil = write(tmp_path / "evil.yaml", f'name: x\nseed: !!python/object/apply:os.system ["touch {marker}"]\n')
    res = run_cli("validate-config", str(evil))
    assert res.returncode == 2
    assert "unsafe or unknown YAML tag" in res.stderr
    assert not marker.exists()


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("", "config is empty"),
        ("- a\n- b\n", "must be a mapping"),
        ("name: x\nseed: 1\nseed: 2\n", "duplicate key 'seed'"),
        ("name: x\nseed: [1\n", "invalid YAML"),
        ("name: x\nseed: 1\nyears: [2020]\nextends: nowhere.yaml\n", "extended config not found"),
        ("name: x\nseed: 1\nyears: [2020]\nprovinces: [Ha Nio]\n", "did you mean Hà Nội"),
        ("name: x\nseed: 1\nyears: [2020]\nscenarios: [missing.yaml]\n", "scenario file(s) not found"),
        ("name: x\nseed: -1\nyears: [2020]\n", "greater than or equal to 0"),
        ("name: Has Spaces\nseed: 1\nyears: [2020]\n", "should match pattern"),
        ("name: x\nseed: 1\nyears: [2020]\nreports: [overveiw]\n", "'overview'"),
        ("name: x\nseed: 1\nyears: [2020]\ndata: {households: nope.csv}\n", "file not found"),
    ],
)
def test_config_errors(tmp_path, text, message):
    with pytest.raises(ConfigError) as info:
        load_config(write(tmp_path / "c.yaml", text))
    assert message in str(info.value)


def test_not_utf8(tmp_path):
    path = tmp_path / "latin1.yaml"
    path.write_bytes("name: x\ntitle: Hà Nội\n".encode("cp1258", errors="replace") + b"\xff\xfe")
    with pytest.raises(ConfigError, match="not UTF-8"):
        load_config(path)


def test_extends_merges_and_rebases_paths(tmp_path):
    child_dir = tmp_path / "sub"
    child_dir.mkdir()
    child = write(child_dir / "child.yaml", f"extends: {DEFAULT}\nname: child\nlanguage: vi\n")
    config = load_config(child)
    assert config.language == "vi" and config.seed == load_config(DEFAULT).seed
    # the parent's relative scenario path still points at the parent's scenario file
    assert config.resolve(config.scenarios[0]) == (ROOT / "configs" / "scenarios" / "baseline.yaml")
    assert [s.name for s in config.scenario_specs][0] == "baseline"


def test_extends_loop_is_an_error(tmp_path):
    write(tmp_path / "a.yaml", "extends: b.yaml\nname: a\n")
    write(tmp_path / "b.yaml", "extends: a.yaml\nname: b\n")
    with pytest.raises(ConfigError, match="loops back"):
        load_config(tmp_path / "a.yaml")


def test_province_names_become_codes(tmp_path):
    path = write(tmp_path / "c.yaml", "name: x\nseed: 1\nyears: [2020]\nprovinces: ['TP. Hồ Chí Minh', 1, lao cai]\n")
    assert load_config(path).provinces == ["79", "01", "10"]


def test_config_hash_is_stable_and_sensitive(tmp_path):
    a = write(tmp_path / "a.yaml", f"extends: {DEFAULT}\nname: x\n")
    b = write(tmp_path / "b.yaml", f"extends: {DEFAULT}\nname: x\nseed: 7\n")
    assert load_config(a).config_hash == load_config(a).config_hash
    assert load_config(a).config_hash != load_config(b).config_hash


def test_scenario_changes_are_checked(tmp_path):
    path = write(tmp_path / "s.yaml", "name: Bad Name\nparameter_changes:\n  poverty.income_line.rurall: {2022-01-01: 1}\n")
    with pytest.raises(ConfigError) as info:
        load_scenario(path)
    assert len(info.value.problems) == 2
    assert "poverty.income_line.rural" in str(info.value)


def test_reform_scenario_file_loads():
    spec = load_scenario(ROOT / "configs" / "scenarios" / "double_poor_transfer_2020.yaml")
    assert list(spec.parameter_changes) == ["covid_support.res42.poor_near_poor"]


def test_schema_json_is_current():
    on_disk = json.loads((ROOT / "configs" / "schema.json").read_text(encoding="utf-8"))
    assert on_disk == json.loads(json.dumps(config_json_schema())), "run `make schema`"
