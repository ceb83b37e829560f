"""The prologue the coordinator's follow-up steps share (extensions, explanations, reassignment): the day, refusals
recorded, one write transaction, the plan and activity, and who acts, checked."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date

from sqlmodel import Session

from cchc_flow.models.rules.messages import t
from cchc_flow.models.services.access import acting_unit, check_coordinator, refusals_recorded
from cchc_flow.models.services.actions import _activity, _today, resolve_plan
from cchc_flow.models.services.auth import Principal
from cchc_flow.models.store.db import write_transaction
from cchc_flow.models.store.tables import ActivityRow, PlanRow


@dataclass(frozen=True)
class FollowUp:
    """A follow-up step under way: its plan, activity, the acting unit and the day it is recorded for."""

    plan: PlanRow
    act: ActivityRow
    code: str  # the unit acting for itself, or the coordinator's unit
    today: date


@contextmanager
def follow_up(
    session: Session,
    principal: Principal,
    plan_code: str | None,
    key: str,
    event: str,
    *,
    today: date | None,
    stated_name: str | None,
    source: str,
    unit: str | None = None,
    coordinator: bool = False,
    by: str | None = None,
) -> Iterator[FollowUp]:
    """Inside one write transaction whose refusals are recorded: the plan and activity ``key``, and who acts: the
    plan's coordinator (``coordinator``; ``by`` as check_coordinator takes it) or a unit for itself (``unit`` as
    acting_unit takes it). ``event`` names the step (messages' ``event.<event>``)."""
    day = today or _today()
    what = t(f"event.{event}")
    with (
        refusals_recorded(session, principal, what, stated_name=stated_name, source=source, today=day),
        write_transaction(session),
    ):
        plan = resolve_plan(session, plan_code)
        act = _activity(session, plan, key)
        state = act.state
        if coordinator:
            code = check_coordinator(principal, plan, by, what, entity="activity", key=key, state=state)
        else:
            code = acting_unit(principal, unit, what, plan_id=plan.id, entity="activity", key=key, state=state)
        yield FollowUp(plan, act, code, day)
