"""The schema is literal, frozen migrations: a database made by the first release upgrades on
open and takes the next month's import; the migrated table is exactly what the store reads."""
from __future__ import annotations

import io
from datetime import date, datetime
from pathlib import Path

import duckdb
from openpyxl import Workbook

from analytics import store
from analytics.domain import Stage
from analytics.ingest import import_file
from analytics.store.migrations import MIGRATIONS


def first_release_database(path: Path) -> None:
    """A database as the first release left it: migration 0001 only, one month imported."""
    con = duckdb.connect(str(path))
    con.execute("CREATE TABLE schema_migrations (id INTEGER PRIMARY KEY, name VARCHAR, "
                "applied_at TIMESTAMP)")
    name, statements = MIGRATIONS[0]
    assert name == "0001_initial"
    for statement in statements:
        con.execute(statement)
    con.execute("INSERT INTO schema_migrations VALUES (1, '0001_initial', ?)", [datetime(2025, 1, 2)])
    con.execute("INSERT INTO snapshots VALUES ('2025-01-01', 'sha-jan', 'portfolio-2025-01.xlsx', "
                "'Portfolio', 1, 'USD', 1, 0, '2025-02-03 09:00', 'ann', false)")
    con.execute("INSERT INTO initiative_rows (as_of, initiative_id, source_row, name, stage, "
                "budget, stage_raw, on_hold) VALUES ('2025-01-01', 'AI-1', 2, 'Claims triage', "
                "'pilot', 250000, 'Pilot', false)")
    con.execute("INSERT INTO audit (\"at\", action, as_of, file_name, rows, by_user) VALUES "
                "('2025-02-03 09:00', 'import', '2025-01-01', 'portfolio-2025-01.xlsx', 1, 'ann')")
    con.close()


def february_export() -> bytes:
    book = Workbook()
    sheet = book.active
    sheet.title = "Portfolio"
    sheet.append(["Initiative ID", "Initiative Name", "Phase", "Budget"])
    sheet.append(["AI-1", "Claims triage", "Scaling", "$300k"])
    sheet.append(["AI-2", "Churn model", "Idea", None])
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def test_a_first_release_database_upgrades_on_open_and_takes_the_next_import(tmp_path: Path):
    db = tmp_path / "portfolio.duckdb"
    first_release_database(db)

    with store.connect(db) as con:
        applied = [r[0] for r in con.execute("SELECT name FROM schema_migrations ORDER BY id").fetchall()]
    assert applied == [name for name, _ in MIGRATIONS]

    result = import_file(february_export(), db=db, file_name="portfolio-2025-02.xlsx")

    assert (result.as_of, result.status, result.rows) == (date(2025, 2, 1), "imported", 2)
    with store.connect(db, read_only=True) as con:
        rows = store.read_rows(con)
        months = [info.as_of for info in store.list_snapshots(con)]
    assert months == [date(2025, 1, 1), date(2025, 2, 1)]
    assert list(zip(rows["as_of"].dt.month, rows["initiative_id"], rows["stage"], strict=True)) == [
        (1, "AI-1", Stage.PILOT), (2, "AI-1", Stage.SCALING), (2, "AI-2", Stage.IDEA)]
    assert rows["budget"].fillna(-1).tolist() == [250_000.0, 300_000.0, -1]


def test_the_migrated_table_holds_exactly_the_columns_the_store_reads(tmp_path: Path):
    """A field added to analytics/domain.py without its migration fails here, not at import."""
    with store.connect(tmp_path / "fresh.duckdb") as con:
        described = con.execute(
            "SELECT column_name, data_type FROM information_schema.columns "
            "WHERE table_name = 'initiative_rows'"
        ).fetchall()
    assert dict(described) == store.ROW_TYPES
    assert set(store.ROW_COLUMNS) == set(store.ROW_TYPES)


def test_released_migrations_keep_their_names_and_order():
    assert [name for name, _ in MIGRATIONS[:2]] == ["0001_initial", "0002_import_memory"]
    numbers = [int(name.split("_")[0]) for name, _ in MIGRATIONS]
    assert numbers == list(range(1, len(MIGRATIONS) + 1))


def test_a_first_release_database_takes_an_import_without_being_opened_for_writing_first(tmp_path: Path):
    """The import reads and checks under a read-only connection (remembered mappings live in
    tables of migration 0002): the upgrade must not wait for a writer."""
    db = tmp_path / "portfolio.duckdb"
    first_release_database(db)
    result = import_file(february_export(), db=db, file_name="portfolio-2025-02.xlsx")
    assert (result.as_of, result.status, result.rows) == (date(2025, 2, 1), "imported", 2)
