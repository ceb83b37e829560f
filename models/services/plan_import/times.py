"""Time expressions as plans write them, read into windows of whole Asia/Ho_Chi_Minh calendar days.

A window is written back in a form `plan check` reads ("2014", "2013-2015", "2022-04-01..2022-06-30").
Recurring expressions ("Hằng quý", "Trước ngày 05/6 và 05/12") cover the span they recur in and are named, so
the draft can say per row that the schema does not hold the recurrence yet. Anything else is not read.
"""

from __future__ import annotations

import calendar
import re
import unicodedata
from dataclasses import dataclass
from datetime import date

_ROMAN = {"i": 1, "ii": 2, "iii": 3, "iv": 4}
_Q = r"(iv|i{1,3}|[1-4])"
_Y = r"(\d{4})"
_DATE = r"(\d{1,2})/(\d{1,2})/(\d{4})"
_DASH = r"\s*(?:-|–|—|đến|tới)\s*"

_YEARS = re.compile(rf"^(?:năm\s+|từ\s+(?:năm\s+)?)?{_Y}(?:{_DASH}(?:năm\s+)?{_Y})?$")
_QUARTERS = re.compile(rf"^quý\s+{_Q}(?:\s*(?:,|-|–|và|đến)\s*(?:quý\s+)?{_Q})*(?:\s*(?:/|năm)\s*{_Y})?$")
_QUARTER_LIST = re.compile(rf"\b{_Q}\b")
_MONTHS = re.compile(rf"^tháng\s+(\d{{1,2}})(?:{_DASH}(?:tháng\s+)?(\d{{1,2}}))?(?:\s*(?:/|năm)\s*{_Y})?$")
_SPLIT = re.compile(r"\s+(?:-|–|—|đến)\s+|\s*(?:-|–|—)\s*(?=(?:quý|tháng|năm|ngày)\b)")
_HALF = re.compile(rf"^6\s+tháng\s+(đầu|cuối)\s+năm(?:\s+{_Y})?$")
_DATES = re.compile(rf"^(?:từ\s+)?(?:ngày\s+)?{_DATE}(?:{_DASH}(?:ngày\s+)?{_DATE})?$")
_BEFORE = re.compile(rf"^(?:trước|chậm nhất|hạn chót|hoàn thành trước)\s+(?:ngày\s+)?{_DATE}$")
_BEFORE_DAYS = re.compile(
    r"^(?:trước|chậm nhất)\s+(?:ngày\s+)?(\d{1,2})/(\d{1,2})((?:\s*(?:,|và|;)\s*(?:ngày\s+)?"
    r"\d{1,2}/\d{1,2})*)(?:\s+(?:hằng|hàng)\s+năm)?$"
)
_WHOLE_YEAR = re.compile(r"^(?:cả|trong|quanh|suốt)\s+năm$")
_RECURRING = (
    (re.compile(r"\b(?:hằng|hàng)\s+tháng\b|\bđịnh kỳ\s+(?:hằng\s+|hàng\s+)?tháng\b"), "monthly"),
    (re.compile(r"\b(?:hằng|hàng)\s+quý\b|\bđịnh kỳ\s+(?:hằng\s+|hàng\s+)?quý\b"), "quarterly"),
    (re.compile(r"\bđịnh kỳ\s+6\s+tháng\b|\b6\s+tháng\s+một\s+lần\b|\b(?:hằng|hàng)\s+6\s+tháng\b"), "half-yearly"),
    (re.compile(r"\b(?:hằng|hàng)\s+năm\b|\bđịnh kỳ\s+(?:hằng\s+|hàng\s+)?năm\b"), "yearly"),
    (re.compile(r"\bthường xuyên\b|\bliên tục\b"), "ongoing"),
)


@dataclass(frozen=True)
class TimeReading:
    """``window`` for the draft (None: not read); ``recurring`` names a recurrence; ``year_from_context`` says
    the year was not written and was taken from the phase or plan."""

    window: str | None
    recurring: str | None = None
    year_from_context: bool = False


def _norm(text: str) -> str:
    text = unicodedata.normalize("NFC", text).casefold().replace("\xa0", " ")
    text = re.sub(r"\s+", " ", text).strip().rstrip(".;,")
    return re.sub(r"\s*/\s*", "/", text)


def _span(start: date, end: date) -> str:
    if (start.month, start.day, end.month, end.day) == (1, 1, 12, 31):
        return str(start.year) if start.year == end.year else f"{start.year}-{end.year}"
    return f"{start.isoformat()}..{end.isoformat()}"


def _month_end(year: int, month: int) -> date:
    return date(year, month, calendar.monthrange(year, month)[1])


def _quarter(q: str) -> int:
    return _ROMAN.get(q) or int(q)


def _safe_date(d: str, m: str, y: str) -> date | None:
    try:
        return date(int(y), int(m), int(d))
    except ValueError:
        return None


def read_time(text: str, context: tuple[int, int] | None = None) -> TimeReading:
    """Read one time cell. ``context`` (first year, last year) is the phase's or plan's span, used for
    expressions without a year ("6 tháng cuối năm", "Hằng quý")."""
    s = _norm(text)
    if not s:
        return TimeReading(None)
    if m := _YEARS.match(s):
        first, last = int(m[1]), int(m[2] or m[1])
        return TimeReading(_span(date(first, 1, 1), date(last, 12, 31)) if first <= last else None)
    if m := _QUARTERS.match(s):
        head = s.split("/")[0].split("năm")[0]
        qs = [_quarter(q) for q in _QUARTER_LIST.findall(head)]
        year = _year(re.search(r"(\d{4})$", s), context)
        if year is None:
            return TimeReading(None)
        first, last = min(qs), max(qs)
        return TimeReading(
            _span(date(year, 3 * first - 2, 1), _month_end(year, 3 * last)),
            year_from_context=not re.search(r"\d{4}$", s),
        )
    if m := _MONTHS.match(s):
        first, last, year = int(m[1]), int(m[2] or m[1]), _year(m[3], context)
        if year is None or not (1 <= first <= last <= 12):
            return TimeReading(None)
        return TimeReading(_span(date(year, first, 1), _month_end(year, last)), year_from_context=not m[3])
    if m := _HALF.match(s):
        year = int(m[2]) if m[2] else (context[0] if context and context[0] == context[1] else None)
        if year is None:
            return TimeReading(None)
        first = m[1] == "đầu"
        window = _span(date(year, 1, 1), date(year, 6, 30)) if first else _span(date(year, 7, 1), date(year, 12, 31))
        return TimeReading(window, year_from_context=not m[2])
    if m := _DATES.match(s):
        start = _safe_date(m[1], m[2], m[3])
        end = _safe_date(m[4], m[5], m[6]) if m[4] else start
        if start is None or end is None or end < start:
            return TimeReading(None)
        return TimeReading(_span(start, end))
    if _WHOLE_YEAR.match(s) and context:
        return TimeReading(_span(date(context[0], 1, 1), date(context[1], 12, 31)), year_from_context=True)
    if m := _BEFORE.match(s):
        due = _safe_date(m[1], m[2], m[3])
        if due is None:
            return TimeReading(None)
        start = date(context[0], 1, 1) if context and context[0] <= due.year else date(due.year, 1, 1)
        return TimeReading(_span(start, due), year_from_context=True)
    if _BEFORE_DAYS.match(s) and context:
        return TimeReading(_span(date(context[0], 1, 1), date(context[1], 12, 31)), recurring="dates")
    if (parts := _SPLIT.split(s)) and len(parts) == 2 and not any(p.search(s) for p, _ in _RECURRING):
        left, right = read_time(re.sub(r"^từ\s+", "", parts[0]), context), read_time(parts[1], context)
        if left.window and right.window and not left.recurring and not right.recurring:
            start, end = _bounds(left.window)[0], _bounds(right.window)[1]
            if start <= end:
                return TimeReading(
                    _span(start, end), year_from_context=left.year_from_context or right.year_from_context
                )
    for pattern, kind in _RECURRING:
        if pattern.search(s):
            years = [int(y) for y in re.findall(r"\b(\d{4})\b", s)]
            span = (min(years), max(years)) if years else context
            if span is None:
                return TimeReading(None, recurring=kind)
            return TimeReading(
                _span(date(span[0], 1, 1), date(span[1], 12, 31)), recurring=kind, year_from_context=not years
            )
    return TimeReading(None)


def _year(found: object, context: tuple[int, int] | None) -> int | None:
    """A written year, else the context's when it is a single year."""
    if isinstance(found, re.Match):
        found = found[1]
    if found:
        return int(str(found))
    return context[0] if context and context[0] == context[1] else None


def _bounds(window: str) -> tuple[date, date]:
    """First and last day of a window written by _span."""
    if ".." in window:
        a, b = window.split("..")
        return date.fromisoformat(a), date.fromisoformat(b)
    first, _, last = window.partition("-")
    return date(int(first), 1, 1), date(int(last or first), 12, 31)


def years_in(text: str) -> tuple[int, int] | None:
    """The span of four-digit years (1990-2099) written in a label ("Giai đoạn 1 (2013-2014)")."""
    years = [int(y) for y in re.findall(r"\b((?:19|20)\d{2})\b", text)]
    return (min(years), max(years)) if years else None
