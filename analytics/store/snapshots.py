"""The embedded DuckDB database: connection, migrations, snapshots and the audit trail.

A snapshot is one as-of month: its canonical rows (table `initiative_rows`), its problems,
the workbook it came from (kept byte for byte, so any month can be re-derived) and an audit
row. Writing one is one transaction: it lands whole or changes nothing.

DuckDB locks a file opened read-write against every other process, so connections here are
short-lived: open, work, close. Readers open read-only.
"""
from __future__ import annotations

import getpass
import os
import re
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import duckdb
import pandas as pd

from analytics.domain import FIELDS, Kind
from analytics.ingest.months import month_start
from analytics.problems import (
    DatabaseUnusable,
    Problem,
    Severity,
    SnapshotExists,
    SnapshotMissing,
    StoreLocked,
)

DEFAULT_DB = Path("data") / "portfolio.duckdb"
DB_ENV = "PORTFOLIO_DB"

_SQL_TYPE: dict[Kind, str] = {
    Kind.ID: "VARCHAR",
    Kind.TEXT: "VARCHAR",
    Kind.STAGE: "VARCHAR",
    Kind.DATE: "DATE",
    Kind.MONEY: "DOUBLE",
    Kind.READINESS: "SMALLINT",
    Kind.INTEGRATION: "VARCHAR",
    Kind.SOLUTION: "VARCHAR",
}

#: Columns of `initiative_rows`, in order. `stage` is NULL when the stage cell said on hold
#: (`on_hold` is then true); the carried-over stage is resolved by the metrics, across months.
ROW_COLUMNS: tuple[str, ...] = (
    "as_of", "initiative_id", "source_row",
    *(f.name for f in FIELDS if f.name != "initiative_id"),
    "stage_raw", "on_hold", "raw_json",
)
_ROW_TYPES: dict[str, str] = {
    "as_of": "DATE", "source_row": "INTEGER", "stage_raw": "VARCHAR", "on_hold": "BOOLEAN",
    "raw_json": "VARCHAR", **{f.name: _SQL_TYPE[f.kind] for f in FIELDS},
}
PROBLEM_COLUMNS: tuple[str, ...] = ("severity", "code", "sheet", "row", "column", "value", "message")


def _rows_table_sql() -> str:
    cols = ",\n  ".join(f'"{c}" {_ROW_TYPES[c]}' for c in ROW_COLUMNS)
    return f"CREATE TABLE initiative_rows (\n  {cols}\n)"


#: Ordered, named migrations. Append only: never edit or reorder a released one.
MIGRATIONS: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("0001_initial", (
        """CREATE TABLE workbooks (
             sha256 VARCHAR PRIMARY KEY, file_name VARCHAR, size BIGINT, content BLOB,
             stored_at TIMESTAMP)""",
        """CREATE TABLE snapshots (
             as_of DATE PRIMARY KEY, sha256 VARCHAR, file_name VARCHAR, sheet VARCHAR,
             header_row INTEGER, currency VARCHAR, rows INTEGER, warnings INTEGER,
             imported_at TIMESTAMP, imported_by VARCHAR, is_sample BOOLEAN)""",
        _rows_table_sql(),
        """CREATE TABLE snapshot_problems (
             as_of DATE, severity VARCHAR, code VARCHAR, sheet VARCHAR, "row" INTEGER,
             "column" VARCHAR, value VARCHAR, message VARCHAR)""",
        "CREATE SEQUENCE audit_id START 1",
        """CREATE TABLE audit (
             id BIGINT PRIMARY KEY DEFAULT nextval('audit_id'), "at" TIMESTAMP, action VARCHAR,
             as_of DATE, file_name VARCHAR, sha256 VARCHAR, rows INTEGER, warnings INTEGER,
             by_user VARCHAR, detail VARCHAR)""",
        """CREATE TABLE mappings (
             signature VARCHAR PRIMARY KEY, mapping_json VARCHAR, updated_at TIMESTAMP)""",
    )),
    # A header mapped by hand is remembered per header, wherever it appears next month and
    # whatever columns come or go; a stage word mapped by hand likewise (METRICS.md section 1).
    ("0002_import_memory", (
        """CREATE TABLE header_mappings (
             header_key VARCHAR PRIMARY KEY, header VARCHAR, field VARCHAR,
             updated_at TIMESTAMP)""",
        """CREATE TABLE stage_mappings (
             value_key VARCHAR PRIMARY KEY, value VARCHAR, stage VARCHAR, updated_at TIMESTAMP)""",
    )),
)


def db_path(explicit: str | os.PathLike[str] | None = None) -> Path:
    """The database file: the explicit path, else $PORTFOLIO_DB, else data/portfolio.duckdb."""
    if explicit:
        return Path(explicit)
    env = os.environ.get(DB_ENV)
    return Path(env) if env else DEFAULT_DB


_LOCK_PID = re.compile(r"PID (\d+)")
#: DuckDB adds this when the holder has the file open read-only (a reader, not a writer).
_HOLDER_READS = "would be able to open this database in read-only mode"


def describe_process(pid: int | str | None) -> str:
    """'process 4242 (python -m analytics import march.xlsx)', or as much of it as is known."""
    if pid is None:
        return "another process"
    try:
        command = Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode(
            "utf-8", "replace").strip()
    except OSError:  # not Linux, or the process has just ended
        command = ""
    if len(command) > 80:
        command = command[:77] + "..."
    return f"process {pid} ({command})" if command else f"process {pid}"


def _lock_message(path: Path, read_only: bool, wait_seconds: float, error: str) -> str:
    pid = _LOCK_PID.search(error)
    who = describe_process(pid.group(1) if pid else None)
    if _HOLDER_READS in error:
        doing = "has it open for reading (the dashboard, a report or a DuckDB shell)"
    else:
        doing = "is writing to it (an import, a delete or a restore)"
    wanted = "read" if read_only else "changed"
    stop = f": kill {pid.group(1)}" if pid else ""
    return (
        f"The database {path} is busy: {who} {doing}, so it cannot be {wanted} now (waited "
        f"{wait_seconds:g} s). Try again in a moment: imports and deletes take seconds. If that "
        f"process is stuck, or is a shell someone left open on the file, close it or stop "
        f"it{stop}."
    )


_DUCKDB_MAGIC = b"DUCK"   # bytes 8-11 of every DuckDB database file


def damaged_message(path: Path, detail: str) -> str:
    """The words for a database file that cannot be read, pointing at the backups."""
    return (
        f"the database {path} cannot be read; it is damaged ({detail}). Restore a backup: "
        f"python -m analytics backups list --db {path}, then "
        f"python -m analytics backups restore NAME --db {path}"
    )


def _usable_path(path: Path) -> None:
    """A sentence, not a DuckDB traceback, when `path` is no database file at all."""
    if path.is_dir():
        raise DatabaseUnusable(
            f"the database path {path} is a directory; point --db (or {DB_ENV}) at a "
            f".duckdb file, e.g. {path / 'portfolio.duckdb'}"
        )
    if path.is_file() and path.stat().st_size > 0:
        try:
            with path.open("rb") as handle:
                header = handle.read(12)
        except OSError as exc:
            raise DatabaseUnusable(f"the database {path} cannot be opened: {exc.strerror or exc}") from None
        if len(header) < 12 or header[8:12] != _DUCKDB_MAGIC:
            raise DatabaseUnusable(
                f"{path} is not a DuckDB database (its first bytes are no database header); "
                f"point --db (or {DB_ENV}) at the portfolio's .duckdb file. If this was the "
                f"database, it is damaged: python -m analytics backups list --db {path}, then "
                f"backups restore NAME"
            )


def _open(path: Path, read_only: bool, wait_seconds: float) -> duckdb.DuckDBPyConnection:
    """Connect, retrying with backoff while another process holds the file's lock."""
    _usable_path(path)
    deadline = time.monotonic() + wait_seconds
    delay = 0.05
    while True:
        try:
            return duckdb.connect(str(path), read_only=read_only)
        except duckdb.IOException as exc:
            text = str(exc)
            if "lock" not in text.lower():
                raise DatabaseUnusable(damaged_message(path, text.splitlines()[0][:200])) from None
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise StoreLocked(_lock_message(path, read_only, wait_seconds, text)) from exc
            time.sleep(min(delay, remaining))
            delay = min(delay * 2, 0.5)


def migrate(con: duckdb.DuckDBPyConnection) -> list[str]:
    """Apply the migrations this database lacks, in order; return the names applied."""
    con.execute(
        "CREATE TABLE IF NOT EXISTS schema_migrations "
        "(id INTEGER PRIMARY KEY, name VARCHAR, applied_at TIMESTAMP)"
    )
    done = {row[0] for row in con.execute("SELECT name FROM schema_migrations").fetchall()}
    applied = []
    for number, (name, statements) in enumerate(MIGRATIONS, start=1):
        if name in done:
            continue
        con.execute("BEGIN TRANSACTION")
        try:
            for statement in statements:
                con.execute(statement)
            con.execute(
                "INSERT INTO schema_migrations VALUES (?, ?, ?)", [number, name, _now()]
            )
            con.execute("COMMIT")
        except Exception:
            con.execute("ROLLBACK")
            raise
        applied.append(name)
    return applied


@contextmanager
def connect(
    path: str | os.PathLike[str] | None = None,
    *,
    read_only: bool = False,
    wait_seconds: float = 5.0,
) -> Iterator[duckdb.DuckDBPyConnection]:
    """A short-lived connection, migrated when writable; closed on exit.

    A read-only open of a file that does not exist yet creates and migrates it first.
    """
    target = db_path(path)
    if read_only and not target.exists():
        with connect(target, read_only=False, wait_seconds=wait_seconds):
            pass
    if not read_only:
        target.parent.mkdir(parents=True, exist_ok=True)
    try:
        con = _open(target, read_only, wait_seconds)
    except duckdb.Error as exc:
        raise DatabaseUnusable(damaged_message(target, str(exc).splitlines()[0][:200])) from None
    try:
        if not read_only:
            try:
                migrate(con)
            except duckdb.Error as exc:
                raise DatabaseUnusable(damaged_message(target, str(exc).splitlines()[0][:200])) from None
        yield con
    finally:
        con.close()


def _now() -> datetime:
    return datetime.now(UTC).replace(tzinfo=None)


def current_user() -> str:
    try:
        return getpass.getuser()
    except Exception:  # no passwd entry in some containers
        return os.environ.get("USER", "unknown")


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
            [meta.sha256, meta.file_name, len(workbook), workbook, _now(), meta.sha256],
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
        now = _now()
        cur.execute(
            "INSERT INTO snapshots VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            [as_of, meta.sha256, meta.file_name, meta.sheet, meta.header_row, meta.currency,
             len(frame), len(warnings), now, user, meta.is_sample],
        )
        cur.execute(
            "INSERT INTO audit (\"at\", action, as_of, file_name, sha256, rows, warnings, by_user, "
            "detail) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
            [now, "replace" if existed else "import", as_of, meta.file_name, meta.sha256,
             len(frame), len(warnings), user,
             "; ".join(p for p in ("sample" if meta.is_sample else None, meta.detail) if p)
             or None],
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
        cur.execute(
            "INSERT INTO audit (\"at\", action, as_of, file_name, sha256, rows, warnings, by_user, "
            "detail) VALUES (?, 'delete', ?, ?, ?, ?, NULL, ?, ?)",
            [_now(), as_of, file_name, sha256, rows, user, "sample replaced by real data"],
        )


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
        cur.execute(
            "INSERT INTO audit (\"at\", action, as_of, file_name, sha256, rows, warnings, by_user) "
            "VALUES (?, 'delete', ?, ?, ?, ?, NULL, ?)",
            [_now(), as_of, found[1], found[2], found[0], by_user or current_user()],
        )
        cur.execute("COMMIT")
    except BaseException:
        cur.execute("ROLLBACK")
        raise
    return int(found[0])


def read_rows(con: duckdb.DuckDBPyConnection, up_to: date | None = None) -> pd.DataFrame:
    """Every stored initiative row of every snapshot up to and including `up_to`'s month."""
    cols = ", ".join(f'"{c}"' for c in ROW_COLUMNS)
    if up_to is None:
        return con.cursor().execute(
            f"SELECT {cols} FROM initiative_rows ORDER BY as_of, initiative_id"
        ).df()
    return con.cursor().execute(
        f"SELECT {cols} FROM initiative_rows WHERE as_of <= ? ORDER BY as_of, initiative_id",
        [month_start(up_to)],
    ).df()


def read_month(con: duckdb.DuckDBPyConnection, as_of: date) -> pd.DataFrame:
    """The initiative rows of one snapshot month (empty when the month has none)."""
    cols = ", ".join(f'"{c}"' for c in ROW_COLUMNS)
    return con.cursor().execute(
        f"SELECT {cols} FROM initiative_rows WHERE as_of = ? ORDER BY initiative_id",
        [month_start(as_of)],
    ).df()


def read_problems(con: duckdb.DuckDBPyConnection, as_of: date) -> pd.DataFrame:
    return con.cursor().execute(
        "SELECT * FROM snapshot_problems WHERE as_of = ? ORDER BY \"row\" NULLS FIRST, code",
        [month_start(as_of)],
    ).df()


def read_audit(con: duckdb.DuckDBPyConnection) -> pd.DataFrame:
    return con.cursor().execute("SELECT * FROM audit ORDER BY id DESC").df()


def workbook_bytes(con: duckdb.DuckDBPyConnection, sha256: str) -> bytes | None:
    row = con.cursor().execute(
        "SELECT content FROM workbooks WHERE sha256 = ?", [sha256]
    ).fetchone()
    return bytes(row[0]) if row else None


def load_mapping(con: duckdb.DuckDBPyConnection, signature: str) -> str | None:
    row = con.cursor().execute(
        "SELECT mapping_json FROM mappings WHERE signature = ?", [signature]
    ).fetchone()
    return row[0] if row else None


def save_mapping(con: duckdb.DuckDBPyConnection, signature: str, mapping_json: str) -> None:
    con.cursor().execute(
        "INSERT OR REPLACE INTO mappings VALUES (?, ?, ?)", [signature, mapping_json, _now()]
    )


def header_memory(con: duckdb.DuckDBPyConnection) -> dict[str, str | None]:
    """Headers mapped by hand, remembered: header as written -> field (None: ignored)."""
    rows = con.cursor().execute("SELECT header, field FROM header_mappings").fetchall()
    return {header: field for header, field in rows}


def remember_headers(con: duckdb.DuckDBPyConnection, mapping: dict[str, str | None],
                     key: Callable[[str], str]) -> None:
    """Remember each header's hand mapping; `key` turns a header into its comparison key."""
    cur = con.cursor()
    for header, field in mapping.items():
        cur.execute("INSERT OR REPLACE INTO header_mappings VALUES (?, ?, ?, ?)",
                    [key(header), header, field, _now()])


def stage_memory(con: duckdb.DuckDBPyConnection) -> dict[str, str]:
    """Stage words mapped by hand, remembered: word as written -> stage."""
    rows = con.cursor().execute("SELECT value, stage FROM stage_mappings").fetchall()
    return {value: stage for value, stage in rows}


def remember_stages(con: duckdb.DuckDBPyConnection, mapping: dict[str, str],
                    key: Callable[[str], str]) -> None:
    cur = con.cursor()
    for value, stage in mapping.items():
        cur.execute("INSERT OR REPLACE INTO stage_mappings VALUES (?, ?, ?, ?)",
                    [key(value), value, stage, _now()])


def snapshot_currency(con: duckdb.DuckDBPyConnection, as_of: date) -> str:
    """A month's currency; USD when none was written (METRICS.md section 1)."""
    return snapshot_currencies(con).get(month_start(as_of)) or "USD"


def snapshot_currencies(con: duckdb.DuckDBPyConnection) -> dict[date, str | None]:
    """Each month's currency as detected at import (None for months stored before it was)."""
    rows = con.cursor().execute("SELECT as_of, currency FROM snapshots ORDER BY as_of").fetchall()
    return {as_of: currency for as_of, currency in rows}


def data_version(con: duckdb.DuckDBPyConnection) -> str:
    """Changes whenever a snapshot is written or deleted: a cache key for readers."""
    row = _one(con.cursor().execute("SELECT max(id), count(*) FROM audit"))
    return f"{row[0]}-{row[1]}"
