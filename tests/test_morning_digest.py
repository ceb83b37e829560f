"""Morning digests (CCHC_NOTIFY_DIGESTS=morning) against a real local webhook: the phase runs of two plans send only
what a plan marks urgent; each unit then gets ONE message a day with everything else, across both plans, never at
night or on a day off, and once only even when two senders race."""

from __future__ import annotations

import json
import threading
from collections import Counter
from datetime import date

import pendulum
from endpoints import HttpRecorder
from faults import PLAN, rows, write_json_routes

from cchc_flow.models.rules.calendar import TZ

OTHER = "byt-9999-2013-2015"


def second_plan(tmp_path, cli):  # type: ignore[no-untyped-def]
    """The reference plan again under another code and number, its activity 1.1.2 marked urgent."""
    from conftest import REFERENCE_PLAN

    text = REFERENCE_PLAN.read_text("utf-8")
    text = text.replace(f"code: {PLAN}", f"code: {OTHER}").replace("number: 3723/QĐ-BYT", "number: 9999/QĐ-BYT")
    text = text.replace("          - id: 1.1.2\n", "          - id: 1.1.2\n            urgent: true\n", 1)
    path = tmp_path / f"{OTHER}.yaml"
    path.write_text(text, "utf-8")
    cli("plan", "load", path)


def run(plan: str, day: date) -> None:
    """What a phase run does, without Prefect: decide, record, then deliver what the run sends itself."""
    from cchc_flow.flows.delivery import deliver
    from cchc_flow.models.rules.due import decide
    from cchc_flow.models.services.activities import phase_view
    from cchc_flow.models.services.reconcile import Decided, record_decisions
    from cchc_flow.models.store.db import session

    with session() as s:
        view = phase_view(s, plan, 1)
    decided = [Decided(a.facts, decide(a.facts, day, view.parties), task_run_id=None) for a in view.activities]
    with session() as s:
        record_decisions(s, view, decided, day)
    deliver(view.plan_id, day)


def note(day: date) -> None:
    """A note for VPB about 1.1.1, queued as the note action queues it."""
    from cchc_flow.models.notify.notices import enqueue
    from cchc_flow.models.rules.due import Message, Notice, Role
    from cchc_flow.models.store.db import session, write_transaction
    from cchc_flow.models.store.queries import get_plan

    with session() as s, write_transaction(s):
        plan = get_plan(s, PLAN)
        details = {"title": "Hội thảo", "end": "2014-12-31", "unit": "TCCB", "text": "Đã gửi danh sách học viên"}
        message = Message(Notice.NOTE, "VPB", Role.LEAD, 0)
        assert (
            enqueue(
                s,
                plan_id=plan.id,
                plan_code=PLAN,
                entity="activity",
                entity_key="1.1.1",
                messages=[message],
                as_of=day,
                details=details,
            )
            == 1
        )


def by_unit(http: HttpRecorder) -> Counter:
    return Counter(r.path.strip("/").upper() for r in http.requests)


def test_one_morning_digest_per_unit_across_plans(loaded, cli, tmp_path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    from cchc_flow.flows.digest import send_morning_digests

    second_plan(tmp_path, cli)
    with HttpRecorder() as http:
        monkeypatch.setenv("CCHC_NOTIFY_CONFIG", str(write_json_routes(tmp_path / "routes.yaml", http.port)))
        monkeypatch.setenv("CCHC_NOTIFY_DIGESTS", "morning")
        monkeypatch.setenv("CCHC_QUIET_HOURS", "17:30-07:30")  # the defaults (conftest turns them off)
        monkeypatch.setenv("CCHC_DAYS_OFF", "yes")
        monkeypatch.setenv("CCHC_NOTIFY_RETRY_DELAYS", "")

        run(PLAN, date(2013, 10, 1))
        run(OTHER, date(2013, 10, 1))
        # only the urgent activity went out at once: to its lead (VPB) and partners, in the other plan's message
        urgent = [r.json for r in http.requests]
        assert urgent and all("9999/QĐ-BYT" in m["title"] and "1.1.2" in m["message"] for m in urgent)
        assert all("3723/QĐ-BYT" not in m["message"] for m in urgent)
        waiting = rows("select recipient, count(*) from notification where status = 'pending' group by recipient")
        units = {u for u, _ in waiting}
        assert {"VPB", "TCCB", "T5G"} <= units
        http.clear()

        night = cli("notice", "digest", "--at", "2013-10-01 21:00")  # at night
        assert "Không có thư nhắc việc nào gửi lúc này" in night.stdout
        assert send_morning_digests(pendulum.datetime(2013, 10, 5, 9, 0, tz=TZ)) == []  # a Saturday
        assert http.requests == [] and rows("select count(*) from digest") == [(0,)]

        morning = pendulum.datetime(2013, 10, 2, 7, 45, tz=TZ)
        senders = [threading.Thread(target=send_morning_digests, args=(morning,)) for _ in range(2)]
        for sender in senders:
            sender.start()
        for sender in senders:
            sender.join(timeout=120)

        assert by_unit(http) == {u: 1 for u in units}  # one message per unit, whoever of the two sent it
        vpb = next(r.json for r in http.requests if r.path.strip("/") == "vpb")
        first = vpb["message"].splitlines()[0]
        assert first.startswith("CẦN LÀM — ") and "trước ngày" in first  # what to do, and by when
        assert "Kế hoạch 3723/QĐ-BYT" in vpb["message"] and "Kế hoạch 9999/QĐ-BYT" in vpb["message"]
        assert vpb["title"].startswith("[Nhắc việc ngày 02/10/2013]")
        assert rows("select count(*) from notification where status = 'pending'") == [(0,)]
        assert sorted(u for (u,) in rows("select unit from digest where day = '2013-10-02'")) == sorted(units)
        recorded = rows("select notification_ids from digest where unit = 'VPB'")[0][0]
        assert json.loads(recorded) if isinstance(recorded, str) else recorded

        # later the same day: what comes now (a note for VPB) waits for the next working morning's digest
        note(date(2013, 10, 2))
        http.clear()
        assert send_morning_digests(pendulum.datetime(2013, 10, 2, 10, 0, tz=TZ)) == []
        assert http.requests == []
        assert [d.unit for d in send_morning_digests(pendulum.datetime(2013, 10, 3, 7, 45, tz=TZ))] == ["VPB"]
        (message,) = [r.json for r in http.requests]
        assert message["message"].startswith("ĐỂ BIẾT: 1 ghi chú mới; không cần làm gì thêm")
