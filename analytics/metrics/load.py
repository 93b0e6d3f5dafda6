"""The thin loader between the store and the pure metric functions."""
from __future__ import annotations

from collections.abc import Iterable
from datetime import date
from pathlib import Path

import duckdb
import pandas as pd

from analytics import store
from analytics.domain import LADDER, LADDER_RANK, Stage
from analytics.metrics.history import month_start
from analytics.problems import SnapshotMissing


def describe_months(months: Iterable[date]) -> str:
    """'2024-01 to 2024-06, 2024-09' for the given months (consecutive months become a range)."""
    ordered = sorted({month_start(m) for m in months})
    if not ordered:
        return "none"
    runs: list[tuple[date, date]] = []
    for month in ordered:
        if runs and _next_month(runs[-1][1]) == month:
            runs[-1] = (runs[-1][0], month)
        else:
            runs.append((month, month))
    return ", ".join(f"{a:%Y-%m}" if a == b else f"{a:%Y-%m} to {b:%Y-%m}" for a, b in runs)


def _next_month(month: date) -> date:
    return date(month.year + month.month // 12, month.month % 12 + 1, 1)


def missing_month(month: date, months: Iterable[date]) -> SnapshotMissing:
    months = list(months)
    if not months:
        return SnapshotMissing(
            f"There is no snapshot for {month:%Y-%m}: no month has been imported yet. Import a "
            f"monthly export first (python -m analytics import, or the Data page)."
        )
    return SnapshotMissing(
        f"There is no snapshot for {month:%Y-%m}. Snapshots exist for {describe_months(months)}. "
        f"Choose one of those months, or import the {month:%Y-%m} export first."
    )


def require_database(path: Path, month: date) -> None:
    """Refuse a report on a database file that does not exist (a read-only open would create
    an empty one and then report that no month exists, hiding a wrong --db)."""
    if not path.exists():
        raise SnapshotMissing(
            f"{missing_month(month, [])} (The database {path} does not exist; pass --db PATH "
            f"if it lives elsewhere.)"
        )


def months_in(rows: pd.DataFrame) -> list[date]:
    """The snapshot months present in `rows`, ascending."""
    stamps = pd.to_datetime(rows["as_of"]).drop_duplicates().sort_values()
    return [date(s.year, s.month, 1) for s in stamps]


def report_months(con: duckdb.DuckDBPyConnection, as_of: date) -> tuple[date, date]:
    """`as_of`'s month and the month before it that has a snapshot (itself when none does);
    SnapshotMissing when `as_of`'s month has none."""
    month = month_start(as_of)
    months = [info.as_of for info in store.list_snapshots(con)]
    if month not in months:
        raise missing_month(month, months)
    return month, max((m for m in months if m < month), default=month)


def load_rows(con: duckdb.DuckDBPyConnection, as_of: date) -> pd.DataFrame:
    """Every row of every snapshot up to `as_of`'s month (the columns of store.read_rows),
    ordered by initiative then month; SnapshotMissing when that month has none."""
    month, _ = report_months(con, as_of)
    return store.read_rows(con, month, order="initiative")


#: The columns the history needs from months before the previous one (see load_report_rows).
HISTORY_COLUMNS: tuple[str, ...] = (
    "as_of", "initiative_id", "stage", "on_hold", "pilot_start", "production_date", "stage_entered",
)
#: Evidence (section 7) reads the cause-rule fields of each initiative's first row at pilot or
#: above: they are read for the first row whose stage cell is pilot or above, and for on-hold
#: rows (whose carried stage only the metrics resolve), not for every month.
FIRST_PILOT_COLUMNS: tuple[str, ...] = (
    "owner", "data_readiness", "solution_type", "integration_status", "success_metric",
)
PILOT_OR_ABOVE: tuple[str, ...] = tuple(str(s) for s in LADDER[LADDER_RANK[Stage.PILOT]:])


def load_report_rows(con: duckdb.DuckDBPyConnection, as_of: date) -> pd.DataFrame:
    """Rows for `compute_report(rows, as_of)` only, read faster than load_rows: M and the month
    before it in full; earlier months carry only HISTORY_COLUMNS (the others are missing), so
    do not pass these rows to trend() or to a report for another month. Not ordered: the
    metrics order positions themselves, which costs less than DuckDB sorting 600k text keys."""
    month, detail_from = report_months(con, as_of)
    return store.rows.read_rows_thinned(
        con, month, detail_from, keep=HISTORY_COLUMNS, keep_at_first=FIRST_PILOT_COLUMNS,
        first_stages=PILOT_OR_ABOVE,
    )


def load_report_parts(con: duckdb.DuckDBPyConnection, as_of: date) -> tuple[pd.DataFrame, pd.DataFrame]:
    """What `compute_report_parts(history, detail, as_of)` needs, read with the least work:
    `history` holds HISTORY_COLUMNS of every row up to `as_of`'s month, `detail` every column of
    the rows of that month and the month before it (SnapshotMissing when the month has none),
    plus each initiative's first row at pilot or above and its on-hold rows, whose rule fields
    evidence reads (see FIRST_PILOT_COLUMNS). Neither is ordered. Reading the other columns as
    blanks for every earlier row, as load_report_rows does, costs more than the facts
    themselves on a long history."""
    month, detail_from = report_months(con, as_of)
    return store.rows.read_rows_split(
        con, month, detail_from, history_columns=HISTORY_COLUMNS, first_stages=PILOT_OR_ABOVE,
    )
