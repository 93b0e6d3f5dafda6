"""Changes since last month: "last month" is the snapshot just before the as-of month, not the
first one. Three months of one portfolio, with every change and KPI delta worked out by hand,
checked in the report, in the --json document, in the board pack and on the Overview page."""
from __future__ import annotations

import io
import itertools
import json
from datetime import date
from pathlib import Path

import pytest
from pptx import Presentation
from streamlit.testing.v1 import AppTest

from analytics.boardpack import make_deck, pack_data
from analytics.cli import main
from analytics.formatting import MISSING
from analytics.kpis import NO_CHANGE, TOO_FEW, kpis
from analytics.metrics import compute_report
from analytics.provenance import ChartContext
from tests.support.environment import APP
from tests.support.scenario import ON_HOLD, PR, ST, I, P, S, month, read_back, row, write_months

JAN, FEB, MAR = "2025-01", "2025-02", "2025-03"
# Stall threshold 180 days (the default). As-of dates: Jan 31, Feb 28, Mar 31.
MONTHS = {
    # 5 initiatives; pilots A, B (D at scaling also reached pilot): 3 reached pilot, none
    # production. Nobody stalled: B is 91 days in pilot, D 47 days in scaling.
    JAN: [row("A", P, pilot_start="2024-12-01"), row("B", P, pilot_start="2024-11-01"),
          row("C", I), row("D", S, stage_entered="2024-12-15", budget=100_000.0), row("H", I)],
    # 6 initiatives; pilots B, C, E; production A. Reached pilot A B C D E = 5, production 1: 20%.
    # Stalled: D (on hold, budget 100k) and E (272 days in pilot, budget 50k) = 2, 150k.
    FEB: [row("A", PR, pilot_start="2024-12-01", production_date="2025-02-10"),
          row("B", P, pilot_start="2024-11-01"), row("C", P, pilot_start="2025-02-01"),
          row("D", ON_HOLD, stage_entered="2024-12-15", budget=100_000.0),
          row("E", P, pilot_start="2024-06-01", budget=50_000.0), row("H", I)],
    # 7 initiatives (H is gone; F and G are new); pilots C, F, G; production A, B. Reached pilot
    # all 7, production 2: 2/7 = 28.6%. Stalled: only G (242 days in pilot, budget 120k);
    # D is back at scaling (106 days), E stopped.
    MAR: [row("A", PR, pilot_start="2024-12-01", production_date="2025-02-10"),
          row("B", PR, pilot_start="2024-11-01", production_date="2025-03-05"),
          row("C", P, pilot_start="2025-02-01"),
          row("D", S, stage_entered="2024-12-15", budget=100_000.0),
          row("E", ST, pilot_start="2024-06-01", budget=50_000.0, spend_to_date=20_000.0),
          row("F", P, pilot_start="2025-03-10", budget=30_000.0),
          row("G", P, pilot_start="2024-08-01", budget=120_000.0)],
}

#: March against February, by hand: (label, March as shown, change as shown).
MARCH_TILES = [
    ("Initiatives", "7", "+1"),
    ("In pilot", "3", NO_CHANGE),
    ("In production", "2", "+1"),
    # 2 of the 7 that reached pilot are in production (28.6%): a count, not a rate, below 10
    # pilots (as the charts' titles), and so no change in points either.
    ("Pilot → production", "2 of 7", None),
    # Aalen-Johansen over the 6 pilots with a start would say 50% (F at 21 days and C at 58
    # censored, A in production at 71 days, B at 124, G censored at 242, E stopped at 303):
    # too few pilots followed to state it.
    ("In production within 12 months", TOO_FEW, None),
    ("Stalled", "1", "-1"),
    ("Budget stuck in stalls", "$120k", "-$30k"),
]
#: What the same tiles would say against January: none of the changes above.
AGAINST_JANUARY = ["+2", "+1", "+2", None, None, "+1", "+$120k"]


@pytest.fixture
def three_months(db_file: Path) -> Path:
    write_months(db_file, MONTHS)
    return db_file


def test_the_report_compares_with_the_month_just_before(three_months: Path) -> None:
    rows = read_back(three_months)
    march = compute_report(rows, month(MAR))
    changes = march.changes
    assert changes.previous_as_of == date(2025, 2, 1)
    listed = {name: getattr(changes, name)["initiative_id"].tolist()
              for name in ("moved_up", "newly_stalled", "stopped", "new", "vanished")}
    assert listed == {"moved_up": ["B"], "newly_stalled": ["G"], "stopped": ["E"],
                      "new": ["F", "G"], "vanished": ["H"]}
    assert compute_report(rows, month(FEB)).changes.previous_as_of == date(2025, 1, 1)
    assert compute_report(rows, month(JAN)).changes.previous_as_of is None


def test_the_json_report_names_the_previous_month(three_months: Path,
                                                  capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["report", "--as-of", MAR, "--db", str(three_months), "--json"]) == 0
    changes = json.loads(capsys.readouterr().out)["changes"]
    assert changes["previous_as_of"] == "2025-02"
    assert {name: len(changes[name]) for name in ("moved_up", "newly_stalled", "stopped", "new",
                                                  "vanished")} == {
        "moved_up": 1, "newly_stalled": 1, "stopped": 1, "new": 2, "vanished": 1}


def test_kpi_changes_have_the_sign_points_and_money_worked_out_by_hand(three_months: Path) -> None:
    rows = read_back(three_months)
    march, february, january = (compute_report(rows, month(m)) for m in (MAR, FEB, JAN))
    tiles = kpis(march, february)
    assert [(t.label, t.text, t.delta) for t in tiles] == MARCH_TILES
    assert [t.delta for t in kpis(march, january)] == AGAINST_JANUARY
    # February against January: everything went up.
    assert [t.delta for t in kpis(february, january)] == [
        "+1", "+1", "+1", None, None, "+2", "+$150k"]
    assert all(t.delta is None for t in kpis(march, None))


def test_a_rate_from_ten_pilots_or_more_shows_as_a_share_with_its_change_in_points(db_file: Path) -> None:
    # Twelve pilots in January, none in production (0%); in February three of them are (25%).
    pilots = [f"P{n:02d}" for n in range(12)]
    write_months(db_file, {
        JAN: [row(i, P, pilot_start="2024-10-01") for i in pilots],
        FEB: [row(i, PR, pilot_start="2024-10-01", production_date="2025-02-03") if n < 3
              else row(i, P, pilot_start="2024-10-01") for n, i in enumerate(pilots)],
    })
    rows = read_back(db_file)
    february, january = (compute_report(rows, month(m)) for m in (FEB, JAN))
    tile = next(t for t in kpis(february, january) if t.key == "pilot_to_production")
    assert (tile.text, tile.delta) == ("25%", "+25 pts")
    assert next(t for t in kpis(january, None) if t.key == "pilot_to_production").text == "0%"


def test_the_board_pack_headline_table_shows_the_change_since_last_month(three_months: Path) -> None:
    rows = read_back(three_months)
    data = pack_data(rows, month(MAR))
    assert data.previous is not None and data.previous.as_of == date(2025, 2, 1)
    deck = make_deck(data, ChartContext(as_of=month(MAR), source="portfolio-2025-03.xlsx"),
                     only=())
    slide = Presentation(io.BytesIO(deck.content)).slides[1]
    title = " ".join(slide.shapes.title.text.split())
    assert title == "2 of 7 pilots have reached production; 1 initiative is stalled, holding $120k of budget"
    table = next(s for s in slide.shapes if s.has_table).table
    assert [table.cell(0, c).text for c in (1, 2)] == ["March 2025", "Change since February 2025"]
    body = [tuple(table.cell(r, c).text for c in range(3)) for r in range(1, len(MARCH_TILES) + 1)]
    # The deck writes a missing change as a dash.
    assert body == [(label, text, delta or MISSING) for label, text, delta in MARCH_TILES]


@pytest.mark.usefixtures("fresh_streamlit_caches")
def test_the_overview_tiles_show_the_change_since_last_month(three_months: Path) -> None:
    at = AppTest.from_file(str(APP), default_timeout=60).run()
    assert not at.exception, [e.value for e in at.exception]
    # The tiles are a grid of columns: read it row by row, as a reader does.
    grid = [list(column.metric) for column in at.columns if column.metric]
    tiles = [m for row in itertools.zip_longest(*grid) for m in row if m is not None]
    shown = [(m.label, m.value, m.delta or None) for m in tiles]
    # A figure with nothing to compare shows a dash, as in the deck's table (and keeps the grid's rows).
    assert shown[:len(MARCH_TILES)] == [(label, text, delta or MISSING) for label, text, delta in MARCH_TILES]
    # The Decisions page's two tiles follow the headline figures.
    assert [label for label, _, _ in shown[len(MARCH_TILES):]] == [
        "Expected launches, 6 months", "Decisions awaiting the board"]
    assert any(c.value == "Compared with February 2025." for c in at.caption)
