"""The board pack's "Evidence" and "Decisions needed" slides: built from a small portfolio,
reopened with python-pptx and read back against the numbers computed by hand."""
from __future__ import annotations

import io
import re
from datetime import date
from pathlib import Path

import pytest
from pptx import Presentation

from analytics import store
from analytics.boardpack import build_deck, pack_data
from analytics.boardpack.decisions import DECISIONS_SLIDE, HEADER, MAX_ROWS
from analytics.domain import (
    CAUSE_CHECKS,
    CAUSE_REMEDIES,
    Cause,
    Integration,
    SolutionType,
    Stage,
)
from analytics.provenance import ChartContext
from tests.support.scenario import row, write_months

P, S = Stage.PILOT, Stage.SCALING
GOOD = {"owner": "Olga", "data_readiness": 4, "solution_type": SolutionType.CUSTOM,
            "integration_status": Integration.PLANNED, "success_metric": "Churn -2 pts"}
MONTH = date(2025, 6, 1)


@pytest.fixture
def no_chromium(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("BROWSER_PATH", str(tmp_path / "no-chromium-here"))


def text(shape) -> str:
    return re.sub(r"\s+", " ", shape.text_frame.text).strip()


def deck_for(db: Path):
    with store.connect(db, read_only=True) as con:
        rows = store.read_rows(con, MONTH)
    ctx = ChartContext(as_of=MONTH, source="portfolio-2025-06.xlsx")
    return Presentation(io.BytesIO(build_deck(pack_data(rows, MONTH), ctx, native_charts=True)))


def stalled_portfolio() -> list[dict[str, object]]:
    """Ten stalled pilots with budgets 100k..1M (S10 largest), S10 without an owner and spent
    1.2M of its 1M; two pilots not stalled."""
    rows = [
        row(f"S{i:02d}", P, pilot_start="2024-06-01", budget=i * 100_000.0, spend_to_date=40_000.0,
            business_unit="Finance", **GOOD)
        for i in range(1, 10)
    ]
    rows.append(row("S10", S, pilot_start="2024-01-01", stage_entered="2024-06-01", budget=1_000_000.0,
                    spend_to_date=1_200_000.0, business_unit="HR", **{**GOOD, "owner": "TBD"}))
    rows += [row("N1", P, pilot_start="2025-05-01", budget=5_000_000.0, **GOOD),
             row("N2", P, pilot_start="2025-05-01", **GOOD)]
    return rows


def test_the_decisions_slide_is_a_native_table_largest_budget_first(db_file, no_chromium):
    write_months(db_file, {"2025-06": stalled_portfolio()})
    deck = deck_for(db_file)
    last = deck.slides[-1]
    # Budget not yet spent: S01..S09 each budget - 40k; S10 overspent counts 0.
    # sum(i * 100k - 40k for i in 1..9) = 4.14M.
    assert text(last.shapes.title) == ("10 stalled initiatives await a decision: unblock or stop; "
                                       "$4.1M of their budget is not yet spent")
    table = next(s for s in last.shapes if s.has_table).table
    assert tuple(table.cell(0, c).text for c in range(len(HEADER))) == HEADER
    assert len(table.rows) == MAX_ROWS + 1
    first = [table.cell(1, c).text for c in range(len(HEADER))]
    assert first[0] == "Initiative S10 (S10)" and first[1] == "HR" and first[2] == "TBD"
    assert first[3] == "$1.0M" and first[5] == "Unclear ownership"
    assert first[6] == CAUSE_REMEDIES[Cause.OWNERSHIP]
    assert table.cell(2, 0).text == "Initiative S09 (S09)" and table.cell(2, 6).text == "Find out what holds it up"
    notes = last.notes_slide.notes_text_frame.text
    assert "Initiative S01 (S01)" in notes and "N1" not in notes       # all ten, only the stalled
    assert "Or stop (its budget is already spent)." in notes
    assert "Or stop, releasing $860k not yet spent." in notes           # S09: 900k - 40k
    assert "all 10 in the notes" in text(next(s for s in last.shapes if s.name == "Subtitle"))
    assert any(s.name == f"Table: {DECISIONS_SLIDE}" for s in last.shapes)


def test_the_evidence_slide_states_an_association_and_notes_every_check(db_file, no_chromium):
    write_months(db_file, {"2025-06": stalled_portfolio()})
    deck = deck_for(db_file)
    evidence = deck.slides[-2]
    # Twelve pilots: each check's "not met" side has at most one, under ten: nothing comparable.
    assert text(evidence.shapes.title) == "Too few pilots followed to compare the five checks yet"
    notes = evidence.notes_slide.notes_text_frame.text
    for check in CAUSE_CHECKS.values():
        assert check in notes
    assert "too few to compare (n = 1)" in notes       # S10, the one pilot without an owner
    assert "not proof" in notes


def test_a_month_with_nothing_stalled_says_so(db_file, no_chromium):
    write_months(db_file, {"2025-06": [row("N1", P, pilot_start="2025-05-01", budget=100.0, **GOOD)]})
    last = deck_for(db_file).slides[-1]
    assert text(last.shapes.title) == "No stalled initiative awaits a decision this month"
    table = next(s for s in last.shapes if s.has_table).table
    assert table.cell(1, 0).text == "No initiative is stalled."
