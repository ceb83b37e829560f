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


def wait_until_settled(http: HttpRecorder, first_timeout: float = 90.0, quiet: float = 0.8) -> None:
    """Return once the first request arrived and no new one came for ``quiet`` seconds (all held by the delay)."""
    deadline = time.monotonic() + first_timeout
    while not http.requests:
        assert time.monotonic() < deadline, "the run never delivered anything"
        time.sleep(0.01)
    seen, since = len(http.requests), time.monotonic()
    while time.monotonic() - since < quiet:
        time.sleep(0.02)
        if len(http.requests) != seen:
            seen, since = len(http.requests), time.monotonic()


def test_killed_mid_delivery_then_run_again_delivers_each_notification_once(loaded, tokens, cli, tmp_path, cchc_env,
                                                                            monkeypatch) -> None:  # type: ignore[no-untyped-def]
    # three kinds of unit at the moment of the kill:
    #   done      GDXH, VPDU: answered at once, recorded as sent
    #   in flight VPB, TTKT, T5G, TCCB: their endpoint answers after 6 s, so the kill lands while they wait; TCCB also
    #             has the outbox, written at once: the process dies before recording it (and the json answer)
    #   waiting   SKDS: its endpoint answered 500, and Prefect's retry was to come 60 s later
    fast, slow, flaky = HttpRecorder(), HttpRecorder(delay=6.0), HttpRecorder(behaviour="fail500")
    with fast, slow, flaky:
        done, in_flight, waiting = {"GDXH", "VPDU"}, {"VPB", "TTKT", "T5G", "TCCB"}, {"SKDS"}
        base = {u: f"json://cchc:pw@127.0.0.1:{http.port}" for group, http in ((done, fast), (in_flight, slow),
                                                                               (waiting, flaky)) for u in group}
        routes = write_json_routes(tmp_path / "routes.yaml", fast.port, units=base,
                                   extra=["  - outbox://tccb:", "      tag: unit-tccb"])
        monkeypatch.setenv("CCHC_NOTIFY_CONFIG", str(routes))
        monkeypatch.setenv("CCHC_NOTIFY_RETRY_DELAYS", "60")
        monkeypatch.setenv("CCHC_NOTIFY_TIMEOUT", "20")
        proc = start_phase("2013-10-01")
        try:
            wait_until_settled(slow)
            deadline = time.monotonic() + 4  # well inside the 6 s the in-flight requests wait for their answer
            while time.monotonic() < deadline and not (
                    set(by_path(fast)) == done and set(by_path(flaky)) == waiting and
                    rows("select count(distinct recipient) from notification where status = 'sent'") == [(2,)] and
                    rows("select count(*) from notification where recipient = 'SKDS' and attempts = 1") != [(0,)]):
                time.sleep(0.05)
            assert set(by_path(slow)) == in_flight and set(by_path(fast)) == done and set(by_path(flaky)) == waiting
        finally:
            proc.send_signal(signal.SIGKILL)
            proc.wait(timeout=30)
        assert proc.returncode == -signal.SIGKILL
        # the database holds the transitions, what was sent, and the claims of a process that is gone
        assert rows("select count(*) from transition where event = 'assign'") == [(4,)]
        assert {u for (u,) in rows("select recipient from notification where status = 'sent'")} == done
        claimed = {u for (u,) in rows("select recipient from notification where claimed_by is not null")}
        assert claimed == in_flight

        slow.delay, flaky.behaviour = 0.0, "ok"
        from flows.phase import run_phase

        again = run_phase(PLAN, 1, "2013-10-01")
        # each unit got its digest once in total: nothing was sent again, SKDS's came now (after its 500)
        assert by_path(fast) == {u: 1 for u in done} and by_path(slow) == {u: 1 for u in in_flight}
        assert by_path(flaky) == {"SKDS": 2} and sorted(set(by_path(fast)) | set(by_path(slow)) | waiting) == \
            sorted(OPENING_UNITS)
        outbox = list((cchc_env / "outbox").glob("*-tccb-*.json"))
        assert len(outbox) == 1 and json.loads(outbox[0].read_text("utf-8"))["key"]  # written once, under its key

        # each transition once; the chains of the history are whole
        steps = Counter(rows("select entity_key, event from transition"))
        assert set(steps.values()) == {1} and sum(1 for k, e in steps if e == "assign") == 4
        from models.audit import verify
        from models.db import session

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
        assert rows("select count(*) from delivery where ok and route like 'outbox://tccb%'") == \
            rows("select count(*) from notification where recipient = 'TCCB'")

        # later runs (even once every lease has run out) send nothing more
        from models.db import get_engine

        with get_engine().begin() as conn:
            conn.exec_driver_sql("update notification set claimed_until = created_at")
        run_phase(PLAN, 1, "2013-10-02")
        assert by_path(slow) == {u: 1 for u in in_flight} and by_path(fast) == {u: 1 for u in done}

        # the coordinator asks the units: VPB got it (confirm), TTKT did not (resend: sent once more, on purpose)
        (confirm_id,), (resend_id,) = (rows("select min(id) from notification where status = 'doubt' and "
                                            "recipient = :u", u=u)[0] for u in ("VPB", "TTKT"))
        refused = cli("notice", "confirm", confirm_id, expect=2, token=tokens["TCCB"])
        assert "chỉ đơn vị đầu mối của kế hoạch (VPB)" in refused.stderr
        cli("notice", "confirm", confirm_id, token=tokens["VPB"])
        assert rows("select status from notification where id = :i", i=confirm_id) == [("sent",)]
        cli("notice", "resend", resend_id, token=tokens["VPB"])
        assert by_path(slow)["TTKT"] == 2
        assert rows("select status from notification where id = :i", i=resend_id) == [("sent",)]
        assert [e for (e,) in rows("select event from transition where entity = 'notification' order by id")] == \
            ["refused", "confirm", "resend"]


def test_the_outbox_writes_a_message_once_per_key(cchc_env) -> None:  # type: ignore[no-untyped-def]
    from flows.channels import deliver, load_routes

    path = cchc_env.parent / "outbox-routes.yaml"
    path.write_text("version: 1\nurls:\n  - outbox://vpb:\n      tag: unit-vpb\n", encoding="utf-8")
    config = load_routes(path)
    first = deliver(config, "unit-vpb", "Tiêu đề", "Nội dung", key="n0123456789abcdef")
    again = deliver(config, "unit-vpb", "Tiêu đề", "Nội dung (lần hai)", key="n0123456789abcdef")
    other = deliver(config, "unit-vpb", "Tiêu đề", "Nội dung", key="nfedcba9876543210")
    assert all(r.ok for r in first + again + other)
    files = sorted((cchc_env / "outbox").glob("*.json"))
    assert len(files) == 2 and "lần hai" not in "".join(f.read_text("utf-8") for f in files)
