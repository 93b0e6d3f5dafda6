"""An export with no amount at all for a money field (no value columns, no budget column):
the sums of METRICS.md section 6 that add it up are unknown, not 0. Before, such an export
showed "Expected value in production $0", "0% captured" and a headline "holding $0 of
budget", with "No warnings"."""
from __future__ import annotations

import json
import re
from datetime import date
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from analytics import operations
from analytics.boardpack.decisions import decisions_slide
from analytics.boardpack.deck import kpi_title
from analytics.charts.stalls import cause_pareto_chart
from analytics.charts.value import stalled_budget_chart, value_chart
from analytics.domain import FIELD_BY_NAME
from analytics.formatting import MISSING, NOT_IN_EXPORT
from analytics.kpis import kpis
from analytics.metrics import compute_report
from analytics.metrics.decisions import board_table
from analytics.metrics.outcomes import MONEY_FIELD_BLANK
from analytics.metrics.report_json import report_json
from analytics.provenance import ChartContext
from tests.conftest import ROOT
from tests.support.hostile import workbook_bytes
from tests.support.scenario import ON_HOLD, PR, month, read_back, row, write_months

AS_OF = "2025-06"
LABEL = {name: field.label for name, field in FIELD_BY_NAME.items()}
CTX = ChartContext(as_of=date(2025, 6, 1), source="portfolio-2025-06.xlsx", currency="GBP")


def live(initiative_id: str, **cells: object) -> dict[str, object]:
    return row(initiative_id, PR, pilot_start="2024-01-01", production_date="2024-09-01", **cells)


def stalled(initiative_id: str, **cells: object) -> dict[str, object]:
    return row(initiative_id, ON_HOLD, pilot_start="2025-01-01", **cells)


def budgets_only() -> list[dict[str, object]]:
    """Two initiatives in production and two on hold; the export has budgets and spend but no
    expected or realized value column."""
    return [live("L-1", budget=400_000.0, spend_to_date=300_000.0),
            live("L-2", budget=100_000.0, spend_to_date=90_000.0),
            stalled("S-1", budget=250_000.0, spend_to_date=20_000.0),
            stalled("S-2", budget=50_000.0, spend_to_date=5_000.0)]


def test_value_nobody_gives_is_unknown_and_said_so(db_file):
    write_months(db_file, {AS_OF: budgets_only()})
    report = compute_report(read_back(db_file), month(AS_OF))
    out = report.outcomes
    assert out.not_captured == ("expected_value", "realized_value")
    assert out.expected_in_production is None and out.realized_in_production is None
    assert out.value_capture is None
    # The amounts the export does give are summed as METRICS.md section 6 says.
    assert out.stalled_budget == 300_000.0
    gaps = [p.message for p in report.warnings if p.code == MONEY_FIELD_BLANK]
    assert len(gaps) == 2
    assert f"'{LABEL['expected_value']}'" in gaps[0]
    assert "value expected in production is not known" in gaps[0]
    assert f"'{LABEL['realized_value']}'" in gaps[1]
    document = json.loads(json.dumps(report_json(report)))
    assert document["outcomes"]["expected_in_production"] is None
    assert document["outcomes"]["realized_in_production"] is None
    assert document["outcomes"]["stalled_budget"] == 300_000.0

    fig = value_chart(report, CTX)
    title = re.sub(r"<[^>]+>", "", fig.layout.title.text.split("<br>")[0])
    assert title == "Value is not in this export: it has no expected or realized value column"


def test_a_value_given_for_one_initiative_counts_the_blank_ones_as_zero(db_file):
    rows = budgets_only()
    rows[0]["expected_value"] = 200_000.0
    write_months(db_file, {AS_OF: rows})
    out = compute_report(read_back(db_file), month(AS_OF)).outcomes
    assert out.not_captured == ("realized_value",)
    assert out.expected_in_production == 200_000.0
    assert out.realized_in_production is None and out.value_capture is None
    title = re.sub(r"<[^>]+>", "", value_chart(compute_report(read_back(db_file), month(AS_OF)),
                                               CTX).layout.title.text.split("<br>")[0])
    assert title == "£200k a year expected in production; realized value is not in this export"


def test_no_budget_column_never_reads_as_no_budget_stuck(db_file):
    rows = [{k: v for k, v in r.items() if k not in ("budget", "spend_to_date")}
            for r in budgets_only()]
    write_months(db_file, {AS_OF: rows})
    report = compute_report(read_back(db_file), month(AS_OF))
    assert report.outcomes.stalled_budget is None
    # Nobody is stopped: nothing was spent on stopped initiatives, whatever the export has.
    assert report.outcomes.spend_on_stopped == 0.0
    assert report.outcomes.not_captured == ("budget", "expected_value", "realized_value")
    assert report.stalls.count == 2
    tiles = kpis(report, None)
    budget = next(t for t in tiles if t.key == "stalled_budget")
    assert budget.value is None and budget.text == MISSING and budget.delta == NOT_IN_EXPORT
    assert kpi_title(tiles).endswith("2 initiatives are stalled (their budget is not in the export)")
    title = re.sub(r"<[^>]+>", "", stalled_budget_chart(report, CTX).layout.title.text.split("<br>")[0])
    assert title == "Budget is not in this export: what the stalled initiatives hold is unknown"
    by_budget = cause_pareto_chart(report, CTX, measure="budget").layout.title.text.split("<br>")[0]
    assert re.sub(r"<[^>]+>", "", by_budget) == ("Budget is not in this export: weigh the causes by "
                                                 "number of initiatives")


HEADERS = tuple(FIELD_BY_NAME[f].label for f in ("initiative_id", "name", "stage", "business_unit",
                                                   "pilot_start", "production_date", "budget"))


@pytest.fixture(autouse=True)
def _fresh_caches() -> None:
    import streamlit as st

    st.cache_data.clear()
    st.cache_resource.clear()


def _import_without_value(db_file: Path) -> None:
    rows = [(f"V-{n}", f"Use case {n}", "Production", "Finance", date(2024, 1, 1),
             date(2024, 9, 1), 100_000) for n in range(3)]
    rows.append(("V-9", "Use case 9", "On hold", "Finance", date(2025, 1, 1), None, 70_000))
    operations.import_file(workbook_bytes(rows, headers=HEADERS), db=db_file, as_of=AS_OF,
                           file_name="portfolio-2025-06.xlsx")


def test_the_value_page_says_what_the_export_lacks(db_file: Path, monkeypatch):
    monkeypatch.setenv("PORTFOLIO_LOAD_SAMPLE", "0")
    _import_without_value(db_file)
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=60).run()
    at = at.switch_page("pages/value.py").run()
    assert not at.exception
    tiles = {m.label: (m.value, m.delta) for m in at.metric}
    assert tiles["Expected value in production"] == (MISSING, NOT_IN_EXPORT)
    assert tiles["Realized value in production"] == (MISSING, NOT_IN_EXPORT)
    assert tiles["Budget stuck in stalls"][0] == "$70k"   # V-9, the one on hold
    shown = " ".join(w.value for w in at.warning).replace("\\", "")
    assert "Some amounts are not in this export" in shown
    assert (f"No initiative in this export gives a value for '{LABEL['expected_value']}' or "
            f"'{LABEL['realized_value']}', so value expected in production and value realized in "
            "production are not known") in shown
    # The Decisions page's "budget not yet spent" needs spend to date, which this export lacks.
    at = at.switch_page("pages/decisions.py").run()
    assert not at.exception
    assert "Some amounts are not in this export" in " ".join(w.value for w in at.warning)
    assert dict((m.label, (m.value, m.delta)) for m in at.metric)["Their budget not yet spent"] == (
        MISSING, NOT_IN_EXPORT)


def test_the_cli_summary_says_not_in_the_export(db_file: Path, capsys):
    from analytics.cli import main

    _import_without_value(db_file)
    assert main(["report", "--db", str(db_file), "--as-of", AS_OF]) == 0
    out = capsys.readouterr().out
    assert f"Value in production: expected {NOT_IN_EXPORT}, realized {NOT_IN_EXPORT} (n/a captured)" in out


def test_the_cli_import_names_the_fields_the_export_lacks(db_file: Path, tmp_path: Path, capsys):
    from analytics.cli import main

    rows = [("V-1", "Use case 1", "Production", "Finance", date(2024, 1, 1), date(2024, 9, 1), 1)]
    export = tmp_path / "portfolio-2025-06.xlsx"
    export.write_bytes(workbook_bytes(rows, headers=HEADERS))
    assert main(["import", str(export), "--db", str(db_file)]) == 0
    out = capsys.readouterr().out
    line = next(x for x in out.splitlines() if x.strip().startswith("not in this export"))
    named = line.split(": ", 1)[1].split(", ")
    assert LABEL["expected_value"] in named and LABEL["realized_value"] in named
    assert LABEL["budget"] not in named and LABEL["initiative_id"] not in named


def test_without_spend_to_date_what_a_stop_releases_is_unknown(db_file):
    rows = [{k: v for k, v in r.items() if k != "spend_to_date"} for r in budgets_only()]
    write_months(db_file, {AS_OF: rows})
    report = compute_report(read_back(db_file), month(AS_OF))
    decided = report.decisions
    assert decided.count == 2 and not decided.spend_given
    # Not the whole budget: nothing says none of it was spent.
    assert decided.budget_remaining is None
    assert decided.table["budget_remaining"].isna().all()
    choices = board_table(decided, "GBP")["decision"].tolist()
    assert all(c.endswith("Or stop (spend to date is not in the export, so what it releases is "
                          "not known).") for c in choices)
    assert decisions_slide(report).title == (
        "2 stalled initiatives await a decision: unblock or stop; they hold $300k of budget "
        "(spend not in the export)")


def test_with_spend_to_date_a_stop_releases_the_budget_not_yet_spent(db_file):
    write_months(db_file, {AS_OF: budgets_only()})
    decided = compute_report(read_back(db_file), month(AS_OF)).decisions
    assert decided.spend_given and decided.budget_remaining == 230_000.0 + 45_000.0


def test_a_filter_whose_initiatives_leave_a_column_blank_reads_zero_not_unknown(db_file):
    # The export has expected values, only not for Finance's initiative in production.
    rows = [live("L-1", business_unit="Finance", budget=1.0),
            live("L-2", business_unit="HR", budget=1.0, expected_value=500_000.0, realized_value=1.0)]
    write_months(db_file, {AS_OF: rows})
    history = read_back(db_file)
    finance = compute_report(history, month(AS_OF), business_unit="Finance").outcomes
    assert finance.not_captured == ()
    assert finance.expected_in_production == 0.0 and finance.realized_in_production == 0.0
    whole = compute_report(history, month(AS_OF)).outcomes
    assert whole.expected_in_production == 500_000.0
