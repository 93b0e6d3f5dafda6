"""Sign-in and roles for the UI. The decisions themselves live in analytics.access (pure)."""
from __future__ import annotations

from collections.abc import Mapping

import streamlit as st

from analytics.access import Access, Role, signed_in_access, unprotected_access
from analytics.store import current_user


def _secrets_section(name: str) -> Mapping[str, object] | None:
    try:
        if name in st.secrets:
            return st.secrets[name]
    except Exception:  # no secrets.toml at all: a local install
        return None
    return None


def auth_configured() -> bool:
    return _secrets_section("auth") is not None


def current_access() -> Access:
    if not auth_configured():
        return unprotected_access(current_user())
    if not st.user.is_logged_in:
        return Access(Role.NONE, "", protected=True)
    email, name = st.user.get("email"), st.user.get("name")
    return signed_in_access(
        email if isinstance(email, str) else None, name if isinstance(name, str) else None,
        _secrets_section("roles"),
    )


def require_analyst() -> Access:
    """Pages that change data call this themselves: navigation alone is not a lock."""
    access = current_access()
    if not access.can_import:
        st.error(
            "This page is for analysts. Your account can view the dashboard but not load or "
            "delete data; ask an administrator to add you to the analysts in secrets.toml."
        )
        st.stop()
    return access
