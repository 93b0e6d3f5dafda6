"""Properties of the metrics on random small portfolios (hypothesis; examples kept few)."""
from __future__ import annotations

import tempfile
from pathlib import Path

import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from analytics.domain import ALL_STAGES, Integration, SolutionType
from analytics.metrics import breakdown, compute_report, report_json, trend
from tests.support.scenario import ON_HOLD, month, read_back, row, write_months

MONTHS = ("2024-01", "2024-02", "2024-03", "2024-04", "2024-05", "2024-06")
DATES = ("2023-06-15", "2023-12-31", "2024-01-31", "2024-02-10", "2024-04-01", "2024-06-30", "2024-09-01")

cells = st.fixed_dictionaries({
    "stage": st.sampled_from([*ALL_STAGES, ON_HOLD]),
    "owner": st.sampled_from([None, "Sandra Anderson", "Ann and Bob", "Li / Gomez", "Dana"]),
    "data_readiness": st.sampled_from([None, 1, 2, 3, 5]),
    "solution_type": st.sampled_from([None, *SolutionType]),
    "integration_status": st.sampled_from([None, *Integration]),
    "success_metric": st.sampled_from([None, "NPS"]),
    "stall_cause": st.sampled_from([None, None, "data access", "legal review", "KPI and owner"]),
    "budget": st.sampled_from([None, 0.0, 0.01, 10.0, 250.0, 1_234_567.89]),
    "pilot_start": st.sampled_from([None, *DATES]),
    "production_date": st.sampled_from([None, None, *DATES]),
    "stage_entered": st.sampled_from([None, *DATES]),
    "business_unit": st.sampled_from([None, "Finance", "Sales"]),
})


@st.composite
def portfolios(draw):
    """{month: rows}: 1-6 consecutive months, up to 10 initiatives, each present or absent."""
    months = MONTHS[: draw(st.integers(1, len(MONTHS)))]
    count = draw(st.integers(1, 10))
    result = {}
    for as_of in months:
        present = draw(st.lists(st.booleans(), min_size=count, max_size=count))
        result[as_of] = [
            row(f"I{n}", **draw(cells)) for n in range(count) if present[n]
        ] or [row("I0", **draw(cells))]
    return result


FEW = settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def stored(months) -> pd.DataFrame:
    with tempfile.TemporaryDirectory() as folder:
        db = Path(folder) / "portfolio.duckdb"
        write_months(db, months)
        return read_back(db)


@FEW
@given(portfolios(), st.sampled_from([30, 90, 180]))
def test_weights_sum_to_the_stalled_count_and_budget(months, stall_days):
    stalls = compute_report(stored(months), month(max(months)), stall_days=stall_days).stalls
    assert stalls.causes["weighted"].sum() == pytest.approx(stalls.count)
    assert stalls.causes["budget_weighted"].sum() == pytest.approx(stalls.budget)
    assert stalls.count == len(stalls.stalled) == stalls.attribution["initiative_id"].nunique()


@FEW
@given(portfolios())
def test_reached_counts_never_increase_down_the_funnel(months):
    table = trend(stored(months))
    assert (table["population"] >= table["reached_pilot"]).all()
    assert (table["reached_pilot"] >= table["reached_scaling"]).all()
    assert (table["reached_scaling"] >= table["reached_production"]).all()
    assert (table[[str(s) for s in ALL_STAGES]].sum(axis=1) == table["population"]).all()


@FEW
@given(portfolios(), portfolios())
def test_a_report_for_a_month_is_unchanged_by_adding_later_months(earlier, later):
    last = max(earlier)
    extra = {f"2025-{as_of[5:]}": rows for as_of, rows in later.items()}
    before = compute_report(stored(earlier), month(last))
    after = compute_report(stored({**earlier, **extra}), month(last))
    assert report_json(after) == report_json(before)
    pd.testing.assert_frame_equal(after.population, before.population)
    pd.testing.assert_frame_equal(after.time_to_production.curve, before.time_to_production.curve)
    pd.testing.assert_frame_equal(after.stalls.attribution, before.stalls.attribution)


def same(figure: object, expected: object) -> bool:
    if expected is None:
        return pd.isna(figure)
    return figure == pytest.approx(expected)


@FEW
@given(portfolios(), st.sampled_from([30, 180]))
def test_the_trend_shows_each_month_as_its_own_report_does(months, stall_days):
    rows = stored(months)
    table = trend(rows, stall_days=stall_days).set_index("as_of")
    for as_of in months:
        doc = report_json(compute_report(rows, month(as_of), stall_days=stall_days))
        figures = table.loc[pd.Timestamp(month(as_of))]
        expected = {
            "population": doc["population"], "on_hold": doc["on_hold"], **doc["stage_counts"],
            **doc["funnel"], **doc["conversion"], "stalled": doc["stalled"]["count"],
            "stalled_budget": doc["stalled"]["budget"], **doc["outcomes"],
            "p_production_12m": doc["time_to_production"]["p_production_12m"],
            "median_days_observed": doc["time_to_production"]["median_days_observed"],
            "ttp_included": doc["time_to_production"]["included"],
            "ttp_left_out": doc["time_to_production"]["left_out"],
        }
        mismatched = {k: (figures[k], v) for k, v in expected.items() if not same(figures[k], v)}
        assert not mismatched


@FEW
@given(portfolios(), st.sampled_from(["business_unit", "solution_type"]))
def test_breakdown_groups_add_up_to_the_whole_report(months, by):
    rows = stored(months)
    last = month(max(months))
    table = breakdown(rows, last, by)
    rep = compute_report(rows, last)
    assert table["population"].sum() == rep.funnel.population
    assert table["reached_pilot"].sum() == rep.funnel.reached_pilot
    assert table["stalled"].sum() == rep.stalls.count
    assert table["stalled_budget"].sum() == pytest.approx(rep.stalls.budget)
    for cause, figures in rep.stalls.causes.iterrows():
        assert table[f"weighted_{cause}"].sum() == pytest.approx(figures["weighted"])
        assert table[f"budget_weighted_{cause}"].sum() == pytest.approx(figures["budget_weighted"])
