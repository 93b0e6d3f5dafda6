"""Normalising cell values (METRICS.md sections 1 and 2), each rule through a real workbook."""
from __future__ import annotations

import io
import json
from datetime import date, datetime

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from openpyxl import Workbook

from analytics.domain import Integration, SolutionType, Stage
from analytics.ingest import ImportPlan, prepare_import
from analytics.ingest.choices import ROWS_SAMPLED

HEADER = ["ID", "Name", "Stage"]


def workbook(rows: list[list[object]], header: list[str] = HEADER, sheet: str = "Portfolio") -> bytes:
    book = Workbook()
    ws = book.active
    ws.title = sheet
    ws.append(header)
    for row in rows:
        ws.append(row)
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def plan_of(rows: list[list[object]], header: list[str] = HEADER) -> ImportPlan:
    return prepare_import(workbook(rows, header), "portfolio-2025-03.xlsx")


def column(plan: ImportPlan, field: str) -> list[object]:
    return [None if pd.isna(v) else v for v in plan.rows[field]]


def where(plan: ImportPlan, code: str) -> list[tuple[object, ...]]:
    return [(p.severity.value, p.sheet, p.row, p.column, p.value)
            for p in plan.problems if p.code == code]


# --- stages -------------------------------------------------------------------------------------


def test_every_stage_synonym_reads_as_its_stage_in_any_case_and_spacing():
    written = {
        Stage.IDEA: ["Ideation", "BACKLOG", "intake", "Discovery", "proposed", "idea"],
        Stage.PILOT: ["POC", "Proof of Concept", "prototype", "Experiment", "MVP", "  pilot "],
        Stage.SCALING: ["Scale-up", "Scale up", "Rollout", "hardening", "Integration",
                        "Pre-production", "scaling"],
        Stage.PRODUCTION: ["In Production", "Live", "deployed", "Launched", "BAU", "Scaled"],
        Stage.STOPPED: ["Cancelled", "canceled", "Killed", "abandoned", "Retired", "Rejected"],
    }
    rows, expected = [], []
    for stage, values in written.items():
        for value in values:
            rows.append([f"AI-{len(rows)}", f"Initiative {len(rows)}", value])
            expected.append(stage.value)

    plan = plan_of(rows)

    assert plan.ok, plan.errors
    assert column(plan, "stage") == expected
    assert column(plan, "stage_raw") == [v.strip() for vs in written.values() for v in vs]
    assert not any(column(plan, "on_hold"))


def test_on_hold_paused_blocked_are_a_status_not_a_stage():
    plan = plan_of([
        ["AI-1", "Claims triage", "On Hold"],
        ["AI-2", "Churn model", "paused"],
        ["AI-3", "Invoice OCR", "Blocked"],
        ["AI-4", "Chatbot", "Pilot"],
    ])

    assert plan.ok
    assert column(plan, "stage") == [None, None, None, Stage.PILOT.value]
    assert column(plan, "on_hold") == [True, True, True, False]
    assert column(plan, "stage_raw") == ["On Hold", "paused", "Blocked", "Pilot"]


def test_a_stage_that_maps_to_no_stage_is_an_error_naming_the_cell():
    plan = plan_of([
        ["AI-1", "Claims triage", "Pilot"],
        ["AI-2", "Churn model", "Under review"],
        ["AI-3", "Invoice OCR", "TBD"],
    ])

    assert where(plan, "unknown_stage") == [("error", "Portfolio", 3, "Stage", "Under review")]
    assert where(plan, "empty_stage") == [("error", "Portfolio", 4, "Stage", "TBD")]
    assert not plan.ok


# --- dates ----------------------------------------------------------------------------------------


def test_dates_from_excel_cells_iso_text_and_month_names():
    header = [*HEADER, "Pilot Start"]
    cells = [
        datetime(2025, 3, 15, 0, 0),
        date(2025, 3, 15),
        "2025-03-15",
        "2025/03/15",
        "2025-03-15T09:30:00",
        "15 Mar 2025",
        "15-Mar-2025",
        "15th March 2025",
        "Mar 15, 2025",
        "March 15 2025",
        "March 2025",
        "mar 2025",
        "2025-03",
        "Sept 2025",
    ]
    plan = plan_of([[f"AI-{i}", f"I{i}", "Pilot", c] for i, c in enumerate(cells)], header)

    assert plan.ok, plan.errors
    day = pd.Timestamp("2025-03-15")
    first = pd.Timestamp("2025-03-01")
    assert column(plan, "pilot_start") == [day] * 10 + [first] * 3 + [pd.Timestamp("2025-09-01")]


def test_unreadable_dates_are_errors_with_their_cell():
    header = [*HEADER, "Go-Live"]
    plan = plan_of([
        ["AI-1", "A", "Live", "2025-02-30"],
        ["AI-2", "B", "Live", "next quarter"],
        ["AI-3", "C", "Live", 45000],
        ["AI-4", "D", "Live", "Smarch 2025"],
        ["AI-5", "E", "Live", "n/a"],
    ], header)

    assert where(plan, "bad_date") == [
        ("error", "Portfolio", 2, "Go-Live", "2025-02-30"),
        ("error", "Portfolio", 3, "Go-Live", "next quarter"),
        ("error", "Portfolio", 4, "Go-Live", "45000"),
        ("error", "Portfolio", 5, "Go-Live", "Smarch 2025"),
    ]
    assert column(plan, "production_date")[4] is None


def test_numeric_dates_are_ambiguous_unless_the_workbook_settles_the_order():
    header = [*HEADER, "Pilot Start"]
    unsettled = plan_of([
        ["AI-1", "A", "Pilot", "03/04/2025"],
        ["AI-2", "B", "Pilot", "05/05/2025"],
    ], header)

    assert where(unsettled, "ambiguous_date") == [("error", "Portfolio", 2, "Pilot Start", "03/04/2025")]
    assert column(unsettled, "pilot_start")[1] == pd.Timestamp("2025-05-05")


def test_a_day_above_twelve_elsewhere_proves_day_first_for_the_whole_workbook():
    header = [*HEADER, "Pilot Start", "Stage Entered"]
    plan = plan_of([
        ["AI-1", "A", "Pilot", "03/04/2025", "2025-05-01"],
        ["AI-2", "B", "Pilot", "01/02/2025", "25/12/2024"],
    ], header)

    assert plan.ok, plan.errors
    assert column(plan, "pilot_start") == [pd.Timestamp("2025-04-03"), pd.Timestamp("2025-02-01")]
    assert column(plan, "stage_entered")[1] == pd.Timestamp("2024-12-25")


def test_month_first_is_proven_the_same_way():
    header = [*HEADER, "Pilot Start"]
    plan = plan_of([
        ["AI-1", "A", "Pilot", "03/04/2025"],
        ["AI-2", "B", "Pilot", "12/31/2024"],
    ], header)

    assert plan.ok, plan.errors
    assert column(plan, "pilot_start") == [pd.Timestamp("2025-03-04"), pd.Timestamp("2024-12-31")]


def test_production_before_pilot_is_a_warning_on_the_production_cell():
    header = [*HEADER, "Pilot Start", "Go-Live"]
    plan = plan_of([
        ["AI-1", "A", "Live", "2025-01-10", "2024-12-01"],
        ["AI-2", "B", "Live", "2025-01-10", "2025-06-01"],
    ], header)

    assert plan.ok
    assert where(plan, "production_before_pilot") == [
        ("warning", "Portfolio", 2, "Go-Live", "2024-12-01"),
    ]


# --- money ----------------------------------------------------------------------------------------


def test_money_as_numbers_and_text_with_marks_and_multipliers():
    # Negative amounts are read here in expected value, where they are kept with a warning;
    # in budget and spend they are errors (test_ingest_rules.py).
    header = [*HEADER, "Expected Value"]
    cells = [1_200_000, "$1,200,000", "1.2M", "$1.2m", "1,200k", "USD 1200000", "1 200 000 USD",
             "250k", "(5,000)", "-5000", 0.5, "n/a", ""]
    plan = plan_of([[f"AI-{i}", f"I{i}", "Pilot", c] for i, c in enumerate(cells)], header)

    assert plan.ok, plan.errors
    assert column(plan, "expected_value") == [1_200_000.0] * 7 + [250_000.0, -5000.0, -5000.0,
                                                                  0.5, None, None]
    assert [p.code for p in plan.warnings] == ["negative_value", "negative_value"]
    assert plan.currency == "USD"


def test_euro_amounts_record_the_currency():
    header = [*HEADER, "Approved Budget", "Spend to Date"]
    plan = plan_of([["AI-1", "A", "Pilot", "€80,000", "€1.5k"],
                    ["AI-2", "B", "Pilot", 1000, None]], header)

    assert plan.ok
    assert column(plan, "budget") == [80_000.0, 1000.0]
    assert column(plan, "spend_to_date") == [1500.0, None]
    assert plan.currency == "EUR"


def test_plain_numbers_take_the_currency_a_header_names():
    plan = plan_of([["AI-1", "A", "Pilot", 250_000]], [*HEADER, "Budget (USD)"])

    assert plan.currency == "USD"


def test_mixed_currency_is_an_error_on_each_minority_cell():
    header = [*HEADER, "Budget", "Actual Cost"]
    plan = plan_of([
        ["AI-1", "A", "Pilot", "$100,000", "$5,000"],
        ["AI-2", "B", "Pilot", "$200,000", "€7,000"],
        ["AI-3", "C", "Pilot", "$300,000", "£1,000"],
    ], header)

    assert where(plan, "mixed_currency") == [
        ("error", "Portfolio", 3, "Actual Cost", "€7,000"),
        ("error", "Portfolio", 4, "Actual Cost", "£1,000"),
    ]
    assert plan.currency == "USD"


def test_unreadable_money_is_an_error():
    header = [*HEADER, "Expected Value"]
    plan = plan_of([
        ["AI-1", "A", "Pilot", "about a million"],
        ["AI-2", "B", "Pilot", "1,2M"],
        ["AI-3", "C", "Pilot", "$5 USD"],
        ["AI-4", "D", "Pilot", True],
    ], header)

    assert [p[2:] for p in where(plan, "bad_money")] == [
        (2, "Expected Value", "about a million"),
        (3, "Expected Value", "1,2M"),
        (4, "Expected Value", "$5 USD"),
        (5, "Expected Value", "TRUE"),
    ]


# --- readiness, integration, solution type ------------------------------------------------------


def test_readiness_scores_and_words():
    header = [*HEADER, "Data Readiness (RAG)"]
    cells = [1, 5, "3", "Red", "low", "Poor", "not ready", "Amber", "yellow", "Medium", "partial",
             "GREEN", "high", "good", "Ready", "TBD", None]
    plan = plan_of([[f"AI-{i}", f"I{i}", "Pilot", c] for i, c in enumerate(cells)], header)

    assert plan.ok
    assert column(plan, "data_readiness") == [1, 5, 3, 1, 1, 1, 1, 3, 3, 3, 3, 5, 5, 5, 5, None, None]
    assert plan.warnings == ()


def test_unknown_readiness_is_a_warning_and_stored_empty():
    header = [*HEADER, "Data Quality"]
    plan = plan_of([["AI-1", "A", "Pilot", "purple"], ["AI-2", "B", "Pilot", 7]], header)

    assert plan.ok
    assert where(plan, "unknown_readiness") == [
        ("warning", "Portfolio", 2, "Data Quality", "purple"),
        ("warning", "Portfolio", 3, "Data Quality", "7"),
    ]
    assert column(plan, "data_readiness") == [None, None]


def test_integration_none_words_are_the_value_none_not_placeholders():
    header = [*HEADER, "Core System Integration"]
    cells = ["None", "no", "Not started", "not planned", "Standalone", "Planned", "In Progress",
             "WIP", "Integrated", "yes", "n/a", "TBD", "", "maybe"]
    plan = plan_of([[f"AI-{i}", f"I{i}", "Pilot", c] for i, c in enumerate(cells)], header)

    none, planned = Integration.NONE.value, Integration.PLANNED.value
    progress, done = Integration.IN_PROGRESS.value, Integration.INTEGRATED.value
    assert column(plan, "integration_status") == [
        none, none, none, none, none, planned, progress, progress, done, done,
        None, None, None, None,
    ]
    assert where(plan, "unknown_integration") == [
        ("warning", "Portfolio", 15, "Core System Integration", "maybe"),
    ]


def test_solution_type_synonyms():
    header = [*HEADER, "Build vs Buy"]
    cells = ["Off-the-shelf", "OTS", "COTS", "out of the box", "Packaged", "SaaS", "generic",
             "Configured", "customised vendor platform", "Hybrid",
             "Custom", "Purpose-built", "bespoke", "In-house", "Build", "-", "whatever"]
    plan = plan_of([[f"AI-{i}", f"I{i}", "Pilot", c] for i, c in enumerate(cells)], header)

    generic, configured = SolutionType.GENERIC.value, SolutionType.CONFIGURED.value
    custom = SolutionType.CUSTOM.value
    assert column(plan, "solution_type") == (
        [generic] * 7 + [configured] * 3 + [custom] * 5 + [None, None]
    )
    assert [p[2:] for p in where(plan, "unknown_solution_type")] == [(18, "Build vs Buy", "whatever")]


# --- text, IDs, placeholders ------------------------------------------------------------------------


@pytest.mark.parametrize("placeholder", [
    "", "  ", "TBD", "tba", "TBC", "N/A", "na", "None", "-", "?", "Unassigned", "vacant",
    "Unknown", "To be defined", "to  be  defined",
])
def test_placeholders_are_no_value_in_text_fields(placeholder):
    header = [*HEADER, "Owner", "Success Metric", "BU"]
    plan = plan_of([["AI-1", "A", "Pilot", placeholder, placeholder, placeholder]], header)

    assert plan.ok
    assert column(plan, "owner") == [None]
    assert column(plan, "success_metric") == [None]
    assert column(plan, "business_unit") == [None]


def test_text_is_trimmed_and_numbers_read_as_written():
    header = [*HEADER, "Owner", "Notes"]
    plan = plan_of([
        [1001, "  Claims triage  ", " Pilot", " Ann Lee ", 42],
        ["AI-2", "Churn\tmodel", "Pilot", "Bo / Cy", 2.5],
    ], header)

    assert plan.ok
    assert column(plan, "initiative_id") == ["1001", "AI-2"]
    assert column(plan, "name") == ["Claims triage", "Churn\tmodel"]
    assert column(plan, "owner") == ["Ann Lee", "Bo / Cy"]
    assert column(plan, "notes") == ["42", "2.5"]


def test_duplicate_and_empty_ids_are_errors_naming_the_rows():
    plan = plan_of([
        ["AI-1", "A", "Pilot"],
        ["AI-2", "B", "Pilot"],
        ["AI-1", "C", "Idea"],
        ["TBD", "D", "Idea"],
        [None, "E", "Idea"],
    ])

    assert where(plan, "duplicate_id") == [("error", "Portfolio", 4, "ID", "AI-1")]
    assert "row 2" in next(p.message for p in plan.problems if p.code == "duplicate_id")
    assert where(plan, "empty_id") == [
        ("error", "Portfolio", 5, "ID", "TBD"),
        ("error", "Portfolio", 6, "ID", ""),
    ]


def test_an_empty_name_is_a_warning():
    plan = plan_of([["AI-1", "", "Pilot"], ["AI-2", "B", "Pilot"]])

    assert plan.ok
    assert where(plan, "empty_name") == [("warning", "Portfolio", 2, "Name", "")]


def test_raw_json_keeps_every_cell_as_text_including_extra_columns():
    import json

    header = [*HEADER, "Budget", "Sponsor", "Pilot Start"]
    plan = plan_of([["AI-1", 'The "big" one', "POC", 1_200_000, "Dana\nRoss", date(2025, 3, 1)]],
                   header)

    assert json.loads(plan.rows["raw_json"][0]) == {
        "ID": "AI-1", "Name": 'The "big" one', "Stage": "POC", "Budget": "1200000",
        "Sponsor": "Dana\nRoss", "Pilot Start": "2025-03-01",
    }


# --- the grammar, over many written forms --------------------------------------------------------

#: How an amount's size is written (a: the amount without its sign, in units with cents).
MONEY_STYLES = {
    "plain": lambda a: f"{a:.2f}",
    "whole": lambda a: f"{a:.0f}",
    "grouped": lambda a: f"{a:,.2f}",
    "dollar": lambda a: f"${a:,.2f}",
    "euro suffix": lambda a: f"{a:,.2f} EUR",
    "thousands": lambda a: f"{a / 1e3:.5f}k",
    "millions": lambda a: f"{a / 1e6:.8f}M",
    "spaced": lambda a: f"{a:,.2f}".replace(",", " "),
}
#: How a negative amount is marked: a minus sign, or accountants' parentheses.
NEGATIVE_STYLES = {"minus": lambda text: f"-{text}", "parentheses": lambda text: f"({text})"}
DATE_STYLES = {
    "iso": lambda d: d.isoformat(),
    "slashed iso": lambda d: d.strftime("%Y/%m/%d"),
    "day month": lambda d: f"{d.day} {d:%b} {d.year}",
    "day-month": lambda d: f"{d.day:02d}-{d:%b}-{d.year}",
    "month day": lambda d: f"{d:%B} {d.day}, {d.year}",
}


@given(st.lists(st.tuples(st.integers(-500_000_000_000, 500_000_000_000),
                          st.sampled_from(sorted(MONEY_STYLES)),
                          st.sampled_from(sorted(NEGATIVE_STYLES))),
                min_size=1, max_size=40))
@settings(max_examples=200, deadline=None)
def test_every_written_amount_reads_back_as_its_value(amounts):
    """Amounts in cents up to +-5 billion, positive or negative (minus or parentheses)."""
    from analytics.ingest.vectors import distinct, money_values

    def written(cents: int, style: str, negative: str) -> str:
        whole = cents if style != "whole" else cents - cents % 100
        text = MONEY_STYLES[style](abs(whole) / 100)
        return NEGATIVE_STYLES[negative](text) if whole < 0 else text

    texts = [written(cents, style, negative) for cents, style, negative in amounts]
    found = money_values(distinct(np.array(texts, dtype=object)))

    assert found.failures == {}
    for (cents, style, _), text, parsed in zip(amounts, texts, found.amounts, strict=True):
        # The value the analyst meant, from the integer cents, not from the text.
        meant = (cents if style != "whole" else cents - cents % 100) / 100
        assert parsed == pytest.approx(meant, rel=1e-12, abs=1e-9), text


@given(st.lists(st.tuples(st.dates(date(1990, 1, 1), date(2100, 12, 31)),
                          st.sampled_from(sorted(DATE_STYLES))), min_size=1, max_size=40))
@settings(max_examples=60, deadline=None)
def test_every_written_date_reads_back_as_its_day(days):
    from analytics.ingest.vectors import date_values, distinct, settle_dates

    texts = [DATE_STYLES[style](day) for day, style in days]
    found = settle_dates(date_values(distinct(np.array(texts, dtype=object))), None)

    assert found.failures == {}
    assert [d.astype("datetime64[D]").item() for d in found.values] == [d for d, _ in days]


@given(st.lists(st.dates(date(1990, 1, 1), date(2100, 12, 31)), min_size=1, max_size=30))
@settings(max_examples=60, deadline=None)
def test_numeric_dates_read_day_first_once_one_day_exceeds_twelve(days):
    from analytics.ingest.vectors import date_order, date_values, distinct, settle_dates

    texts = [f"{d.day:02d}/{d.month:02d}/{d.year}" for d in days] + ["31/01/2025"]
    found = date_values(distinct(np.array(texts, dtype=object)))
    settled = settle_dates(found, date_order([found]))

    assert date_order([found]) is True
    assert settled.failures == {}
    assert [d.astype("datetime64[D]").item() for d in settled.values][:len(days)] == days


# --- raw cells ------------------------------------------------------------------------------------

def test_raw_cells_are_kept_for_every_row_of_a_plan_that_can_be_stored():
    rows = [[f"UC-{i}", f"Use case {i}", "Pilot", f"note {i}"] for i in range(ROWS_SAMPLED + 5)]
    plan = plan_of(rows, [*HEADER, "Sponsor notes"])
    assert plan.ok
    raw = plan.rows["raw_json"]
    assert raw.notna().all()
    assert json.loads(raw.iloc[-1]) == {"ID": f"UC-{ROWS_SAMPLED + 4}", "Name": f"Use case {ROWS_SAMPLED + 4}",
                                        "Stage": "Pilot", "Sponsor notes": f"note {ROWS_SAMPLED + 4}"}


def test_a_plan_with_errors_keeps_raw_cells_only_for_the_rows_the_mapping_choices_read():
    rows = [[f"UC-{i}", f"Use case {i}", "Pilot"] for i in range(ROWS_SAMPLED + 5)]
    rows[-1][2] = "Assessment"  # a stage word that maps to no stage: the plan is refused
    plan = plan_of(rows)
    assert not plan.ok
    raw = plan.rows["raw_json"]
    assert raw.head(ROWS_SAMPLED).notna().all() and raw.iloc[ROWS_SAMPLED:].isna().all()
    assert json.loads(raw.iloc[0]) == {"ID": "UC-0", "Name": "Use case 0", "Stage": "Pilot"}
