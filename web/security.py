"""Who is signed in to the portal, what they may open, and CSRF.

The browser holds Starlette's signed cookie (itsdangerous; HttpOnly, SameSite=Lax, Secure when the portal is served
over https), signed with a key derived from the sign-in links' key (models/notify/links.py). It carries the
id of a session kept in the database (models/services/web_sessions.py: who, since when, until when) and a random CSRF token;
every form carries the token and every POST is refused unless it matches. A session ends when its officer signs
out, when the coordinator ends it, 8 hours after signing in, or as soon as its token is revoked; a cookie kept from
before is then worth nothing. Signing in (by link or token) starts a new session and ends the browser's previous
one: a new CSRF token, nothing kept from before.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import secrets

import itsdangerous
from fastapi import Request
from sqlmodel import Session

from cchc_flow.models.notify.links import signing_key
from cchc_flow.models.rules.messages import t
from cchc_flow.models.services.auth import Principal
from cchc_flow.models.services.web_sessions import end_session, open_session, session_principal
from cchc_flow.models.store.db import get_engine
from cchc_flow.models.store.tables import PlanRow

SESSION_COOKIE = "cchc_session"
SESSION_MAX_AGE = 8 * 3600  # seconds the cookie is kept (the session itself ends 8 hours after sign-in)
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
    """The cookie-signing key: derived from the key that signs links (models/notify/links.py), never equal to the key that signs links."""
    return hmac.new(signing_key(), b"cchc-web-session-v1", hashlib.sha256).hexdigest()


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
    """Start a new session for ``principal`` (``via``: link or token), ending the browser's previous one."""
    with Session(get_engine()) as s:
        secret = open_session(s, principal, via, replaces=request.session.get("sid"))
    lang = request.session.get("lang")
    request.session.clear()
    request.session.update(sid=secret, csrf=secrets.token_urlsafe(32))
    if lang:
        request.session["lang"] = lang


def sign_out(request: Request) -> None:
    """End the session in the database (a copy of the cookie is refused from now on) and forget it."""
    if secret := request.session.get("sid"):
        with Session(get_engine()) as s:
            end_session(s, secret, "logout")
    request.session.clear()


def open_session_in(cookie: str | None) -> bool:
    """Whether a session cookie, read as Starlette's SessionMiddleware reads it, holds a session still open (for
    judging a request by its headers, before its body is read)."""
    if not cookie:
        return False
    try:
        data = itsdangerous.TimestampSigner(session_key()).unsign(cookie.encode(), max_age=SESSION_MAX_AGE)
        secret = json.loads(base64.b64decode(data)).get("sid")
    except (itsdangerous.BadSignature, ValueError, AttributeError):
        return False
    with Session(get_engine()) as s:
        return session_principal(s, secret if isinstance(secret, str) else None) is not None


def principal_of(request: Request, s: Session) -> Principal | None:
    """The signed-in principal, or None (no session, or one that has ended: signed out, ended by the coordinator,
    past its 8 hours, or its token revoked)."""
    secret = request.session.get("sid")
    who = session_principal(s, secret)
    if who is None and secret:
        request.session.clear()
    return who


def require(who: Principal | None, *roles: str) -> Principal:
    """The principal if its role is one of ``roles``; SignInNeeded or 403 otherwise."""
    if who is None:
        raise SignInNeeded()
    if who.role not in roles:
        raise PortalError(
            403,
            t("web.role_refused", role=t(f"web.role.{who.role}"), roles=", ".join(t(f"web.role.{r}") for r in roles)),
        )
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
