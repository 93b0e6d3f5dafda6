"""The outcomes of one month (METRICS.md section 6): value in production, stalled budget,
spend on stopped initiatives."""
from __future__ import annotations

import pandas as pd

from analytics.domain import Stage
from analytics.metrics.funnel import ratio
from analytics.metrics.types import Outcomes


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
