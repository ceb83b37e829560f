"""The phase flow: one task per activity decides and records what is due; then each unit gets one digest."""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import date

from prefect import flow, tags, task
from prefect.artifacts import create_table_artifact
from prefect.cache_policies import NO_CACHE
from prefect.context import FlowRunContext
from prefect.futures import wait

from flows.delivery import (DeliveryFailed, UnitDelivery, check_routes, pending_count, routes, send_to_unit,
                            units_with_pending)
from models.activities import ActivityView, ConcurrentChange, apply_event, phase_view
from models.calendar import today as resolve_today
from models.db import session, write_transaction
from models.due import Parties, decide
from models.messages import t
from models.notices import enqueue, notification_key, unqueued
from models.settings import get_settings
from models.tables import ActivityRow

SYSTEM_ACTOR = "cchc-flow"


@dataclass
class ActivityOutcome:
    key: str
    title: str
    leads: list[str]
    end: str
    state: str
    events: list[str] = field(default_factory=list)
    queued: int = 0


@dataclass
class PhaseRunSummary:
    plan: str
    phase: int
    phase_name: str
    as_of: str
    flow_run_id: str | None
    activities: list[ActivityOutcome]
    deliveries: list[UnitDelivery]
    pending: int


@task(name="activity", task_run_name="{view.facts.key} {view.title}", cache_policy=NO_CACHE)
def activity_task(plan_id: int, plan_code: str, parties: Parties, view: ActivityView, today: date) -> ActivityOutcome:
    """Decide what is due for one activity as of ``today``; record its transitions and queue its messages."""
    return reconcile_activity(plan_id, plan_code, parties, view, today)


def reconcile_activity(plan_id: int, plan_code: str, parties: Parties, view: ActivityView, today: date,
                       attempts: int = 3) -> ActivityOutcome:
    """The body of an activity task: decide on the stored state, apply it, queue the messages (idempotently)."""
    facts = view.facts
    outcome = ActivityOutcome(facts.key, view.title, list(facts.leads), facts.end.isoformat(), facts.state)
    decision = decide(facts, today, parties)
    if decision.empty:
        return outcome
    ctx = FlowRunContext.get()
    run_id = str(ctx.flow_run.id) if ctx and ctx.flow_run else None
    for attempt in range(attempts):
        try:
            with session() as s, write_transaction(s):
                row = s.get(ActivityRow, view.id, with_for_update=True)
                assert row is not None
                if row.state != facts.state:  # changed since the flow read it: decide again on what is stored
                    decision = decide(replace(facts, state=row.state), today, parties)
                for event in decision.events:
                    apply_event(s, row, event, actor=SYSTEM_ACTOR, source="flow", on=today)
                queued = enqueue(s, plan_id=plan_id, plan_code=plan_code, entity="activity",
                                 entity_key=facts.key, messages=decision.messages, as_of=today, details=view.details,
                                 flow_run_id=run_id)
            outcome.state, outcome.events, outcome.queued = row.state, [str(e) for e in decision.events], queued
            return outcome
        except ConcurrentChange:
            if attempt == attempts - 1:
                raise
    return outcome


@task(name="notify-unit", task_run_name="notify {unit}", cache_policy=NO_CACHE,
      retry_condition_fn=lambda task, run, state: _is_delivery_failure(state))
def notify_unit_task(plan_id: int, unit: str, today: date) -> UnitDelivery:
    """Deliver one unit's digest on each of its routes (Prefect retries the routes that failed)."""
    ctx = FlowRunContext.get()
    run_id = str(ctx.flow_run.id) if ctx and ctx.flow_run else None
    return send_to_unit(plan_id, unit, today, sender=run_id, flow_run_id=run_id)


def _is_delivery_failure(state) -> bool:  # type: ignore[no-untyped-def]
    try:
        state.result()
    except DeliveryFailed:
        return True
    except Exception:
        return False
    return False


def deliver_pending(plan_id: int, today: date) -> list[UnitDelivery]:
    """Submit one delivery task per unit with something pending; units are delivered concurrently."""
    with session() as s:
        units = units_with_pending(s, plan_id)
    if units:
        routes()  # load the routes file once, before the unit threads start
    delays = list(get_settings().retry_delays)
    notify = notify_unit_task.with_options(retries=len(delays), retry_delay_seconds=delays or 0)
    futures = {u: notify.submit(plan_id, u, today) for u in units}
    wait(list(futures.values()))
    out = []
    for unit, fut in futures.items():
        state = fut.state
        if state.is_completed():
            out.append(fut.result())
        else:
            out.append(UnitDelivery(unit, 0, failed_routes=[t("delivery.pending")]))
    return out


@flow(name="phase", flow_run_name="{plan} · {phase} · {as_of}", persist_result=False, log_prints=False)
def phase_flow(plan: str, phase: int, as_of: str | None = None) -> PhaseRunSummary:
    """Reconcile one phase with the calendar as of ``as_of`` (default: today in Asia/Ho_Chi_Minh) and end."""
    check_routes()  # an unusable routes file stops the run before anything is recorded
    today = resolve_today(as_of)
    with session() as s:
        view = phase_view(s, plan, phase)
    # Lead units tag the flow run, not each task run: Prefect 3.9 checks tag concurrency limits for every tagged
    # task run, about 1 s per distinct tag set inside a flow on the local API (README, "Prefect notes").
    outcomes = [activity_task(view.plan_id, view.plan_code, view.parties, act, today) for act in view.activities]
    deliveries = deliver_pending(view.plan_id, today)
    with session() as s:
        left = pending_count(s, view.plan_id)
    ctx = FlowRunContext.get()
    summary = PhaseRunSummary(plan, phase, view.phase_name, today.isoformat(),
                              str(ctx.flow_run.id) if ctx and ctx.flow_run else None, outcomes, deliveries, left)
    create_table_artifact(
        key=f"{plan}-phase-{phase}"[:100], table=[{
            "id": o.key, "title": o.title, "lead": ", ".join(o.leads), "due": o.end, "state": o.state,
            "events": ", ".join(o.events), "queued": o.queued} for o in outcomes],
        description=t("artifact.phase", plan=plan, phase=view.phase_name, date=today.isoformat()))
    return summary


def phase_has_work(plan: str, phase: int, today: date) -> bool:
    """Whether a phase run as of ``today`` would change anything: a transition, a new message, or a pending one."""
    with session() as s:
        view = phase_view(s, plan, phase)
        keys = []
        for act in view.activities:
            decision = decide(act.facts, today, view.parties)
            if decision.events:
                return True
            keys += [notification_key(plan, act.facts.key, m.notice, m.recipient, m.offset) for m in decision.messages]
        return bool(unqueued(s, keys)) or pending_count(s, view.plan_id) > 0


def run_phase(plan: str, phase: int, as_of: str | None = None) -> PhaseRunSummary:
    """Run the phase flow under the phase's own name (as the coordinator sees it in the Prefect UI).

    Raises RoutesInvalid before any run starts when the routes file (CCHC_NOTIFY_CONFIG) cannot be used.
    """
    check_routes()
    with session() as s:
        view = phase_view(s, plan, phase)
    name = view.phase_name
    from flows.runtime import quiet_prefect

    with quiet_prefect(), tags(plan, f"phase-{phase}"):
        return phase_flow.with_options(name=name)(plan=plan, phase=phase, as_of=as_of)

