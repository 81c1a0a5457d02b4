"""The 2020 scenario beside published figures (shared/data/FACTS.md section 3): the gap is
printed, not hidden. The published figures are survey estimates with their own definitions and
periods (named in ``published_note``); the simulated figures come from synthetic households
unless the run used real microdata."""

from __future__ import annotations

import pandas as pd

#: (metric, grouping, group, published value, source, what the published figure measures)
PUBLISHED_2020 = (
    ("workers_affected_share", "sector", "services", 0.716, "GSO, labour force 2020 (06/01/2021)",
     "workers 15+ negatively affected in 2020, services"),
    ("workers_affected_share", "sector", "manufacturing_construction", 0.647, "GSO, labour force 2020 (06/01/2021)",
     "workers 15+ negatively affected in 2020, industry and construction"),
    ("workers_affected_share", "sector", "agriculture", 0.264, "GSO, labour force 2020 (06/01/2021)",
     "workers 15+ negatively affected in 2020, agriculture-forestry-fishery"),
    ("households_income_fell_share", "national", "NATIONAL", 0.70, "World Bank phone survey R1 (Jun-Jul 2020)",
     "households with an income reduction since February 2020"),
    ("transient_poor_rate_affected", "national", "NATIONAL", 0.127, "UNDP RIM2 (June 2021)",
     "income poverty (2016-2020 line) of the affected population, October 2020"),
    ("transient_poor_rate_affected_before", "national", "NATIONAL", 0.049, "UNDP RIM2 (June 2021)",
     "income poverty (2016-2020 line) of the same population, December 2019"),
)


def published_comparison(results, scenario: str | None = None) -> pd.DataFrame:
    """Simulated and published figures side by side, with the gap (simulated - published)."""
    rows = []
    for metric, grouping, group, published, source, meaning in PUBLISHED_2020:
        sel = results.select(metric, grouping, scenario or results.scenarios[0])
        hit = sel[sel["group"] == group]
        simulated = float(hit["mean"].iloc[0]) if len(hit) else float("nan")
        rows.append({"metric": metric, "group": group, "simulated": simulated, "published": published,
                     "gap": simulated - published, "source": source, "published_measures": meaning})
    return pd.DataFrame(rows)
