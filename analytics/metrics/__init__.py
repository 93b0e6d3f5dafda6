"""Portfolio metrics (METRICS.md sections 3-6): pure functions over the stored monthly rows.

Stable API (the dashboard and the CLI use only these names):

    rows = load_rows(con, as_of)                      # store rows up to M; SnapshotMissing if M absent
    rows = load_report_rows(con, as_of)               # faster, for compute_report(rows, as_of) only
    compute_report(rows, as_of, *, stall_days=180, business_unit=None, solution_type=None) -> Report
    stored.report_from_store(con, scope) -> Report    # the same, from the facts every write
                                                      # stores (`report --json`; rows when stale)
    trend(rows, *, stall_days=180, up_to=None, business_unit=None, solution_type=None) -> DataFrame
    breakdown(rows, as_of, by="business_unit" | "solution_type", *, stall_days=180) -> DataFrame
    initiative_history(rows, initiative_id, *, stall_days=180) -> DataFrame
    available_months(rows) -> list[date]
    report_json(report) -> dict                       # the `report --json` object
    REFERENCE_FIGURES, REFERENCE_CAVEAT               # industry survey figures, context only

`rows` is `store.read_rows(con, up_to)` (columns ROW_COLUMNS, any order); `as_of` is any date
in month M (or "YYYY-MM"). Only snapshots up to M count, so a report for M never changes when
later months are imported. Filters select the population by the initiative's value in M's row;
pass NOT_SET to select initiatives with no value. Result types are in `analytics.metrics.types`;
every frame that lists initiatives has initiative_id, name, business_unit and stage.

Definitions and the choices made where METRICS.md is silent: docs/metrics.md.
"""
from __future__ import annotations

from analytics.metrics.load import load_report_rows, load_rows
from analytics.metrics.reference import REFERENCE_CAVEAT, REFERENCE_FIGURES
from analytics.metrics.report import (
    DEFAULT_STALL_DAYS,
    available_months,
    breakdown,
    compute_report,
    initiative_history,
    trend,
)
from analytics.metrics.report_json import report_json
from analytics.metrics.types import (
    NOT_SET,
    Changes,
    FunnelResult,
    Outcomes,
    ReferenceFigure,
    Report,
    StallResult,
    TimeToProduction,
)

__all__ = [
    "DEFAULT_STALL_DAYS", "NOT_SET", "REFERENCE_CAVEAT", "REFERENCE_FIGURES", "Changes",
    "FunnelResult", "Outcomes", "ReferenceFigure", "Report", "StallResult", "TimeToProduction",
    "available_months", "breakdown", "compute_report", "initiative_history", "load_report_rows", "load_rows",
    "report_json", "trend",
]
