"""Dated policy parameters: values checked by hand against shared/data/FACTS.md."""

from __future__ import annotations

import datetime as dt

import pytest
from hypothesis import given
from hypothesis import strategies as st

from povmodel.errors import ConfigError
from povmodel.parameters import load_parameters, read_parameter_files, standard_in_force


@pytest.fixture(scope="module")
def params():
    return load_parameters()


@pytest.mark.parametrize(
    ("date", "standard", "rural", "urban", "near_rural", "near_urban", "rule"),
    [
        ("2016-06-30", "2016-2020", 700_000, 900_000, 1_000_000, 1_300_000, "income_or_band_with_deprivation"),
        ("2021-12-31", "2016-2020", 700_000, 900_000, 1_000_000, 1_300_000, "income_or_band_with_deprivation"),
        ("2022-01-01", "2022-2025", 1_500_000, 2_000_000, 1_500_000, 2_000_000, "income_and_deprivation"),
        ("2026-12-31", "2022-2025", 1_500_000, 2_000_000, 1_500_000, 2_000_000, "income_and_deprivation"),
        ("2027-01-01", "2027-2030", 2_200_000, 2_800_000, 2_200_000, 2_800_000, "income_and_deprivation"),
    ],
)
def test_standards_in_force(params, date, standard, rural, urban, near_rural, near_urban, rule):
    p = params.at(date).poverty
    assert p.standard == standard
    assert (p.income_line.rural, p.income_line.urban) == (rural, urban)
    assert (p.near_poor_line.rural, p.near_poor_line.urban) == (near_rural, near_urban)
    assert p.rule == rule
    assert p.deprivation_threshold == 3


def test_indicator_sets(params):
    assert len(params.at(2016).poverty.indicators) == 10
    assert len(params.at(2022).poverty.indicators) == 12
    codes_2027 = {i["code"] for i in params.at(2027).poverty.indicators}
    codes_2022 = {i["code"] for i in params.at(2022).poverty.indicators}
    assert "information_means" in codes_2022 and "information_means" not in codes_2027
    assert {"digital_services", "waste_treatment"} <= codes_2027
    for year in (2016, 2022, 2027):
        snap = params.at(year).poverty
        assert {i["dimension"] for i in snap.indicators} == set(snap.dimensions)


def test_middle_living_standard(params):
    assert params.at(2018).poverty.middle_living_line.rural == 1_500_000
    assert params.at(2023).poverty.middle_living_line.urban == 3_000_000
    assert params.at(2028).poverty.middle_living_line.rural is None  # not published: no invented value


def test_bare_year_means_end_of_year():
    assert standard_in_force(2021) == "2016-2020"
    assert standard_in_force(2022) == "2022-2025"


def test_covid_packages(params):
    before = params.at("2020-03-31").covid_support.res42
    assert before.poor_near_poor is None
    res42 = params.at("2020-05-01").covid_support.res42
    assert res42.poor_near_poor == 250_000
    assert res42.contract_suspended_worker == 1_800_000
    assert res42.months == 3
    assert params.at("2021-10-01").covid_support.res116.employer_ui_contribution_rate == 0.0
    assert params.at("2022-10-01").covid_support.res116.employer_ui_contribution_rate == 0.01


def test_targets(params):
    t = params.at(2023).targets
    assert (t.poverty_rate_reduction_pp_per_year.min, t.poverty_rate_reduction_pp_per_year.max) == (1.0, 1.5)
    assert t.ethnic_minority_reduction_pp_per_year == 3.0
    assert t.budget == 75_000


def test_uncertain_values_are_flagged(params):
    flagged = dict(params.flagged(2022))
    assert "poverty.indicators" in flagged
    assert flagged["poverty.indicators"].status == "uncertain"
    assert "poverty.income_line.rural" not in flagged


def test_with_changes_is_a_new_tree(params):
    reform = params.with_changes({"covid_support.res42.poor_near_poor": {"2020-04-09": 500_000}})
    assert reform.at("2020-05-01").covid_support.res42.poor_near_poor == 500_000
    assert params.at("2020-05-01").covid_support.res42.poor_near_poor == 250_000
    later = params.with_changes({"poverty.income_line.rural": {"2024-01-01": 1_600_000}})
    assert later.at("2023-12-31").poverty.income_line.rural == 1_500_000
    assert later.at("2024-01-01").poverty.income_line.rural == 1_600_000


def test_with_changes_reports_every_problem(params):
    with pytest.raises(ConfigError) as info:
        params.with_changes({"poverty.income_lin.rural": {"2022-01-01": 1}, "poverty.rule": {"not-a-date": 1}})
    text = str(info.value)
    assert "poverty.income_line.rural" in text  # the close match is suggested
    assert "not a date" in text
    assert len(info.value.problems) == 2


def test_invalid_parameter_file(tmp_path):
    bad = tmp_path / "bad.yaml"
    bad.write_text(
        "a:\n  b:\n    unit: VND\n    values:\n      notadate: 1\n      2020-01-01: {value: 2, status: maybe}\n",
        encoding="utf-8",
    )
    with pytest.raises(ConfigError) as info:
        read_parameter_files([bad])
    messages = " | ".join(info.value.lines())
    assert "description" in messages and "not a date" in messages and "status 'maybe'" in messages
    assert "bad.yaml:" in messages


@given(st.dates(min_value=dt.date(2015, 1, 1), max_value=dt.date(2031, 12, 31)))
def test_value_at_is_last_entry_started(date):
    """Axiom of dated parameters: the value at a date is the latest one started on or before it."""
    param = load_parameters().get("poverty.income_line.urban")
    started = [v for v in param.values if v.start <= date]
    expected = started[-1].value if started else None
    assert param.at(date) == expected
