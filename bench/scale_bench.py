"""Scale on the server topology (run by hand; figures in bench/README.md): many plans reconciled by their daily
deployments on two process workers, with a Prefect server and cchc's database on PostgreSQL.

    .venv/bin/python bench/scale_bench.py                        # 10 then 50 plans × 200 activities, 100 units
    .venv/bin/python bench/scale_bench.py --plans 2,5 --limit 1  # small, for a loaded machine

For each number of plans, on fresh databases of one throwaway PostgreSQL server (tests/pgserver.py): the plans are
loaded (one phase of 200 activities each, one lead and two partners per activity over 100 units, every window open
on the day of the run), `cchc deploy` writes their deployments (one per phase and one for the periodic reports), and
every scheduled deployment is triggered for the same day at the same moment, as the scheduler does at 08:00, with the
parameters a schedule adds (skip_days_off). Two `prefect worker start --type process` workers (each running at most
--limit flow runs at a time) run them. Messages go to a local endpoint that answers at once.

Printed per size: wall time from the triggers to the last run's final state, CPU seconds of the Prefect server (API
and services), of the workers with their flow-run processes, runs completed, steps and messages recorded, POSTs
received, and the growth from the first size to the last. Everything lives in one temporary folder; nothing in the
repository is touched; it reads no CCHC_*/PREFECT_* of your shell.
"""

from __future__ import annotations

import argparse
import os
import platform
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import uuid
from dataclasses import dataclass
from datetime import date
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from threading import Thread

import httpx
import sqlalchemy as sa
import yaml

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO / "tests"))
from pgserver import fresh_database, throwaway_postgres  # noqa: E402

AS_OF = "2025-03-03"  # a Monday: every window below is open, no reminder is due yet
POOL = "scale"
TICK = os.sysconf("SC_CLK_TCK")
LOAD = """import sys
from pathlib import Path
from cchc_flow.models.rules.plan import read_directory, read_plan
from cchc_flow.models.services.loading import load_plan
from cchc_flow.models.store.db import session
directory = read_directory(Path(sys.argv[1]))
for path in sys.argv[2:]:
    with session() as s:
        load_plan(s, read_plan(Path(path), directory)[0], directory, stated_name="scale-bench")
"""  # every plan loaded in one process (`cchc plan load` does the same, one file per process)


class _Answer(BaseHTTPRequestHandler):
    posts = 0

    def do_POST(self) -> None:
        self.rfile.read(int(self.headers.get("Content-Length") or 0))
        type(self).posts += 1
        self.send_response(200)
        self.end_headers()

    def log_message(self, *args: object) -> None:
        pass


class _Endpoint(ThreadingHTTPServer):
    request_queue_size = 512  # the deliveries open up to CCHC_NOTIFY_WORKERS connections at once per run
    daemon_threads = True


class _Dumper(yaml.SafeDumper):
    def ignore_aliases(self, data: object) -> bool:  # the plan reader refuses YAML anchors and aliases
        return True


def dump(data: object, path: Path) -> Path:
    path.write_text(yaml.dump(data, Dumper=_Dumper, allow_unicode=True, sort_keys=False), encoding="utf-8")
    return path


def write_world(folder: Path, plans: int, activities: int, units: int, port: int) -> tuple[Path, list[Path], Path]:
    """The unit directory, ``plans`` plan files and the routes file (every unit to the local endpoint)."""
    codes = [f"U{i:03d}" for i in range(1, units + 1)]
    directory = dump(
        {"units": [{"code": c, "name": f"Đơn vị {c}", "kind": "unit", "tags": [f"unit-{c.lower()}"]} for c in codes]},
        folder / "units.yaml",
    )
    routes = dump(
        {"version": 1, "urls": [{f"json://127.0.0.1:{port}/{c.lower()}": {"tag": f"unit-{c.lower()}"}} for c in codes]},
        folder / "notify.yaml",
    )
    paths = []
    per_content = 20
    for p in range(1, plans + 1):
        content, i = [], p * 7  # each plan starts its round robin elsewhere
        for c in range(1, activities // per_content + 1):
            acts = []
            for k in range(1, per_content + 1):
                acts.append(
                    {
                        "id": f"1.{c}.{k}",
                        "text": f"Hoạt động tuyên truyền cải cách hành chính {c}.{k} của kế hoạch {p}",
                        "window": "2025-01-06..2025-12-31",
                        "funding": "Ngân sách nhà nước",
                        "lead": [codes[i % units]],
                        "partners": [codes[(i + 1) % units], codes[(i + 2) % units]],
                    }
                )
                i += 1
            content.append({"number": c, "title": f"Nội dung {c}", "activities": acts})
        paths.append(
            dump(
                {
                    "plan": {
                        "code": f"scale-{p:03d}",
                        "number": f"{p}/KH-SCALE",
                        "signed": "2025-01-02",
                        "issuer": "Bộ phận thử tải",
                        "title": f"Kế hoạch thử tải số {p}",
                        "focal_unit": codes[0],
                        "leadership": codes[1],
                        "objectives": {"general": "Đo tải", "specific": ["Nhiều kế hoạch"]},
                    },
                    "phases": [{"number": 1, "name": "Giai đoạn 1 (2025)", "window": "2025", "content": content}],
                    "reporting": [
                        {
                            "id": "bao-cao",
                            "text": "Báo cáo định kỳ",
                            "to": codes[0],
                            "deadlines": [{"period": "half-year", "due": "06-15"}],
                        }
                    ],
                },
                folder / f"plan-{p:03d}.yaml",
            )
        )
    return directory, paths, routes


def tree_cpu(pid: int) -> float:
    """CPU seconds of a process, its living descendants, and the children they have reaped."""
    parents: dict[int, int] = {}
    stats: dict[int, list[str]] = {}
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                fields = Path(f"/proc/{entry}/stat").read_text().rsplit(")", 1)[1].split()
            except OSError:
                continue
            parents[int(entry)], stats[int(entry)] = int(fields[1]), fields
    total, todo = 0.0, [pid]
    while todo:
        p = todo.pop()
        if p in stats:
            total += sum(int(stats[p][i]) for i in (11, 12, 13, 14)) / TICK
        todo += [c for c, pp in parents.items() if pp == p]
    return total


@dataclass
class Figures:
    plans: int
    activities: int
    runs: int
    completed: int
    wall: float
    server_cpu: float
    workers_cpu: float
    steps: int
    messages: int
    queued: int
    posts: int


class Topology:
    def __init__(self, env: dict[str, str], logs: Path) -> None:
        self.env, self.logs, self.procs = env, logs, []

    def spawn(self, name: str, *args: str) -> subprocess.Popen:
        log = open(self.logs / f"{name}.log", "ab")
        proc = subprocess.Popen(
            args, env=self.env, cwd=REPO, stdout=log, stderr=subprocess.STDOUT, start_new_session=True
        )
        self.procs.append(proc)
        return proc

    def cchc(self, *args: str) -> str:
        done = subprocess.run(
            [sys.executable, "-m", "cchc_flow.cli.main", *args], env=self.env, cwd=REPO, capture_output=True, text=True
        )
        if done.returncode:
            raise SystemExit(f"cchc {' '.join(args)}: exit {done.returncode}\n{done.stdout}\n{done.stderr}")
        return done.stdout

    def stop(self) -> None:
        for proc in reversed(self.procs):
            if proc.poll() is None:
                os.killpg(proc.pid, signal.SIGTERM)
        for proc in self.procs:
            try:
                proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                os.killpg(proc.pid, signal.SIGKILL)
                proc.wait()


def one_size(pg: str, tmp: Path, plans: int, args: argparse.Namespace, endpoint: ThreadingHTTPServer) -> Figures:
    folder = tmp / f"p{plans}"
    folder.mkdir()
    directory, plan_paths, routes = write_world(folder, plans, args.activities, args.units, endpoint.server_port)
    cchc_db = fresh_database(pg, f"cchc_{uuid.uuid4().hex[:10]}")
    prefect_db = fresh_database(pg, f"prefect_{uuid.uuid4().hex[:10]}")
    port = free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PREFECT_", "CCHC_"))}
    env.update(
        PYTHONPATH=str(REPO),
        CCHC_LANG="vi",
        CCHC_HOME=str(folder / "home"),
        CCHC_DATABASE_URL=cchc_db,
        CCHC_NOTIFY_CONFIG=str(routes),
        CCHC_NOTIFY_RETRY_DELAYS="",
        PREFECT_HOME=str(folder / "prefect"),
        PREFECT_API_URL=f"http://127.0.0.1:{port}/api",
        PREFECT_SERVER_DATABASE_CONNECTION_URL=prefect_db.replace("+psycopg", "+asyncpg"),
        PREFECT_SERVER_ANALYTICS_ENABLED="false",
        PREFECT_UI_ENABLED="false",
        DO_NOT_TRACK="1",
        PREFECT_WORKER_QUERY_SECONDS="1",
        PREFECT_LOGGING_LEVEL="WARNING",
    )
    top = Topology(env, folder)
    try:
        server = top.spawn(
            "server", sys.executable, "-m", "prefect", "server", "start", "--host", "127.0.0.1", "--port", str(port)
        )
        wait_healthy(env["PREFECT_API_URL"], folder / "server.log")
        load_start = time.perf_counter()
        subprocess.run(
            [sys.executable, "-c", LOAD, str(directory), *map(str, plan_paths)], env=env, cwd=REPO, check=True
        )
        print(f"  {plans} plans loaded in {time.perf_counter() - load_start:.1f} s", flush=True)
        top.cchc("deploy", "--pool", POOL)
        workers = [
            top.spawn(
                f"worker-{w}",
                sys.executable,
                "-m",
                "prefect",
                "worker",
                "start",
                "--pool",
                POOL,
                "--type",
                "process",
                "--limit",
                str(args.limit),
                "--name",
                f"worker-{w}",
            )
            for w in (1, 2)
        ]
        time.sleep(args.warmup)  # the workers' own start-up is not part of the figures
        posts0, server0 = _Answer.posts, tree_cpu(server.pid)
        workers0 = sum(tree_cpu(w.pid) for w in workers)
        start = time.perf_counter()
        run_ids = trigger_all(env["PREFECT_API_URL"])
        states = wait_final(env["PREFECT_API_URL"], run_ids, args.cap)
        wall = time.perf_counter() - start
        server_cpu = tree_cpu(server.pid) - server0
        workers_cpu = sum(tree_cpu(w.pid) for w in workers) - workers0
        engine = sa.create_engine(cchc_db)
        with engine.connect() as conn:
            steps = conn.execute(sa.text("select count(*) from transition where event = 'assign'")).scalar_one()
            messages = conn.execute(sa.text("select count(*) from notification where status = 'sent'")).scalar_one()
            queued = conn.execute(sa.text("select count(*) from notification")).scalar_one()
        engine.dispose()
        return Figures(
            plans,
            plans * args.activities,
            len(run_ids),
            sum(1 for s in states.values() if s == "COMPLETED"),
            wall,
            server_cpu,
            workers_cpu,
            steps,
            messages,
            queued,
            _Answer.posts - posts0,
        )
    finally:
        top.stop()


def free_port() -> int:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_healthy(url: str, log: Path, timeout: float = 300) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            if httpx.get(f"{url}/health", timeout=2).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.5)
    raise SystemExit(f"no Prefect server at {url}:\n{log.read_text(errors='replace')[-3000:]}")


def trigger_all(api_url: str) -> list[str]:
    """One run of every scheduled deployment for AS_OF, created together with the schedule's parameters."""
    from prefect.client.orchestration import SyncPrefectClient

    ids = []
    with SyncPrefectClient(api_url) as client:
        for d in client.read_deployments():
            if not d.schedules:
                continue  # the reviews: run on demand
            params = {**d.parameters, **d.schedules[0].parameters, "as_of": AS_OF}
            ids.append(str(client.create_flow_run_from_deployment(d.id, parameters=params).id))
    return ids


def wait_final(api_url: str, ids: list[str], cap: float) -> dict[str, str]:
    from prefect.client.orchestration import SyncPrefectClient
    from prefect.client.schemas.filters import FlowRunFilter, FlowRunFilterId

    deadline = time.monotonic() + cap
    with SyncPrefectClient(api_url) as client:
        while True:
            runs = client.read_flow_runs(flow_run_filter=FlowRunFilter(id=FlowRunFilterId(any_=ids)), limit=len(ids))
            states = {str(r.id): r.state.type.value if r.state else "?" for r in runs}
            if all(r.state and r.state.is_final() for r in runs) or time.monotonic() > deadline:
                return states
            time.sleep(1)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--plans", default="10,50", help="numbers of plans, comma-separated (default 10,50)")
    parser.add_argument("--activities", type=int, default=200, help="activities per plan (a multiple of 20)")
    parser.add_argument("--units", type=int, default=100)
    parser.add_argument("--limit", type=int, default=2, help="flow runs each worker runs at a time (default 2)")
    parser.add_argument("--warmup", type=float, default=15, help="seconds given to the workers to start")
    parser.add_argument("--cap", type=float, default=3600, help="seconds at most waited for one size's runs")
    args = parser.parse_args()
    sizes = [int(n) for n in args.plans.split(",")]
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(1))  # stopped from outside: servers and workers stopped too
    load = os.getloadavg()
    print(
        f"machine: {platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}; "
        f"date {date.today()} {time.strftime('%H:%M', time.gmtime())} UTC; load average at start "
        f"{load[0]:.1f} {load[1]:.1f} {load[2]:.1f}"
    )
    print(f"{args.activities} activities per plan, {args.units} units, 2 workers × {args.limit} runs at a time")
    endpoint = _Endpoint(("127.0.0.1", 0), _Answer)
    Thread(target=endpoint.serve_forever, daemon=True).start()
    tmp = Path(tempfile.mkdtemp(prefix="cchc-scale-bench-"))
    figures: list[Figures] = []
    try:
        with throwaway_postgres() as pg:
            for n in sizes:
                f = one_size(pg, tmp, n, args, endpoint)
                figures.append(f)
                print(
                    f"{f.plans:3d} plans {f.activities:6,d} activities: {f.completed}/{f.runs} runs completed in "
                    f"{f.wall:7.1f} s ({f.wall / max(f.runs, 1):.2f} s a run); CPU server {f.server_cpu:7.1f} s, "
                    f"workers and runs {f.workers_cpu:7.1f} s; steps {f.steps:,d}, messages sent {f.messages:,d} of "
                    f"{f.queued:,d}, "
                    f"POSTs {f.posts:,d}; load {os.getloadavg()[0]:.1f}",
                    flush=True,
                )
    finally:
        endpoint.shutdown()
        shutil.rmtree(tmp, ignore_errors=True)
    if len(figures) > 1:
        a, b = figures[0], figures[-1]
        k = b.plans / a.plans
        print(
            f"growth {a.plans} → {b.plans} plans (×{k:g}): wall ×{b.wall / a.wall:.2f}, server CPU "
            f"×{b.server_cpu / max(a.server_cpu, 0.01):.2f}, workers CPU ×{b.workers_cpu / max(a.workers_cpu, 0.01):.2f}"
        )


if __name__ == "__main__":
    main()
