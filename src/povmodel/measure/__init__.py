"""Poverty measurement: classification by standard, FGT, design-based inference by domain.

Main entry point: :func:`estimate`. Building blocks: :func:`classify`,
:class:`SurveyDesign`, :func:`ratio_by_domain`.
"""

from povmodel.measure.classify import classify, deprivations_from_persons, household_deprivations
from povmodel.measure.design import SurveyDesign, bootstrap_ratio_by_domain, ratio_by_domain
from povmodel.measure.estimate import DEFAULT_MEASURES, DOMAIN_TYPES, estimate, fgt_terms
from povmodel.measure.results import MeasureResults

__all__ = [
    "DEFAULT_MEASURES",
    "DOMAIN_TYPES",
    "MeasureResults",
    "SurveyDesign",
    "bootstrap_ratio_by_domain",
    "classify",
    "deprivations_from_persons",
    "estimate",
    "fgt_terms",
    "household_deprivations",
    "ratio_by_domain",
]
