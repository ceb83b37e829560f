"""Claims on notifications (models/notify/notices.py take(), flows/delivery.py deliver()), stepped by hand so that each
outcome is certain: a sender that holds a live claim is never doubled, a claim whose lease ended is taken over in
doubt, a live claim of another host is left alone. Runs on SQLite and PostgreSQL; no Prefect."""

from __future__ import annotations

import threading
from collections import Counter
from datetime import date, timedelta

import pendulum
import sqlalchemy as sa
from endpoints import HttpRecorder
from faults import OPENING_UNITS, decided_as_of, rows, write_json_routes

OPENING = date(2013, 10, 1)
ELSEWHERE = "0badc0de:4242:run-on-another-host"  # a sender on another machine: whether it still runs is unknown


def record_opening() -> int:
    """Phase 1 opened (4 activities assigned, 13 notifications for 7 units queued); returns the plan's id."""
    from cchc_flow.models.services.reconcile import record_decisions
    from cchc_flow.models.store.db import session

    view, decided = decided_as_of(OPENING)
    with session() as s:
        record_decisions(s, view, decided, OPENING)
    return view.plan_id


def ids_of(unit: str) -> list[int]:
    return [i for (i,) in rows("select id from notification where recipient = :u order by id", u=unit)]


def claim_as(holder: str, unit: str, until: pendulum.DateTime) -> None:
    from cchc_flow.models.store.db import get_engine
    from cchc_flow.models.store.tables import NotificationRow

    with get_engine().begin() as conn:
        conn.execute(
            sa.update(NotificationRow)
            .where(NotificationRow.recipient == unit)
            .values(claimed_by=holder, claimed_until=until)
        )


def by_unit(http: HttpRecorder) -> Counter:
    return Counter(r.path.strip("/").upper() for r in http.requests)


def test_a_claim_is_taken_by_one_sender_only(loaded) -> None:  # type: ignore[no-untyped-def]
    """Two senders of this host, both alive, claim the same notifications one after the other: the second gets none."""
    from cchc_flow.models.notify.notices import take
    from cchc_flow.models.notify.senders import sender_name
    from cchc_flow.models.store.db import session, write_transaction

    record_opening()
    wanted = [i for (i,) in rows("select id from notification order by id")]
    first, second = sender_name("first"), sender_name("second")
    with session() as a, session() as b:
        with write_transaction(a):
            got_a = take(a, wanted, first)
        with write_transaction(b):
            got_b = take(b, wanted, second)
    assert got_a.taken == wanted and not got_a.in_doubt
    assert got_b.taken == [] and not got_b.in_doubt
    assert rows("select distinct claimed_by from notification") == [(first,)]


def test_a_second_delivery_started_between_claim_and_send_sends_nothing(loaded, tmp_path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    """The first delivery has claimed (committed) and is about to send its first message; at that moment a second
    delivery of the same plan runs to its end. It must find everything claimed by a live sender and send nothing."""
    import cchc_flow.flows.delivery as delivery
    from cchc_flow.models.notify import sending

    plan_id = record_opening()
    real_deliver = sending.deliver
    second: list[list] = []

    def barrier_then_send(*args, **kwargs):  # type: ignore[no-untyped-def]
        if not second:  # the first send of the first delivery: the other delivery runs now, to its end
            second.append([])
            runner = threading.Thread(target=lambda: second.__setitem__(0, delivery.deliver(plan_id, OPENING)))
            runner.start()
            runner.join(timeout=120)
            assert not runner.is_alive()
        return real_deliver(*args, **kwargs)

    with HttpRecorder() as http:
        monkeypatch.setenv("CCHC_NOTIFY_CONFIG", str(write_json_routes(tmp_path / "routes.yaml", http.port)))
        monkeypatch.setattr(delivery.sending, "deliver", barrier_then_send)
        first = delivery.deliver(plan_id, OPENING)
    assert second == [[]]  # the second delivery took nothing, so it had nothing to send or say
    assert by_unit(http) == {u: 1 for u in OPENING_UNITS}
    assert sorted(d.unit for d in first) == sorted(OPENING_UNITS) and all(not d.failed_routes for d in first)
    assert rows("select count(*) from notification where status != 'sent'") == [(0,)]


def test_a_claim_of_another_host_is_taken_over_when_its_lease_ended_and_not_before(
    loaded, tmp_path, monkeypatch
) -> None:  # type: ignore[no-untyped-def]
    """VPB's messages were claimed by a sender on another host whose lease ended a minute ago: taken over, in doubt
    (it may have sent them), not sent again. T5G's were claimed by one whose lease runs five more minutes: left
    alone, still pending and still its. Everything else is sent."""
    import cchc_flow.flows.delivery as delivery
    from cchc_flow.models.notify.notices import LEASE

    plan_id = record_opening()
    now = pendulum.now("UTC")
    claim_as(ELSEWHERE, "VPB", now - timedelta(minutes=1))
    claim_as(ELSEWHERE, "T5G", now + timedelta(minutes=5))
    assert LEASE > timedelta(minutes=5)
    with HttpRecorder() as http:
        monkeypatch.setenv("CCHC_NOTIFY_CONFIG", str(write_json_routes(tmp_path / "routes.yaml", http.port)))
        results = {d.unit: d for d in delivery.deliver(plan_id, OPENING)}
    assert by_unit(http) == {u: 1 for u in OPENING_UNITS if u not in ("VPB", "T5G")}
    assert results["VPB"].doubtful == len(ids_of("VPB")) and "T5G" not in results
    vpb = rows("select status, claimed_by, last_error from notification where recipient = 'VPB'")
    assert vpb and all(s == "doubt" and by is None and ELSEWHERE in e for s, by, e in vpb)
    t5g = rows("select status, claimed_by from notification where recipient = 'T5G'")
    assert t5g and all(s == "pending" and by == ELSEWHERE for s, by in t5g)


def test_a_delivery_runs_without_the_collectors_automatic_passes(loaded, tmp_path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    """While the messages are sent the collector makes no pass of its own (each would find their objects alive and
    age them, setting off passes over the whole process); it is on again afterwards."""
    import gc

    import cchc_flow.flows.delivery as delivery
    from cchc_flow.models.notify import sending

    plan_id = record_opening()
    real_deliver = sending.deliver
    collecting: list[bool] = []

    def noting_the_collector(*args, **kwargs):  # type: ignore[no-untyped-def]
        collecting.append(gc.isenabled())
        return real_deliver(*args, **kwargs)

    monkeypatch.setattr(sending, "deliver", noting_the_collector)
    with HttpRecorder() as http:
        monkeypatch.setenv("CCHC_NOTIFY_CONFIG", str(write_json_routes(tmp_path / "routes.yaml", http.port)))
        results = delivery.deliver(plan_id, OPENING)
    assert by_unit(http) == {u: 1 for u in OPENING_UNITS} and all(r.sent == r.notifications for r in results)
    assert collecting == [False] * len(OPENING_UNITS) and gc.isenabled()


def test_deferred_collections_resume_when_the_last_deferral_ends() -> None:
    import gc

    from cchc_flow.flows.running.gc_pause import collections_deferred

    assert gc.isenabled()
    inner = threading.Event()
    outer_done = threading.Event()

    def other() -> None:  # a second delivery in another thread, ending after the first
        with collections_deferred():
            inner.set()
            outer_done.wait(10)
            assert not gc.isenabled()

    with collections_deferred():
        thread = threading.Thread(target=other)
        thread.start()
        inner.wait(10)
    outer_done.set()
    assert not gc.isenabled() or not thread.is_alive()  # off while the other one still runs
    thread.join(10)
    assert gc.isenabled()
    gc.disable()  # off already when a deferral starts: left off
    try:
        with collections_deferred():
            pass
        assert not gc.isenabled()
    finally:
        gc.enable()


def test_a_long_list_of_ids_is_one_array_on_postgresql_and_bounded_lists_on_sqlite(loaded) -> None:  # type: ignore[no-untyped-def]
    """Claiming more ids than one SQLite statement takes (CHUNK): on SQLite, IN lists of at most CHUNK values; on
    PostgreSQL, one statement with the ids as one array parameter (psycopg rewrites no placeholder per id). Ids that
    name nothing are left alone, and the real ones are all taken."""
    from cchc_flow.models.notify.notices import take
    from cchc_flow.models.notify.senders import sender_name
    from cchc_flow.models.store.db import get_engine, session, write_transaction
    from cchc_flow.models.store.id_lists import CHUNK

    record_opening()
    real = [i for (i,) in rows("select id from notification order by id")]
    wanted = real + list(range(10**6, 10**6 + CHUNK + 7))  # ids that name no notification
    claims: list[int] = []  # the number of parameters of each claiming UPDATE

    def seen(conn, cursor, statement, parameters, context, executemany):  # type: ignore[no-untyped-def]
        if statement.lstrip().upper().startswith("UPDATE NOTIFICATION SET CLAIMED_BY"):
            claims.append(len(parameters))

    engine = get_engine()
    sa.event.listen(engine, "before_cursor_execute", seen)
    try:
        with session() as s, write_transaction(s):
            got = take(s, wanted, sender_name("long"))
    finally:
        sa.event.remove(engine, "before_cursor_execute", seen)
    assert got.taken == real and not got.in_doubt
    if engine.dialect.name == "postgresql":
        assert len(claims) == 1 and claims[0] < 10  # the ids, the sender, its lease, the state: one array of ids
    else:
        assert len(claims) == 2 and all(n <= CHUNK + 10 for n in claims) and sum(claims) > len(wanted)
