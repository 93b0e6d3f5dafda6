"""An export with no value for a cause's field (no owner or success-metric column, no readiness
scores): the flags still follow METRICS.md section 5, but the report, the charts and the pages
say that those causes describe the export, not the portfolio. Before, such an export made
"Unclear success metrics" the top stall cause with "No warnings"."""
from __future__ import annotations

import re
from datetime import date
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from analytics import operations
from analytics.charts.decisions import evidence_chart
from analytics.charts.stalls import cause_pareto_chart
from analytics.charts.theme import FOOTER_NAME
from analytics.domain import FIELD_BY_NAME, Cause, Integration, SolutionType
from analytics.metrics import compute_report
from analytics.metrics.stalls import CAUSE_FIELD_BLANK
from analytics.provenance import ChartContext
from tests.conftest import ROOT
from tests.support.hostile import workbook_bytes
from tests.support.scenario import ON_HOLD, P, month, read_back, row, write_months

AS_OF = "2025-06"
CTX = ChartContext(as_of=date(2025, 6, 1), source="portfolio-2025-06.xlsx")


def on_hold(initiative_id: str, **cells: object) -> dict[str, object]:
    return row(initiative_id, ON_HOLD, pilot_start="2025-01-01", **cells)


def no_metrics_no_owners() -> list[dict[str, object]]:
    """Four stalled pilots whose export has no owner and no success metric, two of them on a
    generic tool, all with readiness scores and an integration status."""
    return [
        on_hold("G-1", solution_type=SolutionType.GENERIC, data_readiness=4,
                integration_status=Integration.INTEGRATED),
        on_hold("G-2", solution_type=SolutionType.GENERIC, data_readiness=2,
                integration_status=Integration.PLANNED),
        on_hold("C-1", solution_type=SolutionType.CUSTOM, data_readiness=5,
                integration_status=Integration.INTEGRATED),
        on_hold("C-2", solution_type=SolutionType.CUSTOM, data_readiness=4,
                integration_status=Integration.NONE),
        row("C-3", P, pilot_start="2025-05-01", solution_type=SolutionType.CUSTOM, data_readiness=4,
            integration_status=Integration.INTEGRATED),
    ]


def test_causes_whose_field_nobody_fills_in_are_named_and_still_counted_by_the_rules(db_file):
    write_months(db_file, {AS_OF: no_metrics_no_owners()})
    report = compute_report(read_back(db_file), month(AS_OF))
    stalls = report.stalls
    assert stalls.count == 4
    assert stalls.unreadable == (Cause.OWNERSHIP, Cause.SUCCESS_METRICS)
    # The numbers stay those of METRICS.md: a blank owner or metric is flagged.
    assert int(stalls.causes.at[Cause.SUCCESS_METRICS, "flagged"]) == 4
    assert int(stalls.causes.at[Cause.OWNERSHIP, "flagged"]) == 4
    assert int(stalls.causes.at[Cause.GENERIC_TOOLS, "flagged"]) == 2
    gaps = [p.message for p in report.warnings if p.code == CAUSE_FIELD_BLANK]
    assert len(gaps) == 2
    assert "'Owner'" in gaps[0] and "every stalled initiative is flagged" in gaps[0]
    assert "'Success metric'" in gaps[1] and "Unclear success metrics" in gaps[1]


def test_a_field_given_for_one_initiative_is_readable(db_file):
    rows = no_metrics_no_owners()
    rows[-1]["success_metric"] = "Cost per claim"
    write_months(db_file, {AS_OF: rows})
    report = compute_report(read_back(db_file), month(AS_OF))
    assert report.stalls.unreadable == (Cause.OWNERSHIP,)


def test_scores_nobody_gives_mean_unknown_not_clear(db_file):
    rows = [on_hold(f"X-{n}", owner="Dana Lee", success_metric="Cost per claim",
                    solution_type=SolutionType.CUSTOM, integration_status=Integration.INTEGRATED)
            for n in range(3)]
    write_months(db_file, {AS_OF: rows})
    report = compute_report(read_back(db_file), month(AS_OF))
    assert report.stalls.unreadable == (Cause.DATA_READINESS,)
    message = next(p.message for p in report.warnings if p.code == CAUSE_FIELD_BLANK)
    assert "no initiative can be flagged" in message and "'Data readiness'" in message


def test_the_stall_cause_chart_never_headlines_a_cause_the_export_cannot_show(db_file):
    write_months(db_file, {AS_OF: no_metrics_no_owners()})
    report = compute_report(read_back(db_file), month(AS_OF))
    fig = cause_pareto_chart(report, CTX)
    headline = re.sub(r"<[^>]+>", "", fig.layout.title.text.split("<br>")[0])
    assert headline == "Generic tools is the top stall cause: flagged in 2 of 4 stalled initiatives"
    # The caveat opens the footer, so it stays in the picture a slide shows under its own title.
    footer = next(a.text for a in fig.layout.annotations if a.name == FOOTER_NAME).replace("<br>", " ")
    assert footer.startswith("No owner or success metric in this export: read unclear ownership or "
                             "unclear success metrics as unknown (hatched)")
    patterns = dict(zip(fig.data[0].customdata, fig.data[0].marker.pattern.shape, strict=True))
    assert patterns[Cause.SUCCESS_METRICS] == "/" and patterns[Cause.OWNERSHIP] == "/"
    assert patterns[Cause.GENERIC_TOOLS] == ""


HEADERS = tuple(FIELD_BY_NAME[f].label for f in ("initiative_id", "name", "stage", "business_unit",
                                                   "pilot_start", "data_readiness", "solution_type",
                                                   "integration_status"))


@pytest.fixture(autouse=True)
def _fresh_caches() -> None:
    import streamlit as st

    st.cache_data.clear()
    st.cache_resource.clear()


def test_the_stalls_page_says_which_causes_the_export_cannot_show(db_file: Path, monkeypatch):
    monkeypatch.setenv("PORTFOLIO_LOAD_SAMPLE", "0")
    rows = [(f"U-{n}", f"Use case {n}", "On hold", "Finance", date(2025, 1, 1), 4, "Custom", "Integrated")
            for n in range(5)]
    operations.import_file(workbook_bytes(rows, headers=HEADERS), db=db_file, as_of=AS_OF,
                           file_name="portfolio-2025-06.xlsx")
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=60).run()
    at = at.switch_page("pages/stalls.py").run()
    assert not at.exception
    shown = " ".join(w.value for w in at.warning).replace("\\", "")
    assert "Some causes cannot be read from this export" in shown
    assert ("No initiative gives a value for 'Owner' or 'Success metric', so every stalled initiative "
            "counts under Unclear ownership and Unclear success metrics") in shown


def test_the_evidence_chart_marks_a_check_the_export_cannot_show(db_file):
    # No owner or success metric in the export: every pilot sits on the "not met" side of both.
    write_months(db_file, {AS_OF: no_metrics_no_owners()})
    report = compute_report(read_back(db_file), month(AS_OF))
    fig = evidence_chart(report, CTX)
    footer = next(a.text for a in fig.layout.annotations if a.name == FOOTER_NAME).replace("<br>", " ")
    assert footer.startswith("No owner or success metric in this export")
    hatched = {c for trace in fig.data
               for (c, _), shape in zip(trace.customdata, trace.marker.pattern.shape, strict=True)
               if shape == "/"}
    assert hatched == {Cause.OWNERSHIP, Cause.SUCCESS_METRICS}
