"""Household classification by the dated standards, checked on hand-computed cases."""

from __future__ import annotations

import numpy as np
import pytest

from povmodel.standards import CLASSES, classify_codes, standard_snapshot
from povmodel.standards import MIDDLE as M
from povmodel.standards import NEAR_POOR as N
from povmodel.standards import OTHER as OTH
from povmodel.standards import POOR as P


@pytest.mark.parametrize(
    ("income", "urban", "deprivations", "expected"),
    [
        # 2016-2020 rural: poor <= 700k; (700k, 1.0M] poor if >= 3 deprivations else near-poor;
        # (1.0M, 1.5M] middle; above other
        (700_000, False, 0, P), (700_001, False, 3, P), (700_001, False, 2, N), (1_000_000, False, 2, N),
        (1_000_001, False, 9, M), (1_500_000, False, 0, M), (1_500_001, False, 0, OTH),
        # urban: 900k / 1.3M / 1.95M
        (900_000, True, 0, P), (1_200_000, True, 3, P), (1_200_000, True, 0, N), (1_900_000, True, 5, M),
        (2_000_000, True, 0, OTH),
    ],
)
def test_2016_standard(income, urban, deprivations, expected):
    codes = classify_codes([income], [urban], [deprivations], standard_snapshot("2021-12-31"))
    assert CLASSES[codes[0]] == CLASSES[expected]


@pytest.mark.parametrize(
    ("income", "urban", "deprivations", "expected"),
    [
        # 2022-2025 rural: income <= 1.5M and >= 3 deprivations poor; <= 1.5M with fewer near-poor;
        # a household under the line with no deprivation is near-poor, never poor
        (1_500_000, False, 3, P), (400_000, False, 2, N), (1_500_001, False, 12, M), (2_250_000, False, 0, M),
        (2_250_001, False, 0, OTH),
        (2_000_000, True, 3, P), (2_000_000, True, 0, N), (3_000_000, True, 0, M), (3_000_001, True, 0, OTH),
    ],
)
def test_2022_standard(income, urban, deprivations, expected):
    codes = classify_codes([income], [urban], [deprivations], standard_snapshot(2023))
    assert CLASSES[codes[0]] == CLASSES[expected]


def test_2027_standard_has_no_middle_band_yet():
    codes = classify_codes([2_200_000, 2_300_000], [False, False], [3, 0], standard_snapshot(2028))
    assert list(codes) == [P, OTH]


def test_same_households_under_two_standards():
    income = np.array([800_000, 1_200_000, 1_600_000])
    deps = np.array([1, 4, 0])
    urban = np.zeros(3, dtype=bool)
    old = classify_codes(income, urban, deps, standard_snapshot(2021))
    new = classify_codes(income, urban, deps, standard_snapshot(2022))
    assert [CLASSES[c] for c in old] == ["near_poor", "middle", "other"]
    assert [CLASSES[c] for c in new] == ["near_poor", "poor", "middle"]


def test_missing_income_is_an_error():
    from povmodel.errors import PovmodelError

    with pytest.raises(PovmodelError, match="missing"):
        classify_codes([np.nan], [True], [0], standard_snapshot(2022))


@pytest.mark.parametrize("year", [2018, 2022, 2027])
def test_poverty_thresholds_agree_with_classification(year):
    """poor <=> income <= threshold, for any income, area and deprivation count."""
    from hypothesis import given, settings
    from hypothesis import strategies as st

    from povmodel.standards import POOR, classify_codes, poverty_thresholds, standard_snapshot

    snap = standard_snapshot(year)

    @settings(max_examples=200, deadline=None)
    @given(st.lists(st.tuples(st.floats(0, 5e6), st.booleans(), st.integers(0, 12)), min_size=1, max_size=30))
    def check(rows):
        income, urban, deps = (np.array(c) for c in zip(*rows, strict=True))
        poor = classify_codes(income, urban, deps, snap) == POOR
        np.testing.assert_array_equal(poor, income <= poverty_thresholds(urban, deps, snap))

    check()
