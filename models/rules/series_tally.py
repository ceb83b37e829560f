"""How a recurring or per-unit activity went, counted over its items (pure): "10/12 on time", and the missed ones."""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass

from cchc_flow.models.rules.status import Status

_ITEM = re.compile(r"^([0-9]+\.[0-9]+\.[0-9]+)[@:]")


def parent_of(key: str) -> str | None:
    """The plan's activity an item belongs to (``1.2.1@2022-06`` → ``1.2.1``); None for a plain activity."""
    m = _ITEM.match(key)
    return m[1] if m else None


@dataclass(frozen=True)
class SeriesTally:
    parent: str
    items: int  # items opened so far
    done: int  # reported or accepted (on time or late)
    on_time: int
    due: int  # items whose due date has passed or that are done: the base of "on time"
    missed: tuple[str, ...]  # past their due date and not done

    @property
    def late(self) -> int:
        """Items done after their due date."""
        return self.done - self.on_time

    @property
    def ratio(self) -> str:
        """ "10/12": done on time out of those due."""
        return f"{self.on_time}/{self.due}"


def tally(statuses: Iterable[tuple[str, str]]) -> list[SeriesTally]:
    """One tally per series, in first-seen order, from (item key, four-way status) pairs; plain activities and
    cancelled items are left out."""
    groups: dict[str, list[tuple[str, str]]] = {}
    for key, status in statuses:
        parent = parent_of(key)
        if parent is not None and status != Status.CANCELLED:
            groups.setdefault(parent, []).append((key, status))
    out = []
    for parent, rows in groups.items():
        on_time = sum(s == Status.DONE_ON_TIME for _, s in rows)
        late = sum(s == Status.DONE_LATE for _, s in rows)
        missed = tuple(k for k, s in rows if s == Status.OVERDUE)
        out.append(SeriesTally(parent, len(rows), on_time + late, on_time, on_time + late + len(missed), missed))
    return out
