"""Stored report facts (analytics/metrics/stored.py): a report read from them is the report
computed from the rows, every write keeps them current, and stale ones are never read."""
from __future__ import annotations

from datetime import date

import pandas as pd
import pytest

from analytics import operations, store
from analytics.backup import list_backups
from analytics.domain import FIELD_BY_NAME
from analytics.metrics import compute_report, report_json
from analytics.metrics import stored as stored_facts
from analytics.metrics.stored import facts_current, refresh_facts, report_from_store
from analytics.scope import ReportScope
from tests.support.hostile import workbook_bytes
from tests.support.scenario import ON_HOLD, PR, ST, I, P, S, month, read_back, row, write_months

MONTHS = ("2024-01", "2024-02", "2024-03", "2024-04", "2024-05")
FILTERS = ({}, {"stall_days": 30}, {"business_unit": "Finance"}, {"solution_type": "Custom build"})


def journeys() -> dict[str, list[dict[str, object]]]:
    """Six initiatives over five months, with what makes the facts hard: a stage carried
    through on-hold months, a month missing from the run, a pilot start that is a plan, a stop,
    and an ID whose spelling changes in the last month."""
    steps: dict[str, list[tuple[object, dict[str, object]] | None]] = {
        "A-1": [(P, {"pilot_start": "2023-10-01"}), (S, {}), (PR, {"production_date": "2024-03-10"}),
                (PR, {}), (PR, {})],
        "A-2": [(ON_HOLD, {"pilot_start": "2023-12-01"}), (ON_HOLD, {}), (P, {}), (ST, {"stage_entered": "2024-04-02"}),
                (ST, {})],
        "A-3": [(I, {}), (P, {}), None, (P, {}), (S, {"stage_entered": "2024-05-03"})],
        "A-4": [(I, {"pilot_start": "2024-09-01"}), (I, {}), (P, {}), (P, {}), (ON_HOLD, {})],
        "A-5": [(S, {"stage_entered": "2023-05-01", "budget": 50.0, "owner": "Ann and Bob"})] * 5,
        "a-6": [(P, {"data_readiness": 1, "business_unit": "Finance"})] * 4
               + [(P, {"data_readiness": 4, "business_unit": "Finance"})],
    }
    months: dict[str, list[dict[str, object]]] = {}
    for k, as_of in enumerate(MONTHS):
        months[as_of] = []
        for initiative, path in steps.items():
            step = path[k]
            if step is None:
                continue
            stage, cells = step
            spelled = "A-6" if initiative == "a-6" and k == len(MONTHS) - 1 else initiative
            months[as_of].append(row(spelled, stage, **{"business_unit": "Operations",
                                                        "solution_type": "Custom build", **cells}))
    return months


def assert_same_reports(db: object, months: tuple[str, ...] = MONTHS) -> None:
    """Every month's report, under every filter, read from the stored facts and from the rows."""
    rows = read_back(db)  # type: ignore[arg-type]
    with store.connect(db, read_only=True) as con:  # type: ignore[call-overload]
        for as_of in months:
            for filters in FILTERS:
                stored = report_from_store(con, ReportScope(month(as_of), **filters))
                computed = compute_report(rows, month(as_of), **filters)
                assert report_json(stored) == report_json(computed), (as_of, filters)
                pd.testing.assert_frame_equal(stored.population, computed.population)
                pd.testing.assert_frame_equal(stored.stalls.stalled, computed.stalls.stalled)
                pd.testing.assert_frame_equal(stored.changes.moved_up, computed.changes.moved_up)


def test_a_report_read_from_stored_facts_is_the_report_computed_from_the_rows(db_file):
    write_months(db_file, journeys())
    with store.connect(db_file) as con:
        assert not facts_current(con)          # written past the operations: nothing stored yet
        refresh_facts(con)
        assert facts_current(con)
    assert_same_reports(db_file)


def test_facts_computed_a_few_initiatives_at_a_time_are_the_same(db_file):
    write_months(db_file, journeys())
    with store.connect(db_file) as con:
        refresh_facts(con, chunk_rows=4)      # six initiatives: two or three per chunk
        chunked = con.execute("SELECT * FROM report_facts ORDER BY as_of, initiative_id").df()
        refresh_facts(con)
        whole = con.execute("SELECT * FROM report_facts ORDER BY as_of, initiative_id").df()
    assert len(whole) == sum(len(rows) for rows in journeys().values())
    pd.testing.assert_frame_equal(chunked, whole)
    assert_same_reports(db_file)


def test_the_stored_path_is_the_one_taken_when_the_facts_are_current(db_file, monkeypatch):
    write_months(db_file, journeys())
    with store.connect(db_file) as con:
        refresh_facts(con)
    read_from_rows = []
    monkeypatch.setattr(stored_facts, "load_report_parts",
                        lambda *args: read_from_rows.append(args) or pytest.fail("read the rows"))
    with store.connect(db_file, read_only=True) as con:
        report = report_from_store(con, ReportScope(month("2024-05")))
    assert report.funnel.population == 6 and read_from_rows == []


def test_facts_written_by_other_data_or_other_code_are_never_read(db_file, monkeypatch):
    write_months(db_file, journeys())
    with store.connect(db_file) as con:
        refresh_facts(con)
    # A write that bypasses the refresh: the stored facts describe the data before it.
    write_months(db_file, {"2024-06": [row("A-1", PR, business_unit="Operations"),
                                       row("A-9", P, business_unit="Finance", pilot_start="2024-06-01")]})
    with store.connect(db_file, read_only=True) as con:
        assert not facts_current(con)
    assert_same_reports(db_file, (*MONTHS, "2024-06"))
    with store.connect(db_file) as con:
        refresh_facts(con)
        assert facts_current(con)
    # The code that computes the facts changed since they were stored.
    monkeypatch.setattr(stored_facts, "code_version", lambda: "a later release")
    with store.connect(db_file, read_only=True) as con:
        assert not facts_current(con)
    assert_same_reports(db_file, ("2024-05", "2024-06"))


HEADERS = tuple(FIELD_BY_NAME[f].label for f in ("initiative_id", "name", "stage", "business_unit",
                                                   "pilot_start", "stage_entered"))


def export(rows: list[tuple[object, ...]]) -> bytes:
    return workbook_bytes(rows, headers=HEADERS)


EXPORTS = {
    "2024-01": [("U-1", "Claims triage", "Pilot", "Finance", date(2023, 11, 1), None),
                ("U-2", "Churn model", "Idea", "Sales", None, None),
                ("U-3", "Invoice OCR", "On hold", "Finance", date(2023, 6, 1), None)],
    "2024-02": [("U-1", "Claims triage", "Scaling", "Finance", date(2023, 11, 1), date(2024, 2, 5)),
                ("U-2", "Churn model", "Pilot", "Sales", date(2024, 2, 1), None),
                ("U-3", "Invoice OCR", "On hold", "Finance", date(2023, 6, 1), None)],
    "2024-03": [("U-1", "Claims triage", "Production", "Finance", date(2023, 11, 1), date(2024, 3, 9)),
                ("U-2", "Churn model", "Stopped", "Sales", date(2024, 2, 1), date(2024, 3, 2)),
                ("u-3", "Invoice OCR", "Pilot", "Finance", date(2023, 6, 1), None),
                ("U-4", "Contract search", "Pilot", "Legal", date(2024, 3, 1), None)],
}


def test_every_write_leaves_the_stored_facts_current(db_file):
    """Import (new month, an earlier month after a later one, a replace), delete and restore,
    through the operations the command line and the Data page call."""
    for as_of in ("2024-01", "2024-03", "2024-02"):
        operations.import_file(export(EXPORTS[as_of]), db=db_file, as_of=as_of,
                               file_name=f"portfolio-{as_of}.xlsx")
        with store.connect(db_file, read_only=True) as con:
            assert facts_current(con), as_of
    assert_same_reports(db_file, ("2024-01", "2024-02", "2024-03"))

    changed = [("U-1", "Claims triage", "Scaling", "Finance", date(2023, 11, 1), None), *EXPORTS["2024-02"][1:]]
    operations.import_file(export(changed), db=db_file, as_of="2024-02", replace=True,
                           file_name="portfolio-2024-02-corrected.xlsx")
    assert_same_reports(db_file, ("2024-01", "2024-02", "2024-03"))

    operations.delete_month(db_file, month("2024-02"))
    with store.connect(db_file, read_only=True) as con:
        assert facts_current(con)
    assert_same_reports(db_file, ("2024-01", "2024-03"))

    newest_backup = list_backups(db_file)[0]
    operations.restore(db_file, newest_backup.path)
    with store.connect(db_file, read_only=True) as con:
        assert facts_current(con)
        assert [s.as_of for s in store.list_snapshots(con)] == [month(m) for m in ("2024-01", "2024-02", "2024-03")]
    assert_same_reports(db_file, ("2024-01", "2024-02", "2024-03"))


def test_the_sample_portfolio_is_read_from_stored_facts(sample_db):
    with store.connect(sample_db, read_only=True) as con:
        assert facts_current(con)
        months = [f"{s.as_of:%Y-%m}" for s in store.list_snapshots(con)]
    assert_same_reports(sample_db, tuple(months[-3:]))


def test_a_database_from_before_the_stored_facts_reports_from_its_rows_until_a_write(tmp_path):
    from tests.test_store_migrations import first_release_database

    db = tmp_path / "portfolio.duckdb"
    first_release_database(db)
    with store.connect(db, read_only=True) as con:      # brought up to date, but no facts yet
        assert not facts_current(con)
        report = report_from_store(con, ReportScope(month("2025-01")))
    assert report.funnel.population == 1 and report.funnel.reached_pilot == 1
    # The first write stores the facts.
    operations.import_file(export(EXPORTS["2024-03"]), db=db, as_of="2025-02", file_name="portfolio-2025-02.xlsx")
    with store.connect(db, read_only=True) as con:
        assert facts_current(con)
    assert_same_reports(db, ("2025-01", "2025-02"))
