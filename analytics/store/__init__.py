"""The embedded DuckDB database, one module per concern:

connection  where the file lives, opening it (locks, damage), migrating on open
migrations  the schema as literal, frozen, named SQL migrations
snapshots   writing, listing and deleting one month's snapshot
rows        the one row reader (Arrow)
audit       the audit trail and the data version (the readers' cache key)
memory      header and stage-word mappings remembered between imports

`from analytics import store` then `store.connect(...)`, `store.read_rows(...)`: the public
names of every module are re-exported here.
"""
from analytics.ingest.months import month_start
from analytics.store.audit import Action, data_version, read_audit
from analytics.store.connection import (
    DB_ENV,
    DEFAULT_DB,
    connect,
    current_user,
    damaged_message,
    db_path,
    describe_process,
)
from analytics.store.memory import (
    header_memory,
    load_mapping,
    remember_headers,
    remember_stages,
    save_mapping,
    stage_memory,
)
from analytics.store.migrations import MIGRATIONS, migrate
from analytics.store.rows import ROW_COLUMNS, ROW_TYPES, read_month, read_rows
from analytics.store.snapshots import (
    PROBLEM_COLUMNS,
    SnapshotInfo,
    SnapshotMeta,
    delete_snapshot,
    list_snapshots,
    read_problems,
    snapshot_currencies,
    snapshot_currency,
    snapshot_sha,
    workbook_bytes,
    write_snapshot,
)

__all__ = [
    "DB_ENV", "DEFAULT_DB", "MIGRATIONS", "PROBLEM_COLUMNS", "ROW_COLUMNS", "ROW_TYPES",
    "Action", "SnapshotInfo", "SnapshotMeta", "connect", "current_user", "damaged_message",
    "data_version", "db_path", "delete_snapshot", "describe_process", "header_memory",
    "list_snapshots", "load_mapping", "migrate", "month_start", "read_audit", "read_month",
    "read_problems", "read_rows", "remember_headers", "remember_stages", "save_mapping",
    "snapshot_currencies", "snapshot_currency", "snapshot_sha", "stage_memory",
    "workbook_bytes", "write_snapshot",
]
