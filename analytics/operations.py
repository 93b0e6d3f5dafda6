"""The four writes: import (or replace) a month, delete a month, restore a backup.

Each takes its backup, leaves its audit row (analytics/store/audit.py) and then brings the
stored report facts up to date (analytics/metrics/stored.py); the command line
(analytics/cli/) and the Data page (dashboard/data.py) both call these, so the order of
backup, check, write and facts exists once.
"""
from __future__ import annotations

import os
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from datetime import date
from pathlib import Path

import duckdb

from analytics import store
from analytics.backup import make_backup, restore_backup
from analytics.ingest.headers import load_mapping_file
from analytics.ingest.model import ImportPlan, ImportResult
from analytics.ingest.months import as_of_from_name, parse_month
from analytics.ingest.pipeline import (
    commit_import,
    missing_as_of,
    refusal,
    sample_months,
    sample_refusal,
    will_write,
)
from analytics.ingest.plan import prepare_import
from analytics.ingest.reader import WorkbookRead
from analytics.ingest.source import read_source
from analytics.limits import DEFAULT_LIMITS, Limits
from analytics.problems import SnapshotMissing

Database = str | os.PathLike[str] | None


def import_with_plan(
    path_or_bytes: bytes | str | os.PathLike[str],
    *,
    db: Database = None,
    as_of: date | str | None = None,
    mapping: Mapping[str, object] | str | os.PathLike[str] | None = None,
    replace: bool = False,
    imported_by: str = "",
    is_sample: bool = False,
    file_name: str | None = None,
    limits: Limits = DEFAULT_LIMITS,
    sheet: str | None = None,
    replace_sample: bool = False,
    reading: WorkbookRead | None = None,
) -> tuple[ImportPlan, ImportResult]:
    """import_file, also returning the plan without its rows (ImportPlan.stored: the CLI
    summary shows its sheet, header row and columns).
    `reading`: the reader child the caller already started on these bytes."""
    data, name = read_source(path_or_bytes, file_name, limits)
    month = parse_month(as_of) if isinstance(as_of, str) else as_of
    month = store.month_start(month) if month is not None else as_of_from_name(name)
    if month is None:
        raise missing_as_of(name)
    if mapping is not None and not isinstance(mapping, Mapping):
        mapping = load_mapping_file(mapping)
    # Read and check under a read-only connection: no write lock is held while the workbook
    # is parsed, and a refused file never pushes a good backup out of the rotation.
    with store.connect(db, read_only=True) as con:
        plan = prepare_import(data, name, as_of=month, mapping=mapping, con=con, limits=limits,
                              sheet=sheet, reading=reading)
        samples = [] if is_sample else sample_months(con)
    if plan.errors:
        raise refusal(plan)
    if samples and not replace_sample:
        raise sample_refusal(samples)
    if not is_sample:
        backup_before_commit(db, plan, replace=replace)
    with _facts_refreshed(db, plan.as_of) as con:
        result = commit_import(con, plan, replace=replace, imported_by=imported_by,
                               is_sample=is_sample, replace_sample=replace_sample)
        summary = plan.stored()
        # The rows are stored: the facts refreshed on leaving get their memory (the frame of
        # the 200,000-row limit is 80 MB), and the caller's summary needs none of them.
        del plan
    return summary, result


def import_file(
    path_or_bytes: bytes | str | os.PathLike[str],
    *,
    db: Database = None,
    as_of: date | str | None = None,
    mapping: Mapping[str, object] | str | os.PathLike[str] | None = None,
    replace: bool = False,
    imported_by: str = "",
    is_sample: bool = False,
    file_name: str | None = None,
    sheet: str | None = None,
    replace_sample: bool = False,
) -> ImportResult:
    """Read, check and store one workbook (a path or its bytes) as its month's snapshot;
    with `replace`, over the month's stored file.

    `mapping` is a {header: field} dict or the path of a mapping JSON file; `as_of` a date,
    'YYYY-MM', or None to take the month from the file name.
    """
    return import_with_plan(
        path_or_bytes, db=db, as_of=as_of, mapping=mapping, replace=replace,
        imported_by=imported_by, is_sample=is_sample, file_name=file_name, sheet=sheet,
        replace_sample=replace_sample,
    )[1]


def commit_plan(
    db: Database, plan: ImportPlan, *, replace: bool, imported_by: str = "",
    replace_sample: bool = False,
) -> ImportResult:
    """Store a plan already read and checked (the Data page's preview), after its backup."""
    backup_before_commit(db, plan, replace=replace)
    with _facts_refreshed(db, plan.as_of) as con:
        return commit_import(con, plan, replace=replace, imported_by=imported_by,
                             replace_sample=replace_sample)


def backup_before_commit(db: Database, plan: ImportPlan, *, replace: bool) -> Path | None:
    """A backup, only when the database holds a month and committing `plan` will write.

    No-op re-imports and refusals take none, so they never rotate a good backup away.
    """
    with store.connect(db, read_only=True) as con:
        needed = bool(store.list_snapshots(con)) and will_write(con, plan, replace=replace)
    # Taken with no connection open: DuckDB's lock would not cover a copy made under one.
    return make_backup(db, "import") if needed else None


def stored_month(db: Database, as_of: date) -> store.SnapshotInfo:
    """The snapshot of `as_of`'s month; SnapshotMissing (naming the way to list them) if none."""
    month = store.month_start(as_of)
    path = store.db_path(db)
    found = None
    if path.exists():
        with store.connect(path, read_only=True) as con:
            found = next((s for s in store.list_snapshots(con) if s.as_of == month), None)
    if found is None:
        raise SnapshotMissing(
            f"there is no snapshot for {month:%Y-%m} in {path}; "
            "list the months with: python -m analytics snapshots"
        )
    return found


def delete_month(db: Database, as_of: date, *, by_user: str = "") -> int:
    """Remove one month after a backup; the audit keeps a record. Returns the rows removed."""
    stored_month(db, as_of)
    make_backup(db, "delete")
    with _facts_refreshed(db, as_of) as con:
        return store.delete_snapshot(con, as_of, by_user=by_user)


def restore(db: Database, backup: str | os.PathLike[str]) -> Path | None:
    """Make `backup` the database again, after backing up the current one (returned, so the
    restore can be undone); the audit records the restore."""
    previous = restore_backup(db, backup)
    with store.connect(db) as con:
        _refresh_facts(con, None)
    return previous


@contextmanager
def _facts_refreshed(db: Database, month: date | None) -> Iterator[duckdb.DuckDBPyConnection]:
    """A writable connection for a write that changes `month` (None: any month); afterwards
    the stored report facts are brought up to date (analytics/metrics/stored.py), for that
    month and later ones only when they were current before and no sample month goes."""
    # Imported here: the CLI's import command starts without the metrics package.
    from analytics.metrics.stored import facts_current
    with store.connect(db) as con:
        since = month if month is not None and facts_current(con) and not sample_months(con) else None
        yield con
        written = store.data_version(con)
        rows = sum(s.rows for s in store.list_snapshots(con) if s.as_of == month)
        if rows < FRESH_CONNECTION_ROWS:
            _refresh_facts(con, since)
            return
    # On a connection of their own: closing the write's gives back the buffers DuckDB filled
    # with a large month (40 MB at the rows limit), before the facts need memory of their own.
    with store.connect(db) as con:
        # Another process may have written in between: then every month's facts are redone.
        _refresh_facts(con, since if store.data_version(con) == written else None)


#: A month at least this large has its facts refreshed on a new connection: closing the
#: write's costs 0.05 s, worth it only where the buffers it frees are tens of MB.
FRESH_CONNECTION_ROWS = 50_000


def _refresh_facts(con: duckdb.DuckDBPyConnection, since: date | None) -> None:
    from analytics.metrics.stored import facts_current, refresh_facts
    if not facts_current(con):
        refresh_facts(con, store.month_start(since) if since is not None else None)
