"""What is due as of a date: the pure decision, without Prefect or a database."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from cchc_flow.models.rules.calendar import is_working_day, working_day_on_or_before
from cchc_flow.models.rules.due import Facts, Notice, Parties, Role, decide
from cchc_flow.models.rules.lifecycle import Event, IllegalTransition, State, next_state

PARTIES = Parties(coordinator="VPB", leadership="LDB", reminder_days=(30, 7, 1), escalate_after_days=30)


def facts(
    state: str = "planned",
    start: date = date(2014, 1, 1),
    end: date = date(2014, 12, 31),
    leads: tuple[str, ...] = ("SKDS",),
    partners: tuple[str, ...] = ("TCCB",),
) -> Facts:
    return Facts("1.4.1", state, start, end, leads, partners)


def test_nothing_before_the_window_opens() -> None:
    assert decide(facts(), date(2013, 12, 31), PARTIES).empty


def test_window_opening_assigns_and_tells_lead_and_partners() -> None:
    d = decide(facts(), date(2014, 1, 1), PARTIES)
    assert d.events == (Event.ASSIGN,)
    assert [(m.notice, m.recipient, m.role) for m in d.messages] == [
        (Notice.ASSIGNED, "SKDS", Role.LEAD),
        (Notice.ASSIGNED, "TCCB", Role.PARTNER),
    ]


def test_no_lead_in_the_plan_means_the_coordinator_is_told() -> None:
    d = decide(facts(leads=()), date(2014, 1, 1), PARTIES)
    assert [(m.recipient, m.role) for m in d.messages] == [("VPB", Role.COORDINATOR), ("TCCB", Role.PARTNER)]


@pytest.mark.parametrize(
    "today, offset",
    [
        (date(2014, 11, 30), None),
        (date(2014, 12, 1), 30),
        (date(2014, 12, 23), 30),
        (date(2014, 12, 24), 7),
        (date(2014, 12, 30), 1),
        (date(2014, 12, 31), 1),
    ],
)
def test_the_latest_reminder_whose_day_has_come_goes_to_the_lead(today: date, offset: int | None) -> None:
    d = decide(facts("assigned"), today, PARTIES)
    reminders = [m for m in d.messages if m.notice == Notice.REMINDER]
    assert [(m.recipient, m.offset) for m in reminders] == ([("SKDS", offset)] if offset else [])


def test_a_reminder_due_on_a_holiday_goes_out_the_working_day_before() -> None:
    end = date(2014, 2, 7)  # end - 7 days = 31/01/2014, Tết Giáp Ngọ
    holiday = end - timedelta(days=7)
    assert not is_working_day(holiday)
    before = working_day_on_or_before(holiday)
    assert before < holiday and is_working_day(before)
    f = facts("assigned", start=date(2014, 1, 1), end=end)
    assert [m.offset for m in decide(f, before, PARTIES).messages] == [7]
    assert [m.offset for m in decide(f, before - timedelta(days=1), PARTIES).messages] == [30]


def test_overdue_on_the_first_working_day_after_the_window_and_escalated_later() -> None:
    f = facts("assigned")
    assert decide(f, date(2015, 1, 1), PARTIES).empty  # New Year's Day: not a working day
    d = decide(f, date(2015, 1, 5), PARTIES)
    assert d.events == (Event.MARK_OVERDUE,)
    assert {(m.recipient, m.role) for m in d.messages} == {("SKDS", Role.LEAD), ("VPB", Role.COORDINATOR)}
    assert decide(facts("overdue"), date(2015, 1, 29), PARTIES).empty
    e = decide(facts("overdue"), date(2015, 2, 2), PARTIES)  # 30/01 + weekend
    assert {(m.notice, m.recipient, m.offset) for m in e.messages} == {
        (Notice.ESCALATION, "LDB", 30),
        (Notice.ESCALATION, "SKDS", 30),
    }


@pytest.mark.parametrize("state", ["reported", "accepted", "cancelled"])
def test_nothing_is_due_for_reported_accepted_or_cancelled(state: str) -> None:
    assert decide(facts(state), date(2015, 6, 1), PARTIES).empty


def test_a_plan_opened_late_assigns_and_marks_overdue_in_one_go() -> None:
    d = decide(facts(), date(2015, 1, 5), PARTIES)
    assert d.events == (Event.ASSIGN, Event.MARK_OVERDUE)


def test_one_table_of_transitions_refuses_the_rest() -> None:
    assert next_state("assigned", "report") == State.REPORTED
    assert next_state("returned", "report") == State.REPORTED
    assert next_state("reported", "accept") == State.ACCEPTED
    for state, event in [
        ("planned", "report"),
        ("accepted", "cancel"),
        ("assigned", "accept"),
        ("cancelled", "assign"),
        ("reported", "mark_overdue"),
    ]:
        with pytest.raises(IllegalTransition, match="không thể"):
            next_state(state, event)
