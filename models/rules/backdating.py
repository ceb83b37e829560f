"""Steps the coordinator records late: a letter that arrived after the day it speaks of.

A unit acts on the day it acts; only the coordinator may record a step for an earlier day, citing the letter
(its number and date), and only for a day that could have happened: not in the future, not before the plan was
signed, not before the activity's window opened, and not before the latest step already recorded for it (the
history cannot be rewritten from behind). The step keeps both days: the day it counts for (``effective_day``)
and when it was recorded (``at``), and it carries the letter's reference (``letter_ref``).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from cchc_flow.models.rules.messages import t


@dataclass(frozen=True)
class LateLetter:
    """What the coordinator enters: the day the step counts for, and the reference of the letter that says so."""

    day: date
    reference: str


def backdate_problem(day: date, *, today: date, signed: date, opens: date | None, latest: date | None) -> str | None:
    """Why a step may not count for ``day`` (a pure rule), or None when it may.

    ``today`` is the day the step is recorded, ``signed`` the plan's signature, ``opens`` the start of the
    activity's window (None for a periodic report), ``latest`` the day of its latest recorded step.
    """
    if day > today:
        return t("backdate.future", today=_d(today))
    if day < signed:
        return t("backdate.before_signed", signed=_d(signed))
    if opens is not None and day < opens:
        return t("backdate.before_window", opens=_d(opens))
    if latest is not None and day < latest:
        return t("backdate.before_latest", latest=_d(latest))
    return None


def marked(recorded: date, counts_for: date, reference: str | None, lang: str | None = None) -> str:
    """How a back-dated step is shown everywhere: recorded on …, counts from … (the letter)."""
    return t("backdate.mark", lang, recorded=_d(recorded), day=_d(counts_for), letter=reference or "—")


def _d(day: date) -> str:
    return day.strftime("%d/%m/%Y")
