"""Readers can never take the server down (issue 11, case 1).

A header, three rows and one cell at XFD1048576 is a 5 KB workbook whose dense extent is
17 billion cells: the native reader aborts the whole process (SIGABRT) trying to allocate it.
The guard refuses it by its extent before any reader runs; when a sheet still gets past the
guard, the reader runs in a child process whose crash becomes a refusal in words.
"""
from __future__ import annotations

import io
import os
import re
import subprocess
import sys
import zipfile
from dataclasses import replace
from pathlib import Path

import pytest
from openpyxl import Workbook
from streamlit.testing.v1 import AppTest

from analytics.ingest import prepare_import
from analytics.ingest.guard import check_bytes
from analytics.ingest.reader import open_workbook
from analytics.limits import DEFAULT_LIMITS
from analytics.problems import ImportRefused
from tests.conftest import ROOT

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
HEADER = ["Initiative ID", "Initiative Name", "Stage", "Business Unit"]


def sparse_extent_workbook(rows: int = 3, far_cell: str = "XFD1048576") -> bytes:
    """The portfolio header, `rows` initiatives, and one cell at `far_cell`."""
    book = Workbook()
    sheet = book.active
    sheet.title = "Portfolio"
    sheet.append(HEADER)
    for n in range(rows):
        sheet.append([f"AI-{n:04d}", f"Initiative {n}", "Pilot", "Finance"])
    sheet[far_cell] = "stray"
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def without_dimension(data: bytes) -> bytes:
    """The same workbook with the sheet's `<dimension>` element removed (it is optional), so
    only the far cell reference itself gives the extent away."""
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(data)) as source, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for info in source.infolist():
            part = source.read(info.filename)
            if info.filename.startswith("xl/worksheets/"):
                part = re.sub(rb"<dimension [^>]*/>", b"", part)
            target.writestr(info.filename, part)
    return out.getvalue()


def refusal(data: bytes, **limits: object) -> ImportRefused:
    with pytest.raises(ImportRefused) as caught:
        prepare_import(data, "portfolio-2025-03.xlsx", limits=replace(DEFAULT_LIMITS, **limits))
    return caught.value


def test_the_guard_refuses_a_sheet_whose_extent_reaches_the_last_cell() -> None:
    data = sparse_extent_workbook()
    assert len(data) < 8_000
    refused = refusal(data)
    assert [p.code for p in refused.problems] == ["sheet_too_wide"]
    assert "A1:XFD1048576" in str(refused) and "Ctrl+End" in str(refused)


def test_the_far_cell_is_found_without_the_dimension_element() -> None:
    refused = refusal(without_dimension(sparse_extent_workbook()))
    # Its row (r="1048576") comes before its cell (r="XFD1048576"); either one gives it away.
    assert [p.code for p in refused.problems] in (["sheet_too_long"], ["sheet_too_wide"])
    assert "1048576" in str(refused)
    wide = refusal(without_dimension(sparse_extent_workbook(far_cell="XFD5")))
    assert [p.code for p in wide.problems] == ["sheet_too_wide"] and "XFD5" in str(wide)
    down = refusal(without_dimension(sparse_extent_workbook(far_cell="A900000")))
    assert [p.code for p in down.problems] == ["sheet_too_long"]


def test_a_reader_crash_past_the_guard_ends_the_child_not_this_process() -> None:
    data = without_dimension(sparse_extent_workbook())
    # Limits wide enough that the guard lets the sheet through: the native reader then asks
    # for hundreds of gigabytes and aborts, in its own process.
    relaxed = replace(DEFAULT_LIMITS, max_columns=20_000, max_rows=2_000_000)
    assert check_bytes(data, relaxed).value == "xlsx"
    with pytest.raises(ImportRefused) as caught:
        open_workbook(data, relaxed)
    assert [p.code for p in caught.value.problems] == ["unsafe_workbook"]
    assert "could not be read safely" in str(caught.value)
    # Still here, and the reader still reads.
    assert [s.name for s in open_workbook(sparse_extent_workbook(far_cell="E5")).sheets] == ["Portfolio"]


def test_a_reader_that_runs_too_long_is_stopped() -> None:
    data = sparse_extent_workbook(rows=2_000)
    with pytest.raises(ImportRefused, match="could not be read safely: reading it took longer"):
        open_workbook(data, replace(DEFAULT_LIMITS, read_wall_seconds=0.01))


def test_the_same_shape_with_three_thousand_rows_is_refused_too() -> None:
    refused = refusal(sparse_extent_workbook(rows=3_000))
    assert [p.code for p in refused.problems] == ["sheet_too_wide"]


def test_the_cli_refuses_it_with_exit_2_and_words(tmp_path: Path) -> None:
    for n, data in enumerate((sparse_extent_workbook(), without_dimension(sparse_extent_workbook()))):
        path = tmp_path / f"portfolio-2025-0{n + 1}.xlsx"
        path.write_bytes(data)
        done = subprocess.run(
            [sys.executable, "-m", "analytics", "import", str(path), "--db", str(tmp_path / "p.duckdb")],
            cwd=ROOT, capture_output=True, text=True, timeout=120, check=False,
            env={**os.environ, "PORTFOLIO_BACKUPS": "0"},
        )
        assert done.returncode == 2, done.stderr
        assert "1048576" in done.stderr and "Traceback" not in done.stderr


def test_the_data_page_shows_a_refusal_and_the_server_stays_up(
    db_file: Path, monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("PORTFOLIO_LOAD_SAMPLE", "0")
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=60).run()
    at = at.switch_page("pages/data.py").run()
    at.file_uploader[0].set_value(("portfolio-2025-03.xlsx", sparse_extent_workbook(), XLSX))
    at.run()
    assert not at.exception
    assert any("refused" in e.value and "XFD1048576" in e.value for e in at.error)
    good = sparse_extent_workbook(far_cell="E5")
    at.file_uploader[0].set_value(("portfolio-2025-04.xlsx", good, XLSX))
    at.run()
    assert not at.exception
    assert [m.value for m in at.metric][:3] == ["Portfolio", "1", "3"]


def test_the_cells_handed_to_the_server_are_bounded() -> None:
    data = sparse_extent_workbook(rows=40, far_cell="E5")
    refused = refusal(data, max_workbook_cells=100)
    assert [p.code for p in refused.problems] == ["too_many_cells"]
    assert "more than 100 cells" in str(refused)
    assert len(prepare_import(data, "portfolio-2025-03.xlsx").rows) == 40
