"""Spatial analysis and small-area estimation: spatial weights and lags, global and local
Moran's I, area-level Fay-Herriot and unit-level EBP / CensusEB, and their validation against
the known truth of the synthetic census."""
