"""Issue 10, row by row: real exports that used to give wrong numbers with "No warnings".

Each scenario writes the workbook a tracker would produce, imports it through the CLI as an
analyst does, and reads back what METRICS.md section 1 says must happen.
"""
from __future__ import annotations

import io
import json
from pathlib import Path

import pandas as pd
import pytest
from openpyxl import Workbook

from analytics import store
from analytics.ingest import import_file
from tests.test_cli_ingest import assert_no_traceback, run

HEADER = ["ID", "Name", "Stage", "Pilot Start", "Budget"]
FIVE = [
    ["UC-1", "Claims triage", "Pilot", "2025-01-10", 100_000],
    ["UC-2", "Churn model", "Pilot", "2025-01-10", 200_000],
    ["UC-3", "Invoice OCR", "Idea", None, 50_000],
    ["UC-4", "Contract finder", "Scaling", "2024-06-01", 300_000],
    ["UC-5", "Forecast copilot", "Live", "2024-01-01", 400_000],
]


def book(sheets: dict[str, list[list[object]]], hidden: tuple[str, ...] = (),
         as_text: tuple[tuple[str, str], ...] = ()) -> bytes:
    """A workbook; `as_text` lists (sheet, cell) written as text even when it looks like #N/A."""
    wb = Workbook()
    wb.remove(wb.active)
    for name, rows in sheets.items():
        ws = wb.create_sheet(name)
        for row in rows:
            ws.append(row)
        if name in hidden:
            ws.sheet_state = "hidden"
    for name, ref in as_text:
        wb[name][ref].data_type = "s"
    buffer = io.BytesIO()
    wb.save(buffer)
    return buffer.getvalue()


def save(tmp_path: Path, name: str, content: bytes) -> Path:
    path = tmp_path / name
    path.write_bytes(content)
    return path


def month_rows(db: Path, month: str) -> pd.DataFrame:
    with store.connect(db, read_only=True) as con:
        return store.read_month(con, pd.Timestamp(month).date())


@pytest.fixture
def db(tmp_path: Path) -> Path:
    return tmp_path / "rules.duckdb"


def cli_import(db: Path, path: Path, *extra: str):
    result = run("import", str(path), "--db", str(db), *extra)
    assert_no_traceback(result)
    return result


# --- which sheet ----------------------------------------------------------------------------


def test_a_hidden_archive_sheet_with_one_more_column_is_passed_over(tmp_path: Path, db: Path):
    archive = [[*HEADER, "Owner"], ["OLD-1", "Old bot", "Stopped", None, 1, "Kim"]]
    path = save(tmp_path, "portfolio-2025-03.xlsx", book(
        {"Portfolio": [HEADER, *FIVE], "Archive 2024": archive}, hidden=("Archive 2024",)))

    result = cli_import(db, path)

    assert result.returncode == 0, result.stderr
    assert "5 initiatives" in result.stdout
    assert "sheet 'Portfolio'" in result.stdout
    assert "passed over: Archive 2024" in result.stdout
    assert "[sheet_choice]" in result.stdout
    assert sorted(month_rows(db, "2025-03")["initiative_id"]) == [r[0] for r in FIVE]
    with store.connect(db, read_only=True) as con:
        assert "passed over 'Archive 2024'" in store.read_audit(con)["detail"].iloc[0]


def test_the_analyst_can_name_the_sheet(tmp_path: Path, db: Path):
    archive = [HEADER, ["OLD-1", "Old bot", "Stopped", None, 1]]
    path = save(tmp_path, "portfolio-2025-03.xlsx", book(
        {"Portfolio": [HEADER, *FIVE], "Archive 2024": archive}))

    assert cli_import(db, path, "--sheet", "Archive 2024").returncode == 0
    assert month_rows(db, "2025-03")["initiative_id"].tolist() == ["OLD-1"]
    missing = cli_import(db, path, "--sheet", "Nope", "--replace")
    assert missing.returncode == 2 and "no sheet named 'Nope'" in missing.stderr


def test_a_read_me_repeating_the_header_with_an_example_row_is_not_the_export(
        tmp_path: Path, db: Path):
    read_me = [["How to fill this in"], HEADER, ["UC-0", "Example", "Idea", None, 1]]
    path = save(tmp_path, "portfolio-2025-03.xlsx", book({"Read Me": read_me,
                                                          "Portfolio": [HEADER, *FIVE]}))

    result = cli_import(db, path)

    assert result.returncode == 0, result.stderr
    assert "UC-0" not in month_rows(db, "2025-03")["initiative_id"].tolist()
    assert len(month_rows(db, "2025-03")) == 5


def test_a_read_me_that_only_lists_the_columns_does_not_refuse_the_workbook(
        tmp_path: Path, db: Path):
    path = save(tmp_path, "portfolio-2025-03.xlsx", book({"Read Me": [HEADER],
                                                          "Portfolio": [HEADER, *FIVE]}))

    result = cli_import(db, path)

    assert result.returncode == 0, result.stderr
    assert len(month_rows(db, "2025-03")) == 5


# --- units and currency ---------------------------------------------------------------------


def test_budget_in_euros_named_in_the_header_is_read_and_labelled(tmp_path: Path, db: Path):
    header = [*HEADER[:4], "Budget (EUR)"]
    path = save(tmp_path, "portfolio-2025-03.xlsx", book({"Portfolio": [header, *FIVE]}))

    result = cli_import(db, path)

    assert result.returncode == 0, result.stderr
    assert "amounts in EUR" in result.stdout
    assert month_rows(db, "2025-03")["budget"].sum() == 1_050_000
    report = run("report", "--db", str(db), "--as-of", "2025-03", "--json")
    assert json.loads(report.stdout)["currency"] == "EUR"


@pytest.mark.parametrize(("header", "factor"), [
    ("Budget ($k)", 1e3), ("Budget (000s)", 1e3), ("Budget (EUR m)", 1e6), ("Budget in €", 1),
])
def test_a_scale_in_the_header_multiplies_the_columns_plain_numbers(header: str, factor: float):
    rows = [[*HEADER[:4], header], ["UC-1", "A", "Pilot", None, 2.5], ["UC-2", "B", "Pilot", None, "3k"]]
    from analytics.ingest import prepare_import

    plan = prepare_import(book({"P": rows}), "p-2025-03.xlsx")

    assert plan.ok, plan.errors
    # A cell's own k/M wins over the header's scale.
    assert plan.rows["budget"].tolist() == [2.5 * factor, 3000.0]


def test_a_change_of_currency_from_last_month_is_a_warning(tmp_path: Path, db: Path):
    jan = [[*HEADER[:4], "Budget ($)"], *FIVE]
    feb = [[*HEADER[:4], "Budget (€)"], *FIVE]
    assert cli_import(db, save(tmp_path, "p-2025-01.xlsx", book({"P": jan}))).returncode == 0

    result = cli_import(db, save(tmp_path, "p-2025-02.xlsx", book({"P": feb})))

    assert result.returncode == 0
    assert "amounts in EUR" in result.stdout
    assert "[currency_changed]" in result.stdout
    with store.connect(db, read_only=True) as con:
        currencies = store.snapshot_currencies(con)
    assert [currencies[k] for k in sorted(currencies)] == ["USD", "EUR"]


# --- remembered mappings --------------------------------------------------------------------


def test_a_hand_mapping_survives_an_unrelated_new_column(tmp_path: Path, db: Path):
    header = [*HEADER[:4], "Approved Funds"]
    mapping = save(tmp_path, "map.json", json.dumps({"columns": {"Approved Funds": "budget"}})
                   .encode())
    jan = save(tmp_path, "p-2025-01.xlsx", book({"P": [header, *FIVE]}))
    assert cli_import(db, jan, "--mapping", str(mapping)).returncode == 0
    feb = save(tmp_path, "p-2025-02.xlsx", book({"P": [header, *FIVE]}))
    assert cli_import(db, feb).returncode == 0
    march_rows = [[*header, "Risk Rating"], *[[*r, "High"] for r in FIVE]]

    result = cli_import(db, save(tmp_path, "p-2025-03.xlsx", book({"P": march_rows})))

    assert result.returncode == 0, result.stderr
    assert month_rows(db, "2025-03")["budget"].sum() == 1_050_000


def test_a_stage_word_is_an_error_until_mapped_and_then_remembered(tmp_path: Path, db: Path):
    rows = [HEADER, ["UC-1", "A", "Assessment", None, 1], ["UC-2", "B", "Pilot", None, 1]]
    jan = save(tmp_path, "p-2025-01.xlsx", book({"P": rows}))

    refused = cli_import(db, jan)
    assert refused.returncode == 2
    assert "[unknown_stage]" in refused.stderr and '"stages"' in refused.stderr

    mapping = save(tmp_path, "map.json", json.dumps({"stages": {"Assessment": "idea"}}).encode())
    assert cli_import(db, jan, "--mapping", str(mapping)).returncode == 0
    assert cli_import(db, save(tmp_path, "p-2025-02.xlsx", book({"P": rows}))).returncode == 0
    assert month_rows(db, "2025-02").set_index("initiative_id")["stage"]["UC-1"] == "idea"


def test_the_flat_mapping_form_still_works(tmp_path: Path, db: Path):
    rows = [["Ref", "Name", "Stage"], ["R-1", "A", "Pilot"]]
    mapping = save(tmp_path, "map.json", json.dumps({"Ref": "initiative_id"}).encode())

    result = cli_import(db, save(tmp_path, "p-2025-01.xlsx", book({"P": rows})),
                        "--mapping", str(mapping))

    assert result.returncode == 0, result.stderr


def test_a_field_that_vanished_since_last_month_is_a_warning(tmp_path: Path, db: Path):
    jan = save(tmp_path, "p-2025-01.xlsx", book({"P": [HEADER, *FIVE]}))
    feb = save(tmp_path, "p-2025-02.xlsx", book({"P": [HEADER[:4], *[r[:4] for r in FIVE]]}))
    assert cli_import(db, jan).returncode == 0

    result = cli_import(db, feb)

    assert result.returncode == 0
    assert "[field_vanished]" in result.stdout
    assert "stalled budget" in result.stdout


# --- values ---------------------------------------------------------------------------------


def test_excel_errors_typed_or_written_as_text_are_errors_naming_the_cell(
        tmp_path: Path, db: Path):
    rows = [HEADER, ["UC-1", "A", "Pilot", None, "#N/A"], ["UC-2", "B", "Pilot", None, "#REF!"]]
    path = save(tmp_path, "p-2025-01.xlsx", book({"P": rows}, as_text=(("P", "E3"),)))

    result = cli_import(db, path)

    assert result.returncode == 2
    assert "sheet 'P', row 2, column 'Budget': value '#N/A': [excel_error]" not in result.stderr
    assert "[excel_error] sheet 'P', row 2, column 'Budget': value '#N/A'" in result.stderr
    assert "[excel_error] sheet 'P', row 3, column 'Budget': value '#REF!'" in result.stderr


@pytest.mark.parametrize("amount", ["(250,000)", -250000])
def test_a_negative_budget_is_an_error(tmp_path: Path, db: Path, amount: object):
    rows = [HEADER, ["UC-1", "A", "Pilot", None, 250000], ["UC-2", "B", "Pilot", None, amount]]

    result = cli_import(db, save(tmp_path, "p-2025-01.xlsx", book({"P": rows})))

    assert result.returncode == 2
    assert "[negative_amount] sheet 'P', row 3, column 'Budget'" in result.stderr


def test_ids_differing_only_in_case_in_one_file_are_a_duplicate(tmp_path: Path, db: Path):
    rows = [HEADER, ["UC-1", "A", "Pilot", None, 1], ["uc-1 ", "B", "Pilot", None, 1]]

    result = cli_import(db, save(tmp_path, "p-2025-01.xlsx", book({"P": rows})))

    assert result.returncode == 2
    assert "[duplicate_id] sheet 'P', row 3, column 'ID': value 'uc-1 '" in result.stderr


def test_ids_match_across_months_ignoring_case_and_the_latest_spelling_is_kept(
        tmp_path: Path, db: Path):
    jan = [HEADER, ["UC-9", "A", "Pilot", "2025-01-01", 1]]
    feb = [HEADER, ["uc-9", "A", "Pilot", "2025-01-01", 1]]
    assert cli_import(db, save(tmp_path, "p-2025-01.xlsx", book({"P": jan}))).returncode == 0

    result = cli_import(db, save(tmp_path, "p-2025-02.xlsx", book({"P": feb})))

    assert result.returncode == 0
    assert "missing_since_last_month" not in result.stdout
    with store.connect(db, read_only=True) as con:
        assert store.read_rows(con)["initiative_id"].tolist() == ["uc-9", "uc-9"]


@pytest.mark.parametrize("order", ["in month order", "back-filled"])
def test_every_month_takes_the_latest_months_spelling_whichever_month_is_written_last(
        tmp_path: Path, db: Path, order: str):
    # January also has UC-1, which February no longer lists.
    jan = save(tmp_path, "p-2025-01.xlsx", book({"P": [HEADER, ["UC-9", "A", "Pilot", "2025-01-01", 1],
                                                     ["UC-1", "B", "Idea", None, 1]]}))
    feb = save(tmp_path, "p-2025-02.xlsx", book({"P": [HEADER, ["uc-9", "A", "Pilot", "2025-01-01", 1]]}))
    for path in ((jan, feb) if order == "in month order" else (feb, jan)):
        import_file(path, db=db)
    with store.connect(db, read_only=True) as con:
        ids = store.read_rows(con).sort_values(["as_of", "initiative_id"])["initiative_id"].tolist()
    assert ids == ["UC-1", "uc-9", "uc-9"]


def test_unicode_spaces_are_spaces_in_amounts_dates_and_stages(tmp_path: Path, db: Path):
    nb = "\u00a0"
    rows = [HEADER,
            ["UC-1", "A", f"Pilot{nb}", f"15{nb}Mar{nb}2025", f"1{nb}200{nb}000"],
            [f"{nb}UC-2", "B", f"in{nb}production", "2025-03-01", f"$1.2M{nb}"]]

    result = cli_import(db, save(tmp_path, "p-2025-03.xlsx", book({"P": rows})))

    assert result.returncode == 0, result.stderr
    got = month_rows(db, "2025-03").set_index("initiative_id")
    assert got["budget"].tolist() == [1_200_000.0, 1_200_000.0]
    assert got.loc["UC-1", "pilot_start"] == pd.Timestamp("2025-03-15")
    assert got.loc["UC-2", "stage"] == "production"


# --- sample and real data never mix ---------------------------------------------------------


def test_the_first_real_import_replaces_the_sample_only_when_asked(
        tmp_path: Path, db: Path):
    sample = save(tmp_path, "s-2025-01.xlsx", book({"P": [HEADER, *FIVE]}))
    import_file(sample, db=db, is_sample=True)
    real = save(tmp_path, "p-2025-02.xlsx", book({"P": [HEADER, FIVE[0]]}))

    refused = cli_import(db, real)
    assert refused.returncode == 2
    assert "--replace-sample" in refused.stderr
    with store.connect(db, read_only=True) as con:
        assert [s.is_sample for s in store.list_snapshots(con)] == [True]

    result = cli_import(db, real, "--replace-sample")

    assert result.returncode == 0, result.stderr
    assert "missing_since_last_month" not in result.stdout
    with store.connect(db, read_only=True) as con:
        infos = store.list_snapshots(con)
        audit = store.read_audit(con)
    assert [(f"{s.as_of:%Y-%m}", s.is_sample) for s in infos] == [("2025-02", False)]
    assert "sample replaced by real data" in audit["detail"].tolist()
