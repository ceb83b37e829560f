#!/usr/bin/env python
"""History benchmark: 1,000,000 hash-chained transitions on SQLite, filtered queries and streamed exports.

Run by hand from the repository root:

    .venv/bin/python bench/history_bench.py                 # 1,000,000 steps (~10 min here), then PostgreSQL
    .venv/bin/python bench/history_bench.py --rows 100000   # a quicker smoke check

Not a test: it prints figures and PASS/MISS against the targets (a filtered history query in <= 50 ms; at 1,100,000
rows: CSV <= 6 s, JSON <= 8 s, XLSX <= 60 s in bounded memory, `cchc audit verify` >= 150,000 rows/s) and exits 0.
The history is generated straight into the tables (executemany, hashes computed in Python with models/store/chain.py,
the same functions the application and `cchc audit verify` use), then queried through models/store/history_query.py
and exported by `cchc history` in child processes, whose peak RSS is read with os.wait4. Then the same on
PostgreSQL (the throwaway server of tests/pgserver.py, --pg-rows steps copied from SQLite; targets scaled to the
rows). Everything it writes lives in one temporary folder, removed at the end. bench/README.md ("History") records
the figures.
"""

from __future__ import annotations

import argparse
import os
import platform
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
import tracemalloc
import uuid
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
if str(REPO) not in sys.path:
    sys.path.insert(0, str(REPO))

ROOT = Path(tempfile.mkdtemp(prefix="cchc-history-bench-"))
DB = ROOT / "cchc.db"
URL = f"sqlite:///{DB}"
os.environ.update(
    {
        "CCHC_HOME": str(ROOT),
        "CCHC_DATABASE_URL": URL,
        "CCHC_LANG": "vi",
        "PREFECT_HOME": str(ROOT / "prefect-home"),
        "PREFECT_API_URL": "http://127.0.0.1:4200/api",
    }
)  # only to render UI links; never called

import sqlalchemy as sa  # noqa: E402

from cchc_flow.models.store.chain import GENESIS, delivery_content, row_hash, transition_content  # noqa: E402

PLAN = "bench-plan"
UNITS = 100
ACTIVITIES = 10_000
FIRST_DAY = date(2014, 1, 1)
DAYS = 730
TARGET_MS = 50.0
EVENTS = [
    ("assign", "planned", "assigned"),
    ("note", "assigned", "assigned"),
    ("report", "assigned", "reported"),
    ("return", "reported", "returned"),
    ("report", "returned", "reported"),
    ("accept", "reported", "accepted"),
    ("mark_overdue", "assigned", "overdue"),
]
NOTE = "Đơn vị {u}: đã gửi công văn số {n}/CV về việc triển khai hoạt động; kèm minh chứng ảnh hội thảo"


def machine() -> str:
    cpu = next(
        (
            line.split(":", 1)[1].strip()
            for line in Path("/proc/cpuinfo").read_text().splitlines()
            if line.startswith("model name")
        ),
        platform.processor() or "?",
    )
    import sqlite3

    return (
        f"{os.cpu_count()} cores (nproc), {cpu}; Python {platform.python_version()}, "
        f"SQLite {sqlite3.sqlite_version}, {platform.system()} {platform.release()}"
    )


# ---------------------------------------------------------------------------------------------- generating


def generate(rows: int, db: Path = DB) -> dict[str, float]:
    """The plan, its units and activities, ``rows`` steps and one delivered notice per 10 steps, in the SQLite
    database ``db``."""
    import random

    from sqlmodel import SQLModel

    from cchc_flow.models.store.db import get_engine, migrate

    rng = random.Random(3723)
    url = f"sqlite:///{db}"
    migrate(url)
    engine = get_engine(url)
    started = time.perf_counter()
    units = [f"U{i:03d}" for i in range(UNITS)]
    with engine.begin() as conn:
        conn.execute(
            sa.text("INSERT INTO unit (code, name, kind, aliases, tags) VALUES (:c, :n, 'office', '[]', '[]')"),
            [{"c": u, "n": f"Đơn vị số {u[1:]}"} for u in units],
        )
        conn.execute(
            sa.text(
                "INSERT INTO plan (id, code, number, title, issuer, signed, focal_unit, leadership, digest,"
                " spec, loaded_at) VALUES (1, :code, '9999/QĐ-BYT', 'Kế hoạch thử tải', 'Bộ Y tế',"
                " '2013-12-01', 'U000', 'U001', 'x', '{}', '2013-12-01 00:00:00.000000')"
            ),
            {"code": PLAN},
        )
        conn.execute(
            sa.text(
                "INSERT INTO phase (id, plan_id, number, name, window_start, window_end, window_as_written)"
                " VALUES (1, 1, 1, 'Giai đoạn I', '2014-01-01', '2015-12-31', '2014-2015')"
            )
        )
        conn.execute(sa.text("INSERT INTO content_item (id, phase_id, number, title) VALUES (1, 1, 1, 'Nội dung')"))
        conn.execute(
            sa.text(
                "INSERT INTO activity (id, plan_id, phase_id, content_id, key, position, text, window_start,"
                " window_end, window_as_written, funding, state, in_plan) VALUES (:i, 1, 1, 1, :k, :i,"
                " 'Hoạt động thử', '2014-01-01', '2015-12-31', '2014-2015', 'Kinh phí', 'assigned', 1)"
            ),
            [{"i": i + 1, "k": f"1.1.{i + 1}"} for i in range(ACTIVITIES)],
        )
        roles = []
        for i in range(ACTIVITIES):
            lead, *partners = rng.sample(units, 3)
            roles.append({"a": i + 1, "r": "lead", "u": lead, "p": 0})
            roles += [{"a": i + 1, "r": "partner", "u": u, "p": n} for n, u in enumerate(partners)]
        conn.execute(
            sa.text(
                "INSERT INTO activity_unit (activity_id, role, unit_code, position, as_written)"
                " VALUES (:a, :r, :u, :p, :u)"
            ),
            roles,
        )
    setup = time.perf_counter() - started

    tables = SQLModel.metadata.tables
    indexes = [i for name in ("transition", "delivery", "notification") for i in tables[name].indexes]
    raw = engine.raw_connection()
    try:
        cur = raw.cursor()
        cur.execute("BEGIN")
        for index in indexes:  # bulk load first, index after: minutes faster
            cur.execute(f"DROP INDEX IF EXISTS {index.name}")
        # the triggers refusing an insert over a stored row look each new row up: without the indexes, every
        # lookup would read the whole table. They are put back, as they were, once the indexes are.
        guards = cur.execute(
            "SELECT name, sql FROM sqlite_master WHERE type = 'trigger' AND name LIKE '%append_only_insert'"
        ).fetchall()
        for name, _ in guards:
            cur.execute(f"DROP TRIGGER {name}")
        t0 = time.perf_counter()
        hashed = 0.0
        base = datetime(2014, 1, 1, 1, 0, tzinfo=UTC)
        runs = [str(uuid.UUID(int=rng.getrandbits(128), version=4)) for _ in range(DAYS)]
        prev, batch, notices, deliveries, d_prev = GENESIS, [], [], [], GENESIS
        n_notice = 0
        for i in range(rows):
            day_index = i * DAYS // rows
            day = FIRST_DAY + timedelta(days=day_index)
            at = base + timedelta(days=day_index, microseconds=i)
            activity = rng.randrange(ACTIVITIES) + 1
            event, src, dst = EVENTS[rng.randrange(len(EVENTS))]
            in_flow = event in ("assign", "mark_overdue")
            unit = units[rng.randrange(UNITS)]
            values = {
                "entity": "activity",
                "entity_key": f"1.1.{activity}",
                "event": event,
                "from_state": src,
                "to_state": dst,
                "at": at,
                "effective_day": day,
                "actor": "cchc-flow" if in_flow else f"canbo{rng.randrange(50):02d}",
                "source": "flow" if in_flow else "cli",
                "note": None if in_flow else NOTE.format(u=unit, n=i),
                "flow_run_id": runs[day_index] if in_flow else None,
                "task_run_id": None,
            }
            h0 = time.perf_counter()
            digest = row_hash("transition", 1, i + 1, prev, transition_content(values))
            hashed += time.perf_counter() - h0
            batch.append(
                (
                    i + 1,
                    1,
                    values["entity"],
                    values["entity_key"],
                    event,
                    src,
                    dst,
                    at.strftime("%Y-%m-%d %H:%M:%S.%f"),
                    day.isoformat(),
                    values["actor"],
                    values["source"],
                    values["note"],
                    values["flow_run_id"],
                    None,
                    i + 1,
                    prev,
                    digest,
                )
            )
            prev = digest
            if i % 10 == 0:  # a notice to the activity's unit, delivered in the day's flow run
                n_notice += 1
                key = f"{PLAN}|1.1.{activity}|reminder|{unit}|{n_notice}"
                notices.append(
                    (
                        n_notice,
                        1,
                        key,
                        "activity",
                        f"1.1.{activity}",
                        "reminder",
                        unit,
                        "lead",
                        7,
                        day.isoformat(),
                        "{}",
                        "sent",
                        1,
                        at.strftime("%Y-%m-%d %H:%M:%S.%f"),
                    )
                )
                d = {
                    "notification_id": n_notice,
                    "route": f"mailto://****@{unit.lower()}.example.vn",
                    "ok": True,
                    "error": None,
                    "at": at,
                    "flow_run_id": runs[day_index],
                }
                n = {
                    "key": key,
                    "entity": "activity",
                    "entity_key": f"1.1.{activity}",
                    "notice": "reminder",
                    "recipient": unit,
                    "role": "lead",
                }
                d_hash = row_hash("delivery", 1, n_notice, d_prev, delivery_content(d, n))
                deliveries.append(
                    (
                        n_notice,
                        n_notice,
                        d["route"],
                        1,
                        None,
                        at.strftime("%Y-%m-%d %H:%M:%S.%f"),
                        d["flow_run_id"],
                        1,
                        n_notice,
                        d_prev,
                        d_hash,
                    )
                )
                d_prev = d_hash
            if len(batch) == 50_000 or i == rows - 1:
                cur.executemany(
                    "INSERT INTO transition (id, plan_id, entity, entity_key, event, from_state, to_state,"
                    " at, effective_day, actor, source, note, flow_run_id, task_run_id, seq, prev_hash,"
                    " row_hash) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                    batch,
                )
                cur.executemany(
                    "INSERT INTO notification (id, plan_id, key, entity, entity_key, notice, recipient,"
                    ' role, "offset", as_of, details, status, attempts, created_at)'
                    " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                    notices,
                )
                cur.executemany(
                    "INSERT INTO delivery (id, notification_id, route, ok, error, at, flow_run_id, plan_id,"
                    " seq, prev_hash, row_hash) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                    deliveries,
                )
                batch, notices, deliveries = [], [], []
        inserted = time.perf_counter() - t0
        t0 = time.perf_counter()
        for index in indexes:
            cur.execute(str(sa.schema.CreateIndex(index).compile(dialect=engine.dialect)))
        for _, definition in guards:
            cur.execute(definition)
        cur.execute("COMMIT")
        indexed = time.perf_counter() - t0
        t0 = time.perf_counter()
        cur.execute("ANALYZE")
        analyzed = time.perf_counter() - t0
    finally:
        raw.close()
    return {
        "setup": setup,
        "insert": inserted,
        "hashing": hashed,
        "index": indexed,
        "analyze": analyzed,
        "notices": n_notice,
    }


# ---------------------------------------------------------------------------------------------- querying


def busiest_unit(url: str) -> tuple[str, str]:
    """The unit with the most activities, and the first activity it leads."""
    from cchc_flow.models.store.db import get_engine

    with get_engine(url).connect() as conn:
        unit = conn.execute(
            sa.text("SELECT unit_code FROM activity_unit GROUP BY unit_code ORDER BY count(*) DESC, unit_code LIMIT 1")
        ).scalar_one()
        key = conn.execute(
            sa.text(
                "SELECT a.key FROM activity a JOIN activity_unit au ON au.activity_id = a.id "
                "WHERE au.unit_code = :u AND au.role = 'lead' ORDER BY a.id LIMIT 1"
            ),
            {"u": unit},
        ).scalar_one()
    return unit, key


def query_times(url: str, repeat: int = 7) -> list[tuple[str, int, float, float]]:
    """(filter, rows, median ms for the first page the table shows, median ms for every row) per filter."""
    from cchc_flow.models.store.db import session
    from cchc_flow.models.store.history_query import HistoryFilter, history

    unit, key = busiest_unit(url)
    month = {"since": date(2015, 3, 1), "until": date(2015, 3, 31)}
    cases = [
        (f"one activity ({key})", {"activity": key}),
        (f"one unit ({unit}: every activity it leads or partners)", {"unit": unit}),
        ("one month (03/2015)", month),
        ("one activity, one month", {"activity": key, **month}),
        ("one unit, one month", {"unit": unit, **month}),
        ("one activity, one unit (its lead), one month", {"activity": key, "unit": unit, **month}),
        ("one actor, one month (steps only)", {"actor": "canbo07", **month}),
    ]
    out = []
    with session(url) as s:
        list(history(s, HistoryFilter(PLAN, activity="1.1.1")))  # warm up: imports, Prefect's settings (UI links)
        for label, filters in cases:
            f = HistoryFilter(PLAN, **filters)
            first, full, n = [], [], 0
            for _ in range(repeat):
                t0 = time.perf_counter()
                list(history(s, f, 501))
                first.append((time.perf_counter() - t0) * 1000)
                t0 = time.perf_counter()
                n = sum(1 for _ in history(s, f))
                full.append((time.perf_counter() - t0) * 1000)
            out.append((label, n, statistics.median(first), statistics.median(full)))
    return out


def verify_time(url: str) -> tuple[float, bool, int]:
    from cchc_flow.models.store.audit import verify
    from cchc_flow.models.store.db import session

    with session(url) as s:
        t0 = time.perf_counter()
        report = verify(s, PLAN, parallel=(os.cpu_count() or 1) > 1)  # as `cchc audit verify` calls it
        return time.perf_counter() - t0, report.whole, sum(c.rows for c in report.chains)


# ---------------------------------------------------------------------------------------------- exporting


def export_child(fmt: str, args: list[str], url: str = URL) -> tuple[float, float, int, int]:
    """`cchc history` in a child process: (seconds, peak RSS MiB, rows written, file bytes)."""
    target = ROOT / f"export.{fmt}"
    cmd = [sys.executable, "-m", "cchc_flow.cli.main", "history", PLAN, "--format", fmt, "--output", str(target), *args]
    env = {**os.environ, "CCHC_DATABASE_URL": url}
    t0 = time.perf_counter()
    proc = subprocess.Popen(cmd, cwd=REPO, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    _, status, usage = os.wait4(proc.pid, 0)
    seconds = time.perf_counter() - t0
    message = proc.stderr.read() if proc.stderr else ""
    proc.returncode = os.waitstatus_to_exitcode(status)
    if proc.returncode:
        raise RuntimeError(f"{cmd}: {message}")
    written = int("".join(ch for ch in message.split("dòng")[0] if ch.isdigit()) or 0)
    size = target.stat().st_size
    target.unlink()
    return seconds, usage.ru_maxrss / 1024, written, size


def export_heap(fmt: str, until: date | None) -> tuple[float, int]:
    """Peak Python heap (tracemalloc, MiB) of one export in this process, and the rows written."""
    import xlsxwriter  # noqa: F401  (imported before the measure: its import is not the export's memory)

    from cchc_flow.models.reports.history_xlsx import write_xlsx
    from cchc_flow.models.store.db import session
    from cchc_flow.models.store.history_query import HistoryFilter, history, write_csv, write_json

    f = HistoryFilter(PLAN, until=until)
    with session(URL) as s:
        tracemalloc.start()
        if fmt == "xlsx":
            n = write_xlsx(history(s, f), ROOT / "heap.xlsx")
        else:
            with open(os.devnull, "w", encoding="utf-8") as sink:
                n = (write_csv if fmt == "csv" else write_json)(history(s, f), sink)
        _, peak = tracemalloc.get_traced_memory()
        tracemalloc.stop()
    return peak / 2**20, n


# ---------------------------------------------------------------------------------------------- PostgreSQL

TABLES = (
    "unit",
    "plan",
    "phase",
    "content_item",
    "activity",
    "activity_unit",
    "transition",
    "notification",
    "delivery",
)


def copy_to_postgres(sqlite_db: Path, url: str) -> float:
    """The generated SQLite database copied into a migrated PostgreSQL database (COPY, triggers off for the load,
    timestamps read as UTC), then VACUUM ANALYZE, as autovacuum would do after such a load (its visibility map lets an
    index-only scan skip the table); returns the seconds it took."""
    import sqlite3

    import psycopg

    from cchc_flow.models.store.db import migrate

    migrate(url)
    t0 = time.perf_counter()
    source = sqlite3.connect(sqlite_db)
    dsn = sa.make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)
    with psycopg.connect(dsn) as pg:
        pg.execute("SET TIME ZONE 'UTC'")
        pg.execute("SET session_replication_role = replica")  # no triggers while loading
        for table in TABLES:
            names = [row[1] for row in source.execute(f"PRAGMA table_info({table})")]
            columns = ", ".join(f'"{n}"' for n in names)
            with pg.cursor().copy(f"COPY {table} ({columns}) FROM STDIN") as copy:
                for row in source.execute(f"SELECT {columns} FROM {table}"):
                    copy.write_row(row)
        pg.execute("SET session_replication_role = DEFAULT")
        pg.commit()
        pg.autocommit = True
        pg.execute("VACUUM ANALYZE")
    source.close()
    return time.perf_counter() - t0


# ---------------------------------------------------------------------------------------------- report

FULL = 1_100_000  # rows of the targets: 1,000,000 steps and 100,000 deliveries
TARGETS = {"csv": 6.0, "json": 8.0, "xlsx": 60.0}  # seconds for FULL rows
VERIFY_RATE = 150_000  # rows/s
RSS_MARGIN = 32  # MiB over the baseline (imports and one row): bounded memory


def verdict(ok: bool) -> str:
    return "PASS" if ok else "MISS"


def report(url: str, label: str, formats: tuple[str, ...], tenth: bool) -> None:
    """Queries, verification and exports of the database at ``url``, with PASS/MISS against each target: at
    FULL rows the export's whole time, at fewer its time over the one-row export's (the imports) against the
    target scaled to its rows."""
    print(f"\n== {label} ==")
    print(
        f"filtered history queries through models/store/history_query.py (median of 7; target <= {TARGET_MS:.0f} ms;"
        f" load average now {os.getloadavg()[0]:.1f})"
    )
    print("  first page = the 500 rows `cchc history` shows (+1 to know there are more); all rows = streamed")
    print(f"  {'filter':58} {'rows':>8} {'first page':>11} {'all rows':>10}")
    for name, n, first, full in query_times(url):
        print(
            f"  {name:58} {n:8,} {first:8.1f} ms {full:7.1f} ms  {verdict(first <= TARGET_MS)} (first page)"
            + (f", {verdict(full <= TARGET_MS)} (all rows)" if n <= 5000 else "")
        )
    seconds, whole, checked = verify_time(url)
    rate = checked / seconds
    print(
        f"\naudit verify: {checked:,} rows in {seconds:.1f} s ({rate:,.0f} rows/s), whole={whole}"
        f"  {verdict(rate >= VERIFY_RATE and whole)} (target >= {VERIFY_RATE:,} rows/s)"
    )
    print("\nexports: `cchc history` in a child process (peak RSS via wait4)")
    base_s, base_rss, _, _ = export_child("csv", ["--limit", "1"], url)
    print(f"  baseline (imports, one row): {base_s:.1f} s, peak RSS {base_rss:.0f} MiB")
    for fmt in formats:
        for part, args in (("tenth", ["--until", "2014-03-14"]), ("all", [])):
            if part == "tenth" and not tenth:
                continue
            seconds, rss, n, nbytes = export_child(fmt, args, url)
            line = (
                f"  {fmt:4} {part:5} {n:9,} rows {nbytes / 2**20:8.1f} MiB file {seconds:7.1f} s "
                f"({n / seconds:,.0f} rows/s)  peak RSS {rss:6.0f} MiB"
            )
            if part == "all":
                target = TARGETS[fmt] * n / FULL
                spent = seconds if n >= FULL else seconds - base_s
                how = "" if n >= FULL else " net of the baseline, target scaled to the rows"
                line += (
                    f"  {verdict(spent <= target)} ({spent:.1f} s <= {target:.1f} s{how}), "
                    f"{verdict(rss <= base_rss + RSS_MARGIN)} (memory)"
                )
            print(line)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=1_000_000, help="steps to generate (default 1,000,000)")
    parser.add_argument("--no-xlsx", action="store_true", help="skip the (slow) full XLSX export")
    parser.add_argument(
        "--pg-rows", type=int, default=100_000, help="steps for the PostgreSQL line (default 100,000; 0: none)"
    )
    parser.add_argument("--keep", action="store_true", help=f"keep the generated database ({DB})")
    opts = parser.parse_args()
    sys.stdout.reconfigure(line_buffering=True)  # type: ignore[union-attr]
    try:
        print(f"machine: {machine()}; load average before: {' '.join(f'{x:.1f}' for x in os.getloadavg())}")
        g = generate(opts.rows)
        size = DB.stat().st_size / 2**20
        print(
            f"generated {opts.rows:,} steps + {g['notices']:,} notices/deliveries: setup {g['setup']:.1f} s, insert "
            f"{g['insert']:.1f} s (of which hashing {g['hashing']:.1f} s), indexes {g['index']:.1f} s, "
            f"ANALYZE {g['analyze']:.1f} s; database {size:,.0f} MiB"
        )
        formats = ("csv", "json") if opts.no_xlsx else ("csv", "json", "xlsx")
        report(URL, f"SQLite, {opts.rows:,} steps", formats, tenth=True)
        print("\nexports in-process: peak Python heap (tracemalloc) while streaming")
        tenth = date(2014, 3, 14)
        for fmt in formats:
            # three tenths of an XLSX make the point
            for until in (tenth, date(2014, 8, 8) if fmt == "xlsx" else None):
                peak, n = export_heap(fmt, until)
                print(f"  {fmt:4} {n:9,} rows  peak heap {peak:6.2f} MiB")
        if opts.pg_rows:
            pg_line(opts.pg_rows, opts.rows)
    finally:
        if opts.keep:
            print(f"\nkept: {DB}")
        else:
            shutil.rmtree(ROOT, ignore_errors=True)


def pg_line(rows: int, source_rows: int) -> None:
    """The same figures on PostgreSQL (the throwaway server the tests use), at ``rows`` steps (the SQLite
    database's copy when it has as many)."""
    sys.path.insert(0, str(REPO / "tests"))
    from pgserver import fresh_database, throwaway_postgres

    db = DB if source_rows == rows else ROOT / "pg-source.db"
    if db != DB:
        generate(rows, db)
    with throwaway_postgres() as server:
        url = fresh_database(server, "history_bench")
        copied = copy_to_postgres(db, url)
        print(f"\ncopied {rows:,} steps + {rows // 10:,} notices/deliveries into PostgreSQL in {copied:.1f} s")
        report(url, f"PostgreSQL, {rows:,} steps", ("csv", "json"), tenth=False)


if __name__ == "__main__":
    main()
