"""The life cycle of an activity and of a review: one table of allowed transitions, used by every caller."""

from __future__ import annotations

from enum import StrEnum

from cchc_flow.models.rules.messages import t


class State(StrEnum):
    PLANNED = "planned"  # in the plan, window not yet open
    ASSIGNED = "assigned"  # lead and partners told
    REPORTED = "reported"  # the lead reported it done, with evidence
    ACCEPTED = "accepted"  # the coordinator verified the report
    OVERDUE = "overdue"  # window closed, not reported
    RETURNED = "returned"  # the coordinator sent the report back
    CANCELLED = "cancelled"  # the coordinator cancelled it, with a reason


class Event(StrEnum):
    ASSIGN = "assign"
    REPORT = "report"
    ACCEPT = "accept"
    RETURN = "return"
    MARK_OVERDUE = "mark_overdue"
    CANCEL = "cancel"
    EXTEND = "extend"  # the coordinator approved a later due date: an overdue activity is open again


FINAL = frozenset({State.ACCEPTED, State.CANCELLED})
OPEN = frozenset({State.ASSIGNED, State.OVERDUE, State.RETURNED})  # waiting for the lead unit

# event -> {from state: to state}; anything not listed is refused.
TRANSITIONS: dict[Event, dict[State, State]] = {
    Event.ASSIGN: {State.PLANNED: State.ASSIGNED},
    Event.REPORT: {State.ASSIGNED: State.REPORTED, State.OVERDUE: State.REPORTED, State.RETURNED: State.REPORTED},
    Event.ACCEPT: {State.REPORTED: State.ACCEPTED},
    Event.RETURN: {State.REPORTED: State.RETURNED},
    Event.MARK_OVERDUE: {State.ASSIGNED: State.OVERDUE, State.RETURNED: State.OVERDUE},
    Event.CANCEL: {s: State.CANCELLED for s in State if s not in FINAL},
    Event.EXTEND: {
        State.PLANNED: State.PLANNED,
        State.ASSIGNED: State.ASSIGNED,
        State.OVERDUE: State.ASSIGNED,
        State.RETURNED: State.RETURNED,
    },
}


class IllegalTransition(ValueError):
    """An event that the current state does not allow."""


def next_state(current: str, event: str) -> State:
    """The state ``event`` leads to from ``current``, or IllegalTransition saying what is allowed."""
    allowed = TRANSITIONS[Event(event)]
    state = State(current)
    if state not in allowed:
        raise IllegalTransition(
            t(
                "transition.illegal",
                event=t(f"event.{event}"),
                state=t(f"state.{state}"),
                allowed=", ".join(t(f"state.{s}") for s in allowed),
            )
        )
    return allowed[state]


class ReviewState(StrEnum):
    OPEN = "open"
    HELD = "held"
