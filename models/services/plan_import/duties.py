"""Reporting duties ("Định kỳ 6 tháng, một năm báo cáo … gửi về Văn phòng Bộ … trước ngày 15 tháng 6 và 15 tháng
12 hàng năm") read from the text around the table, or from an activity row that reports before fixed days
("Trước ngày 05/6 và 05/12"), into the plan's `reporting:` entries (due days: half-year, then year)."""

from __future__ import annotations

import re

from cchc_flow.models.rules.plan import Directory

_DAY = r"(\d{1,2})\s*(?:tháng\s+|/)\s*(\d{1,2})"
_DEADLINES = re.compile(rf"trước\s+ngày\s+{_DAY}((?:\s*(?:,|và)\s*(?:ngày\s+)?{_DAY})*)", re.IGNORECASE)
_MORE = re.compile(_DAY)
_LIST_MARK = re.compile(r"^\s*(?:[a-zđ]|\d{1,2})[.)]\s+", re.IGNORECASE)


def deadlines(text: str) -> list[dict[str, str]] | None:
    """[{period, due}] for "trước ngày 15 tháng 6 và 15 tháng 12" (one day: yearly; two: half-year then year);
    None when the text has no such days or more than the schema can say."""
    m = _DEADLINES.search(text)
    if not m:
        return None
    days = [(int(m[2]), int(m[1]))] + [(int(mo), int(d)) for d, mo in _MORE.findall(m[3] or "")]
    if not all(1 <= mo <= 12 and 1 <= d <= 31 for mo, d in days) or len(days) > 2:
        return None
    days.sort()
    periods = ["year"] if len(days) == 1 else ["half-year", "year"]
    return [{"period": p, "due": f"{mo:02d}-{d:02d}"} for p, (mo, d) in zip(periods, days, strict=True)]


def receiver(text: str, directory: Directory) -> str | None:
    """The unit reports are sent to ("gửi về Văn phòng Bộ"), as the directory names it."""
    m = re.search(r"gửi\s+(?:về\s+)?(.+)", text, re.IGNORECASE)
    if not m:
        return None
    after = " ".join(m[1].split()).casefold()
    best = None
    for spelling, (code, slip) in directory.written.items():
        if not slip and after.startswith(spelling) and (best is None or len(spelling) > len(best[0])):
            best = (spelling, code)
    if best is None:
        return None
    unit = directory.units[best[1]]
    return unit.name or unit.code


def duties_from_text(paragraphs: list[str], directory: Directory) -> list[dict]:
    """Each paragraph that says who reports, to whom and before which days of the year."""
    out: list[dict] = []
    for para in paragraphs:
        if "báo cáo" not in para.casefold():
            continue
        due, to = deadlines(para), receiver(para, directory)
        if due and to:
            out.append(
                {
                    "id": f"bao-cao-{len(out) + 1}",
                    "text": _LIST_MARK.sub("", para).strip(),
                    "to": to,
                    "reporters": "all",
                    "deadlines": due,
                }
            )
    return out
