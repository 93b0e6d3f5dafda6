"""Dates are facts that later exports may leave blank (METRICS.md section 2), and the on-hold rule
for an initiative seen for the first time.

Each scenario writes monthly snapshots into a real DuckDB file, reads them back and checks
hand-computed numbers from the report for one month.
"""
from __future__ import annotations

from datetime import date

import pandas as pd

from analytics.domain import Integration, SolutionType
from analytics.metrics import compute_report, trend
from analytics.metrics.types import (
    FROM_PILOT_START,
    FROM_PRODUCTION_DATE,
    FROM_SNAPSHOT,
    FROM_STAGE_ENTERED,
)
from tests.support.scenario import ON_HOLD, PR, ST, I, P, S, month, read_back, row, write_months

#: Cells that flag no stall cause, so each scenario is about dates only.
CLEAN = {"owner": "Dana Lee", "data_readiness": 4, "solution_type": SolutionType.CUSTOM,
         "integration_status": Integration.INTEGRATED, "success_metric": "Cost per claim"}


def report(db, as_of: str):
    return compute_report(read_back(db), month(as_of))


def subjects(rep) -> pd.DataFrame:
    return rep.time_to_production.subjects.set_index("initiative_id")


def test_a_blank_pilot_start_or_go_live_does_not_erase_the_date_given_earlier(db_file):
    write_months(db_file, {
        "2024-01": [row("A", P, pilot_start="2024-01-10"), row("B", I, pilot_start="2024-01-20")],
        "2024-02": [row("A", P), row("B", I)],                            # both dates left blank
        "2024-03": [row("A", PR, production_date="2024-03-05"), row("B", I)],
        "2024-04": [row("A", PR), row("B", I)],                           # go-live left blank
    })
    rep = report(db_file, "2024-04")
    a = subjects(rep).loc["A"]
    assert (a["origin"], a["origin_source"]) == (pd.Timestamp("2024-01-10"), FROM_PILOT_START)
    assert (a["end_date"], a["end_source"]) == (pd.Timestamp("2024-03-05"), FROM_PRODUCTION_DATE)
    assert a["days"] == 55
    assert rep.time_to_production.median_days_observed == 55.0
    # B stayed at idea, but the pilot start given in January still counts as reaching pilot.
    assert rep.population.set_index("initiative_id").at["B", "highest_stage"] == P
    assert (rep.funnel.reached_pilot, rep.funnel.reached_production) == (2, 1)
    assert subjects(rep).at["B", "origin"] == pd.Timestamp("2024-01-20")


def test_origin_reads_the_first_non_blank_stage_entered_among_the_earliest_pilot_rows(db_file):
    write_months(db_file, {
        "2023-12": [row("A", I)],
        "2024-01": [row("A", P)],                                         # blank in the first pilot row
        "2024-02": [row("A", P, stage_entered="2024-01-15")],
        "2024-03": [row("A", P, stage_entered="2024-02-01")],             # a later, different date
    })
    a = subjects(report(db_file, "2024-03")).loc["A"]
    assert (a["origin"], a["origin_source"]) == (pd.Timestamp("2024-01-15"), FROM_STAGE_ENTERED)
    # Before February's row said when, the move seen between snapshots is the origin.
    january = subjects(report(db_file, "2024-01")).loc["A"]
    assert (january["origin"], january["origin_source"]) == (pd.Timestamp("2024-01-31"), FROM_SNAPSHOT)


def test_production_reads_the_latest_non_blank_stage_entered_among_production_rows(db_file):
    write_months(db_file, {
        "2024-01": [row("A", P, pilot_start="2023-11-01")],
        "2024-02": [row("A", PR, stage_entered="2024-02-03")],
        "2024-03": [row("A", PR, stage_entered="2024-02-04")],            # corrected a day later
        "2024-04": [row("A", PR)],                                        # left blank
    })
    a = subjects(report(db_file, "2024-04")).loc["A"]
    assert (a["end_date"], a["end_source"]) == (pd.Timestamp("2024-02-04"), FROM_STAGE_ENTERED)
    assert a["days"] == (date(2024, 2, 4) - date(2023, 11, 1)).days == 95


def test_a_stop_keeps_its_stage_entered_when_later_rows_leave_it_blank(db_file):
    write_months(db_file, {
        "2023-12": [row("A", P, pilot_start="2023-11-01")],
        "2024-01": [row("A", ST, stage_entered="2024-01-05")],
        "2024-02": [row("A", ST)],
    })
    a = subjects(report(db_file, "2024-02")).loc["A"]
    assert (a["outcome"], a["end_date"], a["end_source"]) == (ST, pd.Timestamp("2024-01-05"), FROM_STAGE_ENTERED)
    assert a["days"] == 65


def test_time_in_stage_reads_the_latest_stage_entered_of_the_current_stay(db_file):
    write_months(db_file, {
        "2024-01": [row("kept", S, stage_entered="2023-06-01", **CLEAN),
                    row("moved", P, stage_entered="2023-01-01", **CLEAN)],
        "2024-02": [row("kept", S, **CLEAN), row("moved", S, **CLEAN)],
        "2024-03": [row("kept", S, **CLEAN), row("moved", S, **CLEAN)],
    })
    rep = report(db_file, "2024-03")
    population = rep.population.set_index("initiative_id")
    # The scaling date given in January still holds in March: 304 days, stalled.
    assert population.at["kept", "days_in_stage"] == (date(2024, 3, 31) - date(2023, 6, 1)).days == 304
    assert population.at["kept", "stage_since_source"] == FROM_STAGE_ENTERED
    # A date given while at pilot says nothing about scaling: the run of snapshots counts.
    assert population.at["moved", "days_in_stage"] == (date(2024, 3, 31) - date(2024, 2, 29)).days == 31
    assert population.at["moved", "stage_since_source"] == FROM_SNAPSHOT
    assert rep.stalls.stalled["initiative_id"].tolist() == ["kept"]


def test_on_hold_first_seen_is_pilot_only_with_a_pilot_start_on_or_before_the_as_of_date(db_file):
    write_months(db_file, {
        "2024-05": [
            row("started", ON_HOLD, pilot_start="2024-05-31", **CLEAN),     # the as-of date: pilot
            row("planned", ON_HOLD, pilot_start="2024-07-01", **CLEAN),     # a future date: idea
            row("no-date", ON_HOLD, **CLEAN),
        ],
        "2024-06": [row("planned", ON_HOLD, pilot_start="2024-07-01", **CLEAN)],
        "2024-07": [row("planned", ON_HOLD, **CLEAN)],
    })
    may = report(db_file, "2024-05")
    stages = may.population.set_index("initiative_id")["stage"]
    assert (stages["started"], stages["planned"], stages["no-date"]) == (P, I, I)
    assert (may.funnel.reached_pilot, may.stalls.count) == (1, 1)      # only the pilot stalls
    # On hold carries the stage resolved before; July's pilot start (given in June, blank in July)
    # now counts as reaching pilot, while the carried stage stays idea.
    july = report(db_file, "2024-07")
    assert july.population.set_index("initiative_id").at["planned", "stage"] == I
    assert (july.funnel.reached_pilot, july.stalls.count) == (1, 0)
    assert trend(read_back(db_file))["reached_pilot"].tolist() == [1, 0, 1]
