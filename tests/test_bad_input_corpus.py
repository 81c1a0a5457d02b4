"""The bad-input corpus of configs and scenario files (tracker issue 10): every malformed file
yields a ``ConfigError`` naming the file, the key path (or line and column) and what is wrong,
and the command line exits 2 on it, one line per problem, without a traceback.

The cases are the second table of ``tests/corpus/README.md``; the data files (households,
persons, regional panel, boundaries) are the first table, checked by ``tests/test_io_loaders.py``.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from conftest import ROOT, run_cli

from povmodel.cli import main
from povmodel.config import load_config, load_scenario
from povmodel.errors import ConfigError

CORPUS = ROOT / "tests" / "corpus"
LOADERS = {"config": load_config, "scenario": load_scenario}


def _tables() -> tuple[list[dict], list[dict]]:
    """(data-file rows, config / scenario rows) of tests/corpus/README.md."""
    text = (CORPUS / "README.md").read_text(encoding="utf-8")
    data_part, yaml_part = text.split("\n## Configs and scenarios", 1)

    def rows(part: str, keys: list[str]) -> list[dict]:
        out = []
        for line in part.splitlines():
            if line.startswith("| `"):
                cells = [c.strip().strip("`") for c in line.strip().strip("|").split("|")]
                out.append(dict(zip(keys, cells, strict=True)))
        return out

    return (rows(data_part, ["file", "kind", "column_map", "failure", "expected", "column", "rows", "example"]),
            rows(yaml_part, ["file", "kind", "failure", "expected", "location", "line"]))


DATA_CASES, CASES = _tables()


def test_corpus_is_complete_and_large_enough():
    on_disk = {f"{p.parent.name}/{p.name}" for folder in ("configs", "scenarios")
               for p in (CORPUS / folder).iterdir() if p.is_file()}
    assert {c["file"] for c in CASES} == on_disk
    assert len({c["file"] for c in CASES}) == len(CASES)
    bad_data = [c for c in DATA_CASES if c["expected"] != "ok"]
    kinds = {c["kind"] for c in bad_data} | {c["kind"] for c in CASES}
    assert kinds == {"households", "persons", "panel", "boundaries", "config", "scenario"}
    assert len(bad_data) + len(CASES) >= 50


@pytest.mark.parametrize("case", CASES, ids=[Path(c["file"]).name for c in CASES])
def test_corpus_case(case):
    path = CORPUS / case["file"]
    with pytest.raises(ConfigError) as info:
        LOADERS[case["kind"]](path)
    message = str(info.value)
    assert path.name in message, message
    matching = [p for p in info.value.problems if case["expected"] in str(p)]
    assert matching, f"no problem mentions {case['expected']!r}:\n{message}"
    problem = matching[0]
    assert problem.file, message
    if case["location"]:
        assert problem.location == case["location"], message
    if case["line"]:
        assert str(problem.file).endswith(f":{case['line']}") or str(problem.location).startswith(
            f"line {case['line']}"), message


# --------------------------------------------------------------------------------------------
# Command line: exit code 2, the file named, one line per problem, no traceback
# --------------------------------------------------------------------------------------------
def _cli_args(case: dict) -> list[str]:
    path = str(CORPUS / case["file"])
    if case["kind"] == "config":
        return ["validate-config", path]
    if case["kind"] == "scenario":
        return ["simulate", "--scenario", path]
    if case["kind"] == "boundaries":
        return ["data", "check", path, "--kind", "boundaries"]
    extra = ["--column-map", str(CORPUS / case["column_map"])] if case["column_map"] else []
    return ["data", "check", path, "--kind", case["kind"], *extra]


def _sample() -> list[dict]:
    """Every config and scenario, and the first two malformed data files of each kind."""
    data: dict[str, list[dict]] = {}
    for case in DATA_CASES:
        if case["expected"] != "ok":
            data.setdefault(case["kind"], []).append(case)
    return [*CASES, *(c for cases in data.values() for c in cases[:2])]


SAMPLE = _sample()


@pytest.mark.parametrize("case", SAMPLE, ids=[f"{c['kind']}:{Path(c['file']).name}" for c in SAMPLE])
def test_cli_exits_2_naming_the_file(case, capsys, monkeypatch):
    monkeypatch.chdir(ROOT)
    assert main(_cli_args(case)) == 2
    out = capsys.readouterr()
    assert out.out == ""
    assert "Traceback" not in out.err
    assert Path(case["file"]).name in out.err
    assert case["expected"] in out.err


def test_cli_subprocess_exit_codes():
    """The real command, in two processes: every config at once, then one scenario."""
    configs = [str(CORPUS / c["file"]) for c in CASES if c["kind"] == "config"]
    res = run_cli("validate-config", *configs)
    assert res.returncode == 2 and res.stdout == ""
    assert "Traceback" not in res.stderr
    for path in configs:
        assert Path(path).name in res.stderr
    scenario = next(c for c in CASES if c["file"].endswith("scn_impossible_date.yaml"))
    res = run_cli("simulate", "--scenario", str(CORPUS / scenario["file"]))
    assert res.returncode == 2 and res.stdout == "" and "Traceback" not in res.stderr
    assert res.stderr.strip().splitlines() == [
        f"{CORPUS / scenario['file']}: line 8, column 9: invalid YAML: not a valid date: '2020-02-30' "
        "(day is out of range for month)"]


def test_python_tag_is_never_executed(tmp_path):
    marker = tmp_path / "pwned"
    evil = tmp_path / "evil.yaml"
    text = (CORPUS / "configs" / "cfg_python_tag.yaml").read_text(encoding="utf-8")
    evil.write_text(text.replace("echo never-run", f"touch {marker}"), encoding="utf-8")
    with pytest.raises(ConfigError, match="unsafe or unknown YAML tag"):
        load_config(evil)
    assert not marker.exists()


def test_yaml_merge_keys_are_plain_yaml(tmp_path):
    """``<<: *anchor`` is safe YAML: merged, with the mapping's own keys winning (no duplicate)."""
    path = tmp_path / "s.yaml"
    path.write_text("name: merged\nyear: 2020\nbaseline_round: 2018\nshock:\n"
                    "  start_month: 4\n  duration_months: 3\n  labour:\n"
                    "    - &cell {sector: services, lose_work: 0.1}\n"
                    "    - {<<: *cell, sector: agriculture}\n", encoding="utf-8")
    spec = load_scenario(path)
    assert [(c.sector, c.lose_work) for c in spec.shock.labour] == [("services", 0.1), ("agriculture", 0.1)]


def test_alias_expansion_is_reported_short(tmp_path):
    """A "billion laughs" alias bomb: a clear error, quickly, and a message of bounded size."""
    lines = ["a: &a [x, x, x, x, x, x, x, x, x]"]
    for prev, name in zip("abcdefg", "bcdefgh", strict=True):
        lines.append(f"{name}: &{name} [{', '.join([f'*{prev}'] * 9)}]")
    path = tmp_path / "bomb.yaml"
    path.write_text("\n".join(lines) + "\nname: bomb\nseed: 1\nyears: [2020]\ntitle: *h\n", encoding="utf-8")
    with pytest.raises(ConfigError) as info:
        load_config(path)
    assert len(str(info.value)) < 5000
    assert any(p.location == "title" for p in info.value.problems)


def test_a_set_tag_on_a_scalar_is_a_yaml_error(tmp_path):
    """Found by the fuzzer: ``!!set`` on a scalar used to crash the duplicate-key check."""
    from povmodel.config import load_config
    from povmodel.errors import ConfigError

    path = tmp_path / "set.yaml"
    path.write_text("---\n!!set \n", encoding="utf-8")
    with pytest.raises(ConfigError, match="expected a mapping for set"):
        load_config(path)
