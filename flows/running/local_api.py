"""Prefect's local API for a CLI process that runs flows without a Prefect server: started in the background as the
command begins, so that it comes up while the process imports Prefect and cchc and reads the database.

Prefect would start the same server (`uvicorn prefect.server.api.server:create_app`, Prefect's own
SubprocessASGIServer) on the first API call, after all the imports; and to start it, it imports the whole server stack
into the calling process as well. Started here it costs the command only a `subprocess.Popen` (the module imports
nothing of Prefect). The flows reach it through Prefect's settings (runtime.quiet_prefect); a Prefect server named in
Prefect's settings (PREFECT_API_URL, from the environment or a profile) wins, and the local server is then stopped.
"""

from __future__ import annotations

import atexit
import os
import socket
import subprocess
import sys
import tempfile
import time

# Settings of every Prefect server a cchc process starts (set where the user set nothing): Prefect's task-run recorder
# writes each task-run event in a transaction of its own by default, about 60-70 a second on SQLite here, so a
# 1,000-activity run kept the server busy 20-40 s after the flow returned (competing with the next run for the CPU),
# and an exit in the middle of those writes logged CancelledError tracebacks. In batches (at most one second late)
# it records the same rows in a second or two. A production server gets the same (deploy/).
SERVER_SETTINGS = {
    "PREFECT_SERVER_SERVICES_TASK_RUN_RECORDER_BATCH_SIZE": "200",
    "PREFECT_SERVER_SERVICES_TASK_RUN_RECORDER_FLUSH_INTERVAL": "1",  # whole seconds: Prefect rounds it down
}
# Settings of the local API alone (a configured server keeps Prefect's): the trigger services (automations: the
# reactive triggers and the actions they take) are off. Nothing defines an automation on a server that lives for one
# command, and starting them cost the server about 0.45 s of CPU in its first second (a query compiled, a second copy
# of the app built for the actions' client), in the event loop that answers the flow's first calls.
LOCAL_SETTINGS = {
    "PREFECT_SERVER_SERVICES_TRIGGERS_ENABLED": "false",
}
STARTUP_TIMEOUT = 120.0  # PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS when unset
PORT_TAKEN = 3  # uvicorn's exit status when its port is taken: start again on another

_server: subprocess.Popen | None = None
_output: tempfile._TemporaryFileWrapper | None = None  # the server's own output, unless Prefect logs at INFO
_url: str | None = None
_ready = False


def start_local_api() -> None:
    """Start the local API server in the background unless one is running or a Prefect server is configured in the
    environment (or, when Prefect's settings are already loaded, in them). Stopped at exit (stop_local_api)."""
    global _server, _url, _ready
    if _server is not None or os.environ.get("PREFECT_API_URL"):
        return
    if "prefect.settings" in sys.modules:  # already loaded (a portal, a test session): asking costs nothing
        # deferred: Prefect loads only when it is called; every `cchc` command imports this module
        from prefect.settings import PREFECT_API_URL

        if PREFECT_API_URL.value():
            return
    _server, _ready = _spawn(), False
    atexit.register(stop_local_api)


def _spawn() -> subprocess.Popen:
    """Start the server on a free port. Its output goes to a temporary file (shown when it does not start) unless
    Prefect logs at INFO (--verbose): a server stopped at exit may still log the end of its work, which is not the
    command's."""
    global _url, _output
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    _url = f"http://127.0.0.1:{port}/api"
    # the environment Prefect gives its own temporary server (no UI, the ephemeral set of services), with ours
    env = {
        **SERVER_SETTINGS,
        **LOCAL_SETTINGS,
        **os.environ,
        "PREFECT_UI_ENABLED": "0",
        "PREFECT__SERVER_EPHEMERAL": "1",
        "PREFECT__SERVER_FINAL": "1",
    }
    app = "cchc_flow.flows.running.api_app:create_app"  # Prefect's create_app, loaded with the collector paused
    args = ["--host", "127.0.0.1", "--port", str(port), "--log-level", "error", "--lifespan", "on"]
    verbose = os.environ.get("PREFECT_LOGGING_LEVEL", "").upper() in ("DEBUG", "INFO")
    if _output is not None:  # a second start (the port was taken)
        _output.close()
    _output = None if verbose else tempfile.NamedTemporaryFile(prefix="cchc-local-api-", suffix=".log")
    return subprocess.Popen([sys.executable, "-m", "uvicorn", "--factory", app, *args], env=env, stderr=_output)


def local_api_url() -> str | None:
    """The started server's API URL once it answers, or None: none was started, or Prefect's settings name a server
    (the local one is then stopped). Raises RuntimeError when it does not come up in time."""
    global _server, _ready
    if _server is None:
        return None
    # deferred: Prefect loads only when it is called; every `cchc` command imports this module
    import urllib.error  # deferred too: only a started server is asked whether it answers
    import urllib.request

    from prefect.settings import PREFECT_API_URL

    configured = PREFECT_API_URL.value()
    if configured and configured != _url:
        stop_local_api()
        return None
    if _ready:
        return _url
    limit = float(os.environ.get("PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS") or STARTUP_TIMEOUT)
    deadline = time.monotonic() + limit
    while time.monotonic() < deadline:
        if _server.poll() == PORT_TAKEN:
            _server = _spawn()
        elif _server.poll() is not None:
            break
        try:
            with urllib.request.urlopen(f"{_url}/health", timeout=2) as answer:
                if answer.status == 200:
                    _ready = True
                    return _url
        except (OSError, urllib.error.URLError):
            pass
        time.sleep(0.05)
    status = _server.poll()
    said = _said()
    stop_local_api()
    detail = f"exit {status}" if status is not None else f"{limit:.0f} s"
    # deferred: a `cchc` process imports this module before anything else (cli/main.py), messages load the settings
    from cchc_flow.models.rules.messages import t

    raise RuntimeError(t("run.local_api", detail=f"{detail}: {said}" if said else detail))


def _said(limit: int = 2000) -> str:
    """The end of what the server wrote (when it did not start)."""
    if _output is None:
        return ""
    _output.seek(0)
    return _output.read().decode("utf-8", "replace")[-limit:].strip()


def is_local_api(url: str | None) -> bool:
    """Whether ``url`` is the API of the server this process started."""
    return bool(url) and url == _url and _server is not None


def stop_local_api() -> None:
    """Stop the server start_local_api started (at exit, or at a portal worker's shutdown)."""
    global _server, _ready, _output
    if _server is None:
        return
    server, _server, _ready = _server, None, False
    server.terminate()
    try:
        server.wait(timeout=5)
    except subprocess.TimeoutExpired:
        server.kill()
        server.wait()
    if _output is not None:
        _output.close()
        _output = None
