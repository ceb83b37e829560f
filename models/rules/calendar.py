"""Dates as the plans write them, in Asia/Ho_Chi_Minh, and the Vietnamese working-day calendar."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date
from functools import lru_cache
from typing import TYPE_CHECKING

import pendulum

from cchc_flow.models.rules.messages import t

if TYPE_CHECKING:
    import holidays

TZ = "Asia/Ho_Chi_Minh"

_ISO = re.compile(r"^[0-9]{4}-[0-9]{2}-[0-9]{2}$")
_DMY = re.compile(r"^([0-9]{1,2})/([0-9]{1,2})/([0-9]{4})$")
_YEAR = re.compile(r"^([0-9]{4})$")
_YEARS = re.compile(r"^([0-9]{4})\s*[-–]\s*([0-9]{4})$")
_RANGE = re.compile(r"^(.+?)\s*(?:\.\.|→|\s[-–]\s)\s*(.+)$")


class DateError(ValueError):
    """A date or window that cannot be read; the message says what is accepted."""


_SHORT_YEAR = re.compile(r"^[0-9]{1,2}[/.-][0-9]{1,2}[/.-][0-9]{2}$")
_YEAR_FIRST = re.compile(r"^[0-9]{4}[/.][0-9]{1,2}[/.][0-9]{1,2}$")
_OTHER_SEP = re.compile(r"^[0-9]{1,2}([.-])[0-9]{1,2}\1[0-9]{4}$")


def parse_date(text: str) -> date:
    """Read YYYY-MM-DD (ISO) or DD/MM/YYYY (as Vietnamese documents write); refuse anything else.

    Ambiguous forms are refused with what to write instead: a two-digit year, a year first with slashes or dots,
    day and month in US order (12/25/2014), other separators; and dates that do not exist (31/02/2014).
    """
    s = str(text).strip()
    if any(c.isdigit() and not c.isascii() for c in s):
        raise DateError(f"'{s}': " + t("date.ascii_digits"))
    if _ISO.match(s):
        year, month, day = (int(g) for g in s.split("-"))
    elif m := _DMY.match(s):
        day, month, year = (int(g) for g in m.groups())
        if month > 12 and day <= 12:
            raise DateError(f"'{s}': " + t("date.us_order", fixed=f"{month:02d}/{day:02d}/{year}"))
    elif _SHORT_YEAR.match(s):
        raise DateError(f"'{s}': " + t("date.short_year"))
    elif _YEAR_FIRST.match(s):
        raise DateError(f"'{s}': " + t("date.year_first"))
    elif m := _OTHER_SEP.match(s):
        raise DateError(f"'{s}': " + t("date.separator", sep=m[1]))
    else:
        raise DateError(f"'{s}': " + t("date.form"))
    try:
        return date(year, month, day)
    except ValueError:
        raise DateError(f"'{s}': " + t("date.impossible")) from None


@dataclass(frozen=True)
class Window:
    """An activity's or phase's time window: whole calendar days, both ends included; end = due date."""

    start: date
    end: date
    as_written: str

    def contains(self, other: Window) -> bool:
        return self.start <= other.start and other.end <= self.end

    @property
    def interval(self) -> pendulum.Interval:
        return pendulum.Interval(
            pendulum.date(self.start.year, self.start.month, self.start.day),
            pendulum.date(self.end.year, self.end.month, self.end.day),
        )


def parse_window(value: object, not_before: date | None = None) -> Window:
    """Read "2014", "2013-2014", "2014-03-01..2014-06-30", "01/03/2014 - 30/06/2014" or {start, end}.

    A window never opens before ``not_before`` (the plan's signature): its start is moved up to it.
    Raises DateError when the text is unreadable or the window ends before it starts.
    """
    if isinstance(value, dict):
        if set(value) != {"start", "end"}:
            raise DateError(f"{value!r}")
        start, end = parse_date(str(value["start"])), parse_date(str(value["end"]))
        as_written = f"{value['start']}..{value['end']}"
    elif isinstance(value, date):
        start = end = value
        as_written = value.isoformat()
    else:
        as_written = str(value).strip()
        if m := _YEAR.match(as_written):
            start, end = date(int(m[1]), 1, 1), date(int(m[1]), 12, 31)
        elif m := _YEARS.match(as_written):
            start, end = date(int(m[1]), 1, 1), date(int(m[2]), 12, 31)
        elif m := _RANGE.match(as_written):
            start, end = parse_date(m[1]), parse_date(m[2])
        else:
            start = end = parse_date(as_written)
    if end < start:
        raise WindowOrderError(f"{start.isoformat()} > {end.isoformat()}")
    if not_before and start < not_before:
        start = max(start, min(not_before, end))
    return Window(start=start, end=end, as_written=as_written)


class WindowOrderError(DateError):
    """A window whose end comes before its start."""


def today(as_of: str | date | None = None) -> date:
    """The date to act on: ``as_of`` when given, else today in Asia/Ho_Chi_Minh."""
    if as_of is None:
        return pendulum.now(TZ).date()
    return as_of if isinstance(as_of, date) else parse_date(as_of)


MAX_DAYS_AHEAD = 31  # a run may act at most this many days ahead of today


class FutureDateError(DateError):
    """A run's date too far ahead of today."""


def run_day(as_of: str | date | None = None) -> date:
    """The date a phase, review or reporting run acts as of (``today(as_of)``), refused when it lies more than
    MAX_DAYS_AHEAD days ahead of today: such a run would assign, remind and flag as overdue what is not due yet."""
    day, now = today(as_of), today()
    if (day - now).days > MAX_DAYS_AHEAD:
        raise FutureDateError(t("date.too_far", day=day.isoformat(), today=now.isoformat(), days=MAX_DAYS_AHEAD))
    return day


@lru_cache(maxsize=64)
def _vn_holidays(year: int) -> holidays.HolidayBase:
    import holidays  # deferred: the working-day calendar (~15 ms to import) is needed by the runs, not the reads

    return holidays.country_holidays("VN", language="vi", years=year)


def is_working_day(day: date) -> bool:
    """True on a Vietnamese working day (weekends, Tết and swapped days off excluded; make-up Saturdays included)."""
    return _vn_holidays(day.year).is_working_day(day)


def day_off(day: date) -> str | None:
    """Why ``day`` is not a working day (the holiday's Vietnamese name, "" for a weekend), or None on a working day."""
    if is_working_day(day):
        return None
    return _vn_holidays(day.year).get(day) or ""


def working_day_on_or_before(day: date) -> date:
    """The latest working day not after ``day``: a reminder due on a holiday goes out the working day before."""
    d = pendulum.date(day.year, day.month, day.day)
    while not is_working_day(d):
        d = d.subtract(days=1)
    return date(d.year, d.month, d.day)


def working_day_on_or_after(day: date) -> date:
    """The earliest working day not before ``day``: an escalation due on a holiday goes out the next working day."""
    d = pendulum.date(day.year, day.month, day.day)
    while not is_working_day(d):
        d = d.add(days=1)
    return date(d.year, d.month, d.day)
