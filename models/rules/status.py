"""The four-way status of an activity, as the Government Office's reports use it (a pure rule, one place).

done on time · done late · not done, still within the deadline · not done and overdue; with the days late (done
after the due date) or overdue (not done and past it), and the conventional colours. An activity whose window has
not opened yet, or that was cancelled, is grey. "Done" is the lead's report (reported or accepted), counted on the
day the report step counts for (its ``effective_day``: a back-dated report counts for the letter's day,
models/rules/backdating.py); a returned report is not done. The due date is the one in force on the day judged: the
last extension approved by then, else the plan's (due_in_force).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from enum import StrEnum
from functools import cache

from cchc_flow.models.rules.lifecycle import State
from cchc_flow.models.rules.messages import t


class Status(StrEnum):
    DONE_ON_TIME = "done_on_time"
    DONE_LATE = "done_late"
    IN_TIME = "in_time"  # not done, still within the deadline
    OVERDUE = "overdue"  # not done and past the deadline
    NOT_OPEN = "not_open"  # its window has not opened yet
    CANCELLED = "cancelled"


COLOURS = {
    Status.DONE_ON_TIME: "#2e9e5b",
    Status.DONE_LATE: "#e8890c",
    Status.IN_TIME: "#3a7bd5",
    Status.OVERDUE: "#d64545",
    Status.NOT_OPEN: "#9aa5b1",
    Status.CANCELLED: "#9aa5b1",
}
DONE_STATES = (State.REPORTED, State.ACCEPTED)


@dataclass(frozen=True)
class Timeliness:
    status: Status
    days_late: int  # days after the due date it was done, or that it is overdue; 0 otherwise

    @property
    def colour(self) -> str:
        return COLOURS[self.status]

    @property
    def done(self) -> bool:
        return self.status in (Status.DONE_ON_TIME, Status.DONE_LATE)


# the members timeliness() names, looked up once (a member read from its enum class runs Python code each time, and
# a history export judges a million steps)
_STATE_CANCELLED, _STATE_PLANNED = State.CANCELLED, State.PLANNED
_DONE_LATE, _OVERDUE = Status.DONE_LATE, Status.OVERDUE
# the statuses without days, made once
_CANCELLED, _ON_TIME, _NOT_OPEN, _IN_TIME = (
    Timeliness(s, 0) for s in (Status.CANCELLED, Status.DONE_ON_TIME, Status.NOT_OPEN, Status.IN_TIME)
)


def on_time(done_on: date | None, due: date) -> bool | None:
    """Whether a report counting for ``done_on`` met ``due`` (None when never reported)."""
    return None if done_on is None else done_on <= due


def due_in_force(planned: date, approved: Iterable[tuple[date, date]], day: date) -> date:
    """The due date in force on ``day``: the date granted by the last extension approved on or before it, else the
    plan's. ``approved``: (the day the approval counts for, the date granted), in the order they were approved."""
    due = planned
    for approved_on, until in approved:
        if approved_on <= day:
            due = until
    return due


def timeliness(state: str, *, start: date, due: date, today: date, done_on: date | None) -> Timeliness:
    """The status of an activity in ``state`` with window ``start``..``due`` as of ``today``; ``done_on`` is the
    day its last report counts for (None when never reported)."""
    if state == _STATE_CANCELLED:
        return _CANCELLED
    if state in DONE_STATES:
        day = done_on or today
        if on_time(day, due):
            return _ON_TIME
        return _late(_DONE_LATE, (day - due).days)
    if state == _STATE_PLANNED and today < start:
        return _NOT_OPEN
    late = (today - due).days
    return _late(_OVERDUE, late) if late > 0 else _IN_TIME


@cache
def _late(status: Status, days: int) -> Timeliness:
    """A late or overdue status, made once per number of days (a history export judges a million steps)."""
    return Timeliness(status, days)


def status_words(value: Timeliness, lang: str | None = None) -> str:
    """'hoàn thành trễ hạn (trễ 3 ngày)': the status and, when late or overdue, by how many days."""
    words = t(f"status.{value.status}", lang)
    if value.status == Status.DONE_LATE:
        return f"{words} ({t('status.days_late', lang, days=value.days_late)})"
    if value.status == Status.OVERDUE:
        return f"{words} ({t('status.days_overdue', lang, days=value.days_late)})"
    return words
