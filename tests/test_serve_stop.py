"""`cchc serve` as a real process: stopped with SIGTERM (as systemd or docker stop it), it leaves nothing behind,
not even the temporary Prefect API server one of its workers started for a run launched from the board."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest
from conftest import REPO
from endpoints import free_port
from portal import csrf_of, issue, text_of

pytestmark = pytest.mark.one_pass  # processes and signals: run once, not again on PostgreSQL


def children(pid: int) -> list[tuple[int, str]]:
    """The processes whose parent is ``pid``: (pid, command line)."""
    out = []
    for proc in Path("/proc").iterdir():
        if not proc.name.isdigit():
            continue
        try:
            stat = (proc / "stat").read_text()
            cmd = (proc / "cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
        except OSError:
            continue
        if int(stat.rsplit(")", 1)[1].split()[1]) == pid:
            out.append((int(proc.name), cmd))
    return out


def descendants(pid: int) -> list[tuple[int, str]]:
    """Every process under ``pid`` (its workers and theirs): (pid, command line)."""
    out = []
    for child, cmd in children(pid):
        out += [(child, cmd), *descendants(child)]
    return out


def alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return False
    return state != "Z"


def wait_for(check, what: str, seconds: float = 90):  # type: ignore[no-untyped-def]
    """Poll ``check`` until it returns something true (a state to reach, not a duration to assert)."""
    deadline = time.monotonic() + seconds
    while True:
        value = check()
        if value:
            return value
        assert time.monotonic() < deadline, f"gave up waiting for {what}"
        time.sleep(0.2)


def test_sigterm_stops_the_portal_and_its_temporary_prefect_server(loaded, tmp_path) -> None:  # type: ignore[no-untyped-def]
    _, token = issue("coordinator", "VPB")
    port = free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith("PREFECT_")}  # Prefect's own temporary API
    env.update(
        PYTHONPATH=str(REPO),
        PREFECT_HOME=str(tmp_path / "prefect"),
        PREFECT_SERVER_ANALYTICS_ENABLED="false",
        PREFECT_LOGGING_LEVEL="WARNING",
    )
    cchc = Path(sys.executable).parent / "cchc"
    # two workers, as by default on two cores; one kept-alive connection below talks to one of them throughout
    serve = subprocess.Popen(
        [str(cchc), "serve", "--port", str(port), "--as-of", "2013-10-01", "--workers", "2"],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    leftovers: list[int] = []
    try:
        base = f"http://127.0.0.1:{port}"

        def up() -> bool:
            try:
                return httpx.get(f"{base}/login").status_code == 200
            except httpx.TransportError:
                assert serve.poll() is None, "cchc serve ended before it listened"
                return False

        wait_for(up, "the portal to listen")
        with httpx.Client(base_url=base) as web:
            web.post("/login", data={"csrf": csrf_of(web.get("/login").text), "token": token})
            started = web.post("/runs/phase", data={"csrf": csrf_of(web.get("/board").text), "phase": "1"})
            assert started.status_code == 303
            board = wait_for(
                lambda: (lambda page: page if "badge run-running" not in page else "")(web.get("/board").text),
                "the phase run to end",
                seconds=180,
            )
            assert "badge run-done" in board, text_of(board)
        prefect = [pid for pid, cmd in descendants(serve.pid) if "prefect.server.api.server" in cmd]
        assert prefect, "the run did not start a temporary Prefect server (is PREFECT_API_URL set?)"
        leftovers += prefect

        serve.send_signal(signal.SIGTERM)
        serve.wait(timeout=90)
        assert [pid for pid in prefect if alive(pid)] == []
    finally:  # whatever happened, nothing of this test keeps running
        leftovers += [pid for pid, _ in descendants(serve.pid)]
        if serve.poll() is None:
            serve.kill()
            serve.wait()
        for pid in leftovers:
            if alive(pid):
                os.kill(pid, signal.SIGKILL)
