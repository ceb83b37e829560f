"""Who may do what, checked the same way for every caller (the CLI, the web portal): and every refusal recorded.

A unit officer (role ``unit``) acts only for its own unit; the coordinator (role ``coordinator``, unit = the plan's
focal unit) accepts, returns and cancels, and acts for its own unit; an auditor reads only. The unit a caller
names (``--unit``, ``--by``) is a confirmation: it must be the unit of the credential.

A refusal of a known principal on a known activity or report is appended to the history as a ``refused`` step
(an insert, like every step: the history stays append-only and chained), saying who tried what and why. Failed
sign-ins (no token, unknown or revoked token) are refused but not recorded: they cannot be attributed to anyone,
and recording them would let anyone fill the history.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date

from sqlmodel import Session, select

from models.auth import AuthError, Principal
from models.db import write_transaction
from models.messages import t
from models.tables import PlanRow, TokenRow


class ActionRefused(PermissionError):
    """The acting principal may not do this; the message says who may."""


class Refusal(Exception):
    """Raised inside an action's transaction (which rolls back); recorded, then re-raised as ActionRefused."""

    def __init__(self, plan_id: int, entity: str, key: str, state: str | None, message: str):
        super().__init__(message)
        self.plan_id, self.entity, self.key, self.state, self.message = plan_id, entity, key, state, message


def who(principal: Principal) -> str:
    """How a principal is named in messages and the history: role:UNIT and its token number."""
    return principal.label + (f" #{principal.token_id}" if principal.token_id is not None else "")


def acting_unit(principal: Principal, named: str | None, what: str, *, plan_id: int, entity: str, key: str,
                state: str | None) -> str:
    """The unit ``principal`` acts for: its own; ``named`` (--unit) must agree. Raises Refusal otherwise."""
    if principal.role == "auditor" or not principal.unit:
        raise Refusal(plan_id, entity, key, state, t("auth.auditor", what=what))
    if principal.role not in ("unit", "coordinator"):
        raise Refusal(plan_id, entity, key, state, t("auth.bad_role", role=principal.role, roles="unit, coordinator"))
    if named and named.strip().upper() != principal.unit:
        raise Refusal(plan_id, entity, key, state,
                      t("auth.not_for_unit", who=who(principal), what=what, unit=named.strip().upper(),
                        own=principal.unit))
    return principal.unit


def check_coordinator(principal: Principal, plan: PlanRow, by: str | None, what: str, *, entity: str, key: str,
                      state: str | None) -> str:
    """The coordinator's unit when ``principal`` is the plan's coordinator (``by`` must agree); Refusal otherwise."""
    if principal.role == "auditor":
        raise Refusal(plan.id, entity, key, state, t("auth.auditor", what=what))  # type: ignore[arg-type]
    if not principal.is_coordinator_of(plan):
        raise Refusal(plan.id, entity, key, state,  # type: ignore[arg-type]
                      t("action.not_coordinator", coordinator=plan.focal_unit, event=what, unit=who(principal)))
    if by and by.strip().upper() != principal.unit:
        raise Refusal(plan.id, entity, key, state,  # type: ignore[arg-type]
                      t("auth.not_for_unit", who=who(principal), what=what, unit=by.strip().upper(),
                        own=principal.unit))
    return principal.unit  # type: ignore[return-value]


@contextmanager
def refusals_recorded(session: Session, principal: Principal, what: str, *, actor: str, source: str,
                      today: date | None) -> Iterator[None]:
    """Turn a Refusal raised inside into a ``refused`` step in the history, then ActionRefused."""
    from models.history import record

    try:
        yield
    except Refusal as r:
        if session.in_transaction():
            session.rollback()
        with write_transaction(session):
            record(session, plan_id=r.plan_id, entity=r.entity, key=r.key, event="refused", from_state=r.state,
                   to_state=r.state, actor=actor, source=source, on=today,
                   note=t("refused.note", who=who(principal), what=what, reason=r.message))
        raise ActionRefused(r.message) from None


def may_issue(session: Session, issuer: Principal | None, role: str, unit: str | None) -> None:
    """Tokens are handed out by the coordinator; on a fresh database the first one is a coordinator's.

    Raises AuthError. A coordinator token must be for the focal unit of a loaded plan.
    """
    if role == "coordinator":
        focal = set(session.exec(select(PlanRow.focal_unit)).all())
        if (unit or "").upper() not in focal:
            raise AuthError(t("auth.not_focal", unit=unit or "—", focal=", ".join(sorted(focal)) or "—"))
    if not active_coordinators(session):
        if role != "coordinator":
            raise AuthError(t("auth.first_coordinator"))
        return
    if issuer is None or issuer.role != "coordinator":
        raise AuthError(t("auth.issuer"))


def active_coordinators(session: Session) -> list[TokenRow]:
    return list(session.exec(select(TokenRow).where(TokenRow.role == "coordinator", TokenRow.revoked_at.is_(None))))
