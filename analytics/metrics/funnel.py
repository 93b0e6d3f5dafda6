"""The funnel and conversions of one month (METRICS.md section 3); outcomes are in outcomes.py."""
from __future__ import annotations

from types import MappingProxyType

import pandas as pd

from analytics.domain import ALL_STAGES, LADDER_RANK, Stage
from analytics.metrics.types import FunnelResult


def ratio(numerator: float, denominator: float) -> float | None:
    """numerator / denominator, None when the denominator is 0."""
    return None if denominator == 0 else float(numerator) / float(denominator)


def reached(population: pd.DataFrame, stage: Stage) -> int:
    """Initiatives whose highest stage reached is at least `stage`."""
    return int((population["highest_rank"] >= LADDER_RANK[stage]).sum())


def funnel_result(population: pd.DataFrame) -> FunnelResult:
    counts = population["stage"].value_counts()
    pilot = reached(population, Stage.PILOT)
    scaling = reached(population, Stage.SCALING)
    production = reached(population, Stage.PRODUCTION)
    return FunnelResult(
        population=len(population),
        on_hold=int(population["on_hold"].astype(bool).sum()),
        stage_counts=MappingProxyType({s: int(counts.get(str(s), 0)) for s in ALL_STAGES}),
        reached_pilot=pilot,
        reached_scaling=scaling,
        reached_production=production,
        pilot_to_scaling=ratio(scaling, pilot),
        scaling_to_production=ratio(production, scaling),
        pilot_to_production=ratio(production, pilot),
    )
