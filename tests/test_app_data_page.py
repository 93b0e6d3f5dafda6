"""The analysts' Data page through AppTest's file uploader: commit, refuse, map, delete."""
from __future__ import annotations

import io
from pathlib import Path

import pytest
from openpyxl import Workbook
from streamlit.testing.v1 import AppTest

from analytics import store
from analytics.backup import list_backups
from tests.support.environment import ROOT

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


pytestmark = pytest.mark.usefixtures("fresh_streamlit_caches")


def _workbook(header: list[str], rows: list[list[object]]) -> bytes:
    wb = Workbook()
    sheet = wb.active
    sheet.title = "Portfolio"
    sheet.append(header)
    for row in rows:
        sheet.append(row)
    buffer = io.BytesIO()
    wb.save(buffer)
    return buffer.getvalue()


def _data_page() -> AppTest:
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=60).run()
    return at.switch_page("pages/data.py").run()


def _upload(at: AppTest, name: str, content: bytes) -> AppTest:
    at.file_uploader[0].set_value((name, content, XLSX))
    return at.run()


def _months(db: Path) -> list[str]:
    with store.connect(db, read_only=True) as con:
        return [f"{s.as_of:%Y-%m}" for s in store.list_snapshots(con)]


def _commit_button(at: AppTest):
    return next(b for b in at.button if b.label.startswith("Commit"))


GOOD = _workbook(
    ["Initiative ID", "Initiative Name", "Stage", "Business Unit", "Owner", "Pilot Start Date"],
    [
        ["AI-9001", "Contract clause finder", "Pilot", "Legal", "Dana Lee", "2026-10-01"],
        ["AI-9002", "Forecast copilot", "Idea", "Finance", "TBD", None],
    ],
)


def test_an_analyst_loads_a_new_month(db_file: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PORTFOLIO_LOAD_SAMPLE", "0")
    at = _upload(_data_page(), "tracker-export-2026-12.xlsx", GOOD)
    assert not at.exception
    # The month comes from the file name; the detection is shown before anything is written.
    assert at.text_input[0].value == "2026-12"
    assert [m.value for m in at.metric][:3] == ["Portfolio", "1", "2"]
    assert any("No blocking problems" in s.value for s in at.success)
    assert _months(db_file) == []

    _commit_button(at).click().run()
    assert any("December 2026 imported: 2 initiatives" in s.value for s in at.success)
    assert _months(db_file) == ["2026-12"]
    assert list_backups(db_file) == [], "an empty database has nothing to back up"

    # A second month: now there is data to protect, so a copy is kept first.
    at.file_uploader[0].set_value(("tracker-export-2027-01.xlsx", GOOD, XLSX))
    at.run()
    _commit_button(at).click().run()
    assert _months(db_file) == ["2026-12", "2027-01"]
    assert [b.action for b in list_backups(db_file)] == ["import"]


def test_a_file_that_is_not_a_workbook_is_refused_in_words(db_file: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PORTFOLIO_LOAD_SAMPLE", "0")
    png = b"\x89PNG\r\n\x1a\n" + b"\x00" * 200
    at = _upload(_data_page(), "portfolio-2026-12.xlsx", png)
    assert not at.exception
    assert any("refused" in e.value and "PNG" in e.value for e in at.error)
    assert not [b for b in at.button if b.label.startswith("Commit")]
    assert _months(db_file) == []


def test_blocking_errors_are_listed_and_commit_is_disabled(db_file: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PORTFOLIO_LOAD_SAMPLE", "0")
    duplicate = _workbook(
        ["ID", "Name", "Stage"],
        [["A-1", "One", "Pilot"], ["A-1", "Two", "Pilot"], ["A-3", "Three", "Sideways"]],
    )
    at = _upload(_data_page(), "portfolio-2026-12.xlsx", duplicate)
    assert any("problems block this import" in e.value for e in at.error)
    # Grouped by kind with counts; each text whole, naming sheet, row, column and value.
    groups = {e.label: e for e in at.expander}
    assert {"Duplicate initiative ID: 1", "Unknown stage word: 1"} <= set(groups)
    texts = " ".join(m.value for m in groups["Unknown stage word: 1"].markdown).replace("\\", "")
    assert "sheet 'Portfolio', row 4, column 'Stage': value 'Sideways':" in texts
    assert "row 3" in " ".join(m.value for m in groups["Duplicate initiative ID: 1"].markdown)
    assert _commit_button(at).disabled
    assert _months(db_file) == []


def test_an_upload_is_read_once_while_its_mapping_dropdowns_are_left_alone(
        db_file: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Each read of a 25 MB upload costs hundreds of MB: the dropdowns of unmatched columns,
    left at the import's choice, are no new mapping (they were, from the second run on)."""
    import analytics.ingest

    monkeypatch.setenv("PORTFOLIO_LOAD_SAMPLE", "0")
    reads: list[object] = []
    real = analytics.ingest.prepare_import
    monkeypatch.setattr(analytics.ingest, "prepare_import",
                        lambda *args, **kwargs: reads.append(kwargs.get("mapping")) or real(*args, **kwargs))
    extra = _workbook(["ID", "Name", "Stage", "Squad"], [["R-1", "Claims triage", "Pilot", "Blue"]])
    at = _upload(_data_page(), "portfolio-2026-11.xlsx", extra)
    at.run()
    at.run()
    assert at.selectbox(key="map::Squad").index == 0     # the import's choice: ignore the column
    assert len(reads) == 1
    at.selectbox(key="map::Squad").set_value("business_unit").run()
    assert len(reads) == 2 and reads[-1]["columns"] == {"Squad": "business_unit"}
    at.run()
    assert len(reads) == 2


def _plans_alive(file_name: str) -> int:
    import gc

    from analytics.ingest.model import ImportPlan

    gc.collect()
    return sum(1 for o in gc.get_objects()
               if isinstance(o, ImportPlan) and o.file_name == file_name)


def test_a_committed_upload_is_not_kept_in_memory(db_file: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A plan holds the upload's rows and its bytes (150 MB for a 24 MB export of text): once
    committed, nothing keeps it, not even the mapping dropdowns' callbacks of the run that
    showed it (the page's globals outlive that run)."""
    monkeypatch.setenv("PORTFOLIO_LOAD_SAMPLE", "0")
    name = "tracker-export-2026-10.xlsx"
    extra = _workbook(["ID", "Name", "Stage", "Squad"], [["R-1", "Claims triage", "Pilot", "Blue"]])
    at = _upload(_data_page(), name, extra)
    assert at.selectbox(key="map::Squad").index == 0
    assert _plans_alive(name) == 1, "the preview's plan, cached for the commit"

    _commit_button(at).click().run()
    assert any("October 2026 imported: 1 initiatives" in s.value for s in at.success)
    assert _plans_alive(name) == 0


def test_an_unknown_header_is_mapped_by_hand_and_remembered(db_file: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PORTFOLIO_LOAD_SAMPLE", "0")
    odd = _workbook(
        ["Ref No", "Name", "Stage"],
        [["R-1", "Claims triage", "Pilot"], ["R-2", "Fraud scoring", "Live"]],
    )
    at = _upload(_data_page(), "portfolio-2026-11.xlsx", odd)
    assert _commit_button(at).disabled, "without an ID column the import is blocked"
    at.selectbox(key="map::Ref No").set_value("initiative_id").run()
    assert any("No blocking problems" in s.value for s in at.success)
    _commit_button(at).click().run()
    assert _months(db_file) == ["2026-11"]

    # Next month, same headers: the mapping is applied without asking.
    again = _data_page()
    at2 = _upload(again, "portfolio-2026-12.xlsx", odd)
    assert any("No blocking problems" in s.value for s in at2.success)
    assert "remembered" in set(at2.dataframe[0].value["How"])


def test_replacing_and_deleting_a_month(sample_db: Path) -> None:
    at = _data_page()
    months = _months(sample_db)
    expander = at.expander[0]
    expander.checkbox[0].check().run()
    next(b for b in at.button if b.label == "Delete month").click().run()
    assert any("Deleted November 2026" in s.value for s in at.success)
    assert _months(sample_db) == months[:-1]
    assert list_backups(sample_db)[0].action == "delete"


def test_workbook_text_is_shown_as_text_never_markdown(db_file: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PORTFOLIO_LOAD_SAMPLE", "0")
    hostile = "**Owner** [click](javascript:alert(1)) <b>x</b>"
    book = _workbook(
        ["ID", "Name", "Stage", hostile],
        [["A-1", "[Rogue](http://example.test)", "Pilot", "v"]],
    )
    at = _upload(_data_page(), "portfolio-2026-12.xlsx", book)
    label = at.selectbox(key=f"map::{hostile}").label
    # Every Markdown and HTML character arrives escaped: the label reads as the header was written.
    assert "\\*\\*Owner\\*\\*" in label and "\\[click\\]" in label and "\\<b\\>" in label
