"""Measurement: design-based ratios, FGT, classification from persons, transitions."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
import statsmodels.api as sm
from hypothesis import given, settings
from hypothesis import strategies as st

from povmodel import measure, pipeline
from povmodel.errors import DataValidationError, PovmodelError
from povmodel.measure.design import SurveyDesign, bootstrap_ratio_by_domain, ratio_by_domain
from povmodel.measure.transitions import transition_states, transitions


def reference_variance(y, x, w, strata, psu, domain, d):
    """Textbook linearised variance of a domain ratio, written with plain loops (independent
    of the vectorised implementation)."""
    inside = domain == d
    ratio = np.sum(w[inside] * y[inside]) / np.sum(w[inside] * x[inside])
    total_x = np.sum(w[inside] * x[inside])
    variance = 0.0
    for h in np.unique(strata):
        psus = np.unique(psu[strata == h])
        totals = []
        for j in psus:
            rows = (strata == h) & (psu == j)
            u = np.where(inside[rows], w[rows] * (y[rows] - ratio * x[rows]) / total_x, 0.0)
            totals.append(u.sum())
        totals = np.array(totals)
        n_h = len(psus)
        variance += n_h / (n_h - 1) * np.sum((totals - totals.mean()) ** 2)
    return ratio, variance


def test_ratio_variance_matches_the_textbook_formula():
    rng = np.random.default_rng(3)
    n = 400
    strata = rng.integers(0, 5, n)
    psu = rng.integers(0, 6, n)  # labels repeat across strata: nested
    w = rng.uniform(50, 150, n)
    y = rng.random(n) < 0.3
    x = rng.integers(1, 7, n).astype(float)
    domain = rng.integers(0, 3, n)
    design = SurveyDesign.from_arrays(w, strata, psu)
    got = ratio_by_domain(design, y * x, x, domain, 3)
    for d in range(3):
        ratio, variance = reference_variance(y * x, x, w, strata, psu, domain, d)
        assert got.estimate[d] == pytest.approx(ratio, rel=1e-12)
        assert got.variance[d] == pytest.approx(variance, rel=1e-10)


def test_standard_errors_agree_with_statsmodels_cluster_robust(processed):
    survey = pipeline.load_synthetic_survey()
    part = survey[survey["year"] == 2020]
    y = (part["income_pc"] < 1_000_000).to_numpy(dtype=float)
    design = SurveyDesign.from_arrays(part["weight"], None, part["psu"])
    ours = ratio_by_domain(design, y)
    ols = sm.WLS(y, np.ones(len(y)), weights=part["weight"]).fit(
        cov_type="cluster", cov_kwds={"groups": pd.factorize(part["psu"])[0]})
    assert ours.estimate[0] == pytest.approx(ols.params[0], rel=1e-12)
    assert ours.se[0] == pytest.approx(ols.bse[0], rel=1e-6)


def test_bootstrap_is_close_to_linearisation_and_seeded(processed):
    survey = pipeline.load_synthetic_survey()
    part = survey[survey["year"] == 2018]
    design = SurveyDesign.from_frame(part)
    y = (part["income_pc"] < 900_000).to_numpy(dtype=float)
    taylor = ratio_by_domain(design, y)
    boot = bootstrap_ratio_by_domain(design, y, replicates=300, seed=7)
    assert boot.se[0] == pytest.approx(taylor.se[0], rel=0.15)
    again = bootstrap_ratio_by_domain(design, y, replicates=300, seed=7)
    assert again.variance[0] == boot.variance[0]


def test_singleton_strata_are_an_explicit_choice():
    with pytest.raises(PovmodelError, match="single PSU"):
        SurveyDesign.from_arrays([1.0, 1.0, 1.0], ["a", "a", "b"], [1, 2, 3])
    design = SurveyDesign.from_arrays([1.0, 1.0, 1.0], ["a", "a", "b"], [1, 2, 3], singleton="certainty")
    assert np.isfinite(ratio_by_domain(design, [1.0, 0.0, 1.0]).variance).all()


def small_table(income, urban=None, deps=0, weight=None, size=None):
    n = len(income)
    table = pd.DataFrame({
        "hh_id": [f"h{i}" for i in range(n)], "year": 2023, "province": "01", "urban": urban or [False] * n,
        "weight": weight or [1.0] * n, "hh_size": size or [1] * n, "income_pc": income,
        "ethnic_minority": False, "stratum": ["s"] * n, "psu": [str(i) for i in range(n)],
    })
    from povmodel.measure.classify import deprivation_columns_for

    for j, c in enumerate(deprivation_columns_for("2022-2025")):
        table[c] = np.asarray(deps) > j if np.ndim(deps) else j < deps
    return table


def test_fgt_hand_computed():
    # rural line 1.5M: gaps 0.5, 0.2, 0, 0 -> P0 = 2/4, P1 = 0.7/4, P2 = (0.25 + 0.04)/4
    t = small_table([750_000, 1_200_000, 1_500_001, 3_000_000])
    r = measure.estimate(t, measures=["fgt0", "fgt1", "fgt2"], min_n=1)
    assert r.estimate("fgt0") == pytest.approx(0.5)
    assert r.estimate("fgt1") == pytest.approx(0.7 / 4)
    assert r.estimate("fgt2") == pytest.approx(0.29 / 4)
    incomes = [750_000, 1_200_000, 1_500_001, 3_000_000]
    np.testing.assert_allclose(measure.fgt_terms(incomes, 1_500_000, 0), [1, 1, 0, 0])
    np.testing.assert_allclose(measure.fgt_terms(incomes, 1_500_000, 1), [0.5, 0.2, 0, 0])
    np.testing.assert_allclose(measure.fgt_terms(incomes, 1_500_000, 2), [0.25, 0.04, 0, 0])
    # per person: sizes 4, 1, 1, 2 -> P0 = 5/8
    t2 = small_table([750_000, 1_200_000, 1_500_001, 3_000_000], size=[4, 1, 1, 2])
    assert measure.estimate(t2, measures=["fgt0"], unit="person", min_n=1).estimate("fgt0") == pytest.approx(5 / 8)


def test_classification_rates_hand_computed():
    # 2022-2025: below 1.5M with >= 3 deprivations poor, fewer near-poor
    t = small_table([1_000_000, 1_000_000, 2_000_000, 5_000_000], deps=np.array([3, 1, 5, 0]))
    r = measure.estimate(t, measures=["poor_rate", "near_poor_rate", "middle_rate"], min_n=1)
    assert (r.estimate("poor_rate"), r.estimate("near_poor_rate"), r.estimate("middle_rate")) == (0.25, 0.25, 0.25)


@settings(max_examples=60, deadline=None)
@given(st.lists(st.floats(1e4, 1e7), min_size=3, max_size=40), st.floats(1e5, 5e6), st.floats(1e5, 5e6),
       st.floats(0.1, 100))
def test_fgt_axioms(incomes, z1, z2, scale):
    """P0 in [0,1], monotone in the line, P2 <= P1 <= P0, invariant to scaling the weights."""
    t = small_table(incomes)
    t["weight"] = np.linspace(1, 3, len(t))
    lo, hi = sorted((z1, z2))
    a = measure.estimate(t, measures=["fgt0", "fgt1", "fgt2"], line=lo, min_n=1)
    b = measure.estimate(t, measures=["fgt0"], line=hi, min_n=1)
    assert 0 <= a.estimate("fgt0") <= b.estimate("fgt0") <= 1
    assert a.estimate("fgt2") <= a.estimate("fgt1") + 1e-12 <= a.estimate("fgt0") + 2e-12
    t["weight"] *= scale
    c = measure.estimate(t, measures=["fgt0", "fgt1"], line=lo, min_n=1)
    assert c.estimate("fgt1") == pytest.approx(a.estimate("fgt1"), rel=1e-9, abs=1e-15)


@settings(max_examples=40, deadline=None)
@given(st.lists(st.tuples(st.floats(1e4, 5e6), st.booleans(), st.floats(0.5, 5)), min_size=4, max_size=40))
def test_fgt_is_subgroup_decomposable(rows):
    income, urban, weight = zip(*rows, strict=True)
    t = small_table(list(income), urban=list(urban), weight=list(weight))
    r = measure.estimate(t, by=["national", "urban"], measures=["fgt1"], line=1_000_000, min_n=1).to_frame()
    sub = r[r["by"] == "urban"].set_index("domain")["estimate"]
    shares = t.groupby(t["urban"].map({False: "rural", True: "urban"}))["weight"].sum() / t["weight"].sum()
    total = sum(shares.get(k, 0) * sub[k] for k in shares.index)
    assert total == pytest.approx(r[r["by"] == "national"]["estimate"].iloc[0], rel=1e-9, abs=1e-12)


def test_synthetic_default_reproduces_official_national_rates(processed):
    survey = pipeline.load_synthetic_survey()
    r = measure.estimate(survey, measures=["poor_rate", "near_poor_rate"])
    official = {2018: 0.0535, 2020: 0.0275, 2021: 0.0223, 2022: 0.0403}
    for year, rate in official.items():
        row = r.table[(r.table["year"] == year) & (r.table["measure"] == "poor_rate")]
        assert abs(row["estimate"].iloc[0] - rate) < 0.003
        assert row["se"].iloc[0] > 0 and not row["flag_cv"].iloc[0]
    near = r.table[(r.table["year"] == 2022) & (r.table["measure"] == "near_poor_rate")]["estimate"].iloc[0]
    assert abs(near - 0.0349) < 0.003


def test_by_province_flags_and_tidy_columns(processed):
    survey = pipeline.load_synthetic_survey()
    r = measure.estimate(survey, year=2022, by="province", measures=["poor_rate"], min_n=800)
    t = r.to_frame()
    assert list(t.columns[:14]) == ["by", "domain", "year", "standard", "unit", "measure", "estimate", "se",
                                    "ci_low", "ci_high", "cv", "n", "flag_cv", "flag_small"]
    assert len(t) == 63 and t["n"].sum() == (survey["year"] == 2022).sum()
    assert t["flag_small"].any() and t["flag_cv"].any()  # small provinces, low rates: flagged
    assert (t["ci_low"] <= t["estimate"]).all() and (t["estimate"] <= t["ci_high"]).all()
    assert "poor_rate" in r.summary()


def test_deprivations_from_persons():
    persons = pd.DataFrame({
        "person_id": ["a1", "a2", "a3", "b1", "b2"], "hh_id": ["a", "a", "a", "b", "b"], "year": 2023,
        "age": [40, 8, 70, 35, 33], "in_school": [False, False, False, False, False],
        "education_level": ["upper_secondary", "none", "primary", "tertiary", "upper_secondary"],
        "health_insurance": [True, True, False, True, True], "work_status": ["employed", "inactive", "inactive",
                                                                             "unemployed", "employed"],
        "stable_work": [True, None, None, None, False], "disabled": [False, False, False, False, False],
        "malnourished": [False, True, False, False, False],
    })
    d = measure.deprivations_from_persons(persons, "2022-2025")
    a, b = d.loc[("a", 2023)], d.loc[("b", 2023)]
    assert a["dep_2022_child_school_attendance"] and a["dep_2022_nutrition"] and a["dep_2022_health_insurance"]
    assert a["dep_2022_dependants"]  # 2 of 3 members are children or elderly
    assert not a["dep_2022_employment"] and b["dep_2022_employment"] and not b["dep_2022_dependants"]


def test_missing_indicator_is_named():
    t = small_table([1_000_000, 2_000_000]).drop(columns=["dep_2022_nutrition"])
    with pytest.raises(DataValidationError, match="dep_2022_nutrition"):
        measure.estimate(t, measures=["poor_rate"])


def test_transition_states_hand_built():
    rows = []
    # panel ids: p1 poor-poor-poor (chronic), p2 poor-nonpoor-poor (re-poor), p3 non-poor-non-poor-poor
    # (newly), p4 poor at 2 then non-poor (escaped), p5 never poor
    incomes = {"p1": (500_000, 500_000, 500_000), "p2": (500_000, 5e6, 500_000), "p3": (5e6, 5e6, 500_000),
               "p4": (5e6, 500_000, 5e6), "p5": (5e6, 5e6, 5e6)}
    for pid, values in incomes.items():
        for year, income in zip((2022, 2023, 2024), values, strict=True):
            rows.append({"hh_id": f"{year}{pid}", "panel_id": pid, "year": year, "income_pc": income,
                         "urban": False, "province": "01", "weight": 1.0, "stratum": "s", "psu": pid,
                         "ethnic_minority": False, "hh_size": 1})
    t = pd.DataFrame(rows)
    from povmodel.measure.classify import deprivation_columns_for

    for c in deprivation_columns_for("2022-2025"):
        t[c] = True
    states = transition_states(t, 2023, 2024).set_index("panel_id")["state"].to_dict()
    assert states == {"p1": "chronic_poor", "p2": "re_poor", "p3": "newly_poor", "p4": "escaped",
                      "p5": "never_poor"}
    r = transitions(t, 2023, 2024, min_n=1)
    assert r.estimate("re_poor") == pytest.approx(0.2)
    assert r.estimate("re_poor_households") == pytest.approx(1.0)


def test_transitions_on_the_synthetic_panel_match_published_churn(processed):
    survey = pipeline.load_synthetic_survey()
    r = transitions(survey, 2016, 2018)
    ratio = r.estimate("newly_poor") / r.estimate("escaped")
    assert abs(ratio - 0.23) < 0.08  # FACTS.md 2h: about one newly poor per five escaping
    shares = sum(r.estimate(s) for s in ("chronic_poor", "escaped", "re_poor", "newly_poor", "never_poor"))
    assert shares == pytest.approx(1.0)


def test_measure_cli_json(processed):
    import json

    from conftest import run_cli

    pipeline.ensure_data()
    path = processed / pipeline.SURVEY_FILE
    res = run_cli("measure", str(path), "--standard", "2022-2025", "--year", "2022", "--by", "region", "--json")
    assert res.returncode == 0, res.stderr
    records = json.loads(res.stdout)
    assert {r["measure"] for r in records} == {"poor_rate", "near_poor_rate", "fgt0", "fgt1", "fgt2",
                                              "mpi_h", "mpi_a", "mpi_m0"}
    assert {r["domain"] for r in records} == {"RRD", "NMM", "NCC", "CH", "SE", "MRD"}
    assert all(0 <= r["estimate"] <= 1 and r["se"] > 0 for r in records)
    import re

    # aggregates only: no household id (they look like 2022-2016-00001-03) is printed
    assert "hh_id" not in res.stdout and not re.search(r"\d{4}-\d{4}-\d+-\d{2}", res.stdout)
    bad = run_cli("measure", str(path), "--year", "2031")
    assert bad.returncode == 2 and "Traceback" not in bad.stderr


def test_standard_errors_agree_with_samplics_with_strata_and_domains(processed):
    """samplics' Taylor estimator (an independent implementation) on the synthetic survey:
    stratified, clustered, by region; point estimates and standard errors agree to 1e-6."""
    import warnings

    with warnings.catch_warnings():
        warnings.simplefilter("ignore", FutureWarning)  # samplics announces it is archived
        from samplics.estimation import TaylorEstimator
        from samplics.utils.types import PopParam

    survey = pipeline.load_synthetic_survey()
    part = survey[survey["year"] == 2022].reset_index(drop=True)
    result = measure.estimate(part, by="region", measures=["poor_rate"]).to_frame().set_index("domain")
    poor = measure.classify(part)["class"].eq("poor").to_numpy(dtype=float)
    region = part["province"].map(__import__("povmodel").admin.provinces().set_index("code")["region_code"])
    peer = TaylorEstimator(PopParam.mean)
    peer.estimate(y=poor, samp_weight=part["weight"].to_numpy(), stratum=part["stratum"].to_numpy(),
                  psu=part["psu"].to_numpy(), domain=region.to_numpy(), remove_nan=True)
    for r in result.index:
        assert result.at[r, "estimate"] == pytest.approx(peer.point_est[r], rel=1e-9)
        assert result.at[r, "se"] == pytest.approx(peer.stderror[r], rel=1e-6)


def test_many_cells_path_gives_the_same_variance(monkeypatch):
    """The sorting path (too many domain x PSU cells to index) agrees with the direct one."""
    from povmodel.measure import design as design_module

    rng = np.random.default_rng(5)
    n = 3000
    d = SurveyDesign.from_arrays(rng.uniform(1, 3, n), rng.integers(0, 7, n), rng.integers(0, 40, n))
    y, dom = rng.random(n) < 0.2, rng.integers(0, 9, n)
    direct = ratio_by_domain(d, y, None, dom, 9)
    monkeypatch.setattr(design_module, "_DIRECT_CELLS", 0)
    sorted_path = ratio_by_domain(d, y, None, dom, 9)
    np.testing.assert_allclose(sorted_path.variance, direct.variance, rtol=1e-10)
    np.testing.assert_allclose(sorted_path.estimate, direct.estimate, rtol=1e-12)


def test_units_sorted_by_cell_take_the_contiguous_path():
    """Units sorted by (domain, PSU) cell (as a census written area by area) are summed in
    contiguous runs; the result matches the textbook formula and the unsorted order."""
    from povmodel.measure.design import Domains

    rng = np.random.default_rng(8)
    n = 600
    strata, psu = rng.integers(0, 4, n), rng.integers(0, 5, n)
    w, x = rng.uniform(50, 150, n), rng.integers(1, 7, n).astype(float)
    y, domain = (rng.random(n) < 0.3) * x, rng.integers(0, 3, n)
    shuffled = SurveyDesign.from_arrays(w, strata, psu)
    order = np.lexsort((shuffled.psu, domain))
    design = SurveyDesign.from_arrays(w[order], strata[order], psu[order])
    dom = Domains.build(design, domain[order], 3)
    assert dom.cell_runs is not None and Domains.build(shuffled, domain, 3).cell_runs is None
    got = ratio_by_domain(design, y[order], x[order], dom)
    unsorted = ratio_by_domain(shuffled, y, x, domain, 3)
    np.testing.assert_allclose(got.variance, unsorted.variance, rtol=1e-12)
    for d in range(3):
        ratio, variance = reference_variance(y, x, w, strata, psu, domain, d)
        assert got.estimate[d] == pytest.approx(ratio, rel=1e-12)
        assert got.variance[d] == pytest.approx(variance, rel=1e-10)
    empty = Domains.build(design, np.where(domain[order] == 2, -1, domain[order]), 3)  # units outside
    assert empty.cell_runs is not None and ratio_by_domain(design, y[order], x[order], empty).n[2] == 0


def test_bootstrap_option_for_mpi_and_transitions(processed):
    from povmodel.measure.mpi import MPISpec, mpi

    survey = pipeline.load_synthetic_survey()
    part = survey[survey["year"] == 2022]
    spec = MPISpec.vietnam("2022-2025")
    taylor = mpi(part, spec, measures=["mpi_m0"]).to_frame()["se"].iloc[0]
    boot = mpi(part, spec, measures=["mpi_m0"], variance="bootstrap", replicates=200, seed=3).to_frame()["se"].iloc[0]
    assert boot == pytest.approx(taylor, rel=0.2)
    t = transitions(survey, 2016, 2018).to_frame().set_index("measure")["se"]
    b = transitions(survey, 2016, 2018, variance="bootstrap", replicates=200, seed=3).to_frame().set_index("measure")["se"]
    assert b["escaped"] == pytest.approx(t["escaped"], rel=0.2)
    with pytest.raises(PovmodelError, match="seed"):
        transitions(survey, 2016, 2018, variance="bootstrap")
