#!/usr/bin/env python
"""Phase-flow benchmark: 1,000 activities, 100 units, deliveries to an HTTP endpoint that answers in 100 ms.

Run by hand from the repository root (not a test; it prints figures and PASS/MISS and exits 0):

    .venv/bin/python bench/phase_bench.py              # full run, 5-10 minutes on 2 cores (see README)
    .venv/bin/python bench/phase_bench.py --quick      # one repetition of each, shorter caps
    .venv/bin/python bench/phase_bench.py --rounds 5   # five rounds of a, b, c, c2, a' (and p): steadier medians
    .venv/bin/python bench/phase_bench.py --profile    # also cProfile the project code outside Prefect
    .venv/bin/python bench/phase_bench.py --only s --quick  # line s alone: a bare flow, s1, s2

Everything it writes (unit directories, plans, routes, databases, PREFECT_HOME) lives in one temporary folder
that is removed at the end; the Prefect test API (prefect_test_harness) removes its own. bench/README.md says
what each printed line means and gives figures measured on the 2-core development machine.
"""

from __future__ import annotations

import argparse
import contextlib
import cProfile
import io
import json
import logging
import math
import multiprocessing
import multiprocessing.connection
import os
import platform
import pstats
import queue
import re
import shutil
import signal
import socket
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
if str(REPO) not in sys.path:
    sys.path.insert(0, str(REPO))

# Everything goes under ROOT. Prefect reads its settings when first imported: the environment is set before any
# Prefect or project import. A child process (the 1,000-unit delivery, see run_wide_delivery) shares the folder.
CHILD = os.environ.get("CCHC_BENCH_CHILD_ROOT")
ROOT = Path(CHILD) if CHILD else Path(tempfile.mkdtemp(prefix="cchc-bench-"))
os.environ.update(
    {
        "PREFECT_HOME": str(ROOT / "prefect-home"),
        "PREFECT_SERVER_ANALYTICS_ENABLED": "false",
        # Task logs still go to the API as in production; only the console copy is kept to warnings and errors.
        "PREFECT_LOGGING_HANDLERS_CONSOLE_LEVEL": "WARNING",
        "CCHC_LANG": "vi",
        "CCHC_ACTOR": "bench",
        "CCHC_NOTIFY_TIMEOUT": "10",
    }
)
if not CHILD:
    for _var in ("PREFECT_API_URL", "PREFECT_PROFILE", "CCHC_DATABASE_URL", "CCHC_NOTIFY_CONFIG"):
        os.environ.pop(_var, None)
    # The test API runs with the settings cchc gives every Prefect server it starts (flows/running/local_api.py); the
    # baseline a0 runs on a second API with Prefect's defaults (start_default_api).
    from cchc_flow.flows.running.local_api import SERVER_SETTINGS  # imports no Prefect

    os.environ.update(SERVER_SETTINGS)

import yaml  # noqa: E402

AS_OF = "2025-03-03"  # a Monday: every activity window is open, no reminder is due yet
WINDOW = "2025-01-06..2025-12-31"  # reminders (30/7/1 days before the end) fall in December
SERIES_AS_OF = "2025-12-01"  # a Monday: the twelve monthly periods of 2025 have opened
ENDPOINT_DELAY = 0.100  # seconds the endpoint waits before answering each POST

TARGET_FIRST = 1.5  # first run <= 1.5 x bare flow
TARGET_RERUN = 1.2  # re-run <= 1.2 x bare flow
TARGET_TOTAL = 0.7  # first run, until the API has recorded its task runs <= 0.7 x the same for a0
TARGET_DELIVERY = 2.0  # 1,000 notifications to a 100 ms endpoint in <= 2 s


# --------------------------------------------------------------------------------------------------------------
# The endpoint: a threaded HTTP server on 127.0.0.1, in its own process (as a real endpoint would be: its threads
# do not compete with the flow for this process's interpreter lock), that answers every POST after ENDPOINT_DELAY s
# --------------------------------------------------------------------------------------------------------------


class _SlowHandler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "BenchEndpoint/1.0"
    # Headers and body go out in two writes: with Nagle's algorithm on, an answer on a kept-alive connection would
    # wait for the client's delayed ACK (40 ms here). Servers in front of real webhooks set TCP_NODELAY.
    disable_nagle_algorithm = True

    def log_message(self, format, *args):
        pass

    def do_POST(self):
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
        self.server.posts.put((self.path, len(body), arrived, time.monotonic()))


class _Server(ThreadingHTTPServer):
    """One thread per connection and a deep accept queue: 1,000 simultaneous connects are not dropped."""

    daemon_threads = True
    block_on_close = False
    allow_reuse_address = True
    request_queue_size = 2048

    def __init__(self, delay: float, posts: multiprocessing.Queue) -> None:
        super().__init__(("127.0.0.1", 0), _SlowHandler)
        self.delay, self.posts = delay, posts


def _serve(delay: float, posts: multiprocessing.Queue, port: multiprocessing.connection.Connection) -> None:
    server = _Server(delay, posts)
    port.send(server.server_address[1])
    server.serve_forever(poll_interval=0.05)


class SlowEndpoint:
    """The endpoint's process; what it received, as (path, body bytes, arrived, answered) in monotonic seconds
    (one clock for every process of the machine)."""

    def __init__(self, delay: float) -> None:
        ctx = multiprocessing.get_context("fork")  # started before any thread or Prefect import
        self._queue = ctx.Queue()
        self._port, child = ctx.Pipe()
        self._proc = ctx.Process(target=_serve, args=(delay, self._queue, child), daemon=True, name="bench-endpoint")
        self.posts: list[tuple[str, int, float, float]] = []
        self.port = 0

    def _drain(self, linger: float = 0.0) -> None:
        while True:
            try:
                self.posts.append(self._queue.get(timeout=linger) if linger else self._queue.get_nowait())
            except queue.Empty:
                return

    def clear(self) -> None:
        self._drain()
        self.posts.clear()

    def snapshot(self) -> list[tuple[str, int, float, float]]:
        self._drain(linger=0.3)  # the last records may still be on their way from the endpoint's process
        return list(self.posts)

    def start(self) -> SlowEndpoint:
        self._proc.start()
        self.port = self._port.recv()
        return self

    def stop(self) -> None:
        self._proc.terminate()
        self._proc.join(timeout=10)


def post_span(posts: list[tuple[str, int, float, float]]) -> float:
    """Seconds from the first POST's arrival to the last POST's answer (0 when none)."""
    return max(p[3] for p in posts) - min(p[2] for p in posts) if posts else 0.0


# --------------------------------------------------------------------------------------------------------------
# Synthetic data: unit directory, plan, routes; loaded once into a template database
# --------------------------------------------------------------------------------------------------------------


class _NoAliasDumper(yaml.SafeDumper):
    def ignore_aliases(self, data):  # the plan reader refuses YAML anchors and aliases
        return True


def _dump(data: object, path: Path) -> Path:
    path.write_text(yaml.dump(data, Dumper=_NoAliasDumper, allow_unicode=True, sort_keys=False), encoding="utf-8")
    return path


@dataclass
class World:
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
    load_seconds: float = 0.0
    as_of: str = AS_OF


def make_world(name: str, *, unit_codes: list[str], contents: int, per_content: int, partners: int, port: int) -> World:
    """Write the unit directory, a one-phase plan (ids 1.C.N, one lead and ``partners`` partners each, all
    windows open at AS_OF) and a routes file (each unit's tag -> json://127.0.0.1:port/<unit>), and load them."""
    folder = ROOT / name
    folder.mkdir()
    n = len(unit_codes)
    world = World(
        name, folder, f"bench-{name}", unit_codes, contents * per_content, contents * per_content * (1 + partners)
    )
    world.units_path = _dump(
        {
            "units": [
                {"code": c, "name": f"Đơn vị thử nghiệm {c}", "kind": "unit", "tags": [f"unit-{c.lower()}"]}
                for c in unit_codes
            ]
        },
        folder / "units.yaml",
    )
    content_items, i = [], 0
    for c in range(1, contents + 1):
        acts = []
        for k in range(1, per_content + 1):
            acts.append(
                {
                    "id": f"1.{c}.{k}",
                    "text": f"Viết và đăng tin bài tuyên truyền cải cách hành chính số {c}.{k} trên Cổng thông tin",
                    "window": WINDOW,
                    "funding": "Ngân sách nhà nước",
                    "lead": [unit_codes[i % n]],
                    "partners": [unit_codes[(i + j) % n] for j in range(1, partners + 1)],
                }
            )
            i += 1
        content_items.append({"number": c, "title": f"Nội dung tuyên truyền {c}", "activities": acts})
    world.plan_path = _dump(
        {
            "plan": {
                "code": world.plan_code,
                "number": "01/KH-BENCH",
                "signed": "2025-01-02",
                "issuer": "Bộ phận thử tải",
                "title": "Kế hoạch thử tải thông tin, truyền thông cải cách hành chính",
                "focal_unit": unit_codes[0],
                "leadership": unit_codes[1],
                "objectives": {"general": "Đo thời gian chạy một giai đoạn", "specific": ["Một nghìn hoạt động"]},
            },
            "phases": [{"number": 1, "name": "Giai đoạn 1 (2025)", "window": "2025", "content": content_items}],
        },
        folder / "plan.yaml",
    )
    world.routes_path = _dump(
        {
            "version": 1,
            "urls": [{f"json://127.0.0.1:{port}/{c.lower()}": {"tag": f"unit-{c.lower()}"}} for c in unit_codes],
        },
        folder / "notify.yaml",
    )
    world.template_db = _load_template(world)
    return world


def make_series_world(port: int) -> World:
    """Line s: 100 units in one group and one activity that each member does every month of 2025 (``for_each`` and
    ``recurs: monthly``): 1,200 items (``1.1.1@2025-MM:Unnn``), all open as of SERIES_AS_OF."""
    folder = ROOT / "series"
    folder.mkdir()
    codes = [f"U{i:03d}" for i in range(1, 101)]
    world = World("series", folder, "bench-series", codes, 1200, 0, as_of=SERIES_AS_OF)
    units = [
        {"code": c, "name": f"Đơn vị thử nghiệm {c}", "kind": "unit", "tags": [f"unit-{c.lower()}"]} for c in codes
    ]
    units.append({"code": "NHOM", "name": "Các đơn vị thử nghiệm", "kind": "group", "tags": ["nhom-thu-nghiem"]})
    world.units_path = _dump({"units": units}, folder / "units.yaml")
    activity = {
        "id": "1.1.1",
        "text": "Đăng tin bài tuyên truyền cải cách hành chính hằng tháng trên trang của đơn vị",
        "window": "2025",
        "funding": "Ngân sách nhà nước",
        "lead": ["NHOM"],
        "for_each": True,
        "recurs": "monthly",
    }
    world.plan_path = _dump(
        {
            "plan": {
                "code": world.plan_code,
                "number": "02/KH-BENCH",
                "signed": "2025-01-02",
                "issuer": "Bộ phận thử tải",
                "title": "Kế hoạch thử tải: việc hằng tháng của từng đơn vị",
                "focal_unit": codes[0],
                "leadership": codes[1],
                "objectives": {"general": "Đo thời gian chạy một giai đoạn", "specific": ["Một trăm đơn vị"]},
            },
            "groups": {"NHOM": codes},
            "phases": [
                {
                    "number": 1,
                    "name": "Giai đoạn 1 (2025)",
                    "window": "2025",
                    "content": [{"number": 1, "title": "Tuyên truyền hằng tháng", "activities": [activity]}],
                }
            ],
        },
        folder / "plan.yaml",
    )
    world.routes_path = _dump(
        {"version": 1, "urls": [{f"json://127.0.0.1:{port}/{c.lower()}": {"tag": f"unit-{c.lower()}"}} for c in codes]},
        folder / "notify.yaml",
    )
    world.template_db = _load_template(world, expect=1)
    return world


def _use_home(home: Path, routes: Path) -> str:
    url = f"sqlite:///{home / 'cchc.db'}"
    os.environ["CCHC_HOME"] = str(home)
    os.environ["CCHC_DATABASE_URL"] = url
    os.environ["CCHC_NOTIFY_CONFIG"] = str(routes)
    return url


def _dispose(url: str) -> None:
    from cchc_flow.models.store.db import get_engine

    get_engine(url).dispose()  # closes the SQLite connections; the last one checkpoints the WAL into the file


def _load_template(world: World, expect: int | None = None) -> Path:

    home = world.folder / "template"
    url = _use_home(home, world.routes_path)
    world.load_seconds = _load_plan(world, expect)
    _dispose(url)
    return _closed_copy(home / "cchc.db")


def _load_plan(world: World, expect: int | None = None) -> float:
    """Load the world's plan into the configured database (CCHC_DATABASE_URL); the seconds the load took."""
    from cchc_flow.models.rules.plan import read_directory, read_plan
    from cchc_flow.models.services.loading import load_plan
    from cchc_flow.models.store.db import session

    directory = read_directory(world.units_path)
    plan, _warnings = read_plan(world.plan_path, directory)
    assert len(plan.activities) == (world.activities if expect is None else expect), len(plan.activities)
    t0 = time.perf_counter()
    with session() as s:
        result = load_plan(s, plan, directory, stated_name="bench")
    assert result.status == "created", result
    return time.perf_counter() - t0


def _closed_copy(db: Path) -> Path:
    wal = Path(str(db) + "-wal")
    assert not wal.exists() or wal.stat().st_size == 0, "WAL not checkpointed"
    return db


_runs = 0


def postgres_database(world: World, url: str) -> str:
    """A new CCHC_HOME whose database is ``url`` (a new, empty PostgreSQL database), the world's plan loaded into it;
    returns ``url``."""
    global _runs
    _runs += 1
    home = world.folder / f"run-{_runs}"
    home.mkdir(mode=0o700)
    _use_home(home, world.routes_path)
    os.environ["CCHC_DATABASE_URL"] = url
    _load_plan(world)
    return url


def fresh_database(world: World, template: Path | None = None) -> str:
    """A new CCHC_HOME holding a copy of a template database (default: the freshly loaded plan); its URL."""
    global _runs
    _runs += 1
    home = world.folder / f"run-{_runs}"
    home.mkdir(mode=0o700)
    shutil.copyfile(template or world.template_db, home / "cchc.db")
    return _use_home(home, world.routes_path)


def queued_template(world: World) -> Path:
    """A template where every activity of the phase has been decided and recorded as of AS_OF (the project's own
    cchc_flow.models.rules.due.decide and cchc_flow.models.services.reconcile.record_decisions, outside Prefect): everything assigned and queued,
    nothing delivered yet."""
    from cchc_flow.models.rules.calendar import today as resolve_today
    from cchc_flow.models.rules.due import decide
    from cchc_flow.models.services.activities import phase_view
    from cchc_flow.models.services.reconcile import Decided, record_decisions
    from cchc_flow.models.store.db import session

    url = fresh_database(world)
    today = resolve_today(AS_OF)
    with session() as s:
        view = phase_view(s, world.plan_code, 1)
    decided = [Decided(a.facts, decide(a.facts, today, view.parties)) for a in view.activities]
    with session() as s:
        queued = sum(r.queued for r in record_decisions(s, view, decided, today).values())
    assert queued == world.expected_notifications, queued
    _dispose(url)
    return _closed_copy(Path(os.environ["CCHC_HOME"]) / "cchc.db")


def db_count(url: str, sql: str) -> int:
    import sqlalchemy as sa

    from cchc_flow.models.store.db import get_engine

    with get_engine(url).connect() as conn:
        return int(conn.execute(sa.text(sql)).scalar_one())


# --------------------------------------------------------------------------------------------------------------
# Waiting for the Prefect API to go quiet between measurements
# --------------------------------------------------------------------------------------------------------------

_TICK = os.sysconf("SC_CLK_TCK")


def _descendants(pid: int) -> list[int]:
    parents: dict[int, int] = {}
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                parents[int(entry)] = int(Path(f"/proc/{entry}/stat").read_text().rsplit(")", 1)[1].split()[1])
            except (OSError, IndexError, ValueError):
                continue
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
        except (OSError, IndexError):
            continue
        total += (int(fields[11]) + int(fields[12])) / _TICK
    return total


WATCHED: list[int] = []  # more processes settle() waits for, with their children: line p's PostgreSQL server


def settle(max_wait: float, window: float = 1.0, busy: float = 0.15) -> float:
    """Wait (at most ``max_wait`` s) until this process, the Prefect API server and the WATCHED processes together use
    less than ``busy`` of a core for ``window`` s: task-run rows and logs of the last run reach the API after it
    returns, and a database server goes on working after a plan is loaded into it."""
    start = time.monotonic()
    while time.monotonic() - start < max_wait:
        pids = [p for root in (os.getpid(), *WATCHED) for p in (root, *_descendants(root))]
        before = _cpu(pids)
        time.sleep(window)
        if _cpu(pids) - before < busy * window:
            break
    return time.monotonic() - start


def postmaster_pid(url: str) -> int:
    """The process id of the PostgreSQL server behind ``url``: the parent of a backend (pg_ctl does not leave the
    server a child of this process)."""
    import psycopg

    with psycopg.connect(url.replace("postgresql+psycopg://", "postgresql://")) as conn:
        backend = conn.execute("SELECT pg_backend_pid()").fetchone()[0]  # type: ignore[index]
    return int(Path(f"/proc/{backend}/stat").read_text().rsplit(")", 1)[1].split()[1])


# --------------------------------------------------------------------------------------------------------------
# Measurement helpers
# --------------------------------------------------------------------------------------------------------------


class DeadlineExceeded(KeyboardInterrupt):
    """Raised in the main thread when a run goes past its cap. A KeyboardInterrupt, so that Prefect's engines
    crash the run and re-raise it rather than record a task failure and go on."""


class Deadline:
    """Interrupt the block after ``seconds`` (a safety net: the script must end); ``fired`` tells if it did."""

    def __init__(self, seconds: float) -> None:
        self.seconds, self.fired, self._active = seconds, False, False

    def _handler(self, signum, frame):  # type: ignore[no-untyped-def]
        if self._active:
            self._active = False
            raise DeadlineExceeded()

    def _fire(self) -> None:
        if self._active:
            self.fired = True
            os.kill(os.getpid(), signal.SIGINT)

    def __enter__(self) -> Deadline:
        self._previous = signal.signal(signal.SIGINT, self._handler)
        self._active = True
        self._timer = threading.Timer(self.seconds, self._fire)
        self._timer.daemon = True
        self._timer.start()
        return self

    def __exit__(self, exc_type, exc, tb) -> bool:  # type: ignore[no-untyped-def]
        self._active = False
        self._timer.cancel()
        signal.signal(signal.SIGINT, self._previous)
        return exc_type is not None and issubclass(exc_type, DeadlineExceeded)


class _Wrap:
    """Replace ``module.name`` by a wrapper for the duration of the block (measurement only: the wrapped
    function runs unchanged; the project looks these names up at call time)."""

    def __init__(self, module: object, name: str, wrapper_factory) -> None:  # type: ignore[no-untyped-def]
        self.module, self.name, self.factory = module, name, wrapper_factory

    def __enter__(self) -> _Wrap:
        self.original = getattr(self.module, self.name)
        setattr(self.module, self.name, self.factory(self.original))
        return self

    def __exit__(self, *exc: object) -> None:
        setattr(self.module, self.name, self.original)


@dataclass
class PhaseTiming:
    total: float
    activities: float = 0.0  # flow start -> deliver_pending starts: phase_view + one task per activity
    view: float = 0.0  # flow start -> phase_view returns: the flow run's start, the routes check, reading the phase
    tasks: float = 0.0  # phase_view returns -> record_decisions starts: the 1,000 activity tasks
    record: float = 0.0  # record_decisions, wall time: recording the decisions (inside the record task)
    delivery: float = 0.0  # deliver_pending, wall time: one notify task per unit, submitted concurrently
    tail: float = 0.0  # deliver_pending returns -> flow returns: pending count, table artifact, flow end
    posts: int = 0
    span: float = 0.0  # first POST arrives -> last POST answered
    queued: int = 0
    sent: int = 0
    left: int = 0
    failed_units: int = 0
    route_loads: int = 0  # how many times the routes file was read and validated during the run
    aborted: bool = False
    done: int = 0  # activities past "planned" in the database after the run
    error: str = ""  # the exception that ended the run, if any
    task_failures: Counter = field(default_factory=Counter)
    recorded: float | None = None  # run start -> the API has recorded the run's task runs in a final state

    @property
    def own(self) -> float:
        """Seconds of the run outside its 1,000 activity tasks: what cchc adds to a bare flow of as many tasks,
        with the flow run's own start and end, which the bare flow has too."""
        return self.total - self.tasks

    def line(self) -> str:
        if self.error:
            return f"FAILED after {self.total:.1f} s: {self.error}"
        if self.aborted:
            return (
                f"STOPPED at the cap after {self.total:.0f} s: activity step {self.activities:.1f} s "
                f"({self.done} activities assigned), then {self.delivery:.1f} s of delivery: {self.posts} POSTs, "
                f"{self.sent} notifications recorded as sent"
            )
        return (
            f"{self.total:6.2f} s = activities {self.activities:5.2f} (view {self.view:.2f}, tasks {self.tasks:.2f}, "
            f"record {self.record:.2f}) + delivery {self.delivery:5.2f} + tail "
            f"{self.tail:4.2f}; queued {self.queued}, sent {self.sent}, left pending {self.left}, "
            f"units failed {self.failed_units}, POSTs {self.posts} (first->last {self.span:.2f} s), "
            f"routes file loaded {self.route_loads}x; recorded by the API after {_secs(self.recorded)}"
        )


def _secs(seconds: float | None) -> str:
    return f"{seconds:.2f} s" if seconds is not None else "NOT within the cap"


@dataclass
class Round:
    """One round of measurements, made within a minute of each other: a bare flow, b, c and c2, a bare flow again."""

    bare: float  # a, just before b
    first: PhaseTiming
    rerun: PhaseTiming
    cli_rerun: PhaseTiming
    bare_recorded: float | None = None  # a, until the API has recorded its 1,000 task runs
    default: BareTiming | None = None  # a0
    bare_after: float | None = None  # a', just after c2
    bare_tasks: float | None = None  # a, its 1,000 tasks alone (without the flow run's start and end)

    @property
    def baseline(self) -> float:
        """The bare flow the round's runs are compared with: the mean of the one before them and the one after
        (the machine's speed drifts within a round; its runs lie between the two)."""
        return self.bare if self.bare_after is None else (self.bare + self.bare_after) / 2

    def ratio(self, which: str) -> float:
        return getattr(self, which).total / self.baseline


class _FailureCounter(logging.Handler):
    """Counts task runs that ended Failed, by exception (Prefect logs one ERROR record for each)."""

    _pattern = re.compile(r"Finished in state Failed\('Task run encountered an exception (\w+): ([^\\\n]{0,70})")

    def __init__(self) -> None:
        super().__init__(logging.ERROR)
        self.counts: Counter = Counter()

    def emit(self, record: logging.LogRecord) -> None:
        with contextlib.suppress(Exception):
            m = self._pattern.search(record.getMessage())
            if m:
                self.counts[f"{m[1]}: {m[2]}"] += 1

    def __enter__(self) -> _FailureCounter:
        logging.getLogger("prefect.task_runs").addHandler(self)
        return self

    def __exit__(self, *exc: object) -> None:
        logging.getLogger("prefect.task_runs").removeHandler(self)


def run_phase_once(world: World, endpoint: SlowEndpoint, url: str, *, cap: float, cli: bool = False) -> PhaseTiming:
    """One phase run of ``world`` as of AS_OF: cchc_flow.flows.phase.phase_flow called directly, or (``cli``) through
    cchc_flow.flows.phase.run_phase as `cchc phase run` does (the flow run named after the phase, tagged with plan and phase)."""
    import cchc_flow.flows.phase as phase
    import cchc_flow.models.notify.routes_file as routes_file

    endpoint.clear()
    routes_file._read.cache_clear()  # each `cchc phase run` (or scheduled run) is a new process: the routes are read
    marks = {"start": 0.0, "end": 0.0, "loads": 0, "view": 0.0, "record": 0.0, "recorded": 0.0}

    def clock(original):  # type: ignore[no-untyped-def]
        def timed(*args, **kwargs):  # type: ignore[no-untyped-def]
            marks["start"] = time.perf_counter()
            try:
                return original(*args, **kwargs)
            finally:
                marks["end"] = time.perf_counter()

        return timed

    def mark(before: str, after: str):  # type: ignore[no-untyped-def]
        def wrapper(original):  # type: ignore[no-untyped-def]
            def marked(*args, **kwargs):  # type: ignore[no-untyped-def]
                if before:
                    marks[before] = time.perf_counter()
                try:
                    return original(*args, **kwargs)
                finally:
                    marks[after] = time.perf_counter()

            return marked

        return wrapper

    def count(original):  # type: ignore[no-untyped-def]
        def counted(*args, **kwargs):  # type: ignore[no-untyped-def]
            marks["loads"] += 1
            return original(*args, **kwargs)

        return counted

    summary, error, api = None, "", _api_url()
    with (
        _Wrap(phase, "deliver_pending", clock),
        _Wrap(phase, "phase_view", mark("", "view")),
        _Wrap(phase, "record_decisions", mark("record", "recorded")),
        _Wrap(routes_file, "read_routes", count),
        _FailureCounter() as fails,
    ):
        with Deadline(cap) as deadline:
            t0 = time.perf_counter()
            try:
                if cli:
                    summary = phase.run_phase(world.plan_code, 1, world.as_of)
                else:
                    summary = phase.phase_flow(plan=world.plan_code, phase=1, as_of=world.as_of)
            except Exception as exc:  # reported, not raised: the other measurements still run
                error = f"{type(exc).__name__}: {str(exc).splitlines()[0][:160]}"
            finally:
                t1 = time.perf_counter()
    recorded = None
    if summary is not None and not deadline.fired and summary.flow_run_id:
        recorded = recorded_after(api, summary.flow_run_id, t0, world.activities + 1, cap)  # + the record task
    posts = endpoint.snapshot()
    sent = db_count(url, "select count(*) from notification where status = 'sent'")
    done = db_count(url, "select count(*) from activity where state != 'planned'")
    if summary is None or deadline.fired:
        started = marks["start"] or t1  # how far it got: activity step, then (partly) the delivery step
        return PhaseTiming(
            total=t1 - t0,
            activities=started - t0,
            delivery=t1 - started,
            posts=len(posts),
            span=post_span(posts),
            sent=sent,
            route_loads=int(marks["loads"]),
            aborted=True,
            done=done,
            error=error,
            task_failures=fails.counts,
        )
    return PhaseTiming(
        total=t1 - t0,
        activities=marks["start"] - t0,
        view=marks["view"] - t0,
        tasks=marks["record"] - marks["view"],
        record=marks["recorded"] - marks["record"],
        delivery=marks["end"] - marks["start"],
        tail=t1 - marks["end"],
        posts=len(posts),
        span=post_span(posts),
        queued=sum(o.queued for o in summary.activities),
        sent=sum(d.sent for d in summary.deliveries),
        left=summary.pending,
        failed_units=sum(1 for d in summary.deliveries if d.failed_routes),
        route_loads=int(marks["loads"]),
        done=done,
        task_failures=fails.counts,
        recorded=recorded,
    )


def show_failures(t: PhaseTiming) -> None:
    for error, n in t.task_failures.most_common(4):
        print(f"       {n} task runs failed with {error}")


BARE_TASKS = [0.0]  # seconds the last bare flow spent in its tasks (from the first call to the last return)


def bare_flow_factory():  # type: ignore[no-untyped-def]
    from prefect import flow, task
    from prefect.cache_policies import NO_CACHE
    from prefect.context import FlowRunContext

    @task(name="noop", task_run_name="noop {i}", cache_policy=NO_CACHE)
    def noop(i: int) -> int:
        return i

    @flow(name="bare", persist_result=False, log_prints=False)
    def bare(n: int) -> str:
        t = time.perf_counter()
        assert sum(noop(i) for i in range(n)) == sum(range(n))  # sequential task calls, as phase_flow makes them
        BARE_TASKS[0] = time.perf_counter() - t
        ctx = FlowRunContext.get()
        assert ctx is not None and ctx.flow_run is not None
        return str(ctx.flow_run.id)

    return bare


# --------------------------------------------------------------------------------------------------------------
# Until the API has recorded a run: Prefect's server writes task runs from the events the flow emits, after it
# --------------------------------------------------------------------------------------------------------------

_FINAL = ["COMPLETED", "FAILED", "CRASHED", "CANCELLED"]


def _api_url() -> str:
    from prefect.settings import PREFECT_API_URL

    return str(PREFECT_API_URL.value())


def recorded_after(api_url: str, flow_run_id: str, t0: float, minimum: int, cap: float) -> float | None:
    """Seconds from ``t0`` (perf_counter) until the API counted the flow run's task runs in a final state for the
    last time, once there are at least ``minimum`` and the count has not moved for 2 s; None after ``cap`` s."""
    import httpx

    body = {"flow_runs": {"id": {"any_": [flow_run_id]}}, "task_runs": {"state": {"type": {"any_": _FINAL}}}}
    seen, last = -1, time.perf_counter()
    with httpx.Client(timeout=30) as client:
        while time.perf_counter() - t0 < cap:
            count = int(client.post(f"{api_url}/task_runs/count", json=body).json())
            now = time.perf_counter()
            if count != seen:
                seen, last = count, now
            elif count >= minimum and now - last >= 2.0:
                return last - t0
            time.sleep(0.1)
    return None


@dataclass
class BareTiming:
    flow: float
    recorded: float | None


def start_default_api() -> tuple[subprocess.Popen, str]:
    """A second Prefect API (its own SQLite database under ROOT) with Prefect's default server settings: the
    baseline a0, the bare flow as a Prefect server records it out of the box."""
    import httpx

    from cchc_flow.flows.running.local_api import SERVER_SETTINGS

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    env = {k: v for k, v in os.environ.items() if k not in SERVER_SETTINGS and k != "PREFECT_API_URL"}
    env.update(
        PREFECT_UI_ENABLED="0",
        PREFECT__SERVER_EPHEMERAL="1",
        PREFECT__SERVER_FINAL="1",
        PREFECT_SERVER_DATABASE_CONNECTION_URL=f"sqlite+aiosqlite:///{ROOT / 'prefect-default.db'}",
    )
    app, args = "prefect.server.api.server:create_app", ["--host", "127.0.0.1", "--port", str(port)]
    proc = subprocess.Popen(
        [sys.executable, "-m", "uvicorn", "--factory", app, *args, "--log-level", "error", "--lifespan", "on"],
        env=env,
        stderr=subprocess.DEVNULL,  # its shutdown while still recording would print tracebacks
    )
    url = f"http://127.0.0.1:{port}/api"
    deadline = time.monotonic() + 180
    while time.monotonic() < deadline:
        with contextlib.suppress(httpx.HTTPError):
            if httpx.get(f"{url}/health", timeout=2).status_code == 200:
                return proc, url
        time.sleep(0.2)
    proc.kill()
    raise SystemExit("the second Prefect API (Prefect's defaults) did not start")


def child_bare(cap: float) -> None:
    """Child mode (a0): the bare flow on the API named by PREFECT_API_URL; warms up, prints READY, waits for a line
    on stdin, then times bare(1000) and the wait until the API has recorded it; prints one JSON line."""
    from cchc_flow.flows.running.runtime import quiet_prefect

    bare = bare_flow_factory()
    with quiet_prefect():
        bare(n=10)
        print("READY", flush=True)
        sys.stdin.readline()
        t0 = time.perf_counter()
        run_id = bare(n=1000)
        flow_s = time.perf_counter() - t0
        recorded = recorded_after(_api_url(), run_id, t0, 1000, 3 * cap)  # Prefect's defaults: slow to record
    print(json.dumps({"flow": flow_s, "recorded": recorded}), flush=True)


def run_default_bare(url: str, cap: float, settle_max: float) -> BareTiming | None:
    """a0 in a child process (one Prefect API per process: its events client keeps the first API it met)."""
    env = dict(os.environ, CCHC_BENCH_CHILD_ROOT=str(ROOT), PREFECT_API_URL=url)
    child = subprocess.Popen(
        [sys.executable, str(Path(__file__).resolve()), "--child-bare"],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
        env=env,
        cwd=str(REPO),
    )
    assert child.stdin is not None and child.stdout is not None
    try:
        if child.stdout.readline().strip() != "READY":
            return None
        settle(settle_max)
        child.stdin.write("go\n")
        child.stdin.flush()
        for line in child.stdout:
            if line.startswith("{"):
                data = json.loads(line)
                return BareTiming(data["flow"], data["recorded"])
        return None
    finally:
        child.kill()
        child.wait()


# --------------------------------------------------------------------------------------------------------------
# d2: 1,000 notifications as 1,000 separate deliveries, in a child process so that a stalled run can be stopped
# --------------------------------------------------------------------------------------------------------------


def child_deliver(plan_id: int) -> None:
    """Child mode: cchc_flow.flows.phase.deliver_pending (the delivery step of phase_flow, unchanged) inside a Prefect
    flow on the parent's test API, on a database where everything is queued. Prints one JSON line."""
    from prefect import flow

    from cchc_flow.flows.phase import deliver_pending
    from cchc_flow.flows.running.runtime import quiet_prefect
    from cchc_flow.models.notify.routes_file import routes
    from cchc_flow.models.rules.calendar import today as resolve_today

    routes()  # the routes cache is warmed here, outside the clock (1,000 routes take ~10 s to validate)

    @flow(name="bench-deliver-pending", persist_result=False, log_prints=False)
    def deliver_only(plan_id: int, as_of: str) -> dict:
        t0, cpu0 = time.perf_counter(), time.process_time()
        out = deliver_pending(plan_id, resolve_today(as_of))
        return {
            "delivery": time.perf_counter() - t0,
            "cpu": time.process_time() - cpu0,
            "sent": sum(d.sent for d in out),
            "failed_units": sum(1 for d in out if d.failed_routes),
            "units": len(out),
        }

    with quiet_prefect():
        print("READY", flush=True)
        result = deliver_only(plan_id, AS_OF)
    print(json.dumps(result), flush=True)


@dataclass
class WideResult:
    finished: bool
    seconds: float  # deliver_pending wall time (child's own clock) or time until stopped
    cpu: float | None  # CPU seconds of the child (all its threads) during deliver_pending
    sent: int
    posts: int
    span: float
    failed_units: int
    errors: Counter


def run_wide_delivery(world: World, template: Path, endpoint: SlowEndpoint, api_url: str, cap: float) -> WideResult:
    import sqlalchemy as sa

    from cchc_flow.models.store.db import get_engine

    url = fresh_database(world, template)
    with get_engine(url).connect() as conn:
        plan_id = conn.execute(sa.text("select id from plan where code = :c"), {"c": world.plan_code}).scalar_one()
    _dispose(url)
    endpoint.clear()
    env = dict(os.environ, CCHC_BENCH_CHILD_ROOT=str(ROOT), PREFECT_API_URL=api_url)
    log = ROOT / f"child-{_runs}.log"
    with open(log, "w") as err:
        child = subprocess.Popen(
            [sys.executable, str(Path(__file__).resolve()), "--child-deliver", str(plan_id)],
            stdout=subprocess.PIPE,
            stderr=err,
            text=True,
            env=env,
            cwd=str(REPO),
        )
        lines: list[str] = []
        ready = threading.Event()

        def read() -> None:
            assert child.stdout is not None
            for line in child.stdout:
                lines.append(line.strip())
                if line.startswith("READY"):
                    ready.set()

        reader = threading.Thread(target=read, daemon=True)
        reader.start()
        ready.wait(timeout=120)
        t0 = time.perf_counter()
        try:
            child.wait(timeout=cap)
            finished = child.returncode == 0
            stopped = time.perf_counter() - t0
        except subprocess.TimeoutExpired:
            finished = False
            stopped = time.perf_counter() - t0
            child.terminate()
            try:
                child.wait(timeout=10)
            except subprocess.TimeoutExpired:
                child.kill()
                child.wait()
        reader.join(timeout=5)
    posts = endpoint.snapshot()
    sent = db_count(url, "select count(*) from notification where status = 'sent'")
    _dispose(url)
    errors: Counter = Counter()
    for line in log.read_text(errors="replace").splitlines():
        m = re.search(r"Finished in state Failed\('Task run encountered an exception (\w+): (.{0,60})", line)
        if m:
            errors[f"{m[1]}: {m[2].split(chr(92))[0]}"] += 1
    result = next((json.loads(x) for x in reversed(lines) if x.startswith("{")), None)
    if finished and result:
        return WideResult(
            True,
            result["delivery"],
            result["cpu"],
            result["sent"],
            len(posts),
            post_span(posts),
            result["failed_units"],
            errors,
        )
    return WideResult(False, stopped, None, sent, len(posts), post_span(posts), 0, errors)


def channel_only(world: World, endpoint: SlowEndpoint, workers: int) -> tuple[float, int, int, float]:
    """cchc_flow.models.notify.sending.deliver once per unit, all at once in a thread pool (no database, no Prefect):
    (seconds, routes answered ok, POSTs received, CPU seconds of this process meanwhile)."""
    from cchc_flow.models.notify.routes import load_routes
    from cchc_flow.models.notify.sending import deliver

    config = load_routes(world.routes_path)
    body = "\n".join(f"{i}. Giao nhiệm vụ: hoạt động 1.{i}.1 — hạn 31/12/2025" for i in range(1, 11))
    endpoint.clear()
    t0, cpu0 = time.perf_counter(), time.process_time()
    with ThreadPoolExecutor(max_workers=workers) as pool:
        results = list(
            pool.map(lambda code: deliver(config, f"unit-{code.lower()}", f"Thông báo cho {code}", body), world.units)
        )
    seconds, cpu = time.perf_counter() - t0, time.process_time() - cpu0
    return seconds, sum(1 for rs in results for r in rs if r.ok), len(endpoint.snapshot()), cpu


# --------------------------------------------------------------------------------------------------------------
# --profile: the project code alone (no Prefect), on the same data
# --------------------------------------------------------------------------------------------------------------


def _print_profile(title: str, prof: cProfile.Profile, limit: int = 25) -> None:
    out = io.StringIO()
    pstats.Stats(prof, stream=out).sort_stats("cumulative").print_stats(limit)
    text = "\n".join(line.rstrip() for line in out.getvalue().splitlines() if line.strip())
    for prefix in sorted(
        {str(REPO) + "/", sys.prefix + "/lib/python3.11/site-packages/", sys.base_prefix + "/"}, key=len, reverse=True
    ):
        text = text.replace(prefix, "")
    print(f"\n--- cProfile, {title}: top {limit} by cumulative time ---\n{text}")


def profile_project(world: World, endpoint: SlowEndpoint) -> None:
    """cProfile the two steps of a first run outside Prefect: deciding and recording 1,000 activities
    (cchc_flow.models.services.reconcile.record_decisions), then delivering 100 digests (cchc_flow.flows.delivery.deliver)."""
    from cchc_flow.flows.delivery import deliver
    from cchc_flow.models.notify.routes_file import routes
    from cchc_flow.models.rules.calendar import today as resolve_today
    from cchc_flow.models.rules.due import decide
    from cchc_flow.models.services.activities import phase_view
    from cchc_flow.models.services.reconcile import Decided, record_decisions
    from cchc_flow.models.store.db import session

    url = fresh_database(world)
    today = resolve_today(AS_OF)
    with session() as s:
        view = phase_view(s, world.plan_code, 1)
    prof = cProfile.Profile()
    t0 = time.perf_counter()
    prof.enable()
    decided = [Decided(a.facts, decide(a.facts, today, view.parties)) for a in view.activities]
    with session() as s:
        record_decisions(s, view, decided, today)
    prof.disable()
    _print_profile(
        f"decide + record_decisions, {len(view.activities)} activities, "
        f"{time.perf_counter() - t0:.1f} s under the profiler",
        prof,
    )
    routes()
    prof = cProfile.Profile()
    t0 = time.perf_counter()
    prof.enable()
    results = deliver(view.plan_id, today)
    prof.disable()
    _print_profile(
        f"deliver: {len(results)} units, {time.perf_counter() - t0:.1f} s under the profiler "
        "(routes cache warm; the sending threads are not profiled, only the recording thread)",
        prof,
    )
    endpoint.clear()
    _dispose(url)


def profile_series(world: World, endpoint: SlowEndpoint) -> None:
    """cProfile the project code of s1 and s2 outside Prefect, step by step as phase_flow takes them: the series
    check and the opening of 1,200 items (open_items), the view, deciding and recording 1,200 items, delivering the
    digests; then the re-run's steps (nothing new)."""
    from cchc_flow.flows.delivery import deliver
    from cchc_flow.flows.phase import ActivityOutcome, artifact_table
    from cchc_flow.models.notify.routes_file import routes
    from cchc_flow.models.rules.calendar import today as resolve_today
    from cchc_flow.models.rules.due import decide
    from cchc_flow.models.services.activities import get_phase, phase_view
    from cchc_flow.models.services.reconcile import Decided, record_decisions
    from cchc_flow.models.services.series import due_items, open_items
    from cchc_flow.models.store.db import session
    from cchc_flow.models.store.queries import get_plan

    url = fresh_database(world)
    today = resolve_today(world.as_of)
    routes()
    for run in ("s1", "s2"):
        steps: list[tuple[str, float]] = []
        prof = cProfile.Profile()
        prof.enable()
        t = time.process_time()
        with session() as s:
            plan_row = get_plan(s, world.plan_code)
            due = due_items(s, plan_row, get_phase(s, plan_row, 1), today)
        if due:
            with session() as s:
                open_items(s, world.plan_code, 1, today)
        steps.append((f"series check + open ({len(due)} items)", time.process_time() - t))
        t = time.process_time()
        with session() as s:
            view = phase_view(s, world.plan_code, 1, today)
        steps.append((f"view ({len(view.activities)} items)", time.process_time() - t))
        t = time.process_time()
        decided = [Decided(a.facts, decide(a.facts, today, view.parties)) for a in view.activities]
        steps.append(("decide", time.process_time() - t))
        t = time.process_time()
        with session() as s:
            recorded = record_decisions(s, view, decided, today)
        steps.append(
            (f"record ({sum(r.queued for r in recorded.values())} notifications queued)", time.process_time() - t)
        )
        t = time.process_time()
        results = deliver(view.plan_id, today)
        steps.append((f"deliver ({len(results)} units; sending threads not profiled)", time.process_time() - t))
        t = time.process_time()
        artifact_table(
            [
                ActivityOutcome(a.facts.key, a.title, list(a.facts.leads), a.facts.end.isoformat(), r.state, r.events)
                for a in view.activities
                for r in [recorded[a.facts.key]]
            ]
        )
        steps.append(("artifact table", time.process_time() - t))
        prof.disable()
        print(f"\n(profile) {run}, CPU seconds under the profiler: " + "; ".join(f"{n} {s:.2f}" for n, s in steps))
        _print_profile(f"{run}, the project code of the run outside Prefect", prof, limit=30)
    endpoint.clear()
    _dispose(url)


# --------------------------------------------------------------------------------------------------------------


def machine() -> str:
    import apprise
    import prefect
    import sqlalchemy
    import sqlmodel

    cpu = "?"
    with contextlib.suppress(OSError):
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    load = os.getloadavg()
    return (
        f"machine: nproc={os.cpu_count()} cpu={cpu!r} python={platform.python_version()} "
        f"prefect={prefect.__version__} sqlalchemy={sqlalchemy.__version__} sqlmodel={sqlmodel.__version__} "
        f"apprise={apprise.__version__} sqlite={sqlite3.sqlite_version}; load average at start "
        f"{load[0]:.2f} {load[1]:.2f} {load[2]:.2f}"
    )


def verdict(ok: bool) -> str:
    return "PASS" if ok else "MISS"


@dataclass
class SeriesRound:
    """Line s, one round: a bare flow (a, measured just before, on the API as the series runs find it), a first run
    and a re-run of the 100 units x 12 monthly occurrences phase."""

    bare: float
    first: PhaseTiming
    rerun: PhaseTiming


def run_series_lines(
    world: World, endpoint: SlowEndpoint, bare, cap: float, settle_max: float, reps: int
) -> list[SeriesRound]:  # type: ignore[no-untyped-def]
    """Line s: ``reps`` rounds of a bare flow, a first run on a fresh database and a re-run (make_series_world)."""
    print(
        f"(s) 100 units x 12 monthly occurrences: 1 activity for each member of a 100-unit group, monthly in 2025, "
        f"as of {world.as_of} (1,200 items open); plan loaded in {world.load_seconds:.1f} s"
    )
    out: list[SeriesRound] = []
    per = 1000 / world.activities
    for _ in range(reps):
        settle(settle_max)
        t = time.perf_counter()
        bare(n=1000)
        bare_s = time.perf_counter() - t
        print(f"    a  {bare_s:6.2f} s (bare flow, just before s1)")
        settle(settle_max)
        url = fresh_database(world)
        first = run_phase_once(world, endpoint, url, cap=cap)
        print(f"    s1 {first.line()}  ({first.total * per / bare_s:.2f}x a per 1,000 items)")
        show_failures(first)
        settle(settle_max)
        rerun = run_phase_once(world, endpoint, url, cap=cap)
        print(f"    s2 {rerun.line()}  ({rerun.total * per / bare_s:.2f}x a per 1,000 items)")
        show_failures(rerun)
        _dispose(url)
        out.append(SeriesRound(bare_s, first, rerun))
        if first.aborted or first.error:
            break
    return out


def series_rows(series: list[SeriesRound], rounds: list[Round]) -> list[tuple]:
    """Line s against the same targets as b and c, per 1,000 items (the run has 1,200): each run against the bare
    flow of its own round (measured a minute before, as b and c are against theirs); the total against the median
    of a0."""
    per = 1000 / 1200
    bases = [r.default.recorded for r in rounds if r.default and r.default.recorded is not None]
    rows: list[tuple] = []
    for name, pick, target in (
        ("s1 100 units x 12 months, first run (per 1,000 items)", "first", TARGET_FIRST),
        ("s2 100 units x 12 months, re-run (per 1,000 items)", "rerun", TARGET_RERUN),
    ):
        runs = [getattr(r, pick) for r in series]
        if any(run.error or run.aborted for run in runs):
            rows.append((name, None, None, f"<= {target:.1f}x a", "MISS (failed or stopped)"))
            continue
        ratio = statistics.median(getattr(r, pick).total * per / r.bare for r in series)
        rows.append(
            (name, statistics.median(x.total for x in runs), ratio, f"<= {target:.1f}x a", verdict(ratio <= target))
        )
    recorded = [r.first.recorded for r in series]
    if bases and all(x is not None for x in recorded):
        ratio = statistics.median(recorded) * per / statistics.median(bases)  # type: ignore[type-var, operator]
        rows.append(
            (
                "s1 first run, total until recorded (per 1,000 items)",
                statistics.median(recorded),  # type: ignore[type-var]
                ratio,
                f"<= {TARGET_TOTAL:.1f}x a0",
                verdict(ratio <= TARGET_TOTAL),
            )
        )
    return rows


def print_rows(rows: list[tuple]) -> None:
    print(f"{'measurement':58s} {'seconds':>8s} {'x a':>7s}  {'target':13s} result")
    for name, seconds, ratio, target, result in rows:
        r = f"{ratio:6.2f}x" if ratio is not None else "      -"
        sec = f"{seconds:8.2f}" if seconds is not None else "       -"
        print(f"{name:58s} {sec} {r}  {target:13s} {result}")


def main_series_only(args: argparse.Namespace, reps: int) -> None:
    """--only s: rounds of line s alone (a bare flow, s1, s2), then the profile of its project code."""
    from prefect.testing.utilities import prefect_test_harness

    from cchc_flow.flows.running.runtime import quiet_prefect

    began = time.monotonic()
    print(machine())
    print(f"date: {time.strftime('%Y-%m-%d %H:%M %Z')}; temporary folder {ROOT}")
    endpoint = SlowEndpoint(ENDPOINT_DELAY).start()
    try:
        world = make_series_world(endpoint.port)
        with prefect_test_harness(server_startup_timeout=300), quiet_prefect():
            bare = bare_flow_factory()
            bare(n=10)  # warm-up: imports, client, first flow run
            series = run_series_lines(world, endpoint, bare, args.cap, args.settle, reps)
        if args.profile:
            profile_series(world, endpoint)
    finally:
        endpoint.stop()
    print(f"\nResults: medians over {len(series)} round(s) of line s alone (x a: each run against its round's a)")
    print_rows(series_rows(series, []))
    print(
        "per round, x a per 1,000 items:  "
        + "   ".join(f"s1 {r.first.total / 1.2 / r.bare:.2f} s2 {r.rerun.total / 1.2 / r.bare:.2f}" for r in series)
    )
    print(f"load average at the end {' '.join(f'{x:.2f}' for x in os.getloadavg())}")
    print(f"total bench time {time.monotonic() - began:.0f} s")


def total_rows(rounds: list[Round]) -> list[tuple]:
    """The runs' totals (until the API has recorded their task runs), against a0: the bare flow as a Prefect server
    with its default settings records it."""
    bases = [r.default.recorded for r in rounds if r.default and r.default.recorded is not None]
    if len(bases) < len(rounds):
        return [("a0 bare flow on Prefect's default API, total", None, None, "baseline", "MISS (not recorded)")]
    flows = statistics.median(r.default.flow for r in rounds if r.default)
    rows: list[tuple] = [
        ("a0 bare flow on Prefect's default API, total", statistics.median(bases), 1.0, "baseline", f"flow {flows:.2f}")
    ]
    for name, pick, target in (
        ("a  bare flow on the cchc API settings, total", "bare", None),
        ("b  first run, total until recorded", "first", TARGET_TOTAL),
        ("c  re-run, total until recorded", "rerun", None),
        ("c2 re-run through run_phase, total until recorded", "cli_rerun", None),
    ):
        totals = [r.bare_recorded if pick == "bare" else getattr(r, pick).recorded for r in rounds]
        if any(x is None for x in totals):
            rows.append((name, None, None, "-", "MISS (not recorded within the cap)"))
            continue
        ratio = statistics.median(x / b for x, b in zip(totals, bases))  # type: ignore[operator]
        rows.append(
            (
                name,
                statistics.median(totals),  # type: ignore[type-var]
                ratio,
                f"<= {target:.1f}x a0" if target else "info (x a0)",
                verdict(ratio <= target) if target else "",
            )
        )
    return rows


def median_range(values: list[float], confidence: float = 0.95) -> tuple[float, float] | None:
    """The narrowest range of order statistics that holds the median of what was sampled with ``confidence``
    (distribution-free: the count of values below the median is binomial, n and 1/2); None for fewer than 6 values."""
    ordered, n = sorted(values), len(values)
    for k in range(n // 2, 0, -1):  # [k-th, (n-k+1)-th value]: wider as k falls
        if sum(math.comb(n, i) for i in range(k, n - k + 1)) / 2**n >= confidence:
            return ordered[k - 1], ordered[n - k]
    return None


def ratio_row(rounds: list[Round], name: str, pick: str, target: float) -> tuple:
    """One line's row: the median of its runs and of each round's ratio to that round's bare flow, judged against
    ``target``; with six rounds or more, the 95% range of that median."""
    runs = [getattr(r, pick) for r in rounds]
    if any(t.error for t in runs):
        return (name, None, None, f"<= {target:.1f}x a", "MISS (a run failed)")
    if any(t.aborted for t in runs):
        return (name, None, None, f"<= {target:.1f}x a", "MISS (stopped at cap)")
    ratios = [r.ratio(pick) for r in rounds]
    ratio = statistics.median(ratios)
    seconds = statistics.median(t.total for t in runs)
    known = median_range(ratios)
    within = f" (95%: {known[0]:.2f}-{known[1]:.2f}x)" if known else ""
    return (name, seconds, ratio, f"<= {target:.1f}x a", verdict(ratio <= target) + within)


def parts_row(rounds: list[Round], name: str, pick: str) -> tuple:
    """Where a line's runs went: their 1,000 activity tasks (seconds, and against the round's bare flow), and the
    rest of the run (medians): reading the phase with the flow run's start, recording, delivering, the end."""
    runs = [getattr(r, pick) for r in rounds]
    if any(t.error or t.aborted for t in runs):
        return (name, None, None, "info (x a)", "")
    end = statistics.median(t.own - t.view - t.record - t.delivery for t in runs)
    return (
        name,
        statistics.median(t.tasks for t in runs),
        statistics.median(t.tasks / r.baseline for r, t in zip(rounds, runs)),
        "info (x a)",
        f"rest {statistics.median(t.own for t in runs):.2f} s: view {statistics.median(t.view for t in runs):.2f}, "
        f"record {statistics.median(t.record for t in runs):.2f}, delivery "
        f"{statistics.median(t.delivery for t in runs):.2f}, end {end:.2f}",
    )


def bare_parts_row(rounds: list[Round], name: str) -> tuple:
    """Where the bare flow a went: its 1,000 tasks (seconds, and against the mean of a and a'), and the rest (the
    flow run's start and end), medians."""
    pairs = [(r, r.bare_tasks) for r in rounds if r.bare_tasks]
    if not pairs:
        return (name, None, None, "info (x a)", "")
    return (
        name,
        statistics.median(tasks for _, tasks in pairs),
        statistics.median(tasks / r.baseline for r, tasks in pairs),
        "info (x a)",
        f"rest {statistics.median(r.bare - tasks for r, tasks in pairs):.2f} s: the flow run's start and end",
    )


def spread_row(rounds: list[Round], name: str) -> tuple:
    """The machine's own spread: each round's a' (the same bare flow again, after the runs) against its a. A run's
    ratio in one round carries the same spread; the medians over the rounds narrow it."""
    pairs = [(r.bare, r.bare_after) for r in rounds if r.bare_after is not None]
    if not pairs:
        return (name, None, None, "info", "")
    ratios = [after / before for before, after in pairs]
    median_after = statistics.median(after for _, after in pairs)
    return (name, median_after, statistics.median(ratios), "info (x a)", f"rounds {min(ratios):.2f}-{max(ratios):.2f}x")


def pg_rows(rounds: list[Round], a0_rounds: list[Round]) -> list[tuple]:
    """The rows of line p: a, b, c and c2 with cchc's database on PostgreSQL, medians over its rounds; then its first
    run until recorded against a0 of ``a0_rounds`` (the main rounds: Prefect's API is the same for both lines)."""
    rows = [
        (
            "p  a  bare flow (during the PostgreSQL rounds)",
            statistics.median(r.baseline for r in rounds),
            1.0,
            "baseline",
            "",
        ),
        bare_parts_row(rounds, "      its 1,000 tasks; the rest"),
        ratio_row(rounds, "p  b  first run, database on PostgreSQL", "first", TARGET_FIRST),
        parts_row(rounds, "      its 1,000 activity tasks; the rest", "first"),
        ratio_row(rounds, "p  c  re-run, database on PostgreSQL", "rerun", TARGET_RERUN),
        parts_row(rounds, "      its 1,000 activity tasks; the rest", "rerun"),
        ratio_row(rounds, "p  c2 re-run through run_phase, on PostgreSQL", "cli_rerun", TARGET_RERUN),
        parts_row(rounds, "      its 1,000 activity tasks; the rest", "cli_rerun"),
        spread_row(rounds, "p  a' bare flow again, after p c2 (the spread)"),
    ]
    bases = [r.default.recorded for r in a0_rounds if r.default and r.default.recorded is not None]
    recorded = [r.first.recorded for r in rounds]
    name = "p  b  first run on PostgreSQL, total until recorded"
    if not bases or any(x is None for x in recorded):
        return [*rows, (name, None, None, f"<= {TARGET_TOTAL:.1f}x a0", "MISS (a0 or the run not recorded)")]
    ratio = statistics.median(recorded) / statistics.median(bases)  # type: ignore[type-var, operator]
    total = statistics.median(recorded)  # type: ignore[type-var]
    return [*rows, (name, total, ratio, f"<= {TARGET_TOTAL:.1f}x a0", verdict(ratio <= TARGET_TOTAL))]


def round_rows(rounds: list[Round], world: World) -> list[tuple]:
    """The rows of lines a, b, c, c2, d1 and the totals: medians over the rounds."""
    first_mid = sorted((r.first for r in rounds), key=lambda t: t.total)[len(rounds) // 2]
    rows = [
        ("a  bare flow, 1,000 no-op tasks", statistics.median(r.baseline for r in rounds), 1.0, "baseline", ""),
        bare_parts_row(rounds, "   its 1,000 tasks; the rest"),
        ratio_row(rounds, "b  phase_flow first run (1,000 assign, 100 digests)", "first", TARGET_FIRST),
        parts_row(rounds, "   its 1,000 activity tasks; the rest", "first"),
        ratio_row(rounds, "c  phase_flow re-run, same date (nothing new)", "rerun", TARGET_RERUN),
        parts_row(rounds, "   its 1,000 activity tasks; the rest", "rerun"),
        ratio_row(rounds, "c2 re-run through run_phase (as the CLI runs it)", "cli_rerun", TARGET_RERUN),
        parts_row(rounds, "   its 1,000 activity tasks; the rest", "cli_rerun"),
        spread_row(rounds, "a' bare flow again, after c2 (the spread)"),
        (
            f"d1 delivery step of b: 100 digests, {world.expected_notifications} notif.",
            first_mid.delivery,
            None,
            "info",
            f"{first_mid.posts} POSTs; {first_mid.left if not first_mid.aborted else '?'} notif. left",
        ),
    ]
    return rows + total_rows(rounds)


def run_pg_rounds(world: World, endpoint: SlowEndpoint, bare, cap: float, settle_max: float, reps: int) -> list[Round]:  # type: ignore[no-untyped-def]
    """Line p: ``reps`` rounds of a, b, c, c2 and a' as above, with cchc's database on PostgreSQL (the throwaway server the
    tests use, tests/pgserver.py: a new database with the plan loaded for each round; Prefect's API stays as it is)."""
    sys.path.insert(0, str(REPO / "tests"))
    from pgserver import fresh_database as pg_database
    from pgserver import throwaway_postgres

    rounds: list[Round] = []
    with throwaway_postgres() as server:
        WATCHED.append(postmaster_pid(server))
        try:
            for i in range(reps):
                print(f"round p{i + 1}: a, b, c and c2 with cchc's database on PostgreSQL")
                url = postgres_database(world, pg_database(server, f"phase_bench_{i + 1}"))
                waited = settle(settle_max)
                bare_s = timed_bare(bare)
                bare_tasks = BARE_TASKS[0]
                print(
                    f"    a  {bare_s:6.2f} s, tasks {bare_tasks:.2f} (after {waited:.1f} s of waiting for this process, "
                    "the API and the database)"
                )
                runs = []
                for name, cli in (("b ", False), ("c ", False), ("c2", True)):
                    settle(settle_max)
                    runs.append(run_phase_once(world, endpoint, url, cap=cap, cli=cli))
                    print(f"    {name} {runs[-1].line()}  ({runs[-1].total / bare_s:.2f}x a)")
                    show_failures(runs[-1])
                _dispose(url)
                settle(settle_max)
                rounds.append(Round(bare_s, *runs, bare_after=timed_bare(bare), bare_tasks=bare_tasks))
                print(round_summary(rounds[-1]))
                if runs[0].aborted or runs[0].error:
                    break
        finally:
            WATCHED.clear()  # the server stops here
    return rounds


def timed_bare(bare) -> float:  # type: ignore[no-untyped-def]
    """Seconds a bare flow of 1,000 no-op tasks takes."""
    t = time.perf_counter()
    bare(n=1000)
    return time.perf_counter() - t


def round_summary(r: Round) -> str:
    """The round's a' and its ratios against the mean of a and a'."""
    return (
        f"    a' {r.bare_after:6.2f} s (bare flow again); against the mean of a and a' ({r.baseline:.2f} s): "
        f"b {r.ratio('first'):.2f}x, c {r.ratio('rerun'):.2f}x, c2 {r.ratio('cli_rerun'):.2f}x"
    )


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--quick", action="store_true", help="one repetition of each measurement, shorter caps")
    ap.add_argument("--profile", action="store_true", help="also cProfile the project code outside Prefect")
    ap.add_argument("--cap", type=float, default=100.0, help="seconds after which one phase run is stopped")
    ap.add_argument(
        "--wide-cap", type=float, default=45.0, help="seconds after which the 1,000-unit delivery (d2) is stopped"
    )
    ap.add_argument(
        "--settle",
        type=float,
        default=60.0,
        help="at most this many seconds of waiting for the Prefect API to go idle between runs",
    )
    ap.add_argument(
        "--rounds",
        type=int,
        default=3,
        help="rounds of a, b, c, c2 and a' (and of line p); the medians are over them (default 3)",
    )
    ap.add_argument("--no-wide", action="store_true", help="skip d2 and d3 (the 1,000-unit deliveries)")
    ap.add_argument("--no-series", action="store_true", help="skip s (100 units x 12 monthly occurrences)")
    ap.add_argument("--no-pg", action="store_true", help="skip p (the rounds with cchc's database on PostgreSQL)")
    ap.add_argument(
        "--only",
        choices=["d", "s"],
        help="d: only the 1,000-unit deliveries d2 and d3 (no rounds, no s); s: only rounds of a bare flow, s1 and s2 "
        "(with --profile: theirs)",
    )
    ap.add_argument("--child-deliver", type=int, help=argparse.SUPPRESS)
    ap.add_argument("--child-bare", action="store_true", help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.child_deliver is not None:
        child_deliver(args.child_deliver)
        return
    if args.child_bare:
        child_bare(args.cap)
        return
    reps = 1 if args.quick else max(1, args.rounds)
    if args.only == "d":
        reps, args.no_series, args.no_wide = 0, True, False
    if args.quick:
        args.cap, args.wide_cap = min(args.cap, 90.0), min(args.wide_cap, 40.0)
    if args.only == "s":
        main_series_only(args, reps)
        return
    began = time.monotonic()

    print(machine())
    print(f"date: {time.strftime('%Y-%m-%d %H:%M %Z')}; temporary folder {ROOT}")

    from prefect.settings import PREFECT_API_URL
    from prefect.testing.utilities import prefect_test_harness

    from cchc_flow.flows.running.runtime import quiet_prefect

    endpoint = SlowEndpoint(ENDPOINT_DELAY).start()
    default_api: subprocess.Popen | None = None
    series_world: World | None = None
    try:
        t0 = time.perf_counter()
        world = make_world(
            "u100",
            unit_codes=[f"U{i:03d}" for i in range(1, 101)],
            contents=50,
            per_content=20,
            partners=2,
            port=endpoint.port,
        )
        print(
            f"setup: 100 units, {world.activities} activities (1 lead + 2 partners each, all windows open on "
            f"{AS_OF}), {world.expected_notifications} notifications expected; plan loaded in "
            f"{world.load_seconds:.1f} s"
        )
        wide = wide_template = None
        if not args.no_wide:
            wide = make_world(
                "w1000",
                unit_codes=[f"W{i:04d}" for i in range(1, 1001)],
                contents=50,
                per_content=20,
                partners=0,
                port=endpoint.port,
            )
            wide_template = queued_template(wide)
            print(
                f"setup: 1,000 units, {wide.activities} activities (1 lead each, no partner), "
                f"{wide.expected_notifications} notifications queued in a template database"
            )
        print(f"setup took {time.perf_counter() - t0:.1f} s")

        t0 = time.perf_counter()
        with prefect_test_harness(server_startup_timeout=300), quiet_prefect():
            api_url = str(PREFECT_API_URL.value())
            print(f"Prefect test API started in {time.perf_counter() - t0:.1f} s")
            default_api, default_url = start_default_api() if reps else (None, "")
            bare = bare_flow_factory()
            bare(n=10)  # warm-up: imports, client, first flow run
            settle(args.settle)

            # Rounds: a bare flow, then b (first run on a fresh database), c (re-run) and c2 (re-run as the CLI runs
            # it), each on an idle API. Each round's ratios compare runs made within a minute of each other: the
            # machine's speed drifts by a third between minutes (other work), which best-of-N across rounds hides.
            rounds: list[Round] = []
            url = ""
            for i in range(reps):
                print(
                    f"round {i + 1}: (a) bare flow, (b) first run on a fresh database, (c) re-run, (c2) re-run as "
                    "the CLI runs it; each after the API went idle"
                )
                default = run_default_bare(default_url, args.cap, args.settle)
                print(
                    f"    a0 {default.flow:6.2f} s on Prefect's default API; recorded by it after "
                    f"{_secs(default.recorded)}"
                    if default
                    else "    a0 FAILED (see the child's output by running it alone)"
                )
                settle(args.settle)
                t = time.perf_counter()
                bare_id = bare(n=1000)
                bare_s = time.perf_counter() - t
                bare_tasks = BARE_TASKS[0]
                bare_rec = recorded_after(api_url, bare_id, t, 1000, args.cap)
                print(f"    a  {bare_s:6.2f} s, tasks {bare_tasks:.2f}; recorded by the API after {_secs(bare_rec)}")
                settle(args.settle)
                if url:
                    _dispose(url)
                url = fresh_database(world)
                first = run_phase_once(world, endpoint, url, cap=args.cap)
                print(f"    b  {first.line()}  ({first.total / bare_s:.2f}x a)")
                show_failures(first)
                settle(args.settle)
                rerun = run_phase_once(world, endpoint, url, cap=args.cap)
                note = "" if rerun.queued == 0 and rerun.sent == 0 else " (not a clean re-run: it sent what b left)"
                print(f"    c  {rerun.line()}{note}  ({rerun.total / bare_s:.2f}x a)")
                show_failures(rerun)
                settle(args.settle)
                cli_rerun = run_phase_once(world, endpoint, url, cap=args.cap, cli=True)
                print(f"    c2 {cli_rerun.line()}  ({cli_rerun.total / bare_s:.2f}x a)")
                show_failures(cli_rerun)
                settle(args.settle)
                rounds.append(Round(bare_s, first, rerun, cli_rerun, bare_rec, default, timed_bare(bare), bare_tasks))
                print(round_summary(rounds[-1]))
                if first.aborted or first.error:
                    print("    (no more rounds: the first run failed or was stopped)")
                    break
            if url:
                _dispose(url)
            pg_rounds = (
                [] if args.no_pg or not reps else run_pg_rounds(world, endpoint, bare, args.cap, args.settle, reps)
            )
            series_world = None if args.no_series else make_series_world(endpoint.port)
            series = (
                None
                if series_world is None
                else run_series_lines(series_world, endpoint, bare, args.cap, args.settle, 1)
            )

            settle(args.settle)
            wide_result = channel = None
            if wide is not None and wide_template is not None:
                print("(d) 1,000 notifications as 1,000 separate messages")
                wide_result = run_wide_delivery(wide, wide_template, endpoint, api_url, args.wide_cap)
                w = wide_result
                state = "finished" if w.finished else f"STOPPED at the {args.wide_cap:.0f} s cap"
                print(
                    f"    d2 deliver_pending, 1,000 units: {state}: {w.seconds:.2f} s, sent {w.sent}, POSTs "
                    f"{w.posts} (first->last {w.span:.2f} s), units failed {w.failed_units}, CPU "
                    f"{f'{w.cpu:.2f} s' if w.cpu is not None else '?'}; "
                    "idle after "
                    f"{settle(args.settle):.1f} s"
                )
                for error, n in w.errors.most_common(4):
                    print(f"       {n} notify tasks failed with {error}")
                channel = channel_only(wide, endpoint, workers=1000)
                print(
                    f"    d3 sending.deliver x1,000 in 1,000 threads: {channel[0]:.2f} s, ok {channel[1]}, "
                    f"POSTs {channel[2]}, CPU {channel[3]:.2f} s"
                )
        if args.profile:
            print("(profile) the project code alone, outside Prefect")
            profile_project(world, endpoint)
            if series_world is not None:
                profile_series(series_world, endpoint)
    finally:
        endpoint.stop()
        if default_api is not None:
            default_api.terminate()
            default_api.wait(timeout=30)

    # -------------------------------------------------------------------------------------------------- report
    rows: list[tuple] = []
    if rounds:
        rows += round_rows(rounds, world)
    if pg_rounds:
        rows += pg_rows(pg_rounds, rounds)
    if series is not None:
        rows += series_rows(series, rounds)
    if wide_result is not None:
        rows.append(
            (
                "d2 delivery step: 1,000 units x 1 notification",
                wide_result.seconds,
                None,
                f"<= {TARGET_DELIVERY:.0f} s",
                verdict(wide_result.finished and wide_result.sent >= 1000 and wide_result.seconds <= TARGET_DELIVERY)
                + ("" if wide_result.finished else " (stopped at cap)"),
            )
        )
    if channel is not None:
        rows.append(
            (
                "d3 sending.deliver x1,000, no DB, no Prefect",
                channel[0],
                None,
                f"<= {TARGET_DELIVERY:.0f} s",
                verdict(channel[0] <= TARGET_DELIVERY and channel[1] >= 1000),
            )
        )
    print(
        f"\nResults: medians over {len(rounds)} round(s) (x a: the median of each round's own ratio, each run against "
        "the mean of its round's bare flows a, before it, and a', after it); d2 and d3 once. The endpoint answers "
        f"each POST after {ENDPOINT_DELAY * 1000:.0f} ms."
    )
    print_rows(rows)
    print(
        "per round, x the mean of a and a':  "
        + "   ".join(f"b {r.ratio('first'):.2f} c {r.ratio('rerun'):.2f} c2 {r.ratio('cli_rerun'):.2f}" for r in rounds)
    )
    print(
        f"load average at the end {' '.join(f'{x:.2f}' for x in os.getloadavg())} (other work on the machine "
        "slows every line alike; compare ratios)"
    )
    print(f"total bench time {time.monotonic() - began:.0f} s")


if __name__ == "__main__":
    try:
        main()
    finally:
        if not CHILD:
            shutil.rmtree(ROOT, ignore_errors=True)
