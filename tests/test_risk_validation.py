"""Validation of the re-poverty models on the synthetic panel (scored against truth)."""

from __future__ import annotations

import json

import numpy as np
import pytest
from conftest import ROOT, run_cli

from povmodel import datasets, pipeline
from povmodel.risk.features import panel_pairs, province_features
from povmodel.risk.validation import validate


@pytest.fixture(scope="module")
def pairs(processed):
    provinces = province_features(datasets.load_regional_panel(), datasets.load_boundaries("province"))
    return panel_pairs(pipeline.load_synthetic_survey(), provinces)


def test_models_beat_vep_and_track_the_truth(pairs):
    sample = pairs.sample(frac=0.4, random_state=0)
    table = validate(sample, n_splits=3, random_state=0).set_index(["split", "model"])
    print("\n" + table.round(4).to_string())
    oop = table.loc["out_of_province"]
    assert oop.loc["logistic", "auc"] > 0.85 and oop.loc["hgb", "auc"] > 0.85
    assert oop.loc["hgb", "auc"] > oop.loc["vep", "auc"]
    assert oop.loc["logistic", "prob_mae_vs_truth"] < 0.03
    assert oop.loc["logistic", "ece"] < 0.01
    assert any(s.startswith("out_of_time") for s, _ in table.index)
    assert "out_of_province_escaped" in table.index.get_level_values("split")


def test_standard_change_is_a_feature(pairs):
    """Only the 2021 -> 2022 pairs cross a change of standard, and the gap to the next
    round's line reflects the 2022 line (higher than 2016-2020's, so the gap is smaller)."""
    crossing = pairs.groupby("year")["standard_changes"].agg(["min", "max"])
    assert crossing.loc[2021].tolist() == [1.0, 1.0]
    assert crossing.drop(index=2021).to_numpy().max() == 0.0
    gap = pairs["log_income_pc"] - pairs["log_income_to_next_line"]
    assert gap[pairs["year"] == 2021].min() > gap[pairs["year"] == 2020].max() - 1e-9


def test_current_features_score_the_next_round(processed):
    from povmodel.risk.features import current_features

    provinces = province_features(datasets.load_regional_panel())
    survey = pipeline.load_synthetic_survey()
    same = current_features(survey, provinces, 2022)
    crossing = current_features(survey, provinces, 2021, year_next=2022)
    assert same["standard_changes"].eq(0).all() and crossing["standard_changes"].eq(1).all()


def test_shuffled_labels_score_near_chance(pairs):
    sample = pairs.sample(frac=0.3, random_state=1).copy()
    sample["poor_next"] = np.random.default_rng(0).permutation(sample["poor_next"].to_numpy())
    table = validate(sample, n_splits=3, random_state=0, test_year=0).set_index(["split", "model"])
    assert abs(table.loc[("out_of_province", "logistic"), "auc"] - 0.5) < 0.07


@pytest.mark.slow
def test_risk_cli_json(tmp_path):
    res = run_cli("risk", "--config", str(ROOT / "configs" / "default.yaml"), "--json", "--top", "5",
                  "--out", str(tmp_path / "risk.xlsx"), "--map", str(tmp_path / "risk.png"))
    assert res.returncode == 0, res.stderr
    import pandas as pd

    exported = pd.read_excel(tmp_path / "risk.xlsx")
    assert len(exported) == 63 and "Lai Châu" in set(exported["name"])
    assert (tmp_path / "risk.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert (tmp_path / "risk.png").stat().st_size > 20_000
    out = json.loads(res.stdout)
    assert out["synthetic"] is True and len(out["top_areas"]) == 5
    models = {m["model"] for m in out["metrics"]}
    assert models == {"logistic", "hgb", "vep"}
    assert all({"auc", "brier", "ece", "prob_mae_vs_truth"} <= set(m) for m in out["metrics"])
    shares = [a["expected_share"] for a in out["top_areas"]]
    assert shares == sorted(shares, reverse=True)


@pytest.mark.slow
def test_risk_cli_districts_with_interactive_map(tmp_path):
    res = run_cli("risk", "--config", str(ROOT / "configs" / "default.yaml"), "--json", "--top", "3",
                  "--level", "district", "--map", str(tmp_path / "risk.html"))
    assert res.returncode == 0, res.stderr
    out = json.loads(res.stdout)
    assert out["level"] == "district" and len(out["top_areas"]) == 3
    assert all(a["expected_share"] is not None and len(a["district"]) == 3 for a in out["top_areas"])
    assert "window.PlotlyGeoAssets" in (tmp_path / "risk.html").read_text(encoding="utf-8")


def test_area_export(tmp_path):
    import pandas as pd

    from povmodel.errors import PovmodelError
    from povmodel.risk.area import export_area_risk

    table = pd.DataFrame({"province": ["12"], "name": ["Lai Châu"], "expected_share": [0.04]})
    export_area_risk(table, tmp_path / "r.csv")
    assert (tmp_path / "r.csv").read_bytes().startswith(b"\xef\xbb\xbf")  # BOM: Excel reads the diacritics
    assert pd.read_csv(tmp_path / "r.csv", encoding="utf-8-sig")["name"].iloc[0] == "Lai Châu"
    with pytest.raises(PovmodelError, match=".csv or .xlsx"):
        export_area_risk(table, tmp_path / "r.json")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["r.csv"]
