"""Issue 10 on the Data page: each export that used to give wrong numbers with "No warnings",
loaded the way an analyst does it, through the uploader (AppTest)."""
from __future__ import annotations

from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from analytics import store
from analytics.ingest import import_file
from tests.conftest import ROOT
from tests.test_import_rules import FIVE, HEADER, book

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


@pytest.fixture(autouse=True)
def _fresh_caches() -> None:
    import streamlit as st

    st.cache_data.clear()
    st.cache_resource.clear()


@pytest.fixture
def empty_db(db_file: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("PORTFOLIO_LOAD_SAMPLE", "0")
    return db_file


def data_page() -> AppTest:
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=60).run()
    return at.switch_page("pages/data.py").run()


def upload(at: AppTest, name: str, content: bytes) -> AppTest:
    at.file_uploader[0].set_value((name, content, XLSX))
    return at.run()


def commit(at: AppTest) -> AppTest:
    button = next(b for b in at.button if b.label.startswith("Commit"))
    assert not button.disabled
    return button.click().run()


def found(at: AppTest) -> dict[str, str]:
    return {m.label: m.value for m in at.metric}


def groups(at: AppTest) -> dict[str, str]:
    """Problem groups shown: 'Label: count' -> their whole texts, Markdown escapes removed."""
    return {e.label: " ".join(m.value for m in e.markdown).replace("\\", "")
            for e in at.expander if ": " in e.label}


def month_rows(db: Path, month: str):
    import pandas as pd

    with store.connect(db, read_only=True) as con:
        return store.read_month(con, pd.Timestamp(month).date())


def test_a_hidden_archive_is_passed_over_and_the_analyst_can_choose_it(empty_db: Path):
    archive = [[*HEADER, "Owner"], ["OLD-1", "Old bot", "Stopped", None, 1, "Kim"]]
    content = book({"Portfolio": [HEADER, *FIVE], "Archive 2024": archive},
                   hidden=("Archive 2024",))

    at = upload(data_page(), "portfolio-2025-03.xlsx", content)

    assert found(at)["Sheet"] == "Portfolio" and found(at)["Initiatives"] == "5"
    assert any("Sheets passed over: Archive 2024" in c.value for c in at.caption)
    assert "Sheet chosen among several: 1" in groups(at)
    at.selectbox(key="data::sheet").set_value("Archive 2024").run()
    assert found(at)["Sheet"] == "Archive 2024" and found(at)["Initiatives"] == "1"


@pytest.mark.parametrize("read_me", [
    [["How to fill this in"], HEADER, ["UC-0", "Example", "Idea", None, 1]],
    [HEADER],
])
def test_a_read_me_sheet_is_never_the_export(empty_db: Path, read_me: list[list[object]]):
    content = book({"Read Me": read_me, "Portfolio": [HEADER, *FIVE]})

    at = upload(data_page(), "portfolio-2025-03.xlsx", content)

    assert found(at)["Sheet"] == "Portfolio" and found(at)["Initiatives"] == "5"
    assert any("No blocking problems" in s.value for s in at.success)


def test_budget_in_euros_is_read_and_a_switch_of_currency_is_a_warning(empty_db: Path):
    at = upload(data_page(), "p-2025-01.xlsx", book({"P": [[*HEADER[:4], "Budget ($)"], *FIVE]}))
    at = commit(at)
    at = upload(at, "p-2025-02.xlsx", book({"P": [[*HEADER[:4], "Budget (EUR)"], *FIVE]}))

    assert found(at)["Currency"] == "EUR"
    assert "Currency changed since last month: 1" in groups(at)
    assert month_rows(empty_db, "2025-01")["budget"].sum() == 1_050_000


def test_a_hand_mapping_survives_a_new_column_and_a_vanished_field_is_a_warning(empty_db: Path):
    header = [*HEADER[:4], "Approved Funds"]
    at = upload(data_page(), "p-2025-01.xlsx", book({"P": [header, *FIVE]}))
    at.selectbox(key="map::Approved Funds").set_value("budget").run()
    at = commit(at)
    march = [[*header, "Risk Rating"], *[[*r, "High"] for r in FIVE]]
    at = upload(at, "p-2025-03.xlsx", book({"P": march}))
    at = commit(at)
    assert month_rows(empty_db, "2025-03")["budget"].sum() == 1_050_000

    at = upload(at, "p-2025-04.xlsx", book({"P": [HEADER[:4], *[r[:4] for r in FIVE]]}))

    texts = groups(at)["Column present last month, missing now: 1"]
    assert "stalled budget" in texts


def test_excel_errors_negative_budgets_and_case_twins_block_the_import(empty_db: Path):
    rows = [HEADER,
            ["UC-1", "A", "Pilot", None, "#N/A"],
            ["uc-1", "B", "Pilot", None, 5],
            ["UC-3", "C", "Pilot", None, "(250,000)"],
            ["UC-4", "D", "Pilot", None, -250000]]

    at = upload(data_page(), "p-2025-01.xlsx", book({"P": rows}))

    shown = groups(at)
    assert "sheet 'P', row 2, column 'Budget': value '#N/A':" in shown[
        "Excel error value (#N/A, #REF!, ...): 1"]
    assert "row 3, column 'ID': value 'uc-1'" in shown["Duplicate initiative ID: 1"]
    assert "row 4" in shown["Negative budget or spend: 2"]
    assert "row 5" in shown["Negative budget or spend: 2"]
    assert next(b for b in at.button if b.label.startswith("Commit")).disabled


def test_ids_match_across_months_ignoring_case(empty_db: Path):
    at = commit(upload(data_page(), "p-2025-01.xlsx",
                       book({"P": [HEADER, ["UC-9", "A", "Pilot", None, 1]]})))

    at = upload(at, "p-2025-02.xlsx", book({"P": [HEADER, ["uc-9", "A", "Pilot", None, 1]]}))

    assert not [g for g in groups(at) if g.startswith("Missing since last month")]
    commit(at)
    assert month_rows(empty_db, "2025-01")["initiative_id"].tolist() == ["uc-9"]


def test_unicode_spaces_read_as_spaces(empty_db: Path):
    nb = "\u00a0"
    rows = [HEADER, ["UC-1", "A", "Pilot", f"15{nb}Mar{nb}2025", f"1{nb}200{nb}000"],
            ["UC-2", "B", "Pilot", None, f"$1.2M{nb}"]]

    at = upload(data_page(), "p-2025-03.xlsx", book({"P": rows}))

    assert any("No blocking problems" in s.value for s in at.success)


def test_a_trackers_own_stage_word_is_mapped_by_hand_and_remembered(empty_db: Path):
    rows = [HEADER, ["UC-1", "A", "Assessment", None, 1], ["UC-2", "B", "Pilot", None, 1]]
    at = upload(data_page(), "p-2025-01.xlsx", book({"P": rows}))
    assert "Unknown stage word: 1" in groups(at)

    at.selectbox(key="stage::Assessment").set_value("idea").run()
    assert any("No blocking problems" in s.value for s in at.success)
    at = commit(at)
    at = upload(at, "p-2025-02.xlsx", book({"P": rows}))

    assert any("No blocking problems" in s.value for s in at.success)
    commit(at)
    assert month_rows(empty_db, "2025-02").set_index("initiative_id")["stage"]["UC-1"] == "idea"


def test_the_first_real_import_replaces_the_sample_and_shows_the_month(sample_db: Path):
    at = data_page()
    assert any("sample portfolio" in i.value for i in at.info)

    at = upload(at, "p-2025-02.xlsx", book({"P": [HEADER, *FIVE]}))
    assert at.radio(key="data::sample").value.startswith("Remove the sample")
    at = commit(at)

    with store.connect(sample_db, read_only=True) as con:
        infos = store.list_snapshots(con)
    assert [(f"{s.as_of:%Y-%m}", s.is_sample) for s in infos] == [("2025-02", False)]
    assert any("February 2025 imported: 5 initiatives" in s.value
               and "sample portfolio was removed" in s.value for s in at.success)
    assert not any("sample portfolio" in i.value for i in at.info)
    # The as-of filter moved to the month just loaded and the uploader is empty again.
    assert at.sidebar.selectbox(key="month").value.isoformat() == "2025-02-01"
    assert at.file_uploader[0].value is None


def test_keeping_the_sample_imports_nothing(sample_db: Path):
    at = upload(data_page(), "p-2025-02.xlsx", book({"P": [HEADER, *FIVE]}))

    at.radio(key="data::sample").set_value(
        next(o for o in at.radio(key="data::sample").options if o.startswith("Keep"))).run()

    assert next(b for b in at.button if b.label.startswith("Commit")).disabled


def test_a_sample_month_already_loaded_does_not_need_replace(sample_db: Path):
    with store.connect(sample_db, read_only=True) as con:
        latest = store.list_snapshots(con)[-1].as_of
    at = upload(data_page(), f"p-{latest:%Y-%m}.xlsx", book({"P": [HEADER, *FIVE]}))

    assert not [c for c in at.checkbox if "already loaded" in c.label]
    commit(at)
    assert len(month_rows(sample_db, f"{latest:%Y-%m}")) == 5


def test_import_file_outside_the_page_keeps_its_sample_flag(tmp_path: Path):
    db = tmp_path / "x.duckdb"
    import_file(book({"P": [HEADER, *FIVE]}), db=db, file_name="s-2025-01.xlsx", is_sample=True)
    import_file(book({"P": [HEADER, *FIVE]}), db=db, file_name="s-2025-02.xlsx", is_sample=True)
    with store.connect(db, read_only=True) as con:
        assert [s.is_sample for s in store.list_snapshots(con)] == [True, True]


def test_a_euro_portfolio_reads_in_euros_on_the_pages(empty_db: Path):
    from tests.test_currency import portfolio

    import_file(portfolio(), db=empty_db, file_name="portfolio-2025-01.xlsx")
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=60).run()

    stalls = at.switch_page("pages/stalls.py").run()
    value = at.switch_page("pages/value.py").run()

    assert not stalls.exception and not value.exception
    assert {m.label: m.value for m in stalls.metric}["Budget stuck in stalls"] == "€400k"
    shown = {m.label: m.value for m in value.metric}
    assert shown["Realized value in production"] == "€600k"
    assert not [v for v in shown.values() if "$" in str(v)]


def test_help_on_headers_and_stage_words_is_in_the_app(empty_db: Path):
    at = data_page()

    help_box = next(e for e in at.expander
                    if e.label == "Which headers and stage words the import understands")
    stages, headers = (d.value for d in help_box.dataframe)
    assert "proof of concept" in stages.set_index("Stage").loc["Pilot", "Words in the stage column"]
    assert "Approved Budget" in headers.set_index("Field").loc["Budget", "Headers recognised"]
    assert not [e for e in at.expander if "docs/" in " ".join(m.value for m in e.markdown)]
