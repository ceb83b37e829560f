"""The portal under load: the board costs the same number of queries however many rows it shows, and an
unchanged plan's board and inbox are served from memory; `cchc serve --workers` runs several processes with
the access log and stops gracefully."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date

import httpx
import sqlalchemy as sa
from conftest import REPO
from endpoints import free_port
from portal import PLAN, csrf_of, issue, post, rows, set_states


@contextmanager
def statements() -> Iterator[list[str]]:
    """The SQL statements run on the configured database meanwhile."""
    from cchc_flow.models.store.db import get_engine

    seen: list[str] = []

    def count(conn, cursor, statement, *args) -> None:  # type: ignore[no-untyped-def]
        seen.append(statement)

    engine = get_engine()
    sa.event.listen(engine, "before_cursor_execute", count)
    try:
        yield seen
    finally:
        sa.event.remove(engine, "before_cursor_execute", count)


def board_queries() -> int:
    from cchc_flow.models.store.db import session
    from cchc_flow.models.store.queries import get_plan
    from cchc_flow.web.views import board

    with session() as s, statements() as seen:
        data = board(s, get_plan(s, PLAN), date(2014, 3, 14), "vi")
    return len(seen), len(data["queue"])


def report(key: str) -> None:
    """The activity's (first) lead unit reports it done, as `cchc activity done` does."""
    from cchc_flow.models.services.actions import report_done
    from cchc_flow.models.services.auth import Principal
    from cchc_flow.models.store.db import session

    ((lead,),) = rows(
        "select unit_code from activity_unit join activity on activity.id = activity_id "
        "where key = :key and role = 'lead' order by unit_code limit 1",
        key=key,
    )
    token_id, _ = issue("coordinator" if lead == "VPB" else "unit", lead)
    with session() as s:
        report_done(
            s,
            principal=Principal("coordinator" if lead == "VPB" else "unit", lead, token_id),
            plan_code=PLAN,
            key=key,
            evidence="Biên bản",
            today=date(2014, 3, 14),
        )


def test_the_board_costs_the_same_queries_however_long_its_queue(app) -> None:  # type: ignore[no-untyped-def]
    keys = ["1.1.1", "1.1.2", "1.2.1", "1.4.1", "1.5.1"]
    set_states(PLAN, "assigned", keys)
    report(keys[0])
    one, queued = board_queries()
    assert queued == 1
    for key in keys[1:]:
        report(key)
    five, queued = board_queries()
    assert queued == 5 and five == one


def test_an_unchanged_board_and_inbox_are_served_from_memory_and_a_new_step_shows_at_once(app, client, creds) -> None:  # type: ignore[no-untyped-def]
    vpb, t5g = client("coordinator", creds), client("T5G", creds)
    for c, path in ((vpb, "/board"), (t5g, "/inbox")):
        c.get(path)
        with statements() as seen:
            assert c.get(path).status_code == 200
        # who is signed in, the unit it is today (the directory's mergers), the plans, the history's last step, the unit
        assert len(seen) <= 6, seen
    with statements() as seen:
        assert post(t5g, "/activities/1.1.2/done", {"evidence": "Đã đăng bài"}, page="/inbox").status_code == 303
    assert "1.1.2" in vpb.get("/board").text.split('id="queue"')[1].split("</section>")[0]
    assert "đã báo cáo" in t5g.get("/inbox").text


def test_a_kept_page_follows_the_session_the_language_the_day_and_messages(app, client, creds) -> None:  # type: ignore[no-untyped-def]
    first, second = client("coordinator", creds), client("coordinator", creds)  # one token, two sessions
    for c in (first, second, first):
        page = c.get("/board").text
        assert csrf_of(page) == c.get("/login").text.split('name="csrf" value="')[1].split('"')[0]
    assert csrf_of(first.get("/board").text) != csrf_of(second.get("/board").text)
    assert post(first, "/logout", page="/board").status_code == 303  # the other session's kept page is not served
    assert first.get("/board", follow_redirects=False).status_code == 303
    assert second.get("/board").status_code == 200
    assert '<html lang="en">' in second.get("/board?lang=en").text and "as of 14/03/2014" in second.get("/board").text
    assert '<html lang="vi">' in second.get("/board?lang=vi").text
    app.state.as_of = date(2014, 3, 15)
    assert "15/03/2014" in second.get("/board").text
    t5g = client("T5G", creds)
    t5g.get("/inbox")
    assert post(t5g, "/activities/1.1.2/note", {"text": "Đã phối hợp"}, page="/inbox").status_code == 303
    told = t5g.get("/inbox").text
    assert 'class="flash' in told and 'class="flash' not in t5g.get("/inbox").text  # a message is shown once


def test_many_browsers_at_once_on_a_cold_portal_are_all_answered(app, client, creds) -> None:  # type: ignore[no-untyped-def]
    """More requests at once than the database pool has connections: none waits on another for ever."""
    import asyncio

    cookies = {who: client(who, creds).cookies["cchc_session"] for who in ("coordinator", "T5G")}

    async def hammer() -> list[int]:
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://portal") as c:
            answers = await asyncio.gather(
                *(
                    c.get(path, cookies={"cchc_session": cookies[who]})
                    for _ in range(20)
                    for who, path in (("coordinator", "/board"), ("T5G", "/inbox"))
                )
            )
        return [r.status_code for r in answers]

    assert asyncio.run(hammer()) == [200] * 40


def test_serve_runs_workers_with_the_access_log_and_stops_gracefully(loaded, tmp_path) -> None:  # type: ignore[no-untyped-def]
    port = free_port()
    log = (tmp_path / "serve.log").open("w+")
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    proc = subprocess.Popen(
        [sys.executable, "-m", "cchc_flow.cli.main", "serve", "--port", str(port), "--workers", "2"],
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    try:
        deadline = time.monotonic() + 90
        while True:
            try:
                r = httpx.get(f"http://127.0.0.1:{port}/login?link=bi-mat", timeout=5)
                break
            except httpx.TransportError:
                assert proc.poll() is None and time.monotonic() < deadline, "the portal did not start"
                time.sleep(0.1)
        assert r.status_code == 401
        proc.send_signal(signal.SIGTERM)
        assert proc.wait(60) == 0
    finally:
        if proc.poll() is None:
            proc.kill()
    log.seek(0)
    text = log.read()
    assert text.count("Started server process") == 2 and "Traceback" not in text
    assert '"GET /login?link=**** HTTP/1.1" 401' in text and "bi-mat" not in text
    assert "Shutting down" in text and "Finished server process" in text
