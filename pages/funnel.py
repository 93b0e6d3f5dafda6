"""Funnel and cohorts: how far initiatives get, by cohort, business unit, solution and month."""
from __future__ import annotations

import streamlit as st

from analytics import drilldown
from dashboard import components, data, frame

f = frame.start()
report = data.report(f)
ctx = data.chart_context(f)

components.page_header(
    "Funnel and cohorts", f,
    "Each initiative counts at the highest stage it has ever reached, so stopped initiatives "
    "keep the stage they got to.",
)
components.require_population(report)

left, right = st.columns(2)
with left:
    components.chart(
        data.figure("funnel", f),
        key="funnel", ctx=ctx, name="funnel", behind=lambda stage: drilldown.reached(report, stage),
    )
with right:
    components.chart(
        data.figure("stage_conversion", f),
        key="conversion", ctx=ctx, name="stage-conversion",
        behind=lambda stage: drilldown.reached(report, stage),
    )

st.subheader("12-month conversion by pilot-start quarter")
st.caption(
    "A cohort is the quarter its pilots started. Cohorts younger than a year are too young to "
    "judge and are drawn pale, never as a low rate."
)
components.chart(
    data.figure("cohorts", f), key="cohorts", ctx=ctx, name="cohorts",
    behind=lambda cohort: drilldown.in_cohort(report, cohort),
)

st.subheader("By business unit and solution type")
left, right = st.columns(2)
with left:
    components.chart(
        data.figure("breakdown", f, by="business_unit"),
        key="by-bu", ctx=ctx, name="conversion-by-business-unit",
        behind=lambda unit: drilldown.in_group(report, "business_unit", unit),
    )
with right:
    components.chart(
        data.figure("breakdown", f, by="solution_type"),
        key="by-solution", ctx=ctx, name="conversion-by-solution-type",
        behind=lambda kind: drilldown.in_group(report, "solution_type", kind),
    )
st.caption(
    "The splits cover the whole portfolio this month (the business unit and solution filters do "
    "not apply to them); clicking a bar lists the initiatives within the current filters."
)

st.subheader("Pilot-to-production over time")
components.chart(data.figure("conversion_trend", f), key="trend", ctx=ctx, name="conversion-trend")

components.page_slides_button(
    f, ctx, ("funnel", "conversion-trend", "cohorts", "conversion-by-business-unit"),
    "funnel-and-cohorts")
