"""Poverty measurement: classification by standard, FGT, design-based inference by domain.

Main entry points: :func:`estimate` (classification rates, FGT), :func:`mpi` and
:func:`vietnam_mpi` (Alkire-Foster), :func:`povmodel.measure.transitions.transitions`. Building
blocks: :func:`classify`, :class:`SurveyDesign`, :func:`ratio_by_domain`.
"""

from povmodel.measure.classify import classify, deprivations_from_persons, household_deprivations
from povmodel.measure.design import SurveyDesign, bootstrap_ratio_by_domain, ratio_by_domain
from povmodel.measure.estimate import DEFAULT_MEASURES, DOMAIN_TYPES, estimate, fgt_terms
from povmodel.measure.mpi import MPISpec, change, decompose, mpi, mpi_by_k, vietnam_mpi
from povmodel.measure.results import MeasureResults

__all__ = [
    "DEFAULT_MEASURES",
    "DOMAIN_TYPES",
    "MPISpec",
    "MeasureResults",
    "SurveyDesign",
    "bootstrap_ratio_by_domain",
    "change",
    "classify",
    "decompose",
    "deprivations_from_persons",
    "estimate",
    "fgt_terms",
    "household_deprivations",
    "mpi",
    "mpi_by_k",
    "ratio_by_domain",
    "vietnam_mpi",
]
