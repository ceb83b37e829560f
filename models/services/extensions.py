"""Deadline extensions (gia hạn): a lead unit asks for a later due date, the coordinator approves or refuses.

While a request is open nothing changes. On approval the activity's due date in force becomes the granted one from
the day the approval counts for (queries.due_on; the plan's date stays in ``window_end``, shown beside it; the latest
granted date is kept in ``ActivityRow.extended_to``), an overdue activity is open
again (the ``extend`` step: overdue -> assigned), reminders are planned anew for the new date (models/rules/due.py reads
the due date in force) and on time / late is judged against it. The limits are the plan's: ``max_extensions``
(default 2) approved per activity, and not past the phase's end unless the coordinator says so explicitly when
approving (a unit may ask for such a date; the coordinator decides).
Every step is recorded with who and why; a request or decision that breaks a rule is refused with the reason and
what is allowed, recorded as a refused step, and changes nothing else.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from pathlib import Path

import pendulum
from sqlmodel import Session, col, select

from cchc_flow.models.rules.due import Role
from cchc_flow.models.rules.lifecycle import FINAL, Event
from cchc_flow.models.rules.messages import t
from cchc_flow.models.services.access import (
    EXTENDABLE,
    ActivityFacts,
    Refusal,
    acted_by,
    unit_refusal,
)
from cchc_flow.models.services.actions import (
    ActionResult,
    _details,
    _need,
    _notify,
    _record_evidence,
    _sequence,
    checked,
    roles_of,
)
from cchc_flow.models.services.activities import apply_event
from cchc_flow.models.services.auth import Principal
from cchc_flow.models.services.follow_up import follow_up
from cchc_flow.models.store.attachments import check_files
from cchc_flow.models.store.history import record
from cchc_flow.models.store.queries import activity_due
from cchc_flow.models.store.tables import ActivityRow, ExtensionRow, PhaseRow, PlanRow

DEFAULT_MAX = 2


def _d(day: date) -> str:
    return day.strftime("%d/%m/%Y")


@dataclass(frozen=True)
class Limits:
    """What the plan allows for one activity."""

    phase_end: date
    max_extensions: int = DEFAULT_MAX


def extension_problem(
    *,
    state: str,
    until: date,
    due: date,
    today: date,
    limits: Limits,
    granted: int,
    open_request: bool,
    beyond_phase: bool = False,
) -> str | None:
    """Why the due date of an activity in ``state`` (due ``due``, ``granted`` extensions so far) may not become
    ``until`` as of ``today`` (a pure rule), or None when it may. ``open_request``: one is already waiting (for a
    new request); ``beyond_phase``: the coordinator explicitly allows a date past the phase's end."""
    if state in FINAL:
        return t("extension.final", state=t(f"state.{state}"))
    if state not in EXTENDABLE:
        return t(
            "extension.bad_state", state=t(f"state.{state}"), allowed=", ".join(t(f"state.{s}") for s in EXTENDABLE)
        )
    if open_request:
        return t("extension.open")
    if granted >= limits.max_extensions:
        return t("extension.limit", n=granted, max=limits.max_extensions)
    if until < today:
        return t("extension.past", until=_d(until), today=_d(today))
    if until <= due:
        return t("extension.not_later", until=_d(until), due=_d(due))
    if until > limits.phase_end and not beyond_phase:
        return t("extension.past_phase", until=_d(until), end=_d(limits.phase_end))
    return None


def limits_of(session: Session, plan: PlanRow, activity: ActivityRow) -> Limits:
    phase = session.get(PhaseRow, activity.phase_id)
    assert phase is not None
    return Limits(phase.window_end, int(plan.spec.get("max_extensions", DEFAULT_MAX)))


def extensions_of(session: Session, activity_id: int) -> list[ExtensionRow]:
    """Every request on an activity, oldest first."""
    return list(
        session.exec(
            select(ExtensionRow).where(col(ExtensionRow.activity_id) == activity_id).order_by(col(ExtensionRow.id))
        )
    )


def granted_count(rows: list[ExtensionRow]) -> int:
    return sum(1 for r in rows if r.state == "approved")


def request_extension(
    session: Session,
    *,
    principal: Principal,
    plan_code: str | None,
    key: str,
    unit: str | None = None,
    until: date,
    reason: str,
    attachments: list[Path] = (),  # type: ignore[assignment]
    stated_name: str | None = None,
    source: str = "cli",
    today: date | None = None,
) -> ActionResult:
    """A lead unit asks for ``until`` as the activity's new due date, with a reason; the coordinator is told."""
    reason = _need(reason, "--reason")
    check_files(list(attachments))
    with follow_up(
        session,
        principal,
        plan_code,
        key,
        "extension_requested",
        today=today,
        stated_name=stated_name,
        source=source,
        unit=unit,
    ) as f:
        plan, act, code, today = f.plan, f.act, f.code, f.today
        leads, _ = roles_of(session, plan, act)
        if problem := unit_refusal("extend", code, ActivityFacts(key, act.state, plan.focal_unit, leads)):
            raise Refusal(plan.id, "activity", key, act.state, problem)
        rows = extensions_of(session, act.id)
        due = activity_due(session, act, today)
        problem = extension_problem(
            state=act.state,
            until=until,
            due=due,
            today=today,  # past the phase's
            limits=limits_of(session, plan, act),
            granted=granted_count(rows),  # end: the
            open_request=any(r.state == "open" for r in rows),
            beyond_phase=True,
        )  # coordinator's
        if problem:
            raise Refusal(plan.id, "activity", key, act.state, t("extension.refused", id=key, reason=problem))
        session.add(
            ExtensionRow(
                plan_id=plan.id,
                activity_id=act.id,
                unit_code=code,
                reason=reason,
                due_before=due,
                requested_until=until,
            )
        )
        step = record(
            session,
            plan_id=plan.id,
            entity="activity",
            key=key,
            event="extension_requested",
            from_state=act.state,
            to_state=act.state,
            source=source,
            on=today,
            note=t("extension.note_request", unit=code, due=_d(due), until=_d(until), reason=reason),
            **acted_by(principal, stated_name),
        )
        session.flush()
        _record_evidence(session, plan, act, code, "extension", reason, list(attachments), step)
        details = _details(session, act, unit=code, text=reason, until=_d(until), due=_d(due))
        told = _notify(
            session,
            plan,
            act,
            "extension_requested",
            (plan.focal_unit,),
            Role.COORDINATOR,
            _sequence(session, act),
            details,
            today,
        )
        return ActionResult(plan.id, key, act.state, told)


def decide_extension(
    session: Session,
    *,
    principal: Principal,
    plan_code: str | None,
    key: str,
    approve: bool,
    until: date | None = None,
    note: str | None = None,
    beyond_phase: bool = False,
    by: str | None = None,
    stated_name: str | None = None,
    source: str = "cli",
    today: date | None = None,
) -> ActionResult:
    """The coordinator approves the open request (with its date, or ``until``) or refuses it with a note; the
    lead units are told (and the partners of an approval)."""
    note = _need(note or "", "--note") if not approve else checked(note, "--note")
    event = "extend" if approve else "extension_refused"
    with follow_up(
        session,
        principal,
        plan_code,
        key,
        event,
        today=today,
        stated_name=stated_name,
        source=source,
        coordinator=True,
        by=by,
    ) as f:
        plan, act, code, today = f.plan, f.act, f.code, f.today
        rows = extensions_of(session, act.id)
        request = next((r for r in rows if r.state == "open"), None)
        if request is None:
            raise Refusal(plan.id, "activity", key, act.state, t("extension.none_open", id=key))
        leads, partners = roles_of(session, plan, act)
        seq = _sequence(session, act)
        request.decided_at = pendulum.now("UTC")
        if not approve:
            request.state, request.decision_note = "refused", note
            session.add(request)
            record(
                session,
                plan_id=plan.id,
                entity="activity",
                key=key,
                event="extension_refused",
                from_state=act.state,
                to_state=act.state,
                source=source,
                on=today,
                note=t("extension.note_refused", unit=code, until=_d(request.requested_until), note=note),
                **acted_by(principal, stated_name),
            )
            details = _details(session, act, unit=code, text=note, until=_d(request.requested_until))
            told = _notify(
                session, plan, act, "extension_refused", leads or (plan.focal_unit,), Role.LEAD, seq, details, today
            )
            return ActionResult(plan.id, key, act.state, told)
        new_due = until or request.requested_until
        old_due = activity_due(session, act, today)
        problem = extension_problem(
            state=act.state,
            until=new_due,
            due=old_due,
            today=today,
            limits=limits_of(session, plan, act),
            granted=granted_count(rows),
            open_request=False,
            beyond_phase=beyond_phase,
        )
        if problem:
            raise Refusal(plan.id, "activity", key, act.state, t("extension.refused", id=key, reason=problem))
        request.state, request.granted_until, request.decision_note = "approved", new_due, note
        request.beyond_phase = beyond_phase and new_due > limits_of(session, plan, act).phase_end
        session.add(request)
        apply_event(
            session,
            act,
            Event.EXTEND,
            source=source,
            on=today,
            note=t(
                "extension.note_approved",
                unit=code,
                due=_d(old_due),
                until=_d(new_due),
                planned=_d(act.window_end),
                note=note or "",
            ),
            **acted_by(principal, stated_name),
        )
        act.extended_to = new_due
        session.add(act)
        session.flush()
        details = _details(session, act, unit=code, text=note or "", until=_d(new_due), due=_d(old_due))
        told = _notify(
            session,
            plan,
            act,
            "extension_approved",
            (leads or (plan.focal_unit,)) + partners,
            Role.LEAD,
            seq,
            details,
            today,
        )
        return ActionResult(plan.id, key, act.state, told)
