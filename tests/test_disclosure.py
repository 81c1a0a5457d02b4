"""Disclosure control: no generated output (report HTML, executed notebooks, tables, key figures,
manifest, kernel logs, the run's tables) contains a household id of the survey, and area cells
below the configured minimum of sample households carry no estimate."""

from __future__ import annotations

import re

import pandas as pd
import pytest
from conftest import SMALL_REPORT_CONFIG

from povmodel import pipeline
from povmodel.config import load_config
from povmodel.reports.runner import run_reports
from povmodel.run_outputs import run_dir, suppress_small_cells

pytestmark = pytest.mark.report
#: hh_id ("2016-2016-00400-00") and panel_id ("2016-00400-00") of the synthetic survey.
HOUSEHOLD_ID = re.compile(r"\b20\d\d-(?:20\d\d-)?\d{5}-\d{2}\b")


def test_the_id_pattern_matches_every_survey_id_and_nothing_else():
    survey = pipeline.load_synthetic_survey()
    sample = pd.concat([survey["hh_id"].sample(2000, random_state=1), survey["panel_id"].sample(2000, random_state=2)])
    assert sample.map(lambda s: bool(HOUSEHOLD_ID.fullmatch(s))).all()
    assert not HOUSEHOLD_ID.search("2021-2025 forecast, 2016-2020 standard, 4.03% in 2022, 75,000 bn")


@pytest.fixture(scope="module")
def every_output(tmp_path_factory, report_run):
    tmp = tmp_path_factory.mktemp("disclosure")
    cfg = tmp / "all.yaml"
    cfg.write_text(f"extends: {SMALL_REPORT_CONFIG}\nname: disclosure\noutput_dir: {tmp / 'reports'}\n"
                   "report_settings:\n  briefs: ['62']\n  comparisons:\n"
                   "    - {baseline: covid_2021_no_support, alternative: covid_2021_delta}\n", encoding="utf-8")
    config = load_config(cfg)
    result = run_reports(config, jobs=2, progress_bar=False)
    assert not result.failed, [r.error for r in result.failed]
    return config, result.run_dir


def test_no_output_contains_a_household_id(every_output):
    config, folder = every_output
    files = [p for p in folder.rglob("*") if p.is_file() and p.suffix != ".png"]
    files += [p for p in run_dir(config.results_id).iterdir() if p.suffix in (".parquet", ".json")]
    assert len(files) > 20
    for path in files:
        if path.suffix == ".parquet":
            frame = pd.read_parquet(path)
            text = frame.astype(str).to_csv(index=False)
            assert not {"hh_id", "panel_id"} & set(frame.columns), path
        else:
            text = path.read_bytes().decode("utf-8", errors="replace")
        found = HOUSEHOLD_ID.findall(text)
        assert not found, f"{path} shows household ids, e.g. {found[:3]}"


def test_small_cells_are_suppressed_at_the_configured_minimum():
    table = pd.DataFrame({"province": ["01", "02", "04"], "expected_share": [0.1, 0.2, 0.3],
                          "households_at_risk": [10.0, 20.0, 30.0], "sample_households": [40, 25, 9],
                          "quality": ["ok", "ok", "suppressed"]})
    out = suppress_small_cells(table, min_households=30)
    assert out["quality"].tolist() == ["ok", "suppressed", "suppressed"]
    assert out["expected_share"].isna().tolist() == [False, True, True]
    assert out["households_at_risk"].isna().tolist() == [False, True, True]
    assert out["sample_households"].tolist() == [40, 25, 9]  # the count itself stays (it is the reason)
