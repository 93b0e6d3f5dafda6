"""Funnel and cohorts: how far initiatives get, by cohort, business unit, solution and month."""
from __future__ import annotations

import streamlit as st

from analytics.charts import catalog
from dashboard import components, data, frame

scope = frame.start()
report = data.report(scope)
ctx = data.chart_context(scope)

components.page_header(
    "Funnel and cohorts", scope,
    "Each initiative counts at the highest stage it has ever reached, so stopped initiatives "
    "keep the stage they got to.",
)
components.require_population(report)

# Charts run the full width, one under the other: in a half column at a laptop's width their
# findings and labels would not fit (docs/charts.md, "Text that fits").
components.selection_table(components.chart(
    catalog.FUNNEL, scope, ctx, behind=lambda stage: data.reached(scope, stage),
))
components.selection_table(components.chart(
    catalog.STAGE_CONVERSION, scope, ctx, behind=lambda stage: data.reached(scope, stage),
))

st.subheader("12-month conversion by pilot-start quarter")
st.caption(
    "A cohort is the quarter its pilots started. Cohorts younger than a year are too young to "
    "judge and are drawn pale, never as a low rate."
)
components.selection_table(components.chart(
    catalog.COHORTS, scope, ctx, behind=lambda cohort: data.in_cohort(scope, cohort),
))

st.subheader("By business unit and solution type")
st.caption(
    "The splits cover the whole portfolio this month (the business unit and solution filters do "
    "not apply to them); clicking a bar lists the initiatives within the current filters."
)
components.selection_table(components.chart(
    catalog.CONVERSION_BY_BUSINESS_UNIT, scope, ctx,
    behind=lambda unit: data.in_group(scope, "business_unit", unit),
))
components.selection_table(components.chart(
    catalog.CONVERSION_BY_SOLUTION_TYPE, scope, ctx,
    behind=lambda kind: data.in_group(scope, "solution_type", kind),
))

st.subheader("Pilot-to-production over time")
components.chart(catalog.CONVERSION_TREND, scope, ctx)

components.page_slides_button(
    scope, ctx,
    (catalog.FUNNEL, catalog.CONVERSION_TREND, catalog.COHORTS, catalog.CONVERSION_BY_BUSINESS_UNIT),
    "funnel-and-cohorts",
)
