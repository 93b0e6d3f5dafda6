"""Overview: the headline figures, the funnel, the top stall causes and what changed."""
from __future__ import annotations

import streamlit as st

from analytics import drilldown
from analytics.kpis import kpis
from dashboard import components, data, frame

f = frame.start()
report = data.report(f)
ctx = data.chart_context(f)

components.page_header("Overview", f)
components.require_population(report)
components.kpi_tiles(kpis(report, data.previous_report(f)))

left, right = st.columns(2)
with left:
    components.chart(
        data.figure("funnel", f), key="overview-funnel", ctx=ctx, name="funnel",
        behind=lambda stage: drilldown.reached(report, stage),
    )
with right:
    components.chart(
        data.figure("cause_pareto", f, measure="count"), key="overview-causes", ctx=ctx,
        name="stall-causes", behind=lambda cause: drilldown.stalled_with_cause(report, cause),
    )

st.subheader("What changed since last month")
changes = report.changes
if changes.previous_as_of is None:
    st.info("This is the first month loaded: there is nothing to compare with yet.")
else:
    st.caption(f"Compared with {changes.previous_as_of:%B %Y}.")
    tabs = st.tabs([
        f"Moved up a stage ({len(changes.moved_up)})",
        f"Newly stalled ({len(changes.newly_stalled)})",
        f"Stopped ({len(changes.stopped)})",
        f"New ({len(changes.new)})",
        f"Missing from this export ({len(changes.vanished)})",
    ])
    for tab, listing, empty in zip(
        tabs,
        (changes.moved_up, changes.newly_stalled, changes.stopped, changes.new, changes.vanished),
        ("No initiative moved up a stage.", "No initiative newly stalled.",
         "No initiative was stopped.", "No new initiatives.", "Every initiative is still listed."),
    ):
        with tab:
            if listing.empty:
                st.caption(empty)
            else:
                components.initiative_table(listing)
