"""Time to production and cohorts (METRICS.md sections 3-4), and an independent Aalen-Johansen
cross-check on random data with ties."""
from __future__ import annotations

from datetime import date, timedelta

import numpy as np
import pandas as pd
import pytest

from analytics.metrics import compute_report
from analytics.metrics.survival import aalen_johansen
from analytics.metrics.types import (
    CENSORED,
    EVENT_BEFORE_ORIGIN,
    FROM_PILOT_START,
    FROM_SNAPSHOT,
    FROM_STAGE_ENTERED,
    UNKNOWN_ORIGIN,
)
from tests.support.scenario import ON_HOLD, PR, ST, I, P, S, month, read_back, row, write_months

AS_OF = "2025-06"
AS_OF_DATE = date(2025, 6, 30)


def days_before(days: int) -> str:
    return (AS_OF_DATE - timedelta(days=days)).isoformat()


def shifted(start: str, days: int) -> str:
    return (date.fromisoformat(start) + timedelta(days=days)).isoformat()


def subjects(db, as_of: str = AS_OF) -> pd.DataFrame:
    rep = compute_report(read_back(db), month(as_of))
    return rep.time_to_production.subjects.set_index("initiative_id")


def test_aalen_johansen_by_hand_with_a_same_day_production_stop_and_censoring(db_file):
    a, d = days_before(600), days_before(650)
    write_months(db_file, {AS_OF: [
        row("A", PR, pilot_start=a, production_date=shifted(a, 100)),
        row("B", ST, pilot_start=days_before(700), stage_entered=shifted(days_before(700), 100)),
        row("C", P, pilot_start=days_before(100)),           # censored on the event day: at risk
        row("D", PR, pilot_start=d, production_date=shifted(d, 400)),
        row("E", S, pilot_start=days_before(500)),
        row("F", I),                                          # never reached pilot: not a subject
    ]})
    ttp = compute_report(read_back(db_file), month(AS_OF)).time_to_production
    curve = ttp.curve.set_index("day")
    # Day 100: 5 at risk, 1 production and 1 stop -> CIF 1/5, survival 3/5.
    # Day 400: D and E at risk -> CIF += 3/5 * 1/2.
    assert curve.at[99, "cif"] == 0.0
    assert curve.at[100, "cif"] == pytest.approx(0.2)
    assert curve.at[100, "cif_stopped"] == pytest.approx(0.2)
    assert curve.at[100, "at_risk"] == 5 and curve.at[101, "at_risk"] == 2
    assert curve.at[400, "cif"] == pytest.approx(0.5)
    assert curve.at[500, "at_risk"] == 1 and curve.at[501, "at_risk"] == 0
    assert ttp.p_production_12m == pytest.approx(0.2)
    assert np.isnan(curve.at[501, "cif"])                     # nobody followed past day 500
    assert ttp.median_days_observed == 250.0                  # median of 100 and 400
    assert (ttp.included, ttp.left_out) == (5, 0)


def test_origin_rules_in_order(db_file):
    write_months(db_file, {
        "2025-01": [
            row("by-pilot-start", P, pilot_start="2024-11-05", stage_entered="2024-12-01"),
            row("by-stage-entered", P, stage_entered="2024-12-10"),
            row("seen-moving", I),
            row("first-seen-at-pilot", P),
            row("jumped-idea-to-scaling", I),
        ],
        "2025-02": [
            row("by-pilot-start", S, pilot_start="2024-11-05"),
            row("by-stage-entered", P, stage_entered="2025-02-02"),   # a later pilot row: not used
            row("seen-moving", P),
            row("first-seen-at-pilot", P),
            row("jumped-idea-to-scaling", S),
        ],
    })
    table = subjects(db_file, "2025-02")
    assert table.at["by-pilot-start", "origin"] == pd.Timestamp("2024-11-05")
    assert table.at["by-pilot-start", "origin_source"] == FROM_PILOT_START
    assert table.at["by-stage-entered", "origin"] == pd.Timestamp("2024-12-10")
    assert table.at["by-stage-entered", "origin_source"] == FROM_STAGE_ENTERED
    assert table.at["seen-moving", "origin"] == pd.Timestamp("2025-02-28")
    assert table.at["seen-moving", "origin_source"] == FROM_SNAPSHOT
    assert table.at["jumped-idea-to-scaling", "origin"] == pd.Timestamp("2025-02-28")
    assert pd.isna(table.at["first-seen-at-pilot", "origin"])
    assert table.at["first-seen-at-pilot", "left_out_reason"] == UNKNOWN_ORIGIN


def test_production_and_stop_event_rules(db_file):
    write_months(db_file, {
        "2025-01": [
            row("go-live-date", S, pilot_start="2024-06-01"),
            row("entered-latest", S, pilot_start="2024-06-01"),
            row("first-live-row", S, pilot_start="2024-06-01"),
            row("stop-entered", P, pilot_start="2024-06-01"),
            row("stop-first-row", P, pilot_start="2024-06-01"),
        ],
        "2025-02": [
            row("go-live-date", PR, pilot_start="2024-06-01", production_date="2025-02-03", stage_entered="2025-02-20"),
            row("entered-latest", PR, pilot_start="2024-06-01", stage_entered="2025-02-05"),
            row("first-live-row", PR, pilot_start="2024-06-01"),
            row("stop-entered", ST, pilot_start="2024-06-01"),
            row("stop-first-row", ST, pilot_start="2024-06-01"),
        ],
        "2025-03": [
            row("go-live-date", PR, pilot_start="2024-06-01", production_date="2025-02-03"),
            row("entered-latest", PR, pilot_start="2024-06-01", stage_entered="2025-02-07"),   # corrected
            row("first-live-row", PR, pilot_start="2024-06-01"),
            row("stop-entered", ST, pilot_start="2024-06-01", stage_entered="2025-02-11"),
            row("stop-first-row", ON_HOLD, pilot_start="2024-06-01"),                      # still stopped
        ],
    })
    table = subjects(db_file, "2025-03")
    assert table.at["go-live-date", "end_date"] == pd.Timestamp("2025-02-03")
    assert table.at["entered-latest", "end_date"] == pd.Timestamp("2025-02-07")
    assert table.at["first-live-row", "end_date"] == pd.Timestamp("2025-02-28")
    assert table.at["stop-entered", "end_date"] == pd.Timestamp("2025-02-11")
    assert table.at["stop-first-row", "end_date"] == pd.Timestamp("2025-02-28")
    assert table["outcome"].tolist() == [PR, PR, PR, ST, ST]  # rows sorted by initiative_id
    assert table.at["go-live-date", "days"] == (date(2025, 2, 3) - date(2024, 6, 1)).days


def test_stopped_after_production_counts_as_production_and_active_is_censored(db_file):
    write_months(db_file, {
        "2025-05": [row("retired", PR, pilot_start="2024-01-01", production_date="2024-09-01"),
                    row("active", S, pilot_start="2025-01-01")],
        "2025-06": [row("retired", ST, pilot_start="2024-01-01", production_date="2024-09-01"),
                    row("active", S, pilot_start="2025-01-01")],
    })
    table = subjects(db_file)
    assert table.at["retired", "outcome"] == PR
    assert table.at["active", "outcome"] == CENSORED
    assert table.at["active", "end_date"] == pd.Timestamp(AS_OF_DATE)


def test_event_before_origin_is_left_out_and_warned_and_same_day_is_kept(db_file):
    write_months(db_file, {AS_OF: [
        row("backwards", PR, pilot_start="2025-03-01", production_date="2025-02-01"),
        row("same-day", PR, pilot_start="2025-03-01", production_date="2025-03-01"),
        row("unknown", P),
        row("ok", P, pilot_start="2025-01-01"),
    ]})
    rep = compute_report(read_back(db_file), month(AS_OF))
    ttp = rep.time_to_production
    table = ttp.subjects.set_index("initiative_id")
    assert table.at["backwards", "left_out_reason"] == EVENT_BEFORE_ORIGIN
    assert table.at["same-day", "days"] == 0 and pd.isna(table.at["same-day", "left_out_reason"])
    assert (ttp.included, ttp.left_out) == (2, 2)
    assert dict(ttp.left_out_by_reason)[UNKNOWN_ORIGIN] == 1
    assert dict(ttp.left_out_by_reason)[EVENT_BEFORE_ORIGIN] == 1
    assert ttp.curve.at[0, "cif"] == pytest.approx(0.5)      # same-day production at day 0
    warning = next(w for w in rep.warnings if w.code == "ttp_left_out")
    assert "2 initiative(s) left out" in warning.message
    assert "unknown" in warning.message and "backwards" in warning.message


def test_cohorts_by_pilot_start_quarter_with_maturity_from_the_quarters_last_day(db_file):
    # As of 2025-06-30: 2024 Q2 ended 2024-06-30, exactly 365 days before (mature);
    # 2024 Q3 ended 2024-09-30, 273 days before (immature: no rate shown).
    write_months(db_file, {AS_OF: [
        row("q2-fast", PR, pilot_start="2024-04-10", production_date="2024-10-01"),
        row("q2-slow", PR, pilot_start="2024-05-01", production_date="2025-06-01"),   # 396 days
        row("q2-stopped", ST, pilot_start="2024-06-30", stage_entered="2024-09-01"),
        row("q2-open", S, pilot_start="2024-06-15"),
        row("q3-fast", PR, pilot_start="2024-07-01", production_date="2024-08-01"),
        row("q3-open", P, pilot_start="2024-09-30"),
    ]})
    cohorts = compute_report(read_back(db_file), month(AS_OF)).cohorts.set_index("cohort")
    assert list(cohorts.index) == ["2024 Q2", "2024 Q3"]
    q2, q3 = cohorts.loc["2024 Q2"], cohorts.loc["2024 Q3"]
    assert (q2["pilots"], q2["reached_production_12m"], q2["reached_production"], q2["stopped"]) == (4, 1, 2, 1)
    assert q2["age_days"] == 365 and bool(q2["mature"])
    assert q2["conversion_12m"] == pytest.approx(0.25)
    assert q3["age_days"] == 273 and not bool(q3["mature"])
    assert np.isnan(q3["conversion_12m"])
    assert (q3["pilots"], q3["reached_production_12m"]) == (2, 1)


def independent_cif(times: list[int], kinds: list[int], day: int) -> tuple[float, float, float]:
    """Aalen-Johansen by a plain loop over distinct event times and subjects (test oracle):
    cumulative incidence of production and of stopping by `day`, and overall survival."""
    subjects_ = list(zip(times, kinds, strict=True))
    survival, cif_production, cif_stopped = 1.0, 0.0, 0.0
    for t in sorted({t for t, k in subjects_ if k != 0}):
        if t > day:
            break
        at_risk = sum(1 for s, _ in subjects_ if s >= t)
        produced = sum(1 for s, k in subjects_ if s == t and k == 1)
        stopped = sum(1 for s, k in subjects_ if s == t and k == 2)
        cif_production += survival * produced / at_risk
        cif_stopped += survival * stopped / at_risk
        survival *= 1 - (produced + stopped) / at_risk
    return cif_production, cif_stopped, survival


@pytest.mark.parametrize("seed", range(8))
def test_aalen_johansen_matches_an_independent_loop_on_random_data_with_ties(seed):
    rng = np.random.default_rng(seed)
    size = int(rng.integers(5, 120))
    times = rng.integers(0, 60, size) * int(rng.choice([1, 7, 30]))    # coarse grids: many ties
    kinds = rng.choice([0, 1, 2], size, p=[0.4, 0.4, 0.2])
    curve = aalen_johansen(times, kinds).set_index("day")
    last = int(times.max())
    for day in sorted({0, 1, 30, 180, 365, 730, last, *rng.integers(0, last + 1, 10).tolist()}):
        if day > 730:
            continue
        production, stopped, survival = independent_cif(times.tolist(), kinds.tolist(), day)
        assert curve.at[day, "at_risk"] == int((times >= day).sum())
        if day > last and survival > 0:
            # Nobody is followed any longer and some may still convert: not estimable.
            assert np.isnan(curve.at[day, "cif"]) and np.isnan(curve.at[day, "cif_stopped"])
            continue
        assert curve.at[day, "cif"] == pytest.approx(production, abs=1e-12)
        assert curve.at[day, "cif_stopped"] == pytest.approx(stopped, abs=1e-12)


def test_aalen_johansen_after_everyone_had_an_event_stays_estimated():
    curve = aalen_johansen(np.array([10, 10, 20]), np.array([1, 2, 1])).set_index("day")
    assert curve.at[730, "cif"] == pytest.approx(2 / 3)
    assert curve.at[730, "cif_stopped"] == pytest.approx(1 / 3)
    assert curve.at[21, "at_risk"] == 0
