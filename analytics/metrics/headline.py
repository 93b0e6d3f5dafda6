"""The headline figures of many populations at once (months for the trend, groups for a
breakdown), with the same definitions as the single-month report: counts and sums by groupby,
time to production by one Aalen-Johansen estimate per group."""
from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

from analytics.domain import ALL_STAGES, LADDER_RANK, STALLABLE, Stage
from analytics.metrics.history import PILOT_RANK, PRODUCTION_RANK, STAGE_CODE, Facts
from analytics.metrics.outcomes import MONEY_FIGURES
from analytics.metrics.stalls import is_stalled
from analytics.metrics.survival import (
    CENSOR,
    PRODUCTION,
    STOPPED,
    aalen_johansen,
    estimate,
    subjects_by_row,
)
from analytics.metrics.types import YEAR_DAYS

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


_GIVEN, _COUNTED = "_given_", "_counted_"


def _unknown_money(sums: pd.DataFrame) -> pd.DataFrame:
    """The money sums NaN where outcomes() makes them None: initiatives to sum in the group,
    and no initiative of the whole frame (the month) giving the field at all; the helper
    counts dropped."""
    unknown = {figure: sums[figure].where(~((sums[_GIVEN + field].sum() == 0) & (sums[_COUNTED + figure] > 0)))
               for figure, field in MONEY_FIGURES.items()}
    helpers = [c for c in sums.columns if c.startswith((_GIVEN, _COUNTED))]
    return sums.drop(columns=helpers).assign(**unknown)


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
    counted = {"stalled_budget": stalled, "expected_in_production": stage == str(Stage.PRODUCTION),
               "realized_in_production": stage == str(Stage.PRODUCTION),
               "spend_on_stopped": stage == str(Stage.STOPPED)}
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
        **{_GIVEN + field: facts[field].notna().astype(int) for field in set(MONEY_FIGURES.values())},
        **{_COUNTED + figure: mask.astype(int) for figure, mask in counted.items()},
    }, index=facts.index).groupby(key.to_numpy(), sort=True).sum()
    if groups is not None:
        sums = sums.reindex(list(groups), fill_value=0)
    sums = _unknown_money(sums)
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


def monthly_headlines(found: Facts, scope: np.ndarray, stall_days: int) -> pd.DataFrame:
    """`headline_table` of every month at once, straight from the fact arrays (no frame per
    month, no groupby over wide frames): one row per month of `found` (index: the month, as
    datetime64), over the kept rows where `scope`. Sums are bincounts over the month index; time to
    production is one Aalen-Johansen estimate per month over that month's subjects."""
    months, month_index = _month_numbers(found.month)
    count = months.size
    g = month_index[scope]
    code, highest = found.code[scope], found.highest[scope]
    rows_in_scope = found.at[scope]

    def column(name: str, dtype: str) -> np.ndarray:
        # One column at a time: taking the whole frame would copy every text column too.
        return found.frame[name].astype(dtype).to_numpy()[rows_in_scope]

    def total(weights: np.ndarray | None = None) -> np.ndarray:
        return np.bincount(g, weights=weights, minlength=count)

    def how_many(mask: np.ndarray) -> np.ndarray:
        return np.bincount(g[mask], minlength=count).astype(np.int64)

    def money(name: str, mask: np.ndarray) -> np.ndarray:
        raw = column(name, "float64")
        sums = total(np.where(mask, np.nan_to_num(raw, nan=0.0), 0.0)).astype("float64")
        # Unknown, as outcomes() has it: rows to sum in scope, and none of the whole month's
        # rows (the export, whatever the filters) gives the field.
        every = found.frame[name].astype("float64").to_numpy()[found.at]
        given = np.bincount(month_index[~np.isnan(every)], minlength=count)
        unknown = (given == 0) & (how_many(mask) > 0)
        return np.where(unknown, np.nan, sums)

    on_hold = column("on_hold", "bool")
    stallable = np.isin(code, [STAGE_CODE[s] for s in STALLABLE])
    stalled = stallable & (on_hold | (found.days_in_stage[scope] > stall_days))
    columns: dict[str, np.ndarray] = {
        "population": total().astype(np.int64),
        "on_hold": how_many(on_hold),
        **{str(s): how_many(code == STAGE_CODE[s]) for s in ALL_STAGES},
        **{f"reached_{s}": how_many(highest >= LADDER_RANK[s]) for s in (Stage.PILOT, Stage.SCALING, Stage.PRODUCTION)},
        "stalled": how_many(stalled),
        "stalled_budget": money("budget", stalled),
        "expected_in_production": money("expected_value", code == STAGE_CODE[Stage.PRODUCTION]),
        "realized_in_production": money("realized_value", code == STAGE_CODE[Stage.PRODUCTION]),
        "spend_on_stopped": money("spend_to_date", code == STAGE_CODE[Stage.STOPPED]),
    }
    table = pd.DataFrame(columns, index=pd.Index(months.astype("datetime64[D]")))
    table = table.assign(
        pilot_to_scaling=_ratio(table["reached_scaling"], table["reached_pilot"]),
        scaling_to_production=_ratio(table["reached_production"], table["reached_scaling"]),
        pilot_to_production=_ratio(table["reached_production"], table["reached_pilot"]),
        value_capture=_ratio(table["realized_in_production"], table["expected_in_production"]),
        **_monthly_time_to_production(found, scope, month_index, count),
    )
    return table.reindex(columns=list(HEADLINE_COLUMNS))


def _monthly_time_to_production(found: Facts, scope: np.ndarray, month_index: np.ndarray,
                                count: int) -> dict[str, np.ndarray]:
    """Section 4 per month, as `subjects_by_row` and `estimate` define it, on arrays."""
    reached = scope & (found.highest >= PILOT_RANK)
    production = found.highest >= PRODUCTION_RANK
    stopped = ~production & ~np.isnat(found.stopped_at)
    end = np.where(production, found.production_at, np.where(stopped, found.stopped_at, found.as_of_date))
    days = (end - found.origin).astype("timedelta64[D]")
    known = ~np.isnat(days)
    included = reached & known & (days >= np.timedelta64(0, "D"))
    outcome = np.where(production, PRODUCTION, np.where(stopped, STOPPED, CENSOR))
    left_out = np.bincount(month_index[reached & ~included], minlength=count).astype(np.int64)
    p_year = np.full(count, np.nan)
    median = np.full(count, np.nan)
    # A stable sort of small integers is a radix sort in numpy: linear in the subjects.
    order = np.argsort(month_index[included].astype(np.int16), kind="stable")
    subject_month = month_index[included][order]
    subject_days = days[included][order].astype(np.int64)
    subject_outcome = outcome[included][order]
    bounds = np.searchsorted(subject_month, np.arange(count + 1))
    for month in np.flatnonzero(np.diff(bounds)):
        part = slice(bounds[month], bounds[month + 1])
        curve = aalen_johansen(subject_days[part], subject_outcome[part])
        p_year[month] = curve["cif"].iloc[YEAR_DAYS]
        produced = subject_days[part][subject_outcome[part] == PRODUCTION]
        if produced.size:
            median[month] = float(np.median(produced))
    return {
        "p_production_12m": p_year,
        "median_days_observed": median,
        "ttp_included": np.diff(bounds).astype(np.int64),
        "ttp_left_out": left_out,
    }


def _month_numbers(month: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The distinct months (datetime64[M], ascending) and each row's index among them, by a
    lookup table over month numbers (no sort of every row)."""
    if month.size == 0:
        return month[:0], np.zeros(0, dtype=np.int64)
    number = month.astype("datetime64[M]").astype(np.int64)
    low = int(number.min())
    present = np.zeros(int(number.max()) - low + 1, dtype=bool)
    present[number - low] = True
    index = (np.cumsum(present) - 1)[number - low]
    return (np.flatnonzero(present) + low).astype("datetime64[M]"), index
