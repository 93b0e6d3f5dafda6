"""Funnel, stage resolution, outcomes, changes, filters, trend and breakdowns (METRICS.md 2, 3, 6).

Each scenario writes monthly snapshots through store.write_snapshot into a real DuckDB file,
reads them back with store.read_rows and checks hand-computed numbers.
"""
from __future__ import annotations

import pandas as pd
import pytest

from analytics.domain import SolutionType
from analytics.metrics import NOT_SET, breakdown, compute_report, initiative_history, trend
from analytics.problems import SnapshotMissing
from tests.support.scenario import ON_HOLD, PR, ST, I, P, S, month, read_back, row, write_months


def report(db, as_of: str, **kwargs):
    return compute_report(read_back(db), month(as_of), **kwargs)


def stage_of(rep, initiative_id: str) -> str:
    population = rep.population.set_index("initiative_id")
    return population.at[initiative_id, "stage"]


def test_on_hold_keeps_the_stage_resolved_in_the_previous_snapshot(db_file):
    write_months(db_file, {
        "2024-01": [row("A", S), row("B", I), row("C", P)],
        "2024-02": [row("A", ON_HOLD), row("B", ON_HOLD), row("C", ST)],
        "2024-03": [row("A", ON_HOLD), row("B", P), row("C", ON_HOLD)],
        "2024-04": [row("A", ON_HOLD), row("B", ON_HOLD), row("C", ON_HOLD)],
    })
    rep = report(db_file, "2024-04")
    # A: a run of three on-hold months keeps scaling from before the run.
    assert stage_of(rep, "A") == S
    # B: on hold after moving to pilot carries pilot, not the idea from before.
    assert stage_of(rep, "B") == P
    # C: stopped, then on hold twice, stays stopped.
    assert stage_of(rep, "C") == ST
    assert rep.funnel.on_hold == 3
    assert dict(rep.funnel.stage_counts) == {I: 0, P: 1, S: 1, PR: 0, ST: 1}


def test_on_hold_with_no_previous_snapshot_is_pilot_with_a_pilot_start_else_idea(db_file):
    write_months(db_file, {
        "2024-05": [row("A", ON_HOLD, pilot_start="2024-03-01"), row("B", ON_HOLD)],
        "2024-06": [row("A", ON_HOLD, pilot_start="2024-03-01"), row("B", ON_HOLD),
                    row("C", ON_HOLD, pilot_start="2024-06-10")],
    })
    first = report(db_file, "2024-05")
    assert stage_of(first, "A") == P and stage_of(first, "B") == I
    second = report(db_file, "2024-06")
    assert (stage_of(second, "A"), stage_of(second, "B"), stage_of(second, "C")) == (P, I, P)
    assert second.funnel.on_hold == 3
    assert (second.funnel.reached_pilot, second.funnel.reached_scaling) == (2, 0)


def test_highest_stage_reached_counts_earlier_rows_and_dates_up_to_the_as_of_date(db_file):
    write_months(db_file, {
        "2024-01": [
            row("idea-only", I),
            row("back-to-pilot", S),
            row("stopped-after-scaling", S),
            row("idea-with-pilot-start", I, pilot_start="2024-01-31"),     # = as-of date: counts
            row("planned-pilot", I, pilot_start="2024-02-01"),              # the day after: a plan
            row("scaling-gone-live", S, production_date="2024-01-15"),
            row("planned-go-live", S, production_date="2024-03-01"),
            row("never-on-ladder", ST),
        ],
        "2024-02": [
            row("idea-only", I),
            row("back-to-pilot", P),
            row("stopped-after-scaling", ST),
            row("idea-with-pilot-start", I, pilot_start="2024-01-31"),
            row("planned-pilot", I, pilot_start="2024-03-01"),               # slipped again
            row("scaling-gone-live", S, production_date="2024-01-15"),
            row("planned-go-live", S, production_date="2024-03-01"),
            row("never-on-ladder", ST),
        ],
    })
    rep = report(db_file, "2024-02")
    highest = rep.population.set_index("initiative_id")["highest_stage"]
    assert highest["back-to-pilot"] == S
    assert highest["stopped-after-scaling"] == S                 # stopped keeps its highest stage
    assert highest["idea-with-pilot-start"] == P
    assert highest["planned-pilot"] == I
    assert highest["scaling-gone-live"] == PR
    assert highest["planned-go-live"] == S
    assert pd.isna(highest["never-on-ladder"])
    funnel = rep.funnel
    # pilot+: back-to-pilot, stopped-after-scaling, idea-with-pilot-start, scaling-gone-live, planned-go-live
    assert (funnel.population, funnel.reached_pilot, funnel.reached_scaling, funnel.reached_production) == (8, 5, 4, 1)
    assert funnel.pilot_to_scaling == pytest.approx(4 / 5)
    assert funnel.scaling_to_production == pytest.approx(1 / 4)
    assert funnel.pilot_to_production == pytest.approx(1 / 5)


def test_conversions_are_null_when_nothing_reached_the_earlier_stage(db_file):
    write_months(db_file, {"2024-01": [row("A", I), row("B", I)]})
    funnel = report(db_file, "2024-01").funnel
    assert (funnel.reached_pilot, funnel.pilot_to_scaling, funnel.scaling_to_production,
            funnel.pilot_to_production) == (0, None, None, None)


def test_population_is_the_as_of_snapshot_and_later_months_are_ignored(db_file):
    write_months(db_file, {
        "2024-01": [row("A", P), row("gone", P)],
        "2024-02": [row("A", S)],
        "2024-03": [row("A", PR), row("late", P)],
    })
    rep = report(db_file, "2024-02")
    assert rep.funnel.population == 1
    assert (rep.funnel.reached_scaling, rep.funnel.reached_production) == (1, 0)


def test_outcomes_sum_money_over_production_stalled_and_stopped(db_file):
    write_months(db_file, {"2024-06": [
        row("live-1", PR, expected_value=1_000_000.0, realized_value=400_000.0),
        row("live-2", PR, expected_value=500_000.0),                          # realized missing: 0
        row("pilot-live-value", P, expected_value=9_999.0, realized_value=9_999.0),
        row("held", ON_HOLD, pilot_start="2024-05-01", budget=250_000.0),   # on hold: stalled
        row("held-no-budget", ON_HOLD, pilot_start="2024-05-01"),
        row("killed", ST, spend_to_date=120_000.0, budget=300_000.0),
        row("killed-2", ST, spend_to_date=30_000.0),
    ]})
    out = report(db_file, "2024-06").outcomes
    assert out.expected_in_production == 1_500_000.0
    assert out.realized_in_production == 400_000.0
    assert out.value_capture == pytest.approx(400_000 / 1_500_000)
    assert out.stalled_budget == 250_000.0
    assert out.spend_on_stopped == 150_000.0


def test_value_capture_is_null_without_expected_value(db_file):
    write_months(db_file, {"2024-06": [row("live", PR, realized_value=10.0)]})
    out = report(db_file, "2024-06").outcomes
    # No initiative gives an expected value: unknown, not 0 (outcomes.not_captured).
    assert (out.expected_in_production, out.realized_in_production, out.value_capture) == (None, 10.0, None)
    assert out.not_captured == ("expected_value",)


def test_changes_since_the_previous_snapshot(db_file):
    write_months(db_file, {
        "2024-01": [row("up", I), row("pause", P, stage_entered="2024-01-10"), row("kill", P),
                    row("leaving", S), row("steady", S), row("was-held", ON_HOLD, pilot_start="2023-12-01")],
        "2024-02": [row("up", P), row("pause", ON_HOLD), row("kill", ST), row("steady", S),
                    row("fresh", I), row("was-held", ON_HOLD, pilot_start="2023-12-01")],
    })
    changes = report(db_file, "2024-02").changes
    assert changes.previous_as_of == month("2024-01")
    assert changes.moved_up["initiative_id"].tolist() == ["up"]
    assert changes.moved_up["from_stage"].tolist() == [I]
    assert changes.newly_stalled["initiative_id"].tolist() == ["pause"]   # was-held was stalled already
    assert changes.stopped["initiative_id"].tolist() == ["kill"]
    assert changes.new["initiative_id"].tolist() == ["fresh"]
    assert changes.vanished["initiative_id"].tolist() == ["leaving"]
    assert changes.vanished["stage"].tolist() == [S]
    first = report(db_file, "2024-01").changes
    assert first.previous_as_of is None and first.new.empty and first.vanished.empty


def test_filters_restrict_the_population_by_the_as_of_row(db_file):
    write_months(db_file, {
        "2024-01": [row("A", P, business_unit="Finance"), row("B", P, business_unit="Sales")],
        "2024-02": [
            row("A", S, business_unit="Sales", solution_type=SolutionType.GENERIC),  # moved unit
            row("B", PR, business_unit="Sales", solution_type=SolutionType.CUSTOM),
            row("C", P, solution_type=SolutionType.GENERIC),
        ],
    })
    sales = report(db_file, "2024-02", business_unit="Sales")
    assert sorted(sales.population["initiative_id"]) == ["A", "B"]
    assert (sales.funnel.reached_pilot, sales.funnel.reached_production) == (2, 1)
    generic_sales = report(db_file, "2024-02", business_unit="Sales", solution_type=SolutionType.GENERIC)
    assert generic_sales.population["initiative_id"].tolist() == ["A"]
    unassigned = report(db_file, "2024-02", business_unit=NOT_SET)
    assert unassigned.population["initiative_id"].tolist() == ["C"]
    finance = report(db_file, "2024-02", business_unit="Finance")
    assert finance.funnel.population == 0 and finance.funnel.pilot_to_scaling is None
    assert finance.time_to_production.p_production_12m is None


def test_breakdown_by_business_unit_splits_funnel_stalls_and_outcomes(db_file):
    write_months(db_file, {"2024-06": [
        row("F1", PR, business_unit="Finance", expected_value=100.0, realized_value=50.0),
        row("F2", ON_HOLD, business_unit="Finance", pilot_start="2024-01-01", budget=40.0, owner="Ann and Bob"),
        row("S1", P, business_unit="Sales", pilot_start="2024-06-01"),
        row("N1", I),
    ]})
    table = breakdown(read_back(db_file), month("2024-06"), "business_unit").set_index("business_unit")
    assert list(table.index) == ["Finance", NOT_SET, "Sales"]
    finance = table.loc["Finance", ["population", "reached_pilot", "reached_production", "stalled"]]
    assert finance.tolist() == [2, 2, 1, 1]
    assert table.at["Finance", "pilot_to_production"] == pytest.approx(0.5)
    assert table.at["Finance", "stalled_budget"] == 40.0
    assert table.at["Finance", "value_capture"] == pytest.approx(0.5)
    assert table.at["Finance", "weighted_ownership"] == pytest.approx(0.5)       # ownership + success metric
    assert table.at["Finance", "budget_weighted_success_metrics"] == pytest.approx(20.0)
    assert table.at["Sales", "stalled"] == 0
    assert pd.isna(table.at[NOT_SET, "pilot_to_scaling"])
    with pytest.raises(ValueError, match="business_unit"):
        breakdown(read_back(db_file), month("2024-06"), "owner")


def test_trend_gives_each_month_as_its_own_report_would(db_file):
    write_months(db_file, {
        "2024-01": [row("A", P), row("B", I)],
        "2024-02": [row("A", S), row("B", P)],
        "2024-03": [row("A", PR, expected_value=10.0), row("B", ST), row("C", I)],
    })
    rows = read_back(db_file)
    table = trend(rows)
    assert table["as_of"].dt.strftime("%Y-%m").tolist() == ["2024-01", "2024-02", "2024-03"]
    assert table["population"].tolist() == [2, 2, 3]
    assert table["reached_pilot"].tolist() == [1, 2, 2]
    assert table["reached_production"].tolist() == [0, 0, 1]
    assert table[str(ST)].tolist() == [0, 0, 1]
    assert table["expected_in_production"].tolist() == [0.0, 0.0, 10.0]
    for as_of, figures in zip(["2024-01", "2024-02", "2024-03"], table.itertuples(), strict=True):
        expected = compute_report(rows, month(as_of)).funnel.pilot_to_production
        wanted = expected if expected is not None else float("nan")
        assert figures.pilot_to_production == pytest.approx(wanted, nan_ok=True)
    assert trend(rows, up_to=month("2024-02"))["population"].tolist() == [2, 2]


def test_initiative_history_shows_resolved_stage_on_hold_and_owner_per_month(db_file):
    write_months(db_file, {
        "2024-01": [row("A", P, owner="Ann"), row("B", I)],
        "2024-02": [row("A", ON_HOLD, owner="Ann / Bob"), row("B", I)],
        "2024-03": [row("A", S, owner="Bob"), row("B", I)],
    })
    history = initiative_history(read_back(db_file), "A")
    assert history["as_of"].dt.strftime("%Y-%m").tolist() == ["2024-01", "2024-02", "2024-03"]
    assert history["stage"].tolist() == [P, P, S]
    assert history["on_hold"].tolist() == [False, True, False]
    assert history["owner"].tolist() == ["Ann", "Ann / Bob", "Bob"]
    assert history["stalled"].tolist() == [False, True, False]
    assert initiative_history(read_back(db_file), "nobody").empty


def test_a_month_without_a_snapshot_is_refused_naming_the_months_that_exist(db_file):
    write_months(db_file, {"2024-01": [row("A", P)], "2024-02": [row("A", P)], "2024-04": [row("A", P)]})
    with pytest.raises(SnapshotMissing, match="2024-03.*2024-01 to 2024-02, 2024-04"):
        report(db_file, "2024-03")
