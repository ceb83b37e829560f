"""Moving activities through their life cycle: the one place where an activity's state changes."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from typing import cast

import sqlalchemy as sa
from sqlalchemy.orm.attributes import set_committed_value
from sqlmodel import Session, col, select

from cchc_flow.models.rules.due import Facts, Parties
from cchc_flow.models.rules.labels import short_title
from cchc_flow.models.rules.lifecycle import next_state
from cchc_flow.models.rules.messages import t
from cchc_flow.models.rules.status import due_in_force
from cchc_flow.models.rules.successions import current_code
from cchc_flow.models.store.history import Step, append, step
from cchc_flow.models.store.id_lists import among
from cchc_flow.models.store.queries import (
    approved_extensions,
    get_plan,
    open_explanations,
    roles_by_activity,
    successors,
    unit_expander,
)
from cchc_flow.models.store.tables import ActivityRow, PhaseRow, PlanRow, TransitionRow


class ConcurrentChange(RuntimeError):
    """Someone changed the activity between reading and writing it; read it again and re-decide."""


def apply_event(
    session: Session,
    activity: ActivityRow,
    event: str,
    *,
    actor: str,
    source: str,
    note: str | None = None,
    on: date | None = None,
    **details: str | None,
) -> TransitionRow:
    """Move ``activity`` by ``event`` inside the caller's transaction and record it (``on``: the day it counts for;
    ``details``: the step's actor_label, stated_name, letter_ref, as cchc_flow.models.store.history.step takes them).

    Raises IllegalTransition when the state does not allow the event, ConcurrentChange when the stored
    state is no longer the one the caller read. Returns the recorded transition.
    """
    [row] = apply_changes(
        session, [Change(activity, (event,))], actor=actor, source=source, note=note, on=on, **details
    )
    return TransitionRow(**row)


@dataclass(frozen=True)
class Change:
    """Events to apply to one activity, in order; ``run_ids``: the Prefect flow and task runs that decided them."""

    activity: ActivityRow
    events: tuple[str, ...]
    run_ids: tuple[str | None, str | None] | None = None


def apply_changes(
    session: Session,
    changes: Sequence[Change],
    *,
    actor: str,
    source: str,
    note: str | None = None,
    on: date | None = None,
    **details: str | None,
) -> list[Step]:
    """Apply each change inside the caller's transaction and record every step, in order; all or nothing.

    Each activity moves from the state the caller read (compare-and-set: ConcurrentChange if it is no longer the
    stored one); an event its state does not allow raises IllegalTransition. Returns the recorded steps.
    """
    steps: list[Step] = []
    moves: dict[tuple[str, str], list[ActivityRow]] = {}
    for change in changes:
        row, state = change.activity, change.activity.state
        for event in change.events:
            new = next_state(state, event).value
            steps.append(
                step(
                    plan_id=row.plan_id,
                    entity="activity",
                    key=row.key,
                    event=event,
                    from_state=state,
                    to_state=new,
                    actor=actor,
                    source=source,
                    note=note,
                    on=on,
                    run_ids=change.run_ids,
                    **details,
                )
            )
            state = new
        moves.setdefault((row.state, state), []).append(row)
    for (old, new), rows in moves.items():
        result = cast(  # an UPDATE's result is a cursor result (its row count)
            sa.CursorResult,
            session.execute(
                sa.update(ActivityRow)
                .where(among(session, col(ActivityRow.id), [r.id for r in rows]), col(ActivityRow.state) == old)
                .values(state=new)
                .execution_options(synchronize_session=False)
            ),
        )
        if result.rowcount != len(rows):
            raise ConcurrentChange(t("transition.concurrent", id=", ".join(r.key for r in rows)))
        for r in rows:  # as stored already: the session is not to write it again, row by row, when it flushes
            set_committed_value(r, "state", new)
    append(session, steps)
    return steps


@dataclass(frozen=True)
class ActivityView:
    """An activity as the phase flow sees it: its facts for deciding and the words for messages."""

    id: int
    facts: Facts
    title: str
    details: dict


@dataclass(frozen=True)
class PhaseView:
    plan_id: int
    plan_code: str
    plan_number: str
    plan_title: str
    phase_number: int
    phase_name: str
    start: date
    end: date
    parties: Parties
    activities: tuple[ActivityView, ...]


def get_phase(session: Session, plan: PlanRow, number: int) -> PhaseRow:
    """Phase ``number`` of ``plan``; LookupError (naming the phases there are) when it has none."""
    phase = session.exec(select(PhaseRow).where(PhaseRow.plan_id == plan.id, PhaseRow.number == number)).first()
    if phase is None:
        numbers = session.exec(select(PhaseRow.number).where(PhaseRow.plan_id == plan.id)).all()
        raise LookupError(t("phase.unknown", plan=plan.code, phase=number, known=", ".join(map(str, numbers))))
    return phase


def phase_view(session: Session, plan_code: str, phase_number: int, today: date | None = None) -> PhaseView:
    """Everything a phase run as of ``today`` needs (each activity's due date the one in force that day; None: the
    latest approved), read in a few queries."""
    plan = get_plan(session, plan_code)
    phase = get_phase(session, plan, phase_number)
    reminders = plan.spec.get("reminders", {})
    now = successors(session, today)  # the plan's coordinator and leadership as they are that day
    parties = Parties(
        coordinator=current_code(plan.focal_unit, now),
        leadership=current_code(plan.leadership, now),
        reminder_days=tuple(reminders.get("before_due_days", (30, 7, 1))),
        escalate_after_days=reminders.get("escalate_after_days", 30),
    )
    expand = unit_expander(session, plan.id, today)  # units as they are that day: a merger counts from its since
    roles = roles_by_activity(session, plan.id, on=today)
    A = ActivityRow
    rows = session.execute(  # sqlmodel's select() is typed for up to four columns
        sa.select(
            col(A.id),
            col(A.key),
            col(A.state),
            col(A.window_start),
            col(A.window_end),
            col(A.text),  # columns: fewer objects
        )
        .where(col(A.phase_id) == phase.id, col(A.in_plan))
        .order_by(col(A.content_id), col(A.position))
    ).all()
    asked = open_explanations(session, plan.id)
    approved = approved_extensions(session, plan.id)
    views = []
    for id_, key, state, start, planned_end, text in rows:
        end = due_in_force(planned_end, approved.get(key, ()), today or date.max)  # an approved extension's
        r = roles.get(id_, {"lead": [], "partner": []})
        leads = expand(r["lead"])
        facts = Facts(
            key=key,
            state=state,
            start=start,
            end=end,
            leads=leads,
            partners=tuple(p for p in expand(r["partner"]) if p not in leads),
            explanations=asked.get(id_, ()),
        )
        title = short_title(text)
        details = {
            "phase": phase.name,
            "title": text,
            "start": start.isoformat(),
            "end": end.isoformat(),
            "leads": list(leads),
        }
        if end != planned_end:  # reminders, overdue and escalation notices are planned anew for the new date
            details["extended"] = planned_end.isoformat()
        views.append(ActivityView(id_, facts, title, details))
    return PhaseView(
        plan.id,
        plan.code,
        plan.number,
        plan.title,
        phase.number,
        phase.name,
        phase.window_start,
        phase.window_end,
        parties,
        tuple(views),
    )
