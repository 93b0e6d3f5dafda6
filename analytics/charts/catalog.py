"""The chart catalog: every chart the dashboard, the board pack, a page's slides and the PNG ZIP
draw is declared here once, as a `Chart` constant.

A page asks for `catalog.FUNNEL`, never for the string "funnel", so it cannot ask for a chart
that does not exist; the pack takes the `in_pack` entries in declaration order. Adding a chart
is one `_declare(Chart(...))` entry (docs/charts.md, "Add a chart").
"""
from __future__ import annotations

import dataclasses
from collections.abc import Callable
from dataclasses import dataclass

import plotly.graph_objects as go

from analytics.boardpack import content
from analytics.boardpack.content import SlideText
from analytics.charts.cohorts import cohort_chart
from analytics.charts.decisions import evidence_chart, forecast_chart, readiness_chart
from analytics.charts.funnel import funnel_chart, stage_conversion_chart
from analytics.charts.initiative import stage_timeline_chart
from analytics.charts.source import ChartSource
from analytics.charts.stalls import cause_heatmap_chart, cause_pareto_chart
from analytics.charts.time_to_production import time_to_production_chart
from analytics.charts.trend import breakdown_chart, conversion_trend_chart
from analytics.charts.value import stalled_budget_chart, value_chart
from analytics.metrics import REFERENCE_FIGURES, ReferenceFigure
from analytics.provenance import ChartContext

#: What a whole-portfolio chart's footer says under a business unit or solution filter, so its
#: PNG does not claim a filter the chart ignores.
WHOLE_PORTFOLIO = "Whole portfolio (the business unit and solution filters do not apply)"


def _reference(key: str) -> ReferenceFigure:
    return {r.key: r for r in REFERENCE_FIGURES}[key]


def _timeline(source: ChartSource, ctx: ChartContext) -> go.Figure:
    history, name = source.initiative()
    return stage_timeline_chart(history, ctx, name=name)


@dataclass(frozen=True, slots=True, eq=False)
class Chart:
    """One chart, declared once.

    key: its file stem ("funnel"): PNG names, slide shape names, Streamlit widget keys.
    label: what it shows, in words, for "left out" notes ("Conversion by business unit").
    build: the figure from a source and the context (title, footer, everything).
    slide: the slide's notes and native chart, or None for a chart that is never a slide.
    whole_portfolio: the chart ignores the business unit / solution filters (a split of the
        whole portfolio); its footer says so, and under those filters it leaves the slides.
    in_pack: one of the board pack's charts (and the PNG ZIP's), in declaration order.
    """

    key: str
    label: str
    build: Callable[[ChartSource, ChartContext], go.Figure]
    slide: Callable[[ChartSource], SlideText] | None = None
    whole_portfolio: bool = False
    in_pack: bool = False

    def context(self, ctx: ChartContext) -> ChartContext:
        """The context this chart is drawn with: a whole-portfolio chart's footer names no filter."""
        if not self.whole_portfolio or not ctx.filters:
            return ctx
        stall = [p for p in ctx.filters.split(" · ") if p.startswith("Stall threshold")]
        return dataclasses.replace(ctx, filters=" · ".join([WHOLE_PORTFOLIO, *stall]))

    def figure(self, source: ChartSource, ctx: ChartContext) -> go.Figure:
        return self.build(source, self.context(ctx))

    def applies(self, *, filtered: bool) -> bool:
        """Whether the chart belongs on a slide under the filters (whole-portfolio splits do not)."""
        return self.slide is not None and not (self.whole_portfolio and filtered)

    def __repr__(self) -> str:
        return f"Chart({self.key})"


_DECLARED: list[Chart] = []


def _declare(chart: Chart) -> Chart:
    if any(c.key == chart.key for c in _DECLARED):
        raise ValueError(f"chart key {chart.key!r} is declared twice")
    _DECLARED.append(chart)
    return chart


# --- The charts, in the board pack's reading order: how many get through, whether that --------
# --- improves, how long it takes, where, why initiatives stall, what production delivers. -----

FUNNEL = _declare(Chart(
    "funnel", "Funnel",
    lambda s, ctx: funnel_chart(s.filtered_report(), ctx, reference=_reference(content.PRODUCTION_REFERENCE)),
    content.funnel_text, in_pack=True,
))
CONVERSION_TREND = _declare(Chart(
    "conversion-trend", "Pilot-to-production over time",
    lambda s, ctx: conversion_trend_chart(s.monthly_trend(), ctx), content.trend_text, in_pack=True,
))
COHORTS = _declare(Chart(
    "cohorts", "12-month conversion by pilot-start quarter",
    lambda s, ctx: cohort_chart(s.filtered_report(), ctx), content.cohort_text, in_pack=True,
))
TIME_TO_PRODUCTION = _declare(Chart(
    "time-to-production", "Time to production",
    lambda s, ctx: time_to_production_chart(
        s.filtered_report(), ctx, reference=_reference(content.DURATION_REFERENCE)),
    content.time_to_production_text, in_pack=True,
))
CONVERSION_BY_BUSINESS_UNIT = _declare(Chart(
    "conversion-by-business-unit", "Conversion by business unit",
    lambda s, ctx: breakdown_chart(s.split("business_unit"), ctx, by="business_unit",
                                   overall=s.whole_report()),
    lambda s: content.breakdown_text(s, "business_unit"), whole_portfolio=True, in_pack=True,
))
STALL_CAUSES = _declare(Chart(
    "stall-causes", "Stall causes",
    lambda s, ctx: cause_pareto_chart(s.filtered_report(), ctx, measure="count"),
    content.cause_text, in_pack=True,
))
BUSINESS_UNIT_BY_CAUSE = _declare(Chart(
    "business-unit-by-cause", "Stalls by business unit and cause",
    lambda s, ctx: cause_heatmap_chart(s.filtered_report(), ctx), content.heatmap_text, in_pack=True,
))
VALUE = _declare(Chart(
    "value-by-business-unit", "Value by business unit",
    lambda s, ctx: value_chart(s.filtered_report(), ctx, by="business_unit"), content.value_text,
    in_pack=True,
))

# --- Dashboard charts beyond the pack (a page's slides may still include them). ---------------

STAGE_CONVERSION = _declare(Chart(
    "stage-conversion", "Conversion at each step",
    lambda s, ctx: stage_conversion_chart(
        s.filtered_report(), ctx, reference=_reference(content.PRODUCTION_REFERENCE)),
    content.funnel_text,
))
CONVERSION_BY_SOLUTION_TYPE = _declare(Chart(
    "conversion-by-solution-type", "Conversion by solution type",
    lambda s, ctx: breakdown_chart(s.split("solution_type"), ctx, by="solution_type",
                                   overall=s.whole_report()),
    lambda s: content.breakdown_text(s, "solution_type"), whole_portfolio=True,
))
STALL_CAUSES_BY_BUDGET = _declare(Chart(
    "stall-causes-by-budget", "Stall causes by budget",
    lambda s, ctx: cause_pareto_chart(s.filtered_report(), ctx, measure="budget"),
    content.cause_budget_text,
))
STALLED_BUDGET = _declare(Chart(
    "stalled-budget-by-business-unit", "Stalled budget and spend on stopped initiatives",
    lambda s, ctx: stalled_budget_chart(s.filtered_report(), ctx, by="business_unit"),
    content.stalled_budget_text,
))
STAGE_TIMELINE = _declare(Chart(
    "timeline", "One initiative's stages month by month",
    lambda s, ctx: _timeline(s, ctx),
))
EVIDENCE = _declare(Chart(
    "evidence-by-cause", "Production within a year, pilots that met each check or not",
    lambda s, ctx: evidence_chart(s.filtered_report(), ctx),
))
LIKELY_LAUNCHES = _declare(Chart(
    "likely-launches", "The initiatives most likely to launch in the next six months",
    lambda s, ctx: forecast_chart(s.filtered_report(), ctx),
))
READINESS = _declare(Chart(
    "readiness-checks", "Current pilots against the five checks",
    lambda s, ctx: readiness_chart(s.filtered_report(), ctx),
))

CATALOG: tuple[Chart, ...] = tuple(_DECLARED)
PACK: tuple[Chart, ...] = tuple(c for c in CATALOG if c.in_pack)
BY_KEY: dict[str, Chart] = {c.key: c for c in CATALOG}
