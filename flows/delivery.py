"""Sending queued notifications: one digest per unit and route, recorded per route, retried by Prefect."""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import date
from functools import lru_cache
from pathlib import Path

import apprise
from sqlmodel import Session, select

from flows.channels import deliver, load_routes, routes_for
from models.db import session, write_transaction
from models.messages import t
from models.notices import Outcome, claim, compose_digest, delivered_routes, pending, record_outcomes
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


@lru_cache(maxsize=4)
def _routes(path: str, mtime: float) -> apprise.AppriseConfig:
    return load_routes(path)


def routes() -> apprise.AppriseConfig:
    """The Apprise routes from CCHC_NOTIFY_CONFIG (default: config/notify.example.yaml, the local outbox)."""
    path = get_settings().notify_config
    return _routes(str(path), Path(path).stat().st_mtime)


def send_to_unit(plan_id: int, unit_code: str, today: date, sender: str | None = None,
                 flow_run_id: str | None = None) -> UnitDelivery:
    """Deliver the unit's pending notifications as one message per route; raise DeliveryFailed if a route failed."""
    sender = sender or uuid.uuid4().hex
    config = routes()
    with session() as s:
        with write_transaction(s):
            plan = s.get(PlanRow, plan_id)
            unit = s.get(UnitRow, unit_code)
            assert plan is not None and unit is not None
            queued = pending(s, plan_id).get(unit_code, [])
            ids = claim(s, [n.id for n in queued], sender)  # type: ignore[misc]
            items = [n for n in queued if n.id in ids]
            done = delivered_routes(s, ids)
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
        # routes that still miss the same items get one message together
        by_items: dict[tuple[int, ...], list[str]] = {}
        for route in unit_routes:
            missing = tuple(n.id for n in items if route not in done[n.id])  # type: ignore[index]
            if missing:
                by_items.setdefault(missing, []).append(route)
        for missing, group in by_items.items():
            batch = [n for n in items if n.id in missing]
            title, body = compose_digest(plan_number=plan.number, plan_title=plan.title, unit_code=unit.code,
                                         unit_name=unit.name or unit.code, items=batch, today=today)
            attach = [Path(p) for n in batch for p in n.details.get("attach", []) if Path(p).is_file()]
            results = [r for tag in unit.tags
                       for r in deliver(config, tag, title, body, attach=list(dict.fromkeys(attach)), only=group)]
            for r in {r.route: r for r in results}.values():
                for n in batch:
                    outcomes[(n.id, r.route)] = Outcome(r.route, r.ok, r.error)  # type: ignore[index]
        with write_transaction(s):
            record_outcomes(s, items, unit_routes, outcomes, flow_run_id)
        result.failed_routes = sorted({o.route for o in outcomes.values() if not o.ok})
        result.sent = sum(1 for n in items if all(outcomes.get((n.id, r), Outcome(r, True, None)).ok  # type: ignore[arg-type]
                                                  for r in unit_routes))
    if result.failed_routes:
        raise DeliveryFailed(t("delivery.failed", unit=unit_code, routes=", ".join(result.failed_routes)))
    return result


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
    return sorted(pending(s, plan_id))


def pending_count(s: Session, plan_id: int) -> int:
    return len(s.exec(select(NotificationRow.id).where(NotificationRow.plan_id == plan_id,
                                                       NotificationRow.status == "pending")).all())
