"""What the pages show, read through the shared queries (models/store/queries.py, models/services/periodic.py, models/services/reviews.py):
the portal adds no rule of its own about activities, reports or reviews."""

from __future__ import annotations

import threading
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from sqlmodel import Session, col, select

from cchc_flow.models.rules.backdating import marked
from cchc_flow.models.rules.calendar import TZ
from cchc_flow.models.rules.labels import short_title
from cchc_flow.models.rules.lifecycle import FINAL, TRANSITIONS, Event
from cchc_flow.models.rules.messages import t
from cchc_flow.models.rules.review_report import UnitTotals
from cchc_flow.models.rules.scores import formula, score_rows
from cchc_flow.models.rules.series_tally import parent_of, tally
from cchc_flow.models.rules.status import COLOURS, Status, on_time, status_words
from cchc_flow.models.services.access import ActivityFacts
from cchc_flow.models.services.actions import activities_facts, activity_facts, roles_of
from cchc_flow.models.services.extensions import extensions_of
from cchc_flow.models.services.periodic import plan_periods, reporters
from cchc_flow.models.services.reviews import ReviewRefused, build_report, check_review, review_recipients
from cchc_flow.models.services.score_report import unit_scores
from cchc_flow.models.store.queries import (
    activities_owed,
    activity_statuses,
    approved_extensions,
    due_on,
    former_codes,
    plan_as_dict,
    roles_by_activity,
)
from cchc_flow.models.store.tables import (
    ActivityRow,
    ContentRow,
    EvidenceRow,
    ExplanationRow,
    PhaseRow,
    PlanRow,
    ReassignmentRow,
    ReviewRow,
    SeriesRow,
    SubmissionRow,
    TransitionRow,
    UnitRow,
)
from cchc_flow.settings import get_settings
from cchc_flow.web.gantt import STATES, Band, Bar, progress_svg, rate_svg, timeline_svg
from cchc_flow.web.security import PortalError

VN = ZoneInfo(TZ)


_UNIT = select(UnitRow).where(UnitRow.code == sa.bindparam("code"))  # built once: read for every inbox


def unit_row(s: Session, code: str) -> UnitRow | None:
    return s.exec(_UNIT, params={"code": code}).first()


def unit_names(s: Session) -> dict[str, str]:
    return {u.code: u.name or u.code for u in s.exec(select(UnitRow))}


def state_labels(lang: str) -> dict[str, str]:
    return {state: t(f"state.{state}", lang) for state in STATES}


# ------------------------------------------------------------------------------------------------ unit inbox


def inbox(s: Session, plan: PlanRow, unit: str, today: date) -> list[dict[str, Any]]:
    """The unit's activities as lead and partner, by due date (activities_owed, as `cchc activity list --unit`);
    a returned one with the coordinator's reason."""
    rows = activities_owed(s, plan.code, unit=unit, today=today)
    returns = return_reasons(s, plan, [r["id"] for r in rows if r["state"] == "returned"])
    for r in rows:
        r["short"] = short_title(r["title"], 110)
        r["returned"] = returns.get(r["id"])
        r["done"] = r["state"] in FINAL
        r["late"] = r["status"] == Status.OVERDUE
    return rows


def periodic(s: Session, plan: PlanRow, unit: str, today: date) -> list[dict[str, Any]]:
    """The periodic reports the unit owes under the plan's duties, with what it already sent."""
    sent: dict[tuple[str, str], list[SubmissionRow]] = {}
    for sub in s.exec(
        select(SubmissionRow)
        .where(SubmissionRow.plan_id == plan.id, col(SubmissionRow.unit_code).in_(former_codes(s, unit)))
        .order_by(col(SubmissionRow.id))
    ):
        sent.setdefault((sub.duty, sub.period), []).append(sub)
    owing: dict[str, tuple[str, ...]] = {}
    out = []
    for p in plan_periods(s, plan, today):
        if p.duty not in owing:
            owing[p.duty] = reporters(s, plan, p.duty, today)
        if unit not in owing[p.duty]:
            continue
        subs = sent.get((p.duty, p.label), [])
        out.append(
            {
                "label": p.label,
                "due": p.due,
                "to": p.to,
                "text": p.text,
                "submissions": subs,
                "days_left": (p.due - today).days,
            }
        )
    return out


def return_reasons(s: Session, plan: PlanRow, keys: list[str]) -> dict[str, tuple[date | None, str]]:
    """The coordinator's latest return of each activity in ``keys``: (the day it counts for, the reason)."""
    if not keys:
        return {}
    found = s.exec(
        select(col(ActivityRow.key), EvidenceRow, col(TransitionRow.effective_day))
        .join(EvidenceRow, col(EvidenceRow.activity_id) == col(ActivityRow.id))
        .join(TransitionRow, col(TransitionRow.id) == col(EvidenceRow.transition_id), isouter=True)
        .where(
            ActivityRow.plan_id == plan.id,
            ActivityRow.key.in_(keys),  # type: ignore[attr-defined]
            EvidenceRow.kind == "return",
        )
        .order_by(col(EvidenceRow.id))
    ).all()
    return {key: (day or ev.at.date(), ev.text or "") for key, ev, day in found}


# ------------------------------------------------------------------------------------------------ activity page


@dataclass
class ActivityPage:
    plan: PlanRow
    row: ActivityRow
    phase: PhaseRow
    content: ContentRow
    leads: tuple[str, ...]
    partners: tuple[str, ...]
    written: dict[str, list[str]]
    names: dict[str, str]
    steps: list[TransitionRow]
    evidence: list[EvidenceRow]
    facts: ActivityFacts  # what allowed_actions() decides on (models/services/access.py)
    extensions: list[Any] = field(default_factory=list)  # requests for a later due date (models/services/extensions.py)
    reassignment: Any = None  # the coordinator's latest reassignment, in force (models/services/reassignment.py)
    returned: tuple[date | None, str] | None = None  # the coordinator's latest return: (day, reason)
    explanations: list[Any] = field(default_factory=list)  # requests for explanation and their answers
    due: date | None = None  # the due date in force on the day shown (an approved extension's), else the plan's

    @property
    def concerned(self) -> tuple[str, ...]:
        """Units that may open the activity and add a note: leads, partners, the coordinator."""
        return self.facts.concerned

    @property
    def may_be_decided(self) -> bool:
        return self.row.state in TRANSITIONS[Event.ACCEPT]


def activity_page(s: Session, plan: PlanRow, key: str, today: date | None = None) -> ActivityPage:
    """Everything the activity page shows, its due date the one in force ``today`` (None: the latest approved)."""
    row = s.exec(
        select(ActivityRow).where(ActivityRow.plan_id == plan.id, ActivityRow.key == key, ActivityRow.in_plan)
    ).first()
    if row is None:
        raise PortalError(404, t("web.unknown_activity", id=key, plan=plan.number))
    phase = s.get(PhaseRow, row.phase_id)
    content = s.get(ContentRow, row.content_id)
    assert phase is not None and content is not None
    leads, partners = roles_of(s, plan, row)
    written = roles_by_activity(s, plan.id, written=True).get(row.id, {"lead": [], "partner": []})
    steps = list(
        s.exec(
            select(TransitionRow)
            .where(
                TransitionRow.plan_id == plan.id, TransitionRow.entity == "activity", TransitionRow.entity_key == key
            )
            .order_by(col(TransitionRow.id))
        )
    )
    evidence = list(
        s.exec(select(EvidenceRow).where(col(EvidenceRow.activity_id) == row.id).order_by(col(EvidenceRow.id)))
    )
    reassignment = s.exec(
        select(ReassignmentRow)
        .where(col(ReassignmentRow.activity_id) == row.id)
        .order_by(col(ReassignmentRow.id).desc())
    ).first()
    returned = return_reasons(s, plan, [key]).get(key) if row.state == "returned" else None
    explanations = list(
        s.exec(select(ExplanationRow).where(col(ExplanationRow.activity_id) == row.id).order_by(col(ExplanationRow.id)))
    )
    return ActivityPage(
        plan,
        row,
        phase,
        content,
        leads,
        tuple(p for p in partners if p not in leads),
        written,
        unit_names(s),
        steps,
        evidence,
        activity_facts(s, plan, row),
        extensions_of(s, row.id),
        reassignment,
        returned,
        explanations,
        due_on(row, approved_extensions(s, plan.id, only=key), today),
    )


def evidence_file(s: Session, evidence_id: int, index: int) -> tuple[EvidenceRow, Path, str]:
    """An attachment stored with a report or note: (its evidence row, stored path, name)."""
    ev = s.get(EvidenceRow, evidence_id)
    if ev is None or not 0 <= index < len(ev.attachments):
        raise PortalError(404, t("web.not_found"))
    a = ev.attachments[index]
    path = Path(str(a["path"])).resolve()
    root = get_settings().attachments.resolve()
    if root not in path.parents or not path.is_file():
        raise PortalError(404, t("web.not_found"))
    return ev, path, str(a["name"])


# ------------------------------------------------------------------------------------------------ coordinator board


_HEAD = select(sa.func.max(TransitionRow.seq)).where(TransitionRow.plan_id == sa.bindparam("plan_id"))


class PageCache:
    """What the board and the inboxes show, computed once per state of the plan's history: every change they show
    (a step, a report, a decision, a review held, an amended plan) appends a step to the history, so for the same
    last step, day and viewer the figures are the same and are served from memory (one query to find the last
    step). Beside the figures, each page's HTML as last drawn for a viewer (web/served.py). Each portal process
    keeps its own."""

    def __init__(self, size: int = 64, pages: int = 64) -> None:
        self.size = size
        self.pages: dict[tuple[Any, ...], Any] = {}
        self.drawn = _Bounded(pages)
        self.lock = threading.Lock()

    def head(self, s: Session, plan: PlanRow) -> int | None:
        """The seq of the plan's last step (None before the first)."""
        return s.exec(_HEAD, params={"plan_id": plan.id}).one()

    def get(self, s: Session, plan: PlanRow, key: tuple[Any, ...], compute: Callable[[], Any]) -> Any:
        return self.at((plan.id, self.head(s, plan), *key), compute)

    def at(self, full: tuple[Any, ...], compute: Callable[[], Any]) -> Any:
        """The figures kept for ``full`` (the plan, its last step, the page's key), computed when missing."""
        with self.lock:
            found = self.pages.get(full)
        if found is None:
            found = compute()
            with self.lock:
                if len(self.pages) >= self.size:
                    self.pages.pop(next(iter(self.pages)))
                self.pages[full] = found
        return found


class _Bounded:
    """A dict of at most ``size`` entries (the oldest dropped first), safe across threads."""

    def __init__(self, size: int) -> None:
        self.size = size
        self.items: dict[tuple[Any, ...], bytes] = {}
        self.lock = threading.Lock()

    def get(self, key: tuple[Any, ...]) -> bytes | None:
        with self.lock:
            return self.items.get(key)

    def put(self, key: tuple[Any, ...], value: bytes) -> None:
        with self.lock:
            if key not in self.items and len(self.items) >= self.size:
                self.items.pop(next(iter(self.items)))
            self.items[key] = value


def board(s: Session, plan: PlanRow, today: date, lang: str) -> dict[str, Any]:
    """Progress by phase and content item, per-unit on-time rates, the acceptance queue and the reviews."""
    data = plan_as_dict(s, plan.code, today)
    labels = state_labels(lang)
    status = activity_statuses(s, plan, today)
    phases = []
    for p in data["phases"]:
        contents: dict[int, dict[str, Any]] = {}
        for a in p["activities"]:
            c = contents.setdefault(
                a["content_number"], {"number": a["content_number"], "title": a["content"], "states": Counter()}
            )
            c["states"][a["state"]] += 1
        states = Counter(a["state"] for a in p["activities"])
        total = sum(states.values())
        done = sum(n for st, n in states.items() if st in FINAL)
        four = Counter(status[a["id"]].status for a in p["activities"])
        phases.append(
            {
                "statuses": [(st, four[st]) for st in Status if four[st]],
                "number": p["number"],
                "name": p["name"],
                "start": date.fromisoformat(p["start"]),
                "end": date.fromisoformat(p["end"]),
                "states": states,
                "total": total,
                "done": done,
                "bar": progress_svg(states, labels, width=320, height=16),
                "contents": [
                    {
                        **c,
                        "total": sum(c["states"].values()),
                        "done": sum(n for st, n in c["states"].items() if st in FINAL),
                        "bar": progress_svg(c["states"], labels),
                    }
                    for c in contents.values()
                ],
            }
        )
    scores, weights = unit_scores(s, plan.code, today)
    head, rows = score_rows(scores, lang)
    return {
        "series": series_rows(s, plan, status),
        "phases": phases,
        "units": unit_rates(s, plan, today),
        "queue": queue(s, plan, today),
        "reviews": reviews(s, plan, today),
        "scores": {"head": head, "rows": rows, "formula": formula(weights, lang)},
    }


def series_rows(s: Session, plan: PlanRow, status: dict[str, Any]) -> list[dict[str, Any]]:
    """One row per recurring or per-unit activity: its items done out of those opened, on time out of those due,
    the missed ones, and the items themselves (each member's or period's state)."""
    series = {r.key: r for r in s.exec(select(SeriesRow).where(SeriesRow.plan_id == plan.id, SeriesRow.in_plan))}
    if not series:
        return []
    items: dict[str, list[dict[str, Any]]] = {}
    for key, member, period in s.exec(
        select(ActivityRow.key, ActivityRow.member, ActivityRow.period)
        .where(ActivityRow.plan_id == plan.id, col(ActivityRow.series_id).isnot(None), ActivityRow.in_plan)
        .order_by(col(ActivityRow.id))
    ):
        items.setdefault(parent_of(key) or key, []).append(
            {"key": key, "member": member, "period": period, "status": status[key].status}
        )
    tallies = {x.parent: x for x in tally((k, v.status) for k, v in status.items())}
    return [
        {"key": key, "title": short_title(row.text), "tally": tallies.get(key), "items": items.get(key, [])}
        for key, row in series.items()
    ]


def unit_rates(s: Session, plan: PlanRow, today: date) -> list[dict[str, Any]]:
    """Per lead unit, over every phase: the review report's totals (models/services/reviews.py), their on-time rate, and the
    activities past their due date that were never reported."""
    names = unit_names(s)
    totals: dict[str, list[int]] = {}
    overdue: Counter[str] = Counter()
    numbers = s.exec(
        select(col(PhaseRow.number)).where(col(PhaseRow.plan_id) == plan.id).order_by(col(PhaseRow.number))
    ).all()
    for n in numbers:
        report = build_report(s, plan.code, n, today)
        for u in report.units:
            acc = totals.setdefault(u.unit, [0] * 6)
            for i, count in enumerate(
                (u.activities, u.accepted, u.reported_on_time, u.reported_late, u.not_reported, u.cancelled)
            ):
                acc[i] += count
        for line in report.activities:
            if line.reported is None and not line.completed and line.due < today:
                for lead in line.leads:
                    overdue[lead] += 1
    out = []
    for code, v in sorted(totals.items()):
        activities, accepted, on_time, late, not_reported, cancelled = v
        unit = UnitTotals(
            code, names.get(code, code), activities, accepted, on_time, late, not_reported, cancelled, overdue[code]
        )
        out.append(
            {
                "unit": code,
                "name": unit.name,
                "totals": unit,
                "rate": unit.on_time_rate,
                "overdue": overdue[code],
                "bar": rate_svg(unit.on_time_rate),
            }
        )
    return out


def queue(s: Session, plan: PlanRow, today: date | None = None) -> list[dict[str, Any]]:
    """Activities reported and waiting for the coordinator, oldest report first, with that report and the facts
    allowed_actions() decides the board's buttons on (a fixed number of queries, however long the queue); each
    judged against its due date in force ``today`` (None: the latest approved)."""
    acts = s.exec(
        select(ActivityRow).where(ActivityRow.plan_id == plan.id, ActivityRow.in_plan, ActivityRow.state == "reported")
    ).all()
    latest: dict[int, EvidenceRow] = {}
    for ev in s.exec(
        select(EvidenceRow)
        .where(
            col(EvidenceRow.activity_id).in_([a.id for a in acts]),
            EvidenceRow.kind == "report",
        )
        .order_by(col(EvidenceRow.id))
    ):
        latest[ev.activity_id] = ev
    facts = activities_facts(s, plan, acts)
    step_ids = [ev.transition_id for ev in latest.values() if ev.transition_id]
    steps: dict[int | None, TransitionRow] = {  # by the report's step (None: a report recorded without one)
        t.id: t for t in s.exec(select(TransitionRow).where(col(TransitionRow.id).in_(step_ids)))
    }
    approved = approved_extensions(s, plan.id)
    out = []
    for a in acts:
        due = due_on(a, approved, today)  # in force today, as every live view judges
        report = latest.get(a.id)
        step = steps.get(report.transition_id) if report else None
        day = step.effective_day if step and step.effective_day else (report.at.date() if report else None)
        out.append(
            {
                "key": a.key,
                "title": short_title(a.text, 100),
                "text": a.text.strip(),
                "end": due,
                "report": report,
                "planned_end": a.window_end if due != a.window_end else None,
                "day": day,
                "on_time": on_time(day, due),
                "backdated": backdated(step.at, step.effective_day, step.letter_ref) if step else None,
                "facts": facts[a.id],
            }
        )
    return sorted(out, key=lambda r: (r["day"] or date.max, r["key"]))


def reviews(s: Session, plan: PlanRow, today: date) -> list[dict[str, Any]]:
    """Each phase's review: held (with its report files) or not, and why it may not be held yet (check_review)."""
    held = {r.phase_number: r for r in s.exec(select(ReviewRow).where(ReviewRow.plan_id == plan.id))}
    out = []
    for p in s.exec(select(PhaseRow).where(col(PhaseRow.plan_id) == plan.id).order_by(col(PhaseRow.number))):
        if not p.review_kind:
            continue
        row = held.get(p.number)
        reason = None
        if row is None or row.state != "held":
            try:
                check_review(s, plan.code, p.number, today)
            except ReviewRefused as exc:
                reason = str(exc)
        out.append(
            {
                "phase": p.number,
                "name": p.name,
                "kind": p.review_kind,
                "title": p.review_title or p.name,
                "row": row,
                "reason": reason,
                "files": [f for f in REPORT_FORMATS if row and _report_path(row, f)],
            }
        )
    return out


REPORT_FORMATS = ("docx", "pdf", "md")


def _report_path(row: ReviewRow, fmt: str) -> Path | None:
    """A review's report file: Word and Markdown as recorded, the PDF filed beside the Word document."""
    value = row.report_markdown if fmt == "md" else row.report_docx
    if value and fmt == "pdf":
        value = str(Path(value).with_suffix(".pdf"))
    if not value:
        return None
    path = Path(value).resolve()
    root = get_settings().reports.resolve()
    return path if root in path.parents and path.is_file() else None


def review_file(s: Session, plan: PlanRow, phase: int, fmt: str) -> Path:
    row = s.exec(select(ReviewRow).where(ReviewRow.plan_id == plan.id, ReviewRow.phase_number == phase)).first()
    path = _report_path(row, fmt) if row and fmt in REPORT_FORMATS else None
    if path is None:
        raise PortalError(404, t("web.not_found"))
    return path


def timeline(s: Session, plan: PlanRow, today: date, lang: str, prefix: str = "") -> str:
    """The Gantt of every activity's window, by phase, as SVG."""
    data = plan_as_dict(s, plan.code, today)
    labels = state_labels(lang)
    status = activity_statuses(s, plan, today)
    bands = []
    for p in data["phases"]:
        bars = tuple(
            Bar(
                a["id"],
                short_title(a["title"], 80),
                date.fromisoformat(a["window"]["start"]),
                date.fromisoformat(a["due"]),
                a["state"],
                labels.get(a["state"], a["state"]),
                f"{prefix}/activities/{a['id']}",
                ", ".join(a["lead"]) or "—",
                status_words(status[a["id"]], lang) + _beside(a, lang),
                COLOURS[status[a["id"]].status],
            )
            for a in p["activities"]
        )
        bands.append(Band(p["name"], date.fromisoformat(p["start"]), date.fromisoformat(p["end"]), bars))
    return timeline_svg(
        bands,
        today,
        today_label=t("web.today_line", lang, date=today.strftime("%d/%m/%Y")),
        label=t("web.timeline.title", lang),
        lang=lang,
    )


def _beside(a: dict[str, Any], lang: str) -> str:
    """' · 28/02/2015 (extended; planned 31/12/2014)' for an extended activity of plan_as_dict, else ''."""
    if a["due"] == a["window"]["end"]:
        return ""
    return " · " + t(
        "extension.due_beside",
        lang,
        due=date.fromisoformat(a["due"]).strftime("%d/%m/%Y"),
        planned=date.fromisoformat(a["window"]["end"]).strftime("%d/%m/%Y"),
    )


def backdated(at: Any, day: date | None, letter: str | None) -> str | None:
    """ "recorded on …, counts from … (letter …)" for a step the coordinator back-dated from a late letter."""
    if not letter or day is None:
        return None
    return marked(at.astimezone(VN).date(), day, letter)


def local_time(value: Any) -> str:
    """A stored (UTC) timestamp in Asia/Ho_Chi_Minh, as Vietnamese documents write it."""
    if value is None:
        return ""
    return value.astimezone(VN).strftime("%d/%m/%Y %H:%M")


# ------------------------------------------------------------------------------------------------ before acting


def named(s: Session, codes: Any) -> str:
    """Units by their full names, the code in brackets: "Văn phòng Bộ (VPB), Tổng cục Dân số (T5G)"."""
    names = unit_names(s)
    return ", ".join(f"{names[c]} ({c})" if names.get(c, c) != c else c for c in dict.fromkeys(codes))


def review_preview(s: Session, plan: PlanRow, phase: PhaseRow, today: date) -> dict[str, Any]:
    """What holding ``phase``'s review today would do: the report's own figures (build_report) and who receives it."""
    report = build_report(s, plan.code, phase.number, today)
    return {
        "title": phase.review_title or phase.name,
        "total": len(report.activities),
        "open": list(report.not_completed),
        "to": named(s, list(review_recipients(s, plan, today))),
    }


def cancel_preview(s: Session, page: ActivityPage) -> str:
    """Who is told when the activity is cancelled (coordinator_decides tells its leads and partners, else the
    coordinator)."""
    return named(s, page.leads + page.partners or (page.plan.focal_unit,))
