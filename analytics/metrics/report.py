"""The report for one as-of month, the trend across months, breakdowns, and one initiative's
history: the functions the dashboard and the CLI call."""
from __future__ import annotations

from dataclasses import replace
from datetime import date

import numpy as np
import pandas as pd

from analytics.domain import FIELD_BY_NAME
from analytics.formatting import DEFAULT_CURRENCY
from analytics.metrics.changes import changes
from analytics.metrics.decisions import decisions
from analytics.metrics.evidence import evidence, first_rows_at_pilot
from analytics.metrics.forecast import forecast
from analytics.metrics.funnel import funnel_result
from analytics.metrics.headline import headline_table, monthly_headlines
from analytics.metrics.history import (
    Facts,
    as_months,
    facts,
    facts_frame,
    month_end,
    month_start,
    prepare,
    snapshot_months,
)
from analytics.metrics.load import FIRST_PILOT_COLUMNS, missing_month, months_in
from analytics.metrics.outcomes import money_gap_warnings, outcomes
from analytics.metrics.readiness import readiness
from analytics.metrics.stalls import (
    ALL_CAUSE_KEYS,
    CAUSE_KEYS,
    assess,
    early_warning,
    is_stalled,
    stall_result,
    text,
    unreadable_cause_warnings,
    verdict_warnings,
)
from analytics.metrics.survival import cohorts, time_to_production
from analytics.metrics.types import (
    EVENT_BEFORE_ORIGIN,
    NOT_SET,
    ORIGIN_AFTER_AS_OF,
    UNKNOWN_ORIGIN,
    Changes,
    Report,
    TimeToProduction,
)
from analytics.problems import Problem, Severity
from analytics.scope import DEFAULT_STALL_DAYS, ReportScope

SCOPE_COLUMNS: tuple[str, ...] = ("business_unit", "solution_type")
LEFT_OUT = "ttp_left_out"
_LISTED_IDS = 10

POPULATION_COLUMNS: tuple[str, ...] = (
    "initiative_id", "name", "business_unit", "solution_type", "owner", "stage", "on_hold",
    "highest_stage", "budget", "spend_to_date", "expected_value", "realized_value",
    "days_in_stage", "stage_since", "stage_since_source", "stalled",
)


def in_scope(frame: pd.DataFrame, business_unit: str | None = None,
             solution_type: str | None = None) -> pd.Series:
    """Rows whose business unit / solution type match (None: any; NOT_SET: the value is missing)."""
    keep = pd.Series(True, index=frame.index)
    for column, wanted in zip(SCOPE_COLUMNS, (business_unit, solution_type), strict=True):
        if wanted is None:
            continue
        values = text(frame[column])
        keep &= values.isna() if wanted == NOT_SET else (values == wanted).fillna(False).astype(bool)
    return keep


def _check_stall_days(stall_days: int) -> None:
    if stall_days < 1:
        raise ValueError(f"stall_days must be a positive number of days, got {stall_days}")


def _month_rows(rows: pd.DataFrame, month: date) -> pd.DataFrame:
    """Rows up to `month`; SnapshotMissing (naming the months that exist) when `month` has none."""
    stamps = as_months(rows["as_of"])
    wanted = np.datetime64(month, "M")
    if not (stamps == wanted).any():
        raise missing_month(month, months_in(rows))
    later = stamps > wanted
    return rows.loc[~later] if later.any() else rows


def _previous_month(rows: pd.DataFrame, month: date) -> date | None:
    stamps = as_months(rows["as_of"])
    earlier = stamps[stamps < np.datetime64(month, "M")]
    return None if earlier.size == 0 else month_start(pd.Timestamp(earlier.max()))


def _scope(rows: pd.DataFrame, as_of: date, stall_days: int) -> tuple[date, pd.DataFrame, list[date]]:
    """M, the rows up to M, and the months whose facts a report keeps (M and the one before)."""
    _check_stall_days(stall_days)
    month = month_start(as_of)
    history = _month_rows(rows, month)
    previous = _previous_month(history, month)
    return month, history, [month] if previous is None else [previous, month]


def compute_report(
    rows: pd.DataFrame,
    as_of: date,
    *,
    stall_days: int = DEFAULT_STALL_DAYS,
    business_unit: str | None = None,
    solution_type: str | None = None,
    currency: str = DEFAULT_CURRENCY,
) -> Report:
    """Everything for as-of month M: only snapshots up to M count (later rows are ignored).

    `currency` is M's snapshot currency (store.snapshot_currency); money figures carry it.
    """
    month, history, keep = _scope(rows, as_of, stall_days)
    found = facts(history, keep=keep)
    scope = ReportScope(month, business_unit=business_unit, solution_type=solution_type,
                        stall_days=stall_days)
    return replace(_report(facts_frame(found), month, scope, first_rows_at_pilot(found, month)),
                   currency=currency)


def compute_report_parts(history: pd.DataFrame, detail: pd.DataFrame, scope: ReportScope,
                         currency: str = DEFAULT_CURRENCY) -> Report:
    """compute_report for the scope, from `load_report_parts`: the history columns of every row
    up to M, and the full rows of M and the month before (the same Report, read with less work)."""
    month, history, keep = _scope(history, scope.as_of, scope.stall_days)
    found = facts(history, keep=keep)
    # Evidence reads the rule fields of each initiative's first row at pilot or above, which
    # `detail` carries beside the rows of M and the month before (load_report_parts).
    firsts = first_rows_at_pilot(found, month).merge(
        detail[["initiative_id", "as_of", *FIRST_PILOT_COLUMNS]].drop_duplicates(
            ["initiative_id", "as_of"]),
        on=["initiative_id", "as_of"], how="left")
    return replace(_report(facts_frame(found, detail), month, scope, firsts), currency=currency)


def compute_report_prepared(found: Facts, first_rows: pd.DataFrame, scope: ReportScope,
                            currency: str = DEFAULT_CURRENCY) -> Report:
    """compute_report from facts already computed for the scope's month M and the snapshot
    month before it (stored.report_from_store), with the rule fields of each of M's
    initiatives' first row at pilot or above (FIRST_PILOT_COLUMNS): the same Report, without
    reading the history."""
    _check_stall_days(scope.stall_days)
    month = month_start(scope.as_of)
    return replace(_report(facts_frame(found), month, scope, first_rows), currency=currency)


def _report(facts: pd.DataFrame, month: date, scope: ReportScope, first_rows: pd.DataFrame) -> Report:
    stall_days, business_unit, solution_type = scope.stall_days, scope.business_unit, scope.solution_type
    everyone = facts.loc[facts["as_of"] == pd.Timestamp(month)]
    population = everyone.loc[in_scope(everyone, business_unit, solution_type)]
    as_of_date = month_end(month)
    ttp = time_to_production(population)
    stalled = is_stalled(population, stall_days)
    label = f"{month:%Y-%m}"
    assessment = assess(population, stall_days)
    stall = stall_result(population, stall_days, assessment)
    outcome = outcomes(population, stalled, export=everyone)
    return Report(
        as_of=month,
        as_of_date=as_of_date,
        stall_days=stall_days,
        business_unit=business_unit,
        solution_type=solution_type,
        funnel=funnel_result(population),
        cohorts=cohorts(ttp.subjects, pd.Timestamp(as_of_date)),
        time_to_production=ttp,
        stalls=stall,
        early_warning=early_warning(population, stall_days, assessment),
        changes=_changes(facts, everyone, month, stall_days, business_unit, solution_type),
        outcomes=outcome,
        population=population.assign(stalled=stalled)
        .reindex(columns=list(POPULATION_COLUMNS)).reset_index(drop=True),
        warnings=(verdict_warnings(population, label, assessment) + _left_out_warnings(ttp, label)
                  + unreadable_cause_warnings(population, label)
                  + money_gap_warnings(outcome, label)),
        evidence=evidence(ttp.subjects, first_rows),
        forecast=forecast(ttp.subjects),
        readiness=readiness(population),
        decisions=decisions(stall, population, export=everyone),
    )


def _changes(facts: pd.DataFrame, everyone: pd.DataFrame, month: date, stall_days: int,
             business_unit: str | None, solution_type: str | None) -> Changes:
    earlier = facts.loc[facts["as_of"] < pd.Timestamp(month), "as_of"]
    if earlier.empty:
        return changes(everyone, None, None, stall_days)
    previous_month = earlier.max()
    previous = facts.loc[facts["as_of"] == previous_month]
    found = changes(everyone, previous, month_start(previous_month), stall_days)
    if business_unit is None and solution_type is None:
        return found

    def scoped(frame: pd.DataFrame) -> pd.DataFrame:
        return frame.loc[in_scope(frame, business_unit, solution_type)].reset_index(drop=True)

    return Changes(
        previous_as_of=found.previous_as_of,
        moved_up=scoped(found.moved_up),
        newly_stalled=scoped(found.newly_stalled),
        stopped=scoped(found.stopped),
        new=scoped(found.new),
        vanished=scoped(found.vanished),
    )


_REASON_WORDS: dict[str, str] = {
    UNKNOWN_ORIGIN: "no known pilot start",
    EVENT_BEFORE_ORIGIN: "production or stop dated before the pilot start",
    ORIGIN_AFTER_AS_OF: "a pilot start after the as-of date",
}


def _left_out_warnings(ttp: TimeToProduction, label: str) -> tuple[Problem, ...]:
    if ttp.left_out == 0:
        return ()
    parts = []
    for reason, words in _REASON_WORDS.items():
        ids = ttp.subjects.loc[ttp.subjects["left_out_reason"] == reason, "initiative_id"].tolist()
        if ids:
            more = f" and {len(ids) - _LISTED_IDS} more" if len(ids) > _LISTED_IDS else ""
            shown = ", ".join(ids[:_LISTED_IDS]) + more
            parts.append(f"{len(ids)} with {words} ({shown})")
    return (Problem(
        severity=Severity.WARNING,
        code=LEFT_OUT,
        message=(
            f"{label}: {ttp.left_out} initiative(s) left out of time to production: "
            f"{'; '.join(parts)}. Fill in or correct their "
            f"'{FIELD_BY_NAME['pilot_start'].label}' / '{FIELD_BY_NAME['production_date'].label}' "
            f"dates to include them."
        ),
        column=FIELD_BY_NAME["pilot_start"].label,
    ),)


def headline(population: pd.DataFrame, stall_days: int) -> dict[str, object]:
    """The headline figures of one population (one month, or one group of it), flat; ratios
    None when undefined."""
    row = headline_table(population, pd.Series(0, index=population.index), stall_days, groups=[0]).iloc[0]
    return {name: (None if pd.isna(value) else value.item() if hasattr(value, "item") else value)
            for name, value in row.items()}


def trend(
    rows: pd.DataFrame,
    *,
    stall_days: int = DEFAULT_STALL_DAYS,
    up_to: date | None = None,
    business_unit: str | None = None,
    solution_type: str | None = None,
) -> pd.DataFrame:
    """Each headline figure for every snapshot month (up to `up_to` when given), one row a month,
    as the report for that month would show it (ratios NaN when undefined)."""
    _check_stall_days(stall_days)
    history = rows if up_to is None else _month_rows(rows, month_start(up_to))
    found = facts(history)
    if business_unit is None and solution_type is None:
        scope = np.ones(found.at.size, dtype=bool)
    else:
        kept = found.frame[list(SCOPE_COLUMNS)].iloc[found.at].reset_index(drop=True)
        scope = in_scope(kept, business_unit, solution_type).to_numpy(dtype=bool)
    table = monthly_headlines(found, scope, stall_days)
    return table.rename_axis("as_of").reset_index().assign(as_of=lambda f: pd.to_datetime(f["as_of"]))


def breakdown(
    rows: pd.DataFrame,
    as_of: date,
    by: str,
    *,
    stall_days: int = DEFAULT_STALL_DAYS,
) -> pd.DataFrame:
    """Headline figures plus stalls by cause (flagged, weighted and budget-weighted) per business
    unit or solution type (M's row value; NOT_SET for missing), one row per group, largest first."""
    if by not in SCOPE_COLUMNS:
        raise ValueError(f"breakdown by {by!r}: choose one of {', '.join(SCOPE_COLUMNS)}")
    _check_stall_days(stall_days)
    month = month_start(as_of)
    population = prepare(_month_rows(rows, month), keep=[month])
    groups = text(population[by]).fillna(NOT_SET)
    table = headline_table(population, groups, stall_days)
    attribution = stall_result(population, stall_days).attribution
    attributed_group = attribution["initiative_id"].map(
        pd.Series(groups.to_numpy(), index=population["initiative_id"].to_numpy()))
    per_cause = attribution.assign(group=attributed_group.to_numpy(), flagged=1).pivot_table(
        index="group", columns="cause", values=["weight", "budget_weight", "flagged"], aggfunc="sum", fill_value=0)
    for key in ALL_CAUSE_KEYS:
        for figure, prefix in (("weight", "weighted"), ("budget_weight", "budget_weighted"), ("flagged", "flagged")):
            if prefix == "flagged" and key not in CAUSE_KEYS:
                continue
            column = (figure, key)
            values = per_cause[column] if column in per_cause.columns else pd.Series(dtype="float64")
            table[f"{prefix}_{key}"] = values.reindex(table.index, fill_value=0).to_numpy()
    table = table.rename_axis(by).reset_index()
    return table.sort_values(["population", by], ascending=[False, True]).reset_index(drop=True)


HISTORY_COLUMNS: tuple[str, ...] = (
    "as_of", "as_of_date", "initiative_id", "name", "business_unit", "owner", "stage", "stage_raw",
    "on_hold", "highest_stage", "days_in_stage", "stage_since", "stage_since_source", "stalled",
)


def initiative_history(
    rows: pd.DataFrame,
    initiative_id: str,
    *,
    stall_days: int = DEFAULT_STALL_DAYS,
) -> pd.DataFrame:
    """One initiative's snapshots, oldest first: stage as resolved (on-hold months carry it),
    the raw stage cell, on-hold flag, owner, highest stage reached, time in stage, stalled.
    Empty when the initiative appears in no snapshot."""
    _check_stall_days(stall_days)
    mine = rows.loc[rows["initiative_id"] == initiative_id]
    facts = prepare(mine, months=snapshot_months(rows) if len(rows) else None)
    return facts.assign(stalled=is_stalled(facts, stall_days)).reindex(columns=list(HISTORY_COLUMNS))


def available_months(rows: pd.DataFrame) -> list[date]:
    """Snapshot months present in `rows`, ascending (first day of each month)."""
    return months_in(rows)


__all__ = [
    "DEFAULT_STALL_DAYS", "available_months", "breakdown", "compute_report", "compute_report_parts", "headline",
    "in_scope", "initiative_history", "trend",
]
