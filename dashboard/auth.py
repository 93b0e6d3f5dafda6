"""Sign-in and roles for the UI. The decisions themselves live in analytics.access (pure).

Fails closed: `configuration_problem` names anything that would otherwise make the app fall
back to "no sign-in configured" (a secrets.toml that exists but cannot be read, an incomplete
[auth], an unprotected app served beyond this machine); frame.gate then serves that and nothing
else.
"""
from __future__ import annotations

import os
import tomllib
from collections.abc import Mapping
from pathlib import Path

import streamlit as st

from analytics.access import (
    ALLOW_ANONYMOUS_ENV,
    Access,
    Role,
    anonymous_allowed,
    auth_config_problem,
    signed_in_access,
    unprotected_access,
    unprotected_network_problem,
)
from analytics.store import current_user


def _unreadable_secrets_file() -> str | None:
    """A secrets file that exists but cannot be read or parsed, in words; else None.

    Streamlit treats such a file like a missing one, which would open the app to anonymous
    visitors: here it is an error instead.
    """
    for entry in st.get_option("secrets.files") or []:
        path = Path(entry)
        if not path.exists() or path.is_dir():
            continue
        try:
            tomllib.loads(path.read_text(encoding="utf-8"))
        except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
            return (f"{path} exists but cannot be read ({exc}), so sign-in and roles are "
                    f"unknown and nothing is served. Fix the file and restart the app.")
    return None


def _secrets() -> Mapping[str, object]:
    try:
        return {key: st.secrets[key] for key in st.secrets}
    except FileNotFoundError:
        return {}
    except Exception as exc:  # Streamlit's "no secrets found" and friends
        if "No secrets found" in str(exc):
            return {}
        raise


def _secrets_section(name: str) -> Mapping[str, object] | None:
    section = _secrets().get(name)
    return section if isinstance(section, Mapping) else None


def auth_configured() -> bool:
    return "auth" in _secrets()


def configuration_problem() -> str | None:
    """Why the app must serve nothing but a configuration error page; None when it may run."""
    unreadable = _unreadable_secrets_file()
    if unreadable is not None:
        return unreadable
    try:
        secrets = _secrets()
    except Exception as exc:  # noqa: BLE001 - any failure to read them must stop the app
        return f"The app's secrets cannot be read ({type(exc).__name__}); nothing is served."
    if "auth" in secrets:
        return auth_config_problem(secrets["auth"])
    return unprotected_network_problem(st.get_option("server.address"),
                                       os.environ.get(ALLOW_ANONYMOUS_ENV))


def anonymous_on_network() -> bool:
    """True when the app runs without sign-in on a network by the explicit opt-in."""
    return anonymous_allowed(os.environ.get(ALLOW_ANONYMOUS_ENV))


def current_access() -> Access:
    if not auth_configured():
        return unprotected_access(current_user())
    if not st.user.is_logged_in:
        return Access(Role.NONE, "", protected=True)
    email, name = st.user.get("email"), st.user.get("name")
    return signed_in_access(
        email if isinstance(email, str) else None, name if isinstance(name, str) else None,
        _secrets_section("roles"),
        st.user.get("email_verified"),
    )


def require_analyst() -> Access:
    """Pages that change data call this themselves: navigation alone is not a lock."""
    problem = configuration_problem()
    if problem is not None:
        st.error(problem)
        st.stop()
    access = current_access()
    if not access.can_import:
        st.error(
            "This page is for analysts. Your account can view the dashboard but not load or "
            "delete data; ask an administrator to add you to the analysts in secrets.toml."
        )
        st.stop()
    return access
