"""Targeting: rank uncertainty on hand-made draws, budget allocation (exact totals, floors,
proportionality), inclusion/exclusion errors computed by hand, and the translated export."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from povmodel.errors import PovmodelError
from povmodel.targeting import (
    HEADERS,
    allocate_budget,
    draw_ranks,
    export_table,
    rank_uncertainty,
    stable_set,
    targeting_errors,
)

AREAS = ["A", "B", "C", "D"]


# ---------------------------------------------------------------------------------------- ranks
def test_draw_ranks_descending_and_ascending():
    x = np.array([[0.1, 0.4, 0.3], [0.5, 0.2, 0.1]])
    assert draw_ranks(x).tolist() == [[3, 1, 2], [1, 2, 3]]
    assert draw_ranks(x, descending=False).tolist() == [[1, 3, 2], [3, 2, 1]]


def test_deterministic_draws_collapse_intervals():
    draws = np.tile([0.40, 0.10, 0.30, 0.20], (50, 1))
    t = rank_uncertainty(draws, AREAS, k=2)
    assert t["area"].tolist() == ["A", "C", "D", "B"]
    assert t["mean_rank"].tolist() == [1, 2, 3, 4]
    assert (t["rank_lo"] == t["rank_hi"]).all()
    assert (t["rank_lo"] == t["mean_rank"]).all()
    assert t["p_top_k"].tolist() == [1.0, 1.0, 0.0, 0.0]
    assert t["mean"].tolist() == pytest.approx([0.40, 0.30, 0.20, 0.10])
    s = stable_set(t)
    assert s.k == 2 and s.certainly == ("A", "C") and s.probably == ("A", "C")


def test_clear_leader_and_uncertain_followers():
    rng = np.random.default_rng(1)
    n = 400
    draws = np.column_stack([
        rng.normal(0.8, 0.01, n),  # A: far ahead
        rng.normal(0.3, 0.05, n),  # B and C: indistinguishable
        rng.normal(0.3, 0.05, n),
        rng.normal(0.0, 0.01, n),  # D: far behind
    ])
    t = rank_uncertainty(draws, AREAS, k=2).set_index("area")
    assert t.loc["A", "p_top_k"] == 1.0 and t.loc["A", "rank_hi"] == 1
    assert t.loc["D", "p_top_k"] == 0.0 and t.loc["D", "rank_lo"] == 4
    assert 0.3 < t.loc["B", "p_top_k"] < 0.7
    assert t.loc["B", "p_top_k"] + t.loc["C", "p_top_k"] == pytest.approx(1.0)
    assert t.loc["B", "rank_lo"] == 2 and t.loc["B", "rank_hi"] == 3
    # probabilities of the top k add up to k in every case
    assert t["p_top_k"].sum() == pytest.approx(2)
    s = stable_set(t.reset_index())
    assert s.certainly == ("A",)
    assert s.probably[0] == "A" and len(s.probably) == 2


def test_ascending_ranks_the_lowest_first():
    draws = np.tile([0.40, 0.10, 0.30, 0.20], (5, 1))
    t = rank_uncertainty(draws, AREAS, k=1, descending=False)
    assert t["area"].iloc[0] == "B" and t["p_top_k"].iloc[0] == 1.0


@pytest.mark.parametrize("draws, areas, k", [
    (np.zeros(4), AREAS, 1),                         # 1-D
    (np.zeros((3, 3)), AREAS, 1),                    # names do not match
    (np.zeros((3, 4)), ["A", "A", "B", "C"], 1),     # repeated names
    (np.full((3, 4), np.nan), AREAS, 1),             # missing
    (np.zeros((3, 4)), AREAS, 0),                    # k out of range
    (np.zeros((3, 4)), AREAS, 5),
])
def test_rank_uncertainty_rejects_bad_input(draws, areas, k):
    with pytest.raises(PovmodelError):
        rank_uncertainty(draws, areas, k=k)


def test_stable_set_needs_rank_table():
    with pytest.raises(PovmodelError):
        stable_set(pd.DataFrame({"area": ["A"]}))


# ----------------------------------------------------------------------------------- allocation
@pytest.fixture
def provinces():
    return pd.DataFrame({
        "province": ["P1", "P2", "P3", "P4"],
        "poor_households": [1000.0, 3000.0, 0.0, 6000.0],
        "poor_rate": [0.02, 0.10, 0.0, 0.25],
        "risk_households": [500.0, 500.0, 1000.0, 0.0],
        "poverty_gap": [10.0, 30.0, 0.0, 60.0],
    })


def test_equal_per_poor_household_is_proportional(provinces):
    out = allocate_budget(provinces, 1000, rule="equal_per_poor_household")
    assert out["allocation"].tolist() == pytest.approx([100, 300, 0, 600])
    assert out["allocation"].sum() == 1000
    # same amount per poor household everywhere it has poor households: 1000 bn / 10,000 hh = 100 m VND
    assert out["per_poor_household"].dropna().tolist() == pytest.approx([100, 100, 100])
    assert np.isnan(out.loc[2, "per_poor_household"])
    assert out["expected_poor_reached_per_billion"].isna().all()  # no cost assumption given


def test_by_risk_and_by_gap(provinces):
    risk = allocate_budget(provinces, 200, rule="by_risk")
    assert risk["allocation"].tolist() == pytest.approx([50, 50, 100, 0])
    gap = allocate_budget(provinces, 200, rule="by_gap")
    assert gap["allocation"].tolist() == pytest.approx([20, 60, 0, 120])


def test_formula_with_floor_sums_exactly_and_respects_floors(provinces):
    out = allocate_budget(provinces, 1000, rule="formula", weights={"poor_households": 1, "risk_households": 1},
                          floor=50)
    assert (out["allocation"] >= 50).all()
    assert out["allocation"].sum() == 1000
    # the 800 left after floors: half by poor shares (.1,.3,0,.6), half by risk shares (.25,.25,.5,0)
    assert out["allocation"].tolist() == pytest.approx([50 + 400 * 0.35, 50 + 400 * 0.55, 50 + 400 * 0.5,
                                                        50 + 400 * 0.6])


def test_awkward_numbers_sum_exactly(provinces):
    t = provinces.assign(poor_households=[1.0, 1.0, 1.0, 1.0])
    out = allocate_budget(t, 0.1 + 0.2, rule="equal_per_poor_household", floor=[0.01, 0.0, 0.02, 0.0])
    assert out["allocation"].sum() == 0.1 + 0.2
    assert (out["allocation"] >= out["floor"] - 1e-15).all() and (out["allocation"] >= 0).all()


def test_whole_units_by_largest_remainder(provinces):
    t = provinces.assign(poor_households=[1.0, 1.0, 1.0, 0.0])
    out = allocate_budget(t, 100, rule="equal_per_poor_household", floor=[5, 5, 5, 5], unit=1)
    alloc = out["allocation"].to_numpy()
    assert alloc.sum() == 100 and (alloc == np.round(alloc)).all()
    assert sorted(alloc.tolist()) == [5, 31, 32, 32]
    with pytest.raises(PovmodelError, match="multiples"):
        allocate_budget(t, 100.5, rule="equal_per_poor_household", unit=1)


def test_reach_with_illustrative_cost(provinces):
    out = allocate_budget(provinces, 1000, rule="by_risk", cost_per_household=100)  # 100 m VND / household
    # P1 gets 250 bn -> 2500 hh, capped at its 1000 poor households -> 4 per bn; P2 250 bn -> 2500 of 3000 -> 10
    assert out["expected_poor_reached"].tolist()[:2] == pytest.approx([1000, 2500])
    assert out["expected_poor_reached_per_billion"].tolist()[:2] == pytest.approx([4.0, 10.0])
    assert out.loc[2, "expected_poor_reached"] == 0  # no poor households in P3
    assert out.attrs["cost_is_assumption"]


@pytest.mark.parametrize("kwargs", [
    {"rule": "by_gap", "floor": 300},                                    # floors exceed the budget
    {"rule": "nonsense"},
    {"rule": "formula"},                                                 # no weights
    {"rule": "formula", "weights": {"income": 1}},                      # unknown column
    {"rule": "formula", "weights": {"poor_households": -1}},
    {"rule": "by_risk", "weights": {"poor_households": 1}},
    {"rule": "by_gap", "floor": -1},
    {"rule": "by_gap", "floor": [1, 2]},
    {"rule": "by_gap", "cost_per_household": 0},
])
def test_allocation_rejects_bad_input(provinces, kwargs):
    with pytest.raises(PovmodelError):
        allocate_budget(provinces, 1000, **kwargs)


def test_allocation_rejects_bad_table(provinces):
    with pytest.raises(PovmodelError):
        allocate_budget(provinces, 0, rule="by_gap")
    with pytest.raises(PovmodelError):
        allocate_budget(provinces.drop(columns="poverty_gap"), 10, rule="by_gap")
    with pytest.raises(PovmodelError):
        allocate_budget(provinces.assign(poverty_gap=[1, -1, 0, 0]), 10, rule="by_gap")
    with pytest.raises(PovmodelError):
        allocate_budget(pd.concat([provinces, provinces]), 10, rule="by_gap")


# ------------------------------------------------------------------------------ targeting errors
@pytest.fixture
def households():
    # 10 households, weight 1 except the last two (weight 2): total weight 12; poor weight 1+1+1+2 = 5
    return pd.DataFrame({
        "poor": [1, 1, 1, 0, 0, 0, 0, 0, 1, 0],
        "official": [1, 1, 0, 1, 0, 0, 0, 0, 0, 0],
        "risk": [0.9, 0.8, 0.7, 0.1, 0.2, 0.3, 0.0, 0.05, 0.6, 0.5],
        "weight": [1, 1, 1, 1, 1, 1, 1, 1, 2, 2],
    })


def test_targeting_errors_by_hand(households):
    t = targeting_errors(households, {"official list": "official", "risk score": "risk"}, budget_share=0.5,
                         poor_col="poor").set_index("rule")
    # official: flagged rows 0,1,3 first, then ties (score 0) in row order: 2 (w1), 4 (w1), 5 (w1) -> weight 6
    off = t.loc["official list"]
    assert off["selected_share"] == pytest.approx(0.5) and off["n_selected"] == 6
    assert off["inclusion_error"] == pytest.approx(3 / 6)      # selected non-poor: rows 3, 4, 5
    assert off["exclusion_error"] == pytest.approx(2 / 5)      # poor missed: row 8 (weight 2)
    # risk: rows 0, 1, 2 (w3), 8 (w2, cum 5), 9 (w2 -> 7 > 6, stop here) -> weight 5
    risk = t.loc["risk score"]
    assert risk["selected_share"] == pytest.approx(5 / 12) and risk["n_selected"] == 4
    assert risk["inclusion_error"] == 0 and risk["exclusion_error"] == 0
    assert off["poor_share"] == pytest.approx(5 / 12)


def test_targeting_errors_unweighted_and_array(households):
    t = targeting_errors(households, households["risk"].to_numpy(), budget_share=0.3, poor_col="poor",
                         weight_col=None)
    row = t.iloc[0]
    assert row["rule"] == "score" and row["n_selected"] == 3
    assert row["inclusion_error"] == 0 and row["exclusion_error"] == pytest.approx(1 / 4)


@pytest.mark.parametrize("kwargs", [
    {"score": "risk", "budget_share": 0, "poor_col": "poor"},
    {"score": "missing", "budget_share": 0.5, "poor_col": "poor"},
    {"score": "risk", "budget_share": 0.5, "poor_col": "risk"},       # not 0/1
    {"score": [1, 2], "budget_share": 0.5, "poor_col": "poor"},       # wrong length
    {"score": "risk", "budget_share": 0.5, "poor_col": "poor", "weight_col": "w"},
])
def test_targeting_errors_rejects_bad_input(households, kwargs):
    with pytest.raises(PovmodelError):
        targeting_errors(households, **kwargs)


# ------------------------------------------------------------------------------------- export
def test_export_csv_vietnamese_with_bom(tmp_path, provinces):
    out = allocate_budget(provinces, 100, rule="by_gap")
    path = export_table(out, tmp_path / "phan_bo.csv")
    raw = path.read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf")
    back = pd.read_csv(path, encoding="utf-8-sig")
    assert HEADERS["allocation"]["vi"] in back.columns and "Tỉnh/thành phố" in back.columns
    assert back[HEADERS["allocation"]["vi"]].sum() == pytest.approx(100)
    assert [p.name for p in tmp_path.iterdir()] == ["phan_bo.csv"]  # no temporary file left


def test_export_xlsx_english(tmp_path):
    t = rank_uncertainty(np.tile([0.4, 0.1, 0.3, 0.2], (3, 1)), AREAS, k=2)
    path = export_table(t.assign(extra=1), tmp_path / "ranks.xlsx", language="en")
    back = pd.read_excel(path, engine="openpyxl")
    assert back.columns.tolist() == ["Area", "Mean value", "Mean rank", "Rank, lower bound (95%)",
                                     "Rank, upper bound (95%)", "Probability of being among the k poorest", "extra"]


def test_export_rejects_bad_format_and_language(tmp_path):
    frame = pd.DataFrame({"area": ["A"]})
    with pytest.raises(PovmodelError):
        export_table(frame, tmp_path / "x.json")
    with pytest.raises(PovmodelError):
        export_table(frame, tmp_path / "x.csv", language="fr")
