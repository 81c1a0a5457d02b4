"""Validation by design: samples drawn from a synthetic census, estimators scored against the
census's own poverty rates."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from povmodel import pipeline
from povmodel.errors import DataValidationError, PovmodelError
from povmodel.paths import processed_dir
from povmodel.spatial.pseudo_census import (
    SampleDesign,
    direct_estimates,
    draw_sample,
    pseudo_census_experiment,
)

COVARIATES = ["urban_f", "edu", "eth", "agri", "size"]


def line(frame):
    return np.where(frame["urban"], 900_000, 700_000)


@pytest.fixture(scope="module")
def census(processed, tmp_path_factory):
    from povmodel.synthetic import build_world
    from povmodel.synthetic.census import read_census

    seed = pipeline.default_seed()
    world = build_world(seed, pd.read_parquet(processed_dir() / "regional_panel.parquet"))
    out = tmp_path_factory.mktemp("census")
    world.census(out, year=2018, provinces=["11", "12"])
    c = read_census(out)
    return c.assign(urban_f=c["urban"].astype(float), edu=c["head_education_years"],
                    eth=c["ethnic_minority"].astype(float), agri=(c["sector"] == "agriculture").astype(float),
                    size=c["hh_size"].astype(float))


def test_two_stage_sample_weights_add_up(census):
    design = SampleDesign(psus_per_stratum=3, households_per_psu=10)
    sample = draw_sample(census, "district", design, np.random.default_rng(0))
    assert sample.groupby("psu").size().max() <= 10
    assert sample.groupby("stratum")["psu"].nunique().max() <= 3
    # Horvitz-Thompson: the weights estimate the number of census households without bias
    totals = [draw_sample(census, "district", design, np.random.default_rng(i))["weight"].sum() for i in range(12)]
    assert np.mean(totals) == pytest.approx(len(census), rel=0.04)
    same = draw_sample(census, "district", design, np.random.default_rng(0))
    pd.testing.assert_frame_equal(sample, same)


def test_direct_estimate_of_a_full_census_is_the_truth(census):
    """With every PSU and every household taken, the direct estimate is the census rate (its
    variance is the with-replacement Taylor variance: no finite-population correction)."""
    everything = draw_sample(census, "district", SampleDesign(10_000, 100_000), np.random.default_rng(1))
    assert len(everything) == len(census) and np.allclose(everything["weight"], 1.0)
    areas = sorted(census["district"].unique())
    poor = everything["income_pc"].to_numpy() < line(everything)
    d = direct_estimates(everything, "district", areas, poor).set_index("area")
    truth = pd.Series(census["income_pc"].to_numpy() < line(census)).groupby(census["district"].to_numpy()).mean()
    np.testing.assert_allclose(d["direct"], truth.reindex(areas), rtol=1e-12)


def test_fay_herriot_beats_direct_on_small_areas(census):
    r = pseudo_census_experiment(census, area="district", covariates=COVARIATES, line=line, replicates=6, seed=3,
                                 methods=("direct", "fh"))
    s = r.summary().set_index(["areas_group", "method"])
    print("\n" + s.round(4).to_string())
    assert s.loc[("smaller half", "fh"), "mean_rmse"] < s.loc[("smaller half", "direct"), "mean_rmse"]
    scores = r.scores()
    assert set(scores["method"]) == {"direct", "fh"} and scores["coverage"].between(0, 1).all()
    assert (scores["replicates"] <= 6).all()


def test_ebp_beats_direct_and_fay_herriot(census):
    r = pseudo_census_experiment(census, area="district", covariates=COVARIATES, line=line, replicates=4, seed=5,
                                 ebp_draws=20)
    s = r.summary().set_index(["areas_group", "method"])
    print("\n" + s.round(4).to_string())
    for group in ("all areas", "smaller half"):
        assert s.loc[(group, "ebp"), "mean_rmse"] < s.loc[(group, "direct"), "mean_rmse"]
        assert s.loc[(group, "ebp"), "mean_abs_bias"] <= s.loc[(group, "direct"), "mean_abs_bias"] * 1.2


def test_experiment_errors(census):
    with pytest.raises(DataValidationError, match="nope"):
        pseudo_census_experiment(census, area="district", covariates=["nope"], line=line, seed=1)
    with pytest.raises(PovmodelError, match="methods"):
        pseudo_census_experiment(census, area="district", covariates=COVARIATES, line=line, seed=1,
                                 methods=("magic",))
