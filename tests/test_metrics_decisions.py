"""Evidence, forecast, readiness and decisions (METRICS.md sections 7-10): hand-computed
scenarios, the `report --json` keys, and a cross-check of the forecast against lifelines."""
from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest

from analytics import store
from analytics.cli import main
from analytics.domain import (
    CAUSE_REMEDIES,
    CAUSES,
    Cause,
    Integration,
    SolutionType,
)
from analytics.metrics import compute_report, load_report_rows, report_json
from analytics.metrics.forecast import conditional_chances, poisson_binomial, quantile
from analytics.metrics.readiness import most_failed
from analytics.metrics.survival import CENSOR, PRODUCTION, STOPPED
from tests.support.scenario import ON_HOLD, PR, ST, I, P, S, month, read_back, row, write_months

START = "2024-01-01"
#: Fields that pass every cause's rule.
GOOD = {"owner": "Olga", "data_readiness": 4, "solution_type": SolutionType.CUSTOM,
            "integration_status": Integration.PLANNED, "success_metric": "Churn -2 pts"}
NO_OWNER = {**GOOD, "owner": "TBD"}


def ownership_portfolio() -> dict[str, list[dict[str, object]]]:
    """Seven pilots, all started 2024-01-01. F1-F4 had no owner on their first pilot row, C1-C3
    had one. Later rows change the owner and add an analyst's stall cause: neither counts.

    Days from pilot start (as-of 2025-06-30): C1 production day 40; F1 production and F2 stop on
    day 100 (a tie); F4 (started 2025-03-01) followed 121 days; C2 production day 200; F3 and C3
    followed 546 days.
    """
    first = {
        "F1": row("F1", P, pilot_start=START, **NO_OWNER),
        "F2": row("F2", P, pilot_start=START, **NO_OWNER),
        "F3": row("F3", P, pilot_start=START, **NO_OWNER),
        "C1": row("C1", PR, pilot_start=START, production_date="2024-02-10", **GOOD),
        "C2": row("C2", P, pilot_start=START, **GOOD),
        "C3": row("C3", P, pilot_start=START, **GOOD),
    }
    return {
        "2024-02": list(first.values()),
        "2025-05": [
            row("F1", PR, pilot_start=START, production_date="2024-04-10", **GOOD),
            row("F2", ST, pilot_start=START, stage_entered="2024-04-10", **NO_OWNER),
            row("F3", P, pilot_start=START, stall_cause="data not ready", **GOOD),
            row("F4", I, **GOOD),
            row("C1", PR, pilot_start=START, production_date="2024-02-10", **GOOD),
            row("C2", PR, pilot_start=START, production_date="2024-07-19", **GOOD),
            row("C3", P, pilot_start=START, **GOOD),
        ],
        "2025-06": [
            row("F1", PR, pilot_start=START, production_date="2024-04-10", **GOOD),
            row("F2", ST, pilot_start=START, stage_entered="2024-04-10", **NO_OWNER),
            row("F3", P, pilot_start=START, **GOOD),
            row("F4", P, pilot_start="2025-03-01", **NO_OWNER),
            row("C1", PR, pilot_start=START, production_date="2024-02-10", **GOOD),
            row("C2", PR, pilot_start=START, production_date="2024-07-19", **GOOD),
            row("C3", P, pilot_start=START, **GOOD),
            row("X", I, owner="TBD"),                    # never reached pilot: not compared
        ],
    }


def evidence_rows(rep, cause: str) -> dict[str, dict[str, object]]:
    table = rep.evidence.table
    mine = table.loc[table["cause"] == cause].set_index("group")
    return {g: mine.loc[g].to_dict() for g in mine.index}


def test_evidence_splits_on_the_first_pilot_row_with_a_tie_and_empty_groups(db_file):
    write_months(db_file, ownership_portfolio())
    rep = compute_report(read_back(db_file), month("2025-06"))
    owner = evidence_rows(rep, Cause.OWNERSHIP)
    # Flagged F1-F4: day 100 four at risk, one production and one stop together -> 1/4.
    assert owner["flagged"]["n"] == 4 and owner["flagged"]["reached_production"] == 1
    assert owner["flagged"]["p_production_12m"] == pytest.approx(1 / 4)
    # Clear C1-C3: day 40 1/3; day 200 two at risk -> 1/3 + 2/3 * 1/2 = 2/3.
    assert owner["clear"]["n"] == 3 and owner["clear"]["reached_production"] == 2
    assert owner["clear"]["p_production_12m"] == pytest.approx(2 / 3)
    assert owner["flagged"]["too_few"] and owner["clear"]["too_few"]
    # F3's analyst cell says "data", but evidence reads the fields only: nobody is flagged.
    for cause in (Cause.DATA_READINESS, Cause.GENERIC_TOOLS, Cause.INTEGRATION, Cause.SUCCESS_METRICS):
        groups = evidence_rows(rep, cause)
        assert groups["flagged"]["n"] == 0 and groups["flagged"]["reached_production"] == 0
        assert np.isnan(groups["flagged"]["p_production_12m"])
        # All seven: day 40 1/7; day 100 +6/7 * 1/6 = 2/7 (survival 4/7); day 200 +4/7 * 1/3.
        assert groups["clear"]["n"] == 7
        assert groups["clear"]["p_production_12m"] == pytest.approx(10 / 21)


def test_report_json_carries_the_new_keys_also_from_the_cli_loader(db_file, capsys):
    write_months(db_file, ownership_portfolio())
    with store.connect(db_file, read_only=True) as con:
        fast = report_json(compute_report(load_report_rows(con, month("2025-06")), month("2025-06")))
    assert main(["report", "--as-of", "2025-06", "--json"]) == 0
    doc = json.loads(capsys.readouterr().out)
    assert doc["evidence"] == fast["evidence"]
    assert set(doc["evidence"]) == {str(c) for c in CAUSES}
    for groups in doc["evidence"].values():
        assert set(groups) == {"flagged", "clear"}
        for figures in groups.values():
            assert set(figures) == {"n", "reached_production", "p_production_12m"}
    assert doc["evidence"]["ownership"]["flagged"] == {"n": 4, "reached_production": 1, "p_production_12m": 0.25}
    assert doc["evidence"]["data_readiness"]["flagged"] == {"n": 0, "reached_production": 0, "p_production_12m": None}
    assert set(doc["forecast"]) == {"production_next_6m", "production_next_6m_low", "production_next_6m_high"}
    assert doc["forecast"]["production_next_6m"] == pytest.approx(1 / 3)
    assert (doc["forecast"]["production_next_6m_low"], doc["forecast"]["production_next_6m_high"]) == (0, 1)
    assert set(doc["readiness"]) == {"pilots", "ready_to_scale", "failing"}
    assert set(doc["readiness"]["failing"]) == {str(c) for c in CAUSES}
    # Pilots at M: F3 and C3 (named owners), F4 (no owner).
    assert doc["readiness"]["pilots"] == 3 and doc["readiness"]["ready_to_scale"] == 2
    assert doc["readiness"]["failing"] == {"ownership": 1, "data_readiness": 0, "generic_tools": 0,
                                           "integration": 0, "success_metrics": 0}


def test_forecast_reads_the_chance_of_a_pilot_of_that_age(db_file):
    write_months(db_file, ownership_portfolio())
    fc = compute_report(read_back(db_file), month("2025-06")).forecast
    chances = fc.initiatives.set_index("initiative_id")["chance"]
    # F4, 121 days old: F(121) = 2/7, S(121) = 4/7, F(303) = 10/21 -> (10/21 - 6/21) / (12/21).
    assert chances["F4"] == pytest.approx(1 / 3)
    # F3 and C3 are older than anyone launched: no launch is forecast past the follow-up seen.
    assert chances["F3"] == 0.0 and chances["C3"] == 0.0
    assert fc.initiatives["initiative_id"].tolist() == ["F4", "C3", "F3"]
    assert fc.production_next_6m == pytest.approx(1 / 3)
    assert (fc.production_next_6m_low, fc.production_next_6m_high) == (0, 1)


def test_forecast_range_is_the_poisson_binomial_percentiles_including_exact_boundaries():
    assert poisson_binomial(np.array([0.5, 0.5])) == pytest.approx([0.25, 0.5, 0.25])
    two_likely = poisson_binomial(np.array([0.95, 0.95]))      # 0.0025, 0.095, 0.9025
    assert quantile(two_likely, 0.1) == 2 and quantile(two_likely, 0.9) == 2
    assert quantile(poisson_binomial(np.array([0.5, 0.5])), 0.9) == 2
    one_tenth = poisson_binomial(np.array([0.1]))              # P(X <= 0) is exactly 0.9
    assert quantile(one_tenth, 0.1) == 0 and quantile(one_tenth, 0.9) == 0
    assert quantile(poisson_binomial(np.array([])), 0.9) == 0


def test_no_censored_initiatives_forecast_nothing_and_a_short_history_still_estimates(db_file):
    write_months(db_file, {"2024-06": [
        row("A", PR, pilot_start=START, production_date="2024-03-01", **GOOD),     # day 60
        row("B", ST, pilot_start=START, stage_entered="2024-03-01", **NO_OWNER),   # day 60, tie
        row("C", PR, pilot_start=START, production_date="2024-05-10", **NO_OWNER),  # day 130
    ]})
    rep = compute_report(read_back(db_file), month("2024-06"))
    assert rep.forecast.production_next_6m == 0.0 and rep.forecast.initiatives.empty
    assert (rep.forecast.production_next_6m_low, rep.forecast.production_next_6m_high) == (0, 0)
    # Everyone had an event before day 365, so the year's figure is known: 2/3 overall.
    owner = evidence_rows(rep, Cause.OWNERSHIP)
    assert owner["flagged"]["p_production_12m"] == pytest.approx(1 / 2)
    assert owner["clear"]["p_production_12m"] == pytest.approx(1.0)
    assert rep.readiness.pilots == 0 and rep.readiness.ready_to_scale == 0
    assert most_failed(rep.readiness) is None
    assert rep.decisions.count == 0 and rep.decisions.budget_remaining == 0.0


def test_one_initiative_portfolio(db_file):
    write_months(db_file, {"2025-06": [
        row("A", ON_HOLD, pilot_start="2025-03-22", budget=100_000.0, spend_to_date=30_000.0, **NO_OWNER),
    ]})
    rep = compute_report(read_back(db_file), month("2025-06"))
    owner = evidence_rows(rep, Cause.OWNERSHIP)
    assert owner["flagged"]["n"] == 1 and owner["clear"]["n"] == 0
    assert np.isnan(owner["flagged"]["p_production_12m"])     # followed 100 days, not a year
    assert rep.forecast.initiatives["chance"].tolist() == [0.0]
    assert rep.forecast.production_next_6m == 0.0
    assert (rep.readiness.pilots, rep.readiness.ready_to_scale) == (1, 0)
    assert most_failed(rep.readiness) == Cause.OWNERSHIP
    table = rep.decisions.table
    assert table["initiative_id"].tolist() == ["A"]
    assert table.at[0, "budget_remaining"] == 70_000.0
    assert table.at[0, "remedies"] == (CAUSE_REMEDIES[Cause.OWNERSHIP],)


def test_readiness_counts_each_failed_check_of_pilots_only(db_file):
    write_months(db_file, {"2025-06": [
        row("P1", P, pilot_start="2025-05-01", **GOOD),
        row("P2", P, pilot_start="2025-05-01", **{**GOOD, "owner": "Ann / Bob", "data_readiness": 2}),
        row("P3", ON_HOLD, pilot_start="2025-05-01", **{**GOOD, "solution_type": SolutionType.GENERIC,
                                                       "integration_status": Integration.NONE}),
        row("P4", P, pilot_start="2025-05-01", stall_cause="ownership", **{**GOOD, "success_metric": "n/a"}),
        row("P5", P, pilot_start="2025-05-01", **{**GOOD, "data_readiness": 3}),
        row("S1", S, pilot_start="2025-01-01", **NO_OWNER),         # scaling: not a pilot
    ]})
    ready = compute_report(read_back(db_file), month("2025-06")).readiness
    assert (ready.pilots, ready.ready_to_scale) == (5, 2)
    assert dict(ready.failing) == {"ownership": 1, "data_readiness": 1, "generic_tools": 1,
                                   "integration": 1, "success_metrics": 1}
    # A tie between all five: the first in the causes' order is named.
    assert most_failed(ready) == Cause.OWNERSHIP
    table = ready.pilots_table.set_index("initiative_id")
    assert table.loc["P2", "checks_failed"] == 2 and not table.loc["P2", "ready"]
    assert table.loc["P4", "success_metrics"] and not table.loc["P4", "ownership"]
    assert ready.pilots_table["initiative_id"].iloc[:2].tolist() == ["P2", "P3"]


def test_decisions_rank_stalled_initiatives_by_budget_with_remedies_and_budget_left(db_file):
    old = "2024-06-01"
    write_months(db_file, {"2025-06": [
        row("D1", P, pilot_start=old, budget=500_000.0, spend_to_date=200_000.0, **NO_OWNER),
        row("D2", S, stage_entered=old, pilot_start="2024-01-01", budget=1_000_000.0,
            spend_to_date=1_200_000.0, **{**GOOD, "data_readiness": 1, "integration_status": Integration.NONE}),
        row("D3", P, pilot_start=old, **GOOD),                                  # no budget given
        row("D4", ON_HOLD, pilot_start="2025-05-01", budget=800_000.0, stall_cause="integration", **NO_OWNER),
        row("OK", P, pilot_start="2025-05-01", budget=9_000_000.0, **NO_OWNER),  # not stalled
    ]})
    dec = compute_report(read_back(db_file), month("2025-06")).decisions
    table = dec.table.set_index("initiative_id")
    assert dec.table["initiative_id"].tolist() == ["D2", "D4", "D1", "D3"]
    assert table.loc["D1", "budget_remaining"] == 300_000.0
    assert table.loc["D2", "budget_remaining"] == 0.0               # overspent: never below 0
    assert table.loc["D4", "budget_remaining"] == 800_000.0         # no spend given: none spent
    assert np.isnan(table.loc["D3", "budget_remaining"])
    assert dec.budget_remaining == 1_100_000.0 and dec.count == 4
    assert table.loc["D2", "causes"] == (Cause.DATA_READINESS, Cause.INTEGRATION)
    assert table.loc["D2", "remedies"] == (CAUSE_REMEDIES[Cause.DATA_READINESS], CAUSE_REMEDIES[Cause.INTEGRATION])
    # The analyst's verdict replaces the flags for the decision (section 5 attribution).
    assert table.loc["D4", "causes"] == (Cause.INTEGRATION,)
    assert table.loc["D3", "remedies"] == ()


def lifelines_chances(days: np.ndarray, outcome: np.ndarray, ages: np.ndarray, horizon: int) -> np.ndarray:
    from lifelines import AalenJohansenFitter

    curves = {}
    for code in (PRODUCTION, STOPPED):
        fitter = AalenJohansenFitter(calculate_variance=False)
        fitter.fit(pd.Series(days.astype(float)), pd.Series(outcome), event_of_interest=code)
        curves[code] = fitter.cumulative_density_.iloc[:, 0]

    def at(curve: pd.Series, t: float) -> float:
        earlier = curve.loc[curve.index <= t]
        return float(earlier.iloc[-1]) if len(earlier) else 0.0

    out = []
    for a in ages:
        still = 1.0 - at(curves[PRODUCTION], a) - at(curves[STOPPED], a)
        out.append(0.0 if still <= 0 else (at(curves[PRODUCTION], a + horizon) - at(curves[PRODUCTION], a)) / still)
    return np.array(out)


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_forecast_chances_match_lifelines_aalen_johansen(seed):
    rng = np.random.default_rng(seed)
    n = 150
    # Distinct days: lifelines breaks ties by random jitter, ours takes them together.
    days = rng.choice(np.arange(1, 1200), size=n, replace=False)
    outcome = rng.choice([CENSOR, PRODUCTION, STOPPED], size=n, p=[0.4, 0.35, 0.25])
    ages = days[outcome == CENSOR]
    ours = conditional_chances(days, outcome, ages, horizon=182)
    theirs = lifelines_chances(days, outcome, ages, horizon=182)
    assert ours.size == ages.size > 20
    assert ours == pytest.approx(theirs, abs=1e-9)
    assert (ours > 0).sum() > 5        # the comparison covers real chances, not only zeros



def test_an_on_hold_first_row_counts_as_the_pilot_row_it_resolves_to(db_file):
    # H's first export shows it on hold with a pilot start and no integration: it resolves to
    # pilot, so that row is its first pilot row, also when read by the CLI's faster loader.
    no_integration = {**GOOD, "integration_status": Integration.NONE}
    write_months(db_file, {
        "2024-02": [row("H", ON_HOLD, pilot_start=START, **no_integration), row("K", I, **no_integration)],
        "2025-05": [row("H", P, pilot_start=START, **GOOD), row("K", P, pilot_start="2025-04-01", **GOOD)],
        "2025-06": [row("H", P, pilot_start=START, **GOOD), row("K", P, pilot_start="2025-04-01", **GOOD)],
    })
    with store.connect(db_file, read_only=True) as con:
        fast = compute_report(load_report_rows(con, month("2025-06")), month("2025-06"))
    full = compute_report(read_back(db_file), month("2025-06"))
    for rep in (fast, full):
        integration = evidence_rows(rep, Cause.INTEGRATION)
        assert (integration["flagged"]["n"], integration["clear"]["n"]) == (1, 1)   # H flagged, K clear
