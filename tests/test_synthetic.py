"""The synthetic household panel and census: calibration, design, truth, determinism."""

from __future__ import annotations

import json
import subprocess
import sys

import numpy as np
import pandas as pd
import pyarrow.parquet as pq
import pytest
from conftest import ROOT

from povmodel import pipeline
from povmodel.schemas import deprivation_columns, household_schema
from povmodel.standards import POOR, classify_codes, standard_snapshot
from povmodel.synthetic import build_world, calibration_table, classify_survey, read_census
from povmodel.synthetic.model import standard_year_of

SEED = pipeline.default_seed()


@pytest.fixture(scope="module")
def panel(processed):
    return pd.read_parquet(processed / "regional_panel.parquet")


@pytest.fixture(scope="module")
def world(panel):
    return build_world(SEED, panel)


@pytest.fixture(scope="module")
def survey(world):
    return world.survey()


def test_every_calibration_target_is_met(survey, world, panel):
    table = calibration_table(survey, world.calibration, panel)
    with pd.option_context("display.width", 160, "display.max_columns", 10):
        print("\n" + table.round(3).to_string())
    assert len(table) == 21  # 5 national + 1 near-poor + 12 regional + ranking + 2 churn
    assert table["ok"].all(), table[~table["ok"]]


def test_the_embedded_default_is_this_survey(survey):
    """`povmodel data build` writes exactly what the generator gives for the default seed."""
    on_disk = pipeline.load_synthetic_survey()
    pd.testing.assert_frame_equal(on_disk.reset_index(drop=True), survey.reset_index(drop=True))
    meta = json.loads(pq.read_schema(ROOT / "data" / "processed" / pipeline.SURVEY_FILE).metadata[b"povmodel"])
    assert meta["synthetic"] is True and "SYNTHETIC" in meta["note"]
    assert on_disk.attrs["povmodel"]["synthetic"] is True


def test_survey_follows_the_schema_and_design(survey, world):
    household_schema().validate(survey, lazy=True)
    assert sorted(survey["year"].unique()) == list(world.spec.survey_rounds)
    per_round = survey.groupby("year").size()
    assert ((per_round > 40_000) & (per_round <= world.spec.survey_households)).all()
    totals = survey.groupby("year")["weight"].sum()
    np.testing.assert_allclose(totals, world.spec.households_total, rtol=1e-9)
    strata = world.frame.communes.assign(stratum=lambda c: c["province"] + np.where(c["urban"], "-U", "-R"))
    expected = strata.groupby("stratum")["households"].sum()
    got = survey[survey["year"] == 2018].groupby("stratum")["weight"].sum()
    np.testing.assert_allclose(got, expected.reindex(got.index), rtol=1e-9)
    assert survey["province"].nunique() == 63
    # rotating panel: about half of each round is re-interviewed in the next one
    ids = survey.groupby("year")["panel_id"].apply(set)
    for a, b in zip(ids.index[:-1], ids.index[1:], strict=True):
        assert 0.4 < len(ids[a] & ids[b]) / len(ids[b]) < 0.6


def test_survey_is_deterministic_per_seed(world, survey, panel):
    again = world.survey()
    assert pd.util.hash_pandas_object(again, index=False).equals(pd.util.hash_pandas_object(survey, index=False))
    other = build_world(SEED + 1, panel).survey()
    assert not other["income_pc"].head(1000).equals(survey["income_pc"].head(1000))


def test_true_probability_matches_what_happens(survey):
    """The ground truth is right: households with truth p poor at the next round are poor then
    with frequency p (binned by decile, 2016 -> 2018 panel households)."""
    a = survey[survey["year"] == 2016].set_index("panel_id")
    b = survey[survey["year"] == 2018].set_index("panel_id")
    both = a.index.intersection(b.index)
    p = a.loc[both, "truth_p_poor_next_round"].to_numpy()
    later = b.loc[both]
    deps = later[deprivation_columns(standard_year_of(2018))].sum(axis=1)
    poor = classify_codes(later["income_pc"], later["urban"], deps, standard_snapshot(2018)) == POOR
    assert abs(p.mean() - poor.mean()) < 0.1 * poor.mean() + 0.002
    bins = pd.qcut(p, 10, labels=False, duplicates="drop")
    observed = pd.Series(poor).groupby(bins).mean()
    predicted = pd.Series(p).groupby(bins).mean()
    assert np.abs(observed - predicted).max() < 0.05
    assert observed.iloc[-1] > 10 * max(observed.iloc[0], 1e-3)


def test_truth_is_missing_only_in_the_last_round(survey):
    last = survey["year"] == survey["year"].max()
    assert survey.loc[last, "truth_p_poor_next_round"].isna().all()
    assert survey.loc[~last, "truth_p_poor_next_round"].between(0, 1).all()


def test_frame_keeps_every_household(world):
    communes = world.frame.communes
    assert communes["households"].sum() == world.spec.households_total
    assert (communes.groupby("province")["households"].sum()
            == world.frame.provinces.set_index("code")["households"]).all()
    assert world.frame.excluded and world.frame.excluded[0]["rows"] == 5  # island districts, reported


def test_classify_survey_by_standard_in_force(survey):
    codes = classify_survey(survey)
    rate = pd.Series(codes == POOR).groupby(survey["year"].to_numpy()).mean()
    assert rate[2022] > rate[2021]  # the 2022 standard is stricter: the rate jumps


def test_census_is_identical_whatever_the_chunk_size(world, tmp_path):
    big = world.census(tmp_path / "a", provinces=["12"], chunk_households=10**9)
    small = world.census(tmp_path / "b", provinces=["Lai Châu"], chunk_households=20_000)
    assert len(small.files) > 1 and len(big.files) == 1
    a = read_census(tmp_path / "a")
    b = read_census(tmp_path / "b", provinces=["12"])
    pd.testing.assert_frame_equal(a, b)
    assert (a["province"] == "12").all()
    assert len(a) == world.frame.provinces.set_index("code").at["12", "households"] == big.households
    household_schema().validate(a.head(5000), lazy=True)
    target = world.calibration.targets.query("year == 2019 and province == '12'")["target_poor"].iloc[0]
    deps = a[deprivation_columns("2016")].sum(axis=1)
    rate = (classify_codes(a["income_pc"], a["urban"], deps, standard_snapshot(2019)) == POOR).mean()
    assert abs(rate - target) < 0.025  # calibration sample: ~3,000 households a province (SE ~1 pp)


@pytest.mark.slow
def test_large_province_census_has_bounded_memory(tmp_path):
    """Hồ Chí Minh City (~2.3 M households) with 250,000-household chunks."""
    code = f"""
import resource, time, pandas as pd
from povmodel.synthetic import build_world
panel = pd.read_parquet({str(ROOT / 'data' / 'processed' / 'regional_panel.parquet')!r})
w = build_world({SEED}, panel)
base = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
r = w.census({str(tmp_path)!r}, provinces=['79'], chunk_households=250_000)
print(r.households, r.seconds, r.peak_memory_mb, base)
"""
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True, timeout=900)
    households, seconds, peak, base = map(float, out.stdout.split())
    print(f"\nHCMC census: {households:,.0f} households in {seconds:.1f} s "
          f"({seconds / households * 1e6:.1f} s per million), peak RSS {peak:.0f} MB (before: {base:.0f} MB)")
    assert households > 2_000_000
    assert peak < 3_000


def test_loaders_accept_the_synthetic_survey(processed):
    from povmodel import io

    df = io.read_households(processed / pipeline.SURVEY_FILE)
    assert len(df) == len(pipeline.load_synthetic_survey())


def test_census_cli(tmp_path):
    from conftest import run_cli

    res = run_cli("data", "census", "--province", "Bắc Kạn", "--out", str(tmp_path / "c"), "--chunk", "30000")
    assert res.returncode == 0, res.stderr
    assert "SYNTHETIC census 2019" in res.stdout
    assert len(read_census(tmp_path / "c")) == int(res.stdout.split("SYNTHETIC census 2019: ")[1].split()[0].replace(",", ""))
