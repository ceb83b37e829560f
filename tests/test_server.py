"""End to end on the production topology: a real `prefect server` on the throwaway PostgreSQL, two process workers,
`cchc deploy`, deployment runs triggered for chosen dates, messages counted at a local endpoint.

Marked `server`; it needs the PostgreSQL server of the tests, so it runs in the PostgreSQL pass of .ci/run only.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import time
import uuid
from collections import Counter
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from conftest import REFERENCE_PLAN, REPO
from endpoints import HttpRecorder, free_port
from faults import OPENING_UNITS, write_json_routes
from pgserver import fresh_database

pytestmark = pytest.mark.server
PLAN = "byt-3723-2013-2015"
POOL = "e2e"
WAIT = 180  # seconds at most for a deployment run to end (a bound, not a measurement)


class Topology:
    """The server, the workers and the environment they share with `cchc` run as a subprocess."""

    def __init__(self, env: dict[str, str], logs: Path) -> None:
        self.env, self.logs = env, logs
        self.procs: list[subprocess.Popen] = []
        self.workers: dict[str, subprocess.Popen] = {}

    def spawn(self, name: str, *args: str) -> subprocess.Popen:
        log = open(self.logs / f"{name}.log", "ab")
        proc = subprocess.Popen(
            args, env=self.env, cwd=REPO, stdout=log, stderr=subprocess.STDOUT, start_new_session=True
        )
        self.procs.append(proc)
        return proc

    def start_worker(self, name: str) -> None:
        self.workers[name] = self.spawn(
            name,
            sys.executable,
            "-m",
            "prefect",
            "worker",
            "start",
            "--pool",
            POOL,
            "--type",
            "process",
            "--name",
            name,
        )

    def cchc(self, *args: str, expect: int = 0) -> subprocess.CompletedProcess[str]:
        done = subprocess.run(
            [sys.executable, "-m", "cchc_flow.cli.main", *args],
            env=self.env,
            cwd=REPO,
            capture_output=True,
            text=True,
            timeout=WAIT,
        )
        assert done.returncode == expect, f"cchc {' '.join(args)}: {done.returncode}\n{done.stdout}\n{done.stderr}"
        return done

    def stop(self) -> None:
        for proc in reversed(self.procs):
            if proc.poll() is None:
                os.killpg(proc.pid, signal.SIGTERM)
        for proc in self.procs:
            try:
                proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                os.killpg(proc.pid, signal.SIGKILL)
                proc.wait()


@pytest.fixture(scope="module")
def endpoint() -> Iterator[HttpRecorder]:
    with HttpRecorder() as recorder:
        yield recorder


@pytest.fixture(scope="module")
def topology(
    pg_server_url: str, endpoint: HttpRecorder, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Topology]:
    tmp = tmp_path_factory.mktemp("server")
    prefect_db = fresh_database(pg_server_url, f"prefect_{uuid.uuid4().hex[:12]}")
    cchc_db = fresh_database(pg_server_url, f"cchc_e2e_{uuid.uuid4().hex[:12]}")
    port = free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PREFECT_", "CCHC_"))}
    env.update(
        PYTHONPATH=str(REPO),
        COLUMNS="200",
        CCHC_LANG="vi",
        CCHC_ACTOR="tester",
        CCHC_HOME=str(tmp / "home"),
        CCHC_DATABASE_URL=cchc_db,
        CCHC_NOTIFY_RETRY_DELAYS="",
        CCHC_QUIET_HOURS="off",  # the runs replay days of any weekday: held messages have tests of their own
        CCHC_DAYS_OFF="no",
        CCHC_NOTIFY_CONFIG=str(write_json_routes(tmp / "routes.yaml", endpoint.port)),
        PREFECT_HOME=str(tmp / "prefect"),
        PREFECT_API_URL=f"http://127.0.0.1:{port}/api",
        PREFECT_SERVER_DATABASE_CONNECTION_URL=prefect_db.replace("+psycopg", "+asyncpg"),
        PREFECT_SERVER_ANALYTICS_ENABLED="false",
        PREFECT_UI_ENABLED="false",
        DO_NOT_TRACK="1",
        PREFECT_WORKER_QUERY_SECONDS="1",
        PREFECT_LOGGING_LEVEL="WARNING",
    )
    top = Topology(env, tmp)
    try:
        top.spawn(
            "server", sys.executable, "-m", "prefect", "server", "start", "--host", "127.0.0.1", "--port", str(port)
        )
        deadline = time.monotonic() + WAIT
        while True:
            try:
                if httpx.get(f"{env['PREFECT_API_URL']}/health", timeout=2).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            assert time.monotonic() < deadline, (tmp / "server.log").read_text(errors="replace")
            time.sleep(0.5)
        top.cchc("plan", "load", str(REFERENCE_PLAN))
        deployed = top.cchc("deploy", "--pool", POOL)
        assert "Đã ghi 5 deployment vào work pool e2e" in deployed.stdout
        top.start_worker("worker-1")
        top.start_worker("worker-2")
        yield top
    finally:
        top.stop()


def _client(top: Topology):  # type: ignore[no-untyped-def]
    from prefect.client.orchestration import SyncPrefectClient

    return SyncPrefectClient(top.env["PREFECT_API_URL"])


def _trigger(top: Topology, deployment: str, parameters: dict, key: str | None = None) -> str:
    with _client(top) as client:
        d = client.read_deployment_by_name(deployment)
        return str(client.create_flow_run_from_deployment(d.id, parameters=parameters, idempotency_key=key).id)


def _wait(top: Topology, run_ids: list[str]) -> dict[str, object]:
    deadline = time.monotonic() + WAIT
    with _client(top) as client:
        while True:
            runs = {i: client.read_flow_run(i) for i in run_ids}
            if all(r.state and r.state.is_final() for r in runs.values()):
                return runs
            assert time.monotonic() < deadline, {i: r.state for i, r in runs.items()}
            time.sleep(0.5)


def _keys(endpoint: HttpRecorder) -> Counter:
    return Counter(r.headers.get("Idempotency-Key") for r in endpoint.requests)


def test_runs_through_two_workers_send_each_message_once(topology: Topology, endpoint: HttpRecorder) -> None:
    # the same deployment triggered twice at the same moment with the same key: one run
    ids: list[str] = []
    same = {"plan": PLAN, "phase": 1, "as_of": "2013-10-01"}
    threads = [
        threading.Thread(
            target=lambda: ids.append(_trigger(topology, f"phase/{PLAN}-phase-1", same, f"{PLAN}/phase-1/2013-10-01"))
        )
        for _ in range(2)
    ]
    for th in threads:
        th.start()
    for th in threads:
        th.join()
    assert len(set(ids)) == 1
    # and two more runs of the same phase and date without a key: both workers pick them up at once
    ids += [_trigger(topology, f"phase/{PLAN}-phase-1", same) for _ in range(2)]
    runs = _wait(topology, sorted(set(ids)))
    assert {r.state.name for r in runs.values()} == {"Completed"}, {i: r.state for i, r in runs.items()}
    assert len({r.state.state_details.flow_run_id for r in runs.values()}) == 3
    names = {r.name for r in runs.values()}
    assert names == {f"Giai đoạn 1 (2013-2014) · {PLAN} · 2013-10-01"}
    assert all("Giai đoạn 1 (2013-2014)" in r.tags for r in runs.values())

    keys = _keys(endpoint)
    assert sorted(r.path.strip("/").upper() for r in endpoint.requests) == sorted(OPENING_UNITS)
    assert set(keys.values()) == {1}

    # the periodic reports, triggered twice for the same day: the reminders go once
    endpoint.clear()
    reports = {"plan": PLAN, "as_of": "2014-06-08"}
    ids = [_trigger(topology, f"periodic-reports/{PLAN}-periodic-reports", reports) for _ in range(2)]
    runs = _wait(topology, ids)
    assert {r.state.name for r in runs.values()} == {"Completed"}
    assert endpoint.requests and set(_keys(endpoint).values()) == {1}

    # the CLI's "run now" goes through the pool (the same key: it joins the run already made for that day)
    launched = topology.cchc("phase", "run", PLAN, "1", "--as-of", "2013-10-01")
    assert "qua work pool" in launched.stdout and "Completed" in launched.stdout
    assert set(_keys(endpoint).values()) == {1}


def test_a_worker_killed_mid_run_leaves_a_run_the_next_one_completes(
    topology: Topology, endpoint: HttpRecorder
) -> None:
    endpoint.clear()
    endpoint.delay = 5.0  # each message takes 5 s to answer: the delivery is under way when the worker dies
    params = {"plan": PLAN, "phase": 2, "as_of": "2014-01-02"}
    first = _trigger(topology, f"phase/{PLAN}-phase-2", params)
    deadline = time.monotonic() + WAIT
    while not endpoint.requests:
        assert time.monotonic() < deadline
        time.sleep(0.1)
    name, pid = _flow_run_process(topology, first)
    worker = topology.workers.pop(name)
    os.kill(pid, signal.SIGKILL)  # the flow run's process (a session of its own) …
    os.killpg(worker.pid, signal.SIGKILL)  # … and the worker that started it
    worker.wait()
    endpoint.delay = 0.0
    with _client(topology) as client:
        assert not client.read_flow_run(first).state.is_completed()

    topology.start_worker("worker-3")
    second = _trigger(topology, f"phase/{PLAN}-phase-2", params)
    assert _wait(topology, [second])[second].state.name == "Completed"
    assert set(_keys(endpoint).values()) == {1}  # nothing sent twice
    audit = topology.cchc("audit", "runs", PLAN)
    assert "khớp với Prefect" in audit.stdout


def test_bad_runs_fail_in_prefect_with_the_reason_and_record_nothing(topology: Topology) -> None:
    before = topology.cchc("history", PLAN, "--format", "json").stdout
    ids = {
        "unloaded": _trigger(topology, f"phase/{PLAN}-phase-1", {"plan": "khong-co", "phase": 1}),
        "phase": _trigger(topology, f"phase/{PLAN}-phase-1", {"plan": PLAN, "phase": 9}),
    }
    runs = _wait(topology, list(ids.values()))
    assert {r.state.name for r in runs.values()} == {"Failed"}
    assert "khong-co" in runs[ids["unloaded"]].state.message
    assert "9" in runs[ids["phase"]].state.message
    assert topology.cchc("history", PLAN, "--format", "json").stdout == before


def test_the_portals_run_button_goes_through_the_pool(
    topology: Topology, endpoint: HttpRecorder, monkeypatch: pytest.MonkeyPatch
) -> None:
    from portal import csrf_of, issue, text_of

    monkeypatch.setenv("CCHC_DATABASE_URL", topology.env["CCHC_DATABASE_URL"])
    _, token = issue("coordinator", "VPB")
    port = free_port()
    topology.spawn(
        "portal",
        sys.executable,
        "-m",
        "cchc_flow.cli.main",
        "serve",
        "--host",
        "127.0.0.1",
        "--port",
        str(port),
        "--as-of",
        "2014-06-08",
        "--workers",
        "1",
    )  # one process: the board lists the runs it started
    endpoint.clear()
    with httpx.Client(base_url=f"http://127.0.0.1:{port}", timeout=WAIT) as c:
        deadline = time.monotonic() + WAIT
        while True:
            try:
                login = c.get("/login")
                break
            except httpx.TransportError:
                assert time.monotonic() < deadline, (topology.logs / "portal.log").read_text(errors="replace")
                time.sleep(0.5)
        assert c.post("/login", data={"csrf": csrf_of(login.text), "token": token}).status_code in (200, 303)
        r = c.post("/runs/phase", data={"phase": "1", "csrf": csrf_of(c.get("/board").text)})
        assert r.status_code == 303 and r.headers["location"].startswith("/runs/")  # the run's own page
        follow = r.headers["location"]
        assert 'http-equiv="refresh"' in c.get(follow).text  # it reloads itself while the run is going
        deadline, states = time.monotonic() + WAIT, []
        while not (live := c.get(f"{follow}.json").json())["final"]:
            states.append(live["state"])
            assert time.monotonic() < deadline, live
            time.sleep(0.2)
        assert live["state"] == "Completed" and live["status"] == "done" and live["flow_run_id"]
        assert set(states) - {None}, states  # Prefect's states while it was going (Scheduled, Pending, Running...)
        assert 'http-equiv="refresh"' not in c.get(follow).text
        deadline = time.monotonic() + WAIT
        while "qua work pool" not in (page := text_of(c.get("/board").text)):
            assert time.monotonic() < deadline, page
            time.sleep(0.5)
    assert f"qua work pool (phase/{PLAN}-phase-1): Completed" in page
    from prefect.client.schemas.filters import FlowRunFilter, FlowRunFilterTags

    with _client(topology) as client:
        runs = client.read_flow_runs(flow_run_filter=FlowRunFilter(tags=FlowRunFilterTags(all_=[PLAN, "phase-1"])))
    assert any(r.name.endswith("· 2014-06-08") and r.state.name == "Completed" for r in runs)
    assert set(_keys(endpoint).values()) <= {1}


def _flow_run_process(top: Topology, run_id: str) -> tuple[str, int]:
    """The worker running ``run_id`` and the pid of the run's process (PREFECT__FLOW_RUN_ID in its environment)."""
    marker = f"PREFECT__FLOW_RUN_ID={run_id}".encode()
    deadline = time.monotonic() + WAIT
    while time.monotonic() < deadline:
        for name, worker in top.workers.items():
            for pid in _children(worker.pid) - {worker.pid}:
                try:
                    if marker in Path(f"/proc/{pid}/environ").read_bytes():
                        return name, pid
                except OSError:
                    continue
        time.sleep(0.1)
    raise AssertionError(f"no worker runs {run_id}")


def _children(pid: int) -> set[int]:
    """``pid`` and every process below it."""
    out = subprocess.run(["ps", "-eo", "pid=,ppid="], capture_output=True, text=True).stdout
    parents: dict[int, list[int]] = {}
    for line in out.splitlines():
        child, parent = map(int, line.split())
        parents.setdefault(parent, []).append(child)
    found, todo = set(), [pid]
    while todo:
        p = todo.pop()
        found.add(p)
        todo += parents.get(p, [])
    return found
