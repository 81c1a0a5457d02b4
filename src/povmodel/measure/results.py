"""Result objects of measurement: a tidy table with a ``to_frame()`` and a ``summary()``."""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd
from scipy.stats import norm

#: Columns of every tidy result table, in order.
TIDY_COLUMNS = ["by", "domain", "year", "standard", "unit", "measure", "estimate", "se", "ci_low", "ci_high",
                "cv", "n", "flag_cv", "flag_small"]


def tidy_rows(*, by: str, domains, year, standard: str, unit: str, measure: str, estimates, se, n,
              confidence: float, max_cv: float, min_n: int, bounds: tuple[float, float] | None = (0.0, 1.0)) -> pd.DataFrame:
    """One tidy row per domain for one measure (normal confidence interval, clipped to ``bounds``)."""
    z = norm.ppf(0.5 + confidence / 2)
    est = np.asarray(estimates, dtype=float)
    se = np.asarray(se, dtype=float)
    low, high = est - z * se, est + z * se
    if bounds is not None:
        low, high = np.clip(low, *bounds), np.clip(high, *bounds)
    with np.errstate(invalid="ignore", divide="ignore"):
        cv = np.where(est != 0, se / np.abs(est), np.nan)
    return pd.DataFrame({
        "by": by, "domain": list(domains), "year": year, "standard": standard, "unit": unit, "measure": measure,
        "estimate": est, "se": se, "ci_low": low, "ci_high": high, "cv": cv, "n": np.asarray(n, dtype=np.int64),
        "flag_cv": np.nan_to_num(cv, nan=0.0) > max_cv, "flag_small": np.asarray(n) < min_n,
    })


@dataclass
class MeasureResults:
    """Survey estimates by domain with design-based uncertainty.

    ``table`` is tidy (see :data:`TIDY_COLUMNS`): one row per domain and measure. ``flag_cv``
    marks a coefficient of variation above the threshold; ``flag_small`` a domain with fewer
    sample households than the minimum (publish such cells only with care, or suppress them).
    """

    table: pd.DataFrame
    settings: dict = field(default_factory=dict)

    def to_frame(self) -> pd.DataFrame:
        """The tidy table (a copy)."""
        return self.table.copy()

    def estimate(self, measure: str, domain: str = "NATIONAL") -> float:
        """One estimate."""
        row = self.table[(self.table["measure"] == measure) & (self.table["domain"] == domain)]
        if len(row) != 1:
            raise KeyError(f"no single estimate for measure {measure!r} in domain {domain!r}")
        return float(row["estimate"].iloc[0])

    def summary(self) -> str:
        """A readable table: estimates with standard errors and flags."""
        t = self.table
        lines = [f"povmodel measurement: {', '.join(f'{k}={v}' for k, v in self.settings.items())}"]
        for (by, year, standard), part in t.groupby(["by", "year", "standard"], sort=False):
            lines.append(f"\n[{by}, {year}, standard {standard}]")
            wide = part.assign(cell=[
                f"{e:.4f} ({s:.4f}){'*' if fc else ''}{'!' if fs else ''}"
                for e, s, fc, fs in zip(part["estimate"], part["se"], part["flag_cv"], part["flag_small"], strict=True)
            ]).pivot(index="domain", columns="measure", values="cell")
            lines.append(wide.to_string())
        lines.append("\nestimate (standard error); * CV above threshold; ! fewer sample households than the minimum")
        return "\n".join(lines)

    def __repr__(self) -> str:
        return f"MeasureResults({len(self.table)} rows: {sorted(self.table['measure'].unique())})"
