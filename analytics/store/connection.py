"""Opening the database file: where it lives, the lock and damage messages, migrating on open.

DuckDB locks a file opened read-write against every other process, so connections here are
short-lived: open, work, close. Readers open read-only.
"""
from __future__ import annotations

import getpass
import os
import re
import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path

import duckdb

from analytics.problems import DatabaseUnusable, StoreLocked
from analytics.store.migrations import MIGRATIONS, migrate

DEFAULT_DB = Path("data") / "portfolio.duckdb"
DB_ENV = "PORTFOLIO_DB"


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


@contextmanager
def connect(
    path: str | os.PathLike[str] | None = None,
    *,
    read_only: bool = False,
    wait_seconds: float = 5.0,
) -> Iterator[duckdb.DuckDBPyConnection]:
    """A short-lived connection, migrated when writable; closed on exit.

    A read-only open of a file that does not exist yet creates and migrates it first; so does
    one of a file an earlier release left with fewer migrations (readers read every table).
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
                migrate(con, now())
            except duckdb.Error as exc:
                raise DatabaseUnusable(damaged_message(target, str(exc).splitlines()[0][:200])) from None
        elif _behind(con):
            con.close()
            with connect(target, read_only=False, wait_seconds=wait_seconds):
                pass
            con = _open(target, read_only, wait_seconds)
        yield con
    finally:
        con.close()


def _behind(con: duckdb.DuckDBPyConnection) -> bool:
    """Whether the open database lacks a migration this release has (one cheap query)."""
    try:
        applied = con.execute("SELECT count(*) FROM schema_migrations").fetchone()
    except duckdb.CatalogException:
        return True
    return applied is None or int(applied[0]) < len(MIGRATIONS)


def now() -> datetime:
    """UTC now, naive: the TIMESTAMP columns hold UTC."""
    return datetime.now(UTC).replace(tzinfo=None)


def current_user() -> str:
    try:
        return getpass.getuser()
    except Exception:  # no passwd entry in some containers
        return os.environ.get("USER", "unknown")
