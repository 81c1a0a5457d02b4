"""Table contracts (pandera): households, persons, the regional panel.

Column names are povmodel's own; a mapping file renames a user's columns to these (see
``povmodel.io``). Deprivation indicator columns are named ``dep_<standard year>_<code>`` from
the indicator codes in the dated parameters, e.g. ``dep_2016_health_insurance`` and
``dep_2022_nutrition``. Extra columns are allowed and kept.
"""

from __future__ import annotations

import functools
from typing import TYPE_CHECKING

from povmodel import admin
from povmodel.parameters import load_parameters

if TYPE_CHECKING:  # pandera costs ~0.1 s to import: only the functions that build schemas load it
    import pandera.pandas as pa

#: Main sector of work of a household (of its head or main earner).
SECTORS = ("agriculture", "manufacturing_construction", "services", "tourism_hospitality", "public")
#: Education levels of persons, lowest first.
EDUCATION_LEVELS = ("none", "primary", "lower_secondary", "upper_secondary", "vocational", "tertiary")
WORK_STATUSES = ("employed", "unemployed", "inactive")
AREA_LEVELS = ("national", "region", "province", "district")
#: The standards whose indicators a household table may carry, by the year that names them.
INDICATOR_STANDARDS = {"2016": "2016-06-30", "2022": "2022-06-30", "2027": "2027-06-30"}
#: The indicator set (key of INDICATOR_STANDARDS) of each standard.
STANDARD_INDICATOR_SET = {"2016-2020": "2016", "2022-2025": "2022", "2027-2030": "2027"}


def indicator_codes(standard_year: str) -> list[str]:
    """Indicator codes of the standard named by its first year (``"2016"``, ``"2022"``)."""
    return [i["code"] for i in load_parameters().at(INDICATOR_STANDARDS[standard_year]).poverty.indicators]


def deprivation_columns(standard_year: str) -> list[str]:
    """Household columns holding the deprivation indicators of a standard."""
    return [f"dep_{standard_year}_{code}" for code in indicator_codes(standard_year)]


def _col(dtype, *checks, required=True, nullable=False, description="") -> pa.Column:
    import pandera.pandas as pa

    return pa.Column(dtype, list(checks), required=required, nullable=nullable, description=description)


@functools.lru_cache(maxsize=1)
def household_schema() -> pa.DataFrameSchema:
    """Schema of the household table (one row per household and survey round)."""
    import pandera.pandas as pa

    codes = set(admin.province_codes())
    columns = {
        "hh_id": _col(str, pa.Check.str_length(min_value=1), description="household id (unique within a round)"),
        "year": _col(int, pa.Check.in_range(1990, 2100), description="survey round (year)"),
        "province": _col(str, pa.Check.isin(codes), required=False, nullable=True,
                         description="GSO province code (63 provinces, 2008-2025)"),
        "district": _col(str, required=False, nullable=True, description="GSO district code"),
        "psu": _col(str, required=False, nullable=True, description="commune / enumeration area (PSU)"),
        "stratum": _col(str, required=False, nullable=True, description="sampling stratum"),
        "urban": _col(bool, description="urban (True) or rural (False) area"),
        "weight": _col(float, pa.Check.gt(0), description="sampling weight (households represented)"),
        "hh_size": _col(int, pa.Check.in_range(1, 60), description="household members"),
        "ethnic_minority": _col(bool, required=False, nullable=True, description="head is not Kinh or Hoa"),
        "head_female": _col(bool, required=False, nullable=True, description="head is a woman"),
        "head_age": _col(float, pa.Check.in_range(10, 120), required=False, nullable=True),
        "head_education_years": _col(float, pa.Check.in_range(0, 25), required=False, nullable=True),
        "sector": _col(str, pa.Check.isin(SECTORS), required=False, nullable=True,
                       description=f"main sector of work: {', '.join(SECTORS)}"),
        "informal": _col(bool, required=False, nullable=True, description="main work is informal"),
        "income_pc": _col(float, pa.Check.ge(0), required=False, nullable=True,
                          description="income per person per month, VND"),
        "remittances_pc": _col(float, pa.Check.ge(0), required=False, nullable=True,
                               description="remittances received per person per month, VND"),
        "consumption_pc": _col(float, pa.Check.ge(0), required=False, nullable=True,
                               description="consumption per person per month, VND"),
        "panel_id": _col(str, required=False, nullable=True, description="links a household across rounds"),
    }
    for year in INDICATOR_STANDARDS:
        for column in deprivation_columns(year):
            columns[column] = _col(bool, required=False, nullable=True, description="deprived (True)")
    return pa.DataFrameSchema(columns, unique=["hh_id", "year"], strict=False, name="households")


@functools.lru_cache(maxsize=1)
def person_schema() -> pa.DataFrameSchema:
    """Schema of the person table (one row per person and survey round)."""
    import pandera.pandas as pa

    columns = {
        "person_id": _col(str, pa.Check.str_length(min_value=1)),
        "hh_id": _col(str, pa.Check.str_length(min_value=1)),
        "year": _col(int, pa.Check.in_range(1990, 2100)),
        "age": _col(float, pa.Check.in_range(0, 120)),
        "female": _col(bool, required=False, nullable=True),
        "in_school": _col(bool, required=False, nullable=True, description="attends school or training now"),
        "education_level": _col(str, pa.Check.isin(EDUCATION_LEVELS), required=False, nullable=True,
                                description=f"highest level completed: {', '.join(EDUCATION_LEVELS)}"),
        "health_insurance": _col(bool, required=False, nullable=True),
        "work_status": _col(str, pa.Check.isin(WORK_STATUSES), required=False, nullable=True),
        "stable_work": _col(bool, required=False, nullable=True,
                            description="employed with stable work (contract where one is required)"),
        "disabled": _col(bool, required=False, nullable=True),
        "sick_untreated": _col(bool, required=False, nullable=True,
                               description="was sick in the last 12 months and not treated"),
        "malnourished": _col(bool, required=False, nullable=True, description="child stunted or underweight"),
    }
    return pa.DataFrameSchema(columns, unique=["person_id", "year"], strict=False, name="persons")


@functools.lru_cache(maxsize=1)
def regional_panel_schema() -> pa.DataFrameSchema:
    """Schema of the regional panel (long form: area, year, indicator, value and provenance)."""
    import pandera.pandas as pa

    columns = {
        "area_code": _col(str, pa.Check.str_length(min_value=1)),
        "area_level": _col(str, pa.Check.isin(AREA_LEVELS)),
        "area_name": _col(str, required=False, nullable=True),
        "year": _col(int, pa.Check.in_range(1990, 2100)),
        "indicator": _col(str, pa.Check.str_length(min_value=1)),
        "value": _col(float, description="finite value; missing figures are rows left out, not NaN"),
        "unit": _col(str),
        "standard": _col(str, description="poverty standard or measurement the value is under"),
        "source": _col(str, description="who measured it: GSO survey vs MOLISA administrative review"),
        "vintage": _col(str, required=False, nullable=True),
        "preliminary": _col(bool, required=False, nullable=True),
        "status": _col(str, required=False, nullable=True),
        "reference": _col(str, required=False, nullable=True),
    }
    return pa.DataFrameSchema(
        columns, unique=["area_code", "year", "indicator", "standard", "source"], strict=False,
        name="regional panel",
    )
