"""Storing a month: replace, the identical-file no-op, refusals, atomicity, last-month checks."""
from __future__ import annotations

import io
import random
import string
from datetime import date
from pathlib import Path

import pandas as pd
import pytest
from openpyxl import Workbook, load_workbook

from analytics import store
from analytics.domain import Stage
from analytics.ingest import (
    as_of_from_name,
    commit_import,
    import_file,
    parse_month,
    prepare_import,
)
from analytics.limits import Limits
from analytics.problems import ImportRefused, PortfolioError, Severity, SnapshotExists

HEADER = ["Initiative ID", "Initiative Name", "Phase", "Owner", "Pilot Start", "Budget"]
TABLES = ("workbooks", "snapshots", "initiative_rows", "snapshot_problems", "audit", "mappings")


def export(rows: list[list[object]], title: str = "Portfolio") -> bytes:
    book = Workbook()
    ws = book.active
    ws.title = "Initiatives"
    ws.append([title])
    ws.append(HEADER)
    for row in rows:
        ws.append(row)
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


FEBRUARY = [
    ["AI-1", "Claims triage", "Pilot", "Ann", "2024-11-01", "$250k"],
    ["AI-2", "Churn model", "Scaling", "Bo", "2024-06-01", "$1.2M"],
    ["AI-3", "Invoice OCR", "Idea", "TBD", None, None],
]
MARCH = [
    ["AI-1", "Claims triage", "Rollout", "Ann", "2024-11-01", "$300k"],
    ["AI-3", "Invoice OCR", "POC", "Cy", "2025-03-03", "$80k"],
]


def tables(db: Path) -> dict[str, list[tuple]]:
    with store.connect(db, read_only=True) as con:
        return {t: con.execute(f"SELECT * FROM {t} ORDER BY ALL").fetchall() for t in TABLES}


def test_an_import_stores_the_rows_of_its_month(db_file: Path):
    result = import_file(export(FEBRUARY), db=db_file, file_name="portfolio-2025-02.xlsx")

    assert (result.as_of, result.status, result.rows, result.warnings) == (
        date(2025, 2, 1), "imported", 3, ())
    with store.connect(db_file, read_only=True) as con:
        rows = store.read_rows(con)
        [snapshot] = store.list_snapshots(con)
    assert rows["initiative_id"].tolist() == ["AI-1", "AI-2", "AI-3"]
    assert rows["stage"].tolist() == [Stage.PILOT, Stage.SCALING, Stage.IDEA]
    assert rows["owner"].tolist()[:2] == ["Ann", "Bo"] and pd.isna(rows["owner"][2])
    assert rows["budget"].tolist()[:2] == [250_000.0, 1_200_000.0]
    assert rows["source_row"].tolist() == [3, 4, 5]
    assert (snapshot.as_of, snapshot.rows, snapshot.file_name) == (
        date(2025, 2, 1), 3, "portfolio-2025-02.xlsx")


def test_the_identical_file_again_changes_nothing_with_or_without_replace(db_file: Path):
    data = export(FEBRUARY)
    import_file(data, db=db_file, file_name="portfolio-2025-02.xlsx")
    before = tables(db_file)

    again = import_file(data, db=db_file, file_name="portfolio-2025-02.xlsx")
    replaced = import_file(data, db=db_file, file_name="portfolio-2025-02.xlsx", replace=True)

    assert (again.status, again.rows) == ("unchanged", 3)
    assert replaced.status == "unchanged"
    assert tables(db_file) == before


def test_a_different_file_for_a_stored_month_needs_replace(db_file: Path):
    import_file(export(FEBRUARY), db=db_file, file_name="portfolio-2025-02.xlsx")
    before = tables(db_file)
    corrected = export(FEBRUARY[:2])

    with pytest.raises(SnapshotExists, match="2025-02"):
        import_file(corrected, db=db_file, file_name="portfolio-2025-02.xlsx")
    assert tables(db_file) == before

    result = import_file(corrected, db=db_file, file_name="portfolio-2025-02.xlsx", replace=True)
    assert (result.status, result.rows) == ("replaced", 2)
    with store.connect(db_file, read_only=True) as con:
        assert store.read_rows(con)["initiative_id"].tolist() == ["AI-1", "AI-2"]
        assert store.read_audit(con)["action"].tolist() == ["replace", "import"]


def test_a_plan_with_errors_is_refused_with_every_problem_and_nothing_written(db_file: Path):
    rows = [*FEBRUARY, ["AI-1", "Copy", "Weird stage", "", "2025-01-01", "1M"],
            ["AI-9", "Tiny", "Pilot", "", "2025-01-01", "purple money"]]
    plan = prepare_import(export(rows), "portfolio-2025-02.xlsx")

    with store.connect(db_file) as con, pytest.raises(ImportRefused) as refused:
        commit_import(con, plan)

    assert sorted(p.code for p in refused.value.errors) == ["bad_money", "duplicate_id",
                                                            "unknown_stage"]
    assert refused.value.problems == plan.problems
    assert all(rows == [] for rows in tables(db_file).values())


def test_a_plan_without_a_month_is_refused(db_file: Path):
    plan = prepare_import(export(FEBRUARY), "portfolio.xlsx")

    assert plan.as_of is None
    with store.connect(db_file) as con, pytest.raises(ImportRefused) as refused:
        commit_import(con, plan)
    assert [p.code for p in refused.value.problems] == ["missing_as_of"]


@pytest.mark.parametrize("replace", [False, True])
def test_an_import_failing_half_way_leaves_the_database_exactly_as_before(
    db_file: Path, monkeypatch: pytest.MonkeyPatch, replace: bool,
):
    import_file(export(FEBRUARY), db=db_file, file_name="portfolio-2025-02.xlsx")
    month = "portfolio-2025-02.xlsx" if replace else "portfolio-2025-03.xlsx"
    before = tables(db_file)
    inserted = []

    def fail_after_rows_are_in() -> str:
        # write_snapshot asks who imports only after inserting the workbook, rows and problems.
        inserted.append(True)
        raise OSError("disk full")

    monkeypatch.setattr(store.snapshots, "current_user", fail_after_rows_are_in)
    with pytest.raises(OSError, match="disk full"):
        import_file(export(MARCH), db=db_file, file_name=month, replace=replace)

    assert inserted == [True]
    assert tables(db_file) == before


def test_an_initiative_missing_since_last_month_is_a_warning_kept_with_the_snapshot(db_file: Path):
    january = [*FEBRUARY, ["AI-4", "Retired bot", "Live", "Di", "2023-01-01", "$10k"]]
    import_file(export(january), db=db_file, file_name="portfolio-2025-01.xlsx")
    import_file(export(FEBRUARY), db=db_file, file_name="portfolio-2025-02.xlsx")

    result = import_file(export(MARCH), db=db_file, file_name="portfolio-2025-03.xlsx")

    [warning] = result.warnings
    assert (warning.code, warning.severity, warning.value) == (
        "missing_since_last_month", Severity.WARNING, "AI-2")
    assert "2025-02" in warning.message and "row 4" in warning.message
    with store.connect(db_file, read_only=True) as con:
        stored = store.read_problems(con, date(2025, 3, 1))
        snapshots = {s.as_of: s.warnings for s in store.list_snapshots(con)}
    assert stored[["code", "value"]].values.tolist() == [["missing_since_last_month", "AI-2"]]
    assert snapshots[date(2025, 3, 1)] == 1
    # February lost AI-4 against January; March is compared with February only.
    assert snapshots[date(2025, 2, 1)] == 1


def test_last_month_is_checked_at_commit_even_for_a_plan_prepared_without_the_database(
    db_file: Path,
):
    import_file(export(FEBRUARY), db=db_file, file_name="portfolio-2025-02.xlsx")
    plan = prepare_import(export(MARCH), "portfolio-2025-03.xlsx")

    assert plan.warnings == ()
    with store.connect(db_file) as con:
        result = commit_import(con, plan)
    assert [w.value for w in result.warnings] == ["AI-2"]


def test_prepare_with_the_database_reports_last_months_missing_initiatives(db_file: Path):
    import_file(export(FEBRUARY), db=db_file, file_name="portfolio-2025-02.xlsx")

    with store.connect(db_file, read_only=True) as con:
        plan = prepare_import(export(MARCH), "portfolio-2025-03.xlsx", con=con)

    assert [(p.code, p.value) for p in plan.warnings] == [("missing_since_last_month", "AI-2")]
    assert plan.ok


def test_warnings_found_in_the_cells_are_stored_with_their_positions(db_file: Path):
    book = Workbook()
    ws = book.active
    ws.append(["ID", "Name", "Stage", "Pilot Start", "Go-Live", "Data Readiness"])
    ws.append(["AI-1", "Claims triage", "Live", "2025-01-01", "2024-12-01", "so-so"])
    buffer = io.BytesIO()
    book.save(buffer)

    import_file(buffer.getvalue(), db=db_file, file_name="portfolio-2025-03.xlsx")

    with store.connect(db_file, read_only=True) as con:
        stored = store.read_problems(con, date(2025, 3, 1))
    assert stored[["code", "sheet", "row", "column", "value"]].values.tolist() == [
        ["production_before_pilot", "Sheet", 2, "Go-Live", "2024-12-01"],
        ["unknown_readiness", "Sheet", 2, "Data Readiness", "so-so"],
    ]


def test_an_import_from_a_path_with_an_explicit_month(db_file: Path, tmp_path: Path):
    path = tmp_path / "export.xlsx"
    path.write_bytes(export(FEBRUARY))

    result = import_file(path, db=db_file, as_of="2025-02")

    assert (result.as_of, result.rows) == (date(2025, 2, 1), 3)
    with store.connect(db_file, read_only=True) as con:
        [snapshot] = store.list_snapshots(con)
        assert store.workbook_bytes(con, snapshot.sha256) == path.read_bytes()
    assert snapshot.file_name == "export.xlsx"


def test_a_file_without_a_month_needs_one(db_file: Path, tmp_path: Path):
    path = tmp_path / "export.xlsx"
    path.write_bytes(export(FEBRUARY))

    with pytest.raises(ImportRefused) as refused:
        import_file(path, db=db_file)
    assert [p.code for p in refused.value.problems] == ["missing_as_of"]
    with pytest.raises(PortfolioError, match="file not found"):
        import_file(tmp_path / "nope-2025-01.xlsx", db=db_file)


@pytest.mark.parametrize(("name", "month"), [
    ("portfolio-2025-03.xlsx", date(2025, 3, 1)),
    ("/exports/2024/AI Portfolio 2025_11 final.xlsx", date(2025, 11, 1)),
    ("export_202412.xlsx", date(2024, 12, 1)),
    ("Portfolio March 2025.xlsx", date(2025, 3, 1)),
    ("portfolio-sep-2024.xlsx", date(2024, 9, 1)),
    ("portfolio-2025-03-15.xlsx", date(2025, 3, 1)),
    ("portfolio.xlsx", None),
    ("portfolio-2025-13.xlsx", None),
    ("build-20250315.xlsx", None),
])
def test_the_month_a_file_name_carries(name: str, month: date | None):
    assert as_of_from_name(name) == month


def test_parse_month_explains_the_format():
    assert parse_month("2025-03") == date(2025, 3, 1)
    with pytest.raises(PortfolioError, match="YYYY-MM"):
        parse_month("March")


def test_too_many_rows_is_refused_before_reading_them():
    rows = [[f"AI-{i}", f"I{i}", "Pilot", "", "", ""] for i in range(12)]

    with pytest.raises(ImportRefused) as refused:
        prepare_import(export(rows), "portfolio-2025-03.xlsx", limits=Limits(max_rows=10))

    [problem] = refused.value.problems
    assert (problem.code, problem.sheet, problem.row) == ("too_many_rows", "Initiatives", 13)


def test_an_overlong_cell_is_an_error_naming_its_place():
    rows = [["AI-1", "Claims triage", "Pilot", "Ann", "", ""],
            ["AI-2", "x" * 60, "Pilot", "Bo", "", ""]]

    plan = prepare_import(export(rows), "portfolio-2025-03.xlsx", limits=Limits(max_cell_chars=50))

    [problem] = plan.errors
    assert (problem.code, problem.sheet, problem.row, problem.column) == (
        "cell_too_long", "Initiatives", 4, "Initiative Name")


def test_one_workbook_filed_under_two_months_is_kept_once_and_both_months_have_their_rows(
    db_file: Path,
):
    data = export(FEBRUARY)
    import_file(data, db=db_file, as_of="2025-02", file_name="portfolio.xlsx")

    result = import_file(data, db=db_file, as_of="2025-03", file_name="portfolio.xlsx")

    assert (result.status, result.rows) == ("imported", 3)
    with store.connect(db_file, read_only=True) as con:
        months = {s.as_of: s.rows for s in store.list_snapshots(con)}
        [(kept,)] = con.execute("SELECT count(*) FROM workbooks").fetchall()
        stored = store.workbook_bytes(con, store.snapshot_sha(con, date(2025, 3, 1)) or "")
    assert months == {date(2025, 2, 1): 3, date(2025, 3, 1): 3}
    assert kept == 1 and stored == data


def test_a_write_leaves_the_database_settings_as_it_found_them(db_file: Path):
    # The dashboard's server writes and reads in one long-lived process: the write's memory
    # bound and single thread must not stay set for the readers after it.
    with store.connect(db_file) as con:
        before = con.execute(
            "SELECT current_setting('memory_limit'), current_setting('threads')").fetchall()
        commit_import(con, prepare_import(export(FEBRUARY), "portfolio-2025-02.xlsx"))
        after = con.execute(
            "SELECT current_setting('memory_limit'), current_setting('threads')").fetchall()
        [(rows,)] = con.execute("SELECT count(*) FROM initiative_rows").fetchall()

    assert rows == 3 and after == before


def test_a_month_that_cannot_be_written_within_the_memory_bound_is_an_error_naming_it(
    db_file: Path, monkeypatch: pytest.MonkeyPatch,
):
    import_file(export(FEBRUARY), db=db_file, file_name="portfolio-2025-02.xlsx")
    before = tables(db_file)
    book = load_workbook(io.BytesIO(export(MARCH)))
    # A sheet of attachments-like noise makes a workbook of about 3 MB.
    noise = random.Random(3)
    book.create_sheet("Attachments").append(
        ["".join(noise.choices(string.ascii_letters, k=30_000)) for _ in range(120)])
    buffer = io.BytesIO()
    book.save(buffer)
    # A bound below the workbook's own size: DuckDB cannot hold its BLOB to commit it.
    monkeypatch.setattr(store.snapshots, "write_memory_bytes", lambda size: 2 * 1024 * 1024)

    with pytest.raises(PortfolioError, match=r"within 2 MB of database memory.*nothing was written"):
        import_file(buffer.getvalue(), db=db_file, file_name="portfolio-2025-03.xlsx")

    assert tables(db_file) == before
