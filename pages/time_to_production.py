"""Time to production: how likely and how fast pilots reach production."""
from __future__ import annotations

import streamlit as st

from analytics.charts import catalog
from analytics.formatting import days_as_months, percent
from analytics.metrics.reference import REFERENCE_CAVEAT
from dashboard import components, data, frame

scope = frame.start()
report = data.report(scope)
ctx = data.chart_context(scope)
ttp = report.time_to_production

components.page_header(
    "Time to production", scope,
    "The curve is the share of pilots in production by each month after their pilot start. "
    "Pilots still in progress count only for the months they have had, so young pilots are not "
    "counted as failures; stopped pilots count as never reaching production.",
)
components.require_population(report)

col1, col2, col3 = st.columns(3)
col1.metric(
    "In production within 12 months", percent(ttp.p_production_12m), border=True,
    help="Estimated share of pilots in production 12 months after pilot start.",
)
col2.metric(
    "Median time to production",
    days_as_months(ttp.median_days_observed),
    border=True,
    help="Only among pilots that already reached production, so it leans toward the fast ones; "
         "read it beside the 12-month share.",
)
col3.metric(
    "Pilots followed", f"{ttp.included:,}", border=True,
    help="Pilots with a known start date. Left out: " + (
        ", ".join(f"{components.in_words(reason).lower()} ({n})"
                  for reason, n in ttp.left_out_by_reason.items() if n)
        or "none"
    ),
)
components.chart(catalog.TIME_TO_PRODUCTION, scope, ctx, key="ttp")
if ttp.left_out:
    st.warning(
        f"{ttp.left_out} {'initiative' if ttp.left_out == 1 else 'initiatives'} that reached pilot "
        f"{'is' if ttp.left_out == 1 else 'are'} left out: the pilot start is unknown or the "
        "recorded outcome comes before it. Add a pilot start date in the export to include them."
    )
with st.expander("The pilots behind the curve"):
    components.initiative_table(ttp.subjects, currency=report.currency)
with st.expander("About this figure"):
    st.markdown(
        "The curve is a cumulative-incidence estimate (Aalen-Johansen) with stopping as a "
        "competing outcome: a pilot still in progress is followed up to this month and then "
        "leaves the estimate without counting as a failure; a stopped pilot counts as not "
        "reaching production from the month it stopped."
    )
st.caption(REFERENCE_CAVEAT)

components.page_slides_button(scope, ctx, (catalog.TIME_TO_PRODUCTION,), "time-to-production")
