"""Running flows from the CLI: quiet Prefect defaults, the local ephemeral Prefect API without the heartbeat wait,
and a clean stop of that API at exit."""

from __future__ import annotations

import logging
import os
import time
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from uuid import UUID

from cchc_flow.flows.running.local_api import is_local_api, local_api_url, stop_local_api

# Set for a cchc process before Prefect is imported, unless the user set them: no analytics (on an offline machine
# the telemetry service logs an error on every run), Prefect's own log lines at WARNING (INFO with --verbose), and
# time for the ephemeral API to start on a busy machine (a first start also creates its database).
QUIET_PREFECT = {
    "PREFECT_SERVER_ANALYTICS_ENABLED": "false",
    "DO_NOT_TRACK": "1",
    "PREFECT_LOGGING_LEVEL": "WARNING",
    "PREFECT_SERVER_LOGGING_LEVEL": "WARNING",
    "PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS": "120",
}
SETTLE_TIMEOUT = 10.0  # seconds at most spent waiting for the ephemeral API to record a run's task runs
SETTLE_QUIET = 0.3  # seconds without a new task-run record after which the recording is taken as done


def prefect_defaults(verbose: bool = False) -> None:
    """Put QUIET_PREFECT into the environment where the user set nothing; ``verbose``: Prefect logs at INFO."""
    for name, value in QUIET_PREFECT.items():
        os.environ.setdefault(name, value)
    if verbose:
        os.environ["PREFECT_LOGGING_LEVEL"] = "INFO"
        logging.getLogger("prefect").setLevel("INFO")  # when Prefect was configured already


@contextmanager
def quiet_prefect() -> Iterator[None]:
    """Run flows in this process without the flow heartbeat (a 1 s floor per run, see FACTS.md), and on the local API
    server started in the background (local_api.py) when there is one. Settings are rebuilt (~0.3 s) only when
    something changes: wrap a series of runs in one quiet_prefect()."""
    # deferred: Prefect loads only when it is called; every `cchc` command imports this module
    from prefect.settings import PREFECT_API_URL, PREFECT_FLOWS_HEARTBEAT_FREQUENCY, temporary_settings

    updates: dict = {}
    if PREFECT_FLOWS_HEARTBEAT_FREQUENCY.value() is not None:
        updates[PREFECT_FLOWS_HEARTBEAT_FREQUENCY] = None
    url = local_api_url()
    if url and PREFECT_API_URL.value() != url:
        updates[PREFECT_API_URL] = url
    if not updates:
        yield
        return
    with temporary_settings(updates=updates):
        yield


def on_ephemeral_api() -> bool:
    """Whether this process talks to a Prefect API of its own (no PREFECT_API_URL): Prefect's ephemeral server or
    the local one (local_api.py), started by this process and stopped at its exit."""
    # deferred: Prefect loads only when it is called; every `cchc` command imports this module
    from prefect.settings import PREFECT_API_URL

    url = PREFECT_API_URL.value()
    return not url or is_local_api(url)


@contextmanager
def run_series() -> Iterator[None]:
    """Run many flows in this process (the demo's replay): Prefect's settings set once (quiet_prefect), and on the
    ephemeral API one wait for the server's records (settle), after the last run, instead of one after every run: the
    server records the earlier runs while the next ones go on."""
    runs: list[str] = []
    token = _series.set(runs)
    try:
        with quiet_prefect():
            yield
            if runs:
                _wait_recorded(runs[-1])  # the server records runs in the order their events came
    finally:
        _series.reset(token)


_series: ContextVar[list[str] | None] = ContextVar("cchc_run_series", default=None)


def settle(flow_run_id: str | None) -> None:
    """On the ephemeral API, wait until the server has recorded every task run of the flow run in a final state (in
    a run_series, once at its end).

    The ephemeral server records task runs from events, after the flow has ended; stopped at exit in the middle of
    a write, it logs `CancelledError` tracebacks and loses the task runs still queued. Waiting here (bounded by
    SETTLE_TIMEOUT) lets it finish: the run's record in Prefect is whole and the exit is quiet.
    """
    if not flow_run_id or not on_ephemeral_api():
        return
    series = _series.get()
    if series is not None:
        series.append(flow_run_id)
        return
    _wait_recorded(flow_run_id)


def _wait_recorded(flow_run_id: str) -> None:
    # deferred: Prefect loads only when it is called; every `cchc` command imports this module
    from prefect.client.orchestration import get_client
    from prefect.client.schemas.filters import FlowRunFilter, FlowRunFilterId

    flt = FlowRunFilter(id=FlowRunFilterId(any_=[UUID(flow_run_id)]))
    deadline = time.monotonic() + SETTLE_TIMEOUT
    seen, since = -1, time.monotonic()
    with get_client(sync_client=True) as client:
        while time.monotonic() < deadline:
            runs = client.read_task_runs(flow_run_filter=flt)
            done = bool(runs) and all(r.state is not None and r.state.is_final() for r in runs)
            if len(runs) != seen or not done:
                seen, since = len(runs), time.monotonic()
            elif time.monotonic() - since >= SETTLE_QUIET:
                return
            time.sleep(0.05)


def stop_ephemeral_api() -> None:
    """Stop the API server this process started, if any (a long-running process, such as a portal worker, at its
    shutdown). Prefect stops its own only in an exit handler, which a process ended by a signal never runs: the server
    would outlive it. Nothing is done when a Prefect server is configured."""
    stop_local_api()
    if not on_ephemeral_api():
        return
    # deferred: Prefect loads only when it is called; every `cchc` command imports this module
    from prefect.server.api.server import SubprocessASGIServer

    SubprocessASGIServer().stop()  # the process's default instance: the one its runs started
