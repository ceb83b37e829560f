"""Notifications in doubt: a sender stopped between sending and recording the answer, so nobody knows whether the
unit got them. They are not sent again automatically; the coordinator asks the unit, then resends or confirms.
"""

from __future__ import annotations

from datetime import date

import pendulum
import sqlalchemy as sa
from sqlmodel import Session, col, select

from cchc_flow.models.notify.notices import Outcome, delivered_routes, record_outcomes
from cchc_flow.models.notify.routes import routes_for
from cchc_flow.models.notify.routes_file import routes
from cchc_flow.models.rules.calendar import TZ
from cchc_flow.models.rules.messages import t
from cchc_flow.models.services.access import acted_by, check_coordinator, refusals_recorded, who
from cchc_flow.models.services.auth import Principal
from cchc_flow.models.store.db import write_transaction
from cchc_flow.models.store.history import record
from cchc_flow.models.store.tables import NotificationRow, PlanRow, UnitRow


class NoticeInputError(ValueError):
    """Unknown notification id."""


def _doubtful(session: Session, notice_id: int) -> tuple[NotificationRow, PlanRow]:
    n = session.get(NotificationRow, notice_id)
    if n is None:
        raise NoticeInputError(t("notice.unknown", id=notice_id))
    plan = session.get(PlanRow, n.plan_id)
    assert plan is not None
    return n, plan


def _in_doubt_for_coordinator(
    session: Session, principal: Principal, notice_id: int, what: str
) -> tuple[NotificationRow, PlanRow]:
    """The notification (still in doubt) and its plan, once the principal is checked to be its coordinator."""
    n, plan = _doubtful(session, notice_id)
    check_coordinator(principal, plan, None, what, entity="notification", key=str(n.id), state=n.status)
    if n.status != "doubt":
        raise NoticeInputError(t("notice.not_doubt", id=n.id, status=n.status))
    return n, plan


def resend(
    session: Session,
    *,
    principal: Principal,
    notice_id: int,
    stated_name: str | None = None,
    source: str = "cli",
    today: date | None = None,
) -> NotificationRow:
    """Put a notification in doubt back in the queue (the coordinator decided a repeat is better than a gap)."""
    today = today or pendulum.now(TZ).date()
    what = t("notice.what_resend")
    with (
        refusals_recorded(session, principal, what, stated_name=stated_name, source=source, today=today),
        write_transaction(session),
    ):
        n, plan = _in_doubt_for_coordinator(session, principal, notice_id, what)
        session.execute(
            sa.update(NotificationRow)
            .where(col(NotificationRow.id) == n.id, col(NotificationRow.status) == "doubt")
            .values(status="pending", claimed_by=None, claimed_until=None)
            .execution_options(synchronize_session=False)
        )
        record(
            session,
            plan_id=plan.id,
            entity="notification",
            key=str(n.id),
            event="resend",
            from_state="doubt",
            to_state="pending",
            source=source,
            on=today,
            note=f"{who(principal)}: {n.key}",
            **acted_by(principal, stated_name),
        )
    return n


def confirm(
    session: Session,
    *,
    principal: Principal,
    notice_id: int,
    routes: list[str],
    stated_name: str | None = None,
    source: str = "cli",
    today: date | None = None,
) -> NotificationRow:
    """Record that the unit did receive a notification in doubt: delivered on ``routes`` (the unit's routes)."""
    today = today or pendulum.now(TZ).date()
    what = t("notice.what_confirm")
    with (
        refusals_recorded(session, principal, what, stated_name=stated_name, source=source, today=today),
        write_transaction(session),
    ):
        n, plan = _in_doubt_for_coordinator(session, principal, notice_id, what)
        done = delivered_routes(session, [n.id])[n.id]
        outcomes = {(n.id, r): Outcome(r, True, None) for r in routes if r not in done}
        record_outcomes(session, [n], {n.id: routes}, outcomes, None)
        record(
            session,
            plan_id=plan.id,
            entity="notification",
            key=str(n.id),
            event="confirm",
            from_state="doubt",
            to_state="sent",
            source=source,
            on=today,
            note=t("notice.confirm_error", who=who(principal)) + f": {n.key}",
            **acted_by(principal, stated_name),
        )
    return n


def unit_routes(session: Session, unit_code: str) -> list[str]:
    """The masked routes of a unit in the current routes file."""
    unit = session.get(UnitRow, unit_code)
    config = routes()
    return sorted({r for tag in (unit.tags if unit else []) for r in routes_for(config, tag)})


def notices(session: Session, plan: PlanRow, status: str | None = None) -> list[NotificationRow]:
    query = select(NotificationRow).where(NotificationRow.plan_id == plan.id)
    if status:
        query = query.where(NotificationRow.status == status)
    return list(session.exec(query.order_by(col(NotificationRow.id))))
