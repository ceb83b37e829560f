"""A recurring time written in a document, as the plan schema's recurrence fields (``recurs``, ``check_in``), and a
lead group written as a plural whose every member does the activity (``for_each``)."""

from __future__ import annotations

import re

from cchc_flow.models.rules.plan import Directory
from cchc_flow.models.rules.recurrence import Cadence
from cchc_flow.models.services.plan_import.units import UnitName

_CADENCE: dict[str, Cadence] = {
    "monthly": "monthly",
    "quarterly": "quarterly",
    "half-yearly": "half-year",
    "yearly": "yearly",
}
_BY_DAYS: dict[int, Cadence] = {1: "yearly", 2: "half-year", 4: "quarterly", 12: "monthly"}  # due days in a year
CHOSEN_CHECK_IN: Cadence = "quarterly"  # "thường xuyên" with no stated cadence: the importer's choice, reported


def recurrence(kind: str, written: str) -> dict[str, str] | None:
    """The draft's fields for a time read as recurring (models/services/plan_import/times.py's kinds): the stated
    cadence; "thường xuyên" as continuous with the chosen check-in; fixed days of the year ("Trước ngày 05/6 và
    05/12") as the cadence their number gives. None when no cadence follows from the text."""
    if kind == "ongoing":
        return {"recurs": "continuous", "check_in": CHOSEN_CHECK_IN}
    if kind == "dates":
        cadence = _BY_DAYS.get(len(re.findall(r"\d{1,2}/\d{1,2}", written)))
        return {"recurs": cadence} if cadence else None
    return {"recurs": _CADENCE[kind]} if kind in _CADENCE else None


def fans_out(lead: list[UnitName], directory: Directory) -> bool:
    """The lead is one group written as a plural ("Các khoa, phòng, trạm y tế"): each of its members does it."""
    if len(lead) != 1 or lead[0].code is None:
        return False
    return directory.units[lead[0].code].kind == "group" and lead[0].written.casefold().startswith("các ")
