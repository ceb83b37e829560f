"""When a message may go out and what a unit's morning digest carries: pure rules, no database, no Prefect."""

from __future__ import annotations

from datetime import date, datetime, time

import pytest

from cchc_flow.models.rules.digests import Waiting, digest_key, morning_digests, sent_at_once, urgent_activities
from cchc_flow.models.rules.quiet import Quiet, QuietHoursError, may_send_now, parse_quiet_hours

QUIET = Quiet()  # 17:30-07:30, days off respected


def at(text: str) -> datetime:
    return datetime.strptime(text, "%Y-%m-%d %H:%M")


def test_quiet_hours_and_days_off():
    assert QUIET.allows(at("2014-03-11 09:00"))  # a Tuesday morning
    assert not QUIET.allows(at("2014-03-11 21:00"))  # at night
    assert not QUIET.allows(at("2014-03-11 06:59"))  # before the day starts
    assert not QUIET.allows(at("2014-03-15 09:00"))  # a Saturday
    assert not QUIET.allows(at("2014-01-31 09:00"))  # Tết (the first day of the lunar year 2014)
    assert not QUIET.allows(at("2014-04-09 09:00"))  # Hùng Kings' day (10th of the third lunar month)
    assert Quiet(days_off=False).allows(at("2014-03-15 09:00"))
    assert may_send_now(True, at("2014-03-15 23:00"), QUIET)  # urgent: at any time
    assert not may_send_now(False, at("2014-03-15 23:00"), QUIET)


def test_the_next_moment_a_message_may_go_out():
    assert QUIET.next_allowed(at("2014-03-14 18:00")) == at("2014-03-17 07:30")  # Friday evening -> Monday
    assert QUIET.next_allowed(at("2014-03-11 05:00")) == at("2014-03-11 07:30")
    assert QUIET.next_allowed(at("2014-03-11 10:00")) == at("2014-03-11 10:00")
    assert QUIET.next_allowed(at("2014-01-29 20:00")).date() == date(2014, 2, 5)  # after the Tết break (29/01-04/02)


def test_quiet_hours_are_read_or_refused():
    assert parse_quiet_hours("18:00-06:30") == Quiet(time(18, 0), time(6, 30))
    assert parse_quiet_hours("off", days_off=False).allows(at("2014-03-15 03:00"))
    assert parse_quiet_hours("12:00-13:30").at_night(time(12, 30))  # a quiet lunch break
    for bad in ("18-6", "25:00-07:00", "tối"):
        with pytest.raises(QuietHoursError, match="HH:MM-HH:MM"):  # in Vietnamese first, as every message
            parse_quiet_hours(bad)


def test_one_digest_per_unit_across_plans_and_once_a_day():
    waiting = [Waiting(1, "VPB"), Waiting(7, "TCCB"), Waiting(3, "VPB", urgent=True), Waiting(9, "VPB")]
    morning = at("2014-03-11 07:45")
    assert morning_digests(waiting, morning, QUIET) == {"TCCB": [7], "VPB": [1, 3, 9]}
    assert morning_digests(waiting, morning, QUIET, sent_today={"VPB"}) == {"TCCB": [7]}
    assert morning_digests(waiting, at("2014-03-11 22:00"), QUIET) == {}
    assert morning_digests(waiting, at("2014-03-15 08:00"), QUIET) == {}
    assert sent_at_once(waiting) == [3]
    assert digest_key("VPB", date(2014, 3, 11)) == "digest|VPB|2014-03-11"


def test_urgent_activities_are_read_from_the_plan():
    assert urgent_activities({"urgent": ["1.1.2"]}) == {"1.1.2"} and urgent_activities({}) == set()
