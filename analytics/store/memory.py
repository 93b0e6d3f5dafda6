"""What the import remembers between months: hand-made header and stage-word mappings."""
from __future__ import annotations

from collections.abc import Callable

import duckdb

from analytics.store.connection import now


def load_mapping(con: duckdb.DuckDBPyConnection, signature: str) -> str | None:
    row = con.cursor().execute(
        "SELECT mapping_json FROM mappings WHERE signature = ?", [signature]
    ).fetchone()
    return row[0] if row else None


def save_mapping(con: duckdb.DuckDBPyConnection, signature: str, mapping_json: str) -> None:
    con.cursor().execute(
        "INSERT OR REPLACE INTO mappings VALUES (?, ?, ?)", [signature, mapping_json, now()]
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
                    [key(header), header, field, now()])


def stage_memory(con: duckdb.DuckDBPyConnection) -> dict[str, str]:
    """Stage words mapped by hand, remembered: word as written -> stage."""
    rows = con.cursor().execute("SELECT value, stage FROM stage_mappings").fetchall()
    return {value: stage for value, stage in rows}


def remember_stages(con: duckdb.DuckDBPyConnection, mapping: dict[str, str],
                    key: Callable[[str], str]) -> None:
    cur = con.cursor()
    for value, stage in mapping.items():
        cur.execute("INSERT OR REPLACE INTO stage_mappings VALUES (?, ?, ?, ?)",
                    [key(value), value, stage, now()])
