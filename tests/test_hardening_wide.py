"""A wide workbook (issue 11, case 6): at most 50 unmatched columns with a header and data
are offered for mapping, and the page says how many it left out; a sheet wider than the
limit is refused by the guard before any reader runs."""
from __future__ import annotations

import io
import time
from pathlib import Path

import pytest
from openpyxl import Workbook
from streamlit.testing.v1 import AppTest

from analytics.ingest import prepare_import
from analytics.ingest.choices import mapping_choices
from analytics.problems import ImportRefused
from tests.conftest import ROOT

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def wide_workbook(extra_with_data: int, extra_empty: int, rows: int = 3) -> bytes:
    """The three required columns, then extra columns with data, then extra headers over
    empty columns."""
    book = Workbook(write_only=True)
    sheet = book.create_sheet("Portfolio")
    header = ["Initiative ID", "Initiative Name", "Stage"]
    header += [f"Custom {n}" for n in range(extra_with_data)]
    header += [f"Unused {n}" for n in range(extra_empty)]
    sheet.append(header)
    for r in range(rows):
        sheet.append([f"AI-{r}", f"Initiative {r}", "Pilot",
                      *(f"v{r}-{n}" for n in range(extra_with_data))])
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def test_at_most_fifty_unmatched_columns_with_data_are_offered() -> None:
    plan = prepare_import(wide_workbook(120, 300), "portfolio-2025-03.xlsx")
    choices = mapping_choices(plan)
    assert [c.header for c in choices.columns] == [f"Custom {n}" for n in range(50)]
    assert (choices.left_out, choices.left_out_empty) == (370, 300)


def test_a_sheet_wider_than_the_limit_is_refused_before_reading() -> None:
    with pytest.raises(ImportRefused) as caught:
        prepare_import(wide_workbook(16_381, 0, rows=1), "portfolio-2025-03.xlsx")
    assert [p.code for p in caught.value.problems] == ["sheet_too_wide"]


def test_the_data_page_draws_fifty_selectboxes_and_says_how_many_it_left_out(
    db_file: Path, monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("PORTFOLIO_LOAD_SAMPLE", "0")
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=60).run()
    at = at.switch_page("pages/data.py").run()
    at.file_uploader[0].set_value(("portfolio-2025-03.xlsx", wide_workbook(120, 800), XLSX))
    started = time.perf_counter()
    at.run()
    assert time.perf_counter() - started < 60
    assert not at.exception
    assert len(at.selectbox) == 50
    assert any("870 more unmatched columns are not listed (800 of them hold no data)" in c.value
               for c in at.caption)
