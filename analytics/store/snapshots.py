"""Snapshots: one as-of month each, written and deleted whole.

A snapshot is its canonical rows (table `initiative_rows`), its problems, the workbook it came
from (kept byte for byte, so any month can be re-derived) and an audit row. Writing one is one
transaction: it lands whole or changes nothing.
"""
from __future__ import annotations

from collections.abc import Iterator, Sequence
from contextlib import contextmanager, suppress
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

import duckdb
import pandas as pd

from analytics.ingest.months import month_start
from analytics.problems import (
    PortfolioError,
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
    """The one row an aggregate query always returns, the result read to its end (DuckDB
    refuses to register a frame on a cursor whose result is unfinished)."""
    rows = cur.fetchall()
    if not rows:
        raise RuntimeError("an aggregate query returned no row")
    return tuple(rows[0])


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
    with bounded_write(cur, write_memory_bytes(len(workbook))):
        _write(cur, meta, as_of, frame, problem_frame, len(warnings), workbook,
               replace=replace, remove_sample=remove_sample)


#: DuckDB's memory for a write, beyond twice the workbook (its BLOB is held whole twice while
#: the transaction commits). Unbounded, DuckDB keeps the whole month in memory until the commit
#: and then its copy for the write-ahead log: a 24 MB upload of distinct text took 370 MB more
#: than the frame it wrote. Bounded, it writes the rows out to its temporary files beside the
#: database as it goes, and the import's peak stays that of reading and checking. At 40 MB
#: rather than 64 MB the 200,000-row limit peaks 20 MB lower and writes in 0.05 s more.
WRITE_MEMORY_FLOOR_BYTES = 16 * 1024 * 1024
WRITE_MEMORY_MIN_BYTES = 40 * 1024 * 1024
_MIB = 1024 * 1024


def write_memory_bytes(workbook_size: int) -> int:
    """DuckDB's memory limit while a month whose workbook has `workbook_size` bytes is written."""
    return max(WRITE_MEMORY_MIN_BYTES, 2 * workbook_size + WRITE_MEMORY_FLOOR_BYTES)


@contextmanager
def bounded_write(cur: duckdb.DuckDBPyConnection, memory_bytes: int,
                  what: str = "the month") -> Iterator[None]:
    """One thread and `memory_bytes` of memory for DuckDB while the block runs, then the
    settings it had; `what` the block writes, for the message when memory runs out. The
    settings belong to the database instance, not the cursor: restored at once, a long-lived
    process (the dashboard) never reads under the write's bound."""
    saved = _one(cur.execute(
        "SELECT current_setting('memory_limit'), current_setting('threads')"))
    try:
        # Each thread buffers its own rows: one holds the least, and at this size is as fast.
        cur.execute("SET threads = ?", [1])
        # Should DuckDB hold memory it cannot give back now, this write runs unbounded.
        with suppress(duckdb.Error):
            cur.execute("SET memory_limit = ?", [f"{memory_bytes}B"])
        yield
    except duckdb.Error as exc:
        if not _out_of_memory(exc):
            raise
        raise PortfolioError(
            f"{what} could not be written within {memory_bytes / _MIB:.0f} MB of database "
            f"memory ({str(exc).splitlines()[0][:200]}); nothing was written. The database "
            "moves what does not fit into temporary files beside its file: free disk space "
            "there and import again"
        ) from None
    finally:
        # RESET gives the default exactly; the saved text ('18.8 GiB') only to three digits.
        cur.execute("RESET memory_limit")
        if _one(cur.execute("SELECT current_setting('memory_limit')"))[0] != saved[0]:
            cur.execute("SET memory_limit = ?", [saved[0]])
        cur.execute("SET threads = ?", [saved[1]])


def _out_of_memory(exc: duckdb.Error) -> bool:
    # A COMMIT that runs out reports it as a TransactionException, in these words.
    return isinstance(exc, duckdb.OutOfMemoryException) or "could not allocate" in str(exc)


def _write(
    cur: duckdb.DuckDBPyConnection, meta: SnapshotMeta, as_of: date, frame: pd.DataFrame,
    problem_frame: pd.DataFrame, warning_count: int, workbook: bytes, *, replace: bool,
    remove_sample: bool,
) -> None:
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
        # Asked first, not `INSERT ... SELECT ? WHERE NOT EXISTS`: DuckDB copies a BLOB bound
        # into a query plan many times over (a 24 MB workbook took 320 MB), not into VALUES.
        if not _one(cur.execute("SELECT count(*) FROM workbooks WHERE sha256 = ?",
                                [meta.sha256]))[0]:
            cur.execute("INSERT INTO workbooks VALUES (?, ?, ?, ?, ?)",
                        [meta.sha256, meta.file_name, len(workbook), workbook, now()])
        cur.register("incoming_rows", frame)
        column_list = ", ".join(f'"{c}"' for c in ROW_COLUMNS)
        cur.execute(
            f"INSERT INTO initiative_rows ({column_list}) SELECT {column_list} FROM incoming_rows"
        )
        cur.unregister("incoming_rows")
        _respell_ids(cur, as_of)
        cur.register("incoming_problems", problem_frame)
        cur.execute("INSERT INTO snapshot_problems SELECT * FROM incoming_problems")
        cur.unregister("incoming_problems")
        user = meta.imported_by or current_user()
        written_at = now()
        cur.execute(
            "INSERT INTO snapshots VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            [as_of, meta.sha256, meta.file_name, meta.sheet, meta.header_row, meta.currency,
             len(frame), warning_count, written_at, user, meta.is_sample],
        )
        audit.record(
            cur, audit.Action.REPLACE if existed else audit.Action.IMPORT, as_of=as_of,
            file_name=meta.file_name, sha256=meta.sha256, rows=len(frame),
            warnings=warning_count, by_user=user, at=written_at,
            detail="; ".join(p for p in ("sample" if meta.is_sample else None, meta.detail) if p)
            or None,
        )
        cur.execute("COMMIT")
    except BaseException:
        # A COMMIT that failed has rolled back already; its error is the one to report.
        with suppress(duckdb.TransactionException):
            cur.execute("ROLLBACK")
        raise


#: How an initiative ID is compared across months (domain.id_key, in SQL): case and spaces.
_ID_KEY_SQL = (
    "lower(trim(regexp_replace(initiative_id, "
    "'[\\s\u00a0\u2000-\u200b\u202f\u205f\u3000\ufeff]+', ' ', 'g')))"
)


def _respell_ids(cur: duckdb.DuckDBPyConnection, written: date) -> None:
    """Give every month's rows of one initiative the spelling of its latest month, after the
    month `written` was stored."""
    # Nothing to respell when every spelling the other months use is also one of this
    # month's: a month's IDs are unique by key (normalise refuses two spellings), so then no
    # key has two. So it is for a first month, and for one that keeps every initiative.
    other = _one(cur.execute(
        "SELECT count(*) FROM (SELECT initiative_id FROM initiative_rows WHERE as_of <> $1 "
        "EXCEPT SELECT initiative_id FROM initiative_rows WHERE as_of = $1)", [written]))[0]
    if not other:
        return
    # The key is computed once per spelling, not per row, and the rows are matched on the
    # spelling itself: a regular expression over every row of every month took 0.1 s at the
    # rows limit, on every import, when almost always nothing is respelled.
    cur.execute(
        f"""UPDATE initiative_rows SET initiative_id = respelled.spelling
            FROM (WITH spelled AS (
                      SELECT initiative_id, max(as_of) AS as_of, {_ID_KEY_SQL} AS id_key
                      FROM initiative_rows GROUP BY initiative_id),
                  latest AS (
                      SELECT id_key, arg_max(initiative_id, as_of) AS spelling FROM spelled
                      GROUP BY id_key HAVING count(*) > 1)
                  SELECT spelled.initiative_id AS old, latest.spelling FROM spelled JOIN latest
                    ON spelled.id_key = latest.id_key AND spelled.initiative_id <> latest.spelling
                 ) AS respelled
            WHERE initiative_rows.initiative_id = respelled.old"""
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
