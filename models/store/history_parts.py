"""A long history exported as CSV or JSON on two cores: the days before a cut day in this process, the rest at the
same time in a forked child writing into a temporary file, appended after them. The timeline is ordered by day first
(steps and notices alike), so the two parts joined are the whole export, byte for byte.

Only from a process without other threads (the CLI), where fork is available; the portal writes in one piece.
"""

from __future__ import annotations

import multiprocessing
import os
import sys
import tempfile
from collections.abc import Callable, Iterable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import replace
from datetime import date, timedelta
from multiprocessing.connection import Connection
from pathlib import Path
from typing import IO, Any

import sqlalchemy as sa
from sqlmodel import Session

from cchc_flow.models.store.history_query import (
    HistoryFilter,
    Shared,
    csv_head,
    csv_lines,
    history_rows,
    json_objects,
    notice_query,
    shared,
    step_queries,
    write_csv,
    write_json,
)
from cchc_flow.models.store.queries import get_plan
from cchc_flow.models.store.tables import NotificationRow, TransitionRow, table_of

SPLIT_FROM = 100_000  # rows from which export(parallel=True) writes a history in two parts at once
FIRST_SHARE = 0.48  # of the rows, before the cut day: this process also works out what both share and appends
COPY_BLOCK = 1 << 24

Writer = Callable[[Iterable[Sequence[Any]], IO[str]], int]
WHOLE: dict[str, Writer] = {"csv": write_csv, "json": write_json}


def export(
    session: Session,
    f: HistoryFilter,
    fmt: str,
    out: IO[str],
    limit: int | None = None,
    *,
    parallel: bool = False,
    split_from: int = SPLIT_FROM,
    share: float = FIRST_SHARE,
    scratch: Path | None = None,
) -> int:
    """Write the history ``f`` selects (at most ``limit`` rows) as ``fmt`` (csv or json) to ``out``; returns the rows
    written. ``parallel``: a whole history of ``split_from`` rows or more in two parts at once (the same text), the
    first about ``share`` of the rows, the second's text kept meanwhile in an unnamed file in ``scratch`` (the
    output's folder: it holds the whole export in the end; None: the system's temporary folder)."""
    if not (parallel and limit is None and "fork" in multiprocessing.get_all_start_methods()):
        return WHOLE[fmt](history_rows(session, f, limit), out)
    cut, common = _cut_and_shared(session, f, split_from, share)
    if cut is None:
        return WHOLE[fmt](history_rows(session, f, shared=common), out)
    first, second = replace(f, until=cut - timedelta(days=1)), replace(f, since=cut)
    if fmt == "csv":
        csv_head(out)
        return sum(_in_two(session, common, (first, second), csv_lines, out, scratch))
    out.write("[")
    n = sum(_in_two(session, common, (first, second), json_objects, out, scratch))
    out.write("\n]\n")
    return n


def _cut_and_shared(session: Session, f: HistoryFilter, split_from: int, share: float) -> tuple[date | None, Shared]:
    """cut_day() and shared() at once: the cut day counted by the database on a connection of its own, in a thread
    that waits for it, while this one works out what the parts share (0.1-0.15 s less before the second part starts,
    at 1,000,000 steps). One after the other on a database only this connection sees (SQLite in memory)."""
    engine = session.connection().engine
    if engine.dialect.name == "sqlite" and engine.url.database in (None, "", ":memory:"):
        return cut_day(session, f, split_from, share), shared(session, f)
    with ThreadPoolExecutor(max_workers=1) as pool:  # ended before the fork: the child starts with one thread

        def counted() -> date | None:
            with Session(engine) as own:
                return cut_day(own, f, split_from, share)

        cutting = pool.submit(counted)
        common = shared(session, f)
        return cutting.result(), common


def _in_two(
    session: Session,
    common: Shared,
    parts: tuple[HistoryFilter, HistoryFilter],
    body: Writer,
    out: IO[str],
    scratch: Path | None,
) -> tuple[int, int]:
    """The rows of the first part written here while a forked child writes those of the second into a temporary
    file in ``scratch``, then appended (written here when the child could not)."""
    first, second = parts
    out.flush()
    sys.stdout.flush()  # the child flushes the standard streams as it ends: nothing of ours may be left in them
    context = multiprocessing.get_context("fork")
    receive, send = context.Pipe(duplex=False)
    with tempfile.TemporaryFile(dir=scratch) as part:
        url = session.connection().engine.url
        child = context.Process(target=_second_part, args=(send, url, second, common, body, part.fileno()), daemon=True)
        child.start()
        send.close()
        try:
            n = body(history_rows(session, first, shared=common), out)
            try:
                m = receive.recv()
            except EOFError:
                m = None
            child.join()
            if m is None:
                rows = history_rows(session, second, shared=common)
                m = json_objects(rows, out, follows=n > 0) if body is json_objects else body(rows, out)
            elif m:
                if n and body is json_objects:
                    out.write(",")
                _append(out, part)
        finally:
            if child.is_alive():
                child.terminate()
            child.join()
            receive.close()
    return n, m


def _second_part(send: Connection, url: sa.URL, f: HistoryFilter, common: Shared, body: Writer, fd: int) -> None:
    """In the child: the rows of ``f`` on a connection of its own into the file ``fd``; sends how many, or None."""
    try:
        engine = sa.create_engine(url, poolclass=sa.pool.NullPool)
        with Session(engine) as s, open(os.dup(fd), "w", encoding="utf-8", newline="") as fh:
            n = body(history_rows(s, f, shared=common), fh)
        send.send(n)
    except Exception:
        send.send(None)  # this process writes those rows itself, and meets the error itself if it is one
    finally:
        send.close()


def _append(out: IO[str], part: IO[bytes]) -> None:
    """The child's text after what ``out`` holds: copied by the kernel when ``out`` is a file or a pipe."""
    out.flush()
    size = os.fstat(part.fileno()).st_size
    try:
        target = out.fileno()
    except (OSError, ValueError, AttributeError):  # no file under ``out`` (a test's buffer)
        target = None
    done = 0
    while target is not None and done < size:
        try:
            done += os.sendfile(target, part.fileno(), done, min(COPY_BLOCK, size - done))
        except OSError:
            if done:
                raise
            target = None  # a file the kernel does not copy into
    if done < size:
        part.seek(0)
        with open(os.dup(part.fileno()), encoding="utf-8", newline="") as text:
            while chunk := text.read(COPY_BLOCK):
                out.write(chunk)


def cut_day(session: Session, f: HistoryFilter, split_from: int, share: float = FIRST_SHARE) -> date | None:
    """The first day of the second part: about ``share`` of the rows ``f`` selects come before it; None when they
    are fewer than ``split_from``, or a step has no day (such steps sort apart from the days)."""
    plan = get_plan(session, f.plan)
    assert plan.id is not None
    T = table_of(TransitionRow).c
    counts: dict[date | None, int] = {}
    queries, _ = step_queries(session, plan.id, f)
    for query in queries:
        for day, count in session.execute(
            query.with_only_columns(T.effective_day, sa.func.count()).group_by(T.effective_day)
        ):
            counts[day] = counts.get(day, 0) + count
    if not (f.actor or f.state):
        notices = notice_query(session, plan.id, f).order_by(None)
        as_of = table_of(NotificationRow).c.as_of
        for day, count in session.execute(notices.with_only_columns(as_of, sa.func.count()).group_by(as_of)):
            counts[day] = counts.get(day, 0) + count
    total = sum(counts.values())
    if total < split_from or None in counts:
        return None
    before = 0
    days = sorted(counts)  # type: ignore[type-var]
    for day, following in zip(days, days[1:]):
        before += counts[day]
        if before >= total * share:
            return following
    return None
