"""Sending queued notifications: one digest per unit and route, recorded per route, retried by Prefect."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from datetime import date
from functools import lru_cache
from pathlib import Path

import apprise
from sqlmodel import Session, select

from flows.channels import RouteResult, deliver, load_routes, routes_for, validate_routes
from models.db import session, write_transaction
from models.messages import t
from models.notices import (Outcome, compose_digest, delivered_routes, pending, pending_units, record_outcomes,
                            take)
from models.senders import sender_name
from models.settings import get_settings
from models.tables import NotificationRow, PlanRow, UnitRow


class DeliveryFailed(RuntimeError):
    """At least one route refused a message; raised after recording, so that Prefect retries the rest."""


@dataclass
class UnitDelivery:
    unit: str
    notifications: int
    sent: int = 0
    failed_routes: list[str] = field(default_factory=list)
    unrouted: bool = False
    doubtful: int = 0          # in doubt: an earlier run may have sent them; not sent again (see send_to_unit)


@lru_cache(maxsize=4)
def _routes(path: str, mtime: float) -> apprise.AppriseConfig:
    return load_routes(path)


class RoutesInvalid(ValueError):
    """The routes file cannot be used; the message names the file and each bad line, URLs masked."""


@lru_cache(maxsize=4)
def _route_problems(path: str, mtime: float) -> tuple[str, ...]:
    return tuple(validate_routes(path))


def check_routes() -> None:
    """Refuse (RoutesInvalid) a routes file that is missing or has an invalid Apprise URL, before anything runs."""
    path = get_settings().notify_config
    try:
        mtime = Path(path).stat().st_mtime
    except OSError:
        mtime = -1.0
    problems = _route_problems(str(path), mtime) if mtime >= 0 else tuple(validate_routes(path))
    if problems:
        raise RoutesInvalid(t("routes.invalid", path=path, problems="; ".join(problems)))


def routes() -> apprise.AppriseConfig:
    """The Apprise routes from CCHC_NOTIFY_CONFIG (default: config/notify.example.yaml, the local outbox)."""
    path = get_settings().notify_config
    return _routes(str(path), Path(path).stat().st_mtime)


def send_to_unit(plan_id: int, unit_code: str, today: date, sender: str | None = None,
                 flow_run_id: str | None = None) -> UnitDelivery:
    """Deliver the unit's pending notifications as one message per route; raise DeliveryFailed if a route failed.

    The claim taken (and committed) before sending is the record of the attempt; it names this process
    (models/senders.py). Notifications whose earlier claim belongs to a sender that stopped before recording
    its answer are *in doubt*: they are sent again only on routes where a repeat is harmless (the outbox: same
    key, same file), and otherwise recorded as in doubt for the coordinator to resend or confirm.
    """
    sender = sender_name(sender)
    config = routes()
    with session() as s:
        with write_transaction(s):
            plan = s.get(PlanRow, plan_id)
            unit = s.get(UnitRow, unit_code)
            assert plan is not None and unit is not None
            queued = pending(s, plan_id, unit_code).get(unit_code, [])
            got = take(s, [n.id for n in queued], sender)  # type: ignore[misc]
            items = [n for n in queued if n.id in got.taken]
            done = delivered_routes(s, got.taken)
        result = UnitDelivery(unit_code, len(items))
        if not items:
            return result
        unit_routes = sorted({r for tag in unit.tags for r in routes_for(config, tag)})
        if not unit_routes:
            with write_transaction(s):
                record_outcomes(s, items, [], {}, flow_run_id,
                                unrouted_error=t("unrouted", tags=", ".join(unit.tags) or "—",
                                                 config=get_settings().notify_config))
            result.unrouted = True
            return result
        outcomes: dict[tuple[int, str], Outcome] = {}
        batches = list(_batches(items, got.in_doubt, unit_routes, done, outcomes))  # in doubt: decided first
        try:
            for batch, group in batches:
                title, body = compose_digest(plan_number=plan.number, plan_title=plan.title, unit_code=unit.code,
                                             unit_name=unit.name or unit.code, items=batch, today=today)
                attach = [Path(p) for n in batch for p in n.details.get("attach", []) if Path(p).is_file()]
                results: dict[str, RouteResult] = {}
                for tag in unit.tags:  # a route carrying two of the unit's tags is sent to once
                    left = [r for r in group if r not in results]
                    if left:
                        results.update((r.route, r) for r in deliver(config, tag, title, body, only=left,
                                                                     attach=list(dict.fromkeys(attach)),
                                                                     key=batch_key(batch)))
                for r in results.values():
                    for n in batch:
                        outcomes[(n.id, r.route)] = Outcome(r.route, r.ok, r.error)  # type: ignore[index]
        except Exception:
            with write_transaction(s):  # what was sent is recorded; the claims of the rest are given back
                record_outcomes(s, items, unit_routes, outcomes, flow_run_id)
            raise
        with write_transaction(s):
            record_outcomes(s, items, unit_routes, outcomes, flow_run_id)
        result.failed_routes = sorted({o.route for o in outcomes.values() if not o.ok and not o.doubt})
        result.doubtful = len({nid for (nid, _), o in outcomes.items() if o.doubt})
        result.sent = sum(1 for n in items if all(outcomes.get((n.id, r), Outcome(r, True, None)).ok  # type: ignore[arg-type]
                                                  for r in unit_routes))
    if result.failed_routes:
        raise DeliveryFailed(t("delivery.failed", unit=unit_code, routes=", ".join(result.failed_routes)))
    return result


def batch_key(batch: list[NotificationRow]) -> str:
    """The delivery key of one message: the same notifications always give the same key (a repeat is recognised)."""
    return "n" + hashlib.sha256("\n".join(sorted(n.key for n in batch)).encode()).hexdigest()[:20]


def repeat_is_harmless(route: str) -> bool:
    """Routes that recognise a message sent again under the same key: the outbox writes it once."""
    return route.startswith("outbox://")


def _batches(items: list[NotificationRow], in_doubt: dict[int, str], unit_routes: list[str],
             done: dict[int, set[str]], outcomes: dict[tuple[int, str], Outcome]):  # type: ignore[no-untyped-def]
    """(notifications, routes) to send together: routes still missing the same items get one message.

    Items in doubt keep the grouping of the sender that claimed them (so an outbox repeat has the same key); on
    routes where a repeat is not harmless they are recorded in ``outcomes`` as in doubt and not sent.
    """
    groups: dict[str | None, list[NotificationRow]] = {}
    for n in items:
        groups.setdefault(in_doubt.get(n.id), []).append(n)  # type: ignore[arg-type]
    for holder, group in groups.items():
        by_items: dict[tuple[int, ...], list[str]] = {}
        for route in unit_routes:
            missing = tuple(n.id for n in group if route not in done[n.id])  # type: ignore[index]
            if not missing:
                continue
            if holder is not None and not repeat_is_harmless(route):
                for nid in missing:
                    outcomes[(nid, route)] = Outcome(route, False, t("delivery.in_doubt", id=nid, holder=holder),
                                                     doubt=True)
                continue
            by_items.setdefault(missing, []).append(route)
        for missing, routes_ in by_items.items():
            yield [n for n in group if n.id in missing], routes_


def deliver_now(plan_id: int, units: tuple[str, ...], today: date) -> list[str]:
    """Send the queued notifications of ``units`` at once (after a unit's or coordinator's action).

    Returns the problems; what failed stays queued for the next flow run.
    """
    problems = []
    for unit in units:
        try:
            send_to_unit(plan_id, unit, today)
        except DeliveryFailed as exc:
            problems.append(str(exc))
    return problems


def units_with_pending(s: Session, plan_id: int) -> list[str]:
    """Units that have something waiting to be delivered for this plan."""
    return pending_units(s, plan_id)


def pending_count(s: Session, plan_id: int) -> int:
    return len(s.exec(select(NotificationRow.id).where(NotificationRow.plan_id == plan_id,
                                                       NotificationRow.status == "pending")).all())
