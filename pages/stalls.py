"""Stalls and causes: which pilots are stuck, why, and which are about to be."""
from __future__ import annotations

import streamlit as st

from analytics.charts import catalog
from dashboard import components, data, frame

scope = frame.start()
report = data.report(scope)
ctx = data.chart_context(scope)
stalls = report.stalls

components.page_header(
    "Stalls and causes", scope,
    f"A pilot or scaling initiative is stalled when it is on hold or has been in its stage for "
    f"more than {scope.stall_days} days. Causes come from the analyst's stall-cause column where it "
    f"names one, otherwise from the five rules (owner, data readiness, generic tools, "
    f"integration, success metric).",
)
components.require_population(report)
components.cause_data_gaps(report)
components.money_gaps(report)

if stalls.count == 0:
    st.success(f"No initiative is stalled in {scope.as_of:%B %Y} at a {scope.stall_days}-day threshold.")
else:
    col1, col2 = st.columns(2)
    col1.metric("Stalled initiatives", f"{stalls.count:,}", border=True)
    components.money_tile(col2, "Budget stuck in stalls", report.outcomes.stalled_budget, report.currency)
    measure = st.segmented_control(
        "Weigh causes by", options=["count", "budget"], default="count", key="cause_measure",
        format_func=lambda m: "Number of initiatives" if m == "count" else "Budget",
    ) or "count"
    components.selection_table(components.chart(
        catalog.STALL_CAUSES_BY_BUDGET if measure == "budget" else catalog.STALL_CAUSES, scope, ctx,
        key="pareto", behind=lambda cause: data.stalled_with_cause(scope, cause),
    ))
    components.selection_table(components.chart(
        catalog.BUSINESS_UNIT_BY_CAUSE, scope, ctx, key="heatmap", hint="a cell",
        behind=lambda cell: data.stalled_with_cause(scope, cell[1], business_unit=cell[0]),
    ))
    st.subheader("Stalled initiatives")
    components.initiative_table(
        stalls.stalled.drop(columns=["k"], errors="ignore"), key="stalled-table",
        download=ctx.file_stem("stalled-initiatives"), currency=report.currency,
    )

st.subheader("Early warning")
st.caption("Pilots and scaling initiatives not stalled yet but already showing a failure cause.")
if report.early_warning.empty:
    st.caption("None: every active pilot without a flagged cause.")
else:
    components.initiative_table(
        report.early_warning, key="early-warning", download=ctx.file_stem("early-warning"),
        currency=report.currency,
    )

components.page_slides_button(
    scope, ctx, (catalog.STALL_CAUSES, catalog.BUSINESS_UNIT_BY_CAUSE), "stalls-and-causes",
)
