"""Spatial analysis and small-area estimation: spatial weights and lags, global and local
Moran's I, area-level Fay-Herriot and unit-level EBP / CensusEB, and their validation against
the known truth of the synthetic census.

Modules: :mod:`~povmodel.spatial.weights`, :mod:`~povmodel.spatial.autocorrelation`,
:mod:`~povmodel.spatial.fay_herriot`, :mod:`~povmodel.spatial.ebp`,
:mod:`~povmodel.spatial.province_fh`, :mod:`~povmodel.spatial.pseudo_census`.
"""

from povmodel.spatial.autocorrelation import global_moran, local_moran
from povmodel.spatial.ebp import EBP
from povmodel.spatial.fay_herriot import FayHerriot, fay_herriot
from povmodel.spatial.pseudo_census import pseudo_census_experiment
from povmodel.spatial.weights import contiguity_weights, knn_weights, spatial_lag

__all__ = ["EBP", "FayHerriot", "contiguity_weights", "fay_herriot", "global_moran", "knn_weights", "local_moran",
           "pseudo_census_experiment", "spatial_lag"]
