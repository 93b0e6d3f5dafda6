"""Who may do what. Pure: the UI passes in the signed-in identity and the configuration.

Roles come from the `[roles]` table of `.streamlit/secrets.toml`:

    [roles]
    analysts = ["ana@example.com", "@finance.example.com"]   # addresses, or "@domain" for a domain
    viewers  = ["@example.com"]
    default  = "viewer"        # for a signed-in user on neither list: "viewer" or "none"

Analysts may load, replace and delete months; viewers see the dashboard only. A role is
granted only to an address the identity provider says it verified (`email_verified`).

Fails closed: a secrets.toml that cannot be read, or an `[auth]` without what sign-in needs,
is a configuration error and nothing is served; without `[auth]` the app serves anonymous
visitors only on this machine (127.0.0.1), unless PORTFOLIO_ALLOW_ANONYMOUS=1 says otherwise.
"""
from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from enum import StrEnum

#: Set to 1 to serve a network without sign-in (every visitor is an analyst); the banner says so.
ALLOW_ANONYMOUS_ENV = "PORTFOLIO_ALLOW_ANONYMOUS"
#: What st.login needs in [auth], and in the provider's section (or [auth] itself).
AUTH_KEYS = ("redirect_uri", "cookie_secret")
PROVIDER_KEYS = ("client_id", "client_secret", "server_metadata_url")
_LOOPBACK = ("127.0.0.1", "localhost", "::1", "[::1]")


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


def signed_in_access(
    email: str | None,
    name: str | None,
    roles: Mapping[str, object] | None,
    email_verified: object = None,
) -> Access:
    """The access of a signed-in user. An address the provider did not verify (the claim false
    or missing) grants no role: anyone can register an unverified address at some providers."""
    role = role_for(email, roles) if email_verified is True else Role.NONE
    return Access(role, email or name or "unknown", protected=True)


def _missing(section: Mapping[str, object], keys: Sequence[str]) -> list[str]:
    return [key for key in keys if not str(section.get(key) or "").strip()]


def auth_config_problem(auth: object) -> str | None:
    """What the [auth] section lacks for sign-in (st.login), in words; None when complete."""
    if not isinstance(auth, Mapping):
        return "[auth] in secrets.toml must be a table of settings (redirect_uri, cookie_secret, ...)"
    missing = _missing(auth, AUTH_KEYS)
    providers = {name: value for name, value in auth.items() if isinstance(value, Mapping)}
    complete = [name for name, value in providers.items() if not _missing(value, PROVIDER_KEYS)]
    if not _missing(auth, PROVIDER_KEYS):
        complete.append("default")
    if not complete:
        if providers:
            for name, value in providers.items():
                missing += [f"{key} (in [auth.{name}])" for key in _missing(value, PROVIDER_KEYS)]
        else:
            missing += _missing(auth, PROVIDER_KEYS)
    if not missing:
        return None
    return ("[auth] in .streamlit/secrets.toml is incomplete, so nobody could sign in: it lacks "
            + ", ".join(missing) + ". Add them (see README, Access control) and restart the app.")


def is_loopback(address: str | None) -> bool:
    """True when the server listens on this machine only."""
    return bool(address) and str(address).strip().lower() in _LOOPBACK


def anonymous_allowed(allow_env: str | None) -> bool:
    return (allow_env or "").strip().lower() in ("1", "true", "yes")


def unprotected_network_problem(address: str | None, allow_env: str | None) -> str | None:
    """Without [auth], serving beyond this machine needs the explicit opt-in."""
    if is_loopback(address) or anonymous_allowed(allow_env):
        return None
    where = f"address {address}" if address else "every network interface"
    return (
        f"This dashboard is served on {where} without sign-in, so anyone on the network could "
        f"load and delete data. Configure [auth] and [roles] in .streamlit/secrets.toml (README, "
        f"Access control), or serve it on 127.0.0.1 only (server.address in "
        f".streamlit/config.toml), or, to accept that risk, start it with {ALLOW_ANONYMOUS_ENV}=1."
    )
