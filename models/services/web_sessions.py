"""Portal sessions, kept in the database so that they can be ended: by signing out, by the coordinator (a unit
officer's session, e.g. one opened with a forwarded sign-in link), or by the clock — 8 hours after signing in,
however busy the session was. The browser holds a random id (in the signed cookie); only its hash is stored.

    secret = open_session(s, principal, "link")      # at sign-in; the id goes into the cookie
    session_principal(s, secret)                      # on each request: the principal, or None when it has ended
    end_session(s, secret, "logout")
"""

from __future__ import annotations

import hashlib
import secrets
from datetime import timedelta

import pendulum
import sqlalchemy as sa
from sqlmodel import Session, col, select

from cchc_flow.models.services.auth import Principal, principal_of
from cchc_flow.models.store.db import write_transaction
from cchc_flow.models.store.tables import TokenRow, WebSessionRow

LIFETIME = timedelta(hours=8)  # from signing in; never extended


def _hash(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def open_session(s: Session, principal: Principal, via: str, replaces: str | None = None) -> str:
    """Start a session for ``principal`` (``via``: link or token), ending the one it ``replaces``; returns its id."""
    secret = secrets.token_urlsafe(32)
    now = pendulum.now("UTC")
    with write_transaction(s):
        if replaces:
            _end(s, col(WebSessionRow.secret_hash) == _hash(replaces), "replaced")
        s.add(
            WebSessionRow(
                secret_hash=_hash(secret),
                role=principal.role,
                unit_code=principal.issued_to or principal.unit,  # the credential's code: who it was issued to
                token_id=principal.token_id,
                via=via,
                started_at=now,
                expires_at=now + LIFETIME,
            )
        )
    return secret


_SESSION = (  # built once: it is read on every request the portal serves
    select(WebSessionRow, TokenRow.revoked_at, TokenRow.role, TokenRow.label)
    .join(TokenRow, col(WebSessionRow.token_id) == col(TokenRow.id), isouter=True)
    .where(WebSessionRow.secret_hash == sa.bindparam("secret_hash"))
)


def session_principal(s: Session, secret: str | None) -> Principal | None:
    """Who the session ``secret`` is for, or None: unknown, ended, past its 8 hours, or its token revoked."""
    if not secret:
        return None
    found = s.exec(_SESSION, params={"secret_hash": _hash(secret)}).first()
    if found is None:
        return None
    row, revoked_at, token_role, label = found
    if row.ended_at is not None or row.expires_at <= pendulum.now("UTC"):
        return None
    if row.token_id is not None and (revoked_at is not None or token_role != row.role):
        return None
    return principal_of(s, row.role, row.unit_code, row.token_id, label)


def end_session(s: Session, secret: str, by: str) -> None:
    """End the session ``secret`` (signing out); nothing happens when it has already ended."""
    with write_transaction(s):
        _end(s, col(WebSessionRow.secret_hash) == _hash(secret), by)


def open_unit_sessions(s: Session) -> list[WebSessionRow]:
    """Unit officers' sessions still open, newest first (what the coordinator may end)."""
    now = pendulum.now("UTC")
    return list(
        s.exec(
            select(WebSessionRow)
            .where(
                WebSessionRow.role == "unit",
                WebSessionRow.ended_at.is_(None),  # type: ignore[union-attr]
                WebSessionRow.expires_at > now,
            )
            .order_by(col(WebSessionRow.id).desc())
        )
    )


def end_unit_session(s: Session, session_id: int, by: str) -> bool:
    """End a unit officer's open session by its number (the coordinator's act); False when there is none."""
    with write_transaction(s):
        return _end(s, sa.and_(col(WebSessionRow.id) == session_id, col(WebSessionRow.role) == "unit"), by) > 0


def _end(s: Session, which: sa.ColumnElement[bool], by: str) -> int:
    result = s.execute(
        sa.update(WebSessionRow)
        .where(which, WebSessionRow.ended_at.is_(None))  # type: ignore[union-attr]
        .values(ended_at=pendulum.now("UTC"), ended_by=by)
    )
    return result.rowcount  # type: ignore[attr-defined]
