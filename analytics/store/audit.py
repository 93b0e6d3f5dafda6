"""The audit trail: one row per import, replace, delete and restore; and the data version.

Only this module writes audit rows. `data_version` (highest audit id and count) keys the
readers' caches, so every change to the data must go through `record`.
"""
from __future__ import annotations

from datetime import date, datetime
from enum import StrEnum

import duckdb
import pandas as pd

from analytics.store.connection import current_user, now


class Action(StrEnum):
    """What an audit row records; the words stored in its `action` column."""

    IMPORT = "import"
    REPLACE = "replace"
    DELETE = "delete"
    RESTORE = "restore"


def record(
    cur: duckdb.DuckDBPyConnection,
    action: Action,
    *,
    as_of: date | None = None,
    file_name: str | None = None,
    sha256: str | None = None,
    rows: int | None = None,
    warnings: int | None = None,
    by_user: str = "",
    detail: str | None = None,
    at: datetime | None = None,
    above: int = 0,
) -> None:
    """Append one audit row, inside the caller's transaction when it has one.

    `above`: the new row's id exceeds it. A restored file would otherwise reuse an id (and so a
    data version) the replaced database already reached, and readers would serve stale numbers.
    """
    if above:
        row = cur.execute("SELECT coalesce(max(id), 0) FROM audit").fetchone()
        current = int(row[0]) if row else 0
        if above > current:
            cur.execute("SELECT max(nextval('audit_id')) FROM range(?)", [above - current])
    cur.execute(
        'INSERT INTO audit ("at", action, as_of, file_name, sha256, rows, warnings, by_user, '
        "detail) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
        [at or now(), str(action), as_of, file_name, sha256, rows, warnings,
         by_user or current_user(), detail],
    )


def high_water(con: duckdb.DuckDBPyConnection) -> int:
    """The highest audit id written so far (0 for none)."""
    row = con.cursor().execute("SELECT coalesce(max(id), 0) FROM audit").fetchone()
    return int(row[0]) if row else 0


def read_audit(con: duckdb.DuckDBPyConnection) -> pd.DataFrame:
    return con.cursor().execute("SELECT * FROM audit ORDER BY id DESC").df()


def data_version(con: duckdb.DuckDBPyConnection) -> str:
    """Changes whenever a snapshot is written or deleted, or a backup restored: a cache key."""
    row = con.cursor().execute("SELECT max(id), count(*) FROM audit").fetchone()
    if row is None:
        raise RuntimeError("an aggregate query returned no row")
    return f"{row[0]}-{row[1]}"
