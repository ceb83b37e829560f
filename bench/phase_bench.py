#!/usr/bin/env python
"""Phase-flow benchmark: 1,000 activities, 100 units, deliveries to a 100 ms HTTP endpoint.

Run by hand from the repository root:

    .venv/bin/python bench/phase_bench.py            # about 3-5 minutes on 2 cores
    .venv/bin/python bench/phase_bench.py --quick    # one repetition of each, for a smoke check
    .venv/bin/python bench/phase_bench.py --profile  # also cProfile one first run and one re-run

Not a test: it prints figures and PASS/MISS against the targets and always exits 0 (unless it crashes).
Everything it writes (unit directory, plan, routes, databases, PREFECT_HOME) lives in one temporary folder
that is removed at the end. See bench/README.md for what each line means.
"""

from __future__ import annotations

import argparse
import cProfile
import io
import json
import os
import platform
import pstats
import shutil
import sys
import tempfile
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
if str(REPO) not in sys.path:
    sys.path.insert(0, str(REPO))

# Everything this script writes goes under ROOT. Prefect reads its settings when it is first imported, so
# the environment is set before any project or Prefect import.
ROOT = Path(tempfile.mkdtemp(prefix="cchc-bench-"))
os.environ.update({
    "PREFECT_HOME": str(ROOT / "prefect-home"),
    "PREFECT_SERVER_ANALYTICS_ENABLED": "false",
    # Task logs still go to the API as in production; only the console copy is silenced (1,000s of lines).
    "PREFECT_LOGGING_HANDLERS_CONSOLE_LEVEL": "WARNING",
    "CCHC_LANG": "vi",
    "CCHC_ACTOR": "bench",
    "CCHC_NOTIFY_TIMEOUT": "10",
})
for _var in ("PREFECT_API_URL", "PREFECT_PROFILE", "CCHC_DATABASE_URL", "CCHC_NOTIFY_CONFIG"):
    os.environ.pop(_var, None)

import yaml  # noqa: E402

AS_OF = "2025-03-03"              # a Monday: every window below is open, no reminder is due yet
WINDOW = "2025-01-06..2025-12-31"  # reminders (30/7/1 days before the end) fall in December
ENDPOINT_DELAY = 0.100            # seconds the endpoint waits before answering each POST

TARGET_FIRST = 1.5    # first run <= 1.5 x bare flow
TARGET_RERUN = 1.2    # re-run <= 1.2 x bare flow
TARGET_DELIVERY = 10.0  # 1,000 notifications to a 100 ms endpoint in <= 10 s


# --------------------------------------------------------------------------------------------------------------
# The endpoint: a threaded HTTP server on 127.0.0.1 that answers every POST after ENDPOINT_DELAY seconds
# --------------------------------------------------------------------------------------------------------------

class _SlowHandler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "BenchEndpoint/1.0"

    def log_message(self, format, *args):  # noqa: A002 - silence the access log
        pass

    def do_POST(self):  # noqa: N802
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length else b""
        arrived = time.monotonic()
        time.sleep(self.server.delay)
        data = b'{"ok": true}'
        try:
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)
        except OSError:
            self.close_connection = True
        self.server.record(self.path, body, arrived, time.monotonic())


class SlowEndpoint(ThreadingHTTPServer):
    """One thread per connection; a deep accept queue so that 1,000 simultaneous connects are not dropped."""

    daemon_threads = True
    block_on_close = False
    allow_reuse_address = True
    request_queue_size = 2048

    def __init__(self, delay: float):
        super().__init__(("127.0.0.1", 0), _SlowHandler)
        self.delay = delay
        self._lock = threading.Lock()
        self.posts: list[tuple[str, int, float, float]] = []  # (path, body bytes, arrived, answered)
        self.thread = threading.Thread(target=self.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True,
                                       name="bench-endpoint")

    def record(self, path: str, body: bytes, arrived: float, answered: float) -> None:
        with self._lock:
            self.posts.append((path, len(body), arrived, answered))

    def clear(self) -> None:
        with self._lock:
            self.posts.clear()

    def snapshot(self) -> list[tuple[str, int, float, float]]:
        with self._lock:
            return list(self.posts)

    @property
    def port(self) -> int:
        return self.server_address[1]

    def start(self) -> "SlowEndpoint":
        self.thread.start()
        return self

    def stop(self) -> None:
        self.shutdown()
        self.server_close()


def post_span(posts: list[tuple[str, int, float, float]]) -> float:
    """Seconds from the first POST's arrival to the last POST's answer (0 when none)."""
    if not posts:
        return 0.0
    return max(p[3] for p in posts) - min(p[2] for p in posts)


# --------------------------------------------------------------------------------------------------------------
# Synthetic data: unit directory, plan, routes
# --------------------------------------------------------------------------------------------------------------

class _NoAliasDumper(yaml.SafeDumper):
    def ignore_aliases(self, data):  # the plan reader refuses anchors/aliases
        return True


def _dump(data: object, path: Path) -> Path:
    path.write_text(yaml.dump(data, Dumper=_NoAliasDumper, allow_unicode=True, sort_keys=False), encoding="utf-8")
    return path


@dataclass
class World:
    """One synthetic plan with its unit directory and routes, loaded once into a template database."""

    name: str
    folder: Path
    plan_code: str
    units: list[str]
    activities: int
    expected_notifications: int
    units_path: Path = field(init=False)
    plan_path: Path = field(init=False)
    routes_path: Path = field(init=False)
    template_db: Path = field(init=False)


def make_world(name: str, *, unit_codes: list[str], contents: int, per_content: int, partners: int,
               port: int) -> World:
    folder = ROOT / name
    folder.mkdir()
    n = len(unit_codes)
    world = World(name, folder, f"bench-{name}", unit_codes, contents * per_content,
                  contents * per_content * (1 + partners))
    world.units_path = _dump({"units": [
        {"code": c, "name": f"Đơn vị thử nghiệm {c}", "kind": "unit", "tags": [f"unit-{c.lower()}"]}
        for c in unit_codes]}, folder / "units.yaml")
    content_items = []
    i = 0
    for c in range(1, contents + 1):
        acts = []
        for k in range(1, per_content + 1):
            lead = unit_codes[i % n]
            acts.append({
                "id": f"1.{c}.{k}",
                "text": f"Viết và đăng tin bài tuyên truyền cải cách hành chính số {c}.{k} trên Cổng thông tin",
                "window": WINDOW,
                "funding": "Ngân sách nhà nước",
                "lead": [lead],
                "partners": [unit_codes[(i + j) % n] for j in range(1, partners + 1)],
            })
            i += 1
        content_items.append({"number": c, "title": f"Nội dung tuyên truyền {c}", "activities": acts})
    world.plan_path = _dump({
        "plan": {
            "code": world.plan_code, "number": "01/KH-BENCH", "signed": "2025-01-02", "issuer": "Bộ phận thử tải",
            "title": "Kế hoạch thử tải thông tin, truyền thông cải cách hành chính",
            "focal_unit": unit_codes[0], "leadership": unit_codes[1],
            "objectives": {"general": "Đo thời gian chạy một giai đoạn", "specific": ["Một nghìn hoạt động"]},
        },
        "phases": [{"number": 1, "name": "Giai đoạn 1 (2025)", "window": "2025", "content": content_items}],
    }, folder / "plan.yaml")
    world.routes_path = _dump({"version": 1, "urls": [
        {f"json://127.0.0.1:{port}/{c.lower()}": {"tag": f"unit-{c.lower()}"}} for c in unit_codes]},
        folder / "notify.yaml")
    world.template_db = _load_template(world)
    return world


def _use_home(home: Path, routes: Path) -> str:
    url = f"sqlite:///{home / 'cchc.db'}"
    os.environ["CCHC_HOME"] = str(home)
    os.environ["CCHC_DATABASE_URL"] = url
    os.environ["CCHC_NOTIFY_CONFIG"] = str(routes)
    return url


def _dispose(url: str) -> None:
    from models.db import get_engine

    get_engine(url).dispose()  # closes the SQLite connections: the WAL is checkpointed into the main file


def _load_template(world: World) -> Path:
    """Read, check and load the plan once; later runs start from a copy of this database."""
    from models.db import session
    from models.loading import load_plan
    from models.plan import read_directory, read_plan

    home = world.folder / "template"
    url = _use_home(home, world.routes_path)
    directory = read_directory(world.units_path)
    plan, _warnings = read_plan(world.plan_path, directory)
    assert len(plan.activities) == world.activities, len(plan.activities)
    t0 = time.perf_counter()
    with session() as s:
        result = load_plan(s, plan, directory, actor="bench")
    assert result.status == "created", result
    world.load_seconds = time.perf_counter() - t0  # type: ignore[attr-defined]
    _dispose(url)
    db = home / "cchc.db"
    assert not Path(str(db) + "-wal").exists() or Path(str(db) + "-wal").stat().st_size == 0
    return db


_fresh = 0


def fresh_database(world: World) -> str:
    """A new CCHC_HOME holding a copy of the world's freshly loaded database; returns its URL."""
    global _fresh
    _fresh += 1
    home = world.folder / f"run-{_fresh}"
    home.mkdir(mode=0o700)
    shutil.copyfile(world.template_db, home / "cchc.db")
    return _use_home(home, world.routes_path)


# --------------------------------------------------------------------------------------------------------------
# Waiting for the Prefect API to go quiet between measurements
# --------------------------------------------------------------------------------------------------------------

_TICK = os.sysconf("SC_CLK_TCK")


def _descendants(pid: int) -> list[int]:
    parents: dict[int, int] = {}
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                stat = Path(f"/proc/{entry}/stat").read_text()
            except OSError:
                continue
            parents[int(entry)] = int(stat.rsplit(")", 1)[1].split()[1])
    out, todo = [], [pid]
    while todo:
        p = todo.pop()
        kids = [c for c, pp in parents.items() if pp == p]
        out += kids
        todo += kids
    return out


def _cpu(pids: list[int]) -> float:
    total = 0.0
    for p in pids:
        try:
            fields = Path(f"/proc/{p}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        total += (int(fields[11]) + int(fields[12])) / _TICK
    return total


def server_cpu() -> float:
    """CPU seconds used so far by this process's children (the Prefect test API server)."""
    return _cpu(_descendants(os.getpid()))


def settle(max_wait: float = 45.0, window: float = 1.0, busy: float = 0.10) -> float:
    """Wait until this process and the Prefect API server together use < ``busy`` of a core for ``window``
    seconds (task-run rows and logs of the previous run reach the API asynchronously); returns seconds waited."""
    start = time.monotonic()
    pids = [os.getpid(), *_descendants(os.getpid())]
    last = _cpu(pids)
    while time.monotonic() - start < max_wait:
        time.sleep(window)
        now = _cpu(pids)
        if now - last < busy * window:
            break
        last = now
    return time.monotonic() - start


# --------------------------------------------------------------------------------------------------------------
# Measurements
# --------------------------------------------------------------------------------------------------------------

@dataclass
class PhaseTiming:
    total: float
    activities: float      # flow start -> deliver_pending starts (phase_view + 1,000 activity tasks)
    delivery: float        # deliver_pending wall time (claim, compose, POST, record, per unit, concurrently)
    tail: float            # deliver_pending ends -> flow returns (pending count, artifact, flow end)
    posts: int
    post_span: float
    queued: int
    sent: int
    left: int
    server_cpu: float


class _DeliveryClock:
    """Wraps flows.phase.deliver_pending (the flow looks it up at call time) to time the delivery step."""

    def __init__(self) -> None:
        import flows.phase as phase

        self.phase, self.original = phase, phase.deliver_pending
        self.started = self.ended = 0.0

    def __enter__(self) -> "_DeliveryClock":
        def timed(*args, **kwargs):  # type: ignore[no-untyped-def]
            self.started = time.perf_counter()
            try:
                return self.original(*args, **kwargs)
            finally:
                self.ended = time.perf_counter()

        self.phase.deliver_pending = timed
        return self

    def __exit__(self, *exc: object) -> None:
        self.phase.deliver_pending = self.original


def run_phase_once(world: World, endpoint: SlowEndpoint, profile: cProfile.Profile | None = None) -> PhaseTiming:
    from flows.phase import phase_flow

    endpoint.clear()
    cpu0 = server_cpu()
    with _DeliveryClock() as clock:
        t0 = time.perf_counter()
        if profile:
            profile.enable()
        summary = phase_flow(plan=world.plan_code, phase=1, as_of=AS_OF)
        if profile:
            profile.disable()
        t1 = time.perf_counter()
    posts = endpoint.snapshot()
    return PhaseTiming(total=t1 - t0, activities=clock.started - t0, delivery=clock.ended - clock.started,
                       tail=t1 - clock.ended, posts=len(posts), post_span=post_span(posts),
                       queued=sum(o.queued for o in summary.activities),
                       sent=sum(d.sent for d in summary.deliveries), left=summary.pending,
                       server_cpu=server_cpu() - cpu0)


def bare_flow_factory():  # type: ignore[no-untyped-def]
    from prefect import flow, tags, task
    from prefect.cache_policies import NO_CACHE

    @task(name="noop", task_run_name="noop {i}", cache_policy=NO_CACHE)
    def noop(i: int) -> int:
        return i

    @flow(name="bare", persist_result=False, log_prints=False)
    def bare(n: int) -> int:
        total = 0
        for i in range(n):
            with tags(f"U{i % 100 + 1:03d}"):  # phase_flow tags each call with the lead unit
                total += noop(i)
        return total

    return bare


def channel_only(world: World, endpoint: SlowEndpoint, workers: int) -> tuple[float, int, int]:
    """flows.channels.deliver once per unit, all at once in a thread pool (no database, no Prefect);
    returns (seconds, ok, POSTs received)."""
    from flows.channels import deliver, load_routes

    config = load_routes(world.routes_path)
    body = "\n".join(f"{i}. Giao nhiệm vụ: hoạt động 1.{i}.1 — hạn 31/12/2025" for i in range(1, 11))
    endpoint.clear()
    t0 = time.perf_counter()
    with ThreadPoolExecutor(max_workers=workers) as pool:
        results = list(pool.map(lambda code: deliver(config, f"unit-{code.lower()}", f"Thông báo cho {code}", body),
                                world.units))
    seconds = time.perf_counter() - t0
    ok = sum(1 for rs in results for r in rs if r.ok)
    return seconds, ok, len(endpoint.snapshot())


def machine() -> str:
    import apprise
    import prefect
    import sqlalchemy
    import sqlmodel

    cpu = "?"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    return (f"machine: nproc={os.cpu_count()} cpu={cpu!r} python={platform.python_version()} "
            f"prefect={prefect.__version__} sqlalchemy={sqlalchemy.__version__} sqlmodel={sqlmodel.__version__} "
            f"apprise={apprise.__version__} sqlite={__import__('sqlite3').sqlite_version}")


def verdict(ok: bool) -> str:
    return "PASS" if ok else "MISS"


def print_profile(title: str, profile: cProfile.Profile, limit: int = 30) -> None:
    out = io.StringIO()
    stats = pstats.Stats(profile, stream=out)
    stats.sort_stats("cumulative").print_stats(limit)
    print(f"\n--- cProfile (main thread only), {title}: top {limit} by cumulative time ---")
    print("\n".join(line for line in out.getvalue().splitlines() if line.strip())[:12000])


# --------------------------------------------------------------------------------------------------------------

def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--quick", action="store_true", help="one repetition of each measurement")
    ap.add_argument("--profile", action="store_true", help="cProfile one first run and one re-run (main thread)")
    ap.add_argument("--no-wide", action="store_true", help="skip the 1,000-unit delivery measurements")
    args = ap.parse_args()
    reps = 1 if args.quick else 3
    began = time.monotonic()

    print(machine())
    print(f"date: {time.strftime('%Y-%m-%d %H:%M %Z')}  temp folder: {ROOT}")

    from prefect.testing.utilities import prefect_test_harness

    from flows.runtime import quiet_prefect

    endpoint = SlowEndpoint(ENDPOINT_DELAY).start()
    try:
        t0 = time.perf_counter()
        u100 = [f"U{i:03d}" for i in range(1, 101)]
        main_world = make_world("u100", unit_codes=u100, contents=50, per_content=20, partners=2, port=endpoint.port)
        print(f"setup: {len(u100)} units, {main_world.activities} activities (1 lead + 2 partners each), "
              f"{main_world.expected_notifications} notifications expected; plan loaded in "
              f"{main_world.load_seconds:.1f} s")  # type: ignore[attr-defined]
        wide = None
        if not args.no_wide:
            u1000 = [f"W{i:04d}" for i in range(1, 1001)]
            wide = make_world("w1000", unit_codes=u1000, contents=50, per_content=20, partners=0,
                              port=endpoint.port)
            print(f"setup: {len(u1000)} units, {wide.activities} activities (1 lead, no partner each), "
                  f"{wide.expected_notifications} notifications expected; plan loaded in "
                  f"{wide.load_seconds:.1f} s")  # type: ignore[attr-defined]
        print(f"setup took {time.perf_counter() - t0:.1f} s")

        t0 = time.perf_counter()
        with prefect_test_harness(), quiet_prefect():
            print(f"Prefect test API started in {time.perf_counter() - t0:.1f} s")
            bare = bare_flow_factory()
            bare(n=10)  # warm-up: imports, client, first flow run
            settle()

            # (a) bare flow
            bare_times = []
            for _ in range(reps):
                cpu0 = server_cpu()
                t = time.perf_counter()
                assert bare(n=1000) == sum(range(1000))
                bare_times.append(time.perf_counter() - t)
                waited = settle()
                print(f"  bare flow, 1,000 no-op tasks: {bare_times[-1]:.2f} s "
                      f"(API server CPU during run {server_cpu() - cpu0:.1f} s incl. settle {waited:.1f} s)")
            bare_best = min(bare_times)

            # (b) first run and (c) re-run, each first run on a fresh copy of the loaded database
            firsts: list[PhaseTiming] = []
            reruns: list[PhaseTiming] = []
            for r in range(reps):
                url = fresh_database(main_world)
                firsts.append(run_phase_once(main_world, endpoint))
                f = firsts[-1]
                waited = settle()
                print(f"  first run: {f.total:.2f} s = activities {f.activities:.2f} + delivery {f.delivery:.2f} "
                      f"+ tail {f.tail:.2f}; queued {f.queued}, sent {f.sent}, left {f.left}, POSTs {f.posts} "
                      f"(first->last {f.post_span:.2f} s); settle {waited:.1f} s")
                reruns.append(run_phase_once(main_world, endpoint))
                g = reruns[-1]
                waited = settle()
                print(f"  re-run:    {g.total:.2f} s = activities {g.activities:.2f} + delivery {g.delivery:.2f} "
                      f"+ tail {g.tail:.2f}; queued {g.queued}, sent {g.sent}, left {g.left}, POSTs {g.posts}; "
                      f"settle {waited:.1f} s")
                _dispose(url)
            first_best = min(firsts, key=lambda x: x.total)
            rerun_best = min(reruns, key=lambda x: x.total)

            # (d) deliveries
            wide_run = None
            channel = None
            if wide is not None:
                url = fresh_database(wide)
                wide_run = run_phase_once(wide, endpoint)
                w = wide_run
                waited = settle()
                print(f"  1,000-unit first run: {w.total:.2f} s = activities {w.activities:.2f} + delivery "
                      f"{w.delivery:.2f} + tail {w.tail:.2f}; queued {w.queued}, sent {w.sent}, left {w.left}, "
                      f"POSTs {w.posts} (first->last {w.post_span:.2f} s); settle {waited:.1f} s")
                _dispose(url)
                channel = channel_only(wide, endpoint, workers=1000)
                print(f"  channels.deliver x1,000 in 1,000 threads (no DB, no Prefect): {channel[0]:.2f} s, "
                      f"ok {channel[1]}, POSTs {channel[2]}")

            profiles = []
            if args.profile:
                url = fresh_database(main_world)
                prof = cProfile.Profile()
                p1 = run_phase_once(main_world, endpoint, prof)
                profiles.append((f"first run ({p1.total:.2f} s under the profiler)", prof))
                settle()
                prof = cProfile.Profile()
                p2 = run_phase_once(main_world, endpoint, prof)
                profiles.append((f"re-run ({p2.total:.2f} s under the profiler)", prof))
                settle()
                _dispose(url)
    finally:
        endpoint.stop()

    # ---------------------------------------------------------------------------------------------- report
    rows = [
        ("a  bare flow, 1,000 no-op tasks", bare_best, 1.0, "baseline", ""),
        ("b  phase first run (1,000 assign + 100 digests)", first_best.total, first_best.total / bare_best,
         f"<= {TARGET_FIRST:.1f}x bare", verdict(first_best.total <= TARGET_FIRST * bare_best)),
        ("c  phase re-run, same date (nothing new)", rerun_best.total, rerun_best.total / bare_best,
         f"<= {TARGET_RERUN:.1f}x bare", verdict(rerun_best.total <= TARGET_RERUN * bare_best)),
        ("d1 delivery step of (b): 100 digests", first_best.delivery, None,
         f"{first_best.queued} notif.", "info"),
    ]
    if wide_run is not None:
        rows.append(("d2 delivery step, 1,000 units x 1 notif.", wide_run.delivery, None,
                     f"<= {TARGET_DELIVERY:.0f} s", verdict(wide_run.delivery <= TARGET_DELIVERY)))
    if channel is not None:
        rows.append(("d3 channels.deliver x1,000, no DB/Prefect", channel[0], None,
                     f"<= {TARGET_DELIVERY:.0f} s", verdict(channel[0] <= TARGET_DELIVERY)))
    best = "best of %d" % reps
    print(f"\nResults ({best} for a, b, c; d2 and d3 once). Endpoint answers each POST after "
          f"{ENDPOINT_DELAY * 1000:.0f} ms.")
    print(f"{'measurement':50s} {'seconds':>8s} {'x bare':>7s}  {'target':16s} result")
    for name, seconds, ratio, target, result in rows:
        r = f"{ratio:6.2f}x" if ratio is not None else "      -"
        print(f"{name:50s} {seconds:8.2f} {r}  {target:16s} {result}")
    print(f"\nall runs: bare {', '.join(f'{x:.2f}' for x in bare_times)}; "
          f"first {', '.join(f'{x.total:.2f}' for x in firsts)}; "
          f"re-run {', '.join(f'{x.total:.2f}' for x in reruns)}")
    # 1,000 tasks: seconds per run == milliseconds per task
    print(f"per task: bare {bare_best:.2f} ms; first run activity step {first_best.activities:.2f} ms; "
          f"re-run activity step {rerun_best.activities:.2f} ms")
    for title, prof in profiles:
        print_profile(title, prof)
    print(f"\ntotal bench time {time.monotonic() - began:.0f} s")


if __name__ == "__main__":
    try:
        main()
    finally:
        shutil.rmtree(ROOT, ignore_errors=True)
