"""Recording what a phase run decided: each activity's transitions and messages, in one transaction."""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from datetime import date

from sqlmodel import Session, col, select

from cchc_flow.models.notify.notices import notification, queue
from cchc_flow.models.rules.actors import SYSTEM_ACTOR
from cchc_flow.models.rules.due import Decision, Facts, decide
from cchc_flow.models.services.activities import Change, PhaseView, apply_changes
from cchc_flow.models.store.db import write_transaction
from cchc_flow.models.store.id_lists import among
from cchc_flow.models.store.killpoints import kill_point
from cchc_flow.models.store.tables import ActivityRow


@dataclass(frozen=True)
class Decided:
    """What one activity task decided as of a day, on the facts it was given, and which task run decided it."""

    facts: Facts
    decision: Decision
    task_run_id: str | None = None


@dataclass
class Recorded:
    """One activity after the run: its state, the events recorded for it and how many new messages were queued."""

    key: str
    state: str
    events: list[str] = field(default_factory=list)
    queued: int = 0


def record_decisions(
    s: Session, view: PhaseView, decided: Sequence[Decided], today: date, flow_run_id: str | None = None
) -> dict[str, Recorded]:
    """Apply every non-empty decision and queue its messages, all in one transaction (all or nothing).

    Each activity's stored state is read again under the write lock: if a unit or another run moved it since the
    tasks decided, what is due is decided again on the stored state (so a report made meanwhile is kept).
    Returns the outcome of every activity in ``decided``, by key.
    """
    out = {d.facts.key: Recorded(d.facts.key, d.facts.state) for d in decided}
    todo = [d for d in decided if not d.decision.empty]
    if not todo:
        return out
    views = {a.facts.key: a for a in view.activities}
    with write_transaction(s):
        wanted = [views[d.facts.key].id for d in todo]
        stored = dict(
            s.exec(
                select(ActivityRow.key, ActivityRow.state)
                .where(among(s, col(ActivityRow.id), wanted))
                .order_by(col(ActivityRow.id))
                .with_for_update()
            ).all()
        )  # one lock order for every run; states only: most re-decided items of a re-run have messages, no event
        decisions = {
            d.facts.key: d.decision
            if stored[d.facts.key] == d.facts.state
            else decide(replace(d.facts, state=stored[d.facts.key]), today, view.parties)
            for d in todo
        }
        moving = [d for d in todo if decisions[d.facts.key].events]
        rows = (
            {
                r.key: r
                for r in s.exec(
                    select(ActivityRow)
                    .where(among(s, col(ActivityRow.id), [views[d.facts.key].id for d in moving]))
                    .order_by(col(ActivityRow.id))
                )
            }
            if moving
            else {}
        )
        apply_changes(
            s,
            [
                Change(rows[d.facts.key], tuple(decisions[d.facts.key].events), (flow_run_id, d.task_run_id))
                for d in moving
            ],
            actor=SYSTEM_ACTOR,
            source="flow",
            on=today,
        )
        notices = [
            notification(
                plan_id=view.plan_id,
                plan_code=view.plan_code,
                entity="activity",
                entity_key=key,
                message=m,
                as_of=today,
                details=views[key].details,
                flow_run_id=flow_run_id,
            )
            for key, decision in decisions.items()
            for m in decision.messages
        ]
        new = queue(s, notices)
        queued = Counter(n["entity_key"] for n in notices if n["key"] in new)
        for key, decision in decisions.items():
            state = rows[key].state if key in rows else stored[key]
            out[key] = Recorded(key, state, [str(e) for e in decision.events], queued[key])
        kill_point("record-before-commit")
    kill_point("record-after-commit")
    return out
