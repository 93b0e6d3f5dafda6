"""Stopped is never stalled: an initiative that was stopped counts in no stall figure, however
long ago it entered its stage and whatever it was the month before."""
from __future__ import annotations

from pathlib import Path

import pytest

from analytics.metrics import compute_report
from analytics.metrics.report import breakdown, trend
from tests.support.scenario import ST, P, S, month, read_back, row, write_months

MAY, JUNE = "2025-05", "2025-06"
MONTHS = {
    # X has been in pilot since January 2024 (516 days on May 31): stalled in May.
    MAY: [row("X", P, business_unit="Sales", pilot_start="2024-01-01", budget=500_000.0),
          row("Y", P, business_unit="Sales", pilot_start="2025-04-01", budget=10_000.0),
          row("Z", S, business_unit="Sales", stage_entered="2024-06-01", budget=70_000.0)],
    # June 30: X and W are stopped, 486 and 760 days after entering their last stage, with big
    # budgets. Z has been scaling 394 days; Y has been in pilot 90 days.
    JUNE: [row("X", ST, business_unit="Sales", pilot_start="2024-01-01",
               stage_entered="2024-03-01", budget=500_000.0, spend_to_date=300_000.0),
           row("Y", P, business_unit="Sales", pilot_start="2025-04-01", budget=10_000.0),
           row("Z", S, business_unit="Sales", stage_entered="2024-06-01", budget=70_000.0),
           row("W", ST, business_unit="Sales", pilot_start="2023-01-01",
               stage_entered="2023-06-01", budget=900_000.0)],
}


@pytest.fixture
def rows(db_file: Path):
    write_months(db_file, MONTHS)
    return read_back(db_file)


@pytest.mark.parametrize(("stall_days", "stalled"), [(180, ["Z"]), (30, ["Y", "Z"])])
def test_stopped_initiatives_are_never_stalled(rows, stall_days: int, stalled: list[str]) -> None:
    june = compute_report(rows, month(JUNE), stall_days=stall_days)
    assert sorted(june.stalls.stalled["initiative_id"]) == stalled
    assert june.stalls.count == len(stalled)
    assert june.stalls.budget == sum({"Y": 10_000.0, "Z": 70_000.0}[i] for i in stalled)
    assert june.outcomes.stalled_budget == june.stalls.budget
    flagged = june.population.set_index("initiative_id")["stalled"]
    assert not flagged["X"] and not flagged["W"]
    assert set(june.early_warning["initiative_id"]).isdisjoint({"X", "W"})
    assert june.stalls.causes["weighted"].sum() == pytest.approx(len(stalled))


def test_a_stalled_initiative_that_is_stopped_leaves_the_stalls(rows) -> None:
    may, june = (compute_report(rows, month(m)) for m in (MAY, JUNE))
    assert sorted(may.stalls.stalled["initiative_id"]) == ["X", "Z"]
    assert june.changes.stopped["initiative_id"].tolist() == ["X"]
    assert june.changes.newly_stalled.empty
    assert trend(rows)[["stalled", "stalled_budget"]].values.tolist() == [[2, 570_000.0],
                                                                            [1, 70_000.0]]
    sales = breakdown(rows, month(JUNE), "business_unit").set_index("business_unit").loc["Sales"]
    assert (sales["stalled"], sales["stalled_budget"]) == (1, 70_000.0)
