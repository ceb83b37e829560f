"""The morning digest: each unit gets one message a day with everything waiting for it, across all plans.

Deciding is pure (models/rules/digests.py: who gets what, models/rules/quiet.py: when); the record is the
database (one ``digest`` row per unit and day, its key unique: two runs racing send one digest); sending goes
through the same path as every message (flows/delivery.py, models/notify/sending.py).
"""

from __future__ import annotations

from collections.abc import Collection
from concurrent.futures import ThreadPoolExecutor
from datetime import date, datetime
from functools import partial

import pendulum
import sqlalchemy as sa
from prefect import flow
from sqlalchemy.dialects import postgresql, sqlite
from sqlmodel import Session, col, select

from cchc_flow.flows.delivery import UnitDelivery, UnitJob, configured_quiet, routes, send_unit, unit_result
from cchc_flow.models.notify.notices import (
    Digest,
    compose_morning_digest,
    delivered_routes,
    record_outcomes,
    take,
)
from cchc_flow.models.notify.routes import routes_for
from cchc_flow.models.notify.senders import sender_name
from cchc_flow.models.rules.calendar import TZ
from cchc_flow.models.rules.digests import Waiting, digest_key, is_urgent, morning_digests, urgent_activities
from cchc_flow.models.store.db import session, write_transaction
from cchc_flow.models.store.tables import DigestRow, NotificationRow, PlanRow, UnitRow, table_of


def send_morning_digests(
    moment: datetime | None = None,
    units: Collection[str] | None = None,
    sender: str | None = None,
    flow_run_id: str | None = None,
) -> list[UnitDelivery]:
    """Send each unit (of ``units`` if given) its digest of the day at ``moment`` (local time; default now), unless
    it is quiet time or the unit's digest of the day was sent already. Returns what was sent, by unit."""
    moment = moment or pendulum.now(TZ)
    sender = sender_name(sender)
    config = routes()
    quiet = configured_quiet()
    today = moment.date()
    with session() as s:
        with write_transaction(s):
            query = select(NotificationRow).where(NotificationRow.status == "pending")
            if units is not None:
                query = query.where(col(NotificationRow.recipient).in_(list(units)))
            rows = s.exec(query.order_by(col(NotificationRow.id))).all()
            plans = {p.id: p for p in s.exec(select(PlanRow).where(col(PlanRow.id).in_({n.plan_id for n in rows})))}
            urgent = {pid: urgent_activities(p.spec) for pid, p in plans.items()}
            waiting = [Waiting(n.id, n.recipient, is_urgent(n.entity, n.entity_key, urgent[n.plan_id])) for n in rows]
            sent_today = set(s.exec(select(DigestRow.unit).where(DigestRow.day == today)))
            chosen = morning_digests(waiting, moment, quiet, sent_today)
            by_id = {n.id: n for n in rows}
            unit_rows = {u.code: u for u in s.exec(select(UnitRow).where(col(UnitRow.code).in_(list(chosen))))}
            names = dict(s.exec(select(UnitRow.code, UnitRow.name)).all())
            jobs: list[UnitJob] = []
            for code, ids in chosen.items():
                if not _record_digest(s, code, today, ids, sender):
                    continue  # another sender has today's digest of this unit
                got = take(s, ids, sender)
                if not got.taken:
                    s.execute(sa.delete(DigestRow).where(col(DigestRow.key) == digest_key(code, today)))
                    continue
                s.execute(
                    sa.update(DigestRow)
                    .where(col(DigestRow.key) == digest_key(code, today))
                    .values(notification_ids=got.taken)
                )
                unit = unit_rows[code]
                jobs.append(
                    UnitJob(
                        unit,
                        [by_id[i] for i in got.taken],
                        got.in_doubt,
                        delivered_routes(s, got.taken),
                        sorted({r for tag in unit.tags for r in routes_for(config, tag)}),
                    )
                )
        if not jobs:
            return []
        with ThreadPoolExecutor(max_workers=min(len(jobs), 32), thread_name_prefix="cchc-digest") as pool:
            finished = list(
                pool.map(lambda job: send_unit(job, partial(_compose, job, plans, today, names), config), jobs)
            )
        with write_transaction(s):
            record_outcomes(
                s,
                [n for job in finished for n in job.items],
                {n.id: job.routes for job in finished for n in job.items},
                {k: o for job in finished for k, o in job.outcomes.items()},
                flow_run_id,
            )
    errors = [job.error for job in jobs if job.error is not None]
    if errors:
        raise errors[0]
    return sorted((unit_result(job) for job in finished), key=lambda r: r.unit)


def _record_digest(s: Session, unit: str, day: date, ids: list[int], sender: str) -> bool:
    """Insert the unit's digest of ``day``; False when it exists (sent, or being sent, by someone else)."""
    insert = postgresql.insert if s.get_bind().dialect.name == "postgresql" else sqlite.insert
    row = {"key": digest_key(unit, day), "unit": unit, "day": day, "notification_ids": ids, "sender": sender}
    result = s.execute(
        insert(table_of(DigestRow))
        .values(**row, created_at=pendulum.now("UTC"))
        .on_conflict_do_nothing(index_elements=["key"])
        .returning(table_of(DigestRow).c.id)
    )
    return result.first() is not None


def _compose(
    job: UnitJob, plans: dict[int, PlanRow], today: date, names: dict[str, str | None], batch: list[NotificationRow]
) -> Digest:
    """One unit's morning message for ``batch``: its items under their plans."""
    by_plan: dict[int, list[NotificationRow]] = {}
    for n in batch:
        by_plan.setdefault(n.plan_id, []).append(n)
    return compose_morning_digest(
        unit_code=job.unit.code,
        unit_name=job.unit.name,
        plans=[(plans[pid].number, plans[pid].title, ns) for pid, ns in sorted(by_plan.items())],
        today=today,
        names=names,
    )


@flow(name="morning-digest", persist_result=False, log_prints=False)
def morning_digest_flow(at: str | None = None) -> list[UnitDelivery]:
    """Send the morning digests (``at``: "YYYY-MM-DD HH:MM" local time, for replays; default now)."""
    moment = pendulum.from_format(at, "YYYY-MM-DD HH:mm", tz=TZ) if at else None
    return send_morning_digests(moment)
