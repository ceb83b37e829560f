"""Prefect's local API for CLI runs without a Prefect server: started by cchc as the command begins, before Prefect is
imported; the run recorded whole in it; stopped at exit; a server named in a Prefect profile wins over it."""

from __future__ import annotations

import json
import os
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import REFERENCE_PLAN, REPO

pytestmark = pytest.mark.one_pass  # about Prefect's API alone: run once, not again on PostgreSQL

PLAN = "byt-3723-2013-2015"
SCRIPT = """
import sys
from cchc_flow.flows.running import local_api
local_api.start_local_api()
print("prefect imported before the start:", "prefect" in sys.modules)
pid = local_api._server.pid
from cchc_flow.flows.phase import run_phase
summary = run_phase("byt-3723-2013-2015", 1, "2013-10-01")
print("server code imported here:", "prefect.server.api.server" in sys.modules)
print("local server still running:", local_api._server is not None)
print(pid, summary.flow_run_id)
"""


def run_script(env: dict[str, str]) -> tuple[list[str], int, str]:
    done = subprocess.run(
        [sys.executable, "-c", SCRIPT], env=env, cwd=REPO, capture_output=True, text=True, timeout=1200
    )
    assert done.returncode == 0, done.stdout + done.stderr
    assert "Traceback" not in done.stderr, done.stderr
    *flags, last = done.stdout.strip().splitlines()
    pid, run_id = last.split()
    return flags, int(pid), run_id


def fresh_env(tmp_path: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("PREFECT_") and k != "DO_NOT_TRACK"}
    env.update(
        PYTHONPATH=str(REPO),
        PREFECT_HOME=str(tmp_path / "prefect"),
        PREFECT_SERVER_ANALYTICS_ENABLED="false",
        PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS="900",  # a first start migrates its database: slow when busy
    )
    subprocess.run(
        [sys.executable, "-m", "cchc_flow.cli.main", "plan", "load", str(REFERENCE_PLAN)], env=env, cwd=REPO, check=True
    )
    return env


def test_the_local_api_is_started_before_prefect_is_imported_records_the_run_whole_and_stops(
    cchc_env, tmp_path
) -> None:  # type: ignore[no-untyped-def]
    flags, pid, run_id = run_script(fresh_env(tmp_path))
    assert flags == [
        "prefect imported before the start: False",
        "server code imported here: False",  # the command does not load Prefect's server stack itself
        "local server still running: True",
    ]
    assert not Path(f"/proc/{pid}").exists()  # stopped at exit
    with sqlite3.connect(tmp_path / "prefect" / "prefect.db") as db:
        states = db.execute(  # Prefect's SQLite UUID column: the text form, with or without dashes
            "select state_type, count(*) from task_run where flow_run_id in (?, ?) group by state_type",
            (run_id, run_id.replace("-", "")),
        ).fetchall()
    assert states == [("COMPLETED", 9 + 2)]  # phase 1: 9 activities, record, deliver: every task run recorded, final


@pytest.mark.usefixtures("prefect_api")
def test_a_prefect_server_named_in_a_profile_wins_and_the_local_one_is_stopped(cchc_env, tmp_path) -> None:  # type: ignore[no-untyped-def]
    from prefect.client.orchestration import get_client
    from prefect.settings import PREFECT_API_URL

    env = fresh_env(tmp_path)
    profiles = tmp_path / "profiles.toml"
    profiles.write_text(f'active = "site"\n[profiles.site]\nPREFECT_API_URL = "{PREFECT_API_URL.value()}"\n')
    env["PREFECT_PROFILES_PATH"] = str(profiles)
    flags, pid, run_id = run_script(env)
    assert flags[2] == "local server still running: False"
    assert not Path(f"/proc/{pid}").exists()
    with get_client(sync_client=True) as client:
        assert client.read_flow_run(run_id).state.is_completed()  # recorded on the profile's server


MANY = """
import sys
from cchc_flow.flows.running import local_api
from cchc_flow.flows.running.runtime import prefect_defaults, quiet_prefect, settle
prefect_defaults()
local_api.start_local_api()
from prefect import flow, task
from prefect.cache_policies import NO_CACHE
from prefect.context import FlowRunContext

@task(name="step", cache_policy=NO_CACHE)
def step(i: int) -> int:
    return i

@flow(name="many", persist_result=False)
def many(n: int) -> str:
    for i in range(n):
        step(i)
    return str(FlowRunContext.get().flow_run.id)

with quiet_prefect():
    run_id = many(int(sys.argv[1]))
    settle(run_id, int(sys.argv[1]))
print(run_id)
"""


def test_a_run_of_many_tasks_is_recorded_whole_before_the_exit_and_the_exit_is_quiet(cchc_env, tmp_path) -> None:  # type: ignore[no-untyped-def]
    # One write per task-run event (Prefect's default) took the server 10-40 s for these 400 task runs after the flow
    # ended: the process left before, and the server, stopped in the middle of a write, printed CancelledError
    # tracebacks and lost the task runs it had not written.
    env = {k: v for k, v in os.environ.items() if not k.startswith("PREFECT_") and k != "DO_NOT_TRACK"}
    env.update(PYTHONPATH=str(REPO), PREFECT_HOME=str(tmp_path / "prefect"))
    done = subprocess.run(
        [sys.executable, "-c", MANY, "400"], env=env, cwd=REPO, capture_output=True, text=True, timeout=1200
    )
    assert done.returncode == 0, done.stdout + done.stderr
    for alarming in ("Traceback", "CancelledError", "ERROR", "telemetry"):
        assert alarming not in done.stderr, done.stderr
    run_id = done.stdout.split()[-1]
    with sqlite3.connect(tmp_path / "prefect" / "prefect.db") as db:
        states = db.execute(
            "select state_type, count(*) from task_run where flow_run_id in (?, ?) group by state_type",
            (run_id, run_id.replace("-", "")),
        ).fetchall()
    assert states == [("COMPLETED", 400)]


EARLY = """
import json, sys, urllib.request
import cchc_flow.cli.main
cchc_flow.cli.main.start_flow_api(sys.argv[1:])  # as main(), the `cchc` command, does first
from cchc_flow.flows.running import local_api
started = local_api._server is not None
print("started:", started, "command modules loaded:", "cchc_flow.cli.phase" in sys.modules)
if started:
    url = local_api.local_api_url()
    with urllib.request.urlopen(url + "/admin/settings") as answer:
        services = json.load(answer)["server"]["services"]
    environ = open(f"/proc/{local_api._server.pid}/environ", "rb").read().split(b"\\0")
    print(json.dumps({
        "triggers": services["triggers"]["enabled"],
        "recorder_batch": services["task_run_recorder"]["batch_size"],
        "analytics_off": b"PREFECT_SERVER_ANALYTICS_ENABLED=false" in environ,
        "factory": "cchc_flow.flows.running.api_app:create_app" in open(f"/proc/{local_api._server.pid}/cmdline").read(),
    }, sort_keys=True))
"""


def test_a_flow_command_starts_the_local_api_first_with_its_own_settings_and_others_do_not(cchc_env, tmp_path) -> None:  # type: ignore[no-untyped-def]
    env = fresh_env(tmp_path)
    env.pop("PREFECT_SERVER_ANALYTICS_ENABLED")  # cchc's default for its processes and the server they start
    for argv, started in ((["phase", "run", PLAN, "1"], True), (["units"], False), (["phase", "run", "--help"], False)):
        done = subprocess.run(
            [sys.executable, "-c", EARLY, *argv], env=env, cwd=REPO, capture_output=True, text=True, timeout=900
        )
        assert done.returncode == 0 and "Traceback" not in done.stderr, done.stdout + done.stderr
        lines = done.stdout.splitlines()
        assert lines[0] == f"started: {started} command modules loaded: False", argv  # before the command's imports
        if started:  # read back from the running server: the local API's settings, Prefect's server stack
            assert json.loads(lines[1]) == {
                "analytics_off": True,
                "factory": True,
                "recorder_batch": 200,
                "triggers": False,
            }
