"""The Decisions page's figures: evidence worded as association with small groups pale, the
most likely launches with workbook names made inert, and the readiness checks."""
from __future__ import annotations

from datetime import date

import pytest

from analytics.boardpack.content import split_title
from analytics.charts.decisions import (
    MET,
    NOT_MET,
    TOO_FEW,
    evidence_chart,
    forecast_chart,
    readiness_chart,
)
from analytics.charts.theme import (
    CAUSE_COLORS,
    HIGHLIGHT,
    IMMATURE,
    STALLED,
)
from analytics.domain import (
    CAUSE_CHECKS,
    CAUSES,
    Cause,
    Integration,
    SolutionType,
    Stage,
)
from analytics.metrics import compute_report
from analytics.provenance import ChartContext
from tests.support.scenario import month, read_back, row, write_months

P, PR = Stage.PILOT, Stage.PRODUCTION
GOOD = {"owner": "Olga", "data_readiness": 4, "solution_type": SolutionType.CUSTOM,
            "integration_status": Integration.PLANNED, "success_metric": "Churn -2 pts"}
CTX = ChartContext(as_of=date(2025, 6, 1))
START = "2024-01-01"


def comparable_portfolio() -> list[dict[str, object]]:
    """Twelve pilots with an owner, six live on day 100; ten without, one live on day 100.
    Everyone else still in pilot after 546 days."""
    rows = []
    for i in range(12):
        live = {"production_date": "2024-04-10"} if i < 6 else {}
        rows.append(row(f"M{i:02d}", PR if live else P, pilot_start=START, **live, **GOOD))
    for i in range(10):
        live = {"production_date": "2024-04-10"} if i == 0 else {}
        rows.append(row(f"U{i:02d}", PR if live else P, pilot_start=START, **live, **{**GOOD, "owner": "TBD"}))
    return rows


def bar(fig, name: str):
    return next(t for t in fig.data if t.name == name)


def test_evidence_is_worded_as_association_and_small_groups_are_pale(db_file):
    write_months(db_file, {"2025-06": comparable_portfolio()})
    fig = evidence_chart(compute_report(read_back(db_file), month("2025-06")), CTX)
    title = split_title(fig)[0]
    # Met: 6 of 12 within a year = 50%; not met: 1 of 10 = 10%: five times as often.
    assert "Pilots with a named owner reached production" in title
    assert "within a year 5.0x as often as those without" in title
    met, unmet = bar(fig, MET), bar(fig, NOT_MET)
    checks = list(met.y)
    assert checks == [CAUSE_CHECKS[c] for c in reversed(CAUSES)]
    owner = checks.index(CAUSE_CHECKS[Cause.OWNERSHIP])
    assert met.x[owner] == pytest.approx(0.5) and unmet.x[owner] == pytest.approx(0.1)
    assert met.text[owner] == "50% (n = 12)" and unmet.text[owner] == "10% (n = 10)"
    assert met.marker.color[owner] == HIGHLIGHT and unmet.marker.color[owner] == STALLED
    # Every other check was met by all 22: its "not met" side is empty, pale, too few.
    data = checks.index(CAUSE_CHECKS[Cause.DATA_READINESS])
    assert unmet.text[data] == f"{TOO_FEW} (n = 0)" and unmet.marker.color[data] == IMMATURE
    assert unmet.x[data] == 0.0


def test_evidence_with_no_comparable_cause_says_so(db_file):
    write_months(db_file, {"2025-06": comparable_portfolio()[:8]})
    fig = evidence_chart(compute_report(read_back(db_file), month("2025-06")), CTX)
    assert split_title(fig)[0] == "Too few pilots followed to compare the five checks yet"
    assert set(bar(fig, MET).marker.color) == {IMMATURE}


def test_forecast_lists_the_likeliest_with_names_made_inert(db_file):
    rows = comparable_portfolio()
    rows.append(row("Z", P, name="<b>Bot</b> & co", pilot_start="2025-04-01", **GOOD))
    write_months(db_file, {"2025-06": rows})
    report = compute_report(read_back(db_file), month("2025-06"))
    fig = forecast_chart(report, CTX)
    labels = list(fig.data[0].y)
    # Z, 90 days old, is the only one young enough to launch as the others did on day 100:
    # on day 100, 7 of the 22 followed that long launched (Z, followed 90 days, is not among
    # them), and nobody had stopped before: its chance is 7/22.
    assert labels[-1] == "&lt;b&gt;Bot&lt;/b&gt; &amp; co (Z)"
    assert report.forecast.initiatives.iloc[0]["chance"] == pytest.approx(7 / 22)
    assert fig.data[0].customdata[-1] == "Z"
    assert fig.data[0].x[-1] == pytest.approx(report.forecast.initiatives.iloc[0]["chance"])
    assert "launches expected in the next six months" in split_title(fig)[0]


def test_readiness_counts_each_check_most_failed_on_top(db_file):
    write_months(db_file, {"2025-06": [
        row("A", P, pilot_start="2025-05-01", **GOOD),
        row("B", P, pilot_start="2025-05-01", **{**GOOD, "owner": "Ann & Bob", "data_readiness": 1}),
        row("C", P, pilot_start="2025-05-01", **{**GOOD, "owner": "-"}),
    ]})
    fig = readiness_chart(compute_report(read_back(db_file), month("2025-06")), CTX)
    trace = fig.data[0]
    assert trace.y[-1] == CAUSE_CHECKS[Cause.OWNERSHIP] and trace.text[-1] == "2 of 3"
    assert trace.marker.color[-1] == CAUSE_COLORS[Cause.OWNERSHIP]
    assert "1 of 3 pilots pass all five checks" in split_title(fig)[0]
    assert "a named owner (2)" in split_title(fig)[0]
