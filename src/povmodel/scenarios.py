"""Shock and support specifications of a scenario file (validated by pydantic).

A scenario names a **shock** (when it starts, how long it lasts, how fast incomes recover, and by
sector x formality, optionally by region or province, the share of workers who lose work, the
share with reduced hours or rotating leave and the income those affected lose; a remittance
drop; an optional food-price shock) and the **support** paid in response. Support amounts are
never written here: each benefit names a dated parameter (``covid_support.res42.poor_near_poor``
...) read at the scenario's date, so that a reform is an override of that parameter
(``parameter_changes``) or a change of eligibility rule, take-up or delay.
"""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from povmodel import admin
from povmodel.errors import UnknownAreaError
from povmodel.schemas import SECTORS

Share = Annotated[float, Field(ge=0.0, le=1.0)]
Month = Annotated[int, Field(ge=1, le=12)]

#: Who a benefit reaches (the eligibility rules the microsimulation knows):
#: ``poor_near_poor_list`` members of households poor or near-poor before the shock (the lists);
#: ``formal_reduced`` / ``informal_reduced`` workers with reduced hours or suspended contracts;
#: ``formal_lost`` / ``informal_lost`` workers who lost work; ``formal_workers`` every worker of a
#: formal (insured) household; ``household_business_stopped`` non-farm informal households with
#: a worker who lost work (one payment per household); ``all_persons`` every person.
ELIGIBILITY_RULES = ("poor_near_poor_list", "formal_reduced", "informal_reduced", "formal_lost",
                     "informal_lost", "formal_workers", "household_business_stopped", "all_persons")


def resolve_province_codes(values) -> list[str]:
    """GSO codes of provinces given by code or any spelling of their name; a ``ValueError``
    naming every unknown one (for pydantic validators)."""
    codes, unknown = [], []
    for item in values:
        if isinstance(item, bool) or not isinstance(item, str | int):
            unknown.append(f"not a province code or name: {item!r}")
            continue
        try:
            codes.append(admin.province_code(item))
        except UnknownAreaError as exc:
            unknown.append(str(exc))
    if unknown:
        raise ValueError("; ".join(unknown))
    return codes


class _Strict(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid", str_strip_whitespace=True)


class LabourShock(_Strict):
    """Effect on the workers of one cell: a sector, a formality, optionally some areas."""

    sector: Literal[SECTORS] | Literal["all"] = Field(..., description=f"One of {SECTORS}, or 'all'.")
    informal: bool | None = Field(None, description="true: informal workers only; false: formal only; null: both.")
    regions: list[str] = Field(default_factory=list, description="Region codes (empty = every region).")
    provinces: list[str | int] = Field(default_factory=list,
                                       description="GSO codes or names of provinces (empty = every province).")
    lose_work: Share = Field(0.0, description="Share of the cell's workers who lose work (stop working).")
    reduced_hours: Share = Field(0.0, description="Share with reduced hours, rotating leave or lower earnings.")
    income_loss_lost: Share = Field(1.0, description="Share of labour income lost by a worker who loses work.")
    income_loss_reduced: Share = Field(0.3, description="Share of labour income lost by a worker with reduced hours.")

    @model_validator(mode="after")
    def _shares_add_up(self) -> LabourShock:
        if self.lose_work + self.reduced_hours > 1.0 + 1e-12:
            raise ValueError(f"lose_work + reduced_hours = {self.lose_work + self.reduced_hours:.3f} exceeds 1")
        return self

    @field_validator("provinces", mode="before")
    @classmethod
    def _no_booleans(cls, value):
        if isinstance(value, list) and any(isinstance(v, bool) for v in value):
            raise ValueError(f"not a province code or name: {next(v for v in value if isinstance(v, bool))!r} "
                             "(YAML reads yes/no/true/false/on/off as booleans: quote names)")
        return value

    @field_validator("provinces")
    @classmethod
    def _known_provinces(cls, value: list[str | int]) -> list[str]:
        return resolve_province_codes(value)

    @field_validator("regions")
    @classmethod
    def _known_regions(cls, value: list[str]) -> list[str]:
        known = set(admin.REGION_ORDER)
        bad = [r for r in value if r not in known]
        if bad:
            raise ValueError(f"unknown region code(s) {bad}; known: {', '.join(admin.REGION_ORDER)}")
        return value


class Ranking(_Strict):
    """Who is hit first within a cell (the World Bank jobs-shock ranking): log-odds shifts of a
    worker's probability of being affected per unit of each household trait."""

    head_education_years: float = Field(-0.08, description="Per year of the head's schooling (fewer years: hit first).")
    urban: float = Field(0.3, description="Urban households.")
    ethnic_minority: float = Field(0.0, description="Ethnic-minority households.")


class Shock(_Strict):
    """The shock: timing, labour-market effects, remittances, prices and recovery."""

    start_month: Month = Field(..., description="Calendar month the shock starts (1-12) in the scenario year.")
    duration_months: Annotated[int, Field(ge=0, le=12)] = Field(..., description="Months at full strength.")
    recovery_months: Annotated[int, Field(ge=0, le=24)] = Field(
        0, description="Months over which losses fade linearly to zero after the full-strength months.")
    labour: list[LabourShock] = Field(default_factory=list,
                                      description="Cells; where several match a worker, the last one applies.")
    remittance_drop: Share = Field(0.0, description="Share of remittance income lost during the shock.")
    food_price_increase: Annotated[float, Field(ge=0.0, le=2.0)] = Field(
        0.0, description="Rise in food prices during the shock (0.1 = +10%).")
    food_share: Share = Field(0.5, description="Share of income spent on food (for the price shock).")
    ranking: Ranking = Field(default_factory=Ranking)

    def shock_months(self) -> float:
        """Full-strength-equivalent months of loss inside the scenario year (the recovery's
        linear fade counts as half its months; nothing beyond December counts)."""
        left = 12 - (self.start_month - 1)
        full = min(self.duration_months, left)
        fade = max(0, min(self.recovery_months, left - full))
        # months of a linear fade from 1 to 0 over ``recovery_months``: each month k (1-based)
        # keeps 1 - (k - 0.5) / recovery_months of the loss
        kept = sum(1 - (k - 0.5) / self.recovery_months for k in range(1, fade + 1)) if fade else 0.0
        return float(full + kept)


class Benefit(_Strict):
    """One support payment: its amount (a dated parameter), who is eligible, how many monthly
    payments, take-up and delay."""

    name: str = Field(..., description="Label of the benefit in the results.")
    amount: str = Field(..., description="Dated parameter giving the amount, e.g. covid_support.res42.poor_near_poor.")
    per: Literal["person", "worker", "household"] = Field(..., description="Unit the amount is paid to.")
    eligible: Literal[ELIGIBILITY_RULES] = Field(..., description=f"Eligibility rule: one of {ELIGIBILITY_RULES}.")
    payments: Annotated[float, Field(ge=0, le=24)] | str = Field(
        1, description="Number of payments of the amount (a number, or a dated parameter such as covid_support.res42.months).")
    take_up: Share = Field(1.0, description="Share of eligible households who receive it.")
    delay_months: Annotated[int, Field(ge=0, le=24)] = Field(
        0, description="Months from the shock's start to payment; payments after December count in no income of the year.")


class Support(_Strict):
    """The support packages paid in response (empty: none)."""

    date: dt.date = Field(..., description="Date at which the benefit amounts are read from the dated parameters.")
    benefits: list[Benefit] = Field(default_factory=list)
