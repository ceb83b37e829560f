"""Requests for explanation (yêu cầu giải trình): on an overdue or returned activity the coordinator asks a lead
unit to explain by a date; the unit answers (text, files). An unanswered request is escalated to the leadership
as overdue work is, by the phase flow's pure due logic (models/rules/due.py). The answers are the activity's evidence,
so the review reports list them."""

from __future__ import annotations

from datetime import date
from pathlib import Path

from sqlmodel import Session, select

from cchc_flow.models.rules.due import Role
from cchc_flow.models.rules.messages import t
from cchc_flow.models.services.access import (
    ASKABLE,
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
    roles_of,
)
from cchc_flow.models.services.auth import Principal
from cchc_flow.models.services.follow_up import follow_up
from cchc_flow.models.store.attachments import check_files
from cchc_flow.models.store.history import record
from cchc_flow.models.store.queries import current_unit
from cchc_flow.models.store.tables import ExplanationRow


def _d(day: date) -> str:
    return day.strftime("%d/%m/%Y")


def ask_problem(
    *, state: str, unit: str, leads: tuple[str, ...], by: date, today: date, already_open: bool
) -> str | None:
    """Why the coordinator may not ask ``unit`` to explain an activity in ``state`` by ``by`` (a pure rule)."""
    if state not in ASKABLE:
        return t("explain.bad_state", state=t(f"state.{state}"), allowed=", ".join(t(f"state.{s}") for s in ASKABLE))
    if unit not in leads:
        return t("explain.not_lead", unit=unit, leads=", ".join(leads) or "—")
    if by < today:
        return t("explain.past", by=_d(by), today=_d(today))
    if already_open:
        return t("explain.already", unit=unit)
    return None


def ask_explanation(
    session: Session,
    *,
    principal: Principal,
    plan_code: str | None,
    key: str,
    unit: str,
    by: date,
    question: str,
    stated_name: str | None = None,
    source: str = "cli",
    today: date | None = None,
) -> ActionResult:
    """The coordinator asks lead ``unit`` to explain the activity by ``by``; the unit is told."""
    question = _need(question, "--note")
    with follow_up(
        session,
        principal,
        plan_code,
        key,
        "explanation_asked",
        today=today,
        stated_name=stated_name,
        source=source,
        coordinator=True,
    ) as f:
        plan, act, code, today = f.plan, f.act, f.code, f.today
        unit = current_unit(session, unit)  # a former code: the unit it is today
        leads, _ = roles_of(session, plan, act)
        already = session.exec(
            select(ExplanationRow).where(
                ExplanationRow.activity_id == act.id, ExplanationRow.unit_code == unit, ExplanationRow.state == "open"
            )
        ).first()
        problem = ask_problem(
            state=act.state, unit=unit, leads=leads, by=by, today=today, already_open=already is not None
        )
        if problem:
            raise Refusal(plan.id, "activity", key, act.state, t("explain.refused", id=key, reason=problem))
        row = ExplanationRow(
            plan_id=plan.id,
            activity_id=act.id,
            unit_code=unit,
            question=question,
            by=by,
            asked_on=today,
        )
        session.add(row)
        record(
            session,
            plan_id=plan.id,
            entity="activity",
            key=key,
            event="explanation_asked",
            from_state=act.state,
            to_state=act.state,
            source=source,
            on=today,
            note=t("explain.note_asked", unit=code, to=unit, by=_d(by), text=question),
            **acted_by(principal, stated_name),
        )
        details = _details(session, act, unit=code, text=question, by=_d(by))
        told = _notify(
            session, plan, act, "explanation_asked", (unit,), Role.LEAD, _sequence(session, act), details, today
        )
        return ActionResult(plan.id, key, act.state, told)


def give_explanation(
    session: Session,
    *,
    principal: Principal,
    plan_code: str | None,
    key: str,
    unit: str | None = None,
    text: str,
    attachments: list[Path] = (),  # type: ignore[assignment]
    stated_name: str | None = None,
    source: str = "cli",
    today: date | None = None,
) -> ActionResult:
    """The unit asked answers, with text and files; the coordinator is told."""
    text = _need(text, "--text")
    check_files(list(attachments))
    with follow_up(
        session,
        principal,
        plan_code,
        key,
        "explanation_given",
        today=today,
        stated_name=stated_name,
        source=source,
        unit=unit,
    ) as f:
        plan, act, code, today = f.plan, f.act, f.code, f.today
        row = session.exec(
            select(ExplanationRow).where(
                ExplanationRow.activity_id == act.id,
                ExplanationRow.unit_code.in_(principal.codes or (code,)),  # type: ignore[attr-defined]
                ExplanationRow.state == "open",
            )
        ).first()
        facts = ActivityFacts(key, act.state, plan.focal_unit, (), explaining=frozenset([code] if row else []))
        if problem := unit_refusal("explain", code, facts):
            raise Refusal(plan.id, "activity", key, act.state, problem)
        assert row is not None
        row.state, row.answer, row.answered_on = "answered", text, today
        session.add(row)
        step = record(
            session,
            plan_id=plan.id,
            entity="activity",
            key=key,
            event="explanation_given",
            from_state=act.state,
            to_state=act.state,
            source=source,
            on=today,
            note=f"{code}: {text}",
            **acted_by(principal, stated_name),
        )
        session.flush()
        _record_evidence(session, plan, act, code, "explanation", text, list(attachments), step)
        details = _details(session, act, unit=code, text=text)
        told = _notify(
            session,
            plan,
            act,
            "explanation_given",
            (plan.focal_unit,),
            Role.COORDINATOR,
            _sequence(session, act),
            details,
            today,
        )
        return ActionResult(plan.id, key, act.state, told)
