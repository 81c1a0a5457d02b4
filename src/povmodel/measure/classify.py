"""Classification of household tables by standard; deprivation indicators from person records.

The rule itself is :func:`povmodel.standards.classify_codes`; this module finds the right
columns, derives what can be derived from persons, and reports what is missing.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from povmodel.errors import DataValidationError, PovmodelError, Problem
from povmodel.schemas import EDUCATION_LEVELS, STANDARD_INDICATOR_SET, indicator_codes
from povmodel.standards import CLASSES, classify_codes, standard_snapshot

#: A date inside each standard's period (its parameters are read there).
STANDARD_DATES = {"2016-2020": "2018-06-30", "2022-2025": "2023-06-30", "2027-2030": "2028-06-30"}
_LOWER_SECONDARY = EDUCATION_LEVELS.index("lower_secondary")
_UPPER_SECONDARY = EDUCATION_LEVELS.index("upper_secondary")


def standard_at_year(year: int) -> str:
    """Identifier of the standard in force at the end of ``year``."""
    return standard_snapshot(int(year)).standard


def snapshot_of(standard: str):
    """The ``poverty`` parameters of a standard given by its identifier."""
    try:
        return standard_snapshot(STANDARD_DATES[standard])
    except KeyError:
        raise PovmodelError(f"unknown standard {standard!r}; known: {', '.join(STANDARD_DATES)}") from None


def deprivation_columns_for(standard: str) -> list[str]:
    """Household columns holding the indicators of ``standard``."""
    key = STANDARD_INDICATOR_SET[standard]
    return [f"dep_{key}_{code}" for code in indicator_codes(key)]


def deprivations_from_persons(persons: pd.DataFrame, standard: str) -> pd.DataFrame:
    """Household deprivation indicators derivable from person records, by ``(hh_id, year)``.

    Derived (when the person columns are present; cut-offs from the parameters' indicator
    texts, flagged uncertain there): health insurance (a member aged 6+ uninsured), child
    school attendance, adult education, and for 2016-2020 health access; for 2022-2025 also
    employment, dependants and nutrition. Housing, water, sanitation and information
    indicators are household-level and must come from the household table.
    """
    key = STANDARD_INDICATOR_SET[standard]
    p = persons
    age = p["age"].to_numpy(dtype=float)
    def col(name: str, missing: bool = False) -> np.ndarray | None:
        """A boolean person column, missing values read as ``missing`` (never deprived)."""
        return p[name].astype("boolean").fillna(missing).to_numpy(dtype=bool) if name in p else None

    out: dict[str, np.ndarray] = {}
    if "health_insurance" in p:
        out["health_insurance"] = (age >= 6) & ~col("health_insurance", missing=True)
    in_school = col("in_school", missing=True)
    level = p["education_level"].map({v: i for i, v in enumerate(EDUCATION_LEVELS)}).to_numpy(dtype=float) \
        if "education_level" in p else None
    if in_school is not None:
        if key == "2016":
            out["child_school_attendance"] = (age >= 5) & (age < 15) & ~in_school
            if level is not None:
                out["adult_education"] = (age >= 15) & (age <= 30) & ~in_school & (level < _LOWER_SECONDARY)
        else:
            out["child_school_attendance"] = (age >= 3) & (age < 16) & ~in_school
            if level is not None:
                out["adult_education"] = ~in_school & (
                    ((age >= 16) & (age < 18) & (level < _LOWER_SECONDARY))
                    | ((age >= 18) & (age <= 30) & (level < _UPPER_SECONDARY)))
    if key == "2016" and "sick_untreated" in p:
        out["health_access"] = col("sick_untreated")
    if key != "2016":
        if "work_status" in p:
            working_age = (age >= 15) & (age < 60)
            stable = col("stable_work", missing=True)
            unstable = (p["work_status"] == "employed").to_numpy() & (~stable if stable is not None else False)
            out["employment"] = working_age & ((p["work_status"] == "unemployed").to_numpy() | unstable)
        if "malnourished" in p:
            out["nutrition"] = (age < 16) & col("malnourished")
    frame = pd.DataFrame({f"dep_{key}_{k}": v for k, v in out.items()})
    frame["hh_id"], frame["year"] = p["hh_id"].to_numpy(), p["year"].to_numpy()
    grouped = frame.groupby(["hh_id", "year"], sort=False)
    result = grouped.any()
    if key != "2016":
        dependant = (age < 16) | (age >= 60) | (col("disabled") if "disabled" in p else False)
        share = pd.Series(dependant, index=p.index).groupby([p["hh_id"], p["year"]], sort=False).mean()
        result[f"dep_{key}_dependants"] = share.reindex(result.index).to_numpy() > 0.5
    return result


def household_deprivations(households: pd.DataFrame, standard: str, persons: pd.DataFrame | None = None) -> pd.DataFrame:
    """The indicator columns of ``standard`` for each household: from persons where derivable,
    else from the household table. Every missing indicator is named in one error."""
    columns = deprivation_columns_for(standard)
    deps = pd.DataFrame(index=households.index)
    derived = None
    if persons is not None:
        derived = deprivations_from_persons(persons, standard)
        keys = pd.MultiIndex.from_arrays([households["hh_id"], households["year"]])
    missing = []
    for c in columns:
        if derived is not None and c in derived:
            values = derived[c].reindex(keys)
            if values.isna().any():
                missing.append(Problem("household without person records", location=c,
                                       rows=int(values.isna().sum())))
            deps[c] = values.fillna(False).to_numpy(dtype=bool)
        elif c in households and households[c].dtype == bool:  # plain booleans: nothing to check
            deps[c] = households[c].to_numpy()
        elif c in households:
            values = households[c]
            if values.isna().any():
                missing.append(Problem("missing indicator values", location=c, rows=int(values.isna().sum()),
                                       examples=tuple(np.flatnonzero(values.isna().to_numpy())[:5] + 2)))
            deps[c] = values.astype("boolean").fillna(False).to_numpy(dtype=bool)
        else:
            missing.append(Problem(f"indicator of the {standard} standard not in the household table "
                                   "and not derivable from person records", location=c))
    if missing:
        raise DataValidationError(missing, title=f"cannot classify by the {standard} standard")
    return deps


def weighted_deprivations(deps: pd.DataFrame, weights=None) -> np.ndarray:
    """Per household, the number of indicators it is deprived in, or with ``weights`` (one per
    column) their weighted sum.

    Counted column by column, with one small integer count per distinct weight: this never
    forms the (households x indicators) matrix of ``deps.to_numpy()`` (0.8 GB as floats at
    10 M households), and fresh memory is what costs most at that size.
    """
    if weights is None:
        count = np.zeros(len(deps), dtype=np.int64)
        for column in deps.columns:
            count += deps[column].to_numpy(dtype=bool)
        return count
    counts: dict[float, np.ndarray] = {}
    for column, weight in zip(deps.columns, np.asarray(weights, dtype=float), strict=True):
        count = counts.setdefault(float(weight), np.zeros(len(deps), dtype=np.int16))
        count += deps[column].to_numpy(dtype=bool)
    total = np.zeros(len(deps))
    for weight, count in counts.items():
        total += weight * count
    return total


def classify_under(rows: pd.DataFrame, standard: str,
                   persons: pd.DataFrame | None = None) -> tuple[np.ndarray, pd.DataFrame]:
    """Class codes (see :data:`povmodel.standards.CLASSES`) of ``rows`` under one standard,
    and the indicator columns they were counted from."""
    if "income_pc" not in rows or rows["income_pc"].isna().any():
        raise DataValidationError(Problem("income_pc is required for classification (no missing values)",
                                          location="income_pc"))
    deps = household_deprivations(rows, standard, persons)
    codes = classify_codes(rows["income_pc"], rows["urban"], weighted_deprivations(deps), snapshot_of(standard))
    return codes, deps


def classify(households: pd.DataFrame, *, standard: str | None = None, persons: pd.DataFrame | None = None) -> pd.DataFrame:
    """Class of every household (``poor``, ``near_poor``, ``middle``, ``other``) and its
    deprivation count, under ``standard`` (default: the one in force at the end of each
    household's survey year). Columns: ``class``, ``deprivations``, ``standard``."""
    codes = np.zeros(len(households), dtype=np.int8)
    counts = np.zeros(len(households), dtype=np.int64)
    standards = np.empty(len(households), dtype=object)
    years = households["year"].to_numpy() if standard is None else np.zeros(len(households), dtype=np.int64)
    groups = pd.Series(years).groupby(years).indices if len(np.unique(years)) > 1 else {years[0]: slice(None)}
    for year, idx in groups.items():
        std = standard or standard_at_year(int(year))
        rows = households if isinstance(idx, slice) else households.iloc[idx]
        codes[idx], deps = classify_under(rows, std, persons)
        counts[idx] = weighted_deprivations(deps)
        standards[idx] = std
    out = pd.DataFrame({"class": pd.Categorical.from_codes(codes, categories=list(CLASSES)),
                        "deprivations": counts, "standard": standards}, index=households.index)
    return out
