"""The append-only history: every state change, with who, when, from where and in which Prefect run."""

from __future__ import annotations

import sys
from collections.abc import Sequence
from datetime import date
from typing import Any

import pendulum
import sqlalchemy as sa
from sqlmodel import Session

from cchc_flow.models.rules.calendar import TZ
from cchc_flow.models.store.audit import chain_head, seal_transition
from cchc_flow.models.store.bulk import insert_rows
from cchc_flow.models.store.tables import TransitionRow, table_of, utc_now


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


Step = dict[str, Any]  # one transition as column values (what is hashed and inserted)


def step(
    *,
    plan_id: int,
    entity: str,
    key: str,
    event: str,
    actor: str,
    source: str,
    from_state: str | None = None,
    to_state: str | None = None,
    note: str | None = None,
    on: date | None = None,
    run_ids: tuple[str | None, str | None] | None = None,
    actor_label: str | None = None,
    stated_name: str | None = None,
    letter_ref: str | None = None,
) -> Step:
    """One step of the history, not yet in its chain: append() seals and inserts it.

    ``on`` is the day the step counts for (default: today in Asia/Ho_Chi_Minh); ``at`` is always the real time.
    ``run_ids`` (flow run, task run) names the Prefect runs that decided the step (default: the runs we are in).
    ``actor`` is who acted (cchc_flow.models.services.access.acted_by: the token's principal), ``actor_label`` that token's label,
    ``stated_name`` the name the person typed (unverified); ``letter_ref`` marks a step the coordinator back-dated
    from a letter that arrived late.
    """
    flow_id, task_id = run_ids or prefect_run_ids()
    return {
        "plan_id": plan_id,
        "entity": entity,
        "entity_key": key,
        "event": event,
        "from_state": from_state,
        "to_state": to_state,
        "at": utc_now(),
        "effective_day": on or pendulum.now(TZ).date(),
        "actor": actor,
        "source": source,
        "note": note,
        "flow_run_id": flow_id,
        "task_run_id": task_id,
        "actor_label": actor_label,
        "stated_name": stated_name,
        "letter_ref": letter_ref,
    }


def append(session: Session, steps: Sequence[Step]) -> None:
    """Append ``steps``, in order, to the history inside the caller's transaction: each is sealed into its plan's
    hash chain (models/store/audit.py, which locks the chain until the transaction ends), then inserted; each step
    gets its ``id``.

    One step is inserted returning its id. Many are inserted together (bulk.py: COPY on PostgreSQL), and their ids
    read back by their places in their chains (unique): SQLAlchemy would send them returning their ids as one
    statement of some 19 parameters a step, whose placeholders psycopg rewrites in Python each time (1,000 steps:
    248 ms on PostgreSQL).
    """
    heads: dict[int, tuple[int, int, str]] = {}  # plan -> (its first new place, its head: place and hash)
    for row in steps:
        plan_id = row["plan_id"]
        if plan_id not in heads:
            seq, digest = chain_head(session, "transition", plan_id)
            heads[plan_id] = (seq + 1, seq, digest)
        first, seq, digest = heads[plan_id]
        seal_transition(row, (seq, digest))
        heads[plan_id] = (first, row["seq"], row["row_hash"])
    if not steps:
        return
    table = table_of(TransitionRow)
    connection = session.connection()
    if len(steps) == 1:
        steps[0]["id"] = connection.execute(sa.insert(table).returning(table.c.id), steps[0]).scalar_one()
        return
    insert_rows(connection, table, steps)
    T = table.c
    ids: dict[tuple[int, int], int] = {}
    for plan_id, (first, last, _) in heads.items():
        placed = sa.select(T.seq, T.id).where(T.plan_id == plan_id, T.seq.between(first, last))
        ids.update(((plan_id, seq), id_) for seq, id_ in connection.execute(placed))
    for row in steps:
        row["id"] = ids[row["plan_id"], row["seq"]]


def record(session: Session, **fields: Any) -> TransitionRow:
    """Append one step (the keyword arguments of step()) to the history and return it."""
    row = step(**fields)
    append(session, [row])
    return TransitionRow(**row)
