"""Decisions (METRICS.md section 10): the stalled initiatives the board is asked to unblock or
stop, largest budget first, each cause with its remedy and the budget a stop would release."""
from __future__ import annotations

import numpy as np
import pandas as pd

from analytics.domain import CAUSE_LABELS, CAUSE_REMEDIES
from analytics.formatting import DEFAULT_CURRENCY, money
from analytics.metrics.outcomes import absent_money
from analytics.metrics.types import Decisions, StallResult

DECISION_COLUMNS: tuple[str, ...] = (
    "initiative_id", "name", "business_unit", "stage", "owner", "on_hold", "days_in_stage",
    "budget", "spend_to_date", "budget_remaining", "causes", "remedies", "cause_source", "evidence",
)


def budget_remaining(budget: pd.Series, spend: pd.Series) -> pd.Series:
    """max(budget - spend_to_date, 0); unknown (NaN) without a budget, and a missing spend
    counts as nothing spent (the whole budget would be released)."""
    budget = budget.astype("float64")
    return (budget - spend.astype("float64").fillna(0.0)).clip(lower=0.0).where(budget.notna())


def decisions(stalls: StallResult, population: pd.DataFrame,
              export: pd.DataFrame | None = None) -> Decisions:
    """Section 10 from the stall result of M and M's population (for spend to date); `export`
    is the whole month the population was filtered from (default: the population).

    When no initiative of the export gives a spend to date (no such column), what a stop
    would release is unknown, not the whole budget: `budget_remaining` is NaN for each and
    None in all (outcomes.not_captured has the same rule)."""
    stalled = stalls.stalled
    spend_given = "spend_to_date" not in absent_money(population if export is None else export)
    spend = population.drop_duplicates("initiative_id").set_index("initiative_id")["spend_to_date"]
    spend = stalled["initiative_id"].map(spend).astype("float64")
    remaining = budget_remaining(stalled["budget"], spend)
    if not spend_given:
        remaining = pd.Series(np.nan, index=remaining.index)
    table = stalled.assign(
        spend_to_date=spend.to_numpy(),
        budget_remaining=remaining.to_numpy(),
        remedies=pd.Series([tuple(CAUSE_REMEDIES[c] for c in causes) for causes in stalled["causes"]],
                           index=stalled.index, dtype=object),
    ).reindex(columns=list(DECISION_COLUMNS))
    table = table.sort_values(["budget", "initiative_id"], ascending=[False, True], na_position="last")
    table = table.reset_index(drop=True)
    return Decisions(
        count=len(table),
        budget_remaining=(float(np.nansum(table["budget_remaining"].to_numpy(dtype=float)))
                          if spend_given or table.empty else None),
        table=table,
        spend_given=spend_given,
    )


#: Where a stalled initiative has no cause flagged, the board still needs a way to unblock it.
NO_CAUSE_REMEDY = "Find out what holds it up"
NO_CAUSE = "None flagged"
#: What the board reads first comes first: who, how much, why, what to do; then the detail.
BOARD_COLUMNS: tuple[str, ...] = (
    "initiative_id", "name", "budget", "budget_remaining", "causes", "remedies", "decision",
    "business_unit", "owner", "stage", "days_in_stage",
)


def report_currency(report: object) -> str:
    """The snapshot's currency (METRICS.md section 1) where the report carries one, else the
    default; every money text of the decisions reads it here."""
    return str(getattr(report, "currency", None) or DEFAULT_CURRENCY)


def choice(remedies: tuple[str, ...], remaining: float, currency: str,
           spend_given: bool = True) -> str:
    """The choice put to the board for one initiative, in words."""
    unblock = "; ".join(r[:1].lower() + r[1:] for r in remedies) or NO_CAUSE_REMEDY.lower()
    if not spend_given:
        release = "Or stop (spend to date is not in the export, so what it releases is not known)."
    elif np.isnan(remaining):
        release = "Or stop (no budget given)."
    elif remaining <= 0:
        release = "Or stop (its budget is already spent)."
    else:
        release = f"Or stop, releasing {money(remaining, currency)} not yet spent."
    return f"Unblock: {unblock}. {release}"


def board_table(result: Decisions, currency: str) -> pd.DataFrame:
    """The decisions as the board reads and downloads them: causes and remedies as words, one
    sentence with the choice. Money stays numeric (exports sum it)."""
    table = result.table
    return table.assign(
        causes=[", ".join(CAUSE_LABELS[c] for c in causes) or NO_CAUSE for causes in table["causes"]],
        remedies=["; ".join(r) or NO_CAUSE_REMEDY for r in table["remedies"]],
        decision=[choice(r, float(left), currency, result.spend_given)
                  for r, left in zip(table["remedies"], table["budget_remaining"], strict=True)],
    ).reindex(columns=list(BOARD_COLUMNS))
