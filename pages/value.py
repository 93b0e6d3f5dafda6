"""Value: what production initiatives deliver, and what stalls and stops cost."""
from __future__ import annotations

import streamlit as st

from analytics.charts import catalog
from analytics.formatting import percent
from dashboard import components, data, frame

scope = frame.start()
report = data.report(scope)
ctx = data.chart_context(scope)
outcomes = report.outcomes

components.page_header(
    "Value", scope,
    "Expected and realized value are yearly figures from the export, summed over initiatives in "
    "production.",
)
components.require_population(report)
components.money_gaps(report)

# Rows of three: five tiles side by side would cut their labels at a laptop's width.
cols = st.columns(3) + st.columns(3)
components.money_tile(cols[0], "Expected value in production", outcomes.expected_in_production,
                      report.currency)
components.money_tile(cols[1], "Realized value in production", outcomes.realized_in_production,
                      report.currency)
cols[2].metric("Value capture", percent(outcomes.value_capture), border=True,
               help="Realized ÷ expected value of initiatives in production.")
components.money_tile(cols[3], "Budget stuck in stalls", outcomes.stalled_budget, report.currency)
components.money_tile(cols[4], "Spend on stopped initiatives", outcomes.spend_on_stopped, report.currency)

components.selection_table(components.chart(
    catalog.VALUE, scope, ctx, key="value",
    behind=lambda unit: data.in_group(scope, "business_unit", unit),
))
components.selection_table(components.chart(
    catalog.STALLED_BUDGET, scope, ctx, key="stalled-budget",
    behind=lambda unit: data.in_group(scope, "business_unit", unit),
))

components.page_slides_button(scope, ctx, (catalog.VALUE, catalog.STALLED_BUDGET), "value")
