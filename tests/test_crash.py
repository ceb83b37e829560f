"""A phase run killed with SIGKILL in the middle of its deliveries, then run again: every notification reaches its
unit exactly once in total, every transition is recorded once, and what cannot be known is said, not guessed."""

from __future__ import annotations

import json
import signal
import time
from collections import Counter

import pytest
from endpoints import HttpRecorder
from faults import OPENING_UNITS, PLAN, rows, start_phase, write_json_routes

pytestmark = pytest.mark.usefixtures("prefect_api")


def by_path(http: HttpRecorder) -> Counter:
    return Counter(r.path.strip("/").upper() for r in http.requests)


def wait_until(condition, what: str, timeout: float = 120.0) -> None:  # type: ignore[no-untyped-def]
    """Poll ``condition`` until it holds; fail naming ``what`` after a deadline generous for a loaded machine."""
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, f"still waiting for: {what}"
        time.sleep(0.02)


def test_killed_mid_delivery_then_run_again_delivers_each_notification_once(
    loaded, tokens, cli, tmp_path, cchc_env, monkeypatch
) -> None:  # type: ignore[no-untyped-def]
    # three kinds of unit at the moment of the kill:
    #   done      GDXH, VPDU: answered at once, recorded as sent
    #   in flight VPB, TTKT, T5G, TCCB: their endpoint holds every request unanswered, so the kill lands while they
    #             wait; TCCB also has the outbox, written at once: the process dies before recording it (and the json
    #             answer)
    #   waiting   SKDS: its endpoint answered 500, and Prefect's retry was to come 10 minutes later
    fast, slow, flaky = HttpRecorder(), HttpRecorder().hold(), HttpRecorder(behaviour="fail500")
    with fast, slow, flaky:
        done, in_flight, waiting = {"GDXH", "VPDU"}, {"VPB", "TTKT", "T5G", "TCCB"}, {"SKDS"}
        base = {
            u: f"json://cchc:pw@127.0.0.1:{http.port}"
            for group, http in ((done, fast), (in_flight, slow), (waiting, flaky))
            for u in group
        }
        routes = write_json_routes(
            tmp_path / "routes.yaml", fast.port, units=base, extra=["  - outbox://tccb:", "      tag: unit-tccb"]
        )
        monkeypatch.setenv("CCHC_NOTIFY_CONFIG", str(routes))
        monkeypatch.setenv("CCHC_NOTIFY_RETRY_DELAYS", "600")
        monkeypatch.setenv("CCHC_NOTIFY_TIMEOUT", "600")  # the held requests never time out before the kill
        proc = start_phase("2013-10-01")
        try:
            wait_until(
                lambda: (
                    set(by_path(slow)) == in_flight
                    and set(by_path(fast)) == done
                    and set(by_path(flaky)) == waiting
                    and rows("select count(distinct recipient) from notification where status = 'sent'") == [(2,)]
                    and rows("select count(*) from notification where recipient = 'SKDS' and attempts = 1") != [(0,)]
                ),
                "the fast units recorded as sent, SKDS's 500 recorded, the others' requests in flight",
            )
        finally:
            proc.send_signal(signal.SIGKILL)
            proc.wait(timeout=30)
        assert proc.returncode == -signal.SIGKILL
        # the database holds the transitions, what was sent, and the claims of a process that is gone
        assert rows("select count(*) from transition where event = 'assign'") == [(4,)]
        assert {u for (u,) in rows("select recipient from notification where status = 'sent'")} == done
        claimed = {u for (u,) in rows("select recipient from notification where claimed_by is not null")}
        assert claimed == in_flight

        slow.release()
        flaky.behaviour = "ok"
        monkeypatch.setenv("CCHC_NOTIFY_RETRY_DELAYS", "")
        from cchc_flow.flows.phase import run_phase

        again = run_phase(PLAN, 1, "2013-10-01")
        # each unit got its digest once in total: nothing was sent again, SKDS's came now (after its 500)
        assert by_path(fast) == {u: 1 for u in done} and by_path(slow) == {u: 1 for u in in_flight}
        assert by_path(flaky) == {"SKDS": 2} and sorted(set(by_path(fast)) | set(by_path(slow)) | waiting) == sorted(
            OPENING_UNITS
        )
        outbox = list((cchc_env / "outbox").glob("*-tccb-*.json"))
        assert len(outbox) == 1 and json.loads(outbox[0].read_text("utf-8"))["key"]  # written once, under its key

        # each transition once; the chains of the history are whole
        steps = Counter(rows("select entity_key, event from transition"))
        assert set(steps.values()) == {1} and sum(1 for k, e in steps if e == "assign") == 4
        from cchc_flow.models.store.audit import verify
        from cchc_flow.models.store.db import session

        with session() as s:
            report = verify(s, PLAN)
        assert not report.breaks, report.breaks
        # nothing is left silently pending: what was in flight is "doubt" (said, not guessed), the rest "sent"
        status = dict(rows("select recipient, min(status) from notification group by recipient"))
        assert {u for u, s in status.items() if s == "doubt"} == in_flight
        assert {u for u, s in status.items() if s == "sent"} == done | waiting
        errors = rows("select last_error from notification where status = 'doubt'")
        assert errors and all("cchc notice resend" in e and "cchc notice confirm" in e for (e,) in errors)
        assert {d.unit for d in again.deliveries if d.doubtful} == in_flight
        # TCCB's outbox copy counts as delivered (same key, found on disk); only its json copy is in doubt
        assert rows("select count(*) from delivery where ok and route like 'outbox://tccb%'") == rows(
            "select count(*) from notification where recipient = 'TCCB'"
        )

        # later runs (even once every lease has run out) send nothing more
        from cchc_flow.models.store.db import get_engine

        with get_engine().begin() as conn:
            conn.exec_driver_sql("update notification set claimed_until = created_at")
        run_phase(PLAN, 1, "2013-10-02")
        assert by_path(slow) == {u: 1 for u in in_flight} and by_path(fast) == {u: 1 for u in done}

        # the coordinator asks the units: VPB got it (confirm), TTKT did not (resend: sent once more, on purpose)
        (confirm_id,), (resend_id,) = (
            rows("select min(id) from notification where status = 'doubt' and recipient = :u", u=u)[0]
            for u in ("VPB", "TTKT")
        )
        refused = cli("notice", "confirm", confirm_id, expect=2, token=tokens["TCCB"])
        assert "chỉ đơn vị đầu mối của kế hoạch (VPB)" in refused.stderr
        cli("notice", "confirm", confirm_id, token=tokens["VPB"])
        assert rows("select status from notification where id = :i", i=confirm_id) == [("sent",)]
        asked = cli("notice", "resend", resend_id, token=tokens["VPB"], input="n\n", expect=1)  # it asks first
        assert f"Thông báo số {resend_id}" in asked.stdout and "TTKT" in asked.stdout and "lần thứ hai" in asked.stdout
        assert rows("select status from notification where id = :i", i=resend_id) == [("doubt",)]
        cli("notice", "resend", resend_id, token=tokens["VPB"], input="y\n")
        assert by_path(slow)["TTKT"] == 2
        assert rows("select status from notification where id = :i", i=resend_id) == [("sent",)]
        assert [e for (e,) in rows("select event from transition where entity = 'notification' order by id")] == [
            "refused",
            "confirm",
            "resend",
        ]


# What the database holds when the run dies at each point (phase 1 opening: 4 activities assigned, 13 notifications
# for 7 units; one unit is sent to at a time, so at "sent" exactly one unit's message has left the process).
# claimed: how many notifications a dead run holds (None: some); reached: units sent to (None: at least one).
AT_KILL = {
    "record-before-commit": {"assigns": 0, "queued": 0, "claimed": 0, "reached": 0},
    "record-after-commit": {"assigns": 4, "queued": 13, "claimed": 0, "reached": 0},
    "claimed": {"assigns": 4, "queued": 13, "claimed": 13, "reached": 0},
    "sent": {"assigns": 4, "queued": 13, "claimed": 13, "reached": 1},
    "answers-recorded": {"assigns": 4, "queued": 13, "claimed": None, "reached": None},
}


@pytest.mark.parametrize("point", list(AT_KILL))
def test_killed_at_each_point_then_run_again(loaded, tmp_path, cchc_env, monkeypatch, point: str) -> None:  # type: ignore[no-untyped-def]
    from cchc_flow.flows.phase import run_phase
    from cchc_flow.models.store.audit import verify
    from cchc_flow.models.store.db import session
    from cchc_flow.models.store.killpoints import POINTS

    assert set(AT_KILL) == set(POINTS)
    outbox = cchc_env / "outbox"
    with HttpRecorder() as http:
        routes = write_json_routes(
            tmp_path / "routes.yaml", http.port, extra=["  - outbox://tccb:", "      tag: unit-tccb"]
        )
        monkeypatch.setenv("CCHC_NOTIFY_CONFIG", str(routes))
        monkeypatch.setenv("CCHC_NOTIFY_RETRY_DELAYS", "")
        proc = start_phase("2013-10-01", CCHC_KILL_AT=point, CCHC_NOTIFY_WORKERS="1")
        proc.communicate(timeout=300)
        assert proc.returncode == -signal.SIGKILL, f"the run did not reach {point}"

        # at the kill: consistent (whole chains), holding exactly what was committed by then
        at_kill = AT_KILL[point]
        assert rows("select count(*) from transition where event = 'assign'") == [(at_kill["assigns"],)]
        assert rows("select count(*) from notification") == [(at_kill["queued"],)]
        ((claimed,),) = rows("select count(*) from notification where claimed_by is not null")
        reached = set(by_path(http))  # units whose webhook was called (TCCB's outbox is written in the same send)
        assert bool(list(outbox.glob("*-tccb-*.json"))) == ("TCCB" in reached)
        recorded = {u for (u,) in rows("select distinct recipient from notification where status = 'sent'")}
        if at_kill["claimed"] is not None:
            assert claimed == at_kill["claimed"] and len(reached) == at_kill["reached"] and not recorded
        else:  # the first answers recorded as sent (and those that came with them); the rest still claimed
            assert recorded and recorded <= reached
        with session() as s:
            assert not verify(s, PLAN).breaks

        again = run_phase(PLAN, 1, "2013-10-01")

    # each transition once, chains whole
    steps = Counter(rows("select entity_key, event from transition where entity = 'activity'"))
    assert set(steps.values()) == {1} and sum(1 for _, e in steps if e == "assign") == 4
    with session() as s:
        assert not verify(s, PLAN).breaks
    # nothing sent twice: each unit's webhook at most once, TCCB's outbox once (a repeat of the same key is not written)
    got = by_path(http)
    assert set(got.values()) <= {1}, got
    assert len(list(outbox.glob("*-tccb-*.json"))) == 1
    # nothing left silently pending or held: each notification sent, or in doubt with what the coordinator can do
    status = dict(rows("select recipient, min(status) from notification group by recipient"))
    assert set(status) == set(OPENING_UNITS) and set(status.values()) <= {"sent", "doubt"}
    assert rows("select count(*) from notification where claimed_by is not null") == [(0,)]
    for (error,) in rows("select last_error from notification where status = 'doubt'"):
        assert "cchc notice resend" in error and "cchc notice confirm" in error
    doubt = {u for u, s in status.items() if s == "doubt"}
    assert {d.unit for d in again.deliveries if d.doubtful} == doubt
    if claimed == 0:  # nothing had started sending: everything delivered now, once, no doubt
        assert not doubt and got == {u: 1 for u in OPENING_UNITS}
    else:  # what the dead run held may have left: not sent again, said in doubt; what it recorded as sent stays so
        assert set(got) == reached and doubt == set(OPENING_UNITS) - recorded


def test_the_outbox_writes_a_message_once_per_key(cchc_env) -> None:  # type: ignore[no-untyped-def]
    from cchc_flow.models.notify.routes import load_routes
    from cchc_flow.models.notify.sending import deliver

    path = cchc_env.parent / "outbox-routes.yaml"
    path.write_text("version: 1\nurls:\n  - outbox://vpb:\n      tag: unit-vpb\n", encoding="utf-8")
    config = load_routes(path)
    first = deliver(config, "unit-vpb", "Tiêu đề", "Nội dung", key="n0123456789abcdef")
    again = deliver(config, "unit-vpb", "Tiêu đề", "Nội dung (lần hai)", key="n0123456789abcdef")
    other = deliver(config, "unit-vpb", "Tiêu đề", "Nội dung", key="nfedcba9876543210")
    assert all(r.ok for r in first + again + other)
    files = sorted((cchc_env / "outbox").glob("*.json"))
    assert len(files) == 2 and "lần hai" not in "".join(f.read_text("utf-8") for f in files)
