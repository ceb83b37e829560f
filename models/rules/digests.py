"""What goes into which unit's morning digest, and when (pure: no database, no Prefect).

A unit gets at most one digest a day, carrying everything waiting for it across all plans. Items the plan marks
urgent are not held for it: the run that queues them sends them at once, at any hour.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from cchc_flow.models.rules.quiet import Quiet


@dataclass(frozen=True)
class Waiting:
    """A notification waiting to be sent: its id, its unit, and whether its plan marks it urgent."""

    id: int
    unit: str
    urgent: bool = False


def digest_key(unit: str, day: date) -> str:
    """The idempotency key of a unit's digest of ``day``: one a day, whoever sends it."""
    return f"digest|{unit}|{day.isoformat()}"


def morning_digests(
    waiting: Sequence[Waiting], moment: datetime, quiet: Quiet, sent_today: Collection[str] = ()
) -> dict[str, list[int]]:
    """unit -> the ids its digest carries if sent at ``moment`` (local time): nothing in quiet time or on a day off;
    nothing for a unit whose digest of the day went out already (what came since waits for tomorrow's)."""
    if not quiet.allows(moment):
        return {}
    out: dict[str, list[int]] = {}
    for w in waiting:
        if w.unit not in sent_today:
            out.setdefault(w.unit, []).append(w.id)
    return {unit: sorted(ids) for unit, ids in sorted(out.items())}


def sent_at_once(waiting: Sequence[Waiting]) -> list[int]:
    """What a run sends itself when units get morning digests, or in quiet hours or on a day off: the urgent items
    only (the rest is held: for the morning digest, or for the first run after the quiet time ends)."""
    return [w.id for w in waiting if w.urgent]


def is_urgent(entity: str, entity_key: str, urgent: Collection[str]) -> bool:
    """Whether a notification is about an activity its plan marks urgent."""
    return entity == "activity" and entity_key in urgent


def urgent_activities(spec: Mapping[str, Any]) -> frozenset[str]:
    """The ids of the activities a plan (its stored spec) marks ``urgent: true``."""
    return frozenset(str(key) for key in spec.get("urgent") or ())
