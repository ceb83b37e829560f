"""The phase flow: one task per activity decides what is due, one task records it all; then each unit gets one
digest."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from functools import cache

from prefect import flow, tags, task
from prefect.cache_policies import NO_CACHE
from prefect.context import FlowRunContext, TagsContext, TaskRunContext
from prefect.states import Completed, State
from prefect.utilities.annotations import quote

from cchc_flow.flows.delivery import (
    DeliveryFailed,
    UnitDelivery,
    deliver,
    pending_count,
    units_with_pending,
)
from cchc_flow.flows.running.gc_pause import collections_deferred
from cchc_flow.flows.running.naming import PHASE, phase_label, phase_run_name, plain, task_run_name
from cchc_flow.flows.running.runtime import quiet_prefect, settle
from cchc_flow.flows.running.tables import post_table
from cchc_flow.models.notify.notices import message_key, unqueued
from cchc_flow.models.notify.routes_file import check_routes
from cchc_flow.models.rules.calendar import day_off
from cchc_flow.models.rules.calendar import run_day as resolve_today
from cchc_flow.models.rules.due import Facts, Parties, decide
from cchc_flow.models.rules.messages import current_lang, t
from cchc_flow.models.services.activities import PhaseView, get_phase, phase_view
from cchc_flow.models.services.reconcile import Decided, Recorded, record_decisions
from cchc_flow.models.services.series import due_items, open_items
from cchc_flow.models.store.db import session
from cchc_flow.models.store.queries import get_plan
from cchc_flow.settings import get_settings


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


@task(name="activity", task_run_name="{key} {title}", cache_policy=NO_CACHE)
def activity_task(key: str, title: str, facts: Facts, parties: Parties, today: date) -> Decided:
    """Decide what is due for one activity as of ``today`` (pure: models/rules/due.py); the record task writes it."""
    ctx = TaskRunContext.get()
    return Decided(facts, decide(facts, today, parties), str(ctx.task_run.id) if ctx else None)


@task(name="open", cache_policy=NO_CACHE)
def open_task(plan: str, phase: int, today: date) -> list[str]:
    """Store the items of recurring and per-unit activities whose periods opened by ``today`` (idempotent); returns
    the keys of those whose period had already ended when the plan was loaded (opened all the same, flagged)."""
    with session() as s:
        return [i.key for i in open_items(s, plan, phase, today) if i.opened_late]


@task(name="record", cache_policy=NO_CACHE)
def record_task(view: PhaseView, decided: list[Decided], today: date) -> dict[str, Recorded]:
    """Record every activity's transitions and queue its messages, in one transaction (models/services/reconcile.py)."""
    with session() as s:
        return record_decisions(s, view, decided, today, flow_run_id=_flow_run_id())


@task(name="deliver", cache_policy=NO_CACHE, retry_condition_fn=lambda task, run, state: _is_delivery_failure(state))
def deliver_task(plan_id: int, today: date, attempts: list[list[UnitDelivery]]) -> list[UnitDelivery]:
    """Deliver what is pending, one digest per unit and route; Prefect retries while a route fails (the next
    attempt sends only what is still missing). Each attempt's results are appended to ``attempts``."""
    run_id = _flow_run_id()
    results = deliver(plan_id, today, sender=run_id, flow_run_id=run_id)
    attempts.append(results)
    failed = [d for d in results if d.failed_routes]
    if failed:
        raise DeliveryFailed(
            "; ".join(t("delivery.failed", unit=d.unit, routes=", ".join(d.failed_routes)) for d in failed)
        )
    return results


def day_off_state(today: date) -> State | None:
    """The final state of a scheduled run on a day off (Completed, saying why), or None on a working day."""
    why = day_off(today)
    if why is None:
        return None
    return Completed(message=t("run.day_off", day=today.strftime("%d/%m/%Y"), why=why or t("run.weekend")))


def _flow_run_id() -> str | None:
    ctx = FlowRunContext.get()
    return str(ctx.flow_run.id) if ctx and ctx.flow_run else None


def _is_delivery_failure(state: State) -> bool:
    try:
        state.result()
    except DeliveryFailed:
        return True
    except Exception:
        return False
    return False


def deliver_pending(plan_id: int, today: date) -> list[UnitDelivery]:
    """Run the delivery task (with CCHC_NOTIFY_RETRY_DELAYS as its retries) and merge its attempts by unit."""
    with session() as s:
        if not units_with_pending(s, plan_id):
            return []
    delays = list(get_settings().notify_retry_delays)
    attempts: list[list[UnitDelivery]] = []
    task_ = deliver_task.with_options(
        retries=len(delays), retry_delay_seconds=delays or 0, task_run_name=task_run_name("deliver")
    )
    state = task_(plan_id, today, quote(attempts), return_state=True)
    merged = merge_attempts(attempts)
    if not state.is_completed() and not any(d.failed_routes for d in merged.values()):
        with session() as s:  # stopped by an unexpected error: what is still pending is said so
            for unit in units_with_pending(s, plan_id):
                merged.setdefault(unit, UnitDelivery(unit, 0)).failed_routes.append(t("delivery.pending"))
    return [merged[u] for u in sorted(merged)]


def merge_attempts(attempts: list[list[UnitDelivery]]) -> dict[str, UnitDelivery]:
    """One result per unit over the delivery attempts: counts added up, failed routes as the last attempt left them."""
    out: dict[str, UnitDelivery] = {}
    for results in attempts:
        for d in results:
            m = out.setdefault(d.unit, UnitDelivery(d.unit, 0))
            m.notifications = max(m.notifications, d.notifications)
            m.sent += d.sent
            m.doubtful += d.doubtful
            m.unrouted = d.unrouted
            m.failed_routes = list(d.failed_routes)
    return out


@flow(name=PHASE, flow_run_name=phase_run_name, persist_result=False, log_prints=False)
def phase_flow(plan: str, phase: int, as_of: str | None = None, skip_days_off: bool = False) -> PhaseRunSummary | State:
    """Reconcile one phase with the calendar as of ``as_of`` (default: today in Asia/Ho_Chi_Minh) and end.
    ``skip_days_off`` (set by the deployments' schedules): on a weekend or holiday, end at once, recording nothing."""
    today = resolve_today(as_of)
    if skip_days_off and (off := day_off_state(today)):
        return off
    check_routes()  # an unusable routes file stops the run before anything is recorded
    with collections_deferred():  # the run's objects live until it ends: the collector's passes would find them alive
        return reconcile_phase(plan, phase, today)


def reconcile_phase(plan: str, phase: int, today: date) -> PhaseRunSummary:
    """The body of the phase flow on a working day: open the periods that began, decide and record each activity,
    then deliver what is pending."""
    with session() as s:
        plan_row = get_plan(s, plan)
        has_series = bool(due_items(s, plan_row, get_phase(s, plan_row, phase), today))
    late: set[str] = set()
    if has_series:  # recurring and per-unit activities: their newly opened periods first
        with TagsContext(current_tags=set()):
            late = set(open_task.with_options(task_run_name=task_run_name("open"))(plan, phase, today))
    with session() as s:
        view = phase_view(s, plan, phase, today)
    # No task run is tagged: Prefect 3.9 checks tag concurrency limits for every tagged task run, about 1 s each
    # inside a flow on the local API (README, "Prefect notes").
    parties = quote(view.parties)  # quoted: Prefect does not walk through them on every call
    with TagsContext(current_tags=set()):  # the flow run's tags are not the task runs' (README, "Prefect notes")
        # task run names without accents: the run graph cannot draw Vietnamese letters (flows/running/naming.py)
        # Prefect unwraps quote() arguments before the task runs; its Task types do not say so
        decided = [
            activity_task(a.facts.key, plain(a.title), quote(a.facts), parties, today)  # type: ignore[call-overload]
            for a in view.activities
        ]
        recorded = record_task.with_options(task_run_name=task_run_name("record"))(
            quote(view),  # type: ignore[call-overload]
            quote(decided),
            today,
        )
        outcomes = [
            ActivityOutcome(
                a.facts.key,
                a.title,
                list(a.facts.leads),
                a.facts.end.isoformat(),
                recorded[a.facts.key].state,
                (["opened_late"] if a.facts.key in late else []) + recorded[a.facts.key].events,
                recorded[a.facts.key].queued,
            )
            for a in view.activities
        ]
        # The run's table goes to the API beside the run (flows/running/tables.py): the API is still recording the
        # activity tasks, and its answer would otherwise be waited for at the end of every run.
        post_table(
            f"{plan}-phase-{phase}"[:100],
            artifact_table(outcomes),
            t("artifact.phase", plan=plan, phase=view.phase_name, date=today.strftime("%d/%m/%Y")),
        )
        deliveries = deliver_pending(view.plan_id, today)
    with session() as s:
        left = pending_count(s, view.plan_id)
    return PhaseRunSummary(plan, phase, view.phase_name, today.isoformat(), _flow_run_id(), outcomes, deliveries, left)


def artifact_table(outcomes: list[ActivityOutcome]) -> list[dict[str, object]]:
    """The run's table for the Prefect UI, in the configured language: words for states and events, dd/mm/yyyy."""
    lang = current_lang()

    @cache  # a few words, each looked up once per table (1,200 rows for a series of 100 units x 12 months)
    def words(key: str) -> str:
        return t(key, lang)

    cols = [words(k) for k in ("col.id", "col.activity", "col.lead", "col.due", "col.state", "artifact.events")]
    queued = words("artifact.queued")
    return [
        {
            cols[0]: o.key,
            cols[1]: o.title,
            cols[2]: ", ".join(o.leads),
            cols[3]: date.fromisoformat(o.end).strftime("%d/%m/%Y"),
            cols[4]: words(f"state.{o.state}"),
            cols[5]: ", ".join(words(f"event.{e}") for e in o.events),
            queued: o.queued,
        }
        for o in outcomes
    ]


def phase_has_work(plan: str, phase: int, today: date) -> bool:
    """Whether a phase run as of ``today`` would change anything: a transition, a new message, or a pending one."""
    with session() as s:
        plan_row = get_plan(s, plan)
        if due_items(s, plan_row, get_phase(s, plan_row, phase), today):
            return True
        view = phase_view(s, plan, phase, today)
        keys = []
        for act in view.activities:
            decision = decide(act.facts, today, view.parties)
            if decision.events:
                return True
            keys += [message_key(plan, act.facts.key, m, act.details) for m in decision.messages]
        return bool(unqueued(s, keys)) or pending_count(s, view.plan_id) > 0


def run_phase(plan: str, phase: int, as_of: str | None = None) -> PhaseRunSummary:
    """Run the phase flow in this process, its run named and tagged with the phase's title (flows/running/naming.py).

    Raises RoutesInvalid before any run starts when the routes file (CCHC_NOTIFY_CONFIG) cannot be used.
    """
    check_routes()
    with quiet_prefect():
        with tags(*phase_label(plan, phase).tags):
            summary = phase_flow(plan=plan, phase=phase, as_of=as_of)
        assert isinstance(summary, PhaseRunSummary)  # a State only when skip_days_off skips the day
        # its task runs: one per activity, the record task, and the delivery task when something was pending
        settle(summary.flow_run_id, len(summary.activities) + 1 + bool(summary.deliveries))
    return summary
