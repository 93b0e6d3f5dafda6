"""Snapshots: one as-of month each, written and deleted whole.

A snapshot is its canonical rows (table `initiative_rows`), its problems, the workbook it came
from (kept byte for byte, so any month can be re-derived) and an audit row. Writing one is one
transaction: it lands whole or changes nothing.
"""
from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

import duckdb
import pandas as pd

from analytics.ingest.months import month_start
from analytics.problems import (
    Problem,
    Severity,
    SnapshotExists,
    SnapshotMissing,
)
from analytics.store import audit
from analytics.store.connection import current_user, now
from analytics.store.rows import ROW_COLUMNS

PROBLEM_COLUMNS: tuple[str, ...] = ("severity", "code", "sheet", "row", "column", "value", "message")


@dataclass(frozen=True, slots=True)
class SnapshotMeta:
    as_of: date                 # first day of the as-of month
    file_name: str
    sha256: str
    sheet: str
    header_row: int
    currency: str | None = None
    imported_by: str = ""
    is_sample: bool = False
    detail: str | None = None   # for the audit: the sheet taken and the sheets passed over


@dataclass(frozen=True, slots=True)
class SnapshotInfo:
    as_of: date
    rows: int
    warnings: int
    file_name: str
    sha256: str
    imported_at: datetime
    imported_by: str
    is_sample: bool
    currency: str | None = None


def _one(cur: duckdb.DuckDBPyConnection) -> tuple[Any, ...]:
    """The one row an aggregate query always returns."""
    row = cur.fetchone()
    if row is None:
        raise RuntimeError("an aggregate query returned no row")
    return row


def list_snapshots(con: duckdb.DuckDBPyConnection) -> list[SnapshotInfo]:
    rows = con.cursor().execute(
        "SELECT as_of, rows, warnings, file_name, sha256, imported_at, imported_by, is_sample, "
        "currency FROM snapshots ORDER BY as_of"
    ).fetchall()
    return [SnapshotInfo(*r) for r in rows]


def snapshot_sha(con: duckdb.DuckDBPyConnection, as_of: date) -> str | None:
    row = con.cursor().execute(
        "SELECT sha256 FROM snapshots WHERE as_of = ?", [month_start(as_of)]
    ).fetchone()
    return row[0] if row else None


def _problem_frame(as_of: date, problems: Sequence[Problem]) -> pd.DataFrame:
    return pd.DataFrame(
        {
            "as_of": [as_of] * len(problems),
            **{
                col: [str(getattr(p, col).value) if col == "severity" else getattr(p, col)
                      for p in problems]
                for col in PROBLEM_COLUMNS
            },
        },
        columns=["as_of", *PROBLEM_COLUMNS],
    )


def write_snapshot(
    con: duckdb.DuckDBPyConnection,
    meta: SnapshotMeta,
    rows: pd.DataFrame,
    problems: Sequence[Problem],
    workbook: bytes,
    *,
    replace: bool = False,
    remove_sample: bool = False,
) -> None:
    """Store one month in one transaction. `rows` holds ROW_COLUMNS except `as_of`.

    Raises SnapshotExists when the month exists and `replace` is false. Never keeps errors:
    callers refuse imports with errors before they get here. `remove_sample` deletes every
    sample month in the same transaction (the first real import replaces the sample).
    Initiative IDs that differ only in case or spaces are one initiative across months:
    every month's rows take the spelling of the latest month that has it.
    """
    as_of = month_start(meta.as_of)
    warnings = [p for p in problems if p.severity is Severity.WARNING]
    frame = rows.assign(as_of=as_of).reindex(columns=list(ROW_COLUMNS))
    problem_frame = _problem_frame(as_of, warnings)
    cur = con.cursor()
    cur.execute("BEGIN TRANSACTION")
    try:
        existed = _one(cur.execute("SELECT count(*) FROM snapshots WHERE as_of = ?", [as_of]))[0]
        if remove_sample:
            _remove_sample(cur, meta.imported_by or current_user())
            existed = _one(cur.execute("SELECT count(*) FROM snapshots WHERE as_of = ?",
                                       [as_of]))[0]
        if existed and not replace:
            raise SnapshotExists(
                f"{as_of:%Y-%m} is already imported. Use --replace (or 'Replace month' on the "
                f"Data page) to overwrite it."
            )
        for table in ("initiative_rows", "snapshot_problems", "snapshots"):
            cur.execute(f"DELETE FROM {table} WHERE as_of = ?", [as_of])
        cur.execute(
            "INSERT INTO workbooks SELECT ?, ?, ?, ?, ? WHERE NOT EXISTS "
            "(SELECT 1 FROM workbooks WHERE sha256 = ?)",
            [meta.sha256, meta.file_name, len(workbook), workbook, now(), meta.sha256],
        )
        cur.register("incoming_rows", frame)
        column_list = ", ".join(f'"{c}"' for c in ROW_COLUMNS)
        cur.execute(
            f"INSERT INTO initiative_rows ({column_list}) SELECT {column_list} FROM incoming_rows"
        )
        cur.unregister("incoming_rows")
        _respell_ids(cur)
        cur.register("incoming_problems", problem_frame)
        cur.execute("INSERT INTO snapshot_problems SELECT * FROM incoming_problems")
        cur.unregister("incoming_problems")
        user = meta.imported_by or current_user()
        written_at = now()
        cur.execute(
            "INSERT INTO snapshots VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            [as_of, meta.sha256, meta.file_name, meta.sheet, meta.header_row, meta.currency,
             len(frame), len(warnings), written_at, user, meta.is_sample],
        )
        audit.record(
            cur, audit.Action.REPLACE if existed else audit.Action.IMPORT, as_of=as_of,
            file_name=meta.file_name, sha256=meta.sha256, rows=len(frame),
            warnings=len(warnings), by_user=user, at=written_at,
            detail="; ".join(p for p in ("sample" if meta.is_sample else None, meta.detail) if p)
            or None,
        )
        cur.execute("COMMIT")
    except BaseException:
        cur.execute("ROLLBACK")
        raise


#: How an initiative ID is compared across months (domain.id_key, in SQL): case and spaces.
_ID_KEY_SQL = (
    "lower(trim(regexp_replace(initiative_id, "
    "'[\\s\u00a0\u2000-\u200b\u202f\u205f\u3000\ufeff]+', ' ', 'g')))"
)


def _respell_ids(cur: duckdb.DuckDBPyConnection) -> None:
    """Give every month's rows of one initiative the spelling of its latest month."""
    cur.execute(
        f"""UPDATE initiative_rows SET initiative_id = latest.spelling
            FROM (SELECT {_ID_KEY_SQL} AS id_key, arg_max(initiative_id, as_of) AS spelling
                  FROM initiative_rows GROUP BY 1) AS latest
            WHERE {_ID_KEY_SQL} = latest.id_key AND initiative_id <> latest.spelling"""
    )


def _remove_sample(cur: duckdb.DuckDBPyConnection, user: str) -> None:
    samples = cur.execute(
        "SELECT as_of, file_name, sha256, rows FROM snapshots WHERE is_sample ORDER BY as_of"
    ).fetchall()
    for as_of, file_name, sha256, rows in samples:
        for table in ("initiative_rows", "snapshot_problems", "snapshots"):
            cur.execute(f"DELETE FROM {table} WHERE as_of = ?", [as_of])
        audit.record(cur, audit.Action.DELETE, as_of=as_of, file_name=file_name, sha256=sha256,
                     rows=rows, by_user=user, detail="sample replaced by real data")


def delete_snapshot(con: duckdb.DuckDBPyConnection, as_of: date, *, by_user: str = "") -> int:
    """Remove one month; the audit keeps a record. Returns the number of rows removed."""
    as_of = month_start(as_of)
    cur = con.cursor()
    cur.execute("BEGIN TRANSACTION")
    try:
        found = cur.execute(
            "SELECT rows, file_name, sha256 FROM snapshots WHERE as_of = ?", [as_of]
        ).fetchone()
        if found is None:
            raise SnapshotMissing(f"There is no snapshot for {as_of:%Y-%m}.")
        for table in ("initiative_rows", "snapshot_problems", "snapshots"):
            cur.execute(f"DELETE FROM {table} WHERE as_of = ?", [as_of])
        audit.record(cur, audit.Action.DELETE, as_of=as_of, file_name=found[1], sha256=found[2],
                     rows=found[0], by_user=by_user)
        cur.execute("COMMIT")
    except BaseException:
        cur.execute("ROLLBACK")
        raise
    return int(found[0])


def read_problems(con: duckdb.DuckDBPyConnection, as_of: date) -> pd.DataFrame:
    return con.cursor().execute(
        "SELECT * FROM snapshot_problems WHERE as_of = ? ORDER BY \"row\" NULLS FIRST, code",
        [month_start(as_of)],
    ).df()


def workbook_bytes(con: duckdb.DuckDBPyConnection, sha256: str) -> bytes | None:
    row = con.cursor().execute(
        "SELECT content FROM workbooks WHERE sha256 = ?", [sha256]
    ).fetchone()
    return bytes(row[0]) if row else None


def snapshot_currency(con: duckdb.DuckDBPyConnection, as_of: date) -> str:
    """A month's currency; USD when none was written (METRICS.md section 1)."""
    return snapshot_currencies(con).get(month_start(as_of)) or "USD"


def snapshot_currencies(con: duckdb.DuckDBPyConnection) -> dict[date, str | None]:
    """Each month's currency as detected at import (None for months stored before it was)."""
    rows = con.cursor().execute("SELECT as_of, currency FROM snapshots ORDER BY as_of").fetchall()
    return {as_of: currency for as_of, currency in rows}
