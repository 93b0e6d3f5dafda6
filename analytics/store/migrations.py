"""The schema, as ordered, named, literal SQL migrations.

Append only: a released migration never changes, not even when a field is added to
analytics/domain.py. A new field comes through a new migration (ALTER TABLE initiative_rows
ADD COLUMN ...); tests/test_store_migrations.py checks that the migrated table holds exactly
the columns `rows.ROW_COLUMNS` names, with `rows.ROW_TYPES`. docs/recipes.md: "Add a field".
"""
from __future__ import annotations

from datetime import datetime

import duckdb

#: 0001 is the schema the first release created, written out as it generated it then.
MIGRATIONS: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("0001_initial", (
        """CREATE TABLE workbooks (
             sha256 VARCHAR PRIMARY KEY, file_name VARCHAR, size BIGINT, content BLOB,
             stored_at TIMESTAMP)""",
        """CREATE TABLE snapshots (
             as_of DATE PRIMARY KEY, sha256 VARCHAR, file_name VARCHAR, sheet VARCHAR,
             header_row INTEGER, currency VARCHAR, rows INTEGER, warnings INTEGER,
             imported_at TIMESTAMP, imported_by VARCHAR, is_sample BOOLEAN)""",
        """CREATE TABLE initiative_rows (
  "as_of" DATE,
  "initiative_id" VARCHAR,
  "source_row" INTEGER,
  "name" VARCHAR,
  "stage" VARCHAR,
  "business_unit" VARCHAR,
  "owner" VARCHAR,
  "pilot_start" DATE,
  "production_date" DATE,
  "stage_entered" DATE,
  "budget" DOUBLE,
  "spend_to_date" DOUBLE,
  "expected_value" DOUBLE,
  "realized_value" DOUBLE,
  "data_readiness" SMALLINT,
  "integration_status" VARCHAR,
  "solution_type" VARCHAR,
  "success_metric" VARCHAR,
  "stall_cause" VARCHAR,
  "notes" VARCHAR,
  "stage_raw" VARCHAR,
  "on_hold" BOOLEAN,
  "raw_json" VARCHAR
)""",
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
    # The section 2-5 facts of every stored row, derived after each write so that a report
    # reads one month's facts instead of recomputing them from the whole history (issue #12).
    # Derived data only: `report_facts_state` names the data and code version they were
    # computed for, and a reader that finds another version computes from the rows instead.
    ("0003_report_facts", (
        """CREATE TABLE report_facts (
             as_of DATE, initiative_id VARCHAR, stage_code SMALLINT, "rank" SMALLINT,
             highest_rank SMALLINT, origin DATE, origin_source SMALLINT, production_at DATE,
             production_source SMALLINT, stopped_at DATE, stopped_source SMALLINT,
             stage_since DATE, stage_since_source SMALLINT, days_in_stage INTEGER,
             first_pilot_as_of DATE)""",
        """CREATE TABLE report_facts_state (version VARCHAR, written_at TIMESTAMP)""",
    )),
)


def migrate(con: duckdb.DuckDBPyConnection, applied_at: datetime) -> list[str]:
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
                "INSERT INTO schema_migrations VALUES (?, ?, ?)", [number, name, applied_at]
            )
            con.execute("COMMIT")
        except Exception:
            con.execute("ROLLBACK")
            raise
        applied.append(name)
    return applied
