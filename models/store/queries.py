"""Reading the stored plan back: the shapes the CLI, the flows and the web pages show."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from datetime import date
from typing import Any

from sqlmodel import Session, col, select

from cchc_flow.models.rules.messages import t
from cchc_flow.models.rules.status import Timeliness, due_in_force, timeliness
from cchc_flow.models.rules.successions import current_code
from cchc_flow.models.store.organisations import plan_unit
from cchc_flow.models.store.tables import (
    ActivityRow,
    ActivityUnitRow,
    ContentRow,
    ExplanationRow,
    ExtensionRow,
    GroupMemberRow,
    PhaseRow,
    PlanRow,
    ReassignmentRow,
    SeriesRow,
    TransitionRow,
    UnitRow,
)


class UnknownPlan(LookupError):
    """No plan with that code was loaded."""


def get_plan(session: Session, code: str) -> PlanRow:
    """The stored plan ``code``, or UnknownPlan with a message naming the known codes."""
    row = session.exec(select(PlanRow).where(PlanRow.code == code)).first()
    if row is None:
        known = ", ".join(session.exec(select(PlanRow.code)).all()) or "-"
        raise UnknownPlan(t("plan.unknown", code=code, known=known))
    return row


def expand_groups(session: Session, plan_id: int, on: date | None = None) -> dict[str, tuple[str, ...]]:
    """group code -> member unit codes, for this plan (as they are ``on`` that day, else today)."""
    out: dict[str, list[str]] = {}
    now = successors(session, on)  # a member merged or renamed: the unit it is today
    for m in session.exec(select(GroupMemberRow).where(GroupMemberRow.plan_id == plan_id)):
        out.setdefault(m.group_code, []).append(current_code(m.unit_code, now))
    return {k: tuple(dict.fromkeys(v)) for k, v in out.items()}


def _expand(codes: list[str], groups: dict[str, tuple[str, ...]], group_codes: set[str]) -> tuple[str, ...]:
    out: list[str] = []
    for c in codes:
        for member in groups.get(c, ()) if c in group_codes else (c,):
            if member not in out:
                out.append(member)
    return tuple(out)


def unit_expander(session: Session, plan_id: int, on: date | None = None) -> Callable[[list[str]], tuple[str, ...]]:
    """A function turning unit codes into units, a group becoming its members in this plan (maybe none); ``on``:
    the members as they are that day (successors(on=...)), else today."""
    groups = expand_groups(session, plan_id, on)
    group_codes = set(session.exec(select(UnitRow.code).where(UnitRow.kind == "group")).all())
    return lambda codes: _expand(codes, groups, group_codes)


def open_explanations(session: Session, plan_id: int) -> dict[int, tuple[tuple[int, str, date], ...]]:
    """activity id -> its unanswered requests (number, unit, by), as cchc_flow.models.rules.due.Facts takes them."""
    out: dict[int, list[tuple[int, str, date]]] = {}
    now = successors(session)  # a unit merged or renamed since it was asked: the unit it is today is reminded
    for r in session.exec(
        select(ExplanationRow)
        .where(ExplanationRow.plan_id == plan_id, ExplanationRow.state == "open")
        .order_by(col(ExplanationRow.id))
    ):
        out.setdefault(r.activity_id, []).append((r.id, current_code(r.unit_code, now), r.by))
    return {k: tuple(v) for k, v in out.items()}


def roles_by_activity(
    session: Session, plan_id: int, written: bool = False, on: date | None = None
) -> dict[int, dict[str, list[str]]]:
    """activity id -> {"lead": [codes], "partner": [codes]} in the plan's order (the plan's words if ``written``);
    ``on``: the units as they are that day (successors(on=...)), else today."""
    name = ActivityUnitRow.as_written if written else ActivityUnitRow.unit_code
    rows = session.exec(  # columns, not rows: a plan has thousands of them
        select(ActivityUnitRow.activity_id, ActivityUnitRow.role, name)
        .join(ActivityRow, col(ActivityRow.id) == col(ActivityUnitRow.activity_id))
        .where(ActivityRow.plan_id == plan_id)
        .order_by(col(ActivityUnitRow.activity_id), col(ActivityUnitRow.position))
    ).all()
    out: dict[int, dict[str, list[str]]] = {}
    for activity_id, role, unit in rows:
        out.setdefault(activity_id, {"lead": [], "partner": []})[role].append(unit)
    if written:
        return out
    for r in session.exec(  # the coordinator's reassignments: the latest of each activity is in force
        select(ReassignmentRow).where(col(ReassignmentRow.plan_id) == plan_id).order_by(col(ReassignmentRow.id))
    ):
        out[r.activity_id] = {"lead": list(r.leads), "partner": list(r.partners)}
    now = successors(session, on)  # a unit merged or renamed in the directory: its work falls to the unit it is now
    if now:
        for roles in out.values():
            for role, codes in roles.items():
                roles[role] = list(dict.fromkeys(current_code(c, now) for c in codes))
    return out


_SUCCESSORS = select(col(UnitRow.code), col(UnitRow.successor), col(UnitRow.since)).where(
    col(UnitRow.successor).is_not(None)
)


def successors(session: Session, on: date | None = None) -> dict[str, str]:
    """old unit code -> the code it was merged into or renamed to (the directory's merged_into/renamed_to); with
    ``on``, only the changes in force that day (``since`` on or before it, or undated)."""
    rows = session.exec(_SUCCESSORS).all()
    return {code: new for code, new, since in rows if new and (on is None or since is None or since <= on)}


def units_on(session: Session, codes: Iterable[str], day: date) -> tuple[str, ...]:
    """The units ``codes`` are on ``day`` (through the directory's history: a merger or renaming counts from its
    ``since``), each once, in order: who a message sent that day goes to."""
    now = successors(session, on=day)
    return tuple(dict.fromkeys(current_code(c, now) for c in codes))


def current_unit(session: Session, code: str) -> str:
    """The unit ``code`` (any case) is today: itself, or the unit it was merged into or renamed to."""
    return current_code(code.strip().upper(), successors(session))


def former_codes(session: Session, code: str) -> list[str]:
    """``code`` and every old code that is ``code`` today."""
    now = successors(session)
    return [code, *(old for old in now if old != code and current_code(old, now) == code)]


def plan_as_dict(session: Session, code: str, today: date | None = None) -> dict[str, Any]:
    """The plan in the documented JSON shape: {"plan": {...}, "phases": [{..., "activities": [...]}]}; each
    activity's ``due`` is the one in force ``today`` (None: the latest approved), due_on."""
    plan = get_plan(session, code)
    phases = session.exec(select(PhaseRow).where(col(PhaseRow.plan_id) == plan.id).order_by(col(PhaseRow.number))).all()
    contents = {
        c.id: c
        for c in session.exec(
            select(ContentRow)
            .join(PhaseRow, col(PhaseRow.id) == col(ContentRow.phase_id))
            .where(col(PhaseRow.plan_id) == plan.id)
        )
    }
    acts = session.exec(
        select(ActivityRow)
        .where(ActivityRow.plan_id == plan.id, ActivityRow.in_plan)
        .order_by(col(ActivityRow.phase_id), col(ActivityRow.content_id), col(ActivityRow.position))
    ).all()
    roles = roles_by_activity(session, plan.id)
    approved = approved_extensions(session, plan.id)
    info = dict(plan.spec.get("plan", {}))
    info.update(
        code=plan.code,
        number=plan.number,
        title=plan.title,
        issuer=plan.issuer,
        signed=plan.signed.isoformat(),
        focal_unit=plan.focal_unit,
        leadership=plan.leadership,
    )
    out_phases = []
    for p in phases:
        out_phases.append(
            {
                "number": p.number,
                "name": p.name,
                "start": p.window_start.isoformat(),
                "end": p.window_end.isoformat(),
                "window_as_written": p.window_as_written,
                "review": {"activity": p.review_activity, "kind": p.review_kind, "title": p.review_title}
                if p.review_activity
                else None,
                "activities": [
                    {
                        "id": a.key,
                        "content": contents[a.content_id].title,
                        "content_number": contents[a.content_id].number,
                        "title": a.text,
                        "window": {
                            "start": a.window_start.isoformat(),
                            "end": a.window_end.isoformat(),
                            "as_written": a.window_as_written,
                        },
                        "due": due_on(
                            a, approved, today
                        ).isoformat(),  # in force: an approved extension's, else the plan's
                        "funding": a.funding,
                        "lead": roles.get(a.id, {}).get("lead", []),
                        "partners": roles.get(a.id, {}).get("partner", []),
                        "state": a.state,
                    }
                    for a in acts
                    if a.phase_id == p.id
                ],
            }
        )
    series = [
        {"id": r.key, "title": r.text, "recurs": r.recurs, "cadence": r.cadence, "for_each": r.for_each}
        for r in session.exec(select(SeriesRow).where(SeriesRow.plan_id == plan.id, SeriesRow.in_plan))
    ]
    return {
        "plan": info,
        "reminders": plan.spec.get("reminders"),
        "reporting": plan.spec.get("reporting", []),
        "phases": out_phases,
        **({"series": series} if series else {}),  # recurring and per-unit activities: their items are in "phases"
    }


def units(session: Session) -> list[UnitRow]:
    """Every unit in the directory, by code."""
    return list(session.exec(select(UnitRow).order_by(UnitRow.code)))


def activities_owed(
    session: Session,
    plan_code: str,
    *,
    unit: str | None = None,
    state: str | None = None,
    due_before: date | None = None,
    today: date | None = None,
) -> list[dict[str, Any]]:
    """Activities of a plan with their units, window, state and days left (negative: overdue), by due date.

    With ``unit``, only the activities where it is lead or partner (groups expanded), with its role.
    """
    plan = get_plan(session, plan_code)
    roles = roles_by_activity(session, plan.id)
    expand = unit_expander(session, plan.id)
    # a code of the plan's organisation without its prefix, or a former code: the unit it is today
    unit = current_unit(session, plan_unit(session, plan, unit)) if unit else None
    rows = session.exec(
        select(ActivityRow)
        .where(ActivityRow.plan_id == plan.id, ActivityRow.in_plan)
        .order_by(col(ActivityRow.window_end), col(ActivityRow.key))
    ).all()
    reported = report_days(session, plan.id)
    approved = approved_extensions(session, plan.id)
    out = []
    for a in rows:
        due = due_on(a, approved, today)
        r = roles.get(a.id, {"lead": [], "partner": []})
        leads, partners = expand(r["lead"]), expand(r["partner"])
        role = None
        if unit:
            role = "lead" if unit in leads else "partner" if unit in partners else None
            if role is None:
                continue
        if (state and a.state != state) or (due_before and due >= due_before):
            continue
        status = status_of(a, today, reported.get(a.key), due) if today else None
        out.append(
            {
                "id": a.key,
                "title": a.text,
                "lead": r["lead"],
                "partners": r["partner"],
                "role": role,
                "state": a.state,
                "start": a.window_start,
                "end": due,
                "planned_end": a.window_end if due != a.window_end else None,  # the plan's, beside an extension
                "days_left": (due - today).days if today else None,
                "status": status.status.value if status else None,
                "days_late": status.days_late if status else None,
                # an item of a recurring or per-unit activity: opened after its period had passed at load
                **({"opened_late": a.opened_late} if a.series_id else {}),
            }
        )
    return sorted(out, key=lambda r: (r["end"], r["id"]))


def report_days(session: Session, plan_id: int) -> dict[str, date]:
    """activity key -> the day its last report counts for (effective_day: a back-dated report, the letter's day)."""
    T = TransitionRow
    rows = session.exec(
        select(col(T.entity_key), col(T.effective_day), col(T.at))
        .where(T.plan_id == plan_id, T.entity == "activity", T.event == "report")
        .order_by(col(T.id))
    ).all()
    return {key: day or at.date() for key, day, at in rows}


def status_of(activity: ActivityRow, today: date, reported: date | None, due: date) -> Timeliness:
    """The four-way status of a stored activity as of ``today`` (models/rules/status.py), ``reported`` as report_days(),
    ``due`` the due date in force today (due_on)."""
    return timeliness(activity.state, start=activity.window_start, due=due, today=today, done_on=reported)


def activity_statuses(session: Session, plan: PlanRow, today: date) -> dict[str, Timeliness]:
    """activity key -> its four-way status as of ``today``, judged against the due date in force today."""
    reported = report_days(session, plan.id)
    approved = approved_extensions(session, plan.id)
    rows = session.exec(select(ActivityRow).where(ActivityRow.plan_id == plan.id, ActivityRow.in_plan)).all()
    return {a.key: status_of(a, today, reported.get(a.key), due_on(a, approved, today)) for a in rows}


def due_on(activity: ActivityRow, approved: Mapping[str, Sequence[tuple[date, date]]], day: date | None = None) -> date:
    """The due date in force on ``day`` (None: the latest approved) of a stored activity: the one rule
    (models/rules/status.py due_in_force) over its approved extensions, ``approved`` as approved_extensions gives."""
    return due_in_force(activity.window_end, approved.get(activity.key, ()), day or date.max)


def activity_due(session: Session, activity: ActivityRow, day: date | None = None) -> date:
    """The due date in force on ``day`` (None: the latest approved) of one stored activity (due_on)."""
    return due_on(activity, approved_extensions(session, activity.plan_id, only=activity.key), day)


def approved_extensions(session: Session, plan_id: int, only: str | None = None) -> dict[str, list[tuple[date, date]]]:
    """activity key -> its approved extensions in the order approved: (the day the approval counts for, the date
    granted); ``only``: that activity's. The n-th approved request of an activity is its n-th ``extend`` step: both
    are written together."""
    E, T = ExtensionRow, TransitionRow
    requests = select(col(ActivityRow.key), col(E.granted_until)).join(
        ActivityRow, col(ActivityRow.id) == col(E.activity_id)
    )
    steps = select(col(T.entity_key), col(T.effective_day), col(T.at))
    if only is not None:
        requests, steps = requests.where(col(ActivityRow.key) == only), steps.where(col(T.entity_key) == only)
    granted: dict[str, list[date]] = {}
    for key, until in session.exec(requests.where(E.plan_id == plan_id, E.state == "approved").order_by(col(E.id))):
        if until is not None:  # always so: an approval grants a date
            granted.setdefault(key, []).append(until)
    if not granted:  # most plans: no step to read (reading them went through every activity step of the plan)
        return {}
    if only is None:
        steps = steps.where(col(T.entity_key).in_(list(granted)))
    days: dict[str, list[date]] = {}
    for key, day, at in session.exec(
        steps.where(T.plan_id == plan_id, T.entity == "activity", T.event == "extend").order_by(col(T.id))
    ):
        days.setdefault(key, []).append(day or at.date())
    return {key: list(zip(days.get(key, ()), until)) for key, until in granted.items()}


def asked_to_explain(session: Session, plan_id: int) -> set[tuple[str, str]]:
    """(activity key, unit) pairs the coordinator asked for an explanation."""
    return set(
        session.exec(
            select(ActivityRow.key, ExplanationRow.unit_code)
            .join(ActivityRow, col(ActivityRow.id) == col(ExplanationRow.activity_id))
            .where(ExplanationRow.plan_id == plan_id)
        ).all()
    )
