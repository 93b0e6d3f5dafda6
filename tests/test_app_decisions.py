"""The Decisions page through Streamlit's AppTest: the sample's figures match the report, the
wording stays plain (no method names in titles), a viewer reaches it, and the decisions table
downloads."""
from __future__ import annotations

import json
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from analytics import store
from analytics.formatting import money
from analytics.metrics import compute_report, load_rows
from tests.conftest import ROOT

APP = str(ROOT / "app.py")
PAGE = "pages/decisions.py"
#: Words for methods and field codes that belong in "About this figure", never in a title.
JARGON = ("aalen", "johansen", "censor", "cif", "p_production", "_")


@pytest.fixture(autouse=True)
def _fresh_caches() -> None:
    import streamlit as st

    st.cache_data.clear()
    st.cache_resource.clear()


def _latest_report(db: Path):
    with store.connect(db, read_only=True) as con:
        latest = store.list_snapshots(con)[-1].as_of
        return compute_report(load_rows(con, latest), latest)


def _decisions_page() -> AppTest:
    at = AppTest.from_file(APP, default_timeout=90).run()
    at.switch_page(PAGE).run()
    assert not at.exception, [e.value for e in at.exception]
    assert not at.error, [e.value for e in at.error]
    return at


def test_the_decisions_page_shows_the_reports_figures_in_plain_words(sample_db: Path) -> None:
    report = _latest_report(sample_db)
    at = _decisions_page()
    assert at.title[0].value == "Decisions"
    shown = {m.label: m.value for m in at.metric}
    forecast = report.forecast
    assert shown["Expected launches in the next six months"] == f"{forecast.production_next_6m:.1f}"
    assert shown["80% range"] == f"{forecast.production_next_6m_low} to {forecast.production_next_6m_high}"
    assert shown["Pilots now"] == f"{report.readiness.pilots:,}"
    assert shown["Ready to scale (all five checks)"] == f"{report.readiness.ready_to_scale:,}"
    assert shown["Stalled initiatives awaiting a decision"] == f"{report.decisions.count:,}"
    assert shown["Their budget not yet spent"] == money(report.decisions.budget_remaining)
    assert report.decisions.count > 0 and report.readiness.pilots > 0

    charts = [json.loads(c.proto.spec) for c in at.get("plotly_chart")]
    assert len(charts) == 3
    for spec in charts:
        title = spec["layout"]["title"]["text"].lower()
        assert not any(word in title for word in JARGON), title
    assert [e.label for e in at.expander].count("About this figure") == 3

    labels = [b.label for b in at.get("download_button")]
    assert labels.count("CSV") >= 2 and labels.count("Excel") >= 2


def test_a_viewer_reaches_the_decisions_page(sample_db: Path) -> None:
    at = AppTest.from_file(APP, default_timeout=90)
    at.secrets["auth"] = {
        "redirect_uri": "http://localhost:8501/oauth2callback", "cookie_secret": "test-secret",
        "client_id": "id", "client_secret": "secret",
        "server_metadata_url": "https://idp.example.com/.well-known/openid-configuration",
    }
    at.secrets["roles"] = {"analysts": ["ana@example.com"], "viewers": ["@example.com"], "default": "none"}
    at.user = {"is_logged_in": True, "email": "val@example.com", "name": "val",
               "email_verified": True}
    at.run()
    at.switch_page(PAGE).run()
    assert not at.exception and not at.error
    assert at.title[0].value == "Decisions"
