"""Who is signed in to the portal, what they may open, and CSRF.

Sessions are Starlette's signed cookie (itsdangerous; HttpOnly, SameSite=Lax, Secure when the portal is served over
https), signed with a key derived from the same secret as the sign-in links of models/auth.py. A session holds the
principal (role, unit, token id) and a random CSRF token bound to it; every form carries the token and every POST
is refused unless it matches. A session opened with a token ends as soon as the token is revoked. Signing in
(by link or token) starts a new session: a new CSRF token, nothing kept from before.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets

from fastapi import Request
from sqlmodel import Session

from models.auth import ROLES, Principal, _secret
from models.messages import t
from models.tables import PlanRow, TokenRow

SESSION_COOKIE = "cchc_session"
SESSION_MAX_AGE = 8 * 3600          # seconds a session lasts after it was last changed
LANG_COOKIE = "cchc_lang"


class PortalError(Exception):
    """Shown as an error page: 401 (sign in), 403 (not for you / CSRF), 404, 409, 413..."""

    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.message = message


class SignInNeeded(PortalError):
    """No session: a page redirects to the sign-in form, a form post is refused with 401."""

    def __init__(self) -> None:
        super().__init__(401, t("web.sign_in_needed"))


def session_key() -> str:
    """The cookie-signing key: derived from models.auth's secret, never equal to the key that signs links."""
    return hmac.new(_secret(), b"cchc-web-session-v1", hashlib.sha256).hexdigest()


def csrf_token(request: Request) -> str:
    """The session's CSRF token (made on first use, also for visitors not yet signed in)."""
    token = request.session.get("csrf")
    if not token:
        token = secrets.token_urlsafe(32)
        request.session["csrf"] = token
    return token


def check_csrf(request: Request, value: str | None) -> None:
    """Refuse (403) a form whose CSRF token is missing or is not the session's."""
    expected = request.session.get("csrf")
    if not expected or not value or not hmac.compare_digest(str(expected), str(value)):
        raise PortalError(403, t("web.csrf"))


def sign_in(request: Request, principal: Principal, via: str) -> None:
    """Start a new session for ``principal`` (``via``: link or token)."""
    lang = request.session.get("lang")
    request.session.clear()
    request.session.update(role=principal.role, unit=principal.unit, token=principal.token_id, via=via,
                           csrf=secrets.token_urlsafe(32))
    if lang:
        request.session["lang"] = lang


def sign_out(request: Request) -> None:
    request.session.clear()


def principal_of(request: Request, s: Session) -> Principal | None:
    """The signed-in principal, or None (no session, a broken one, or a revoked token)."""
    data = request.session
    role = data.get("role")
    if role not in ROLES:
        return None
    token_id, label = data.get("token"), None
    if token_id is not None:
        row = s.get(TokenRow, token_id)
        if row is None or row.revoked_at is not None or row.role != role:
            sign_out(request)
            return None
        label = row.label
    return Principal(role, data.get("unit"), token_id, label)


def require(who: Principal | None, *roles: str) -> Principal:
    """The principal if its role is one of ``roles``; SignInNeeded or 403 otherwise."""
    if who is None:
        raise SignInNeeded()
    if who.role not in roles:
        raise PortalError(403, t("web.role_refused", role=t(f"web.role.{who.role}"),
                                 roles=", ".join(t(f"web.role.{r}") for r in roles)))
    return who


def require_coordinator(who: Principal | None, plan: PlanRow) -> Principal:
    """The plan's coordinator only (a coordinator of another plan is refused)."""
    who = require(who, "coordinator")
    if not who.is_coordinator_of(plan):
        raise PortalError(403, t("web.not_coordinator", plan=plan.code, unit=plan.focal_unit))
    return who


def require_reader(who: Principal | None, plan: PlanRow) -> Principal:
    """Pages over the whole plan: its coordinator, or an auditor (read only)."""
    who = require(who, "coordinator", "auditor")
    if who.role == "coordinator":
        require_coordinator(who, plan)
    return who


def safe_next(value: str | None) -> str | None:
    """A local path to go to after signing in; anything else (other sites, schemes) is dropped."""
    if not value or not value.startswith("/") or value.startswith("//") or "\\" in value:
        return None
    return value
