"""The GSO tables in the real regional panel: published figures, coverage, left-out rows, and
the schema check of the build."""

from __future__ import annotations

import pandas as pd
import pytest

from povmodel import admin, datasets, gso_tables
from povmodel.errors import DataValidationError

INCOME = datasets.STANDARD_GSO_INCOME
EXPENDITURE = datasets.STANDARD_GSO_WB_EXPENDITURE
NONE = datasets.STANDARD_NONE


@pytest.fixture(scope="module")
def built():
    report = datasets.BuildReport()
    return datasets.regional_panel_from_raw(report), report


@pytest.fixture(scope="module")
def gso(built):
    df = built[0]
    return df[df["source"] == datasets.SOURCE_GSO]


def _row(df, area, year, indicator, standard):
    sel = df[(df["area_code"] == area) & (df["year"] == year) & (df["indicator"] == indicator)
             & (df["standard"] == standard)]
    assert len(sel) == 1, (area, year, indicator, standard)
    return sel.iloc[0]


# Each figure read by hand from the raw CSV named in the comment (data/raw/gso_province_2006_2016).
@pytest.mark.parametrize(
    ("area", "year", "indicator", "standard", "published", "preliminary"),
    [
        # Monthly_average_income_..._by_income_quintile_...: WHOLE COUNTRY 2010 general average, Q5 2014
        ("NATIONAL", 2010, "income_pc_monthly", NONE, 1387, False),
        ("NATIONAL", 2014, "income_pc_monthly_q5", NONE, 6413, False),
        ("96", 2016, "income_pc_monthly_q1", NONE, 725, True),  # Ca Mau, "Pre. 2016 Quintile 1"
        # ..._by_income_source_...: salary & wage
        ("NATIONAL", 2010, "income_pc_monthly_salary_wage", NONE, 622, False),
        ("79", 2014, "income_pc_monthly_salary_wage", NONE, 2925, False),  # "Ho Chi Minh city"
        ("79", 2010, "income_pc_monthly_agriculture_forestry_fishery", NONE, 30.4, False),
        # Average_population_by_province: Ha Noi "Total Prel. 2016", "Urban Prel. 2016"
        ("01", 2016, "population_total", NONE, 7328.4, True),
        ("01", 2016, "population_urban", NONE, 3928.6, True),
        ("79", 2015, "population_rural", NONE, 1495.1, False),
        ("01", 2010, "population_female", NONE, 3385.8, False),
        ("NATIONAL", 1995, "population_total", NONE, 71995.5, False),
        # Area_population_and_population_density_by_province
        ("01", 2011, "area_km2", NONE, 3328.9, False),
        ("01", 2016, "population_density", NONE, 2182.0, True),  # "2016 (*)"
        # General_poverty_rate_by_region / _by_residence
        ("NATIONAL", 1998, "poor_household_rate", EXPENDITURE, 37.4, False),
        ("NMM", 1998, "poor_household_rate", EXPENDITURE, 64.5, False),
        ("NATIONAL", 2011, "poor_household_rate", INCOME, 12.6, False),
        ("CH", 2011, "poor_household_rate", INCOME, 20.3, False),
        ("NATIONAL", 2004, "poor_household_rate_urban", EXPENDITURE, 8.6, False),
        ("NATIONAL", 2016, "poor_household_rate_rural", INCOME, 7.5, True),
        # Index_of_income_inequality_distribution_GINI_index
        ("CH", 2016, "gini", NONE, 0.436, True),
        ("NATIONAL", 2002, "gini", NONE, 0.420, False),
        ("NATIONAL", 2008, "gini_urban", NONE, 0.404, False),
        # Labour_force_... and Percentage_of_trained_employed_workers_...
        ("01", 2008, "labour_force", NONE, 3421.2, False),
        ("NATIONAL", 2005, "labour_force", NONE, 44904.5, False),
        ("NATIONAL", 2015, "trained_workers_pct", NONE, 19.9, False),
        ("79", 2016, "trained_workers_pct", NONE, 34.8, True),
        # Unemployment_and_underemployment_rate_..._by_region
        ("RRD", 2013, "unemployment_rate_urban", NONE, 5.13, False),
        ("MRD", 2009, "underemployment_rate", NONE, 9.33, False),
        ("NATIONAL", 2016, "unemployment_rate", NONE, 2.3, True),
    ],
)
def test_gso_tables_reproduce_published_figures(gso, area, year, indicator, standard, published, preliminary):
    row = _row(gso, area, year, indicator, standard)
    assert row["value"] == published
    assert bool(row["preliminary"]) is preliminary
    assert row["status"] == "verified" and row["vintage"] == gso_tables.GSO_VINTAGE
    assert "data/raw/gso_province_2006_2016/" in row["reference"]


def test_provenance_of_new_rows(gso):
    row = _row(gso, "NATIONAL", 1998, "poor_household_rate", EXPENDITURE)
    assert row["reference"].endswith("General_poverty_rate_by_region.csv)")
    assert row["area_name"] == "Việt Nam" and row["area_level"] == "national" and row["unit"] == "%"
    pop = _row(gso, "01", 2016, "population_total", NONE)
    assert pop["area_name"] == "Hà Nội" and pop["unit"] == "thousand persons"
    assert "Average_population_by_province.csv" in pop["reference"]  # the dedicated table is kept
    assert _row(gso, "NATIONAL", 2010, "income_pc_monthly", NONE)["unit"] == "thousand VND/person/month"
    assert _row(gso, "NCC", 2012, "gini", NONE)["area_name"] == "North Central and Central Coastal Areas"


def test_panel_is_clean(built):
    df, _ = built
    assert df["value"].notna().all()
    assert not df[datasets.PANEL_COLUMNS].isna().any().any()
    assert not df.duplicated(["area_code", "year", "indicator", "standard", "source"]).any()
    assert list(df.columns) == datasets.PANEL_COLUMNS
    datasets.validate_regional_panel(df)  # the pandera contract holds
    assert set(df["area_level"]) == {"national", "region", "province"}
    assert set(df.loc[df["area_level"] == "region", "area_code"]) == set(admin.REGION_ORDER)
    assert set(df.loc[df["area_level"] == "province", "area_code"]) == set(admin.province_codes())
    assert df.loc[df["preliminary"], "year"].eq(2016).all()


@pytest.mark.parametrize(
    ("indicator", "years"),
    [
        ("population_total", range(2004, 2017)),  # Dien Bien, Dak Nong, Hau Giang exist from 2004
        ("population_urban", range(2004, 2017)),
        ("income_pc_monthly", (2010, 2012, 2014, 2016)),
        ("income_pc_monthly_q3", (2010, 2012, 2014, 2016)),
        ("labour_force", (2008, 2016)),
        ("area_km2", range(2011, 2017)),
    ],
)
def test_all_63_provinces_present(gso, indicator, years):
    part = gso[(gso["indicator"] == indicator) & (gso["area_level"] == "province")]
    codes = set(admin.province_codes())
    for year in years:
        assert set(part.loc[part["year"] == year, "area_code"]) == codes, year


def test_left_out_rows_are_counted_with_reasons(built):
    _, report = built
    out = {(e["source"].split("/")[-1], e["reason"]): e["rows"] for e in report.excluded}

    def rows(file, *words):
        hits = [n for (f, r), n in out.items() if f == file and all(w in r for w in words)]
        assert len(hits) == 1, (file, words, hits)
        return hits[0]

    pop = "Average_population_by_province.csv"
    assert rows(pop, "Ha Tay", "Hà Tây") == 22 * 5  # 22 years x total/male/female/urban/rural
    assert rows("Labour_force_at_15_years_of_age_and_above_by_province.csv", "Ha Tay") == 11
    assert rows(pop, "no value published", "Điện Biên 1995-2003") == 9 * 5
    assert rows("Index_of_income_inequality_distribution_GINI_index.csv", "Central Highlands 2002, 2004, 2006") == 3
    # the region table repeats the tidy province file's 2006-2016 figures: kept once
    assert rows("General_poverty_rate_by_region.csv", "repeated from", "values identical") == 7 * 8
    # the area table repeats the population table's population (2015 differs in 34 areas)
    assert rows("Area_population_and_population_density_by_province.csv", "population_total repeated",
                "34 values differ") == 70 * 6
    assert rows("Monthly_average_income_per_capita_at_current_prices_by_income_source_and_by_province.csv",
                "income_pc_monthly repeated", "2 values differ") == 70 * 4


@pytest.mark.parametrize("spec", gso_tables.TABLES, ids=lambda s: s.file.split("_")[0])
def test_every_cell_is_in_the_panel_or_counted(built, spec, root):
    df, report = built
    raw = gso_tables.read_table(root / "data" / "raw" / spec.path)
    id_columns = 1 + (spec.year_column is not None)
    cells = len(raw) * (raw.shape[1] - id_columns)
    in_panel = df["reference"].str.endswith(f"{spec.file})").sum()
    left_out = sum(e["rows"] for e in report.excluded if e["source"] == spec.path)
    assert in_panel + left_out == cells


def _write(path, text):
    path.write_text(text, encoding="utf-8")
    return path


SPEC = gso_tables.TableSpec("t.csv", "Test table", {"Total": ("x_total", "u"), "Urban": ("x_urban", "u")})


def test_parser_reads_titled_and_reshaped_tables(tmp_path):
    titled = _write(tmp_path / "a.csv", '\ufeff"A title"\r\n\r\n"Cities, provincies";"Total 2014";'
                    '"Total Prel. 2016";"Urban 2014";"Urban Prel. 2016"\r\n'
                    '" WHOLE COUNTRY";1.5;2;..;3\r\n"Ha Tay";1;2;3;4\r\n"Northern Central area and Central '
                    'coastal area";5;6;7;8\r\n"Ho Chi Minh city";9;10;11;12\r\n')
    parsed = gso_tables.parse_table(SPEC, titled)
    rows = parsed.rows
    assert len(rows) == 12 and rows["value"].isna().sum() == 1
    assert set(rows["area_code"]) == {"NATIONAL", "NCC", "79"}
    assert parsed.unmatched == [(4, parsed.unmatched[0][1])] and "Hà Tây" in parsed.unmatched[0][1]
    hcm = rows[(rows["area_code"] == "79") & (rows["indicator"] == "x_urban")].set_index("year")
    assert hcm["value"].to_dict() == {2014: 11.0, 2016: 12.0}
    assert hcm["preliminary"].to_dict() == {2014: False, 2016: True}

    spec = gso_tables.TableSpec("r.csv", "Region table", {"": ("rate", "%")},
                                standards=((0, EXPENDITURE), (2006, INCOME)))
    header = '"Residence.and.by.region";"X2004";"X2006";"Pre..2016"\n'
    reshaped = _write(tmp_path / "r.csv", header * 2 + '"whole_country";"18.1";"15.5";"5.8"\n"urban";"8.6";"7.7";"2"\n')
    rows = gso_tables.parse_table(spec, reshaped).rows.set_index(["indicator", "year"])
    assert rows.loc[("rate", 2004), "standard"] == EXPENDITURE
    assert rows.loc[("rate", 2006), "standard"] == INCOME
    assert rows.loc[("rate_urban", 2016), "value"] == 2.0 and rows.loc[("rate_urban", 2016), "preliminary"]


def test_parser_rejects_unknown_columns_and_bad_cells(tmp_path):
    path = _write(tmp_path / "b.csv", '"T"\n\n"Cities, provincies";"Total 2014";"Female 2014"\n'
                  '"Ha Noi";1;x\n"Hue";2;3\n')
    with pytest.raises(DataValidationError) as info:
        gso_tables.parse_table(SPEC, path)
    text = str(info.value)
    assert "b.csv" in text and "Female 2014" in text and "not a number" in text
    unknown, bad = info.value.problems
    assert unknown.rows == 2 and unknown.examples == ("Female 2014",)
    assert bad.rows == 1 and bad.examples == ("x",) and bad.location == "Female 2014"
    with pytest.raises(DataValidationError, match="raw data file missing"):
        gso_tables.parse_table(SPEC, tmp_path / "missing.csv")


def test_build_refuses_a_panel_that_breaks_its_schema(tmp_path, monkeypatch):
    good = datasets.regional_panel_from_raw()

    def broken(report=None):
        bad = pd.concat([good, good.head(3)], ignore_index=True)
        bad.loc[0, "value"] = float("nan")
        bad.loc[1, "area_level"] = "planet"
        return bad

    monkeypatch.setattr(datasets, "regional_panel_from_raw", broken)
    with pytest.raises(DataValidationError) as info:
        datasets.build_all(tmp_path)
    problems = info.value.problems
    by_location = {p.location: p for p in problems}
    assert by_location["value"].rows == 1 and "regional_panel.parquet" in by_location["value"].file
    assert by_location["area_level"].examples == ("planet",)
    unique = by_location["area_code, year, indicator, standard, source"]
    assert unique.rows == 6 and len(unique.examples) == 3
    assert not (tmp_path / "regional_panel.parquet").exists()
    assert not (tmp_path / datasets.BUILD_RECORD).exists()
