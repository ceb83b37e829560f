"""Quiet hours and days off in the default mode (each run sends its messages itself): what is due in quiet time is
held, said on the notification, and sent once by the first run after it ends; urgent items go out at once."""

from __future__ import annotations

from collections import Counter
from datetime import date, datetime

import pendulum
from endpoints import HttpRecorder
from faults import PLAN, rows, write_json_routes
from test_morning_digest import OTHER, run, second_plan

from cchc_flow.models.rules.calendar import TZ
from cchc_flow.models.rules.quiet import Quiet, send_moment

SATURDAY, MONDAY = date(2013, 10, 5), date(2013, 10, 7)


def test_a_replayed_day_sends_when_its_quiet_hours_end_and_today_sends_now() -> None:
    now = pendulum.datetime(2013, 10, 5, 22, 15, tz=TZ)
    assert send_moment(now.date(), now, Quiet()) == now  # a run of today: the clock
    assert send_moment(MONDAY, now, Quiet()) == datetime(2013, 10, 7, 7, 30, tzinfo=now.tzinfo)  # a replayed day
    assert not Quiet().allows(send_moment(SATURDAY, pendulum.datetime(2013, 10, 9, 10, tz=TZ), Quiet()))


def test_quiet_time_holds_messages_in_the_default_mode_until_it_ends(loaded, cli, tmp_path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    from cchc_flow.flows.delivery import deliver
    from cchc_flow.models.store.db import session
    from cchc_flow.models.store.queries import get_plan

    second_plan(tmp_path, cli)  # its 1.1.2 is urgent
    with HttpRecorder() as http:
        monkeypatch.setenv("CCHC_NOTIFY_CONFIG", str(write_json_routes(tmp_path / "routes.yaml", http.port)))
        monkeypatch.setenv("CCHC_NOTIFY_RETRY_DELAYS", "")
        monkeypatch.setenv("CCHC_QUIET_HOURS", "17:30-07:30")
        monkeypatch.setenv("CCHC_DAYS_OFF", "yes")

        run(PLAN, SATURDAY)  # a day off: everything is queued, nothing sent
        assert http.requests == []
        held = rows("select last_error from notification where status = 'pending'")
        assert held and {e for (e,) in held} == {"giữ lại trong giờ yên lặng/ngày nghỉ, gửi từ 07:30 07/10/2013"}
        run(OTHER, SATURDAY)  # ... except what a plan marks urgent
        urgent = [r.json for r in http.requests]
        assert urgent and all("9999/QĐ-BYT" in m["title"] and "1.1.2" in m["message"] for m in urgent)
        http.clear()

        with session() as s:
            plan_id = get_plan(s, PLAN).id
        deliver(plan_id, SATURDAY)  # again the same day: still held, nothing sent twice
        assert http.requests == []
        deliver(plan_id, MONDAY)  # the first run after the days off sends what was held, once per unit
        sent = Counter(r.path.strip("/").upper() for r in http.requests)
        assert sent and set(sent.values()) == {1}
        assert rows("select count(*) from notification where status = 'pending' and plan_id = :p", p=plan_id) == [(0,)]
        assert rows("select count(*) from notification where last_error is not null and plan_id = :p", p=plan_id) == [
            (0,)
        ]
        http.clear()
        deliver(plan_id, MONDAY)
        assert http.requests == []
