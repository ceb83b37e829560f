"""How cchc's flow runs are named and tagged: one flow name per kind of run ("phase", "review", "periodic-reports"),
the human title (the phase or review as the plan writes it) in the run's name and tags, the same whether the run was
started by the CLI, the portal or a deployment.

Task run names are what the UI lists and the run graph draws, and the graph's canvas font has no Vietnamese letters
(it drew "1.1.1 T chc hi tho tp hun" for "1.1.1 Tổ chức hội thảo tập huấn"). So task run names are words of the
configured language without accents: the activity's id and title ("1.1.1 To chuc hoi thao tap huan..."), "ghi nhan"
(record), "gui thong bao" (deliver) — readable in the graph and the lists alike. The full text, with its accents, is
in the run's table artifact and in the history.
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass
from functools import lru_cache

from sqlmodel import Session, select

from cchc_flow.models.rules.calendar import DateError, today
from cchc_flow.models.rules.messages import t
from cchc_flow.models.store.db import session
from cchc_flow.models.store.queries import get_plan
from cchc_flow.models.store.tables import PhaseRow

PHASE, REVIEW, REPORTS = "phase", "review", "periodic-reports"
TAG = "cchc"  # every deployment `cchc deploy` writes carries it (and only those are removed by it)


@dataclass(frozen=True)
class RunLabel:
    """What a run is, in words: its title (e.g. "Giai đoạn 1 (2013-2014)") and its tags."""

    title: str
    tags: tuple[str, ...]


def phase_label(plan: str, phase: int) -> RunLabel:
    """Title and tags of a phase run: [plan, organisation, phase-N, title]; the plan's code when it is unknown."""
    with session() as s:
        try:
            row = get_plan(s, plan)
            phase_row = _phase(s, row.id, phase)
        except LookupError:
            return RunLabel(f"{plan} · {phase}", (plan, f"phase-{phase}"))
        return RunLabel(phase_row.name, (plan, row.issuer, f"phase-{phase}", phase_row.name))


def review_label(plan: str, phase: int) -> RunLabel:
    """Title and tags of a review run: the review's title (sơ kết / tổng kết …) as the plan writes it."""
    with session() as s:
        try:
            row = get_plan(s, plan)
            phase_row = _phase(s, row.id, phase)
        except LookupError:
            return RunLabel(f"{plan} · review {phase}", (plan, f"review-{phase}"))
        title = phase_row.review_title or phase_row.name
        return RunLabel(title, (plan, row.issuer, f"review-{phase}", title))


def reports_label(plan: str) -> RunLabel:
    """Title and tags of a periodic-reports run."""
    with session() as s:
        try:
            row = get_plan(s, plan)
        except LookupError:
            return RunLabel(f"{plan} · {REPORTS}", (plan, REPORTS))
        title = t("run.reports_title", number=row.number)
        return RunLabel(title, (plan, row.issuer, REPORTS, title))


def _phase(s: Session, plan_id: int, number: int) -> PhaseRow:
    row = s.exec(select(PhaseRow).where(PhaseRow.plan_id == plan_id, PhaseRow.number == number)).first()
    if row is None:
        raise LookupError(number)
    return row


def run_name(title: str, plan: str, as_of: str | None) -> str:
    """A flow run's name: title · plan · date (today in Asia/Ho_Chi_Minh when no date was given)."""
    try:
        day = today(as_of).isoformat()
    except DateError:  # an unreadable date: the flow itself fails on it with the reason
        day = str(as_of)
    return f"{title} · {plan} · {day}"


def _parameters() -> dict:
    # deferred: Prefect loads only when it is called; every `cchc` command imports this module
    from prefect.runtime import flow_run

    return dict(flow_run.parameters)


def phase_run_name() -> str:
    """The flow_run_name of the phase flow, from its parameters."""
    p = _parameters()
    return run_name(phase_label(p["plan"], p["phase"]).title, p["plan"], p.get("as_of"))


def review_run_name() -> str:
    p = _parameters()
    return run_name(review_label(p["plan"], p["phase"]).title, p["plan"], p.get("as_of"))


def reports_run_name() -> str:
    p = _parameters()
    return run_name(reports_label(p["plan"]).title, p["plan"], p.get("as_of"))


@lru_cache(maxsize=4096)  # the items of one series share their title: 1,200 task run names in a run
def plain(text: str) -> str:
    """``text`` in ASCII for the run graph: accents dropped (đ → d, … → ...), any other sign a space:
    "Tổ chức hội thảo…" → "To chuc hoi thao..."."""
    text = unicodedata.normalize("NFKD", text.replace("đ", "d").replace("Đ", "D"))
    return "".join(c if c.isascii() else " " for c in text if not unicodedata.combining(c))


def task_run_name(step: str) -> str:
    """A task's run name (``step``: record, deliver): its word in the configured language, without accents."""
    return plain(t(f"task.{step}"))
