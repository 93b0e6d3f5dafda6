"""The entry point: who may see what, and the navigation. Each page draws its own frame
(dashboard.frame.start) so it is complete however Streamlit routes to it."""
from __future__ import annotations

import streamlit as st

from analytics.problems import PortfolioError
from dashboard import components, frame

access = frame.gate()

portfolio = [
    st.Page("pages/overview.py", title="Overview", icon=":material/dashboard:", default=True),
    st.Page("pages/funnel.py", title="Funnel and cohorts", icon=":material/filter_alt:"),
    st.Page("pages/time_to_production.py", title="Time to production", icon=":material/timer:"),
    st.Page("pages/stalls.py", title="Stalls and causes", icon=":material/block:"),
    st.Page("pages/value.py", title="Value", icon=":material/payments:"),
    st.Page("pages/initiatives.py", title="Initiatives", icon=":material/list:"),
]
sections = {"Portfolio": portfolio}
if access.can_import:
    # Viewers never see the Data page listed; the page also re-checks the role itself.
    sections["Analysts"] = [st.Page("pages/data.py", title="Data", icon=":material/upload_file:")]

try:
    st.navigation(sections).run()
except PortfolioError as exc:
    # e.g. the database stayed locked by a long import: words on the page, never a traceback.
    components.show_domain_error(exc)
