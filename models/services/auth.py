"""Who may act: tokens (stored hashed, revocable) and the units' signed, expiring links (signed in
models/notify/links.py, read here).

Roles: ``unit`` (an officer acting for its own unit only), ``coordinator`` (the officer of a plan's focal unit:
accepts, returns, cancels, and acts for its own unit), ``auditor`` (reads only).
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import datetime

import pendulum
from sqlmodel import Session, select

from cchc_flow.models.notify.links import LinkRefused, link_unit
from cchc_flow.models.rules.messages import t
from cchc_flow.models.rules.successions import current_code
from cchc_flow.models.store.db import write_transaction
from cchc_flow.models.store.queries import successors
from cchc_flow.models.store.tables import PlanRow, TokenRow, UnitRow

ROLES = ("unit", "coordinator", "auditor")


class AuthError(PermissionError):
    """Missing, unknown, revoked, forged or expired credentials, or a role that may not do this."""


@dataclass(frozen=True)
class Principal:
    """The person acting, as their credential says."""

    role: str
    unit: str | None  # the unit as it is today (a code merged or renamed in the directory: its successor)
    token_id: int | None = None
    token_label: str | None = None  # the label the coordinator gave the token when issuing it
    codes: tuple[str, ...] = ()  # every code that is this unit today: its own and its former ones
    issued_to: str | None = None  # the code the credential names, when that unit was merged or renamed since

    def is_unit(self, code: str) -> bool:
        """Whether ``code`` (any case; a former code too) is this principal's unit."""
        return bool(self.unit) and code.strip().upper() in (self.codes or (self.unit,))

    def may_act_for(self, unit: str) -> bool:
        """A unit officer (or the coordinator's officer) acts for its own unit only; an auditor never acts."""
        return self.role in ("unit", "coordinator") and self.is_unit(unit)

    def is_coordinator_of(self, plan: PlanRow) -> bool:
        return self.role == "coordinator" and self.is_unit(plan.focal_unit)

    @property
    def label(self) -> str:
        if self.issued_to:  # "unit:T5G→TCCB": the credential's code and the unit it is today
            return f"{self.role}:{self.issued_to}→{self.unit}"
        return f"{self.role}:{self.unit}" if self.unit else self.role


def principal_of(
    session: Session, role: str, code: str | None, token_id: int | None = None, label: str | None = None
) -> Principal:
    """The principal a stored credential stands for, its unit as it is today (the directory's successors)."""
    if not code:
        return Principal(role, code, token_id, label)
    renamed = successors(session)  # one query, on every request the portal serves
    now = current_code(code, renamed)
    formerly = tuple(old for old in renamed if old != now and current_code(old, renamed) == now)
    return Principal(role, now, token_id, label, (now, *formerly), code if now != code else None)


def _hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def issue_token(session: Session, role: str, unit: str | None = None, label: str | None = None) -> tuple[int, str]:
    """A new token for ``role`` (and ``unit``): returns (id, token); only its hash is stored."""
    if role not in ROLES:
        raise AuthError(t("auth.bad_role", role=role, roles=", ".join(ROLES)))
    code = unit.upper() if unit else None
    with write_transaction(session):  # the unit is read inside it: a read before would leave a transaction open
        return add_token(session, role, code, label)


def add_token(session: Session, role: str, code: str | None, label: str | None) -> tuple[int, str]:
    """Insert a new token inside the caller's write transaction; returns (id, token)."""
    if role in ("unit", "coordinator") and (code is None or session.get(UnitRow, code) is None):
        raise AuthError(t("auth.unit_needed", unit=code or "—"))
    token = "cchc_" + secrets.token_urlsafe(32)
    row = TokenRow(token_hash=_hash(token), role=role, unit_code=code if role != "auditor" else None, label=label)
    session.add(row)
    session.flush()
    return int(row.id), token


def revoke_token(session: Session, token_id: int) -> None:
    """Revoke a token at once; later use is refused."""
    with write_transaction(session):
        row = session.get(TokenRow, token_id)
        if row is None:
            raise AuthError(t("auth.unknown_id", id=token_id))
        row.revoked_at = row.revoked_at or pendulum.now("UTC")


def authenticate(session: Session, token: str | None) -> Principal:
    """The principal a token stands for; AuthError when it is missing, unknown or revoked."""
    if not token:
        raise AuthError(t("auth.missing"))
    row = session.exec(select(TokenRow).where(TokenRow.token_hash == _hash(token.strip()))).first()
    if row is None:
        raise AuthError(t("auth.unknown"))
    if row.revoked_at is not None:
        raise AuthError(t("auth.revoked"))
    return principal_of(session, row.role, row.unit_code, row.id, row.label)


def link_principal(session: Session, value: str, now: datetime | None = None) -> Principal:
    """The unit officer a signed link is for, the unit as it is today: a link issued to a code merged or renamed
    since acts for its successor (like a token). AuthError when forged, expired, or for a unit not in the directory."""
    code = verify_link(value, now).unit
    if code is None or session.get(UnitRow, code) is None:
        raise AuthError(t("auth.forged"))
    return principal_of(session, "unit", code)


def verify_link(value: str, now: datetime | None = None) -> Principal:
    """The unit a signed link is for; AuthError when it is forged (or signed with a key no longer accepted, or for
    another use), malformed or expired."""
    try:
        return Principal("unit", link_unit(value, now))
    except LinkRefused as e:
        raise AuthError(str(e)) from None
