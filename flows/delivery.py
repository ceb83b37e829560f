"""Sending queued notifications: one digest per unit and route, recorded per route, retried by Prefect."""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Collection, Iterator
from concurrent.futures import FIRST_COMPLETED, ThreadPoolExecutor, wait
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

import apprise
import pendulum
import sqlalchemy as sa
from sqlmodel import Session, col, select

from cchc_flow.flows.running.gc_pause import collections_deferred
from cchc_flow.models.notify import sending
from cchc_flow.models.notify.notices import (
    Digest,
    Outcome,
    compose_digest,
    delivered_routes,
    hold,
    pending,
    pending_units,
    record_outcomes,
    take,
)
from cchc_flow.models.notify.routes import routes_for
from cchc_flow.models.notify.routes_file import routes
from cchc_flow.models.notify.senders import sender_name
from cchc_flow.models.notify.sending import RouteResult
from cchc_flow.models.rules.calendar import TZ
from cchc_flow.models.rules.digests import Waiting, is_urgent, sent_at_once, urgent_activities
from cchc_flow.models.rules.messages import t
from cchc_flow.models.rules.quiet import Quiet, parse_quiet_hours, send_moment
from cchc_flow.models.store.anchors import anchor_lines
from cchc_flow.models.store.attachments import original_name
from cchc_flow.models.store.db import session, write_transaction
from cchc_flow.models.store.killpoints import kill_point
from cchc_flow.models.store.tables import NotificationRow, PlanRow, UnitRow
from cchc_flow.settings import get_settings


class DeliveryFailed(RuntimeError):
    """At least one route refused a message; raised after recording, so that Prefect retries the rest."""


@dataclass
class UnitDelivery:
    unit: str
    notifications: int
    sent: int = 0
    failed_routes: list[str] = field(default_factory=list)
    unrouted: bool = False
    doubtful: int = 0  # in doubt: an earlier run may have sent them; not sent again (see deliver)


@dataclass
class UnitJob:
    """One unit's share of a delivery: what was claimed for it, and on which routes it is still missing."""

    unit: UnitRow
    items: list[NotificationRow]
    in_doubt: dict[int, str]
    done: dict[int, set[str]]
    routes: list[str]
    outcomes: dict[tuple[int, str], Outcome] = field(default_factory=dict)
    error: Exception | None = None
    anchors: list[str] = field(default_factory=list)  # the history's chain heads, in the leadership's messages and
    # those about periodic reports (models/store/anchors.py)


def deliver(
    plan_id: int,
    today: date,
    units: Collection[str] | None = None,
    sender: str | None = None,
    flow_run_id: str | None = None,
) -> list[UnitDelivery]:
    """Deliver the plan's pending notifications (of ``units`` if given): one message per unit and route.

    One transaction claims everything (the claim, committed before sending, is the record of the attempt; it names
    this process, models/notify/senders.py); the units are then sent to concurrently, up to CCHC_NOTIFY_WORKERS at once,
    by threads that do not touch the database; each answer is recorded as soon as it comes, the answers that
    arrived together in one transaction. Notifications whose earlier claim belongs to a sender that stopped before
    recording its answer are *in doubt*: they are sent again only on routes where a repeat is harmless (the
    outbox: same key, same file), and otherwise recorded as in doubt for the coordinator to resend or confirm.
    Failed routes are reported in the result (they stay pending); an unexpected error is raised once every
    answer received has been recorded. The collector makes no automatic pass meanwhile (gc_pause.py).
    """
    with collections_deferred():
        return _deliver(plan_id, today, units, sender, flow_run_id)


def _deliver(
    plan_id: int, today: date, units: Collection[str] | None, sender: str | None, flow_run_id: str | None
) -> list[UnitDelivery]:
    sender = sender_name(sender)
    config = routes()
    with session() as s:
        with write_transaction(s):
            plan = s.get(PlanRow, plan_id)
            assert plan is not None
            queued = pending(s, plan_id, units)
            if get_settings().notify_digests == "morning":  # the rest waits for the units' morning digests
                queued = _urgent_only(queued, plan)
            else:  # in quiet hours or on a day off, the rest waits for the first run after them
                queued = _held_in_quiet_time(s, queued, plan, today)
            got = take(s, [n.id for ns in queued.values() for n in ns], sender)
            done = delivered_routes(s, got.taken)
            unit_rows = {u.code: u for u in s.exec(select(UnitRow).where(col(UnitRow.code).in_(list(queued))))}
            names = dict(s.exec(select(UnitRow.code, UnitRow.name)).all())  # every unit a message may name
            taken = set(got.taken)
            jobs = []
            for code, ns in queued.items():
                items = [n for n in ns if n.id in taken]
                if not items:
                    continue
                unit = unit_rows[code]
                unit_routes = sorted({r for tag in unit.tags for r in routes_for(config, tag)})
                witness = code == plan.leadership or any(n.entity == "report" for n in items)
                jobs.append(
                    UnitJob(
                        unit,
                        items,
                        got.in_doubt,
                        done,
                        unit_routes,
                        anchors=anchor_lines(s, plan_id, plan.code) if witness else [],
                    )
                )
            unrouted = [j for j in jobs if not j.routes]
            for job in unrouted:  # nothing to send: said on each notification, which stays pending
                record_outcomes(
                    s,
                    job.items,
                    {},
                    {},
                    flow_run_id,
                    unrouted_error=t(
                        "unrouted", tags=", ".join(job.unit.tags) or "—", config=get_settings().notify_config
                    ),
                )
        results = [UnitDelivery(j.unit.code, len(j.items), unrouted=True) for j in unrouted]
        jobs = [j for j in jobs if j.routes]
        if not jobs:
            return results
        kill_point("claimed")
        workers = min(len(jobs), notify_workers())
        with ThreadPoolExecutor(max_workers=workers, thread_name_prefix="cchc-unit") as pool:
            waiting = {pool.submit(send_unit, job, _plan_digest(job, plan, today, names), config) for job in jobs}
            while waiting:
                wait(waiting, return_when=FIRST_COMPLETED)
                answered, waiting = wait(waiting, timeout=RECORD_EVERY)  # the answers that came meanwhile too
                finished = [f.result() for f in answered]
                with write_transaction(s):  # what was sent is recorded; the claims of the rest are given back
                    record_outcomes(
                        s,
                        [n for job in finished for n in job.items],
                        {n.id: job.routes for job in finished for n in job.items},
                        {k: o for job in finished for k, o in job.outcomes.items()},
                        flow_run_id,
                    )
                kill_point("answers-recorded")
                results += [unit_result(job) for job in finished]
    errors = [job.error for job in jobs if job.error is not None]
    if errors:
        raise errors[0]
    return sorted(results, key=lambda r: r.unit)


def _urgent_only(queued: dict[str, list[NotificationRow]], plan: PlanRow) -> dict[str, list[NotificationRow]]:
    """The notifications a run sends itself when units get morning digests: those its plan marks urgent."""
    urgent = urgent_activities(plan.spec)
    now = set(
        sent_at_once(
            [
                Waiting(n.id, n.recipient, is_urgent(n.entity, n.entity_key, urgent))
                for ns in queued.values()
                for n in ns
            ]
        )
    )
    return {unit: kept for unit, ns in queued.items() if (kept := [n for n in ns if n.id in now])}


def configured_quiet() -> Quiet:
    """The quiet hours and days off of the settings (CCHC_QUIET_HOURS, CCHC_DAYS_OFF)."""
    settings = get_settings()
    return parse_quiet_hours(settings.quiet_hours, settings.days_off)


def _held_in_quiet_time(
    s: Session, queued: dict[str, list[NotificationRow]], plan: PlanRow, today: date
) -> dict[str, list[NotificationRow]]:
    """What a run as of ``today`` sends when it is quiet time (send_moment): the urgent items only; each item held
    says until when (hold), and stays pending for the first run after the quiet time."""
    quiet = configured_quiet()
    moment = send_moment(today, pendulum.now(TZ), quiet)
    if quiet.allows(moment):
        return queued
    now = _urgent_only(queued, plan)
    sent = {n.id for ns in now.values() for n in ns}
    until = quiet.next_allowed(moment).strftime("%H:%M %d/%m/%Y")
    hold(s, [n.id for ns in queued.values() for n in ns if n.id not in sent], t("quiet.held", until=until))
    return now


RECORD_EVERY = 0.05  # seconds: answers are recorded at least this often, those that came together at once


def notify_workers() -> int:
    """How many units are sent to at once (CCHC_NOTIFY_WORKERS)."""
    return get_settings().notify_workers


def _plan_digest(
    job: UnitJob, plan: PlanRow, today: date, names: dict[str, str | None]
) -> Callable[[list[NotificationRow]], Digest]:
    """How one unit's message about one plan is composed."""
    return lambda batch: compose_digest(
        plan_number=plan.number,
        plan_title=plan.title,
        unit_code=job.unit.code,
        unit_name=job.unit.name,
        items=batch,
        today=today,
        names=names,
        anchors=job.anchors,
    )


def send_unit(
    job: UnitJob, compose: Callable[[list[NotificationRow]], Digest], config: apprise.AppriseConfig
) -> UnitJob:
    """Compose and send one unit's messages (no database here); outcomes and any error are kept on the job."""
    try:
        for batch, group in _batches(job.items, job.in_doubt, job.routes, job.done, job.outcomes):
            digest = compose(batch)
            attach = [
                (Path(p), original_name(p)) for n in batch for p in n.details.get("attach", []) if Path(p).is_file()
            ]
            results: dict[str, RouteResult] = {}
            for tag in job.unit.tags:  # a route carrying two of the unit's tags is sent to once
                left = [r for r in group if r not in results]
                if left:
                    results.update(
                        (r.route, r)
                        for r in sending.deliver(
                            config,
                            tag,
                            digest.title,
                            digest.body,
                            only=left,
                            html=digest.html,
                            attach=list(dict.fromkeys(attach)),
                            key=batch_key(batch),
                        )
                    )
            kill_point("sent")
            for r in results.values():
                for n in batch:
                    job.outcomes[(n.id, r.route)] = Outcome(r.route, r.ok, r.error)
    except Exception as exc:  # recorded by the caller with what was sent before it
        job.error = exc
    return job


def unit_result(job: UnitJob) -> UnitDelivery:
    outcomes = job.outcomes
    failed = {k for k, o in outcomes.items() if not o.ok}  # a route with no outcome was delivered before
    return UnitDelivery(
        job.unit.code,
        len(job.items),
        sent=sum(1 for n in job.items if not any((n.id, r) in failed for r in job.routes)),
        failed_routes=sorted({o.route for o in outcomes.values() if not o.ok and not o.doubt}),
        doubtful=len({nid for (nid, _), o in outcomes.items() if o.doubt}),
    )


def batch_key(batch: list[NotificationRow]) -> str:
    """The delivery key of one message: the same notifications always give the same key (a repeat is recognised)."""
    return "n" + hashlib.sha256("\n".join(sorted(n.key for n in batch)).encode()).hexdigest()[:20]


def repeat_is_harmless(route: str) -> bool:
    """Routes that recognise a message sent again under the same key: the outbox writes it once."""
    return route.startswith("outbox://")


def _batches(
    items: list[NotificationRow],
    in_doubt: dict[int, str],
    unit_routes: list[str],
    done: dict[int, set[str]],
    outcomes: dict[tuple[int, str], Outcome],
) -> Iterator[tuple[list[NotificationRow], list[str]]]:
    """(notifications, routes) to send together: routes still missing the same items get one message.

    Items in doubt keep the grouping of the sender that claimed them (so an outbox repeat has the same key); on
    routes where a repeat is not harmless they are recorded in ``outcomes`` as in doubt and not sent.
    """
    groups: dict[str | None, list[NotificationRow]] = {}
    for n in items:
        groups.setdefault(in_doubt.get(n.id), []).append(n)
    for holder, group in groups.items():
        by_items: dict[tuple[int, ...], list[str]] = {}
        for route in unit_routes:
            missing = tuple(n.id for n in group if route not in done[n.id])
            if not missing:
                continue
            if holder is not None and not repeat_is_harmless(route):
                for nid in missing:
                    outcomes[(nid, route)] = Outcome(
                        route, False, t("delivery.in_doubt", id=nid, holder=holder), doubt=True
                    )
                continue
            by_items.setdefault(missing, []).append(route)
        for missing, routes_ in by_items.items():
            yield [n for n in group if n.id in missing], routes_


def deliver_now(plan_id: int, units: tuple[str, ...], today: date) -> list[str]:
    """Send the queued notifications of ``units`` at once (after a unit's or coordinator's action).

    Returns the problems; what failed stays queued for the next flow run.
    """
    return [
        t("delivery.failed", unit=d.unit, routes=", ".join(d.failed_routes))
        for d in deliver(plan_id, today, units=units)
        if d.failed_routes
    ]


def units_with_pending(s: Session, plan_id: int) -> list[str]:
    """Units that have something waiting to be delivered for this plan."""
    return pending_units(s, plan_id)


def pending_count(s: Session, plan_id: int) -> int:
    """How many notifications of the plan are waiting to be delivered."""
    return s.exec(
        select(sa.func.count()).where(NotificationRow.plan_id == plan_id, NotificationRow.status == "pending")
    ).one()
