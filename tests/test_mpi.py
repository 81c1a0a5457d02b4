"""Alkire-Foster multidimensional poverty (povmodel.measure.mpi)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
import statsmodels.api as sm
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

from povmodel.errors import DataValidationError, PovmodelError
from povmodel.measure.classify import deprivation_columns_for
from povmodel.measure.mpi import (
    GLOBAL_MPI_INDICATORS,
    MPI_COLUMNS,
    MPIResults,
    MPISpec,
    change,
    decompose,
    deprivation_scores,
    mpi,
    mpi_by_k,
)

NO_DESIGN = {"strata": None, "psu": None, "min_n": 1}

# --------------------------------------------------------------------------------------------
# Alkire & Foster (2011), J. Public Economics 95: 476-487, section 3 (and 4.1): 4 persons,
# 4 dimensions, achievements y, cut-offs z, deprived when y_ij < z_j, equal weights.
#
#   person 1: 13.1 >= 13, 14 >= 12, 4 >= 3, 1 >= 1          -> g0 = (0, 0, 0, 0), c = 0
#   person 2: 15.2 >= 13, 7 < 12,  5 >= 3, 0 < 1            -> g0 = (0, 1, 0, 1), c = 2
#   person 3: 12.5 < 13,  10 < 12, 1 < 3,  0 < 1            -> g0 = (1, 1, 1, 1), c = 4
#   person 4: 20 >= 13,   11 < 12, 3 >= 3, 1 >= 1           -> g0 = (0, 1, 0, 0), c = 1
#
# so c = (0, 2, 4, 1) as published (the order (2, 4, 1, 0) in the task brief is a rotation of
# it). With k = 2 (of 4; 0.5 with weights 1/4): poor = persons 2 and 3,
#   H  = 2/4 = 0.5
#   A  = (2/4 + 4/4) / 2 = 3/4 = 0.75
#   M0 = H A = 3/8 = 0.375 = (2 + 4) / (4 x 4), the mean of the censored matrix g0(k).
# Censored headcounts (person 4's deprivation in dimension 2 is censored): (1/4, 2/4, 1/4, 2/4);
# uncensored: (1/4, 3/4, 1/4, 2/4); contributions w_j h_j(k) / M0 = (1/6, 1/3, 1/6, 1/3).
# Other cut-offs: k = 1 (union, 0.25): H = 3/4, A = 7/12, M0 = 7/16;
#                 k = 3 and k = 4 (intersection, 0.75 and 1): H = 1/4, A = 1, M0 = 1/4.
# --------------------------------------------------------------------------------------------
AF_Y = np.array([[13.1, 14, 4, 1], [15.2, 7, 5, 0], [12.5, 10, 1, 0], [20, 11, 3, 1]])
AF_Z = np.array([13, 12, 3, 1])
AF_G0 = np.array([[0, 0, 0, 0], [0, 1, 0, 1], [1, 1, 1, 1], [0, 1, 0, 0]])


@pytest.fixture(scope="module")
def af_example() -> tuple[pd.DataFrame, MPISpec]:
    g = AF_Y < AF_Z
    df = pd.DataFrame(g, columns=["d1", "d2", "d3", "d4"]).assign(weight=1.0)
    spec = MPISpec(("d1", "d2", "d3", "d4"), ("d1", "d2", "d3", "d4"), (0.25,) * 4, name="AF2011")
    return df, spec


def test_alkire_foster_2011_worked_example(af_example):
    df, spec = af_example
    assert np.array_equal(df[list(spec.columns)].to_numpy(dtype=int), AF_G0)
    assert np.array_equal(deprivation_scores(df, spec) * 4, [0, 2, 4, 1])
    res = mpi(df, spec, k=2 / 4, **NO_DESIGN)
    assert res.estimate("mpi_h") == 0.5
    assert res.estimate("mpi_a") == 0.75
    assert res.estimate("mpi_m0") == 0.375
    assert res.estimate("mpi_m0") == res.estimate("mpi_h") * res.estimate("mpi_a")
    for j, (unc, cen, contrib) in enumerate(zip([1 / 4, 3 / 4, 1 / 4, 2 / 4], [1 / 4, 2 / 4, 1 / 4, 2 / 4],
                                                [1 / 6, 1 / 3, 1 / 6, 1 / 3], strict=True), start=1):
        assert res.estimate(f"uncensored_d{j}") == unc
        assert res.estimate(f"censored_d{j}") == cen
        assert res.estimate(f"contribution_d{j}") == pytest.approx(contrib, abs=1e-15)
        assert res.estimate(f"contribution_dimension_d{j}") == pytest.approx(contrib, abs=1e-15)


def test_alkire_foster_2011_example_across_cutoffs(af_example):
    df, spec = af_example
    res = mpi_by_k(df, spec, [0.25, 0.5, 0.75, 1.0], **NO_DESIGN)
    assert isinstance(res, MPIResults)
    assert list(res.table.columns) == MPI_COLUMNS
    expected = {0.25: (3 / 4, 7 / 12, 7 / 16), 0.5: (0.5, 0.75, 0.375), 0.75: (0.25, 1.0, 0.25),
                1.0: (0.25, 1.0, 0.25)}
    for k, (h, a, m0) in expected.items():
        assert res.estimate("mpi_h", k=k) == pytest.approx(h, abs=1e-15)
        assert res.estimate("mpi_a", k=k) == pytest.approx(a, abs=1e-15)
        assert res.estimate("mpi_m0", k=k) == pytest.approx(m0, abs=1e-15)
    with pytest.raises(KeyError):
        res.estimate("mpi_h")  # four cut-offs: k must be given
    text = res.summary()
    assert "k=0.25" in text and "mpi_m0" in text


# --------------------------------------------------------------------------------------------
# A hand-computed case: unequal sample and indicator weights, a domain split.
#   indicator weights (1/2, 1/4, 1/4), dimensions (A, B, B), k = 1/2, sample weights s:
#   hh  s   g        c     poor  group
#   1   1   1 0 0    .50   yes   X
#   2   2   0 1 1    .50   yes   X
#   3   3   0 1 0    .25   no    X
#   4   4   1 1 1    1.0   yes   Y
#   5   10  0 0 0    0     no    Y
#   total weight 20; H = 7/20; M0 = (.5 + 1 + 4) / 20 = 11/40; A = 5.5 / 7 = 11/14
#   censored h = (5/20, 6/20, 6/20); uncensored h = (5/20, 9/20, 6/20)
#   contributions = (.5 x .25, .25 x .3, .25 x .3) / .275 = (5/11, 3/11, 3/11); dims A 5/11, B 6/11
#   vulnerable (.2 <= c < 1/3): household 3 -> 3/20; severe (c >= .5): 1, 2, 4 -> 7/20
#   X: population 6, H = 3/6, M0 = 1.5/6 = 1/4, A = 1/2;  Y: population 14, H = M0 = 4/14, A = 1
#   population shares .3/.7; .3 x 1/4 + .7 x 2/7 = .275 = M0; contributions 3/11, 8/11
# --------------------------------------------------------------------------------------------
@pytest.fixture(scope="module")
def hand_case() -> tuple[pd.DataFrame, MPISpec]:
    df = pd.DataFrame({
        "i1": [True, False, False, True, False],
        "i2": [False, True, True, True, False],
        "i3": [False, True, False, True, False],
        "weight": [1.0, 2.0, 3.0, 4.0, 10.0],
        "group": ["X", "X", "X", "Y", "Y"],
        "hh_size": [1, 1, 1, 1, 2],
    })
    return df, MPISpec(("i1", "i2", "i3"), ("A", "B", "B"), (0.5, 0.25, 0.25), name="hand", k=0.5)


def test_hand_computed_weighted_case(hand_case):
    df, spec = hand_case
    res = mpi(df, spec, by=["national", "group"], **NO_DESIGN)
    assert res.estimate("mpi_h") == pytest.approx(7 / 20, rel=1e-14)
    assert res.estimate("mpi_m0") == pytest.approx(11 / 40, rel=1e-14)
    assert res.estimate("mpi_a") == pytest.approx(11 / 14, rel=1e-14)
    assert res.estimate("mpi_m0") == pytest.approx(res.estimate("mpi_h") * res.estimate("mpi_a"), rel=1e-14)
    for label, cen, unc, contrib in zip(spec.labels, (5 / 20, 6 / 20, 6 / 20), (5 / 20, 9 / 20, 6 / 20),
                                        (5 / 11, 3 / 11, 3 / 11), strict=True):
        assert res.estimate(f"censored_{label}") == pytest.approx(cen, rel=1e-14)
        assert res.estimate(f"uncensored_{label}") == pytest.approx(unc, rel=1e-14)
        assert res.estimate(f"contribution_{label}") == pytest.approx(contrib, rel=1e-14)
    assert res.estimate("contribution_dimension_A") == pytest.approx(5 / 11, rel=1e-14)
    assert res.estimate("contribution_dimension_B") == pytest.approx(6 / 11, rel=1e-14)
    assert res.estimate("mpi_vulnerable") == pytest.approx(3 / 20, rel=1e-14)
    assert res.estimate("mpi_severe") == pytest.approx(7 / 20, rel=1e-14)
    t = res.table[(res.table["by"] == "national") & res.table["measure"].str.startswith("contribution_")]
    indicator = t[~t["measure"].str.startswith("contribution_dimension_")]
    assert indicator["estimate"].sum() == pytest.approx(1.0, abs=1e-14)
    assert t[t["measure"].str.startswith("contribution_dimension_")]["estimate"].sum() == pytest.approx(1.0, abs=1e-14)
    assert res.estimate("mpi_h", "X") == pytest.approx(0.5)
    assert res.estimate("mpi_m0", "X") == pytest.approx(0.25)
    assert res.estimate("mpi_a", "Y") == pytest.approx(1.0)
    assert res.estimate("mpi_m0", "Y") == pytest.approx(2 / 7)
    # persons: household 5 counts twice as many people (weights x size = 1, 2, 3, 4, 20)
    persons = mpi(df, spec, unit="person", **NO_DESIGN)
    assert persons.estimate("mpi_h") == pytest.approx(7 / 30, rel=1e-14)


def test_decomposition_by_hand_and_contributions_add_to_one(hand_case):
    df, spec = hand_case
    dec = decompose(df, spec, by="group", strata=None, psu=None).set_index("domain")
    assert dec.loc["X", "population_share"] == pytest.approx(0.3)
    assert dec.loc["Y", "population_share"] == pytest.approx(0.7)
    assert dec.loc["X", "mpi_m0"] == pytest.approx(0.25)
    assert dec.loc["Y", "mpi_m0"] == pytest.approx(2 / 7)
    assert dec.loc["X", "contribution"] == pytest.approx(3 / 11, rel=1e-14)
    assert dec.loc["Y", "contribution"] == pytest.approx(8 / 11, rel=1e-14)
    assert dec["contribution"].sum() == pytest.approx(1.0, abs=1e-15)
    assert (dec["population_share"] * dec["mpi_m0"]).sum() == pytest.approx(11 / 40, rel=1e-14)


def test_change_over_time():
    out = change(0.2, 0.1, 4)
    assert out["absolute"] == pytest.approx(-0.1)
    assert out["relative"] == pytest.approx(-0.5)
    assert out["annualised_absolute"] == pytest.approx(-0.025)
    assert out["annualised_relative"] == pytest.approx(0.5 ** 0.25 - 1)
    # compounding the annualised relative change over the period gives back M0_t2
    assert 0.2 * (1 + out["annualised_relative"]) ** 4 == pytest.approx(0.1, rel=1e-12)
    many = change(np.array([0.2, 0.0]), np.array([0.1, 0.05]), 2)
    assert many["absolute"] == pytest.approx([-0.1, 0.05])
    assert np.isnan(many["relative"][1])
    with pytest.raises(PovmodelError):
        change(0.2, 0.1, 0)
    with pytest.raises(PovmodelError):
        change(1.2, 0.1, 2)


# --------------------------------------------------------------------------------------------
# Specifications and errors
# --------------------------------------------------------------------------------------------
def test_spec_validation():
    with pytest.raises(PovmodelError, match="sum to 1"):
        MPISpec(("a", "b"), ("x", "y"), (0.5, 0.6))
    with pytest.raises(PovmodelError, match="positive"):
        MPISpec(("a", "b"), ("x", "y"), (1.5, -0.5))
    with pytest.raises(PovmodelError, match="one of each"):
        MPISpec(("a", "b"), ("x",), (0.5, 0.5))
    with pytest.raises(PovmodelError, match="repeated"):
        MPISpec(("a", "a"), ("x", "y"), (0.5, 0.5))
    with pytest.raises(PovmodelError, match="cut-off"):
        MPISpec(("a", "b"), ("x", "y"), (0.5, 0.5), k=0)


def test_global_mpi_preset():
    spec = MPISpec.global_mpi()
    assert spec.labels == tuple(GLOBAL_MPI_INDICATORS)
    assert sum(spec.weights) == pytest.approx(1.0, abs=1e-12)
    assert spec.dimension_weights == pytest.approx({"health": 1 / 3, "education": 1 / 3, "living_standards": 1 / 3})
    assert spec.weights[:4] == pytest.approx((1 / 6,) * 4)
    assert spec.weights[4:] == pytest.approx((1 / 18,) * 6)
    assert (spec.k, spec.vulnerable, spec.severe) == (pytest.approx(1 / 3), pytest.approx((0.2, 1 / 3)), 0.5)
    mapping = {name: f"col_{name}" for name in GLOBAL_MPI_INDICATORS}
    assert MPISpec.global_mpi(mapping).columns == tuple(mapping.values())
    with pytest.raises(PovmodelError, match="missing nutrition"):
        MPISpec.global_mpi({k: v for k, v in mapping.items() if k != "nutrition"})
    # scores at the cut-offs despite floating point: 1/6 + 3/18 = 1/3 is poor, 4/18 vulnerable,
    # 1/6 + 1/6 + 3/18 = 1/2 severe
    rows = pd.DataFrame(False, index=range(3), columns=list(GLOBAL_MPI_INDICATORS))
    rows.loc[0, ["nutrition", "cooking_fuel", "sanitation", "drinking_water"]] = True
    rows.loc[1, ["cooking_fuel", "sanitation", "drinking_water", "electricity"]] = True
    rows.loc[2, ["nutrition", "years_of_schooling", "housing", "assets", "electricity"]] = True
    res = mpi(rows.assign(weight=1.0), spec, **NO_DESIGN)
    assert res.estimate("mpi_h") == pytest.approx(2 / 3)
    assert res.estimate("mpi_vulnerable") == pytest.approx(1 / 3)
    assert res.estimate("mpi_severe") == pytest.approx(1 / 3)


@pytest.mark.parametrize("standard, n", [("2016-2020", 10), ("2022-2025", 12)])
def test_vietnam_presets(standard, n):
    analytic, counting = MPISpec.vietnam(standard), MPISpec.vietnam_counting(standard)
    for spec in (analytic, counting):
        assert sum(spec.weights) == pytest.approx(1.0, abs=1e-12)
        assert set(spec.columns) == set(deprivation_columns_for(standard))
        assert len(spec.columns) == n
    dims = analytic.dimension_names
    assert analytic.dimension_weights == pytest.approx(dict.fromkeys(dims, 1 / len(dims)))
    assert counting.weights == pytest.approx((1 / n,) * n)
    assert counting.k == pytest.approx(3 / n)
    assert analytic.k == pytest.approx(1 / 3)
    assert "health_insurance" in analytic.labels


def test_vietnam_nested_weights_with_unequal_dimensions():
    spec = MPISpec.vietnam("2027-2030")  # draft list: 2, 2, 2, 2, 1, 3 indicators per dimension
    assert sum(spec.weights) == pytest.approx(1.0, abs=1e-12)
    assert spec.dimension_weights == pytest.approx(dict.fromkeys(spec.dimension_names, 1 / 6))
    weight = dict(zip(spec.labels, spec.weights, strict=True))
    assert weight["digital_services"] == pytest.approx(1 / 6)
    assert weight["waste_treatment"] == pytest.approx(1 / 18)


def test_missing_indicator_values_are_named(hand_case):
    df, spec = hand_case
    bad = df.astype({"i2": "boolean", "i3": "boolean"})
    bad.loc[[0, 3], "i2"] = pd.NA
    bad.loc[4, "i3"] = pd.NA
    with pytest.raises(DataValidationError) as err:
        mpi(bad, spec, **NO_DESIGN)
    text = str(err.value)
    assert "i2" in text and "2 rows" in text and "i3" in text and "1 row" in text
    with pytest.raises(DataValidationError, match="not in the household table"):
        mpi(df.drop(columns="i1"), spec, **NO_DESIGN)
    with pytest.raises(DataValidationError, match="0/1"):
        mpi(df.assign(i1=[0, 1, 2, 0, 1]), spec, **NO_DESIGN)
    with pytest.raises(PovmodelError, match="cut-off"):
        mpi(df, spec, k=1.5, **NO_DESIGN)


# --------------------------------------------------------------------------------------------
# Properties (hypothesis)
# --------------------------------------------------------------------------------------------
@st.composite
def af_problems(draw):
    n = draw(st.integers(2, 25))
    m = draw(st.integers(1, 6))
    g = draw(arrays(bool, (n, m)))
    raw = draw(arrays(float, m, elements=st.floats(0.05, 1.0)))
    weights = raw / raw.sum()
    dims = draw(st.lists(st.sampled_from(["x", "y", "z"]), min_size=m, max_size=m))
    sample = draw(arrays(float, n, elements=st.floats(0.1, 100.0)))
    groups = draw(arrays(np.int64, n, elements=st.integers(0, 2)))
    k = draw(st.floats(0.01, 1.0))
    columns = [f"g{j}" for j in range(m)]
    df = pd.DataFrame(g, columns=columns).assign(weight=sample, group=groups, everyone="all")
    spec = MPISpec(tuple(columns), tuple(dims), tuple(weights), name="prop")
    return df, spec, k


PROPERTY = settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@PROPERTY
@given(af_problems())
def test_property_m0_is_h_times_a_and_bounded(problem):
    df, spec, k = problem
    res = mpi(df, spec, k=k, **NO_DESIGN)
    h, m0 = res.estimate("mpi_h"), res.estimate("mpi_m0")
    assert 0.0 <= h <= 1.0 and 0.0 <= m0 <= 1.0
    assert m0 <= h + 1e-15
    if h > 0:
        assert m0 == pytest.approx(h * res.estimate("mpi_a"), rel=1e-12, abs=1e-15)
        contrib = res.table[res.table["measure"].str.match(r"contribution_g\d")]["estimate"]
        assert contrib.sum() == pytest.approx(1.0, abs=1e-12)
    else:
        assert m0 == 0.0


@settings(max_examples=100, deadline=None)
@given(af_problems())
def test_property_subgroup_decomposability(problem):
    df, spec, k = problem
    total = decompose(df, spec, k, by="everyone", strata=None, psu=None)["mpi_m0"].iloc[0]
    dec = decompose(df, spec, k, by="group", strata=None, psu=None)
    assert dec["population_share"].sum() == pytest.approx(1.0, abs=1e-12)
    assert (dec["population_share"] * dec["mpi_m0"]).sum() == pytest.approx(total, rel=1e-12, abs=1e-15)
    if total > 0:
        assert dec["contribution"].sum() == pytest.approx(1.0, abs=1e-12)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(af_problems(), st.floats(1e-3, 1e3))
def test_property_invariant_to_scaling_the_weights(problem, factor):
    df, spec, k = problem
    base = mpi(df, spec, k=k, **NO_DESIGN).table
    scaled = mpi(df.assign(weight=df["weight"] * factor), spec, k=k, **NO_DESIGN).table
    np.testing.assert_allclose(scaled["estimate"], base["estimate"], rtol=1e-9, atol=1e-14)
    np.testing.assert_allclose(scaled["se"], base["se"], rtol=1e-7, atol=1e-14)


@settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.filter_too_much])
@given(af_problems(), st.data())
def test_property_dimensional_monotonicity(problem, data):
    df, spec, k = problem
    assume(len(spec.columns) >= 2)
    df = df.copy()
    df.loc[0, [spec.columns[0], spec.columns[1]]] = [True, False]  # at least one candidate
    g = df[list(spec.columns)].to_numpy()
    c = deprivation_scores(df, spec)
    candidates = np.flatnonzero((c > 0) & ~g.all(axis=1))  # can be poor and be deprived in more
    i = data.draw(st.sampled_from(list(candidates)))
    k = min(k, c[i])  # household i is poor
    j = data.draw(st.sampled_from(list(np.flatnonzero(~g[i]))))
    worse = df.copy()
    worse.loc[worse.index[i], spec.columns[j]] = True

    def m0(frame):
        return decompose(frame, spec, k, by="everyone", strata=None, psu=None)["mpi_m0"].iloc[0]

    assert m0(worse) > m0(df)


# --------------------------------------------------------------------------------------------
# The synthetic survey: design-based standard errors, the national presets
# --------------------------------------------------------------------------------------------
@pytest.fixture(scope="module")
def survey_2016(processed) -> pd.DataFrame:
    return pd.read_parquet(processed / "synthetic_survey.parquet", filters=[("year", "==", 2016)])


@pytest.fixture(scope="module")
def survey_2022(processed) -> pd.DataFrame:
    return pd.read_parquet(processed / "synthetic_survey.parquet", filters=[("year", "==", 2022)])


def test_standard_errors_agree_with_statsmodels_cluster_robust(survey_2016):
    part = survey_2016
    spec = MPISpec.vietnam("2016-2020")
    k = 1 / 3
    res = mpi(part, spec, k=k, strata=None)  # PSUs, one stratum
    c = deprivation_scores(part, spec)
    poor = (c >= k - 1e-9).astype(float)
    psu_codes = np.unique(part["psu"].to_numpy(), return_inverse=True)[1]
    ones = np.ones(len(part))
    for measure, y in (("mpi_h", poor), ("mpi_m0", c * poor)):
        fit = sm.WLS(y, ones, weights=part["weight"].to_numpy()).fit(
            cov_type="cluster", cov_kwds={"groups": psu_codes})
        row = res.table[res.table["measure"] == measure].iloc[0]
        assert row["estimate"] == pytest.approx(fit.params[0], rel=1e-10)
        assert row["se"] == pytest.approx(fit.bse[0], rel=1e-6)
    # with strata as well: finite, positive and of the same order as without
    stratified = mpi(part, spec, k=k)
    for measure in ("mpi_h", "mpi_m0", "mpi_a"):
        se_s = stratified.table.set_index("measure").loc[measure, "se"]
        se_u = res.table.set_index("measure").loc[measure, "se"]
        assert 0 < se_s and 0.5 < se_s / se_u < 2.0
        assert stratified.estimate(measure) == pytest.approx(res.estimate(measure), rel=1e-14)


@pytest.mark.parametrize("standard", ["2016-2020", "2022-2025"])
def test_counting_preset_reproduces_three_or_more_deprivations(standard, survey_2016, survey_2022):
    part = survey_2016 if standard == "2016-2020" else survey_2022
    spec = MPISpec.vietnam_counting(standard)
    count = part[deprivation_columns_for(standard)].sum(axis=1).to_numpy()
    w = part["weight"].to_numpy()
    res = mpi(part, spec, by=["national", "urban"])
    assert res.estimate("mpi_h") == pytest.approx(np.sum(w * (count >= 3)) / w.sum(), rel=1e-12)
    assert res.estimate("mpi_vulnerable") == pytest.approx(np.sum(w * (count == 2)) / w.sum(), rel=1e-12)
    urban = part["urban"].to_numpy()
    assert res.estimate("mpi_h", "urban") == pytest.approx(
        np.sum((w * (count >= 3))[urban]) / w[urban].sum(), rel=1e-12)
    n = len(spec.columns)
    poor = count >= 3
    assert res.estimate("mpi_m0") == pytest.approx(np.sum(w * count * poor) / n / w.sum(), rel=1e-12)
    # the analytic preset has the same weights here: at k = 3/n it gives the same H
    analytic = mpi(part, MPISpec.vietnam(standard), k=3 / n)
    assert analytic.estimate("mpi_h") == pytest.approx(res.estimate("mpi_h"), rel=1e-12)


def test_decomposition_by_region_on_the_survey(survey_2022):
    spec = MPISpec.vietnam("2022-2025")
    dec = decompose(survey_2022, spec, by=["region", "urban"], unit="person")
    national = mpi(survey_2022, spec, unit="person")
    for _, part in dec.groupby("by"):
        assert part["contribution"].sum() == pytest.approx(1.0, abs=1e-12)
        assert (part["population_share"] * part["mpi_m0"]).sum() == pytest.approx(
            national.estimate("mpi_m0"), rel=1e-12)
        assert (part["mpi_m0_se"] > 0).all()


def test_estimate_mpi_measures_equal_the_mpi_module():
    """`measure.estimate(..., measures=[mpi_*])` (one pass with the other measures) gives the
    same estimates and standard errors as `vietnam_mpi`."""
    from povmodel import measure, pipeline

    survey = pipeline.load_synthetic_survey()
    part = survey[survey["year"].isin([2018, 2022])]
    a = measure.estimate(part, by=["national", "region"], measures=["mpi_h", "mpi_a", "mpi_m0"]).to_frame()
    b = measure.vietnam_mpi(part, by=["national", "region"]).to_frame()
    key = ["by", "domain", "year", "measure"]
    merged = a.merge(b, on=key, suffixes=("", "_af"))
    assert len(merged) == len(a) == len(b)
    np.testing.assert_allclose(merged["estimate"], merged["estimate_af"], rtol=1e-12)
    np.testing.assert_allclose(merged["se"], merged["se_af"], rtol=1e-9)
