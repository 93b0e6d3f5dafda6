"""Time to production (METRICS.md section 4): Aalen-Johansen cumulative incidence of production
with stopped as the competing risk, and the pilot-start cohorts of section 3.
"""
from __future__ import annotations

from types import MappingProxyType

import numpy as np
import pandas as pd

from analytics.domain import Stage
from analytics.metrics.history import PILOT_RANK, PRODUCTION_RANK
from analytics.metrics.types import (
    CENSORED,
    CURVE_DAYS,
    EVENT_BEFORE_ORIGIN,
    FROM_AS_OF,
    LEFT_OUT_REASONS,
    ORIGIN_AFTER_AS_OF,
    UNKNOWN_ORIGIN,
    YEAR_DAYS,
    TimeToProduction,
)

CENSOR, PRODUCTION, STOPPED = 0, 1, 2
_OUTCOME_CODE: dict[str, int] = {CENSORED: CENSOR, str(Stage.PRODUCTION): PRODUCTION, str(Stage.STOPPED): STOPPED}
#: A subjects table's `outcome` -> the code `aalen_johansen` takes.
OUTCOME_CODES = _OUTCOME_CODE

SUBJECT_COLUMNS: tuple[str, ...] = (
    "initiative_id", "name", "business_unit", "stage", "cohort", "origin", "origin_source",
    "outcome", "end_date", "end_source", "days", "left_out_reason",
)


def quarter_label(dates: pd.Series) -> pd.Series:
    """"2024 Q3" for each date (missing stays missing)."""
    stamps = pd.to_datetime(dates)
    label = stamps.dt.year.astype("Int64").astype("str") + " Q" + stamps.dt.quarter.astype("Int64").astype("str")
    return label.astype("str")


def subjects(population: pd.DataFrame) -> pd.DataFrame:
    """One row per population initiative that reached pilot: origin, outcome, end date and
    days, and why it is left out (None when included); by initiative_id."""
    table = subjects_by_row(population)
    return table.reindex(columns=list(SUBJECT_COLUMNS)).sort_values("initiative_id").reset_index(drop=True)


def subjects_by_row(population: pd.DataFrame) -> pd.DataFrame:
    """`subjects` keeping the index of `population` (rows of several months may be mixed)."""
    reached = population.loc[population["highest_rank"] >= PILOT_RANK]
    production = (reached["highest_rank"] >= PRODUCTION_RANK).to_numpy()
    stopped = (~production) & reached["stopped_at"].notna().to_numpy()
    outcome = np.where(production, str(Stage.PRODUCTION), np.where(stopped, str(Stage.STOPPED), CENSORED))
    end_date = np.where(production, reached["production_at"],
                        np.where(stopped, reached["stopped_at"], reached["as_of_date"]))
    end_source = np.where(
        production, reached["production_source"], np.where(stopped, reached["stopped_source"], FROM_AS_OF)
    )
    end = pd.to_datetime(pd.Series(end_date, index=reached.index))
    origin = pd.to_datetime(reached["origin"])
    days = (end - origin).dt.days.astype("Int64")
    reason = np.select(
        [origin.isna().to_numpy(), (days < 0).fillna(False).to_numpy() & (outcome != CENSORED),
         (days < 0).fillna(False).to_numpy()],
        [UNKNOWN_ORIGIN, EVENT_BEFORE_ORIGIN, ORIGIN_AFTER_AS_OF],
        default=np.array(None, dtype=object),
    )
    frame = reached.assign(
        cohort=quarter_label(origin),
        origin=origin,
        outcome=pd.array(outcome, dtype="str"),
        end_date=end,
        end_source=pd.array(end_source, dtype="str"),
        days=days,
        left_out_reason=pd.array(reason, dtype="str"),
    )
    return frame


def aalen_johansen(days: np.ndarray, outcome: np.ndarray, horizon: int = CURVE_DAYS) -> pd.DataFrame:
    """Cumulative incidence of production (outcome 1) and stopped (2) for each day 0..horizon.

    Whole days; events on the same day are taken together; a censoring (0) on a day still
    counts as at risk that day. `at_risk` on day d = subjects with time >= d. Past the last
    observed time the curves are NaN unless every subject had an event (nothing left to estimate).
    """
    days = np.asarray(days, dtype=np.int64)
    outcome = np.asarray(outcome, dtype=np.int64)
    span = max(horizon, int(days.max()) if days.size else 0) + 1
    ended = np.bincount(days, minlength=span)[:span]
    produced = np.bincount(days[outcome == PRODUCTION], minlength=span)[:span]
    stopped = np.bincount(days[outcome == STOPPED], minlength=span)[:span]
    at_risk = ended[::-1].cumsum()[::-1]
    safe = np.maximum(at_risk, 1)
    hazard = np.where(at_risk > 0, (produced + stopped) / safe, 0.0)
    survival = np.cumprod(1.0 - hazard)
    before = np.concatenate(([1.0], survival[:-1]))
    cif = np.cumsum(before * np.where(at_risk > 0, produced / safe, 0.0))
    cif_stopped = np.cumsum(before * np.where(at_risk > 0, stopped / safe, 0.0))
    estimable = np.ones(span, dtype=bool)
    if days.size == 0:
        estimable[:] = False
    elif survival[days.max()] > 0:
        estimable[days.max() + 1:] = False
    window = slice(0, horizon + 1)
    return pd.DataFrame({
        "day": np.arange(horizon + 1, dtype=np.int64),
        "cif": np.where(estimable, cif, np.nan)[window],
        "cif_stopped": np.where(estimable, cif_stopped, np.nan)[window],
        "at_risk": at_risk[window].astype(np.int64),
    })


def estimate(table: pd.DataFrame) -> tuple[pd.DataFrame, float | None, float | None, int]:
    """From a subjects table: the curve, p_production_12m, median_days_observed, included count."""
    included = table.loc[table["left_out_reason"].isna()]
    days = included["days"].to_numpy(dtype=np.int64)
    codes = included["outcome"].map(_OUTCOME_CODE).to_numpy(dtype=np.int64)
    curve = aalen_johansen(days, codes)
    at_year = curve["cif"].iloc[YEAR_DAYS]
    produced_days = days[codes == PRODUCTION]
    return (
        curve,
        None if np.isnan(at_year) else float(at_year),
        float(np.median(produced_days)) if produced_days.size else None,
        len(included),
    )


def time_to_production(population: pd.DataFrame) -> TimeToProduction:
    """Section 4 over the population initiatives that reached pilot."""
    table = subjects(population)
    curve, p_year, median, included = estimate(table)
    counts = table["left_out_reason"].value_counts()
    return TimeToProduction(
        curve=curve,
        subjects=table,
        p_production_12m=p_year,
        median_days_observed=median,
        included=included,
        left_out=int(table["left_out_reason"].notna().sum()),
        left_out_by_reason=MappingProxyType({r: int(counts.get(r, 0)) for r in LEFT_OUT_REASONS}),
    )


COHORT_COLUMNS: tuple[str, ...] = (
    "cohort", "quarter_start", "quarter_end", "pilots", "reached_production_12m", "conversion_12m",
    "reached_production", "stopped", "age_days", "mature",
)


def cohorts(table: pd.DataFrame, as_of_date: pd.Timestamp) -> pd.DataFrame:
    """Section 3 cohorts by pilot-start quarter, over the time-to-production subjects included.

    A cohort's age runs from its quarter's LAST day, so a mature cohort is one whose every
    member has had a full 365 days to reach production; an immature one shows no rate.
    """
    included = table.loc[table["left_out_reason"].isna()]
    if included.empty:
        return pd.DataFrame({c: pd.Series(dtype=object) for c in COHORT_COLUMNS})
    quarter = pd.to_datetime(included["origin"]).dt.to_period("Q")
    produced = included["outcome"] == str(Stage.PRODUCTION)
    grouped = pd.DataFrame({
        "quarter": quarter,
        "pilots": 1,
        "reached_production_12m": (produced & (included["days"] <= YEAR_DAYS)).astype(int),
        "reached_production": produced.astype(int),
        "stopped": (included["outcome"] == str(Stage.STOPPED)).astype(int),
    }).groupby("quarter").sum().sort_index()
    quarter_start = grouped.index.to_timestamp(how="start").normalize()
    quarter_end = grouped.index.to_timestamp(how="end").normalize()
    age = (pd.Timestamp(as_of_date) - quarter_end).days
    mature = age >= YEAR_DAYS
    conversion = np.where(mature, grouped["reached_production_12m"] / grouped["pilots"], np.nan)
    return pd.DataFrame({
        "cohort": [f"{p.year} Q{p.quarter}" for p in grouped.index],
        "quarter_start": quarter_start,
        "quarter_end": quarter_end,
        "pilots": grouped["pilots"].to_numpy(dtype=np.int64),
        "reached_production_12m": grouped["reached_production_12m"].to_numpy(dtype=np.int64),
        "conversion_12m": conversion.astype(float),
        "reached_production": grouped["reached_production"].to_numpy(dtype=np.int64),
        "stopped": grouped["stopped"].to_numpy(dtype=np.int64),
        "age_days": np.asarray(age, dtype=np.int64),
        "mature": np.asarray(mature, dtype=bool),
    })
