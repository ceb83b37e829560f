"""The append-only history: every state change, with who, when, from where and in which Prefect run."""

from __future__ import annotations

import sys
from datetime import date

import pendulum
from sqlmodel import Session

from models.audit import chain_head, seal_transition
from models.calendar import TZ

from models.tables import TransitionRow


def prefect_run_ids() -> tuple[str | None, str | None]:
    """(flow-run id, task-run id) of the Prefect run we are inside, if any."""
    if "prefect" not in sys.modules:  # never import Prefect just to learn we are not in a run
        return None, None
    from prefect.context import FlowRunContext, TaskRunContext

    flow_ctx, task_ctx = FlowRunContext.get(), TaskRunContext.get()
    flow_id = str(flow_ctx.flow_run.id) if flow_ctx and flow_ctx.flow_run else None
    task_id = str(task_ctx.task_run.id) if task_ctx else None
    if task_ctx and not flow_id:
        flow_id = str(task_ctx.task_run.flow_run_id) if task_ctx.task_run.flow_run_id else None
    return flow_id, task_id


def record(session: Session, *, plan_id: int, entity: str, key: str, event: str, actor: str, source: str,
           from_state: str | None = None, to_state: str | None = None, note: str | None = None,
           on: date | None = None) -> TransitionRow:
    """Append one step to the history (inside the caller's transaction) and return it.

    ``on`` is the day the step counts for (default: today in Asia/Ho_Chi_Minh); ``at`` is always the real time.
    The row is sealed into the plan's hash chain (models/audit.py) and flushed.
    """
    flow_id, task_id = prefect_run_ids()
    head = chain_head(session, "transition", plan_id)  # locks the plan's chain until this transaction ends
    row = TransitionRow(plan_id=plan_id, entity=entity, entity_key=key, event=event, from_state=from_state,
                        to_state=to_state, actor=actor, source=source, note=note, flow_run_id=flow_id,
                        task_run_id=task_id, effective_day=on or pendulum.now(TZ).date())
    session.add(seal_transition(row, head))
    session.flush()
    return row
