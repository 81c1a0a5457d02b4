"""Census-scale paths on dask: the `compute:` settings, local vs dask (LocalCluster, 2 worker
processes) bit-identical, agreement with the in-memory estimators, determinism.

The census here is the SYNTHETIC survey's 2018 round in eight provinces, replicated 12 times
(~70 k households, distinct PSUs per copy, weights divided by 12), written as Parquet
partitioned by province in several files per province.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from conftest import ROOT

from povmodel import census_scale
from povmodel.compute import compute_client, settings_from
from povmodel.config import load_scenario
from povmodel.errors import ConfigError
from povmodel.measure import estimate
from povmodel.spatial import EBP
from povmodel.synthetic import read_census

MEASURES = ("poor_rate", "near_poor_rate", "fgt0", "fgt1", "fgt2", "mean_income", "mpi_h", "mpi_a", "mpi_m0")
BY = ["national", "region", "province", "urban", "ethnicity"]
COVARIATES = ["urban", "hh_size", "ethnic_minority", "head_education_years", "informal", "sector"]
COPIES = 12
PROVINCES = ["01", "12", "26", "38", "48", "66", "79", "92"]


@pytest.fixture(scope="module")
def sample(processed):
    survey = pd.read_parquet(processed / "synthetic_survey.parquet")
    return survey[(survey["year"] == 2018) & survey["province"].isin(PROVINCES)].reset_index(drop=True)


@pytest.fixture(scope="module")
def census(sample, tmp_path_factory):
    copies = []
    for k in range(COPIES):
        c = sample.copy()
        c["psu"] = c["psu"].astype(str) + f"-c{k}"
        c["hh_id"] = c["hh_id"].astype(str) + f"-c{k}"
        c["weight"] = c["weight"] / COPIES
        copies.append(c.drop(columns=[x for x in ("panel_id",) if x in c]))
    path = tmp_path_factory.mktemp("census") / "census"
    census_scale.write_by_province(pd.concat(copies, ignore_index=True), path, chunk_households=4_000)
    return path


@pytest.fixture(scope="module")
def scenario():
    return load_scenario(ROOT / "configs" / "scenarios" / "covid_2020_wave1.yaml")


def _model(sample, **kw):
    return EBP("log", line=1_000_000, L=8, seed=11, indicators=("fgt0", "fgt1", "mean"), **kw).fit(
        sample, y="income_pc", covariates=COVARIATES, area="district")


def _bytes(df: pd.DataFrame) -> bytes:
    """The table as bytes: every float with all 17 significant digits."""
    return df.to_csv(float_format="%.17g").encode()


def _run_all(census, sample, scenario, *, client=None, compute=None):
    m = census_scale.measure(census, by=BY, measures=MEASURES, client=client, compute=compute).table
    mp = census_scale.measure(census, by=["province"], unit="person", measures=("fgt0", "mpi_m0"), client=client,
                              compute=compute).table
    s = census_scale.simulate(census, scenario, draws=3, seed=7, client=client, compute=compute).table
    e = census_scale.predict_ebp(_model(sample), census, area="district", aggregate_to="province", client=client,
                                 compute=compute).to_frame()
    return {"measure": m, "measure_person": mp, "shock": s, "ebp": e}


# ------------------------------------------------------------------------------- settings
@pytest.mark.parametrize(("value", "where"), [
    ({"mode": "local", "workers": 2}, "compute"),
    ({"mode": "local", "scheduler_address": "tcp://127.0.0.1:8786"}, "compute"),
    ({"mode": "dask", "scheduler_address": "tcp://127.0.0.1:8786", "workers": 2}, "compute"),
    ({"mode": "dask", "memory_limit": "lots"}, "compute.memory_limit"),
    ({"mode": "dask", "scheduler_address": "127.0.0.1:8786"}, "compute.scheduler_address"),
    ({"mode": "cloud"}, "compute.mode"),
    ({"mode": "dask", "worker": 2}, "compute.worker"),
    ({"mode": "dask", "workers": 0}, "compute.workers"),
])
def test_bad_compute_settings_raise_config_error(value, where):
    with pytest.raises(ConfigError) as err:
        settings_from(value)
    assert any(p.location == where for p in err.value.problems), err.value.problems


def test_compute_section_of_a_config(tmp_path):
    from povmodel.config import PRESENTATION_FIELDS, load_config

    base = ROOT / "configs" / "default.yaml"
    good = tmp_path / "good.yaml"
    good.write_text(f"extends: {base}\nname: t\ncompute:\n  mode: dask\n  workers: 2\n  memory_limit: 4GB\n")
    config = load_config(good)
    assert config.compute.mode == "dask" and config.compute.workers == 2
    assert "compute" in PRESENTATION_FIELDS  # how, not what: same results cube
    bad = tmp_path / "bad.yaml"
    bad.write_text(f"extends: {base}\nname: t\ncompute:\n  mode: local\n  scheduler_address: tcp://h:1\n")
    with pytest.raises(ConfigError, match="only apply with mode: dask"):
        load_config(bad)
    assert settings_from(None).mode == "local"
    with compute_client("local") as client:
        assert client is None


# ----------------------------------------------------------------- agreement, in memory
def test_census_measurement_equals_estimate_on_the_whole_data(census):
    households = read_census(census)
    for unit in ("household", "person"):
        got = census_scale.measure(census, by=BY, unit=unit, measures=MEASURES).table
        want = estimate(households, by=BY, unit=unit, measures=MEASURES).table
        assert got[["by", "domain", "measure", "n"]].equals(want[["by", "domain", "measure", "n"]])
        for col in ("estimate", "se", "ci_low", "ci_high"):
            scale = np.where(got["measure"] == "mean_income", 1e-6, 1.0)  # VND: relative
            np.testing.assert_allclose(got[col] * scale, want[col] * scale, rtol=0, atol=1e-10, err_msg=col)
        rates = got[(got["by"] == "province") & (got["measure"] == "poor_rate")]
        assert len(rates) == 63 and (rates["se"].dropna() > 0).all() and rates["se"].notna().sum() == 8


def test_census_shock_deciles_and_intercepts_are_national(census, sample, scenario):
    """On one partition holding everything, the chunked path's deciles and intercepts are the
    in-memory ones: the same national figures as `shocks.simulate` up to the random streams."""
    from povmodel.shocks import simulate

    got = census_scale.simulate(census, scenario, draws=4, seed=3)
    want = simulate(read_census(census), scenario, draws=4, seed=3)
    for metric in ("households", "poor_rate_baseline", "fgt1_baseline"):
        assert got.value(metric) == pytest.approx(want.value(metric), rel=1e-12)
    for metric in ("poor_rate_scenario", "workers_affected_share"):
        assert got.value(metric) == pytest.approx(want.value(metric), rel=0.03)


@pytest.fixture(scope="module")
def local_results(census, sample, scenario):
    return _run_all(census, sample, scenario)


def test_same_seed_gives_byte_identical_tables(census, sample, scenario, local_results):
    a = local_results
    b = _run_all(census, sample, scenario)
    for k in a:
        assert _bytes(a[k]) == _bytes(b[k]), k
    other = census_scale.simulate(census, scenario, draws=3, seed=8).table
    assert not other["mean"].equals(a["shock"]["mean"])


# ---------------------------------------------------------------------------- on dask
@pytest.fixture(scope="module")
def two_workers():
    with compute_client({"mode": "dask", "workers": 2, "threads_per_worker": 1}) as client:
        client.run(lambda: __import__("povmodel.census_scale"))  # warm the workers' imports
        yield client


def test_dask_two_workers_identical_to_local(census, sample, scenario, two_workers, local_results):
    assert len(two_workers.scheduler_info()["workers"]) == 2
    # glibc's dynamic mmap threshold, not dask's trim setting (1.75x slower shocks, bench_scale)
    envs = two_workers.run(lambda: __import__("os").environ.get("MALLOC_TRIM_THRESHOLD_"))
    assert set(envs.values()) == {None}
    local = local_results
    dask = _run_all(census, sample, scenario, client=two_workers)
    for k in local:
        pd.testing.assert_frame_equal(local[k], dask[k], check_exact=True, obj=k)
        assert _bytes(local[k]) == _bytes(dask[k]), k


def test_existing_cluster_by_scheduler_address(census, sample, scenario, local_results):
    """`scheduler_address` sends the work to a cluster the run did not start (here one
    started beside the test, as an operator would), with the same results as in-process."""
    from distributed import LocalCluster

    with LocalCluster(n_workers=2, threads_per_worker=1, processes=False, dashboard_address=":0",
                      silence_logs=40) as cluster:
        compute = {"mode": "dask", "scheduler_address": cluster.scheduler_address}
        with compute_client(compute) as client:
            assert len(client.scheduler_info()["workers"]) == 2
            got = census_scale.measure(census, by=BY, measures=MEASURES, client=client).table
            shock = census_scale.simulate(census, scenario, draws=3, seed=7, client=client).table
        assert len(cluster.scheduler.workers) == 2  # the cluster outlives the run's client
    assert _bytes(got) == _bytes(local_results["measure"])
    assert _bytes(shock) == _bytes(local_results["shock"])


@pytest.mark.slow
def test_unreachable_scheduler_is_a_config_error():
    import socket

    with socket.socket() as s:  # a port nobody listens on
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    with pytest.raises(ConfigError, match="cannot reach the dask scheduler") as err:
        with compute_client({"mode": "dask", "scheduler_address": f"tcp://127.0.0.1:{port}"}):
            pass
    assert err.value.problems[0].location == "compute.scheduler_address"


@pytest.mark.slow
def test_one_and_two_workers_identical(census, sample, scenario, two_workers, local_results):
    two = _run_all(census, sample, scenario, client=two_workers)
    assert all(_bytes(two[k]) == _bytes(local_results[k]) for k in two)
    one = _run_all(census, sample, scenario, compute={"mode": "dask", "workers": 1, "threads_per_worker": 2})
    for k in one:
        assert _bytes(one[k]) == _bytes(two[k]), k


@pytest.mark.slow
def test_census_generation_identical_on_dask(processed, tmp_path, two_workers):
    from povmodel import pipeline
    from povmodel.synthetic import build_world

    world = build_world(pipeline.default_seed(), pd.read_parquet(processed / "regional_panel.parquet"))
    a = census_scale.generate(world, tmp_path / "a", year=2018, provinces=["06", "12"])
    b = census_scale.generate(world, tmp_path / "b", year=2018, provinces=["06", "12"], client=two_workers)
    assert a.by_province == b.by_province and a.households == 92_470 + 126_386
    pd.testing.assert_frame_equal(read_census(tmp_path / "a"), read_census(tmp_path / "b"), check_exact=True)
