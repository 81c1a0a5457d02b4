"""Synthetic VHLSS-like households calibrated to Vietnam's published poverty figures.

**Every household produced here is synthetic.** The frame (provinces, districts, communes,
population) is real; household traits follow documented assumptions
(:class:`~povmodel.synthetic.spec.SyntheticSpec`); incomes and deprivations are calibrated so
that national, regional and province figures published by MOLISA and GSO are reproduced.

Entry points: :func:`build_world` (frame and calibration for a seed), :func:`generate_survey`
(the rotating-panel survey), :func:`generate_census` (every household, chunked),
:func:`calibration_table` (targets vs achieved).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import pandas as pd

from povmodel.synthetic.calibrate import Calibration, calibrate
from povmodel.synthetic.census import CensusResult, generate_census, read_census
from povmodel.synthetic.diagnostics import calibration_table, classify_survey
from povmodel.synthetic.frame import Frame, build_frame
from povmodel.synthetic.spec import SyntheticSpec
from povmodel.synthetic.survey import generate_survey
from povmodel.synthetic.tables import TRUTH_COLUMNS


@dataclass(frozen=True)
class World:
    """A seeded synthetic world: frame, calibration, spec and seed."""

    frame: Frame
    calibration: Calibration
    spec: SyntheticSpec
    seed: int

    def survey(self, progress: Callable[[str], None] | None = None) -> pd.DataFrame:
        """The rotating-panel survey of this world."""
        return generate_survey(self.frame, self.calibration, self.spec, self.seed, progress)

    def census(self, out_dir, **kwargs) -> CensusResult:
        """Write this world's census (see :func:`generate_census`)."""
        return generate_census(self.frame, self.calibration, self.spec, self.seed, out_dir, **kwargs)


def build_world(seed: int, panel: pd.DataFrame, spec: SyntheticSpec | None = None,
                progress: Callable[[str], None] | None = None) -> World:
    """Frame and calibration for ``seed`` from the real regional ``panel``."""
    spec = spec or SyntheticSpec()
    frame = build_frame(spec, seed, panel)
    return World(frame, calibrate(frame, panel, spec, seed, progress), spec, seed)


__all__ = [
    "TRUTH_COLUMNS",
    "Calibration",
    "CensusResult",
    "SyntheticSpec",
    "World",
    "build_world",
    "calibration_table",
    "classify_survey",
    "generate_census",
    "generate_survey",
    "read_census",
]
