"""When a unit may be sent a message: not at night, not on a day off, unless the item is urgent (pure)."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from cchc_flow.models.rules.calendar import is_working_day
from cchc_flow.models.rules.messages import t


class QuietHoursError(ValueError):
    """Quiet hours that cannot be read; the message says the accepted form."""


@dataclass(frozen=True)
class Quiet:
    """No messages from ``start`` to ``end`` (local time, across midnight when start > end), nor on days off
    (weekends and Vietnamese holidays, make-up Saturdays being working days) when ``days_off`` is set."""

    start: time = time(17, 30)
    end: time = time(7, 30)
    days_off: bool = True

    def at_night(self, moment: time) -> bool:
        if self.start == self.end:
            return False  # no quiet hours
        if self.start < self.end:
            return self.start <= moment < self.end
        return moment >= self.start or moment < self.end

    def day_off(self, day: date) -> bool:
        return self.days_off and not is_working_day(day)

    def allows(self, moment: datetime) -> bool:
        """True when a message that is not urgent may be sent at ``moment`` (local time)."""
        return not self.at_night(moment.time()) and not self.day_off(moment.date())

    def next_allowed(self, moment: datetime) -> datetime:
        """The first moment at or after ``moment`` when a message that is not urgent may be sent."""
        candidate = moment
        for _ in range(400):  # a year of days off at most (Tết and its bridges are a week or two)
            if self.allows(candidate):
                return candidate
            if self.day_off(candidate.date()) or candidate.time() >= self.start > self.end:
                candidate = datetime.combine(candidate.date() + timedelta(days=1), self.end, candidate.tzinfo)
            else:
                candidate = datetime.combine(candidate.date(), self.end, candidate.tzinfo)
        raise QuietHoursError("no day in a year allows sending")  # pragma: no cover - days_off on every day


_HOURS_RE = re.compile(r"^\s*([0-2]?[0-9]):([0-5][0-9])\s*-\s*([0-2]?[0-9]):([0-5][0-9])\s*$")


def parse_quiet_hours(text: str, days_off: bool = True) -> Quiet:
    """Read "17:30-07:30" (from - to, local time); "" or "off": no quiet hours."""
    value = str(text or "").strip().lower()
    if value in ("", "off", "none"):
        return Quiet(time(0, 0), time(0, 0), days_off)
    m = _HOURS_RE.match(value)
    if not m or int(m[1]) > 23 or int(m[3]) > 23:
        raise QuietHoursError(t("quiet.hours", text=text))
    return Quiet(time(int(m[1]), int(m[2])), time(int(m[3]), int(m[4])), days_off)


def send_moment(day: date, now: datetime, quiet: Quiet) -> datetime:
    """When a run acting as of ``day`` sends: ``now`` when ``day`` is today (``now``'s date); a replayed day (a
    demo, a run as of another day) counts as sending when that day's quiet hours end, so only a day off holds it."""
    return now if day == now.date() else datetime.combine(day, quiet.end, now.tzinfo)


def may_send_now(urgent: bool, moment: datetime, quiet: Quiet) -> bool:
    """An urgent item goes out at any time; any other waits for a working day's daytime."""
    return urgent or quiet.allows(moment)
