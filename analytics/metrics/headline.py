"""The headline figures of many populations at once (months for the trend, groups for a
breakdown), with the same definitions as the single-month report: counts and sums by groupby,
time to production by one Aalen-Johansen estimate per group."""
from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

from analytics.domain import ALL_STAGES, LADDER_RANK, Stage
from analytics.metrics.stalls import is_stalled
from analytics.metrics.survival import estimate, subjects_by_row

SUMS: tuple[str, ...] = (
    "population", "on_hold", *(str(s) for s in ALL_STAGES), "reached_pilot", "reached_scaling",
    "reached_production", "stalled", "stalled_budget", "expected_in_production",
    "realized_in_production", "spend_on_stopped",
)
HEADLINE_COLUMNS: tuple[str, ...] = (
    *SUMS[:-5], "pilot_to_scaling", "scaling_to_production", "pilot_to_production",
    "p_production_12m", "median_days_observed", "ttp_included", "ttp_left_out", *SUMS[-5:],
    "value_capture",
)


def _money(facts: pd.DataFrame, column: str, mask: pd.Series) -> pd.Series:
    return facts[column].astype("float64").fillna(0.0).where(mask, 0.0)


def _ratio(numerator: pd.Series, denominator: pd.Series) -> pd.Series:
    return (numerator / denominator.where(denominator != 0)).astype("float64")


def headline_table(facts: pd.DataFrame, key: pd.Series, stall_days: int,
                   groups: Sequence[object] | None = None) -> pd.DataFrame:
    """One row per value of `key` (aligned with `facts`; `groups` adds empty groups), columns
    HEADLINE_COLUMNS, as funnel_result / time_to_production / outcomes define them."""
    stage, highest = facts["stage"], facts["highest_rank"]
    stalled = is_stalled(facts, stall_days)
    sums = pd.DataFrame({
        "population": 1,
        "on_hold": facts["on_hold"].astype(bool).astype(int),
        **{str(s): (stage == str(s)).astype(int) for s in ALL_STAGES},
        **{f"reached_{s}": (highest >= LADDER_RANK[s]).astype(int)
           for s in (Stage.PILOT, Stage.SCALING, Stage.PRODUCTION)},
        "stalled": stalled.astype(int),
        "stalled_budget": _money(facts, "budget", stalled),
        "expected_in_production": _money(facts, "expected_value", stage == str(Stage.PRODUCTION)),
        "realized_in_production": _money(facts, "realized_value", stage == str(Stage.PRODUCTION)),
        "spend_on_stopped": _money(facts, "spend_to_date", stage == str(Stage.STOPPED)),
    }, index=facts.index).groupby(key.to_numpy(), sort=True).sum()
    if groups is not None:
        sums = sums.reindex(list(groups), fill_value=0)
    table = sums.assign(
        pilot_to_scaling=_ratio(sums["reached_scaling"], sums["reached_pilot"]),
        scaling_to_production=_ratio(sums["reached_production"], sums["reached_scaling"]),
        pilot_to_production=_ratio(sums["reached_production"], sums["reached_pilot"]),
        value_capture=_ratio(sums["realized_in_production"], sums["expected_in_production"]),
    )
    return table.join(_time_to_production(facts, key, table.index)).reindex(columns=list(HEADLINE_COLUMNS))


def _time_to_production(facts: pd.DataFrame, key: pd.Series, index: pd.Index) -> pd.DataFrame:
    table = subjects_by_row(facts)
    figures = {}
    for label, part in table.groupby(key.loc[table.index].to_numpy(), sort=True):
        _, p_year, median, included = estimate(part)
        figures[label] = (p_year, median, included, int(part["left_out_reason"].notna().sum()))
    frame = pd.DataFrame.from_dict(
        figures, orient="index",
        columns=["p_production_12m", "median_days_observed", "ttp_included", "ttp_left_out"],
    ).reindex(index)
    return frame.astype({"p_production_12m": "float64", "median_days_observed": "float64"}).fillna(
        {"ttp_included": 0, "ttp_left_out": 0}).astype({"ttp_included": np.int64, "ttp_left_out": np.int64})
