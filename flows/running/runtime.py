"""Running flows from the CLI: quiet Prefect defaults, the local ephemeral Prefect API without the heartbeat wait,
and a clean stop of that API at exit."""

from __future__ import annotations

import logging
import os
import time
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from typing import TYPE_CHECKING

from cchc_flow.flows.running.local_api import SERVER_SETTINGS, is_local_api, local_api_url, stop_local_api
from cchc_flow.flows.running.tables import tables_posted

if TYPE_CHECKING:
    from prefect.client.orchestration import SyncPrefectClient

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
    """Put QUIET_PREFECT and the server settings (local_api.SERVER_SETTINGS: for a Prefect server this process may
    start) into the environment where the user set nothing; ``verbose``: Prefect logs at INFO."""
    for name, value in {**QUIET_PREFECT, **SERVER_SETTINGS}.items():
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
    runs: list[tuple[str, int]] = []
    token = _series.set(runs)
    try:
        with quiet_prefect():
            yield
            if runs:
                _wait_recorded(*runs[-1])  # the server records runs in the order their events came
    finally:
        _series.reset(token)


_series: ContextVar[list[tuple[str, int]] | None] = ContextVar("cchc_run_series", default=None)
_FINAL = ["COMPLETED", "FAILED", "CRASHED", "CANCELLED"]


def settle(flow_run_id: str | None, task_runs: int = 0) -> None:
    """Wait for the tables posted beside the run (tables.py); then, on the ephemeral API, wait until the server has
    recorded every task run of the flow run in a final state (in a run_series, once at its end); ``task_runs``: how
    many the run made at least (the server may have recorded only some of them, all final, when it is asked).

    The ephemeral server records task runs from events, after the flow has ended; stopped at exit in the middle of
    a write, it logs `CancelledError` tracebacks and loses the task runs still queued. Waiting here (bounded by
    SETTLE_TIMEOUT) lets it finish: the run's record in Prefect is whole and the exit is quiet.
    """
    tables_posted()  # the run's table, posted beside it (tables.py), is part of its record in Prefect
    if not flow_run_id or not on_ephemeral_api():
        return
    series = _series.get()
    if series is not None:
        series.append((flow_run_id, task_runs))
        return
    _wait_recorded(flow_run_id, task_runs)


def _wait_recorded(flow_run_id: str, task_runs: int) -> None:
    # deferred: Prefect loads only when it is called; every `cchc` command imports this module
    from prefect.client.orchestration import get_client

    every = {"flow_runs": {"id": {"any_": [flow_run_id]}}}
    final = {**every, "task_runs": {"state": {"type": {"any_": _FINAL}}}}
    deadline = time.monotonic() + SETTLE_TIMEOUT
    seen, since = (-1, -1), time.monotonic()
    with get_client(sync_client=True) as client:
        while time.monotonic() < deadline:
            counts = (_count(client, every), _count(client, final))
            if task_runs and counts[0] == counts[1] >= task_runs:
                return  # the run's own number, all final: no need to wait for quiet
            if counts != seen or counts[1] < max(counts[0], task_runs, 1):
                seen, since = counts, time.monotonic()
            elif time.monotonic() - since >= SETTLE_QUIET:
                return
            time.sleep(0.05)


def _count(client: SyncPrefectClient, body: dict) -> int:
    return int(client.request("POST", "/task_runs/count", json=body).json())


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
