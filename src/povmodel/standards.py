"""Household classification under Vietnam's poverty standards, driven only by the dated
parameters (``povmodel.parameters``): poor, near-poor, middle-living-standard, other.

This is the rule itself, vectorised over households; survey-weighted measures built on it live
in ``povmodel.measure``.
"""

from __future__ import annotations

import datetime as dt

import numpy as np

from povmodel.errors import PovmodelError
from povmodel.parameters import ParameterTree, Snapshot, load_parameters

#: Classes, in increasing order of welfare; the integer codes used by :func:`classify_codes`.
CLASSES = ("poor", "near_poor", "middle", "other")
POOR, NEAR_POOR, MIDDLE, OTHER = range(4)


def standard_snapshot(date: str | dt.date | int, parameters: ParameterTree | None = None) -> Snapshot:
    """The ``poverty`` parameters in force at ``date`` (a bare year means 31 December)."""
    return (parameters or load_parameters()).at(date).poverty


def classify_codes(income_pc, urban, deprivations, standard: Snapshot) -> np.ndarray:
    """Classify households; returns ``int8`` codes (see :data:`CLASSES`).

    Parameters
    ----------
    income_pc
        Income per person per month (VND), array-like.
    urban
        True for urban households, array-like of bool.
    deprivations
        Number of indicators of this standard in which each household is deprived.
    standard
        The ``poverty`` parameter snapshot of the standard (:func:`standard_snapshot`).

    Notes
    -----
    ``income_or_band_with_deprivation`` (2016-2020): poor if income <= poverty line, or income
    in (poverty line, near-poverty line] with at least ``deprivation_threshold`` deprivations;
    near-poor if in that band with fewer. ``income_and_deprivation`` (2022-2025, 2027-2030):
    poor if income <= poverty line with at least the threshold of deprivations; near-poor if
    income <= poverty line with fewer. Middle-living-standard: income above the near-poverty
    line up to the middle line (where the standard defines one). Income equal to a line counts
    as at or below it.
    """
    income = np.asarray(income_pc, dtype=float)
    is_urban = np.asarray(urban, dtype=bool)
    deprived = np.asarray(deprivations) >= standard.deprivation_threshold
    if np.isnan(income).any():
        raise PovmodelError("income_pc has missing values: classify only households with an income")
    line = np.where(is_urban, standard.income_line.urban, standard.income_line.rural)
    near = np.where(is_urban, standard.near_poor_line.urban, standard.near_poor_line.rural)
    middle_urban, middle_rural = standard.middle_living_line.urban, standard.middle_living_line.rural
    codes = np.full(income.shape, OTHER, dtype=np.int8)
    if middle_urban is not None and middle_rural is not None:
        middle = np.where(is_urban, middle_urban, middle_rural)
        codes[(income > near) & (income <= middle)] = MIDDLE
    if standard.rule == "income_or_band_with_deprivation":
        band = (income > line) & (income <= near)
        codes[band] = np.where(deprived[band], POOR, NEAR_POOR)
        codes[income <= line] = POOR
    elif standard.rule == "income_and_deprivation":
        below = income <= line
        codes[below] = np.where(deprived[below], POOR, NEAR_POOR)
    else:
        raise PovmodelError(f"unknown classification rule {standard.rule!r} in the parameters")
    return codes


def poverty_thresholds(urban, deprivations, standard: Snapshot) -> np.ndarray:
    """Each household's income threshold of poverty: poor if and only if ``income_pc <=
    threshold`` (:func:`classify_codes` for every income at once, used where incomes change
    many times, as in the shock microsimulation). ``-inf`` where no income makes the household
    poor (``income_and_deprivation`` rules without enough deprivations)."""
    is_urban = np.asarray(urban, dtype=bool)
    deprived = np.asarray(deprivations) >= standard.deprivation_threshold
    line = np.where(is_urban, standard.income_line.urban, standard.income_line.rural).astype(float)
    if standard.rule == "income_or_band_with_deprivation":
        near = np.where(is_urban, standard.near_poor_line.urban, standard.near_poor_line.rural).astype(float)
        return np.where(deprived, near, line)
    if standard.rule == "income_and_deprivation":
        return np.where(deprived, line, -np.inf)
    raise PovmodelError(f"unknown classification rule {standard.rule!r} in the parameters")
