"""Starting a run "now" (the CLI's `phase run`, the portal's run buttons): through the work pool when a Prefect server
is configured and `cchc deploy` wrote the deployment, one run per plan, run and date (an idempotency key: a double
click, or two portal processes, start one run); in this process otherwise."""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, cast
from uuid import UUID

from cchc_flow.flows.running.naming import PHASE, REPORTS, REVIEW
from cchc_flow.flows.running.runtime import on_ephemeral_api
from cchc_flow.models.rules.calendar import today
from cchc_flow.models.rules.messages import t
from cchc_flow.models.store.audit_runs import recorded_runs
from cchc_flow.models.store.db import session
from cchc_flow.models.store.queries import get_plan
from cchc_flow.settings import get_settings

if TYPE_CHECKING:
    from prefect.client.schemas.responses import DeploymentResponse

POLL_SECONDS = 1.0  # how often a run's state is read while waiting for it


@dataclass(frozen=True)
class PoolRun:
    """A run started through the work pool, as it ended (or as it stood when the wait ran out)."""

    flow_run_id: str
    state: str  # Prefect's state name: Completed, Failed, Crashed, Scheduled (no worker took it) …
    message: str  # the state's message (a failed run's reason)
    final: bool

    @property
    def completed(self) -> bool:
        return self.state == "Completed"


def deployment_name(kind: str, plan: str, phase: int | None) -> str:
    """The full name `cchc deploy` gives the deployment of this run (flows/running/deployments.py)."""
    if kind == REPORTS:
        return f"{REPORTS}/{plan}-periodic-reports"
    return f"{kind}/{plan}-{kind}-{phase}"


def idempotency_key(kind: str, plan: str, phase: int | None, day: str) -> str:
    """One run per plan, kind, phase and date."""
    return f"{plan}/{kind}-{phase}/{day}" if kind != REPORTS else f"{plan}/{REPORTS}/{day}"


def pool_deployment(kind: str, plan: str, phase: int | None) -> DeploymentResponse | None:
    """The deployment to run through the pool, or None: no Prefect server configured, or not deployed."""
    if on_ephemeral_api():
        return None
    # deferred: Prefect loads only when it is called; every `cchc` command imports this module
    from prefect.client.orchestration import get_client
    from prefect.exceptions import ObjectNotFound

    with get_client(sync_client=True) as client:
        try:
            return client.read_deployment_by_name(deployment_name(kind, plan, phase))
        except ObjectNotFound:
            return None


def run_through_pool(
    kind: str, plan: str, phase: int | None, as_of: str | None, timeout: float | None = None
) -> PoolRun:
    """Start (or join, same key) the deployment's run for ``as_of`` (default: today in Asia/Ho_Chi_Minh) and wait
    for it to end, at most ``timeout`` seconds (default: CCHC_RUN_TIMEOUT)."""
    return wait_for_run(start_through_pool(kind, plan, phase, as_of), timeout)


def start_through_pool(kind: str, plan: str, phase: int | None, as_of: str | None) -> str:
    """Start (or join, same key) the deployment's run for ``as_of`` without waiting: its flow-run id."""
    # deferred: Prefect loads only when it is called; every `cchc` command imports this module
    from prefect.client.schemas.objects import FlowRun
    from prefect.deployments import run_deployment

    day = today(as_of).isoformat()
    parameters: dict = {"plan": plan, "as_of": day}
    if kind in (PHASE, REVIEW):
        parameters["phase"] = phase
    run = cast(  # called from sync code, run_deployment returns the flow run itself (its type says "or a coroutine")
        FlowRun,
        run_deployment(
            deployment_name(kind, plan, phase),
            parameters=parameters,
            idempotency_key=idempotency_key(kind, plan, phase, day),
            timeout=0,
        ),
    )
    return str(run.id)


def wait_for_run(
    flow_run_id: str, timeout: float | None = None, on_state: Callable[[str], None] | None = None
) -> PoolRun:
    """Follow a flow run until it ends, at most ``timeout`` seconds (default: CCHC_RUN_TIMEOUT), saying each state
    it passes through to ``on_state`` (Scheduled, Pending, Running, Completed...)."""
    # deferred: Prefect loads only when it is called; every `cchc` command imports this module
    from prefect.client.orchestration import get_client

    wait = timeout if timeout is not None else get_settings().run_timeout
    deadline = time.monotonic() + wait
    seen = None
    with get_client(sync_client=True) as client:
        while True:
            state = client.read_flow_run(UUID(flow_run_id)).state
            name = state.name if state and state.name else "?"
            if on_state and name != seen:
                on_state(name)
            seen = name
            final = bool(state and state.is_final())
            if final or time.monotonic() >= deadline:
                return PoolRun(flow_run_id, name, (state.message or "") if state else "", final)
            time.sleep(POLL_SECONDS)


def describe(run: PoolRun, kind: str, plan: str, phase: int | None) -> tuple[str, bool]:
    """A line saying how a run through the pool ended (steps and deliveries it recorded), and whether it succeeded."""
    name = deployment_name(kind, plan, phase)
    if not run.final:
        return t(
            "launch.waiting",
            id=run.flow_run_id,
            deployment=name,
            state=run.state,
            seconds=int(get_settings().run_timeout),
        ), False
    if not run.completed:
        return t("launch.failed", id=run.flow_run_id, deployment=name, state=run.state, reason=run.message), False
    with session() as s:
        steps, deliveries, _ = recorded_runs(s, get_plan(s, plan).id).get(run.flow_run_id, (0, 0, 0))
    return t(
        "launch.done", id=run.flow_run_id, deployment=name, state=run.state, steps=steps, deliveries=deliveries
    ), True
