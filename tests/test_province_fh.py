"""Province Fay-Herriot on real covariates: the survey's direct estimates shrunk towards a
model of GSO's published province figures."""

from __future__ import annotations

import json

import numpy as np
import pytest
from conftest import ROOT, run_cli

from povmodel import datasets, pipeline
from povmodel.spatial.province_fh import (
    PROVINCE_COVARIATES,
    province_covariates,
    province_fay_herriot,
)


@pytest.fixture(scope="module")
def fitted(processed):
    cov = province_covariates(datasets.load_regional_panel(), datasets.load_boundaries("province"))
    return cov, *province_fay_herriot(pipeline.load_synthetic_survey(), cov, year=2022)


def test_covariates_are_real_and_complete(fitted):
    cov, _, _ = fitted
    assert list(cov.columns) == list(PROVINCE_COVARIATES) and len(cov) == 63 and cov.notna().all().all()
    # Lai Châu had the highest GSO 2016 poverty rate of the 63 provinces (27.9%)
    assert cov["gso_poverty_2016"].idxmax() == "12" and cov.loc["12", "gso_poverty_2016"] == pytest.approx(0.279)


def test_estimates_lie_between_direct_and_synthetic_and_are_more_precise(fitted):
    _, table, fit = fitted
    synthetic = fit.synthetic.reindex(table["province"]).to_numpy()
    lo, hi = np.minimum(table["direct"], synthetic), np.maximum(table["direct"], synthetic)
    assert ((table["estimate"] >= lo - 1e-12) & (table["estimate"] <= hi + 1e-12)).all()
    gamma = table["gamma"].to_numpy()
    np.testing.assert_allclose(table["estimate"], gamma * table["direct"] + (1 - gamma) * synthetic, rtol=1e-9)
    assert np.median(table["cv"]) < np.median(table["direct_cv"])
    assert (table["ci_low"] <= table["estimate"]).all() and (table["estimate"] <= table["ci_high"]).all()


@pytest.mark.slow
def test_sae_cli(tmp_path):
    res = run_cli("sae", "--config", str(ROOT / "configs" / "default.yaml"), "--year", "2022", "--json",
                  "--map", str(tmp_path / "m.html"), "--out", str(tmp_path / "t.csv"))
    assert res.returncode == 0, res.stderr
    out = json.loads(res.stdout)
    assert out["synthetic"] is True and len(out["provinces"]) == 63 and out["model"]["converged"]
    assert (tmp_path / "m.html").stat().st_size > 100_000 and (tmp_path / "t.csv").exists()
