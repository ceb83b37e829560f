"""A run's table for the Prefect UI, posted beside the run instead of in its way.

Posting a 1,000-row table waits for the API, which is then busy recording the run's task runs: 0.2-0.9 s at the end
of every phase run, more than the rest of a re-run's own work. The table is posted from a thread that keeps the
run's context (the flow run it belongs to, the API), while the run ends; settle() (runtime.py) waits for it, as
`cchc phase run` does before it returns, and a process that runs the flow alone (a deployment's) waits for it at
exit, as Python waits for its thread pools (a spawned run's process too). The post has a client of its own: the
run's is closed when the run ends. A table that could not be posted is said in a warning: the run's record is in
the database, whole, and the run's state in Prefect stands.
"""

from __future__ import annotations

import logging
from concurrent.futures import Future, ThreadPoolExecutor
from contextvars import copy_context
from threading import Lock
from uuid import UUID

from cchc_flow.models.rules.messages import t

_POOL: ThreadPoolExecutor | None = None
_LOCK = Lock()
_posting: list[Future[object]] = []

logger = logging.getLogger("cchc_flow.tables")


def post_table(key: str, table: list[dict[str, object]], description: str) -> None:
    """Post ``table`` as the current flow run's table artifact ``key`` from the posting thread; returns at once."""
    from prefect.context import FlowRunContext

    run = FlowRunContext.get()
    flow_run_id = run.flow_run.id if run and run.flow_run else None
    with _LOCK:
        _posting.append(posting_thread().submit(copy_context().run, _post, key, table, description, flow_run_id))


def posting_thread() -> ThreadPoolExecutor:
    """The one thread that posts the tables, one after the other (started on first use)."""
    global _POOL
    if _POOL is None:
        _POOL = ThreadPoolExecutor(max_workers=1, thread_name_prefix="cchc-table")
    return _POOL


def _post(key: str, table: list[dict[str, object]], description: str, flow_run_id: UUID | None) -> None:
    """In a copy of the run's context (its settings: the API): create the artifact with a client of its own. The
    run's client, which Prefect would hand out from that context, is closed when the run ends, maybe before this."""
    from prefect.artifacts import TableArtifact
    from prefect.client.orchestration import get_client
    from prefect.client.schemas.actions import ArtifactCreate
    from prefect.context import SyncClientContext

    # this context is a copy: clearing its client here leaves the run's own context as it is
    SyncClientContext.__var__.set(None)  # type: ignore[arg-type]
    data = TableArtifact(key=key, table=table, description=description).format(_sync=True)  # type: ignore[call-arg]
    with get_client(sync_client=True) as client:
        client.create_artifact(
            ArtifactCreate(type="table", key=key, description=description, flow_run_id=flow_run_id, data=data)
        )


def tables_posted() -> None:
    """Wait until every table posted so far has reached the API; warn of each that could not be posted."""
    with _LOCK:
        waiting = list(_posting)
        _posting.clear()
    for posted in waiting:
        error = posted.exception()
        if error is not None:
            logger.warning(t("artifact.not_posted", error=type(error).__name__))
