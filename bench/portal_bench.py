#!/usr/bin/env python
"""Portal load benchmark: 32 concurrent clients on the board and the inbox, served by `cchc serve`.

Run by hand from the repository root (not a test; it prints figures and PASS/MISS and exits 0):

    .venv/bin/python bench/portal_bench.py                  # both plans, 10 s of load per measurement
    .venv/bin/python bench/portal_bench.py --seconds 5      # shorter
    .venv/bin/python bench/portal_bench.py --workers 1      # `cchc serve --workers 1` (default: one per core)

It builds, in one temporary folder that is removed at the end, two databases: the reference plan (3723/QĐ-BYT,
17 activities) with some history (reports, acceptances, returns and notes through the same functions as the CLI),
and a synthetic plan of 1,000 activities across 100 units with a report on every tenth activity. For each it starts
`cchc serve` on 127.0.0.1 (a child process, as an operator would), signs in with tokens, and measures:

* the board, cold: one request just after a new step (the board's figures are computed again), five times;
* the board and the inbox under 32 concurrent clients (keep-alive connections, one request after another), for
  ``--seconds`` each and at most ``--max-requests``; p50, p95, max and requests per second.

The clients run in this process on the same machine as the server, as in the measurements the targets come
from: keep-alive HTTP/1.1 connections on raw asyncio streams (uvloop), each answer's status checked and its body
read whole, so that they take little of the CPU the server needs. bench/README.md ("Portal") gives figures and the machine.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import os
import platform
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parent.parent
if str(REPO) not in sys.path:
    sys.path.insert(0, str(REPO))

ROOT = Path(tempfile.mkdtemp(prefix="cchc-portal-bench-"))
os.environ.update(
    {
        "CCHC_LANG": "vi",
        "CCHC_ACTOR": "bench",
        "CCHC_HOME": str(ROOT / "unused"),
        "CCHC_NOTIFY_CONFIG": str(REPO / "config/notify.example.yaml"),
    }
)
os.environ.pop("CCHC_DATABASE_URL", None)

import httpx  # noqa: E402
import yaml  # noqa: E402

AS_OF = date(2014, 12, 1)  # the reference plan's phase 1 is under way, some activities overdue
BIG_AS_OF = date(2025, 6, 2)
CLIENTS = 32
TARGETS = {"reference board": 0.250, "reference inbox": 0.100, "1,000 activities board": 1.0}
CSRF = re.compile(r'name="csrf" value="([^"]+)"')


# ------------------------------------------------------------------------------------------------ databases


def use_home(home: Path) -> None:
    """Point the project (in this process) at ``home`` and its own SQLite database."""
    home.mkdir(parents=True)
    os.environ["CCHC_HOME"] = str(home)
    os.environ["CCHC_DATABASE_URL"] = f"sqlite:///{home / 'cchc.db'}"


def load(plan: Path, units: Path) -> str:
    from cchc_flow.models.rules.plan import read_directory, read_plan
    from cchc_flow.models.services.loading import load_plan
    from cchc_flow.models.store.db import session

    directory = read_directory(units)
    parsed, _ = read_plan(plan, directory)
    with session() as s:
        load_plan(s, parsed, directory, stated_name="bench")
    return parsed.code


def token(role: str, unit: str | None) -> tuple[object, str]:
    """(principal, token) for a new token of ``role``."""
    from cchc_flow.models.services.auth import Principal, issue_token
    from cchc_flow.models.store.db import session

    with session() as s:
        token_id, value = issue_token(s, role, unit, label="bench")
    return Principal(role, unit, token_id), value


def history(code: str, today: date, every: int = 1) -> dict[str, str]:
    """Every ``every``-th activity reported by its lead (after being assigned, as a phase run would: set directly
    here, the bench has no Prefect), then accepted, returned or left waiting in turn, with a partner's note;
    returns a token per unit concerned and the coordinator's ("coordinator")."""
    import sqlalchemy as sa

    from cchc_flow.models.services.actions import add_note, coordinator_decides, report_done, roles_of
    from cchc_flow.models.store.db import session, write_transaction
    from cchc_flow.models.store.queries import get_plan
    from cchc_flow.models.store.tables import ActivityRow

    with session() as s, write_transaction(s):
        plan = get_plan(s, code)
        s.execute(sa.update(ActivityRow).where(ActivityRow.plan_id == plan.id).values(state="assigned"))
    tokens: dict[str, str] = {}
    principals: dict[str, object] = {}

    def who(unit: str, role: str = "unit") -> object:
        if unit not in principals:
            principals[unit], tokens[unit] = token(role, unit)
        return principals[unit]

    with session() as s:
        plan = get_plan(s, code)
        coordinator = who(plan.focal_unit, "coordinator")
        tokens["coordinator"] = tokens[plan.focal_unit]
        acts = (
            s.exec(sa.select(ActivityRow).where(ActivityRow.plan_id == plan.id).order_by(ActivityRow.id))
            .scalars()
            .all()
        )
        work = [(a.key, *roles_of(s, plan, a)) for a in acts]
    for i, (key, leads, partners) in enumerate(work):
        if i % every:
            continue
        lead = leads[0] if leads else plan.focal_unit
        with session() as s:
            report_done(
                s,
                principal=who(lead),
                plan_code=code,
                key=key,
                today=today,
                evidence=f"Đã thực hiện hoạt động {key}: biên bản, ảnh, đường dẫn bài đăng",
            )
        for partner in partners[:1]:
            with session() as s:
                add_note(
                    s,
                    principal=who(partner),
                    plan_code=code,
                    key=key,
                    today=today,
                    text=f"Đơn vị {partner} đã phối hợp thực hiện {key}",
                )
        decision = ("accept", "return", None)[i // every % 3]
        if decision:
            with session() as s:
                coordinator_decides(
                    s,
                    principal=coordinator,
                    plan_code=code,
                    key=key,
                    event=decision,
                    note="Thiếu minh chứng" if decision == "return" else None,
                    today=today,
                )
    return tokens


def big_plan(folder: Path) -> tuple[Path, Path]:
    """A one-phase plan of 1,000 activities (50 content items × 20), 100 units, one lead and two partners each."""
    codes = [f"U{i:03d}" for i in range(1, 101)]
    units = folder / "units.yaml"
    units.write_text(
        yaml.safe_dump(
            {
                "units": [
                    {"code": c, "name": f"Đơn vị thử nghiệm {c}", "kind": "unit", "tags": [f"unit-{c.lower()}"]}
                    for c in codes
                ]
            },
            allow_unicode=True,
        ),
        encoding="utf-8",
    )
    contents = []
    for c in range(1, 51):
        contents.append(
            {
                "number": c,
                "title": f"Nội dung tuyên truyền {c}",
                "activities": [
                    {
                        "id": f"1.{c}.{k}",
                        "text": f"Viết và đăng tin bài tuyên truyền cải cách hành chính số {c}.{k}",
                        "window": "2025-01-06..2025-12-31",
                        "funding": "Ngân sách nhà nước",
                        "lead": [codes[(c * 20 + k) % 100]],
                        "partners": [codes[(c * 20 + k + j) % 100] for j in (1, 2)],
                    }
                    for k in range(1, 21)
                ],
            }
        )
    plan = folder / "plan.yaml"
    plan.write_text(
        yaml.safe_dump(
            {
                "plan": {
                    "code": "bench-1000",
                    "number": "01/KH-BENCH",
                    "signed": "2025-01-02",
                    "issuer": "Bộ phận thử tải",
                    "title": "Kế hoạch thử tải cổng thông tin",
                    "focal_unit": "U001",
                    "leadership": "U002",
                    "objectives": {"general": "Đo cổng thông tin", "specific": ["Một nghìn hoạt động"]},
                },
                "phases": [{"number": 1, "name": "Giai đoạn 1 (2025)", "window": "2025", "content": contents}],
            },
            allow_unicode=True,
            sort_keys=False,
        ),
        encoding="utf-8",
    )
    return plan, units


# ------------------------------------------------------------------------------------------------ the portal


@contextlib.contextmanager
def portal(home: Path, as_of: date, workers: int | None):
    """`cchc serve` on a free port of 127.0.0.1 for the database under ``home``; yields its base URL."""
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    env = {
        **os.environ,
        "PYTHONPATH": str(REPO),
        "CCHC_HOME": str(home),
        "CCHC_DATABASE_URL": f"sqlite:///{home / 'cchc.db'}",
    }
    args = [sys.executable, "-m", "cchc_flow.cli.main", "serve", "--port", str(port), "--as-of", as_of.isoformat()]
    if workers:
        args += ["--workers", str(workers)]
    log = (home / "serve.log").open("wb")
    proc = subprocess.Popen(args, env=env, stdout=log, stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 180  # a busy machine imports slowly
        while True:
            with contextlib.suppress(httpx.TransportError):
                if httpx.get(f"{url}/login", timeout=2).status_code == 200:
                    break
            if proc.poll() is not None or time.monotonic() > deadline:
                log.flush()
                tail = (home / "serve.log").read_text(errors="replace")[-2000:]
                raise SystemExit(f"the portal did not start; the end of its log:\n{tail}")
            time.sleep(0.2)
        yield url
    finally:
        proc.terminate()  # SIGTERM: uvicorn finishes what is under way and stops
        try:
            proc.wait(30)
        except subprocess.TimeoutExpired:
            proc.kill()
        log.close()


def signed_in(url: str, value: str) -> dict[str, str]:
    """The session cookie of a browser signed in with ``value``."""
    with httpx.Client(base_url=url) as browser:
        page = browser.get("/login")
        csrf = CSRF.search(page.text)
        assert csrf, "no sign-in form"
        r = browser.post("/login", data={"csrf": csrf.group(1), "token": value})
        assert r.status_code == 303, r.text
        return {"cchc_session": browser.cookies["cchc_session"]}


# ------------------------------------------------------------------------------------------------ load


@dataclass
class Load:
    name: str
    times: list[float]
    errors: int
    seconds: float

    def line(self, target: float | None) -> str:
        t = sorted(self.times) or [float("nan")]
        p50, p95 = statistics.median(t), t[min(len(t) - 1, int(len(t) * 0.95))]
        verdict = (
            "" if target is None else f"  target p95 ≤ {target * 1000:.0f} ms: " + ("PASS" if p95 <= target else "MISS")
        )
        return (
            f"{self.name:<28} {len(self.times):>6} requests  p50 {p50 * 1000:7.1f} ms  p95 {p95 * 1000:7.1f} ms  "
            f"max {t[-1] * 1000:7.1f} ms  {len(self.times) / self.seconds:6.1f} req/s  errors {self.errors}" + verdict
        )


class Connection:
    """One keep-alive HTTP/1.1 connection sending the same GET (with the session cookie) again and again; each
    answer is read whole (framed by its content-length, or chunked) and its status returned. Raw asyncio streams:
    a request costs the client far less CPU than an HTTP library would, so the figures are the server's."""

    def __init__(self, url: str, path: str, cookies: dict[str, str]) -> None:
        self.host, port = url.removeprefix("http://").split(":")
        self.port = int(port)
        cookie = "; ".join(f"{k}={v}" for k, v in cookies.items())
        self.request = (
            f"GET {path} HTTP/1.1\r\nHost: {self.host}:{self.port}\r\nCookie: {cookie}\r\nAccept: text/html\r\n\r\n"
        ).encode()
        self.streams: tuple[asyncio.StreamReader, asyncio.StreamWriter] | None = None

    async def get(self) -> int:
        if self.streams is None:
            self.streams = await asyncio.open_connection(self.host, self.port)
        reader, writer = self.streams
        try:
            writer.write(self.request)
            head = (await reader.readuntil(b"\r\n\r\n")).lower()
            status = int(head[9:12])
            length = LENGTH.search(head)
            if length:
                await reader.readexactly(int(length.group(1)))
            elif b"transfer-encoding: chunked" in head:
                while size := int((await reader.readuntil(b"\r\n")).split(b";")[0], 16):
                    await reader.readexactly(size + 2)
                await reader.readuntil(b"\r\n")
            else:
                raise ValueError("an answer without its length")
            if b"connection: close" in head:
                self.close()
            return status
        except BaseException:
            self.close()
            raise

    def close(self) -> None:
        if self.streams is not None:
            self.streams[1].close()
            self.streams = None


LENGTH = re.compile(rb"\r\ncontent-length: *(\d+)")


async def _hammer(
    url: str, path: str, cookies: dict[str, str], seconds: float, max_requests: int, clients: int
) -> Load:
    times: list[float] = []
    errors = 0
    connections = [Connection(url, path, cookies) for _ in range(clients)]
    try:
        for status in await asyncio.gather(*(c.get() for c in connections)):  # warm every connection (and the cache)
            assert status == 200, f"{path}: {status}"
        stop = time.monotonic() + seconds

        async def one_client(connection: Connection) -> None:
            nonlocal errors
            while time.monotonic() < stop and len(times) + errors < max_requests:
                start = time.perf_counter()
                try:
                    ok = await asyncio.wait_for(connection.get(), 60) == 200
                except (OSError, asyncio.IncompleteReadError, asyncio.LimitOverrunError, ValueError, TimeoutError):
                    ok = False
                if ok:
                    times.append(time.perf_counter() - start)
                else:
                    errors += 1

        began = time.monotonic()
        await asyncio.gather(*(one_client(c) for c in connections))
        return Load(path, times, errors, time.monotonic() - began)
    finally:
        for c in connections:
            c.close()


def hammer(
    name: str, url: str, path: str, cookies: dict[str, str], args: argparse.Namespace, clients: int = CLIENTS
) -> Load:
    """``clients`` clients requesting ``path`` one request after another, for --seconds."""
    seconds = args.seconds if clients > 1 else args.seconds / 2
    result = asyncio_run(_hammer(url, path, cookies, seconds, args.max_requests, clients))
    result.name = name
    return result


def asyncio_run(work: Any) -> Any:
    """Run ``work`` on uvloop when it is installed (a cheaper event loop for the clients too), else asyncio's."""
    try:
        import uvloop
    except ImportError:
        return asyncio.run(work)
    return uvloop.run(work)


def cold_board(url: str, cookies: dict[str, str], step: callable, times: int = 5) -> list[float]:  # type: ignore[valid-type]
    """The board requested just after a new step (so computed again), ``times`` times."""
    out = []
    with httpx.Client(base_url=url, cookies=cookies, timeout=60) as client:
        client.get("/board")
        for _ in range(times):
            step()
            start = time.perf_counter()
            assert client.get("/board").status_code == 200
            out.append(time.perf_counter() - start)
    return out


def note_step(code: str, key: str, unit_token: tuple[object, str], today: date) -> callable:  # type: ignore[valid-type]
    from cchc_flow.models.services.actions import add_note
    from cchc_flow.models.store.db import session

    def step() -> None:
        with session() as s:
            add_note(s, principal=unit_token[0], plan_code=code, key=key, text="ghi chú thêm", today=today)

    return step


def machine() -> str:
    cpu = "?"
    with contextlib.suppress(OSError):
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    import sqlite3

    import uvicorn

    load = os.getloadavg()
    return (
        f"machine: nproc={os.cpu_count()} cpu={cpu!r} python={platform.python_version()} "
        f"uvicorn={uvicorn.__version__} sqlite={sqlite3.sqlite_version}; load average at start "
        f"{load[0]:.2f} {load[1]:.2f} {load[2]:.2f}"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=10.0, help="seconds of load per measurement (default 10)")
    parser.add_argument("--max-requests", type=int, default=20_000, help="requests per measurement at most")
    parser.add_argument("--workers", type=int, default=None, help="cchc serve --workers (default: one per core)")
    args = parser.parse_args()
    print(machine())
    print(
        f"date: {time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}; workers: {args.workers or os.cpu_count()}; "
        f"{CLIENTS} concurrent clients, {args.seconds:g} s per measurement"
    )
    try:
        lines = []
        home = ROOT / "reference"
        use_home(home)
        code = load(REPO / "config/plans/byt-3723-2013-2015.yaml", REPO / "config/units.yaml")
        tokens = history(code, AS_OF)
        unit_token = token("unit", "TCCB")
        from cchc_flow.models.store.db import get_engine

        steps = get_engine().connect().exec_driver_sql("select count(*) from transition").scalar()
        print(f"reference plan: 17 activities, {steps} steps in the history")
        with portal(home, AS_OF, args.workers) as url:
            coordinator, unit = signed_in(url, tokens["coordinator"]), signed_in(url, token("unit", "T5G")[1])
            cold = cold_board(url, coordinator, note_step(code, "1.1.1", unit_token, AS_OF))
            lines.append(
                f"{'reference board, cold':<28} {len(cold):>6} requests  median "
                f"{statistics.median(cold) * 1000:7.1f} ms  max {max(cold) * 1000:7.1f} ms"
            )
            lines.append(hammer("reference board, 1 client", url, "/board", coordinator, args, clients=1).line(None))
            lines.append(hammer("reference inbox, 1 client", url, "/inbox", unit, args, clients=1).line(None))
            lines.append(hammer("reference board", url, "/board", coordinator, args).line(TARGETS["reference board"]))
            lines.append(hammer("reference inbox", url, "/inbox", unit, args).line(TARGETS["reference inbox"]))
        for line in lines:
            print(line)

        home = ROOT / "big"
        use_home(home)
        plan, units = big_plan(home)
        began = time.perf_counter()
        code = load(plan, units)
        tokens = history(code, BIG_AS_OF, every=25)
        print(f"1,000 activities: loaded with history in {time.perf_counter() - began:.1f} s")
        unit_token = token("unit", "U022")  # the lead of 1.1.1
        with portal(home, BIG_AS_OF, args.workers) as url:
            coordinator = signed_in(url, tokens["coordinator"])
            cold = cold_board(url, coordinator, note_step(code, "1.1.1", unit_token, BIG_AS_OF))
            verdict = "PASS" if max(cold) <= TARGETS["1,000 activities board"] else "MISS"
            print(
                f"{'1,000 activities board, cold':<28} {len(cold):>6} requests  median "
                f"{statistics.median(cold) * 1000:7.1f} ms  max {max(cold) * 1000:7.1f} ms  target ≤ 1000 ms: "
                f"{verdict}"
            )
            print(
                hammer("1,000 activities board", url, "/board", coordinator, args).line(
                    TARGETS["1,000 activities board"]
                )
            )
    finally:
        shutil.rmtree(ROOT, ignore_errors=True)


if __name__ == "__main__":
    main()
