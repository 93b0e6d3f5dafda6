"""Sidebar filters, kept in the URL query string so a pasted link opens the same view."""
from __future__ import annotations

from datetime import date

import streamlit as st

from analytics.domain import SolutionType
from analytics.scope import DEFAULT_STALL_DAYS, ReportScope

ALL = "All"
MONTH_KEY = "month"
BU_KEY = "bu"
SOLUTION_KEY = "solution"
STALL_KEY = "stall_days"



def _month_label(value: date) -> str:
    return f"{value:%Y-%m}"


def _solution_label(value: str) -> str:
    return value if value == ALL else value.capitalize()


def _solution_from_link() -> None:
    """A link may carry the solution type's stable key (`?solution=generic`) as well as its label
    as shown (`?solution=Generic`, what the widget writes); the widget itself reads only the
    label, so a key is taken here, before the widget is drawn."""
    raw = st.query_params.get(SOLUTION_KEY)
    key = next((s.value for s in SolutionType if raw and raw.strip().lower() == s.value), None)
    if key is not None and raw != _solution_label(key) and SOLUTION_KEY not in st.session_state:
        st.session_state[SOLUTION_KEY] = key


def render_sidebar(months: list[date], business_units: list[str]) -> ReportScope:
    """Draw the filters (latest month by default) and return the scope they choose."""
    with st.sidebar:
        st.subheader("Filters")
        as_of = st.selectbox(
            "As-of month", options=months, index=len(months) - 1,
            format_func=lambda d: f"{d:%B %Y}", key=MONTH_KEY, bind="query-params",
            help="Only snapshots up to this month count.",
        )
        bu = st.selectbox(
            "Business unit", options=[ALL, *business_units], key=BU_KEY, bind="query-params",
        )
        _solution_from_link()
        solution = st.selectbox(
            "Solution type", options=[ALL, *[s.value for s in SolutionType]], key=SOLUTION_KEY,
            format_func=_solution_label, bind="query-params",
        )
        stall_days = st.number_input(
            "Stall threshold (days in stage)", min_value=30, max_value=720,
            value=DEFAULT_STALL_DAYS, step=30, key=STALL_KEY, bind="query-params",
            help="A pilot or scaling initiative longer than this in its stage counts as stalled.",
        )
    return ReportScope(
        as_of=as_of,
        business_unit=None if bu == ALL else bu,
        solution_type=None if solution == ALL else solution,
        stall_days=int(stall_days),
    )
