"""One unit's channel refuses connections, answers 500, or hangs past CCHC_NOTIFY_TIMEOUT: the run still ends within
the timeout bound, the other units are not held up (sent at the first attempt, before a hang's failure),
the notification stays pending with its attempts and a masked error, and a later run delivers it. (test_phase_flow.py covers a 500 from every endpoint and a refused port.)"""

from __future__ import annotations

import threading
import time
from collections import Counter
from datetime import date

import pytest
from endpoints import HttpRecorder, free_port
from faults import OPENING_UNITS, PLAN, decided_as_of, rows, write_json_routes

pytestmark = pytest.mark.usefixtures("prefect_api")
PASSWORD = "Broken-Route-pw-77"
TIMEOUT = 1.0  # CCHC_NOTIFY_TIMEOUT
RETRY = 0.3  # one Prefect retry after 0.3 s
HANG = 3600.0  # how long the hanging endpoint holds a request: far past any run that the timeout bounds
HANG_GUARD = 600.0  # seconds after which a run still going counts as hung (loose: the machine may be loaded)


@pytest.mark.parametrize("failure", ["refused", "fail500", "hang"])
def test_a_broken_route_is_bounded_isolated_recorded_and_retried_later(
    loaded, tmp_path, monkeypatch, failure: str
) -> None:  # type: ignore[no-untyped-def]
    from cchc_flow.flows.phase import run_phase

    good = HttpRecorder().start()
    broken = HttpRecorder(behaviour="hang" if failure == "hang" else "ok", hang_seconds=HANG).start()
    try:
        if failure == "fail500":
            broken.behaviour = "fail500"
        bad_base = (
            f"json://cchc:{PASSWORD}@127.0.0.1:{free_port()}"
            if failure == "refused"
            else f"json://cchc:{PASSWORD}@127.0.0.1:{broken.port}"
        )
        path = write_json_routes(tmp_path / "routes.yaml", good.port, units={"TCCB": bad_base})
        monkeypatch.setenv("CCHC_NOTIFY_CONFIG", str(path))
        monkeypatch.setenv("CCHC_NOTIFY_TIMEOUT", str(TIMEOUT))
        monkeypatch.setenv("CCHC_NOTIFY_RETRY_DELAYS", str(RETRY))

        # a hang guard, not a timing test: without the timeout the run would wait for the endpoint's hour; past
        # HANG_GUARD the guard ends the hang (stops the endpoint) so that the test fails instead of hanging
        hung = threading.Event()
        guard = threading.Timer(HANG_GUARD, lambda: (hung.set(), broken.stop()))
        guard.start()
        try:
            summary = run_phase(PLAN, 1, "2013-10-01")
        finally:
            guard.cancel()
        assert not hung.is_set(), "the run hung on the broken route: CCHC_NOTIFY_TIMEOUT did not bound it"

        got = Counter(r.path.strip("/").upper() for r in good.requests)
        assert got == {u: 1 for u in OPENING_UNITS if u != "TCCB"}  # everybody else, once
        tccb = rows("select status, attempts, last_error from notification where recipient = 'TCCB'")
        assert len(tccb) == 3 and all(s == "pending" and a == 2 for s, a, _ in tccb)  # first try + one retry
        assert all(PASSWORD not in e and "json://cchc:****@127.0.0.1" in e for _, _, e in tccb)
        assert summary.pending == 3 and [d.unit for d in summary.deliveries if d.failed_routes] == ["TCCB"]
        # the others were not held up: all sent at the first attempt; against a hang, recorded before TCCB's first
        # failure, which came a timeout later (a refusal or a 500 fails at once: no order to check there)
        assert rows("select distinct status, attempts from notification where recipient != 'TCCB'") == [("sent", 1)]
        if failure == "hang":
            ((others_done,),) = rows(
                "select max(d.at) from delivery d join notification n on n.id = d.notification_id "
                "where d.ok and n.recipient != 'TCCB'"
            )
            ((first_failure,),) = rows(
                "select min(d.at) from delivery d join notification n on n.id = d.notification_id "
                "where not d.ok and n.recipient = 'TCCB'"
            )
            assert str(others_done) < str(first_failure)
        failed = rows("select route, error from delivery where not ok")
        assert len(failed) == 6 and all(PASSWORD not in f"{r} {e}" for r, e in failed)

        # a later run, the channel mended, delivers it once
        if failure == "refused":
            write_json_routes(path, good.port)
        else:
            broken.behaviour = "ok"
            broken.clear()
        later = run_phase(PLAN, 1, "2013-10-02")
        assert later.pending == 0
        mended = good if failure == "refused" else broken
        assert [r.path for r in mended.requests if r.path == "/tccb"] == ["/tccb"]
        assert rows("select count(*) from notification where recipient = 'TCCB' and status = 'sent'") == [(3,)]
    finally:
        good.stop()
        broken.stop()


def test_units_are_sent_to_at_the_same_time(loaded, tmp_path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    """Two units' endpoints hold their request unanswered: the second unit's request arrives while the first's still
    waits (one unit does not hold up another). Without Prefect: the delivery step itself."""

    import cchc_flow.flows.delivery as delivery
    from cchc_flow.models.services.reconcile import record_decisions
    from cchc_flow.models.store.db import session

    opening = date(2013, 10, 1)
    view, decided = decided_as_of(opening)
    with session() as s:
        record_decisions(s, view, decided, opening)
    with HttpRecorder() as good, HttpRecorder().hold() as vpb, HttpRecorder().hold() as tccb:
        path = write_json_routes(
            tmp_path / "routes.yaml",
            good.port,
            units={
                "VPB": f"json://cchc:{PASSWORD}@127.0.0.1:{vpb.port}",
                "TCCB": f"json://cchc:{PASSWORD}@127.0.0.1:{tccb.port}",
            },
        )
        monkeypatch.setenv("CCHC_NOTIFY_CONFIG", str(path))
        monkeypatch.setenv("CCHC_NOTIFY_TIMEOUT", "120")
        results: list = []
        sending = threading.Thread(target=lambda: results.extend(delivery.deliver(view.plan_id, opening)))
        sending.start()
        deadline = time.monotonic() + 60  # well inside the 120 s timeout: one unit after the other never gets there
        try:
            while not (vpb.requests and tccb.requests):
                assert time.monotonic() < deadline, "the units were not sent to at the same time"
                time.sleep(0.01)
        finally:
            vpb.release()
            tccb.release()
            sending.join(timeout=120)
    assert sorted(d.unit for d in results if d.sent) == sorted(OPENING_UNITS)
