"""The upload guard: every hostile or mistaken upload is refused by what its bytes are, with one
problem whose message stands alone, in bounded memory; real workbooks pass."""
from __future__ import annotations

import io
import tomllib
import tracemalloc
from dataclasses import replace

import pytest
from python_calamine import CalamineWorkbook

from analytics.ingest.guard import WorkbookFormat, check_bytes
from analytics.limits import DEFAULT_LIMITS
from analytics.problems import ImportRefused, Severity
from tests.support import hostile
from tests.support.environment import ROOT

#: The brief's ceiling is 500 MB; this is far tighter so that inflating any bomb part (250 MB
#: and more) into memory, even once, fails the test.
MEMORY_CEILING = 64 * 1024 * 1024

REFUSED = [case for case in hostile.CASES if case.code is not None]
ACCEPTED = [case for case in hostile.CASES if case.code is None]


def refusal(data: bytes, **limits: int | float) -> ImportRefused:
    with pytest.raises(ImportRefused) as caught:
        check_bytes(data, replace(DEFAULT_LIMITS, **limits))
    return caught.value


def checked_with_peak(data: bytes) -> tuple[object, int]:
    """check_bytes' result (or the refusal) and the peak memory it allocated."""
    tracemalloc.start()
    try:
        try:
            outcome: object = check_bytes(data)
        except ImportRefused as exc:
            outcome = exc
        return outcome, tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()


@pytest.mark.parametrize("case", REFUSED, ids=lambda c: c.name)
def test_each_hostile_upload_is_refused_with_one_standalone_problem(case: hostile.Case) -> None:
    outcome, peak = checked_with_peak(case.build())

    assert isinstance(outcome, ImportRefused), f"{case.name} was accepted as {outcome}"
    assert [p.code for p in outcome.problems] == [case.code]
    problem = outcome.problems[0]
    assert problem.severity is Severity.ERROR
    assert str(outcome) == problem.message
    # Stands alone on a page: a whole sentence that says what to do, no Python in it.
    assert problem.message[0].isupper() and problem.message.endswith(".")
    assert any(verb in problem.message for verb in ("upload", "Upload", "Export", "export"))
    assert "Traceback" not in problem.message and "Error:" not in problem.message
    assert peak < MEMORY_CEILING, f"{case.name} peaked at {peak / 1e6:.0f} MB"


@pytest.mark.parametrize("case", ACCEPTED, ids=lambda c: c.name)
def test_real_workbooks_are_accepted_as_what_their_bytes_are(case: hostile.Case) -> None:
    outcome, peak = checked_with_peak(case.build())

    assert outcome == case.accepted_as
    assert peak < MEMORY_CEILING, f"{case.name} peaked at {peak / 1e6:.0f} MB"


def test_the_generated_workbooks_are_real_ones_a_reader_opens() -> None:
    for data in (hostile.valid_workbook(), hostile.ods_workbook(), hostile.formula_injection_workbook()):
        sheet = CalamineWorkbook.from_filelike(io.BytesIO(data)).get_sheet_by_index(0).to_python()
        assert sheet[0][0] == hostile.HEADERS[0]


def test_size_messages_give_the_figures_and_the_limit() -> None:
    assert "26 MB; the upload limit is 25 MB" in str(refusal(hostile.too_large_file()))
    assert "expands to 1.2 GB when opened; the limit is 200 MB" in str(
        refusal(hostile.declared_oversize()))
    bomb = refusal(hostile.zip_bomb())
    assert "xl/worksheets/sheet1.xml" in str(bomb) and "zip bomb" in str(bomb)


def test_limits_are_the_callers_not_constants() -> None:
    workbook = hostile.valid_workbook()
    assert check_bytes(workbook) is WorkbookFormat.XLSX

    assert refusal(workbook, max_upload_bytes=1_000).problems[0].code == "file_too_large"
    assert refusal(workbook, max_uncompressed_bytes=5_000).problems[0].code == "too_large_uncompressed"
    # Past a relaxed ratio, the bomb's millions of rows still stop it; relax both and it passes.
    relaxed = replace(DEFAULT_LIMITS, max_compression_ratio=2_000)
    with pytest.raises(ImportRefused, match="rows with content"):
        check_bytes(hostile.zip_bomb(), relaxed)
    assert check_bytes(hostile.zip_bomb(), replace(relaxed, max_rows=10_000_000)) \
        is WorkbookFormat.XLSX


def test_a_small_part_may_compress_far_beyond_the_ratio() -> None:
    # Empty styled cells compress hundreds to one; only parts above the floor are judged.
    styles = hostile.repeated("xl/styles.xml", b"<styleSheet>", b"<xf/>" * 20_000, 8)
    assert styles.size / len(styles.compressed) > DEFAULT_LIMITS.max_compression_ratio
    assert check_bytes(hostile.rebuild({"xl/styles.xml": styles})) is WorkbookFormat.XLSX


def test_a_foreign_file_is_named_for_what_it_is() -> None:
    expectations = {
        "renamed_png": "PNG image",
        "renamed_pdf": "PDF document",
        "csv_renamed_xlsx": "CSV/text file, not an Excel workbook. Open it in Excel, save it as .xlsx",
        "html_as_xls": "web page (HTML)",
        "spreadsheetml_2003": "Excel 2003 XML spreadsheet",
        "word_97_document": "Word document (.doc)",
        "word_package": "Word document",
        "odt_document": "OpenDocument text document",
        "zip_holding_workbook": "zip archive holding 'portfolio-2025-03.xlsx'",
    }
    for name, words in expectations.items():
        assert words in str(refusal(hostile.CASE_BY_NAME[name].build())), name


def test_password_protection_says_how_to_remove_it() -> None:
    for name in ("password_protected_xlsx", "encrypted_xls", "zip_encrypted_parts"):
        message = str(refusal(hostile.CASE_BY_NAME[name].build()))
        assert "password-protected" in message and "remove the password" in message, name


def test_a_dtd_is_refused_in_any_part_and_any_encoding() -> None:
    for name in ("billion_laughs", "external_entity", "utf16_doctype",
                 "doctype_in_content_types", "doctype_late_in_big_sheet"):
        message = str(refusal(hostile.CASE_BY_NAME[name].build()))
        assert "DTD or entities" in message, name
    assert "[Content_Types].xml" in str(refusal(hostile.doctype_in_content_types()))


def test_an_svg_image_with_a_doctype_does_not_refuse_the_workbook() -> None:
    svg = (b'<?xml version="1.0"?><!DOCTYPE svg PUBLIC "-//W3C//DTD SVG 1.1//EN" '
           b'"http://www.w3.org/Graphics/SVG/1.1/DTD/svg11.dtd"><svg/>')
    name = "xl/media/image1.svg"
    assert check_bytes(hostile.rebuild({name: hostile.deflated(name, svg)})) is WorkbookFormat.XLSX


def test_damage_is_reported_as_damage_with_the_part_named() -> None:
    assert "xl/worksheets/sheet1.xml' fails its checksum" in str(refusal(hostile.crc_mismatch()))
    assert "larger than its declared size" in str(refusal(hostile.lying_sizes()))
    assert "overlap" in str(refusal(hostile.overlapping_parts()))
    cut = hostile.valid_workbook()[:-40]  # the end of the directory is gone
    assert refusal(cut).problems[0].code == "damaged_workbook"


def test_macros_are_reported_so_the_page_can_say_they_are_ignored() -> None:
    assert check_bytes(hostile.macro_workbook()) is WorkbookFormat.XLSM
    sheet = "xl/macrosheets/sheet1.xml"
    excel4 = hostile.rebuild({sheet: hostile.deflated(sheet, b"<xm:macrosheet/>")})
    assert check_bytes(excel4) is WorkbookFormat.XLSM


def test_the_verdict_depends_on_the_bytes_not_on_a_name() -> None:
    # check_bytes takes no file name at all: a CSV called .xlsx and a workbook called .csv
    # are judged alike.
    assert "CSV/text" in str(refusal(hostile.csv_text()))
    assert check_bytes(hostile.valid_workbook()) is WorkbookFormat.XLSX


def test_rows_with_content_are_counted_per_sheet_before_any_parser_runs() -> None:
    limits = replace(DEFAULT_LIMITS, max_rows=1_000)   # margin: 1,000 more rows allowed
    near = hostile.rebuild({hostile.SHEET: hostile.sheet_rows(1_900)})
    over = hostile.rebuild({hostile.SHEET: hostile.sheet_rows(2_100)})

    assert check_bytes(near, limits) is WorkbookFormat.XLSX
    with pytest.raises(ImportRefused) as caught:
        check_bytes(over, limits)
    assert caught.value.problems[0].code == "too_many_rows"
    assert "more than 2,000 rows with content; the limit is 1,000 rows" in str(caught.value)


def test_rows_written_with_a_namespace_prefix_are_counted_too() -> None:
    limits = replace(DEFAULT_LIMITS, max_rows=1_000)
    prefixed = hostile.rebuild({hostile.SHEET: hostile.sheet_rows(2_100, prefix="x")})

    with pytest.raises(ImportRefused, match="rows with content"):
        check_bytes(prefixed, limits)


def test_formatted_empty_rows_do_not_count_against_the_limit() -> None:
    limits = replace(DEFAULT_LIMITS, max_rows=1_000)
    formatted = hostile.rebuild({hostile.SHEET: hostile.sheet_rows(500, empty_rows=20_000)})

    assert check_bytes(formatted, limits) is WorkbookFormat.XLSX


def test_the_production_server_config_matches_the_guard() -> None:
    config = tomllib.loads((ROOT / ".streamlit" / "config.toml").read_text())

    assert config["server"]["maxUploadSize"] * 1024 * 1024 == DEFAULT_LIMITS.max_upload_bytes
    assert config["server"]["enableXsrfProtection"] is True
    assert config["client"]["showErrorDetails"] == "none"
    assert config["browser"]["gatherUsageStats"] is False
