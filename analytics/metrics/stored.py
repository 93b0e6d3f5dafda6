"""Report facts kept in the database (migration 0003_report_facts).

Computing the section 2-5 facts means reading every stored row of every month; a report then
needs only those of its month and the month before. So each write (import, delete, restore)
computes the facts of every row once, here, and a report reads two months of them. The stored
facts are a cache: they carry the version of the data (the audit) and of the code that
computed them, and `report_from_store` computes from the rows whenever either differs, so a
missed refresh or a changed metric costs time, never a different number.
"""
from __future__ import annotations

import hashlib
from datetime import date
from functools import cache
from pathlib import Path

import duckdb
import numpy as np
import pandas as pd

from analytics import domain, store
from analytics.ingest import months as months_module
from analytics.metrics import history, types
from analytics.metrics.history import Facts, as_months, facts, last_days, snapshot_months
from analytics.metrics.load import (
    FIRST_PILOT_COLUMNS,
    HISTORY_COLUMNS,
    load_report_parts,
    months_in,
    report_months,
)
from analytics.metrics.report import compute_report_parts, compute_report_prepared
from analytics.metrics.types import Report
from analytics.scope import ReportScope
from analytics.store.facts import (
    FACT_FIELDS,
    FACT_PREFIX,
    facts_cover_rows_before,
    facts_version,
    read_first_pilot_rows,
    read_rows_with_facts,
    write_facts,
)

#: The modules whose code decides the stored facts: editing any of them retires the facts
#: stored by the old code (see code_version).
_FACT_SOURCES = (history, domain, types, months_module)


@cache
def code_version() -> str:
    """A digest of the code that computes the facts."""
    digest = hashlib.sha256()
    for module in _FACT_SOURCES:
        digest.update(Path(str(module.__file__)).read_bytes())
    return digest.hexdigest()[:16]


def current_version(con: duckdb.DuckDBPyConnection) -> str:
    """The version stored facts must carry to be read: this data, this code."""
    return f"{store.data_version(con)}/{code_version()}"


def facts_current(con: duckdb.DuckDBPyConnection) -> bool:
    """Whether the stored facts are those of the data and code as they are now."""
    return facts_version(con) == current_version(con)


#: Rows of history whose facts are computed and written at a time: the facts of a 200,000-row
#: month at once took 70 MB of temporaries on top of the import.
CHUNK_ROWS = 50_000


def refresh_facts(con: duckdb.DuckDBPyConnection, since: date | None = None, *,
                  chunk_rows: int = CHUNK_ROWS) -> None:
    """Compute and store the facts after a write has committed, with the current version.

    `since`: the earliest month the write changed, when the facts were current before it:
    only the facts of that month and later ones are computed again (a fact looks backward
    only). Every stored row's facts are computed otherwise, or when the write renamed an
    initiative in earlier months. Called by every write (analytics/operations.py, the import
    pipeline). The initiatives are taken about `chunk_rows` rows at a time (each one's rows
    together, every snapshot month known), which bounds the memory, not the result."""
    if since is not None and not facts_cover_rows_before(con, since):
        since = None
    rows = store.rows.read_columns(con, HISTORY_COLUMNS)
    months = snapshot_months(rows)
    keep = None if since is None else [month for month in months_in(rows) if month >= since]
    # The facts group rows by initiative and need no text of its ID: they run on its code,
    # which copies a number per row into each chunk, not a string.
    codes, ids = pd.factorize(rows["initiative_id"])
    coded = rows.assign(initiative_id=codes)
    chunks = max(1, -(-len(rows) // chunk_rows))
    # Initiatives are dealt round the chunks by their code: each one's rows stay in one chunk.
    parts = (coded.loc[codes % chunks == k] for k in range(chunks))
    write_facts(con, (stored_frame(facts(part, months=months, keep=keep), ids) for part in parts),
                current_version(con), since)


def stored_frame(found: Facts, ids: pd.Index | None = None) -> pd.DataFrame:
    """The kept rows' facts as `report_facts` holds them; `ids`: the initiative IDs by code,
    when the rows carry codes in place of them."""
    frame_months = as_months(found.frame["as_of"])
    return pd.DataFrame({
        "as_of": found.month.astype("datetime64[D]"),
        # Kept as Arrow text: a Python object per ID would cost more than the facts themselves.
        "initiative_id": (found.frame["initiative_id"].iloc[found.at].reset_index(drop=True) if ids is None
                          else pd.Series(ids.take(found.frame["initiative_id"].to_numpy()[found.at]))),
        "stage_code": found.code,
        "rank": found.rank,
        "highest_rank": found.highest,
        "origin": found.origin,
        "origin_source": found.origin_source,
        "production_at": found.production_at,
        "production_source": found.production_source,
        "stopped_at": found.stopped_at,
        "stopped_source": found.stopped_source,
        "stage_since": found.stage_since,
        "stage_since_source": found.stage_since_source,
        "days_in_stage": found.days_in_stage,
        "first_pilot_as_of": frame_months[found.first_pilot_at].astype("datetime64[D]"),
    }, columns=["as_of", "initiative_id", *FACT_FIELDS])


def _dates(frame: pd.DataFrame, name: str) -> np.ndarray:
    return frame[FACT_PREFIX + name].to_numpy().astype("datetime64[D]")


def _codes(frame: pd.DataFrame, name: str, dtype: type[np.generic]) -> np.ndarray:
    return frame[FACT_PREFIX + name].to_numpy().astype(dtype)


def facts_read_back(frame: pd.DataFrame) -> Facts:
    """Facts from `read_rows_with_facts`: the rows' own columns as the frame, every row kept."""
    month = as_months(frame["as_of"])
    rows = frame.drop(columns=[FACT_PREFIX + name for name in FACT_FIELDS])
    at = np.arange(len(frame))
    return Facts(
        frame=rows, at=at, month=month, as_of_date=last_days(month),
        code=_codes(frame, "stage_code", np.int64), rank=_codes(frame, "rank", np.int64),
        highest=_codes(frame, "highest_rank", np.int64),
        origin=_dates(frame, "origin"), origin_source=_codes(frame, "origin_source", np.int8),
        production_at=_dates(frame, "production_at"),
        production_source=_codes(frame, "production_source", np.int8),
        stopped_at=_dates(frame, "stopped_at"), stopped_source=_codes(frame, "stopped_source", np.int8),
        stage_since=_dates(frame, "stage_since"),
        stage_since_source=_codes(frame, "stage_since_source", np.int8),
        days_in_stage=_codes(frame, "days_in_stage", np.int64),
        first_pilot_at=at,
    )


def report_from_store(con: duckdb.DuckDBPyConnection, scope: ReportScope) -> Report:
    """The report for the scope's month and filters, in that month's snapshot currency: from
    the stored facts when they are current, else computed from the rows (the same Report either
    way; SnapshotMissing when the month has no snapshot)."""
    currency = store.snapshot_currency(con, scope.as_of)
    if not facts_current(con):
        history_rows, detail = load_report_parts(con, scope.as_of)
        return compute_report_parts(history_rows, detail, scope, currency)
    month, before = report_months(con, scope.as_of)
    rows = read_rows_with_facts(con, sorted({before, month}))
    firsts = read_first_pilot_rows(con, month, FIRST_PILOT_COLUMNS)
    return compute_report_prepared(facts_read_back(rows), firsts, scope, currency)
