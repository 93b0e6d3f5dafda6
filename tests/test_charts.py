"""Charts: traces, data, titles with the computed numbers, colours, customdata and footers.

One portfolio scenario is written month by month through store.write_snapshot into a real
DuckDB file; its report (analytics.metrics) feeds every chart, and the numbers asserted are
worked out by hand from the scenario. Edge cases (empty data, immature cohorts, no 12-month
estimate, ties) use result objects built by hand. Nothing here renders pixels.
"""
from __future__ import annotations

from datetime import date
from types import MappingProxyType

import numpy as np
import pandas as pd
import plotly.graph_objects as go
import pytest

from analytics import charts
from analytics.charts import textfit, theme
from analytics.charts.common import DAYS_PER_MONTH, cause_label
from analytics.charts.theme import CAUSE_COLORS, FOOTER_NAME, STAGE_COLORS
from analytics.domain import (
    ALL_STAGES,
    CAUSES,
    UNATTRIBUTED,
    Cause,
    Integration,
    SolutionType,
    Stage,
)
from analytics.metrics import (
    NOT_SET,
    REFERENCE_FIGURES,
    breakdown,
    compute_report,
    initiative_history,
    trend,
)
from analytics.metrics.types import (
    CENSORED,
    CURVE_DAYS,
    FunnelResult,
    StallResult,
    TimeToProduction,
)
from analytics.provenance import ChartContext
from tests.support.scenario import PR, ST, I, P, S, month, read_back, row, write_months

CTX = ChartContext(as_of=date(2025, 6, 1), source="Portfolio export portfolio-2025-06.xlsx",
                   filters="Business unit: Finance", is_sample=False)
REFERENCE = {r.key: r for r in REFERENCE_FIGURES}
CLEAN = {"owner": "Dana Lee", "data_readiness": 4, "solution_type": SolutionType.CUSTOM,
         "integration_status": Integration.INTEGRATED, "success_metric": "Cost per claim"}


def portfolio_months() -> dict[str, list[dict[str, object]]]:
    """Six initiatives at June 2025 (D is new that month):

    A  Finance  piloted 2024-02-01, live 2024-09-01 (213 days); $1.0M expected, $400k realized
    B  Finance  pilot since 2024-03-01, no owner, generic tool, $600k budget   -> stalled, 2 causes
    C  Sales    piloted 2024-01-15, stopped 2024-08-01 (199 days), $300k spent
    D  Sales    piloted 2025-02-01, healthy                                    -> immature cohort
    E  Sales    idea
    F  Sales    piloted 2024-02-15, scaling since 2024-06-01, no integration, $400k -> stalled
    """
    a = row("A", PR, business_unit="Finance", pilot_start="2024-02-01", production_date="2024-09-01",
            expected_value=1_000_000, realized_value=400_000, **CLEAN)
    b = row("B", P, business_unit="Finance", pilot_start="2024-03-01", stage_entered="2024-03-01",
            budget=600_000, **{**CLEAN, "owner": "TBD", "solution_type": SolutionType.GENERIC})
    c = row("C", ST, business_unit="Sales", pilot_start="2024-01-15", stage_entered="2024-08-01",
            spend_to_date=300_000, **CLEAN)
    d = row("D", P, business_unit="Sales", pilot_start="2025-02-01", **CLEAN)
    e = row("E", I, business_unit="Sales", **CLEAN)
    f = row("F", S, business_unit="Sales", pilot_start="2024-02-15", stage_entered="2024-06-01",
            budget=400_000, **{**CLEAN, "integration_status": Integration.NONE})
    return {"2025-05": [a, b, c, e, f], "2025-06": [a, b, c, d, e, f]}


@pytest.fixture
def rows(db_file):
    write_months(db_file, portfolio_months())
    return read_back(db_file)


@pytest.fixture
def report(rows):
    return compute_report(rows, month("2025-06"))


# --- helpers ---------------------------------------------------------------------------------

def title(fig: go.Figure) -> str:
    """The finding (the bold title lines, joined), without the subtitle."""
    heading = fig.layout.title.text.split("<br><span")[0]
    return heading.replace("<b>", "").replace("</b>", "").replace("<br>", " ")


def footer(fig: go.Figure) -> str:
    return next(a.text for a in fig.layout.annotations if a.name == FOOTER_NAME)


def annotations(fig: go.Figure) -> str:
    return " | ".join(a.text for a in fig.layout.annotations)


def trace(fig: go.Figure, name: str) -> go.Bar | go.Scatter:
    return next(t for t in fig.data if t.name == name)


def values(sequence) -> list:
    return list(np.asarray(sequence).tolist())


def assert_board_ready(fig: go.Figure) -> None:
    """What every chart owes the deck: the footer with month, filters and source, no fixed size."""
    assert footer(fig) == ("As of June 2025  ·  Business unit: Finance  ·  "
                           "Source: Portfolio export portfolio-2025-06.xlsx")
    assert fig.layout.width is None and fig.layout.height is None
    assert fig.layout.template.layout.font.family == theme.FONT_FAMILY


# --- the scenario through every chart --------------------------------------------------------

def test_funnel_counts_conversions_and_the_survey_marker(report):
    fig = charts.funnel_chart(report, CTX, REFERENCE["gartner_2024_production"])
    bars = fig.data[0]
    assert bars.type == "bar" and bars.orientation == "h"
    assert values(bars.x) == [5, 2, 1]                    # reached pilot, scaling, production
    assert values(bars.customdata) == ["pilot", "scaling", "production"]
    assert list(bars.marker.color) == [STAGE_COLORS[P], STAGE_COLORS[S], STAGE_COLORS[PR]]
    assert title(fig).startswith("Too few pilots to judge conversion: 1 of 5 reached production")
    notes = annotations(fig)
    assert "↓ 40% went on to scaling" in notes and "↓ 50% went on to production" in notes
    assert "Survey figure: 48% reach production" in notes and "Gartner 2024" in notes
    # The survey figure sits where our production bar would end at 48% of our 5 pilots.
    marker = next(s for s in fig.layout.shapes if s.type == "line")
    assert marker.x0 == pytest.approx(0.48 * 5)
    assert_board_ready(fig)


def test_stage_conversion_names_the_weakest_step(report):
    fig = charts.stage_conversion_chart(report, CTX)
    bars = fig.data[0]
    assert values(bars.y) == pytest.approx([0.4, 0.5, 0.2])
    assert values(bars.customdata) == ["scaling", "production", "production"]
    assert list(bars.marker.color) == [theme.HIGHLIGHT, theme.CONTEXT, theme.CONTEXT]
    assert title(fig) == "Too few pilots to judge which step is weakest (5 reached pilot)"
    assert_board_ready(fig)


def test_stage_mix_counts_each_current_stage_in_its_colour(report):
    fig = charts.stage_mix_chart(report, CTX)
    bars = fig.data[0]
    assert values(bars.y) == [1, 2, 1, 1, 1]              # idea, pilot, scaling, production, stopped
    assert values(bars.customdata) == [str(s) for s in ALL_STAGES]
    assert list(bars.marker.color) == [STAGE_COLORS[s] for s in ALL_STAGES]
    assert title(fig) == "1 of 6 initiatives are in production; 2 are in pilot"
    assert_board_ready(fig)


def test_cohorts_show_mature_rates_and_immature_cohorts_apart(report):
    fig = charts.cohort_chart(report, CTX)
    mature = trace(fig, charts.cohorts.MATURE_NAME)
    young = trace(fig, charts.cohorts.IMMATURE_NAME)
    # 2024 Q1: A, B, C and F started; only A was live within 365 days.
    assert values(mature.x) == ["2024 Q1"] and values(mature.y) == pytest.approx([0.25])
    assert values(mature.customdata) == ["2024 Q1"]
    # 2025 Q1 (D) is 91 days past its quarter's end: never drawn as a rate, styled apart.
    assert values(young.x) == ["2025 Q1"] and values(young.customdata) == ["2025 Q1"]
    assert young.marker.color == theme.IMMATURE and young.marker.pattern.shape == theme.IMMATURE_PATTERN
    assert mature.marker.color == theme.HIGHLIGHT and not mature.marker.pattern.shape
    assert values(young.text) == ["0 of 1<br>so far"]
    assert "Too young" in annotations(fig)
    assert [t.split("<br>")[-1] for t in fig.layout.xaxis.ticktext] == ["n=4", "n=1"]
    assert title(fig) == ("Too few pilots per quarter to judge 12-month conversion: no quarter a year old "
                          "has 10 or more")
    assert_board_ready(fig)


def test_time_to_production_curve_marks_12_months_median_reference_and_numbers_at_risk(report):
    fig = charts.time_to_production_chart(report, CTX, REFERENCE["gartner_2024_months"])
    curve = trace(fig, charts.time_to_production.CURVE_NAME)
    assert curve.line.shape == "hv"
    days = np.asarray(curve.customdata)
    # Drawn while estimable: up to F's 501 days of follow-up, not on to day 730.
    assert days[0] == 0 and days[-1] == 501 < CURVE_DAYS
    assert np.asarray(curve.x) == pytest.approx(days / DAYS_PER_MONTH)
    cif = np.asarray(curve.y)
    # C stops on day 199 (4 at risk), A goes live on day 213 (3 at risk): 3/4 x 1/3.
    assert cif[212] == 0 and cif[213] == pytest.approx(0.25) and cif[365] == pytest.approx(0.25)
    point = trace(fig, "At 12 months")
    assert values(point.y) == pytest.approx([0.25]) and values(point.customdata) == [365]
    notes = annotations(fig)
    assert "25% in production by 12 months" in notes
    assert "Median 7.0 months to production" in notes and "among the 1 pilot that reached it" in notes
    assert "Survey figure: ~8 months" in notes
    assert any(s.x0 == 8.0 and s.line.dash == "dot" for s in fig.layout.shapes)
    # Numbers at risk under the ticks: all 5 at day 0; D (149 days) gone by 6 months; B and F,
    # followed 486 and 501 days, still there at 12 months and gone by 18.
    ticks = zip(fig.layout.xaxis.tickvals, fig.layout.xaxis.ticktext, strict=True)
    at_risk = {round(v): t.split(">")[-2].split("<")[0] for v, t in ticks}
    assert (at_risk[0], at_risk[3], at_risk[6], at_risk[12], at_risk[18]) == ("5", "5", "4", "2", "0")
    assert title(fig) == "Too few pilots followed to judge time to production (5)"
    assert_board_ready(fig)


@pytest.mark.parametrize("measure", ["count", "budget"])
def test_cause_pareto_sorts_causes_in_their_colours_with_a_cumulative_line(report, measure):
    fig = charts.cause_pareto_chart(report, CTX, measure=measure)
    bars = fig.data[0]
    keys = values(bars.customdata)
    # F: integration alone; B: ownership and generic tools.
    assert list(bars.marker.color) == [CAUSE_COLORS[k] for k in keys]
    assert sorted(keys) == sorted(str(c) for c in CAUSES)          # no unattributed stall
    heights = dict(zip(keys, values(bars.y), strict=True))
    if measure == "count":
        # One measure: initiatives flagged with each cause (B counts under both of its causes).
        assert heights == pytest.approx({Cause.INTEGRATION: 1.0, Cause.OWNERSHIP: 1.0,
                                         Cause.GENERIC_TOOLS: 1.0, Cause.DATA_READINESS: 0.0,
                                         Cause.SUCCESS_METRICS: 0.0})
        assert list(bars.text[:3]) == ["1", "1", "1"]
        # A three-way tie: the domain's order decides which cause the title names.
        assert keys[:3] == [k for k in (str(c) for c in CAUSES) if heights[k] == 1.0]
        assert title(fig) == (f"{cause_label(keys[0])} is the top stall cause: flagged in 1 of 2 "
                              f"stalled initiatives")
        assert "flagged with each cause" in fig.layout.title.text
        assert len(fig.data) == 1                     # overlapping counts get no cumulative share
        assert_board_ready(fig)
        return
    assert keys[0] == Cause.INTEGRATION      # half of B's budget each: integration's 400k leads
    assert heights[Cause.INTEGRATION] == 400_000 and heights[Cause.OWNERSHIP] == 300_000
    assert title(fig) == "No integration ties up the most stalled budget: $400k of $1.0M"
    cumulative = trace(fig, charts.stalls.CUMULATIVE_NAME)
    assert cumulative.yaxis == "y2"
    assert values(cumulative.y)[-1] == pytest.approx(1.0)
    assert values(cumulative.y) == sorted(values(cumulative.y))
    assert_board_ready(fig)


def test_cause_heatmap_counts_stalled_initiatives_by_unit_and_cause(report):
    fig = charts.cause_heatmap_chart(report, CTX)
    cells = fig.data[0]
    assert cells.type == "heatmap"
    assert list(cells.y) == ["Finance (1)", "Sales (1)"]
    z = np.asarray(cells.z)
    columns = [str(c) for c in CAUSES]
    assert z[0, columns.index(Cause.OWNERSHIP)] == 1 and z[0, columns.index(Cause.GENERIC_TOOLS)] == 1
    assert z[1, columns.index(Cause.INTEGRATION)] == 1 and z.sum() == 3
    assert cells.customdata[1][columns.index(Cause.INTEGRATION)] == ["Sales", Cause.INTEGRATION]
    assert title(fig) == "Finance and Sales have the most stalled initiatives: 1 each of 2"
    assert_board_ready(fig)


def test_value_compares_expected_and_realized_in_production(report):
    fig = charts.value_chart(report, CTX)
    expected = trace(fig, charts.value.EXPECTED_NAME)
    realized = trace(fig, charts.value.REALIZED_NAME)
    assert values(expected.y) == ["Finance"] and values(expected.customdata) == ["Finance"]
    assert values(expected.x) == [1_000_000] and values(realized.x) == [400_000]
    assert expected.marker.color == theme.EXPECTED and realized.marker.color == theme.REALIZED
    assert values(expected.text) == ["$400k of $1.0M (40%)"]
    # One initiative in production: the amounts, not a share stated as a finding.
    assert title(fig) == "Only 1 initiative in production so far: $400k realized of $1.0M expected a year"
    assert_board_ready(fig)


def test_value_states_the_share_delivered_once_ten_are_in_production(db_file):
    write_months(db_file, {"2025-06": [
        row(f"P{i:02}", "production", business_unit="Finance", pilot_start="2024-09-01",
            production_date="2025-03-01", expected_value=100_000, realized_value=40_000 if i < 5 else 20_000)
        for i in range(10)
    ]})
    fig = charts.value_chart(compute_report(read_back(db_file), month("2025-06")), CTX)
    assert title(fig) == "Production initiatives deliver 30% of their expected value: $300k of $1.0M a year"


def test_stalled_budget_and_spend_on_stopped_by_unit(report):
    fig = charts.stalled_budget_chart(report, CTX)
    stuck = trace(fig, charts.value.STALLED_NAME)
    stopped = trace(fig, charts.value.STOPPED_NAME)
    by_unit = dict(zip(values(stuck.y), values(stuck.x), strict=True))
    assert by_unit == {"Finance": 600_000, "Sales": 400_000}
    assert dict(zip(values(stopped.y), values(stopped.x), strict=True)) == {"Finance": 0, "Sales": 300_000}
    assert values(stuck.y)[-1] == "Finance"                       # largest at the top
    assert title(fig) == "$1.0M of budget sits in stalled initiatives; $300k was spent on stopped ones"
    assert_board_ready(fig)


def test_breakdown_by_business_unit_with_the_whole_portfolio_beside_it(rows, report):
    frame = breakdown(rows, month("2025-06"), by="business_unit")
    fig = charts.breakdown_chart(frame, CTX, by="business_unit", overall=report)
    groups = trace(fig, "pilot-to-production conversion")
    assert values(groups.y) == ["Sales", "Finance"]               # best last = top of the chart
    assert values(groups.x) == pytest.approx([0.0, 0.5])
    assert values(groups.customdata) == ["Sales", "Finance"]
    whole = trace(fig, charts.trend.OVERALL_LABEL)
    assert values(whole.x) == pytest.approx([0.2]) and "(1 of 5)" in whole.text[0]
    assert title(fig) == "Too few pilots in any business unit to compare: none has 10 or more"
    assert_board_ready(fig)


def test_conversion_trend_over_the_snapshot_months(rows):
    fig = charts.conversion_trend_chart(trend(rows), CTX)
    rate = trace(fig, "Pilot → production")
    assert values(rate.y) == pytest.approx([0.25, 0.2])          # D joins as a pilot in June
    assert values(rate.customdata) == ["2025-05-01", "2025-06-01"]
    assert values(trace(fig, "Reached pilot").y) == [4, 5]
    assert title(fig) == "Too few pilots to judge a trend: 5 reached pilot by Jun 2025"
    assert_board_ready(fig)


def test_stage_timeline_of_a_stalled_pilot(rows):
    fig = charts.stage_timeline_chart(initiative_history(rows, "B"), CTX)
    path = trace(fig, charts.initiative.STAGE_NAME)
    assert path.line.shape == "hv"
    assert values(path.y) == [1, 1] and values(path.customdata) == ["2025-05-01", "2025-06-01"]
    # In pilot since its stage_entered, 2024-03-01: 486 days at 30 June 2025.
    assert title(fig) == "Initiative B: in pilot since Mar 2024 (16 months), stalled"
    assert_board_ready(fig)


# --- edge cases with results built by hand ---------------------------------------------------

def funnel(pilot: int, scaling: int, production: int, population: int = 10) -> FunnelResult:
    def rate(a: int, b: int) -> float | None:
        return None if b == 0 else a / b
    return FunnelResult(
        population=population, on_hold=0,
        stage_counts=MappingProxyType({s: 0 for s in ALL_STAGES} | {Stage.IDEA: population}),
        reached_pilot=pilot, reached_scaling=scaling, reached_production=production,
        pilot_to_scaling=rate(scaling, pilot), scaling_to_production=rate(production, scaling),
        pilot_to_production=rate(production, pilot),
    )


def empty_stalls(stall_days: int = 180) -> StallResult:
    keys = [*(str(c) for c in CAUSES), UNATTRIBUTED]
    causes = pd.DataFrame({"label": keys, "flagged": pd.array([0] * 5 + [pd.NA], dtype="Int64"),
                           "weighted": 0.0, "budget_weighted": 0.0}, index=pd.Index(keys, name="cause"))
    return StallResult(stall_days=stall_days, count=0, budget=0.0, stalled=pd.DataFrame(),
                       attribution=pd.DataFrame(), causes=causes)


def test_empty_views_say_so_instead_of_failing():
    nothing = funnel(0, 0, 0, population=0)
    empty_curve = pd.DataFrame({"day": range(CURVE_DAYS + 1), "cif": np.nan, "cif_stopped": np.nan, "at_risk": 0})
    no_followups = TimeToProduction(curve=empty_curve, subjects=pd.DataFrame(), p_production_12m=None,
                                    median_days_observed=None, included=0, left_out=0, left_out_by_reason={})
    figures = {
        "No initiative has reached pilot yet": charts.funnel_chart(nothing, CTX),
        "No conversion to show: no initiative has reached pilot": charts.stage_conversion_chart(nothing, CTX),
        "No initiatives in this view": charts.stage_mix_chart(nothing, CTX),
        "No pilot cohorts to compare yet": charts.cohort_chart(pd.DataFrame(columns=["cohort"]), CTX),
        "No time-to-production estimate yet": charts.time_to_production_chart(no_followups, CTX),
        "No stalled initiatives this month": charts.cause_pareto_chart(empty_stalls(), CTX),
        "No months to compare yet": charts.conversion_trend_chart(pd.DataFrame(columns=["as_of"]), CTX),
        "No value reported yet for initiatives in production": charts.value_chart(
            pd.DataFrame({"business_unit": ["Finance"], "expected_in_production": [0.0],
                          "realized_in_production": [0.0]}), CTX),
        "No budget is stuck in stalled or stopped initiatives": charts.stalled_budget_chart(
            pd.DataFrame(columns=["business_unit", "stalled_budget", "spend_on_stopped"]), CTX),
        "This initiative: no snapshot yet": charts.stage_timeline_chart(
            pd.DataFrame(columns=["as_of", "stage", "on_hold", "name"]), CTX),
    }
    for expected_title, fig in figures.items():
        assert title(fig).startswith(expected_title)
        assert any(a.name == "empty" for a in fig.layout.annotations), expected_title
        assert "As of June 2025" in footer(fig)
    heat = charts.cause_heatmap_chart(empty_stalls(), CTX)
    assert title(heat).startswith("No stalled initiatives") and len(heat.data) == 0


def test_a_portfolio_with_only_young_cohorts_is_too_young_to_judge():
    cohorts = pd.DataFrame({
        "cohort": ["2025 Q1", "2025 Q2"], "pilots": [8, 3], "reached_production_12m": [1, 0],
        "conversion_12m": [np.nan, np.nan], "reached_production": [1, 0], "stopped": [0, 0],
        "age_days": [91, 0], "mature": [False, False],
    })
    fig = charts.cohort_chart(cohorts, CTX)
    assert title(fig) == "No pilot cohort is 12 months old yet: too young to judge"
    assert [t.name for t in fig.data] == [charts.cohorts.MATURE_NAME, charts.cohorts.IMMATURE_NAME]
    assert len(fig.data[0].x) == 0
    assert values(fig.data[1].y) == pytest.approx([1 / 8, 0.0])  # to date, hatched, never a rate


def test_cohort_title_compares_with_the_previous_mature_cohort():
    cohorts = pd.DataFrame({
        "cohort": ["2023 Q3", "2023 Q4", "2024 Q1"], "pilots": [10, 16, 4],
        "reached_production_12m": [1, 6, 0], "conversion_12m": [0.1, 0.375, np.nan],
        "reached_production": [2, 3, 1], "stopped": [0, 0, 0], "age_days": [700, 600, 300],
        "mature": [True, True, False],
    })
    assert title(charts.cohort_chart(cohorts, CTX)) == (
        "38% of 2023 Q4 pilots reached production within 12 months (up from 10% in 2023 Q3)"
    )


def test_a_title_states_no_finding_from_fewer_than_ten_pilots():
    cohorts = pd.DataFrame({
        "cohort": ["2023 Q3", "2023 Q4", "2024 Q1"], "pilots": [10, 9, 4],
        "reached_production_12m": [1, 0, 0], "conversion_12m": [0.1, 0.0, np.nan],
        "reached_production": [2, 0, 1], "stopped": [0, 0, 0], "age_days": [700, 600, 300],
        "mature": [True, True, False],
    })
    # 2023 Q4's 0% from 9 pilots is drawn, but the title speaks of the last quarter with 10.
    assert title(charts.cohort_chart(cohorts, CTX)) == (
        "10% of 2023 Q3 pilots reached production within 12 months"
    )
    few = cohorts.assign(pilots=[9, 9, 4])
    assert title(charts.cohort_chart(few, CTX)).startswith("Too few pilots per quarter to judge")


def test_without_a_year_of_follow_up_there_is_no_12_month_figure():
    curve = pd.DataFrame({"day": range(CURVE_DAYS + 1)})
    curve["cif"] = np.where(curve["day"] <= 200, np.where(curve["day"] >= 120, 0.5, 0.0), np.nan)
    curve["cif_stopped"] = 0.0
    curve["at_risk"] = np.where(curve["day"] <= 120, 2, np.where(curve["day"] <= 200, 1, 0))
    subjects = pd.DataFrame({"outcome": [str(PR), CENSORED], "days": [120, 200], "left_out_reason": [None, None]})
    ttp = TimeToProduction(curve=curve, subjects=subjects, p_production_12m=None, median_days_observed=120.0,
                           included=12, left_out=0, left_out_by_reason={})
    fig = charts.time_to_production_chart(ttp, CTX)
    assert title(fig) == "Too early for a 12-month figure: the longest-running pilot has 7 months of history"
    assert [t.name for t in fig.data] == [charts.time_to_production.CURVE_NAME]   # no 12-month marker
    assert len(fig.data[0].x) == 201
    assert "Median 3.9 months to production" in annotations(fig)


def test_unattributed_stalls_come_last_and_a_portfolio_without_causes_says_so():
    stalls = empty_stalls()
    causes = stalls.causes.copy()
    causes.loc[UNATTRIBUTED, ["weighted", "budget_weighted"]] = [3.0, 90_000.0]
    stalled = pd.DataFrame({"business_unit": [None, "Legal", "Legal"], "causes": [(), (), ()], "k": [0, 0, 0]})
    only_unattributed = StallResult(stall_days=120, count=3, budget=90_000.0, stalled=stalled,
                                    attribution=pd.DataFrame(), causes=causes)
    pareto = charts.cause_pareto_chart(only_unattributed, CTX)
    assert values(pareto.data[0].customdata)[-1] == UNATTRIBUTED
    assert pareto.data[0].marker.color[-1] == CAUSE_COLORS[UNATTRIBUTED]
    assert title(pareto) == "No cause identified for the 3 stalled initiatives"
    heat = charts.cause_heatmap_chart(only_unattributed, CTX)
    assert list(heat.data[0].y) == ["Legal (2)", f"{NOT_SET} (1)"]
    assert heat.data[0].customdata[1][-1] == [NOT_SET, UNATTRIBUTED]


def test_pareto_refuses_an_unknown_measure(report):
    with pytest.raises(ValueError, match="count' or 'budget"):
        charts.cause_pareto_chart(report, CTX, measure="euros")


def test_workbook_text_in_labels_stays_text():
    frame = pd.DataFrame({
        "business_unit": ["<b>R&D</b>", None], "reached_pilot": [4, 2], "reached_production": [1, 0],
        "pilot_to_production": [0.25, 0.0],
    })
    fig = charts.breakdown_chart(frame, CTX)
    # One escape for Plotly (analytics.text.escape_plotly): "&" too, which Plotly draws as "&".
    assert values(fig.data[0].y) == [NOT_SET, "&lt;b&gt;R&amp;D&lt;/b&gt;"]
    assert values(fig.data[0].customdata) == [NOT_SET, "<b>R&D</b>"]


def test_titles_wrap_to_the_width_they_are_drawn_at_without_breaking_counts():
    def title(text):
        return theme.wrap(text, theme.TITLE_WIDTH, theme.TITLE_SIZE, bold=True)

    # 60 characters fit the 800 px picture in one line; one more clause wraps, balanced, and the
    # count in brackets stays whole.
    assert title("Scaling → production is the weakest step: 33% (6 of 18)") == [
        "Scaling → production is the weakest step: 33% (6 of 18)"]
    assert title("Scaling → production is the weakest step: 33% (6 of 18), down from 41% in May") == [
        "Scaling → production is the weakest step:", "33% (6 of 18), down from 41% in May"]
    # Width, not characters: 44 capitals are wider than 60 narrow letters.
    assert len(title("W" * 20 + " " + "W" * 20)) == 2
    assert len(title("il " * 30)) == 1
    long = "word " * 40
    assert all(textfit.text_width(line, theme.FONT_SIZE) <= theme.TITLE_WIDTH
               for line in theme.wrap(long, theme.TITLE_WIDTH))


def test_sample_data_is_flagged_in_the_footer(report):
    sample = ChartContext(as_of=date(2025, 6, 1), is_sample=True)
    text = footer(charts.funnel_chart(report, sample))
    assert text.startswith("As of June 2025  ·  Source: Portfolio export")
    assert "sample data" in text.lower()
