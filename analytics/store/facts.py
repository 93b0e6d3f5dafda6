"""The stored report facts (migration 0003_report_facts): derived from `initiative_rows` by
analytics/metrics/stored.py after every write, read back for one month's report.

The table is a cache in the database file: its state row names the version it was computed
for, and readers use it only when that version is current (a failed or skipped refresh
means slower reports, never different ones).
"""
from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from datetime import date

import duckdb
import pandas as pd

from analytics.store.connection import now
from analytics.store.rows import ROW_COLUMNS, _column_list, _frame
from analytics.store.snapshots import WRITE_MEMORY_MIN_BYTES, bounded_write

#: The fact columns of `report_facts`, after its key (as_of, initiative_id).
FACT_FIELDS: tuple[str, ...] = (
    "stage_code", "rank", "highest_rank", "origin", "origin_source", "production_at",
    "production_source", "stopped_at", "stopped_source", "stage_since", "stage_since_source",
    "days_in_stage", "first_pilot_as_of",
)
FACT_KEY: tuple[str, ...] = ("as_of", "initiative_id")
#: Read back beside the rows' own columns, whose names some facts share (stage, as_of).
FACT_PREFIX = "fact_"


def facts_version(con: duckdb.DuckDBPyConnection) -> str | None:
    """The version the stored facts were computed for (None: never computed, or a database
    opened read-only before migration 0003 added the table)."""
    try:
        row = con.cursor().execute("SELECT max(version) FROM report_facts_state").fetchone()
    except duckdb.CatalogException:
        return None
    return None if row is None else row[0]


def write_facts(con: duckdb.DuckDBPyConnection, facts: Iterable[pd.DataFrame], version: str,
                since: date | None = None) -> None:
    """Replace the stored facts (of the months from `since` on, when given) with the frames
    of `facts` (FACT_KEY + FACT_FIELDS; computed one after another as they are written), in
    one transaction, and mark them as of `version`."""
    columns = _column_list((*FACT_KEY, *FACT_FIELDS))
    cur = con.cursor()
    # As a month's write: DuckDB would otherwise hold every inserted fact until the commit.
    with bounded_write(cur, WRITE_MEMORY_MIN_BYTES, "the report facts"):
        _replace(cur, columns, facts, version, since)


def _replace(cur: duckdb.DuckDBPyConnection, columns: str, facts: Iterable[pd.DataFrame],
             version: str, since: date | None) -> None:
    # The old facts and their version go first, then each chunk is committed as it comes, and
    # the version is written last: until then readers take no stored fact (their version is
    # missing), and DuckDB holds one chunk at a time, not all of them until one commit.
    with _transaction(cur):
        if since is None:
            cur.execute("DELETE FROM report_facts")
        else:
            cur.execute("DELETE FROM report_facts WHERE as_of >= ?", [since])
        cur.execute("DELETE FROM report_facts_state")
    for chunk in facts:
        with _transaction(cur):
            cur.register("incoming_facts", chunk)
            cur.execute(f"INSERT INTO report_facts ({columns}) SELECT {columns} FROM incoming_facts")
            cur.unregister("incoming_facts")
    with _transaction(cur):
        cur.execute("INSERT INTO report_facts_state VALUES (?, ?)", [version, now()])


@contextmanager
def _transaction(cur: duckdb.DuckDBPyConnection) -> Iterator[None]:
    cur.execute("BEGIN TRANSACTION")
    try:
        yield
        cur.execute("COMMIT")
    except BaseException:
        cur.execute("ROLLBACK")
        raise


def facts_cover_rows_before(con: duckdb.DuckDBPyConnection, month: date) -> bool:
    """Whether the stored facts of the months before `month` are exactly one per stored row
    of those months (a write that renamed an initiative across months breaks this)."""
    row = con.cursor().execute(
        "SELECT (SELECT count(*) FROM report_facts WHERE as_of < $1) = "
        "(SELECT count(*) FROM report_facts f JOIN initiative_rows r "
        " ON r.as_of = f.as_of AND r.initiative_id = f.initiative_id WHERE f.as_of < $1) AND "
        "(SELECT count(*) FROM report_facts WHERE as_of < $1) = "
        "(SELECT count(*) FROM initiative_rows WHERE as_of < $1)",
        [month],
    ).fetchone()
    return bool(row and row[0])


def read_rows_with_facts(con: duckdb.DuckDBPyConnection, months: Sequence[date]) -> pd.DataFrame:
    """Every column of the rows of `months`, with their stored facts (FACT_PREFIX + field)."""
    rows = ", ".join(f'r."{c}"' for c in ROW_COLUMNS)
    facts = ", ".join(f'f."{c}" AS "{FACT_PREFIX}{c}"' for c in FACT_FIELDS)
    return _frame(
        con,
        f"SELECT {rows}, {facts} FROM initiative_rows r JOIN report_facts f "
        f"ON r.as_of = f.as_of AND r.initiative_id = f.initiative_id WHERE list_contains($1, r.as_of)",
        [list(months)],
    )


def read_first_pilot_rows(con: duckdb.DuckDBPyConnection, month: date,
                          columns: Sequence[str]) -> pd.DataFrame:
    """For each initiative of `month`: `columns` of its row at its stored first_pilot_as_of."""
    wanted = ", ".join(f'r."{c}"' for c in ("initiative_id", "as_of", *columns))
    return _frame(
        con,
        f"SELECT {wanted} FROM report_facts f JOIN initiative_rows r "
        f"ON r.initiative_id = f.initiative_id AND r.as_of = f.first_pilot_as_of WHERE f.as_of = $1",
        [month],
    )
