"""Evidence (METRICS.md section 7): do the five causes hold back this portfolio's own pilots?

For each cause, the initiatives followed in time to production are split by whether the cause's
rule held on their first row at pilot or above, and each side gets its own Aalen-Johansen
estimate of reaching production within a year. The input is the time-to-production subjects
table (origin, outcome, days per initiative) plus each initiative's rule fields at that row.
"""
from __future__ import annotations

from datetime import date

import numpy as np
import pandas as pd

from analytics.metrics.history import Facts
from analytics.metrics.stalls import CAUSE_KEYS, rule_flags
from analytics.metrics.survival import OUTCOME_CODES, PRODUCTION, aalen_johansen
from analytics.metrics.types import (
    CLEAR,
    EVIDENCE_GROUPS,
    FLAGGED,
    MIN_COMPARABLE,
    YEAR_DAYS,
    Evidence,
)

EVIDENCE_COLUMNS: tuple[str, ...] = ("cause", "group", "n", "reached_production", "p_production_12m", "too_few")


def first_rows_at_pilot(found: Facts, month: date) -> pd.DataFrame:
    """Per initiative in `month`, its first row whose resolved stage is pilot or above (scaling,
    production); when no row is, its row of `month`. `found`: the facts of the rows up to
    `month`, keeping that month (the rows are `found.frame`'s, in its columns)."""
    chosen = found.first_pilot_at[found.month == np.datetime64(month, "M")]
    return found.frame.iloc[chosen].reset_index(drop=True)


def evidence(subjects: pd.DataFrame, first_rows: pd.DataFrame) -> Evidence:
    """Section 7 over the included time-to-production subjects; `first_rows` from
    `first_rows_at_pilot` (initiatives it lacks count as clear of every cause)."""
    included = subjects.loc[subjects["left_out_reason"].isna()]
    flags = rule_flags(first_rows).set_axis(first_rows["initiative_id"].to_numpy())
    flags = flags.loc[~flags.index.duplicated()].reindex(included["initiative_id"].to_numpy(), fill_value=False)
    days = included["days"].to_numpy(dtype=np.int64)
    codes = included["outcome"].map(OUTCOME_CODES).to_numpy(dtype=np.int64)
    records = []
    for cause in CAUSE_KEYS:
        flagged = flags[cause].to_numpy(dtype=bool)
        for side, members in zip(EVIDENCE_GROUPS, (flagged, ~flagged), strict=True):
            n = int(members.sum())
            curve = aalen_johansen(days[members], codes[members], horizon=YEAR_DAYS)
            records.append({
                "cause": cause,
                "group": side,
                "n": n,
                "reached_production": int((codes[members] == PRODUCTION).sum()),
                "p_production_12m": float(curve["cif"].iloc[YEAR_DAYS]),
                "too_few": n < MIN_COMPARABLE,
            })
    table = pd.DataFrame.from_records(records, columns=list(EVIDENCE_COLUMNS))
    return Evidence(table=table.astype({"n": "int64", "reached_production": "int64",
                                        "p_production_12m": "float64", "too_few": bool}))


def group(result: Evidence, cause: str, side: str) -> pd.Series:
    """One (cause, flagged/clear) row of the evidence table."""
    table = result.table
    return table.loc[(table["cause"] == cause) & (table["group"] == side)].iloc[0]


def ratio(result: Evidence, cause: str) -> float | None:
    """How many times as often the clear group reached production within a year as the
    flagged group; None when either group is too few, unestimated, or the flagged rate is 0."""
    flagged, clear = group(result, cause, FLAGGED), group(result, cause, CLEAR)
    if flagged["too_few"] or clear["too_few"]:
        return None
    low, high = flagged["p_production_12m"], clear["p_production_12m"]
    if pd.isna(low) or pd.isna(high) or low <= 0:
        return None
    return float(high / low)
