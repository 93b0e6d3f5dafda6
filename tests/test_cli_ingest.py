"""The import / snapshots / delete commands as an analyst runs them: exit codes and words."""
from __future__ import annotations

import io
import json
import os
import subprocess
import sys
from datetime import date
from pathlib import Path

import pytest
from openpyxl import Workbook

from analytics import store
from analytics.ingest import import_file
from tests.support.environment import ROOT


def run(*args: str, stdin: str | None = None) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    env.pop("PORTFOLIO_DB", None)
    return subprocess.run(
        [sys.executable, "-m", "analytics", *args], cwd=ROOT, env=env, text=True,
        capture_output=True, input=stdin if stdin is not None else "", timeout=120,
    )


def write_export(path: Path, rows: list[list[object]],
                 header: tuple[str, ...] = ("ID", "Name", "Stage", "Pilot Start", "Go-Live")) -> Path:
    book = Workbook()
    ws = book.active
    ws.title = "Portfolio"
    ws.append(["AI portfolio export"])
    ws.append(list(header))
    for row in rows:
        ws.append(row)
    buffer = io.BytesIO()
    book.save(buffer)
    path.write_bytes(buffer.getvalue())
    return path


ROWS = [
    ["AI-1", "Claims triage", "POC", "2025-01-10", None],
    ["AI-2", "Churn model", "Live", "2025-01-10", "2024-12-01"],
    ["AI-3", "Invoice OCR", "Idea", None, None],
]


@pytest.fixture
def db(tmp_path: Path) -> Path:
    return tmp_path / "cli.duckdb"


def assert_no_traceback(result: subprocess.CompletedProcess[str]) -> None:
    assert "Traceback" not in result.stderr
    assert "Traceback" not in result.stdout


def test_import_prints_a_summary_with_the_first_warnings(tmp_path: Path, db: Path):
    export = write_export(tmp_path / "export.xlsx", ROWS)

    result = run("import", str(export), "--as-of", "2025-03", "--db", str(db))

    assert result.returncode == 0, result.stderr
    assert "Imported 2025-03 from export.xlsx: 3 initiatives." in result.stdout
    assert "sheet 'Portfolio', header on row 2" in result.stdout
    assert "1 warning" in result.stdout
    assert "[production_before_pilot] sheet 'Portfolio', row 4, column 'Go-Live'" in result.stdout
    with store.connect(db, read_only=True) as con:
        assert [s.rows for s in store.list_snapshots(con)] == [3]


def test_the_month_comes_from_the_file_name_or_the_import_says_how_to_give_it(
    tmp_path: Path, db: Path,
):
    named = write_export(tmp_path / "portfolio-2025-04.xlsx", ROWS)
    unnamed = write_export(tmp_path / "export.xlsx", ROWS)

    ok = run("import", str(named), "--db", str(db))
    refused = run("import", str(unnamed), "--db", str(db))

    assert ok.returncode == 0 and "Imported 2025-04" in ok.stdout
    assert refused.returncode != 0
    assert "--as-of YYYY-MM" in refused.stderr
    assert_no_traceback(refused)


def test_a_refused_import_lists_the_first_fifty_errors_then_counts_the_rest(
    tmp_path: Path, db: Path,
):
    rows = [[f"AI-{i}", f"Initiative {i}", "Someday", None, None] for i in range(60)]
    export = write_export(tmp_path / "portfolio-2025-03.xlsx", rows)

    result = run("import", str(export), "--db", str(db))

    assert result.returncode == 2
    lines = [line for line in result.stderr.splitlines() if "[unknown_stage]" in line]
    assert len(lines) == 50
    assert lines[0].strip().startswith("[unknown_stage] sheet 'Portfolio', row 3, column 'Stage'")
    assert "... and 10 more errors" in result.stderr
    assert "nothing was written" in result.stderr
    assert_no_traceback(result)
    with store.connect(db, read_only=True) as con:
        assert store.list_snapshots(con) == []


def test_replace_is_needed_for_a_different_file_and_the_same_file_is_a_no_op(
    tmp_path: Path, db: Path,
):
    first = write_export(tmp_path / "portfolio-2025-03.xlsx", ROWS)
    import_file(first, db=db)
    corrected = write_export(tmp_path / "corrected-2025-03.xlsx", ROWS[:2])

    same = run("import", str(first), "--db", str(db))
    clash = run("import", str(corrected), "--db", str(db))
    replaced = run("import", str(corrected), "--db", str(db), "--replace")

    assert same.returncode == 0 and "nothing changed" in same.stdout
    assert clash.returncode == 2 and "--replace" in clash.stderr
    assert_no_traceback(clash)
    assert replaced.returncode == 0 and "Replaced 2025-03" in replaced.stdout
    with store.connect(db, read_only=True) as con:
        assert [s.rows for s in store.list_snapshots(con)] == [2]


def test_a_mapping_file_maps_headers_and_is_remembered(tmp_path: Path, db: Path):
    header = ("Ref", "Title", "Where", "Pilot Start", "Sponsor notes")
    march = write_export(tmp_path / "portfolio-2025-03.xlsx", ROWS, header)
    april = write_export(tmp_path / "portfolio-2025-04.xlsx", ROWS[:1], header)
    mapping = tmp_path / "mapping.json"
    mapping.write_text(json.dumps({"Ref": "initiative_id", "Where": "stage"}), encoding="utf-8")

    without = run("import", str(march), "--db", str(db))
    mapped = run("import", str(march), "--db", str(db), "--mapping", str(mapping))
    remembered = run("import", str(april), "--db", str(db))

    assert without.returncode == 2 and "[missing_required_column]" in without.stderr
    assert mapped.returncode == 0, mapped.stderr
    assert remembered.returncode == 0, remembered.stderr
    assert "Imported 2025-04 from portfolio-2025-04.xlsx: 1 initiative." in remembered.stdout
    assert "kept as extra columns only: Sponsor notes" in remembered.stdout


def test_bad_inputs_are_explained_without_a_traceback(tmp_path: Path, db: Path):
    export = write_export(tmp_path / "portfolio-2025-03.xlsx", ROWS)
    not_a_workbook = tmp_path / "portfolio-2025-03.csv"
    not_a_workbook.write_text("ID,Name,Stage\n", encoding="utf-8")
    broken_mapping = tmp_path / "mapping.json"
    broken_mapping.write_text("{nope", encoding="utf-8")

    outcomes = [
        run("import", str(tmp_path / "missing-2025-03.xlsx"), "--db", str(db)),
        run("import", str(export), "--as-of", "March", "--db", str(db)),
        run("import", str(not_a_workbook), "--db", str(db)),
        run("import", str(export), "--db", str(db), "--mapping", str(broken_mapping)),
    ]

    assert [r.returncode for r in outcomes] == [2, 2, 2, 2]
    assert "file not found" in outcomes[0].stderr
    assert "YYYY-MM" in outcomes[1].stderr
    assert "[not_a_workbook] This is a CSV/text file, not an Excel workbook." in outcomes[2].stderr
    assert "save it as .xlsx" in outcomes[2].stderr
    assert "not valid JSON" in outcomes[3].stderr
    for outcome in outcomes:
        assert_no_traceback(outcome)


def test_snapshots_lists_one_line_per_month(tmp_path: Path, db: Path):
    empty = run("snapshots", "--db", str(db))
    import_file(write_export(tmp_path / "portfolio-2025-02.xlsx", ROWS), db=db)
    import_file(write_export(tmp_path / "portfolio-2025-03.xlsx", ROWS[:2]), db=db)

    listed = run("snapshots", "--db", str(db))

    assert empty.returncode == 0 and "nothing imported" in empty.stdout
    assert listed.returncode == 0
    lines = listed.stdout.splitlines()
    assert lines[0].split()[:3] == ["as-of", "rows", "warnings"]
    assert [line.split()[:3] for line in lines[1:]] == [["2025-02", "3", "1"], ["2025-03", "2", "2"]]
    assert lines[2].endswith("portfolio-2025-03.xlsx")


def test_delete_asks_first_and_no_answer_means_no(tmp_path: Path, db: Path):
    import_file(write_export(tmp_path / "portfolio-2025-03.xlsx", ROWS), db=db)

    eof = run("delete", "--as-of", "2025-03", "--db", str(db), stdin="")
    declined = run("delete", "--as-of", "2025-03", "--db", str(db), stdin="n\n")
    with store.connect(db, read_only=True) as con:
        kept = [s.as_of for s in store.list_snapshots(con)]
    confirmed = run("delete", "--as-of", "2025-03", "--db", str(db), stdin="y\n")

    assert (eof.returncode, declined.returncode) == (1, 1)
    assert "Nothing deleted" in eof.stdout and "[y/N]" in eof.stdout
    assert kept == [date(2025, 3, 1)]
    assert confirmed.returncode == 0 and "Deleted 2025-03 (3 rows)" in confirmed.stdout
    with store.connect(db, read_only=True) as con:
        assert store.list_snapshots(con) == []
        assert store.read_audit(con)["action"].tolist() == ["delete", "import"]


def test_delete_yes_skips_the_question_and_a_missing_month_is_explained(tmp_path: Path, db: Path):
    import_file(write_export(tmp_path / "portfolio-2025-03.xlsx", ROWS), db=db)

    deleted = run("delete", "--as-of", "2025-03", "--db", str(db), "--yes")
    missing = run("delete", "--as-of", "2025-03", "--db", str(db), "--yes")

    assert deleted.returncode == 0 and "[y/N]" not in deleted.stdout
    assert missing.returncode == 2 and "no snapshot for 2025-03" in missing.stderr
    assert_no_traceback(missing)
