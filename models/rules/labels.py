"""How units, periods and dates are named in everything people read: one rule each."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import date

from cchc_flow.models.rules.messages import current_lang, t


def unit_label(code: str, name: str | None) -> str:
    """A unit as people read it: its full name with the code in brackets ("Văn phòng Bộ (VPB)"); the code alone
    when the directory gives no other name (T5G)."""
    return f"{name} ({code})" if name and name.strip() and name.strip() != code else code


def units_label(codes: Iterable[str], names: Mapping[str, str | None]) -> str:
    """Several units, each as unit_label() names it, separated by commas; a spelling that is not a code is kept."""
    return ", ".join(unit_label(c, names.get(c)) for c in codes)


def period_label(label: str, lang: str | None = None) -> str:
    """A reporting period as people say it: "2014-H1" -> "6 tháng đầu năm 2014", "2014" -> "năm 2014"."""
    year, _, half = label.partition("-")
    if half == "H1" and year.isdigit():
        return t("period.half", lang, year=year)
    return t("period.year", lang, year=year) if year.isdigit() and not half else label


def day(value: date | str | None, empty: str = "—") -> str:
    """dd/mm/yyyy (a date or an ISO string), or ``empty`` when there is none."""
    if value is None or value == "":
        return empty
    value = value if isinstance(value, date) else date.fromisoformat(value)
    return value.strftime("%d/%m/%Y")


def number(value: float, lang: str | None = None, digits: int | None = 1) -> str:
    """A figure as its reader writes it: "1.234,5" in Vietnamese (decimal comma, dots between thousands),
    "1,234.5" in English; ``digits`` None: as few as it needs ("0,5", "1"). Machine formats (CSV, JSON) keep plain
    numbers and never pass through here."""
    text = f"{value:,g}" if digits is None else f"{value:,.{digits}f}"
    return text if (lang or current_lang()) == "en" else text.translate(str.maketrans(",.", ".,"))


def percent(rate: float | None, lang: str | None = None, digits: int = 1, empty: str = "—") -> str:
    """A share (0..1) as a percentage: "96,7 %" in Vietnamese, "96.7%" in English; ``empty`` when there is none."""
    if rate is None:
        return empty
    figure = number(rate * 100, lang, digits)
    return f"{figure}%" if (lang or current_lang()) == "en" else f"{figure} %"


def short_title(text: str, limit: int = 70) -> str:
    """First line of an activity's text, without its bullet, cut at a word near ``limit`` characters."""
    first = text.strip().splitlines()[0].lstrip("-+• ").strip().rstrip(":")
    if len(first) <= limit:
        return first
    return first[:limit].rsplit(" ", 1)[0] + "…"
