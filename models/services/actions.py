"""What people do: a lead reports, a partner notes, the coordinator accepts, returns or cancels.

The CLI and the web portal call these functions; each checks who may act, records the transition and the
evidence in one transaction, and queues the notifications for whom it concerns.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date

import pendulum
from sqlalchemy import func
from sqlmodel import Session, col, select

from cchc_flow.models.notify.notices import enqueue
from cchc_flow.models.rules.backdating import LateLetter, backdate_problem
from cchc_flow.models.rules.calendar import TZ
from cchc_flow.models.rules.due import Message, Notice, Role
from cchc_flow.models.rules.lifecycle import Event
from cchc_flow.models.rules.messages import t
from cchc_flow.models.rules.successions import current_code
from cchc_flow.models.rules.text import ControlCharacters, check_text
from cchc_flow.models.services.access import (  # noqa: F401 (re-exported)
    ActionRefused,
    ActivityFacts,
    Refusal,
    acted_by,
    acting_unit,
    check_coordinator,
    refusals_recorded,
    unit_refusal,
)
from cchc_flow.models.services.activities import apply_event, unit_expander
from cchc_flow.models.services.auth import Principal
from cchc_flow.models.store.attachments import File, Stored, check_files, store
from cchc_flow.models.store.db import write_transaction
from cchc_flow.models.store.history import record
from cchc_flow.models.store.queries import activity_due, get_plan, roles_by_activity, successors
from cchc_flow.models.store.tables import (
    ActivityRow,
    EvidenceRow,
    ExplanationRow,
    ExtensionRow,
    PhaseRow,
    PlanRow,
    TransitionRow,
    UnitRow,
)

# ActionRefused (imported above from cchc_flow.models.services.access) is raised by every refusal here; callers catch it from either.


class ActionInputError(ValueError):
    """Unknown plan, activity or unit, or missing text."""


@dataclass(frozen=True)
class ActionResult:
    plan_id: int
    activity: str
    state: str
    notified: tuple[str, ...]


def resolve_plan(session: Session, plan_code: str | None) -> PlanRow:
    """The plan named, or the only one loaded; a clear error otherwise."""
    if plan_code:
        return get_plan(session, plan_code)
    plans = session.exec(select(PlanRow)).all()
    if not plans:
        raise ActionInputError(t("action.no_plan"))
    if len(plans) > 1:
        raise ActionInputError(t("action.which_plan", plans=", ".join(p.code for p in plans)))
    return plans[0]


def _activity(session: Session, plan: PlanRow, key: str) -> ActivityRow:
    row = session.exec(select(ActivityRow).where(ActivityRow.plan_id == plan.id, ActivityRow.key == key)).first()
    if row is None or not row.in_plan:
        raise ActionInputError(t("action.unknown_activity", id=key, plan=plan.code))
    return row


def _unit(session: Session, code: str) -> UnitRow:
    unit = session.get(UnitRow, code.upper())
    if unit is None:
        raise ActionInputError(t("action.unknown_unit", unit=code))
    return unit


def roles_of(session: Session, plan: PlanRow, activity: ActivityRow) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """(lead codes, partner codes) of an activity, groups expanded to this plan's members."""
    roles = roles_by_activity(session, plan.id).get(activity.id, {"lead": [], "partner": []})
    expand = unit_expander(session, plan.id)
    return expand(roles["lead"]), expand(roles["partner"])


def activity_facts(session: Session, plan: PlanRow, activity: ActivityRow) -> ActivityFacts:
    """What models/services/access.py decides who may act on: state, units in force, open requests."""
    return activities_facts(session, plan, [activity])[activity.id]


def activities_facts(session: Session, plan: PlanRow, activities: Sequence[ActivityRow]) -> dict[int, ActivityFacts]:
    """activity id -> its facts (activity_facts), for many activities of ``plan`` in a few queries however many."""
    ids = [a.id for a in activities]
    roles = roles_by_activity(session, plan.id)
    expand = unit_expander(session, plan.id)
    extension_open = set(
        session.exec(
            select(ExtensionRow.activity_id).where(col(ExtensionRow.activity_id).in_(ids), ExtensionRow.state == "open")
        ).all()
    )
    asked: dict[int, list[str]] = {}
    for activity_id, code in session.exec(
        select(ExplanationRow.activity_id, ExplanationRow.unit_code).where(
            col(ExplanationRow.activity_id).in_(ids), ExplanationRow.state == "open"
        )
    ):
        asked.setdefault(activity_id, []).append(code)
    now = successors(session) if asked else {}  # a unit asked, merged or renamed since: the unit it is today
    out = {}
    for a in activities:
        r = roles.get(a.id, {"lead": [], "partner": []})
        explaining = frozenset(current_code(code, now) for code in asked.get(a.id, ()))
        out[a.id] = ActivityFacts(
            a.key, a.state, plan.focal_unit, expand(r["lead"]), expand(r["partner"]), a.id in extension_open, explaining
        )
    return out


def _details(session: Session, activity: ActivityRow, **extra: object) -> dict:
    phase = session.get(PhaseRow, activity.phase_id)
    roles = roles_by_activity(session, activity.plan_id).get(activity.id, {"lead": []})
    return {
        "phase": phase.name if phase else "",
        "title": activity.text,
        "start": activity.window_start.isoformat(),
        "end": activity_due(session, activity).isoformat(),
        "leads": list(unit_expander(session, activity.plan_id)(roles["lead"])),
        **extra,
    }


def _today() -> date:
    return pendulum.now(TZ).date()


def _record_evidence(
    session: Session,
    plan: PlanRow,
    activity: ActivityRow,
    unit: str,
    kind: str,
    text: str,
    files: Sequence[File],
    step: TransitionRow,
) -> list[Stored]:
    stored = [store(f) for f in files]
    session.add(
        EvidenceRow(
            plan_id=plan.id,
            activity_id=activity.id,
            unit_code=unit,
            kind=kind,
            text=text,
            attachments=[dict(s) for s in stored],
            actor=step.actor,
            transition_id=step.id,
        )
    )
    return stored


def _notify(
    session: Session,
    plan: PlanRow,
    activity: ActivityRow,
    notice: str,
    recipients: tuple[str, ...],
    role: Role,
    seq: int,
    details: dict,
    today: date,
) -> tuple[str, ...]:
    messages = [Message(Notice(notice), r, role, seq) for r in dict.fromkeys(recipients)]
    enqueue(
        session,
        plan_id=plan.id,
        plan_code=plan.code,
        entity="activity",
        entity_key=activity.key,
        messages=messages,
        as_of=today,
        details=details,
    )
    return tuple(dict.fromkeys(recipients))


def _need(text: str, what: str) -> str:
    text = checked(text, what) or ""
    if not text.strip():
        raise ActionInputError(t("action.empty_text", what=what))
    return text.strip()


def checked(text: str | None, what: str) -> str | None:
    """Typed text with no control character but newlines and tabs (models/rules/text.py); ActionInputError otherwise."""
    try:
        return check_text(text, what)
    except ControlCharacters as exc:
        raise ActionInputError(str(exc)) from None


def checked_letter(letter: LateLetter | None) -> LateLetter | None:
    """The late letter with its reference checked (some text, no control characters)."""
    if letter is None:
        return None
    return LateLetter(letter.day, _need(letter.reference, "--letter"))


def step_day(
    session: Session,
    principal: Principal,
    plan: PlanRow,
    entity: str,
    key: str,
    state: str | None,
    letter: LateLetter | None,
    today: date,
    what: str,
    opens: date | None = None,
) -> date:
    """The day a step counts for: ``today``, or the day of a late letter the coordinator records (a Refusal for
    anyone else, ActionInputError for a day that could not have been: backdating.backdate_problem)."""
    if letter is None:
        return today
    check_coordinator(principal, plan, None, t("backdate.what", what=what), entity=entity, key=key, state=state)
    latest = session.exec(
        select(func.max(TransitionRow.effective_day)).where(
            TransitionRow.plan_id == plan.id,
            TransitionRow.entity == entity,
            TransitionRow.entity_key == key,
            TransitionRow.event != "refused",
        )
    ).one()
    problem = backdate_problem(letter.day, today=today, signed=plan.signed, opens=opens, latest=latest)
    if problem:
        raise ActionInputError(t("backdate.refused", day=letter.day.strftime("%d/%m/%Y"), reason=problem))
    return letter.day


def _unit_step(
    session: Session,
    principal: Principal,
    plan_code: str | None,
    key: str,
    unit: str | None,
    what: str,
    letter: LateLetter | None,
    today: date,
) -> tuple[PlanRow, ActivityRow, str, tuple[str, ...], tuple[str, ...], date]:
    """The plan, activity, acting unit (checked against the principal), the activity's leads and partners, and the
    day the step counts for. A step from a late letter is the coordinator's, for the unit named by ``unit``."""
    plan = resolve_plan(session, plan_code)
    act = _activity(session, plan, key)
    if unit:
        _unit(session, unit)
    day = step_day(session, principal, plan, "activity", key, act.state, letter, today, what, act.window_start)
    if letter is not None:
        if not unit:
            raise ActionInputError(t("backdate.unit_needed"))
        code = unit.strip().upper()
    else:
        code = acting_unit(
            principal,
            unit,
            what,
            plan_id=plan.id,
            entity="activity",
            key=key,
            state=act.state,
        )
    leads, partners = roles_of(session, plan, act)
    return plan, act, code, leads, partners, day


def report_done(
    session: Session,
    *,
    principal: Principal,
    plan_code: str | None,
    key: str,
    unit: str | None = None,
    evidence: str,
    attachments: Sequence[File] = (),
    stated_name: str | None = None,
    source: str = "cli",
    today: date | None = None,
    letter: LateLetter | None = None,
) -> ActionResult:
    """A lead unit reports the activity done, with evidence; the coordinator is told.

    ``principal`` acts for its own unit only; ``unit``, when given, must be that unit. Refusals are recorded.
    ``letter``: the coordinator records the report of ``unit`` from a letter that arrived late (step_day()).
    """
    evidence = _need(evidence, "--evidence")
    letter = checked_letter(letter)
    check_files(list(attachments))
    today = today or _today()
    what = t("event.report")
    with (
        refusals_recorded(session, principal, what, stated_name=stated_name, source=source, today=today),
        write_transaction(session),
    ):
        plan, act, code, leads, _, day = _unit_step(session, principal, plan_code, key, unit, what, letter, today)
        facts = ActivityFacts(key, act.state, plan.focal_unit, leads)
        if problem := unit_refusal("report", code, facts):  # no lead in the plan: the coordinator reports for it
            raise Refusal(plan.id, "activity", key, act.state, problem)
        step = apply_event(
            session,
            act,
            Event.REPORT,
            source=source,
            note=f"{code}: {evidence}",
            on=day,
            letter_ref=letter.reference if letter else None,
            **acted_by(principal, stated_name),
        )
        session.flush()
        stored = _record_evidence(session, plan, act, code, "report", evidence, list(attachments), step)
        on_time = day <= activity_due(session, act, day)  # the due date in force on the report's day
        seq = _sequence(session, act)
        details = _details(
            session,
            act,
            unit=code,
            text=evidence,
            on_time=on_time,
            coordinator=plan.focal_unit,
            attachments=[s["name"] for s in stored],
        )
        told = _notify(session, plan, act, "reported", (plan.focal_unit,), Role.COORDINATOR, seq, details, today)
        return ActionResult(plan.id, key, act.state, told)


def add_note(
    session: Session,
    *,
    principal: Principal,
    plan_code: str | None,
    key: str,
    unit: str | None = None,
    text: str,
    attachments: Sequence[File] = (),
    stated_name: str | None = None,
    source: str = "cli",
    today: date | None = None,
    letter: LateLetter | None = None,
) -> ActionResult:
    """A lead or partner unit adds a note (and files) to an activity; the leads are told (principal and
    ``letter`` as in report_done)."""
    text = _need(text, "--text")
    letter = checked_letter(letter)
    check_files(list(attachments))
    today = today or _today()
    what = t("event.note")
    with (
        refusals_recorded(session, principal, what, stated_name=stated_name, source=source, today=today),
        write_transaction(session),
    ):
        plan, act, code, leads, partners, day = _unit_step(
            session, principal, plan_code, key, unit, what, letter, today
        )
        if problem := unit_refusal("note", code, ActivityFacts(key, act.state, plan.focal_unit, leads, partners)):
            raise Refusal(plan.id, "activity", key, act.state, problem)
        step = record(
            session,
            plan_id=plan.id,
            entity="activity",
            key=key,
            event="note",
            from_state=act.state,
            to_state=act.state,
            source=source,
            note=f"{code}: {text}",
            on=day,
            letter_ref=letter.reference if letter else None,
            **acted_by(principal, stated_name),
        )
        session.flush()
        _record_evidence(session, plan, act, code, "note", text, list(attachments), step)
        session.flush()
        told = _notify(
            session,
            plan,
            act,
            "note",
            tuple(u for u in leads if u != code) or (plan.focal_unit,),
            Role.LEAD,
            _sequence(session, act),
            _details(session, act, unit=code, text=text),
            today,
        )
        return ActionResult(plan.id, key, act.state, told)


def coordinator_decides(
    session: Session,
    *,
    principal: Principal,
    plan_code: str | None,
    key: str,
    event: str,
    by: str | None = None,
    note: str | None,
    stated_name: str | None = None,
    source: str = "cli",
    today: date | None = None,
    letter: LateLetter | None = None,
) -> ActionResult:
    """The coordinator accepts, returns (with a note) or cancels (with a reason); the units concerned are told.

    Only a coordinator principal of the plan's focal unit may; ``by``, when given, must be that unit. ``letter``:
    the decision counts for an earlier day, from a letter that arrived late (step_day()).
    """
    if event in (Event.RETURN, Event.CANCEL):
        note = _need(note or "", "--note" if event == Event.RETURN else "--reason")
    else:
        note = checked(note, "--note")
    letter = checked_letter(letter)
    today = today or _today()
    what = t(f"event.{event}")
    with (
        refusals_recorded(session, principal, what, stated_name=stated_name, source=source, today=today),
        write_transaction(session),
    ):
        plan = resolve_plan(session, plan_code)
        act = _activity(session, plan, key)
        if by:
            _unit(session, by)
        code = check_coordinator(principal, plan, by, what, entity="activity", key=key, state=act.state)
        day = step_day(session, principal, plan, "activity", key, act.state, letter, today, what, act.window_start)
        step = apply_event(
            session,
            act,
            event,
            source=source,
            note=f"{code}: {note}" if note else code,
            on=day,
            letter_ref=letter.reference if letter else None,
            **acted_by(principal, stated_name),
        )
        session.flush()
        _record_evidence(session, plan, act, code, str(event), note or "", [], step)
        leads, partners = roles_of(session, plan, act)
        notice = {"accept": "accepted", "return": "returned", "cancel": "cancelled"}[str(event)]
        recipients = leads + (partners if event == Event.CANCEL else ())
        details = _details(session, act, unit=code, text=note or "", note=f": {note}" if note else "")
        told = _notify(
            session,
            plan,
            act,
            notice,
            recipients or (plan.focal_unit,),
            Role.LEAD,
            _sequence(session, act),
            details,
            today,
        )
        return ActionResult(plan.id, key, act.state, told)


def _sequence(session: Session, activity: ActivityRow) -> int:
    """A number that grows with every recorded step of the activity (keeps repeated events distinct)."""
    return session.exec(
        select(func.count())
        .select_from(TransitionRow)
        .where(
            TransitionRow.plan_id == activity.plan_id,
            TransitionRow.entity == "activity",
            TransitionRow.entity_key == activity.key,
        )
    ).one()
