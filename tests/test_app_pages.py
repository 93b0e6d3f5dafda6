"""Every page through Streamlit's AppTest: with the sample, without data, with filters, roles."""
from __future__ import annotations

from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from dashboard.frame import ROUTED
from dashboard.registry import BROWSING
from dashboard.registry import PAGES as REGISTRY
from tests.support.environment import ROOT
from tests.support.scenario import P, row, write_months

APP = str(ROOT / "app.py")
PAGES = tuple(p.script for p in REGISTRY)
TIMEOUT = 60


pytestmark = pytest.mark.usefixtures("fresh_streamlit_caches")


def _app() -> AppTest:
    return AppTest.from_file(APP, default_timeout=TIMEOUT)


def _no_failure(at: AppTest) -> None:
    assert not at.exception, [e.value for e in at.exception]
    assert not at.error, [e.value for e in at.error]


@pytest.mark.parametrize("page", PAGES)
def test_each_page_renders_the_sample_without_errors(sample_db: Path, page: str) -> None:
    at = _app().run()
    at.switch_page(page).run()
    _no_failure(at)
    assert at.title, f"{page} shows no title"


def test_overview_states_the_month_and_the_sample(sample_db: Path) -> None:
    at = _app().run()
    _no_failure(at)
    assert any("sample portfolio" in i.value for i in at.info)
    labels = [m.label for m in at.metric]
    assert "Pilot → production" in labels and "In production within 12 months" in labels
    assert any("As of" in c.value for c in at.caption)


@pytest.mark.parametrize("page", [p.script for p in BROWSING])
def test_pages_explain_an_empty_database(db_file: Path, monkeypatch: pytest.MonkeyPatch, page: str) -> None:
    # Started without the sample: the app must say there is no data, not draw empty charts.
    monkeypatch.setenv("PORTFOLIO_LOAD_SAMPLE", "0")
    at = _app().run()
    at.switch_page(page).run()
    _no_failure(at)
    assert any("No data yet" in i.value for i in at.info)


@pytest.mark.parametrize("page", [p.script for p in BROWSING])
def test_pages_with_filters_from_the_url(sample_db: Path, page: str) -> None:
    # A pasted link: a new session opening this page with the filters in the query string.
    at = _app().switch_page(page)
    at.query_params["bu"] = "Finance"
    at.query_params["stall_days"] = "90"
    at.run()
    _no_failure(at)
    assert at.sidebar.selectbox(key="bu").value == "Finance"
    assert at.sidebar.number_input(key="stall_days").value == 90
    assert "Business unit: Finance" in at.caption[0].value.replace("\\", "")


@pytest.mark.parametrize("page", [p.script for p in BROWSING])
def test_a_filter_that_leaves_nothing_is_explained(db_file: Path, page: str) -> None:
    # Finance has only custom solutions: Finance x generic matches nobody; Finance alone does.
    write_months(db_file, {"2025-06": [
        row("F1", P, business_unit="Finance", solution_type="custom", pilot_start="2025-01-10"),
        row("S1", P, business_unit="Sales", solution_type="generic", pilot_start="2025-02-10"),
    ]})
    nothing = _app().switch_page(page)
    nothing.query_params["bu"] = "Finance"
    # A link may carry the stable key ("generic") or the option as shown ("Generic").
    nothing.query_params["solution"] = "generic"
    nothing.run()
    _no_failure(nothing)
    assert nothing.sidebar.selectbox(key="solution").value == "generic"
    assert any("No initiatives match" in i.value for i in nothing.info)
    assert not nothing.get("plotly_chart")

    something = _app().switch_page(page)
    something.query_params["bu"] = "Finance"
    something.run()
    _no_failure(something)
    assert not any("No initiatives match" in i.value for i in something.info)

    # Sales x "Generic" as shown: S1 alone, and the page shows it, not the empty state.
    sales = _app().switch_page(page)
    sales.query_params["bu"] = "Sales"
    sales.query_params["solution"] = "Generic"
    sales.run()
    _no_failure(sales)
    assert sales.sidebar.selectbox(key="solution").value == "generic"
    assert sales.sidebar.selectbox(key="bu").value == "Sales"
    assert "Business unit: Sales · Solution: generic" in sales.caption[0].value.replace("\\", "")
    assert not any("No initiatives match" in i.value for i in sales.info)


def test_local_install_is_unprotected_and_says_so(sample_db: Path) -> None:
    at = _app().run()
    assert any("Unprotected local install" in c.value for c in at.sidebar.caption)


def _with_auth(at: AppTest, email: str | None) -> AppTest:
    at.secrets["auth"] = {
        "redirect_uri": "http://localhost:8501/oauth2callback",
        "cookie_secret": "test-secret",
        "client_id": "id",
        "client_secret": "secret",
        "server_metadata_url": "https://idp.example.com/.well-known/openid-configuration",
    }
    at.secrets["roles"] = {"analysts": ["ana@example.com"], "viewers": ["@example.com"], "default": "none"}
    if email is None:
        at.user = {"is_logged_in": False}
    else:
        at.user = {"is_logged_in": True, "email": email, "name": email.split("@")[0],
                   "email_verified": True}
    return at


def test_signed_out_users_see_only_sign_in(sample_db: Path) -> None:
    at = _with_auth(_app(), None).run()
    assert [b.label for b in at.button] == ["Sign in"]
    assert not at.metric


def test_viewer_has_no_data_page_and_is_refused_if_they_go_there(sample_db: Path) -> None:
    at = _with_auth(_app(), "val@example.com").run()
    _no_failure(at)
    assert at.metric, "a viewer sees the dashboard"
    # Navigation does not register the page for a viewer...
    with pytest.raises(ValueError, match="Could not find a navigation page"):
        at.switch_page("pages/data.py")
    # ...opened by its file, the run goes through app.py's navigation, which has no such page...
    direct = _with_auth(_app(), "val@example.com").switch_page("pages/data.py").run()
    _no_failure(direct)
    assert not direct.file_uploader
    # ...and run by itself all the same, the page re-checks the role itself.
    alone = _with_auth(_app(), "val@example.com").switch_page("pages/data.py")
    alone.session_state[ROUTED] = True
    alone.run()
    assert not alone.file_uploader
    assert any("for analysts" in e.value for e in alone.error)


def test_analyst_reaches_the_data_page(sample_db: Path) -> None:
    at = _with_auth(_app(), "ana@example.com").run()
    at.switch_page("pages/data.py").run()
    _no_failure(at)
    assert at.file_uploader


def test_unknown_user_gets_no_dashboard(sample_db: Path) -> None:
    at = _with_auth(_app(), "mallory@elsewhere.test").run()
    assert any("no role" in e.value for e in at.error)
    assert not at.metric
