"""Value: what production initiatives deliver, and what stalls and stops cost."""
from __future__ import annotations

import streamlit as st

from analytics import drilldown
from analytics.charts import catalog
from analytics.charts.theme import format_money, format_pct
from dashboard import components, data, frame

f = frame.start()
report = data.report(f)
ctx = data.chart_context(f)
outcomes = report.outcomes

components.page_header(
    "Value", f,
    "Expected and realized value are yearly figures from the export, summed over initiatives in "
    "production.",
)
components.require_population(report)

# Rows of three: five tiles side by side would cut their labels at a laptop's width.
cols = st.columns(3) + st.columns(3)
cols[0].metric("Expected value in production",
               format_money(outcomes.expected_in_production, report.currency), border=True)
cols[1].metric("Realized value in production",
               format_money(outcomes.realized_in_production, report.currency), border=True)
cols[2].metric("Value capture", format_pct(outcomes.value_capture), border=True,
               help="Realized ÷ expected value of initiatives in production.")
cols[3].metric("Budget stuck in stalls", format_money(outcomes.stalled_budget, report.currency), border=True)
cols[4].metric("Spend on stopped initiatives", format_money(outcomes.spend_on_stopped, report.currency), border=True)

components.selection_table(components.chart(
    catalog.VALUE, f, ctx, key="value",
    behind=lambda unit: drilldown.in_group(report, "business_unit", unit),
))
components.selection_table(components.chart(
    catalog.STALLED_BUDGET, f, ctx, key="stalled-budget",
    behind=lambda unit: drilldown.in_group(report, "business_unit", unit),
))

components.page_slides_button(f, ctx, (catalog.VALUE, catalog.STALLED_BUDGET), "value")
