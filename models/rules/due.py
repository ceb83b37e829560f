"""What is due for an activity as of a date: a pure function of its state, window and the plan's offsets."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from enum import StrEnum

from cchc_flow.models.rules.calendar import working_day_on_or_after, working_day_on_or_before
from cchc_flow.models.rules.lifecycle import Event, State


class Notice(StrEnum):
    ASSIGNED = "assigned"  # the window opened: lead and partners are told
    REMINDER = "reminder"  # N days before the due date: the lead is reminded
    OVERDUE = "overdue"  # the window closed unreported: lead and coordinator are told
    ESCALATION = "escalation"  # still overdue N days later: leadership is told
    REPORTED = "reported"  # a lead reported it done: the coordinator is told
    ACCEPTED = "accepted"  # the coordinator accepted it: the leads are told
    RETURNED = "returned"  # the coordinator sent it back: the leads are told
    CANCELLED = "cancelled"  # the coordinator cancelled it: leads and partners are told
    NOTE = "note"  # a unit added a note: the leads are told
    REVIEW = "review"  # a review was held: leadership and the coordinator get its report
    REPORT_REMINDER = "report_reminder"  # a periodic report is due soon and not yet submitted
    REPORT_MISSING = "report_missing"  # the due date passed: the recipient gets the list of missing units
    REPORT_SUBMITTED = "report_submitted"  # a unit submitted its periodic report: the recipient is told
    EXTENSION_REQUESTED = "extension_requested"  # a lead asked for a later due date: the coordinator is told
    EXTENSION_APPROVED = "extension_approved"  # the coordinator granted it: leads and partners are told
    EXTENSION_REFUSED = "extension_refused"  # the coordinator refused it: the leads are told
    REASSIGNED = "reassigned"  # the coordinator gave the activity to other units: the new leads and partners
    RELIEVED = "relieved"  # ... and the units no longer on it are told
    EXPLANATION_ASKED = "explanation_asked"  # the coordinator asks the lead unit to explain, by a date
    EXPLANATION_GIVEN = "explanation_given"  # the unit explained: the coordinator is told
    EXPLANATION_MISSING = "explanation_missing"  # unanswered by its date: leadership and the unit are told


class Role(StrEnum):
    LEAD = "lead"
    PARTNER = "partner"
    COORDINATOR = "coordinator"
    LEADERSHIP = "leadership"
    REPORTER = "reporter"


@dataclass(frozen=True)
class Facts:
    """What the decision needs to know about one activity (groups already expanded to their members)."""

    key: str
    state: str
    start: date
    end: date
    leads: tuple[str, ...]
    partners: tuple[str, ...]
    explanations: tuple[tuple[int, str, date], ...] = ()  # unanswered requests for explanation: (id, unit, by)


@dataclass(frozen=True)
class Parties:
    """Who, besides the activity's own units, is told: the plan's coordinator and leadership."""

    coordinator: str
    leadership: str
    reminder_days: tuple[int, ...] = (30, 7, 1)
    escalate_after_days: int = 30


@dataclass(frozen=True)
class Message:
    """One thing one unit must be told."""

    notice: Notice
    recipient: str
    role: Role
    offset: int  # days before the due date (reminder), days after it (escalation), else 0


@dataclass(frozen=True)
class Decision:
    events: tuple[Event, ...]
    messages: tuple[Message, ...]

    @property
    def empty(self) -> bool:
        return not self.events and not self.messages


NOTHING = Decision((), ())


def decide(facts: Facts, today: date, parties: Parties) -> Decision:
    """The transitions and messages due for ``facts`` as of ``today`` (reminders and escalations on working days)."""
    state = State(facts.state)
    missing = _explanations_missing(facts, today, parties)
    if state in (State.ACCEPTED, State.CANCELLED, State.REPORTED) or today < facts.start:
        return Decision((), missing) if missing and state != State.CANCELLED else NOTHING
    events: list[Event] = []
    messages: list[Message] = list(missing)
    leads = facts.leads or (parties.coordinator,)  # no lead in the plan: the coordinator stands in
    lead_role = Role.LEAD if facts.leads else Role.COORDINATOR

    def tell(notice: Notice, codes: tuple[str, ...], role: Role, offset: int = 0) -> None:
        for code in codes:
            if not any(m.recipient == code and m.notice == notice for m in messages):
                messages.append(Message(notice, code, role, offset))

    if state == State.PLANNED:
        events.append(Event.ASSIGN)
        state = State.ASSIGNED
        tell(Notice.ASSIGNED, leads, lead_role)
        tell(Notice.ASSIGNED, facts.partners, Role.PARTNER)
    if today <= facts.end:
        offset = _reminder_offset(facts, today, parties.reminder_days)
        if offset is not None and state in (State.ASSIGNED, State.RETURNED):
            tell(Notice.REMINDER, leads, lead_role, offset)
        return Decision(tuple(events), tuple(messages))
    if state in (State.ASSIGNED, State.RETURNED) and today >= working_day_on_or_after(facts.end + timedelta(days=1)):
        events.append(Event.MARK_OVERDUE)
        state = State.OVERDUE
        tell(Notice.OVERDUE, leads, lead_role)
        tell(Notice.OVERDUE, (parties.coordinator,), Role.COORDINATOR)
    later = facts.end + timedelta(days=parties.escalate_after_days)
    if state == State.OVERDUE and today >= working_day_on_or_after(later):
        tell(Notice.ESCALATION, (parties.leadership,), Role.LEADERSHIP, parties.escalate_after_days)
        tell(Notice.ESCALATION, leads, lead_role, parties.escalate_after_days)
    return Decision(tuple(events), tuple(messages))


def _explanations_missing(facts: Facts, today: date, parties: Parties) -> tuple[Message, ...]:
    """A request for explanation unanswered past its date (the first working day after it) is escalated as overdue
    work is: to the leadership and to the unit asked. ``offset`` carries the request's number (one notice each)."""
    out: list[Message] = []
    for number, unit, by in facts.explanations:
        if today >= working_day_on_or_after(by + timedelta(days=1)):
            out += [
                Message(Notice.EXPLANATION_MISSING, parties.leadership, Role.LEADERSHIP, number),
                Message(Notice.EXPLANATION_MISSING, unit, Role.LEAD, number),
            ]
    return tuple(out)


def _reminder_offset(facts: Facts, today: date, offsets: tuple[int, ...]) -> int | None:
    """The smallest offset whose reminder day has come (earlier ones are superseded), or None."""
    come = [
        off
        for off in offsets
        if facts.start <= facts.end - timedelta(days=off)
        and working_day_on_or_before(facts.end - timedelta(days=off)) <= today
    ]
    return min(come) if come else None
