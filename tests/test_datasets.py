"""The real regional panel and raw-data provenance."""

from __future__ import annotations

import pytest

from povmodel import datasets
from povmodel.errors import DataValidationError
from povmodel.io import raw_checksums, sha256_file, verify_raw_data


def test_raw_checksums_match(root):
    verified = verify_raw_data()
    assert len(verified) >= 20
    readme = (root / "data" / "raw" / "README.md").read_text(encoding="utf-8")
    for name in verified:
        folder = name.split("/")[0]
        assert folder in readme, f"{folder} has no provenance entry in data/raw/README.md"


def test_raw_checksum_mismatch_is_reported(tmp_path, monkeypatch):
    raw = tmp_path / "data" / "raw"
    raw.mkdir(parents=True)
    (raw / "a.csv").write_text("x\n1\n", encoding="utf-8")
    (raw / "SHA256SUMS").write_text(f"{'0' * 64}  a.csv\n{sha256_file(raw / 'a.csv')}  missing.csv\n")
    monkeypatch.setenv("POVMODEL_ROOT", str(tmp_path))
    with pytest.raises(DataValidationError) as info:
        verify_raw_data()
    text = str(info.value)
    assert "a.csv" in text and "differs" in text and "missing.csv" in text and "missing" in text


@pytest.fixture(scope="module")
def panel():
    report = datasets.BuildReport()
    return datasets.regional_panel_from_raw(report), report


def _value(panel, **where):
    sel = panel
    for k, v in where.items():
        sel = sel[sel[k] == v]
    assert len(sel) == 1, where
    return float(sel["value"].iloc[0])


@pytest.mark.parametrize(
    ("where", "published"),
    [
        ({"area_code": "NATIONAL", "year": 2020, "indicator": "poor_household_rate", "source": datasets.SOURCE_MOLISA}, 2.75),
        ({"area_code": "NATIONAL", "year": 2021, "indicator": "poor_household_rate", "source": datasets.SOURCE_MOLISA}, 2.23),
        ({"area_code": "NATIONAL", "year": 2022, "indicator": "poor_household_rate", "source": datasets.SOURCE_MOLISA}, 4.03),
        ({"area_code": "NATIONAL", "year": 2022, "indicator": "near_poor_household_rate", "source": datasets.SOURCE_MOLISA}, 3.49),
        ({"area_code": "NATIONAL", "year": 2022, "indicator": "poor_households", "source": datasets.SOURCE_MOLISA}, 1_057_374),
        ({"area_code": "NMM", "year": 2022, "indicator": "poor_household_rate", "source": datasets.SOURCE_MOLISA}, 14.23),
        ({"area_code": "SE", "year": 2022, "indicator": "near_poor_household_rate", "source": datasets.SOURCE_MOLISA}, 0.13),
        ({"area_code": "NATIONAL", "year": 2016, "indicator": "poor_household_rate", "source": datasets.SOURCE_GSO}, 5.8),
        ({"area_code": "NATIONAL", "year": 2010, "indicator": "poor_household_rate", "source": datasets.SOURCE_GSO}, 14.2),
        ({"area_code": "01", "year": 2016, "indicator": "poor_household_rate", "source": datasets.SOURCE_GSO}, 1.3),
    ],
)
def test_panel_reproduces_published_figures(panel, where, published):
    assert _value(panel[0], **where) == published


def test_panel_standards_and_sources_are_kept_apart(panel):
    df = panel[0]
    gso = df[df["source"] == datasets.SOURCE_GSO]
    poverty = gso["indicator"].str.startswith("poor_household_rate")
    assert set(gso.loc[poverty & (gso["year"] >= 2006), "standard"]) == {datasets.STANDARD_GSO_INCOME}
    assert set(gso.loc[poverty & (gso["year"] < 2006), "standard"]) == {datasets.STANDARD_GSO_WB_EXPENDITURE}
    assert set(gso.loc[~poverty, "standard"]) == {datasets.STANDARD_NONE}
    mol = df[df["source"] == datasets.SOURCE_MOLISA]
    assert set(mol.loc[mol["year"] <= 2021, "standard"]) == {"2016-2020"}
    assert set(mol.loc[mol["year"] == 2022, "standard"]) == {"2022-2025"}
    key = ["area_code", "year", "indicator", "source"]
    assert not df.duplicated(key).any()
    assert df["value"].notna().all()


def test_left_out_rows_are_counted(panel):
    df, report = panel
    reasons = {e["reason"]: e["rows"] for e in report.excluded}
    assert any("Hà Tây" in r and n == 8 for r, n in reasons.items())
    assert any("Hồ Chí Minh 2016" in r for r in reasons)
    provinces_2016 = df[(df["area_level"] == "province") & (df["year"] == 2016)
                        & (df["indicator"] == "poor_household_rate")]
    assert len(provinces_2016) == 62  # 63 minus HCMC, whose 2016 value is '..' in the GSO table


def test_build_writes_and_reports(tmp_path):
    lines = []
    report = datasets.build_all(tmp_path, progress=lines.append)
    names = {p.split("/")[-1] for p in (w["path"] for w in report.written)}
    assert names == set(datasets.PROCESSED_FILES)
    assert (tmp_path / datasets.BUILD_RECORD).is_file()
    assert any(line.startswith("wrote") for line in lines)
    assert datasets.ensure_built(tmp_path) is False  # fresh: nothing rebuilt
    (tmp_path / "regional_panel.parquet").unlink()
    assert datasets.ensure_built(tmp_path) is True
    assert not list(tmp_path.glob(".*tmp*")), "temporary files left behind"


def test_raw_checksums_file_lists_every_raw_file(root):
    raw = root / "data" / "raw"
    on_disk = {str(p.relative_to(raw)) for p in raw.rglob("*") if p.is_file()} - {"README.md", "SHA256SUMS"}
    assert on_disk == set(raw_checksums())
