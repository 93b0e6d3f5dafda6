"""Sign-in fails closed (issue 11, case 4): a broken secrets.toml or [auth] serves a
configuration error and nothing else; an unverified address gets no role; the shipped config
binds 127.0.0.1; a network without [auth] needs PORTFOLIO_ALLOW_ANONYMOUS=1, which the banner states."""
from __future__ import annotations

import tomllib
from collections.abc import Iterator
from pathlib import Path

import pytest
from streamlit import config
from streamlit.testing.v1 import AppTest

from analytics.access import Role, auth_config_problem, signed_in_access
from tests.conftest import ROOT

AUTH = {
    "redirect_uri": "http://localhost:8501/oauth2callback",
    "cookie_secret": "a-long-random-secret",
    "client_id": "id",
    "client_secret": "secret",
    "server_metadata_url": "https://idp.example.com/.well-known/openid-configuration",
}
ROLES = {"analysts": ["ana@example.com"], "viewers": ["@example.com"], "default": "none"}


@pytest.fixture
def option() -> Iterator[object]:
    """Sets Streamlit config options for one test and puts the old values back."""
    saved: dict[str, object] = {}

    def set_option(key: str, value: object) -> None:
        saved.setdefault(key, config.get_option(key))
        config.set_option(key, value)

    yield set_option
    for key, value in saved.items():
        config.set_option(key, value)


def _app(*pages: str) -> AppTest:
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=60)
    return at


def _errors(at: AppTest) -> list[str]:
    """The error texts as read on the page (the Markdown escapes removed)."""
    return [e.value.replace("\\", "") for e in at.error]


def _served_nothing(at: AppTest) -> None:
    assert not at.exception
    assert [t.value for t in at.title] == ["Configuration error"]
    assert not at.metric and not at.file_uploader and not at.button
    assert not at.sidebar.caption


def test_a_secrets_file_with_a_syntax_error_serves_only_a_configuration_error(
    sample_db: Path, tmp_path: Path, option,
) -> None:
    secrets = tmp_path / "secrets.toml"
    secrets.write_text(
        '[auth]\nredirect_uri = "http://localhost:8501/oauth2callback"\ncookie_secret = "s"\n'
        'client_id = "id"\nclient_secret = "secret"\n'
        'server_metadata_url = "https://idp.example.com/.well-known/openid-configuration"\n'
        '[roles]\nanalysts = ["ana@example.com"\n'   # the missing bracket
    )
    with pytest.raises(tomllib.TOMLDecodeError):
        tomllib.loads(secrets.read_text())
    option("secrets.files", [str(secrets)])
    at = _app().run()
    _served_nothing(at)
    assert any("cannot be read" in e for e in _errors(at))
    # Opened by its file, the Data page serves no uploader and no delete either.
    direct = _app().switch_page("pages/data.py").run()
    _served_nothing(direct)


@pytest.mark.parametrize("gap", ["cookie_secret", "redirect_uri", "client_id", "server_metadata_url"])
def test_an_auth_section_without_what_sign_in_needs_serves_only_a_configuration_error(
    sample_db: Path, gap: str,
) -> None:
    at = _app()
    at.secrets["auth"] = {k: v for k, v in AUTH.items() if k != gap}
    at.secrets["roles"] = ROLES
    at.run()
    _served_nothing(at)
    assert any(gap in e for e in _errors(at))


def test_a_provider_section_counts_as_complete() -> None:
    base = {k: AUTH[k] for k in ("redirect_uri", "cookie_secret")}
    provider = {k: AUTH[k] for k in ("client_id", "client_secret", "server_metadata_url")}
    assert auth_config_problem({**base, "google": provider}) is None
    assert auth_config_problem(AUTH) is None
    problem = auth_config_problem({**base, "google": {"client_id": "id"}})
    assert problem is not None and "client_secret (in [auth.google])" in problem


def test_an_unverified_address_never_gets_a_role() -> None:
    for verified in (False, None, "true", 1):
        access = signed_in_access("ana@example.com", "Ana", ROLES, verified)
        assert access.role is Role.NONE and not access.can_view
    assert signed_in_access("ana@example.com", "Ana", ROLES, True).role is Role.ANALYST


def test_an_unverified_analyst_address_gets_no_dashboard(sample_db: Path) -> None:
    at = _app()
    at.secrets["auth"] = AUTH
    at.secrets["roles"] = ROLES
    at.user = {"is_logged_in": True, "email": "ana@example.com", "name": "Ana",
               "email_verified": False}
    at.run()
    assert any("no role" in e for e in _errors(at))
    assert not at.metric and not at.file_uploader


def test_the_shipped_config_serves_this_machine_only() -> None:
    shipped = tomllib.loads((ROOT / ".streamlit" / "config.toml").read_text())
    assert shipped["server"]["address"] == "127.0.0.1"


def test_a_network_without_auth_needs_the_explicit_opt_in_which_the_banner_states(
    sample_db: Path, option, monkeypatch: pytest.MonkeyPatch,
) -> None:
    option("server.address", "0.0.0.0")
    monkeypatch.delenv("PORTFOLIO_ALLOW_ANONYMOUS", raising=False)
    refused = _app().run()
    _served_nothing(refused)
    assert any("PORTFOLIO_ALLOW_ANONYMOUS=1" in e for e in _errors(refused))

    monkeypatch.setenv("PORTFOLIO_ALLOW_ANONYMOUS", "1")
    allowed = _app().run()
    assert not allowed.exception and allowed.metric
    assert any("PORTFOLIO_ALLOW_ANONYMOUS=1 is set" in c.value for c in allowed.sidebar.caption)
