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
from dataclasses import dataclass
from datetime import date
from typing import TypedDict

import sqlalchemy as sa
from sqlmodel import Session, col, select

from cchc_flow.models.rules.actors import DATABASE_OWNER, NO_TOKEN
from cchc_flow.models.rules.lifecycle import FINAL, TRANSITIONS, Event, State
from cchc_flow.models.rules.messages import t
from cchc_flow.models.rules.text import check_text
from cchc_flow.models.services.auth import AuthError, Principal, add_token
from cchc_flow.models.store.db import write_transaction
from cchc_flow.models.store.history import record
from cchc_flow.models.store.tables import PlanRow, TokenRow, TransitionRow


class ActionRefused(PermissionError):
    """The acting principal may not do this; the message says who may."""


class Refusal(Exception):
    """Raised inside an action's transaction (which rolls back); recorded, then re-raised as ActionRefused."""

    def __init__(self, plan_id: int, entity: str, key: str, state: str | None, message: str):
        super().__init__(message)
        self.plan_id, self.entity, self.key, self.state, self.message = plan_id, entity, key, state, message


BOOTSTRAP_LOCK = 0x63630003  # pg_advisory_xact_lock key serializing first tokens
STATED_MAX = 200


def who(principal: Principal) -> str:
    """How a principal is named in messages and the history: role:UNIT and its token number."""
    return principal.label + (f" #{principal.token_id}" if principal.token_id is not None else "")


def stated(name: str | None) -> str | None:
    """The name a person typed (CCHC_ACTOR, the login name): kept beside the actor, never as the actor.

    Control characters are refused (ControlCharacters); a long name is cut to 200 characters.
    """
    name = (check_text(name, "CCHC_ACTOR") or "").strip()
    return name[:STATED_MAX] or None


class Acted(TypedDict):
    """Who acted, as the history records it (the keywords of cchc_flow.models.store.history.step)."""

    actor: str
    actor_label: str | None
    stated_name: str | None


def acted_by(principal: Principal, stated_name: str | None = None) -> Acted:
    """Who the history records as acting: the token's principal (role:UNIT #id) and the token's label; the name
    the person typed only as ``stated_name`` (cchc_flow.models.store.history.step's keywords)."""
    return {"actor": who(principal), "actor_label": principal.token_label, "stated_name": stated(stated_name)}


def tokenless(stated_name: str | None, actor: str = NO_TOKEN) -> Acted:
    """Who the history records for an act that needs no token: says so (``actor``), with the name typed beside."""
    return {"actor": actor, "actor_label": None, "stated_name": stated(stated_name)}


def acting_unit(
    principal: Principal, named: str | None, what: str, *, plan_id: int, entity: str, key: str, state: str | None
) -> str:
    """The unit ``principal`` acts for: its own; ``named`` (--unit) must agree. Raises Refusal otherwise."""
    if principal.role == "auditor" or not principal.unit:
        raise Refusal(plan_id, entity, key, state, t("auth.auditor", what=what))
    if principal.role not in ("unit", "coordinator"):
        raise Refusal(plan_id, entity, key, state, t("auth.bad_role", role=principal.role, roles="unit, coordinator"))
    if named and not principal.is_unit(named):
        raise Refusal(
            plan_id,
            entity,
            key,
            state,
            t("auth.not_for_unit", who=who(principal), what=what, unit=named.strip().upper(), own=principal.unit),
        )
    return principal.unit


def check_coordinator(
    principal: Principal, plan: PlanRow, by: str | None, what: str, *, entity: str, key: str, state: str | None
) -> str:
    """The coordinator's unit when ``principal`` is the plan's coordinator (``by`` must agree); Refusal otherwise."""
    if principal.role == "auditor":
        raise Refusal(plan.id, entity, key, state, t("auth.auditor", what=what))
    if not principal.is_coordinator_of(plan):
        raise Refusal(
            plan.id,
            entity,
            key,
            state,
            t("action.not_coordinator", coordinator=plan.focal_unit, event=what, unit=who(principal)),
        )
    if by and not principal.is_unit(by):
        raise Refusal(
            plan.id,
            entity,
            key,
            state,
            t("auth.not_for_unit", who=who(principal), what=what, unit=by.strip().upper(), own=principal.unit),
        )
    return principal.unit  # type: ignore[return-value]


EXTENDABLE = (State.PLANNED, State.ASSIGNED, State.OVERDUE, State.RETURNED)  # a later due date may be asked
ASKABLE = (State.OVERDUE, State.RETURNED)  # the coordinator may ask for an explanation
UNIT_ACTIONS = ("view", "note", "report", "extend", "explain")  # a unit acts for itself (the coordinator too)
COORDINATOR_ACTIONS = ("accept", "return", "cancel", "decide_extension", "reassign", "ask_explanation")


@dataclass(frozen=True)
class ActivityFacts:
    """What deciding who may act on an activity needs: its plan's coordinator (focal unit), its state, the units in
    force (leads, partners), whether an extension request is open, and which units owe an explanation."""

    key: str
    state: str
    focal_unit: str
    leads: tuple[str, ...]
    partners: tuple[str, ...] = ()
    extension_open: bool = False
    explaining: frozenset[str] = frozenset()

    @property
    def reporters(self) -> tuple[str, ...]:
        """Who reports it done and asks for more time: its leads, or the coordinator when the plan names none."""
        return self.leads or (self.focal_unit,)

    @property
    def concerned(self) -> tuple[str, ...]:
        """Who opens it and adds notes: its leads, its partners and the coordinator."""
        return self.leads + self.partners + (self.focal_unit,)


def unit_refusal(action: str, unit: str, activity: ActivityFacts) -> str | None:
    """Why ``unit`` may not take a unit's ``action`` on ``activity`` (the state aside), or None when it may."""
    key = activity.key
    if action in ("view", "note") and unit not in activity.concerned:
        return t("action.not_concerned", unit=unit, id=key)
    if action == "report" and unit not in activity.reporters:
        return t("action.not_lead", leads=", ".join(activity.reporters), id=key, unit=unit)
    if action == "extend" and unit not in activity.reporters:
        return t("extension.not_lead", leads=", ".join(activity.reporters), id=key, unit=unit)
    if action == "explain" and unit not in activity.explaining:
        return t("explain.none_open", id=key, unit=unit)
    return None


def _open_to(action: str, activity: ActivityFacts) -> bool:
    """Whether the activity's state (and its open requests) leave room for ``action``."""
    state = activity.state
    return {
        "report": state in TRANSITIONS[Event.REPORT],
        "accept": state in TRANSITIONS[Event.ACCEPT],
        "return": state in TRANSITIONS[Event.RETURN],
        "cancel": state in TRANSITIONS[Event.CANCEL],
        "extend": state in EXTENDABLE and not activity.extension_open,
        "decide_extension": activity.extension_open,
        "reassign": state not in FINAL,
        "ask_explanation": state in ASKABLE,
    }.get(action, True)


def allowed_actions(principal: Principal | None, activity: ActivityFacts) -> frozenset[str]:
    """What ``principal`` may do on ``activity`` now: the actions the portal draws and the only ones it lets through.

    ``view`` (open the page): an auditor, the plan's coordinator, or a unit concerned; the unit's own actions (note,
    report, extend, explain) by unit_refusal(); the coordinator's (accept, return, cancel, decide_extension,
    reassign, ask_explanation) for the plan's coordinator only. Each also needs the state to allow it.
    """
    if principal is None:
        return frozenset()
    out = set()
    if principal.role == "auditor":
        out.add("view")
    coordinator = principal.role == "coordinator" and principal.is_unit(activity.focal_unit)
    if principal.role in ("unit", "coordinator") and principal.unit:
        out.update(a for a in UNIT_ACTIONS if unit_refusal(a, principal.unit, activity) is None)
    if coordinator:
        out.update(("view", *COORDINATOR_ACTIONS))
    return frozenset(a for a in out if _open_to(a, activity))


def refuse_unless_allowed(
    principal: Principal, activity: ActivityFacts, action: str, *, plan_id: int, what: str
) -> None:
    """Raise Refusal (to be recorded by refusals_recorded) when allowed_actions() leaves ``action`` out because of
    who ``principal`` is; a state that does not allow it is left to the life cycle's own refusal."""
    if action in allowed_actions(principal, activity) or not _open_to(action, activity):
        return
    state = activity.state
    if principal.role == "auditor" or not principal.unit:
        raise Refusal(plan_id, "activity", activity.key, state, t("auth.auditor", what=what))
    if action in COORDINATOR_ACTIONS:
        message = t("action.not_coordinator", coordinator=activity.focal_unit, event=what, unit=who(principal))
    else:
        message = unit_refusal(action, principal.unit, activity) or t("auth.auditor", what=what)
    raise Refusal(plan_id, "activity", activity.key, state, message)


@contextmanager
def refusals_recorded(
    session: Session, principal: Principal, what: str, *, stated_name: str | None, source: str, today: date | None
) -> Iterator[None]:
    """Turn a Refusal raised inside into a ``refused`` step in the history, then ActionRefused."""
    try:
        yield
    except Refusal as r:
        if session.in_transaction():
            session.rollback()
        with write_transaction(session):
            record(
                session,
                plan_id=r.plan_id,
                entity=r.entity,
                key=r.key,
                event="refused",
                from_state=r.state,
                to_state=r.state,
                source=source,
                on=today,
                **acted_by(principal, stated_name),
                note=t("refused.note", who=who(principal), what=what, reason=r.message),
            )
        raise ActionRefused(r.message) from None


def may_issue(session: Session, issuer: Principal | None, role: str, unit: str | None) -> None:
    """Tokens are handed out by the coordinator; once per database, on a database that never had a token, the
    first one is a coordinator's and needs none (bootstrap()).

    Raises AuthError. A coordinator token must be for the focal unit of a loaded plan.
    """
    if role == "coordinator":
        check_focal(session, unit)
    if not bootstrapped(session):
        if role != "coordinator":
            raise AuthError(t("auth.first_coordinator"))
        return
    if issuer is None and not active_coordinators(session):
        raise AuthError(t("auth.recovery_needed"))
    if issuer is None or issuer.role != "coordinator":
        raise AuthError(t("auth.issuer"))


def check_focal(session: Session, unit: str | None) -> None:
    """AuthError unless ``unit`` is the focal unit of a loaded plan (who a coordinator token may be for)."""
    focal = set(session.exec(select(PlanRow.focal_unit)).all())
    if (unit or "").upper() not in focal:
        raise AuthError(t("auth.not_focal", unit=unit or "—", focal=", ".join(sorted(focal)) or "—"))


def active_coordinators(session: Session) -> list[TokenRow]:
    return list(
        session.exec(select(TokenRow).where(TokenRow.role == "coordinator", col(TokenRow.revoked_at).is_(None)))
    )


def bootstrapped(session: Session) -> bool:
    """Whether this database ever had a token (or recorded its first one): after that, tokens need a coordinator."""
    return (
        session.exec(select(TokenRow.id).limit(1)).first() is not None
        or session.exec(
            select(TransitionRow.id).where(TransitionRow.entity == "token", TransitionRow.event == "bootstrap").limit(1)
        ).first()
        is not None
    )


def bootstrap(
    session: Session, unit: str, label: str | None, stated_name: str | None, source: str = "cli"
) -> tuple[int, str]:
    """The database's first token, a coordinator's, issued without a token and recorded in the history of every
    plan the unit coordinates; AuthError when the database already had one. Returns (id, token)."""
    with write_transaction(session):  # SQLite: the write lock is taken first, so two first tokens cannot both pass
        if session.get_bind().dialect.name == "postgresql":  # PostgreSQL: the same, by a lock of its own
            session.execute(sa.text("SELECT pg_advisory_xact_lock(:key)"), {"key": BOOTSTRAP_LOCK})
        if bootstrapped(session):
            raise AuthError(t("auth.recovery_needed"))
        check_focal(session, unit)
        token_id, token = add_token(session, "coordinator", unit.upper(), label)
        _record_token_step(
            session,
            unit.upper(),
            token_id,
            label,
            "bootstrap",
            tokenless(stated_name),
            source,
            t("token.bootstrap_note", id=token_id, unit=unit.upper()),
        )
    return token_id, token


def recover(
    session: Session, unit: str, label: str | None, stated_name: str | None, owner: str, source: str = "cli"
) -> tuple[int, str]:
    """A new coordinator token issued by the database's owner (``owner``: who the database says they are) when no
    coordinator token can be used; recorded in the history of every plan the unit coordinates."""
    with write_transaction(session):
        check_focal(session, unit)
        token_id, token = add_token(session, "coordinator", unit.upper(), label)
        _record_token_step(
            session,
            unit.upper(),
            token_id,
            label,
            "recover",
            tokenless(stated_name, DATABASE_OWNER),
            source,
            t("token.recover_note", id=token_id, unit=unit.upper(), owner=owner),
        )
    return token_id, token


def _record_token_step(
    session: Session,
    unit: str,
    token_id: int,
    label: str | None,
    event: str,
    actor: Acted,
    source: str,
    note: str,
) -> None:
    for plan_id in session.exec(select(PlanRow.id).where(PlanRow.focal_unit == unit)).all():
        record(
            session,
            plan_id=plan_id,
            entity="token",
            key=str(token_id),
            event=event,
            source=source,
            note=note + (f" — {label}" if label else ""),
            **actor,
        )
