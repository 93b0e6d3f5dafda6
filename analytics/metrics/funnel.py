"""The funnel and conversions (METRICS.md section 3) and outcomes (section 6) of one month."""
from __future__ import annotations

from types import MappingProxyType

import pandas as pd

from analytics.domain import ALL_STAGES, LADDER_RANK, Stage
from analytics.metrics.types import FunnelResult, Outcomes


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


def _money(population: pd.DataFrame, column: str, mask: pd.Series) -> float:
    return float(population.loc[mask, column].astype("float64").fillna(0.0).sum())


def outcomes(population: pd.DataFrame, stalled: pd.Series) -> Outcomes:
    """Section 6; `stalled` marks the stalled rows of `population`. Missing money counts 0."""
    live = population["stage"] == str(Stage.PRODUCTION)
    expected = _money(population, "expected_value", live)
    realized = _money(population, "realized_value", live)
    return Outcomes(
        expected_in_production=expected,
        realized_in_production=realized,
        value_capture=ratio(realized, expected),
        stalled_budget=_money(population, "budget", stalled),
        spend_on_stopped=_money(population, "spend_to_date", population["stage"] == str(Stage.STOPPED)),
    )
