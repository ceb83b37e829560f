"""Wall times of cchc runs as a coordinator or a worker meets them (run by hand; figures in bench/README.md).

    .venv/bin/python bench/server_bench.py [--rounds 3]

Each round, on a fresh cchc database (SQLite) with the reference plan loaded, phase 1 as of 2013-10-01 (17
activities, 13 messages as 7 digests to the local outbox):

  e  `cchc phase run` on Prefect's local ephemeral API (no PREFECT_API_URL): a new process, start to exit;
     target ≤ 6 s
  s  `cchc phase run` against a running Prefect server (PREFECT_API_URL, nothing deployed: in-process);
     target ≤ 3 s
  f  the floor of any of them: a new Python process that only imports the phase flow (Prefect included)
  d  a deployment run of the same phase (`cchc deploy`, one process worker polling every second), from the
     trigger (create_flow_run_from_deployment) to the run's Completed state read back; target ≤ 10 s

Everything lives in one temporary folder (Prefect server on its default SQLite there); nothing in the repository is
touched; it reads no CCHC_*/PREFECT_* of your shell. Medians of the rounds are printed with each round's figures.
"""

from __future__ import annotations

import argparse
import os
import platform
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import httpx

REPO = Path(__file__).resolve().parent.parent
PLAN = "byt-3723-2013-2015"
TARGETS = {"f": None, "e": 6.0, "s": 3.0, "d": 10.0}


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def base_env(tmp: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PREFECT_", "CCHC_"))}
    env.update(PYTHONPATH=str(REPO), PREFECT_HOME=str(tmp / "prefect"), CCHC_LANG="vi", COLUMNS="200")
    return env


def cchc(env: dict[str, str], *args: str) -> float:
    start = time.perf_counter()
    done = subprocess.run(
        [sys.executable, "-m", "cchc_flow.cli.main", *args], env=env, cwd=REPO, capture_output=True, text=True
    )
    elapsed = time.perf_counter() - start
    if done.returncode:
        raise SystemExit(f"cchc {' '.join(args)} failed:\n{done.stdout}\n{done.stderr}")
    return elapsed


def fresh_home(env: dict[str, str], tmp: Path, name: str) -> dict[str, str]:
    env = dict(env, CCHC_HOME=str(tmp / name))
    cchc(env, "plan", "load", str(REPO / "config/plans/byt-3723-2013-2015.yaml"))
    return env


def wait_healthy(url: str, timeout: float = 180) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            if httpx.get(f"{url}/health", timeout=2).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.5)
    raise SystemExit(f"no Prefect server at {url}")


def deployment_run(env: dict[str, str]) -> float:
    from prefect.client.orchestration import SyncPrefectClient

    with SyncPrefectClient(env["PREFECT_API_URL"]) as client:
        d = client.read_deployment_by_name(f"phase/{PLAN}-phase-1")
        start = time.perf_counter()
        run = client.create_flow_run_from_deployment(d.id, parameters={"plan": PLAN, "phase": 1, "as_of": "2013-10-01"})
        while True:
            state = client.read_flow_run(run.id).state
            if state and state.is_final():
                elapsed = time.perf_counter() - start
                if not state.is_completed():
                    raise SystemExit(f"deployment run ended {state.name}: {state.message}")
                return elapsed
            time.sleep(0.1)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--lines", default="f,e,s,d", help="which lines to measure (default f,e,s,d)")
    args = parser.parse_args()
    rounds, lines = args.rounds, set(args.lines.split(","))
    tmp = Path(tempfile.mkdtemp(prefix="cchc-server-bench-"))
    procs: list[subprocess.Popen] = []
    figures: dict[str, list[float]] = {"f": [], "e": [], "s": [], "d": []}
    try:
        env = base_env(tmp)
        url = f"http://127.0.0.1:{free_port()}/api"
        server_env = dict(env, PREFECT_SERVER_ANALYTICS_ENABLED="false", PREFECT_UI_ENABLED="false")
        procs.append(
            subprocess.Popen(
                [
                    sys.executable,
                    "-m",
                    "prefect",
                    "server",
                    "start",
                    "--host",
                    "127.0.0.1",
                    "--port",
                    url.rsplit(":", 1)[1].split("/")[0],
                ],
                env=server_env,
                stdout=subprocess.DEVNULL,
                stderr=subprocess.DEVNULL,
            )
        )
        wait_healthy(url)
        served = dict(env, PREFECT_API_URL=url)
        cchc(env, "--help")  # a first start compiles the bytecode: not measured
        for r in range(rounds):
            if "f" in lines:
                start = time.perf_counter()
                subprocess.run([sys.executable, "-c", "import cchc_flow.flows.phase"], env=env, cwd=REPO, check=True)
                figures["f"].append(time.perf_counter() - start)
            if "e" in lines:
                home = fresh_home(env, tmp, f"e{r}")
                figures["e"].append(cchc(home, "phase", "run", PLAN, "1", "--as-of", "2013-10-01"))
            if "s" in lines:
                home = fresh_home(served, tmp, f"s{r}")
                figures["s"].append(cchc(home, "phase", "run", PLAN, "1", "--as-of", "2013-10-01"))
        for r in range(rounds if "d" in lines else 0):  # each round on a fresh database, with a worker started for it
            worker_env = fresh_home(served, tmp, f"d{r}")
            cchc(worker_env, "deploy", "--pool", "bench")
            figures["d"].append(_worker_run(procs, worker_env, replace=r > 0))
    finally:
        for p in reversed(procs):
            p.terminate()
            try:
                p.wait(timeout=20)
            except subprocess.TimeoutExpired:
                p.kill()
        shutil.rmtree(tmp, ignore_errors=True)
    print(
        f"machine: {platform.processor() or platform.machine()}, {os.cpu_count()} cores, Python "
        f"{platform.python_version()}, load average {os.getloadavg()[0]:.1f} at the end"
    )
    labels = {
        "f": "import of the phase flow (the floor)",
        "e": "cchc phase run, ephemeral API",
        "s": "cchc phase run, running server",
        "d": "deployment run, trigger to completion",
    }
    for key, values in figures.items():
        if not values:
            continue
        median, target = statistics.median(values), TARGETS[key]
        goal = f"target ≤ {target:.0f} s, {'PASS' if median <= target else 'MISS'}" if target else "info"
        print(
            f"{key}  {labels[key]:<40} median {median:5.1f} s ({goal}); rounds: {', '.join(f'{v:.1f}' for v in values)}"
        )


def _worker_run(procs: list[subprocess.Popen], env: dict[str, str], replace: bool) -> float:
    """A process worker (polling every second) whose environment points at this round's database, then one
    deployment run timed from its trigger."""
    if replace:
        old = procs.pop()
        old.terminate()
        old.wait(timeout=30)
    procs.append(
        subprocess.Popen(
            [sys.executable, "-m", "prefect", "worker", "start", "--pool", "bench", "--type", "process"],
            env=dict(env, PREFECT_WORKER_QUERY_SECONDS="1"),
            cwd=REPO,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
    )
    time.sleep(10)  # the worker's own start-up is not part of a run
    return deployment_run(env)


if __name__ == "__main__":
    main()
