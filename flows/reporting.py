"""The reporting flow: periodic reports (6-monthly, yearly) reminded before their due date, missing ones listed after."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from prefect import flow, tags, task
from prefect.cache_policies import NO_CACHE
from prefect.context import FlowRunContext
from prefect.states import State

from cchc_flow.flows.delivery import pending_count
from cchc_flow.flows.phase import day_off_state, deliver_pending
from cchc_flow.flows.running.naming import REPORTS, reports_label, reports_run_name
from cchc_flow.flows.running.runtime import quiet_prefect, settle
from cchc_flow.models.notify.notices import enqueue, notification_key, unqueued
from cchc_flow.models.rules.calendar import run_day as resolve_today
from cchc_flow.models.services.periodic import period_details, periodic_due, plan_periods, reporters, submitted
from cchc_flow.models.store.db import session, write_transaction
from cchc_flow.models.store.queries import get_plan


@dataclass
class ReportingOutcome:
    plan: str
    as_of: str
    queued: int
    reminders: list[str]
    missing: dict[str, list[str]]


@task(name="periodic-reports", task_run_name="{plan} periodic reports", cache_policy=NO_CACHE)
def reconcile_reports(plan: str, today: date, flow_run_id: str | None = None) -> ReportingOutcome:
    """Queue what is due for every period of the plan as of ``today`` (idempotently)."""
    outcome = ReportingOutcome(plan, today.isoformat(), 0, [], {})
    with session() as s, write_transaction(s):
        row = get_plan(s, plan)
        done = submitted(s, row.id, today)  # each unit, the recipient too, as it is today (a successor's code)
        all_periods = plan_periods(s, row, today)
        for duty in dict.fromkeys(p.duty for p in all_periods):
            owing = reporters(s, row, duty, today)
            for period, message in periodic_due([p for p in all_periods if p.duty == duty], owing, done, today):
                missing = [u for u in owing if (period.duty, period.label, u) not in done]
                details = period_details(period, to=period.to, unit=message.recipient, missing=missing)
                outcome.queued += enqueue(
                    s,
                    plan_id=row.id,
                    plan_code=plan,
                    entity="report",
                    entity_key=f"{period.duty}/{period.label}",
                    messages=[message],
                    as_of=today,
                    details=details,
                    flow_run_id=flow_run_id,
                )
                if message.notice == "report_missing":
                    outcome.missing[period.label] = missing
                else:
                    outcome.reminders.append(f"{period.label}:{message.recipient}")
    return outcome


@flow(name=REPORTS, flow_run_name=reports_run_name, persist_result=False)
def reporting_flow(plan: str, as_of: str | None = None, skip_days_off: bool = False) -> ReportingOutcome | State:
    """Remind units of periodic reports due and list the missing ones to the recipient, as of ``as_of``.
    ``skip_days_off`` (set by the deployments' schedules): on a weekend or holiday, end at once, recording nothing."""
    today = resolve_today(as_of)
    if skip_days_off and (off := day_off_state(today)):
        return off
    ctx = FlowRunContext.get()
    outcome = reconcile_reports(plan, today, str(ctx.flow_run.id) if ctx and ctx.flow_run else None)
    with session() as s:
        deliver_pending(get_plan(s, plan).id, today)
    return outcome


def reporting_has_work(plan: str, today: date) -> bool:
    """Whether a reporting run as of ``today`` would queue anything new or has something pending."""
    with session() as s:
        row = get_plan(s, plan)
        done = submitted(s, row.id, today)
        all_periods = plan_periods(s, row, today)
        keys = [
            notification_key(plan, f"{p.duty}/{p.label}", m.notice, m.recipient, m.offset)
            for duty in dict.fromkeys(p.duty for p in all_periods)
            for p, m in periodic_due(
                [p for p in all_periods if p.duty == duty], reporters(s, row, duty, today), done, today
            )
        ]
        return bool(unqueued(s, keys)) or pending_count(s, row.id) > 0


def run_reporting(plan: str, as_of: str | None = None) -> ReportingOutcome:
    """Run the reporting flow in this process, its run named and tagged with the plan's reports title."""

    with quiet_prefect():
        with tags(*reports_label(plan).tags):
            state = reporting_flow(plan=plan, as_of=as_of, return_state=True)
        settle(str(state.state_details.flow_run_id) if state.state_details.flow_run_id else None)
    outcome = state.result()
    assert isinstance(outcome, ReportingOutcome)  # a State only when skip_days_off skips the day
    return outcome
