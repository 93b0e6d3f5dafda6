"""What every page starts with: sign-in gate, banners and the sidebar filters.

Each page calls `start()` itself rather than relying on app.py having run first: with a
`pages/` folder present, Streamlit routes a process's first run (and AppTest's runs) by file,
executing the page without app.py. Calling the gate twice renders nothing twice.
"""
from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Literal, overload

import streamlit as st

from analytics.access import Access
from analytics.problems import PortfolioError
from analytics.scope import ReportScope
from dashboard import auth, components, data, filters
from dashboard.registry import PAGES

PAGE_TITLE = "AI Pilot-to-Production"


def gate() -> Access:
    """Stop the run unless the visitor may see the dashboard; return their access."""
    st.set_page_config(page_title=PAGE_TITLE, page_icon=":material/rocket_launch:", layout="wide")
    components.chart_styles()
    problem = auth.configuration_problem()
    if problem is not None:
        # Fail closed: a broken sign-in setup serves this page and nothing else.
        st.title("Configuration error")
        components.error(problem)
        st.stop()
    access = auth.current_access()
    if access.protected and not st.user.is_logged_in:
        st.title("AI Pilot-to-Production Dashboard")
        st.write("Sign in to see the portfolio.")
        if st.button("Sign in", type="primary"):
            st.login()
        st.stop()
    if not access.can_view:
        components.error(
            f"{access.user} is signed in but has no role on this dashboard. Ask an administrator "
            "to add you to the viewers or analysts in secrets.toml."
        )
        if st.button("Sign out"):
            st.logout()
        st.stop()
    return access


#: The access app.py's gate found in this script run (each session's runs share one thread).
_entry = threading.local()


@contextmanager
def entered(access: Access) -> Iterator[None]:
    """app.py's navigation runs the page inside this: the page's `start` then reuses the gate
    app.py passed instead of drawing it again (a second page config and style message that
    every viewer's browser would render)."""
    _entry.access = access
    try:
        yield
    finally:
        _entry.access = None


#: Set once a session has been sent through app.py (see _route_through_app).
ROUTED = "_routed_through_app"


def _route_through_app() -> None:
    """Until some session's run of app.py has declared the navigation, Streamlit runs a page
    asked for by its URL (a shared link to /stalls) as a file of `pages/`, without app.py:
    its sidebar then lists the files ('app', 'data', ...) to every visitor, the Data page
    included, until someone opens the home page. Declaring any navigation ends that routing
    for the whole process, and the rerun goes through app.py. Once per session: AppTest may
    run a page by itself on purpose."""
    if st.session_state.get(ROUTED):
        return
    st.session_state[ROUTED] = True
    st.navigation([st.Page(spec.script, title=spec.title, default=spec is PAGES[0])
                   for spec in PAGES], position="hidden")
    st.rerun()


def _sidebar_account(access: Access) -> None:
    with st.sidebar:
        if access.protected:
            st.caption(f"Signed in as {components.escape_md(access.user)} ({access.role.value})")
            if st.button("Sign out", key="sign_out"):
                st.logout()
        else:
            if auth.anonymous_on_network():
                st.caption(
                    ":material/lock_open: Unprotected: PORTFOLIO_ALLOW_ANONYMOUS=1 is set, so "
                    "anyone who can reach this server can load and delete data. Configure [auth] "
                    "in .streamlit/secrets.toml to require sign-in."
                )
            else:
                st.caption(
                    ":material/lock_open: Unprotected local install: anyone who can open this "
                    "page can load and delete data. Configure [auth] in .streamlit/secrets.toml "
                    "to require sign-in."
                )


@overload
def start(*, needs_data: Literal[True] = True) -> ReportScope: ...
@overload
def start(*, needs_data: Literal[False]) -> ReportScope | None: ...
def start(*, needs_data: bool = True) -> ReportScope | None:
    """Gate, banners and filters. Returns the scope the filters choose; without data, explains that
    and stops (or returns None when the page works without data, like the Data page)."""
    access = getattr(_entry, "access", None)
    if access is None:
        _route_through_app()
        access = gate()
    try:
        data.database()
        months = data.months()
    except PortfolioError as exc:
        components.show_domain_error(exc)
        st.stop()
    current = filters.render_sidebar(months, data.business_units()) if months else None
    _sidebar_account(access)
    if data.is_sample():
        st.info(
            "You are looking at the **sample portfolio**, generated for demonstration. "
            "Load your own monthly export on the Data page.",
            icon=":material/science:",
        )
    if current is None and needs_data:
        st.info(
            "No data yet. An analyst can load the first monthly export on the **Data** page; "
            "the template there shows the expected columns.",
            icon=":material/inbox:",
        )
        st.stop()
    return current
