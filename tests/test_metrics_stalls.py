"""Stalls, time in stage, cause attribution with evidence, and early warning (METRICS.md 5)."""
from __future__ import annotations

from datetime import date, timedelta

import pytest

from analytics.domain import UNATTRIBUTED, Cause, Integration, SolutionType
from analytics.metrics import compute_report
from analytics.metrics.outcomes import MONEY_FIELD_BLANK
from analytics.metrics.types import (
    BY_ANALYST,
    BY_RULES,
    FROM_PILOT_START,
    FROM_SNAPSHOT,
    FROM_STAGE_ENTERED,
)
from tests.support.scenario import ON_HOLD, I, P, S, month, read_back, row, write_months

AS_OF = "2025-06"
AS_OF_DATE = date(2025, 6, 30)
#: Cells that flag nothing, so each test sets only what it is about.
CLEAN = {"owner": "Dana Lee", "data_readiness": 4, "solution_type": SolutionType.CUSTOM,
         "integration_status": Integration.INTEGRATED, "success_metric": "Cost per claim"}


def days_before(days: int) -> str:
    return (AS_OF_DATE - timedelta(days=days)).isoformat()


def stalled_pilot(initiative_id: str, **cells: object) -> dict[str, object]:
    """A pilot on hold in the as-of month: stalled whatever its time in stage."""
    return row(initiative_id, ON_HOLD, pilot_start="2025-01-01", **{**CLEAN, **cells})


def report(db, as_of: str = AS_OF, **kwargs):
    return compute_report(read_back(db), month(as_of), **kwargs)


def stalled_table(rep):
    return rep.stalls.stalled.set_index("initiative_id")


def test_time_in_stage_from_stage_entered_then_pilot_start_and_the_threshold_is_strict(db_file):
    write_months(db_file, {AS_OF: [
        row("entered-181", P, stage_entered=days_before(181), pilot_start=days_before(400), **CLEAN),
        row("entered-180", S, stage_entered=days_before(180), **CLEAN),
        row("pilot-start-200", P, pilot_start=days_before(200), **CLEAN),
        row("scaling-ignores-pilot-start", S, pilot_start=days_before(900), **CLEAN),
        row("idea-for-ever", I, stage_entered=days_before(999), **CLEAN),
    ]})
    rep = report(db_file)
    population = rep.population.set_index("initiative_id")
    assert population.at["entered-181", "days_in_stage"] == 181
    assert population.at["entered-181", "stage_since_source"] == FROM_STAGE_ENTERED
    assert population.at["pilot-start-200", "stage_since_source"] == FROM_PILOT_START
    assert population.at["scaling-ignores-pilot-start", "stage_since_source"] == FROM_SNAPSHOT
    assert population.at["scaling-ignores-pilot-start", "days_in_stage"] == 0
    assert sorted(rep.stalls.stalled["initiative_id"]) == ["entered-181", "pilot-start-200"]
    assert report(db_file, stall_days=90).stalls.count == 3


def test_time_in_stage_from_the_latest_unbroken_run_of_snapshots(db_file):
    months = {f"2024-{m:02d}": [] for m in range(1, 9)}
    for key in months:
        months[key].append(row("steady", P if key == "2024-01" else S, **CLEAN))
        months[key].append(row("paused", ON_HOLD if key in ("2024-03", "2024-04") else S, **CLEAN))
        if key != "2024-03":                        # missing from one snapshot: the run restarts
            months[key].append(row("gap", S, **CLEAN))
        changed_stage = S if key in ("2024-01", "2024-02") else P if key == "2024-03" else S
        months[key].append(row("changed", changed_stage, **CLEAN))
    write_months(db_file, months)
    rep = report(db_file, "2024-08")
    days = rep.population.set_index("initiative_id")["days_in_stage"]
    # As of 2024-08-31: runs start at the as-of date of their first snapshot.
    assert days["steady"] == (date(2024, 8, 31) - date(2024, 2, 29)).days == 184
    assert days["paused"] == (date(2024, 8, 31) - date(2024, 1, 31)).days     # on hold keeps the run
    assert days["gap"] == (date(2024, 8, 31) - date(2024, 4, 30)).days == 123
    assert days["changed"] == (date(2024, 8, 31) - date(2024, 4, 30)).days
    assert sorted(rep.stalls.stalled["initiative_id"]) == ["paused", "steady"]


def test_on_hold_pilot_or_scaling_is_stalled_but_on_hold_idea_is_not(db_file):
    write_months(db_file, {AS_OF: [
        row("held-pilot", ON_HOLD, pilot_start=days_before(10), **CLEAN),
        row("held-idea", ON_HOLD, **CLEAN),
    ]})
    stalled = stalled_table(report(db_file))
    assert list(stalled.index) == ["held-pilot"]
    assert bool(stalled.at["held-pilot", "on_hold"])


@pytest.mark.parametrize(("owner", "flagged"), [
    ("Sandra Anderson", False),
    ("Andrew Brandon", False),
    ("Ann and Bob", True),
    ("Ann AND Bob", True),
    ("Ann / Bob", True),
    ("Ann;Bob", True),
    ("Ann & Bob", True),
    ("Ann + Bob", True),
    ("TBD", True),
    ("  unassigned ", True),
    (None, True),
])
def test_ownership_flag_uses_separators_the_word_and_and_placeholders(db_file, owner, flagged):
    write_months(db_file, {AS_OF: [stalled_pilot("X", owner=owner)]})
    causes = stalled_table(report(db_file)).at["X", "causes"]
    assert (Cause.OWNERSHIP in causes) is flagged


def test_each_rule_flags_its_cause_with_the_cell_as_evidence(db_file):
    write_months(db_file, {AS_OF: [
        stalled_pilot("data", data_readiness=2),
        stalled_pilot("data-ok", data_readiness=3),
        stalled_pilot("generic", solution_type=SolutionType.GENERIC),
        stalled_pilot("configured", solution_type=SolutionType.CONFIGURED),
        stalled_pilot("standalone", integration_status=Integration.NONE),
        stalled_pilot("planned", integration_status=Integration.PLANNED),
        stalled_pilot("no-kpi", success_metric="tbd"),
        stalled_pilot("two-owners", owner="Li / Gomez"),
        stalled_pilot("all-clean"),
    ]})
    rep = report(db_file)
    stalled = stalled_table(rep)
    assert stalled.at["data", "causes"] == (Cause.DATA_READINESS,)
    assert stalled.at["generic", "causes"] == (Cause.GENERIC_TOOLS,)
    assert stalled.at["standalone", "causes"] == (Cause.INTEGRATION,)
    assert stalled.at["no-kpi", "causes"] == (Cause.SUCCESS_METRICS,)
    for clean in ("data-ok", "configured", "planned", "all-clean"):
        assert stalled.at[clean, "causes"] == ()
    evidence = rep.stalls.attribution.set_index(["initiative_id", "cause"])["evidence"]
    assert "2" in evidence[("data", Cause.DATA_READINESS)]
    assert "Li / Gomez" in evidence[("two-owners", Cause.OWNERSHIP)]
    assert "'/'" in evidence[("two-owners", Cause.OWNERSHIP)]
    assert "generic" in evidence[("generic", Cause.GENERIC_TOOLS)]
    assert "none" in evidence[("standalone", Cause.INTEGRATION)]
    assert set(rep.stalls.attribution["source"]) == {BY_RULES}


@pytest.mark.parametrize(("verdict", "causes"), [
    ("Owner left the company", (Cause.OWNERSHIP,)),
    ("Nobody accountable", (Cause.OWNERSHIP,)),
    ("Waiting for data access", (Cause.DATA_READINESS,)),
    ("Generic chatbot cannot do it", (Cause.GENERIC_TOOLS,)),
    ("Off-the-shelf product too limited", (Cause.GENERIC_TOOLS,)),
    ("Vendor tool lacks an API", (Cause.GENERIC_TOOLS,)),
    ("Tooling gaps", (Cause.GENERIC_TOOLS,)),
    ("ERP integration backlog", (Cause.INTEGRATION,)),
    ("No KPI agreed", (Cause.SUCCESS_METRICS,)),
    ("Success not defined", (Cause.SUCCESS_METRICS,)),
    ("Cannot measure benefit", (Cause.SUCCESS_METRICS,)),
    ("Unclear metrics and no owner", (Cause.OWNERSHIP, Cause.SUCCESS_METRICS)),
])
def test_analyst_verdict_replaces_the_flags_with_the_causes_it_names(db_file, verdict, causes):
    # The rule flags would say generic tools and integration: the verdict wins.
    write_months(db_file, {AS_OF: [stalled_pilot(
        "X", stall_cause=verdict, solution_type=SolutionType.GENERIC, integration_status=Integration.NONE)]})
    rep = report(db_file)
    stalled = stalled_table(rep)
    assert stalled.at["X", "causes"] == causes
    assert stalled.at["X", "cause_source"] == BY_ANALYST
    attribution = rep.stalls.attribution
    assert set(attribution["source"]) == {BY_ANALYST}
    assert all(verdict in text for text in attribution["evidence"])
    # No warning about the verdict (the export's lack of a budget column is another matter).
    assert not [w for w in rep.warnings if w.code != MONEY_FIELD_BLANK]


def test_a_verdict_naming_no_cause_keeps_the_flags_and_warns_naming_the_cell(db_file):
    write_months(db_file, {AS_OF: [
        stalled_pilot("X", stall_cause="Waiting on legal", integration_status=Integration.NONE),
        stalled_pilot("Y", stall_cause="n/a"),                    # a placeholder is no verdict
    ]})
    rep = report(db_file)
    stalled = stalled_table(rep)
    assert stalled.at["X", "causes"] == (Cause.INTEGRATION,)
    assert stalled.at["X", "cause_source"] == BY_RULES
    assert stalled.at["Y", "causes"] == ()
    (warning,) = [w for w in rep.warnings if w.code != MONEY_FIELD_BLANK]
    assert warning.code == "stall_cause_unread"
    assert warning.value == "Waiting on legal"
    assert warning.column == "stall_cause" and warning.row == 2
    assert "X" in warning.message and "reword" in warning.message


def test_flagged_weighted_and_budget_weighted_by_cause(db_file):
    write_months(db_file, {AS_OF: [
        stalled_pilot("two-causes", owner=None, integration_status=Integration.NONE, budget=100.0),
        stalled_pilot("one-cause", data_readiness=1),                         # budget missing: 0
        stalled_pilot("no-cause", budget=30.0),
        stalled_pilot("three-causes", owner="A+B", data_readiness=2, success_metric=None, budget=90.0),
        row("active", P, pilot_start=days_before(20), owner=None, budget=1_000.0),   # not stalled
    ]})
    stalls = report(db_file).stalls
    causes = stalls.causes
    assert stalls.count == 4 and stalls.budget == 220.0
    assert causes.at[Cause.OWNERSHIP, "flagged"] == 2
    assert causes.at[Cause.DATA_READINESS, "flagged"] == 2
    assert causes.at[Cause.INTEGRATION, "flagged"] == 1
    assert causes.at[Cause.SUCCESS_METRICS, "flagged"] == 1
    assert causes.at[Cause.GENERIC_TOOLS, "flagged"] == 0
    assert causes.at[Cause.OWNERSHIP, "weighted"] == pytest.approx(1 / 2 + 1 / 3)
    assert causes.at[Cause.DATA_READINESS, "weighted"] == pytest.approx(1 + 1 / 3)
    assert causes.at[UNATTRIBUTED, "weighted"] == pytest.approx(1.0)
    assert causes["weighted"].sum() == pytest.approx(4.0)
    assert causes.at[Cause.OWNERSHIP, "budget_weighted"] == pytest.approx(50 + 30)
    assert causes.at[Cause.INTEGRATION, "budget_weighted"] == pytest.approx(50)
    assert causes.at[UNATTRIBUTED, "budget_weighted"] == pytest.approx(30)
    assert causes["budget_weighted"].sum() == pytest.approx(stalls.budget)
    unattributed = stalls.attribution.loc[stalls.attribution["cause"] == UNATTRIBUTED]
    assert unattributed["initiative_id"].tolist() == ["no-cause"]


def test_early_warning_lists_unstalled_pilots_and_scaling_with_causes_and_days_left(db_file):
    write_months(db_file, {AS_OF: [
        row("soon", S, stage_entered=days_before(170), integration_status=Integration.NONE,
            **{k: v for k, v in CLEAN.items() if k != "integration_status"}),
        row("later", P, pilot_start=days_before(30), owner="Ann and Bob",
            **{k: v for k, v in CLEAN.items() if k != "owner"}),
        row("healthy", P, pilot_start=days_before(150), **CLEAN),
        row("already-stalled", P, pilot_start=days_before(300), data_readiness=1,
            **{k: v for k, v in CLEAN.items() if k != "data_readiness"}),
        row("idea", I, owner=None),
    ]})
    warning = report(db_file).early_warning
    assert warning["initiative_id"].tolist() == ["soon", "later"]
    assert warning["days_left"].tolist() == [10, 150]
    assert warning["causes"].tolist() == [(Cause.INTEGRATION,), (Cause.OWNERSHIP,)]
