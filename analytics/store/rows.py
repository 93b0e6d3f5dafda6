"""The one row reader: initiative rows out of `initiative_rows`, read through Arrow.

Arrow-backed text columns arrive without per-value conversion, several times faster than a
plain DataFrame fetch on a long history. Every query on `initiative_rows` that returns rows
lives here; analytics/metrics/load.py wraps these in the shapes the metrics want.
"""
from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from typing import Any, Literal

import duckdb
import pandas as pd
import pyarrow as pa

from analytics.domain import FIELDS, Kind
from analytics.ingest.months import month_start

#: The SQL type each kind of field is stored as (a new field's migration uses its kind's type).
SQL_TYPE: dict[Kind, str] = {
    Kind.ID: "VARCHAR",
    Kind.TEXT: "VARCHAR",
    Kind.STAGE: "VARCHAR",
    Kind.DATE: "DATE",
    Kind.MONEY: "DOUBLE",
    Kind.READINESS: "SMALLINT",
    Kind.INTEGRATION: "VARCHAR",
    Kind.SOLUTION: "VARCHAR",
}

#: Columns of `initiative_rows` as read and written. `stage` is NULL when the stage cell said
#: on hold (`on_hold` is then true); the carried-over stage is resolved by the metrics, across
#: months. The migrations must create exactly these (tests/test_store_migrations.py).
ROW_COLUMNS: tuple[str, ...] = (
    "as_of", "initiative_id", "source_row",
    *(f.name for f in FIELDS if f.name != "initiative_id"),
    "stage_raw", "on_hold", "raw_json",
)
ROW_TYPES: dict[str, str] = {
    "as_of": "DATE", "source_row": "INTEGER", "stage_raw": "VARCHAR", "on_hold": "BOOLEAN",
    "raw_json": "VARCHAR", **{f.name: SQL_TYPE[f.kind] for f in FIELDS},
}

#: Row orders a reader may ask for: by month then initiative, or by initiative then month.
Order = Literal["month", "initiative"]
_ORDER_SQL: dict[str, str] = {
    "month": "ORDER BY as_of, initiative_id",
    "initiative": "ORDER BY initiative_id, as_of",
}


def _column_list(columns: Sequence[str]) -> str:
    return ", ".join(f'"{c}"' for c in columns)


def _frame(con: duckdb.DuckDBPyConnection, sql: str, params: list[Any]) -> pd.DataFrame:
    table = con.cursor().sql(sql, params=params).to_arrow_table()
    # Dates arrive as pandas' own datetime unit (microseconds), so every reader's frame has the
    # dtypes a frame built with pd.to_datetime has, and frames from two readers compare equal.
    columns = [column.cast(pa.timestamp("us")) if pa.types.is_date32(column.type) else column
               for column in table.columns]
    return pa.Table.from_arrays(columns, names=table.column_names).to_pandas()


def read_rows(
    con: duckdb.DuckDBPyConnection, up_to: date | None = None, *, order: Order = "month"
) -> pd.DataFrame:
    """Every stored initiative row of every snapshot up to and including `up_to`'s month."""
    where, params = ("", []) if up_to is None else ("WHERE as_of <= ?", [month_start(up_to)])
    return _frame(
        con,
        f"SELECT {_column_list(ROW_COLUMNS)} FROM initiative_rows {where} {_ORDER_SQL[order]}",
        params,
    )


def read_month(
    con: duckdb.DuckDBPyConnection, as_of: date, columns: Sequence[str] = ROW_COLUMNS,
) -> pd.DataFrame:
    """The initiative rows of one snapshot month (empty when the month has none); `columns`
    of them (a month of long texts is hundreds of MB with `raw_json`)."""
    unknown = set(columns) - set(ROW_COLUMNS)
    if unknown:
        raise ValueError(f"not columns of initiative_rows: {sorted(unknown)}")
    return _frame(
        con,
        f"SELECT {_column_list(columns)} FROM initiative_rows WHERE as_of = ? "
        f"ORDER BY initiative_id",
        [month_start(as_of)],
    )


#: Each initiative's first month whose stage is one of $3, beside every row up to $1.
_WITH_FIRST = (
    "SELECT *, min(as_of) FILTER (WHERE list_contains($3, stage)) "
    "OVER (PARTITION BY initiative_id) AS first_at FROM initiative_rows WHERE as_of <= $1"
)


def read_rows_thinned(
    con: duckdb.DuckDBPyConnection,
    up_to: date,
    detail_from: date,
    *,
    keep: Sequence[str],
    keep_at_first: Sequence[str],
    first_stages: Sequence[str],
) -> pd.DataFrame:
    """Rows up to `up_to`, unordered: rows from `detail_from` on in full; earlier rows carry the
    `keep` columns, plus `keep_at_first` on each initiative's first row in `first_stages` and
    on its on-hold rows; every other column is NULL."""
    def column(name: str) -> str:
        if name in keep:
            return f'"{name}"'
        if name in keep_at_first:
            return f'CASE WHEN as_of >= $2 OR on_hold OR as_of = first_at THEN "{name}" END AS "{name}"'
        return f'CASE WHEN as_of >= $2 THEN "{name}" END AS "{name}"'

    columns = ", ".join(column(c) for c in ROW_COLUMNS)
    return _frame(con, f"SELECT {columns} FROM ({_WITH_FIRST})",
                  [up_to, detail_from, list(first_stages)])


def read_columns(con: duckdb.DuckDBPyConnection, columns: Sequence[str]) -> pd.DataFrame:
    """`columns` of every stored row, unordered."""
    return _frame(con, f"SELECT {_column_list(columns)} FROM initiative_rows", [])


def read_rows_split(
    con: duckdb.DuckDBPyConnection,
    up_to: date,
    detail_from: date,
    *,
    history_columns: Sequence[str],
    first_stages: Sequence[str],
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Rows up to `up_to`, unordered, as two frames: `history_columns` of every row, and every
    column of the rows from `detail_from` on, of each initiative's first row in `first_stages`
    and of its on-hold rows. Cheaper than read_rows_thinned on a long history: no blanks."""
    history = _frame(
        con,
        f"SELECT {_column_list(history_columns)} FROM initiative_rows WHERE as_of <= $1",
        [up_to],
    )
    detail = _frame(
        con,
        f"SELECT {_column_list(ROW_COLUMNS)} FROM ({_WITH_FIRST}) "
        f"WHERE as_of >= $2 OR on_hold OR as_of = first_at",
        [up_to, detail_from, list(first_stages)],
    )
    return history, detail
