"""Initiatives: search and filter the portfolio; one initiative's history, causes and owners."""
from __future__ import annotations

import streamlit as st

from analytics.charts import catalog
from analytics.domain import ALL_STAGES, STAGE_LABELS
from dashboard import components, data, frame, tables

scope = frame.start()
report = data.report(scope)
ctx = data.chart_context(scope)

components.page_header("Initiatives", scope)
components.require_population(report)

col1, col2, col3 = st.columns([2, 1, 1])
query = col1.text_input("Search name, ID or owner", key="initiative_query")
stages = col2.multiselect(
    "Stage", options=[s.value for s in ALL_STAGES], format_func=STAGE_LABELS.__getitem__, key="initiative_stages",
)
only_stalled = col3.toggle("Stalled only", key="initiative_stalled")

listing = data.initiatives(scope, query=query, stages=tuple(stages), only_stalled=only_stalled)
st.caption(f"{len(listing)} of {report.funnel.population} initiatives. Select a row to open it.")
# A bounded list keeps the selected initiative's detail close under it.
event = components.initiative_table(
    listing, key="initiative_table", selectable=True, download=ctx.file_stem("initiatives"),
    height=320, currency=report.currency,
)
rows = event.selection.rows if event else []
if not rows:
    st.stop()

chosen = listing.iloc[rows[0]]
initiative_id = str(chosen["initiative_id"])
st.header(components.escape_md(chosen["name"]), anchor=components.DETAIL_ANCHOR)
components.scroll_to(components.DETAIL_ANCHOR, initiative_id)
st.caption(components.escape_md(tables.initiative_caption(chosen)))

components.chart(
    catalog.STAGE_TIMELINE, scope, ctx, initiative_id=initiative_id, initiative_name=str(chosen["name"]),
)
detail = data.initiative_causes(scope, initiative_id)
left, right = st.columns(2)
with left:
    st.subheader("Causes and evidence")
    if detail.empty:
        st.caption("No failure cause is flagged for this initiative this month.")
    else:
        components.initiative_table(detail, key="detail-causes", currency=report.currency)
with right:
    st.subheader("Owner history")
    components.initiative_table(data.owner_history(scope, initiative_id), key="owner-history")
