"""Phase reviews (sơ kết, tổng kết): when they may be held, and the report built from the recorded history."""

from __future__ import annotations

from datetime import date

import pendulum
from sqlmodel import Session, col, select

from cchc_flow.models.rules.calendar import TZ
from cchc_flow.models.rules.due import Role
from cchc_flow.models.rules.labels import unit_label
from cchc_flow.models.rules.lifecycle import State
from cchc_flow.models.rules.messages import t
from cchc_flow.models.rules.review_report import (
    ActivityLine,
    Attachment,
    ContentSection,
    Evidence,
    ExplanationLine,
    Office,
    ReviewReport,
    UnitTotals,
)
from cchc_flow.models.rules.scores import parts_of, score_units, weights_of
from cchc_flow.models.rules.series_tally import tally
from cchc_flow.models.rules.status import due_in_force, on_time, timeliness
from cchc_flow.models.services.activities import get_phase, unit_expander
from cchc_flow.models.store.queries import (
    approved_extensions,
    asked_to_explain,
    get_plan,
    roles_by_activity,
    units_on,
)
from cchc_flow.models.store.tables import (
    ActivityRow,
    ContentRow,
    EvidenceRow,
    ExplanationRow,
    PhaseRow,
    PlanRow,
    ReviewRow,
    TransitionRow,
    UnitRow,
)

DONE = (State.ACCEPTED, State.CANCELLED)


class ReviewRefused(RuntimeError):
    """The review may not be held yet; the message says why and what is still open."""


def review_gate(
    *,
    kind: str,
    states: dict[str, str],
    review_activity: str | None,
    phase_end: date,
    today: date,
    preliminary_held: bool,
    already_held: date | None,
) -> str | None:
    """Why the review may not be held as of ``today``, or None when it may (a pure rule).

    It may be held once every activity of the phase (but the review's own) is accepted or cancelled, or once the
    phase's window has ended; the final review only after the preliminary one.
    """
    if already_held:
        return t("review.already", date=already_held.strftime("%d/%m/%Y"))
    if kind == "final" and not preliminary_held:
        return t("review.needs_preliminary")
    open_ = sorted(k for k, s in states.items() if k != review_activity and s not in DONE)
    if open_ and today <= phase_end:
        return t("review.open_activities", n=len(open_), ids=", ".join(open_), end=phase_end.strftime("%d/%m/%Y"))
    return None


def check_review(session: Session, plan_code: str, phase_number: int, today: date) -> tuple[PhaseRow, str]:
    """The phase and its review kind if the review may be held as of ``today``; ReviewRefused otherwise."""
    plan = get_plan(session, plan_code)
    phase = session.exec(select(PhaseRow).where(PhaseRow.plan_id == plan.id, PhaseRow.number == phase_number)).first()
    if phase is None or not phase.review_kind:
        raise ReviewRefused(t("review.none", plan=plan_code, phase=phase_number))
    states = dict(
        session.exec(
            select(ActivityRow.key, ActivityRow.state).where(ActivityRow.phase_id == phase.id, ActivityRow.in_plan)
        ).all()
    )
    reviews = {r.phase_number: r for r in session.exec(select(ReviewRow).where(ReviewRow.plan_id == plan.id))}
    kinds = dict(session.exec(select(PhaseRow.number, PhaseRow.review_kind).where(PhaseRow.plan_id == plan.id)).all())
    preliminary_held = any(r.state == "held" for n, r in reviews.items() if kinds.get(n) == "preliminary")
    mine = reviews.get(phase_number)
    reason = review_gate(
        kind=phase.review_kind,
        states=states,
        review_activity=phase.review_activity,
        phase_end=phase.window_end,
        today=today,
        preliminary_held=preliminary_held,
        already_held=mine.held_on if mine and mine.state == "held" else None,
    )
    if reason:
        raise ReviewRefused(reason)
    return phase, phase.review_kind


def build_report(session: Session, plan_code: str, phase_number: int, held_on: date) -> ReviewReport:
    """The review report of a phase, read from the activities, their history and their evidence."""
    plan = get_plan(session, plan_code)
    phase = get_phase(session, plan, phase_number)
    contents = session.exec(
        select(ContentRow).where(col(ContentRow.phase_id) == phase.id).order_by(col(ContentRow.number))
    ).all()
    acts = session.exec(
        select(ActivityRow)
        .where(ActivityRow.phase_id == phase.id, ActivityRow.in_plan)
        .order_by(col(ActivityRow.content_id), col(ActivityRow.position))
    ).all()
    roles = roles_by_activity(session, plan.id)
    expand = unit_expander(session, plan.id)
    keys = [a.key for a in acts]
    steps = session.exec(
        select(TransitionRow)
        .where(
            TransitionRow.plan_id == plan.id,
            col(TransitionRow.entity) == "activity",
            col(TransitionRow.entity_key).in_(keys),
        )
        .order_by(col(TransitionRow.id))
    ).all()
    days: dict[tuple[str, str], date] = {}
    for s in steps:
        day = s.effective_day or s.at.date()
        if s.event == "assign":
            days.setdefault((s.entity_key, "assign"), day)
        else:
            days[(s.entity_key, s.event)] = day  # the last report / accept counts
    step_day: dict[int | None, date] = {s.id: s.effective_day or s.at.date() for s in steps}  # evidence: its step
    late: dict[int | None, TransitionRow] = {
        s.id: s for s in steps if s.letter_ref
    }  # back-dated from a late letter: shown as such
    evidence: dict[int, list[Evidence]] = {}
    for e in session.exec(select(EvidenceRow).where(col(EvidenceRow.plan_id) == plan.id).order_by(col(EvidenceRow.id))):
        letter = late.get(e.transition_id)
        evidence.setdefault(e.activity_id, []).append(
            Evidence(
                at=step_day.get(e.transition_id, e.at.date()),
                unit=e.unit_code,
                kind=e.kind,
                text=e.text,
                attachments=tuple(Attachment(a["name"], a["sha256"], a["size"]) for a in e.attachments),
                recorded=pendulum.instance(letter.at).in_tz(TZ).date() if letter else None,
                letter=letter.letter_ref if letter else None,
            )
        )
    extended = approved_extensions(session, plan.id)
    lines: dict[int, list[ActivityLine]] = {}
    for a in acts:
        r = roles.get(a.id, {"lead": [], "partner": []})
        reported = days.get((a.key, "report"))
        due = due_in_force(a.window_end, extended.get(a.key, ()), held_on)  # as approved by then, not as of today
        status = timeliness(a.state, start=a.window_start, due=due, today=held_on, done_on=reported)
        lines.setdefault(a.content_id, []).append(
            ActivityLine(
                key=a.key,
                title=a.text,
                content=next(c.number for c in contents if c.id == a.content_id),
                leads=expand(r["lead"]),
                partners=expand(r["partner"]),
                window_start=a.window_start,
                due=due,
                state=a.state,
                assigned=days.get((a.key, "assign")),
                reported=reported,
                accepted=days.get((a.key, "accept")),
                on_time=on_time(reported, due),
                completed=a.state in DONE,
                evidence=tuple(evidence.get(a.id, ())),
                status=status.status.value,
                days_late=status.days_late,
                planned_due=a.window_end if due != a.window_end else None,
            )
        )
    sections = tuple(ContentSection(c.number, c.title, tuple(lines.get(c.id, ()))) for c in contents)
    all_lines = [line for sec in sections for line in sec.activities]
    names = dict(session.exec(select(UnitRow.code, UnitRow.name)).all())
    units = sorted({u for line in all_lines for u in line.leads})
    totals = tuple(
        _totals(u, names.get(u) or u, [line for line in all_lines if u in line.leads], held_on) for u in units
    )
    weights = weights_of(plan.spec)
    scores = score_units(
        parts_of([line for line in all_lines if line.key != phase.review_activity], asked_to_explain(session, plan.id)),
        weights,
        names,
    )
    return ReviewReport(
        scores=tuple(scores),
        score_weights=weights,
        plan_code=plan.code,
        plan_number=plan.number,
        plan_title=plan.title,
        issuer=plan.issuer,
        kind=phase.review_kind or "",
        title=phase.review_title or phase.name,
        phase_number=phase.number,
        phase_name=phase.name,
        phase_start=phase.window_start,
        phase_end=phase.window_end,
        held_on=held_on,
        coordinator=plan.focal_unit,
        contents=sections,
        units=totals,
        office=office(plan, names),
        coordinator_name=unit_label(plan.focal_unit, names.get(plan.focal_unit)),
        explanations=_explanations(session, {a.id: a.key for a in acts}),
        not_completed=tuple(line.key for line in all_lines if not line.completed and line.key != phase.review_activity),
        series=tuple(tally((line.key, line.status) for line in all_lines)),
    )


def _explanations(session: Session, keys: dict[int | None, str]) -> tuple[ExplanationLine, ...]:
    """The explanations given on the report's activities, in the order they were asked."""
    rows = session.exec(
        select(ExplanationRow)
        .where(
            col(ExplanationRow.activity_id).in_(list(keys)),
            ExplanationRow.state == "answered",
        )
        .order_by(col(ExplanationRow.id))
    )
    return tuple(
        ExplanationLine(keys[r.activity_id], r.unit_code, r.asked_on, r.by, r.question, r.answered_on, r.answer or "")
        for r in rows
        if r.answered_on is not None  # always so once answered
    )


def _totals(unit: str, name: str, lines: list[ActivityLine], as_of: date) -> UnitTotals:
    return UnitTotals(
        unit=unit,
        name=name,
        activities=len(lines),
        due_unreported=sum(1 for x in lines if x.reported is None and x.state != State.CANCELLED and x.due < as_of),
        accepted=sum(1 for x in lines if x.state == State.ACCEPTED),
        reported_on_time=sum(1 for x in lines if x.on_time is True),
        reported_late=sum(1 for x in lines if x.on_time is False),
        not_reported=sum(1 for x in lines if x.reported is None and x.state != State.CANCELLED),
        cancelled=sum(1 for x in lines if x.state == State.CANCELLED),
    )


DEFAULT_PLACE = "Hà Nội"


def office(plan: PlanRow, names: dict[str, str | None]) -> Office:
    """The issuing body of the plan's reports: the plan's ``office:`` block, else what the plan and the directory
    say (the ministry from the issuer, "Bộ trưởng Bộ Y tế" -> "Bộ Y tế"; the focal unit's name and code)."""
    given = (plan.spec.get("plan") or {}).get("office") or {}
    issuer = plan.issuer
    ministry = issuer.split(" ", 2)[2] if issuer.lower().startswith("bộ trưởng ") else issuer
    leadership = names.get(plan.leadership) or plan.leadership
    symbol = given.get("symbol") or plan.focal_unit
    return Office(
        ministry=given.get("ministry") or ministry,
        unit=given.get("unit") or names.get(plan.focal_unit) or plan.focal_unit,
        symbol=symbol,
        place=given.get("place") or DEFAULT_PLACE,
        signer_title=given.get("signer_title") or t("office.signer_default"),
        signer_name=given.get("signer_name") or "",
        recipients=tuple(
            given.get("recipients") or (t("office.to_leadership", unit=leadership), t("office.archive", symbol=symbol))
        ),
    )


def review_recipients(session: Session, plan: PlanRow, day: date) -> dict[str, Role]:
    """Who receives a held review's report, with the role each receives it in: the plan's leadership, then its
    coordinating unit (once each), as they are on ``day`` (merged or renamed by then: the successor; the plan keeps its words)."""
    (leadership,), (coordinator,) = (units_on(session, (code,), day) for code in (plan.leadership, plan.focal_unit))
    return {leadership: Role.LEADERSHIP} | {coordinator: Role.COORDINATOR}  # one unit as both: the coordinator's
