"""Decisions: do the five causes hold here, how many launches to expect, which pilots are
ready to scale, and what the board must decide about the stalled initiatives."""
from __future__ import annotations

import streamlit as st

from analytics.charts import catalog
from analytics.charts.decisions import forecast_title, readiness_title
from analytics.decisions_view import evidence_rows, readiness_rows
from analytics.metrics.decisions import report_currency
from analytics.metrics.types import FORECAST_DAYS, MIN_COMPARABLE
from dashboard import components, data, frame, tables

scope = frame.start()
report = data.report(scope)
ctx = data.chart_context(scope)
currency = report_currency(report)

components.page_header(
    "Decisions", scope,
    "From this portfolio's own history: whether pilots that met the five checks reached "
    "production more often, how many launches to expect, which pilots are ready to scale, and "
    "the stalled initiatives the board is asked to unblock or stop.",
)
components.require_population(report)
components.cause_data_gaps(report)
components.money_gaps(report)

st.subheader("Evidence: do the five causes hold back our pilots?")
components.chart(catalog.EVIDENCE, scope, ctx)
st.dataframe(evidence_rows(report), hide_index=True, key="evidence-table")
with st.expander("About this figure"):
    st.markdown(
        f"Each pilot counts once, on the side of each check it met or missed in its **first "
        f"month at pilot or later** (the workbook's fields, not the analyst's stall cause). The "
        f"share in production within a year is estimated with the Aalen-Johansen method: pilots "
        f"still in progress count for as long as they were followed, and stopped pilots as a "
        f"different outcome, so young pilots are not read as failures. A side with fewer than "
        f"{MIN_COMPARABLE} pilots is drawn pale and marked too few to compare. These are "
        f"associations in this portfolio, not proof that the check causes the difference: "
        f"pilots that meet one check often meet others."
    )

st.subheader("Forecast: launches in the next six months")
forecast = report.forecast
left, right = st.columns(2)
left.metric("Expected launches in the next six months", f"{forecast.production_next_6m:.1f}", border=True)
right.metric("80% range", f"{forecast.production_next_6m_low} to {forecast.production_next_6m_high}",
             border=True)
components.chart(catalog.LIKELY_LAUNCHES, scope, ctx)
if not forecast.initiatives.empty:
    components.initiative_table(tables.forecast_table(report), key="forecast-table", height=320,
                                download=ctx.file_stem("likely-launches"))
with st.expander("About this figure"):
    st.markdown(
        f"For each initiative still in progress, the chance it reaches production in the next "
        f"{FORECAST_DAYS} days is read from how this portfolio's pilots of the same age fared "
        f"(Aalen-Johansen cumulative incidence, stopped pilots as a competing outcome): of the "
        f"pilots still going at that age, the share that launched within the following six "
        f"months. The expected number is the sum of these chances; the 80% range treats the "
        f"initiatives as independent. Past the longest follow-up in the data, no further "
        f"launch is assumed. {components.escape_md(forecast_title(report))}."
    )

st.subheader("Readiness to scale")
readiness = report.readiness
left, right = st.columns(2)
left.metric("Pilots now", f"{readiness.pilots:,}", border=True)
right.metric("Ready to scale (all five checks)", f"{readiness.ready_to_scale:,}", border=True)
components.chart(catalog.READINESS, scope, ctx)
if readiness.pilots:
    st.caption("Each pilot against the five checks: ticked where the check is met.")
    components.initiative_table(readiness_rows(report), key="readiness-table", height=320,
                                download=ctx.file_stem("pilot-readiness"))
with st.expander("About this figure"):
    st.markdown(
        "The five causes turned into a gate checklist, read from each pilot's row this month: "
        "a named owner (one person, not blank), data ready (readiness above 2 of 5), a fitted "
        "solution (not a generic off-the-shelf tool), integration under way (status other than "
        "none), and a success metric. A pilot that passes all five is counted ready to scale. "
        f"{components.escape_md(readiness_title(report))}."
    )

st.subheader("Decisions for the board")
decisions = report.decisions
left, right = st.columns(2)
left.metric("Stalled initiatives awaiting a decision", f"{decisions.count:,}", border=True)
components.money_tile(right, "Their budget not yet spent", decisions.budget_remaining, currency)
if decisions.count == 0:
    st.success(f"No initiative is stalled in {scope.as_of:%B %Y} at a {scope.stall_days}-day threshold.")
else:
    components.initiative_table(tables.decision_table(report), key="decisions-table",
                                download=ctx.file_stem("board-decisions"))
with st.expander("About this table"):
    st.markdown(
        f"The stalled initiatives (on hold, or more than {scope.stall_days} days in pilot or "
        "scaling), largest budget first, with their causes as on the Stalls page and the remedy "
        "for each. The board decides per initiative: unblock it with the remedies, or stop it "
        "and release the budget not yet spent (budget minus spend to date, never below zero; "
        "with no spend given, the whole budget)."
    )
