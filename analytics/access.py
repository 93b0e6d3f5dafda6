"""Who may do what. Pure: the UI passes in the signed-in identity and the configuration.

Roles come from the `[roles]` table of `.streamlit/secrets.toml`:

    [roles]
    analysts = ["ana@example.com", "@finance.example.com"]   # addresses, or "@domain" for a domain
    viewers  = ["@example.com"]
    default  = "viewer"        # for a signed-in user on neither list: "viewer" or "none"

Analysts may load, replace and delete months; viewers see the dashboard only.
"""
from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from enum import StrEnum


class Role(StrEnum):
    ANALYST = "analyst"
    VIEWER = "viewer"
    NONE = "none"


@dataclass(frozen=True, slots=True)
class Access:
    role: Role
    user: str            # e-mail or name shown in the audit
    protected: bool      # False on a local install without [auth]

    @property
    def can_import(self) -> bool:
        return self.role is Role.ANALYST

    @property
    def can_view(self) -> bool:
        return self.role in (Role.ANALYST, Role.VIEWER)


def _listed(value: object) -> Sequence[str]:
    """A secrets entry as a list of patterns: one string, or a list of them."""
    if isinstance(value, str):
        return [value]
    if isinstance(value, Sequence):
        return [str(v) for v in value]
    return []


def _matches(email: str, entries: Sequence[str]) -> bool:
    email = email.strip().casefold()
    for entry in entries:
        entry = str(entry).strip().casefold()
        if not entry:
            continue
        if entry.startswith("@") and email.endswith(entry):
            return True
        if email == entry:
            return True
    return False


def role_for(email: str | None, roles: Mapping[str, object] | None) -> Role:
    """The role of a signed-in user; analysts win over viewers when both lists match."""
    if not email:
        return Role.NONE
    roles = roles or {}
    analysts = _listed(roles.get("analysts"))
    viewers = _listed(roles.get("viewers"))
    if _matches(email, analysts):
        return Role.ANALYST
    if _matches(email, viewers):
        return Role.VIEWER
    default = str(roles.get("default", Role.VIEWER.value)).strip().casefold()
    return Role.VIEWER if default == Role.VIEWER.value else Role.NONE


def unprotected_access(user: str) -> Access:
    """A local install without [auth]: everyone is an analyst, and the UI says so."""
    return Access(Role.ANALYST, user, protected=False)


def signed_in_access(email: str | None, name: str | None, roles: Mapping[str, object] | None) -> Access:
    return Access(role_for(email, roles), email or name or "unknown", protected=True)
