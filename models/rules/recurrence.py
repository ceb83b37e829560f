"""Which tracked items an activity of the plan becomes, and which of them are open as of a date (pure).

A plain activity is one item. A recurring one is one occurrence per period of its cadence inside its window
(``1.2.1@2022-06``, ``1.2.1@2022-Q3``, ``1.2.1@2022-H1``, ``1.2.1@2022``); an activity done by every member of a
group is one item per member (``1.1.1:KHOA_NOI``); both together, one per period and member
(``1.1.1@2022-06:KHOA_NOI``). An item opens when its period opens; one whose period had already ended when the
plan was loaded is opened all the same, and flagged.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from typing import Literal

Cadence = Literal["monthly", "quarterly", "half-year", "yearly"]
Recurs = Literal["monthly", "quarterly", "half-year", "yearly", "continuous"]
CADENCES: tuple[Cadence, ...] = ("monthly", "quarterly", "half-year", "yearly")
_MONTHS = {"monthly": 1, "quarterly": 3, "half-year": 6, "yearly": 12}


@dataclass(frozen=True)
class Period:
    label: str  # 2022-06, 2022-Q3, 2022-H1, 2022
    start: date
    end: date


@dataclass(frozen=True)
class Item:
    """One tracked item of a plan's activity: an occurrence, a member's share, or both."""

    key: str
    parent: str  # the plan's activity id
    period: str | None
    member: str | None  # the member unit's code (as stored)
    start: date
    end: date
    opened_late: bool = False  # its period had ended when the plan was loaded


def _label(cadence: Cadence, year: int, month: int) -> str:
    if cadence == "monthly":
        return f"{year}-{month:02d}"
    if cadence == "quarterly":
        return f"{year}-Q{(month - 1) // 3 + 1}"
    if cadence == "half-year":
        return f"{year}-H{(month - 1) // 6 + 1}"
    return str(year)


def periods(cadence: Cadence, start: date, end: date) -> list[Period]:
    """The calendar periods of ``cadence`` meeting [start, end], each cut to that window."""
    step = _MONTHS[cadence]
    year, month = start.year, (start.month - 1) // step * step + 1
    out = []
    while date(year, month, 1) <= end:
        nyear, nmonth = (year + 1, 1) if month + step > 12 else (year, month + step)
        first, last = date(year, month, 1), date(nyear, nmonth, 1) - timedelta(days=1)
        out.append(Period(_label(cadence, year, month), max(first, start), min(last, end)))
        year, month = nyear, nmonth
    return out


def bare(code: str) -> str:
    """A unit code without its organisation's prefix (``TTYTPM.KHOA_NOI`` → ``KHOA_NOI``)."""
    return code.rsplit(".", 1)[-1]


def items(key: str, start: date, end: date, cadence: Cadence | None, members: tuple[str, ...] | None) -> list[Item]:
    """Every item of one activity over its whole window: ``cadence`` None for a one-off, ``members`` None when
    the activity is not done by each member of a group (an empty tuple: a group with no members yet, no item)."""
    spans = [Period("", start, end)] if cadence is None else periods(cadence, start, end)
    out = []
    for p in spans:
        base = f"{key}@{p.label}" if p.label else key
        for m in (None,) if members is None else members:
            out.append(Item(f"{base}:{bare(m)}" if m else base, key, p.label or None, m, p.start, p.end))
    return out


def open_as_of(all_items: list[Item], today: date, loaded_on: date) -> list[Item]:
    """The items whose period has opened by ``today``; those that had ended before ``loaded_on`` are flagged."""
    return [
        Item(i.key, i.parent, i.period, i.member, i.start, i.end, i.end < loaded_on)
        for i in all_items
        if i.start <= today
    ]
