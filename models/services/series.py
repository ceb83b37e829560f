"""Opening the items of recurring and per-unit activities as their periods open (idempotent, re-entrant).

What items exist and which are open as of a day is decided by models/rules/recurrence.py; this module reads the
series and the groups, and inserts the items that are missing, each with its units, in one transaction.
"""

from __future__ import annotations

from datetime import date

import pendulum
import sqlalchemy as sa
from sqlmodel import Session, col, select

from cchc_flow.models.rules.calendar import TZ
from cchc_flow.models.rules.recurrence import Item, items, open_as_of
from cchc_flow.models.store.db import write_transaction
from cchc_flow.models.store.queries import expand_groups, get_plan
from cchc_flow.models.store.tables import ActivityRow, ActivityUnitRow, PhaseRow, PlanRow, SeriesRow, TransitionRow


def loaded_on(session: Session, plan: PlanRow) -> date:
    """The day the plan was first loaded: the day its "loaded" step counts for (a replay's first day)."""
    day = session.exec(
        select(col(TransitionRow.effective_day)).where(
            TransitionRow.plan_id == plan.id, TransitionRow.entity == "plan", TransitionRow.event == "loaded"
        )
    ).first()
    return day or pendulum.instance(plan.loaded_at).in_tz(TZ).date()


def due_items(session: Session, plan: PlanRow, phase: PhaseRow, today: date) -> list[tuple[SeriesRow, Item]]:
    """The items of the phase's series that are open as of ``today`` and not yet stored."""
    series = session.exec(
        select(SeriesRow).where(SeriesRow.phase_id == phase.id, SeriesRow.in_plan).order_by(col(SeriesRow.id))
    ).all()
    if not series:
        return []
    groups = expand_groups(session, plan.id)
    stored = set(
        session.exec(
            select(ActivityRow.key).where(ActivityRow.phase_id == phase.id, col(ActivityRow.series_id).isnot(None))
        )
    )
    first = loaded_on(session, plan)
    out = []
    for s in series:
        members = groups.get(s.for_each, ()) if s.for_each else None
        every = items(s.key, s.window_start, s.window_end, s.cadence, members)  # type: ignore[arg-type]
        out += [(s, i) for i in open_as_of(every, today, first) if i.key not in stored]
    return out


def open_items(session: Session, plan_code: str, phase_number: int, today: date) -> list[Item]:
    """Store the items that opened by ``today`` (planned, like any activity: the phase run then assigns them);
    returns them. Running it again for the same day stores nothing; a run that stored the same items at the same
    moment (PostgreSQL: the unique key refuses the second) leaves nothing more to store."""
    try:
        return _open(session, plan_code, phase_number, today)
    except sa.exc.IntegrityError:
        return _open(session, plan_code, phase_number, today)


def _open(session: Session, plan_code: str, phase_number: int, today: date) -> list[Item]:
    from cchc_flow.models.services.activities import get_phase

    with write_transaction(session):
        plan = get_plan(session, plan_code)
        todo = due_items(session, plan, get_phase(session, plan, phase_number), today)
        if not todo:
            return []
        # Two statements for all the items (a phase of 100 units x 12 months opens 1,200 at once): the items, then
        # their units, with the new ids the first one returns in the order of its parameters.
        ids = session.scalars(
            sa.insert(ActivityRow).returning(col(ActivityRow.id), sort_by_parameter_order=True),
            [
                dict(
                    plan_id=plan.id,
                    phase_id=s.phase_id,
                    content_id=s.content_id,
                    key=item.key,
                    position=s.position,
                    text=s.text,
                    window_start=item.start,
                    window_end=item.end,
                    window_as_written=item.period or s.window_as_written,
                    funding=s.funding,
                    series_id=s.id,
                    period=item.period,
                    member=item.member,
                    opened_late=item.opened_late,
                    state="planned",
                    in_plan=True,
                )
                for s, item in todo
            ],
        ).all()
        units = [
            dict(activity_id=id_, position=position, **role)
            for id_, (s, item) in zip(ids, todo, strict=True)
            for position, role in enumerate(_roles(s, item))
        ]
        if units:
            session.execute(sa.insert(ActivityUnitRow), units)
    return [item for _, item in todo]


def _roles(s: SeriesRow, item: Item) -> list[dict[str, str]]:
    """The item's units: the series' own, or, for a member's share, the member as lead (in the group's words)."""
    if item.member is None:
        return [dict(r) for r in s.roles]
    group = next(r for r in s.roles if r["role"] == "lead" and r["unit_code"] == s.for_each)
    partners = [dict(r) for r in s.roles if r["role"] == "partner" and r["unit_code"] != item.member]
    return [{"role": "lead", "unit_code": item.member, "as_written": group["as_written"]}, *partners]
