"""The review flow: hold a phase's review (sơ kết / tổng kết) once it may be held, file its report, tell leadership."""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import date
from pathlib import Path

from prefect import flow, tags, task
from prefect.artifacts import create_markdown_artifact
from prefect.cache_policies import NO_CACHE
from prefect.context import FlowRunContext
from sqlmodel import Session, select

from cchc_flow.flows.phase import deliver_pending
from cchc_flow.flows.running.naming import REVIEW, review_label, review_run_name
from cchc_flow.flows.running.runtime import quiet_prefect, settle
from cchc_flow.models.notify.notices import enqueue
from cchc_flow.models.reports.review_docx import write_docx
from cchc_flow.models.reports.review_pdf import find_font, write_pdf
from cchc_flow.models.reports.review_render import render_markdown
from cchc_flow.models.rules.calendar import run_day as resolve_today
from cchc_flow.models.rules.due import Message, Notice
from cchc_flow.models.rules.lifecycle import FINAL, ReviewState, State
from cchc_flow.models.rules.messages import t
from cchc_flow.models.services.activities import Change, apply_changes
from cchc_flow.models.services.reconcile import SYSTEM_ACTOR
from cchc_flow.models.services.reviews import build_report, check_review, review_recipients
from cchc_flow.models.store.anchors import anchor_lines
from cchc_flow.models.store.db import session, write_transaction
from cchc_flow.models.store.history import record
from cchc_flow.models.store.queries import get_plan
from cchc_flow.models.store.tables import ActivityRow, EvidenceRow, ReviewRow
from cchc_flow.settings import get_settings


@dataclass
class ReviewOutcome:
    plan: str
    phase: int
    kind: str
    title: str
    held_on: str
    markdown: str
    docx: str
    pdf: str
    not_completed: list[str]
    flow_run_id: str | None


def report_paths(plan: str, phase: int, kind: str) -> tuple[Path, Path, Path]:
    """Where a review's report is filed: CCHC_HOME/reports/<plan>/<so-ket|tong-ket>-giai-doan-<n>.{md,docx,pdf}."""
    stem = {"preliminary": "so-ket", "final": "tong-ket"}.get(kind, kind)
    base = get_settings().reports / plan / f"{stem}-giai-doan-{phase}"
    return base.with_suffix(".md"), base.with_suffix(".docx"), base.with_suffix(".pdf")


def complete_review_activity(
    s: Session, plan_id: int, key: str | None, coordinator: str, title: str, report_name: str, today: date
) -> None:
    """Holding the review is doing its activity: recorded as reported and accepted on the day, by the flow."""
    act = s.exec(select(ActivityRow).where(ActivityRow.plan_id == plan_id, ActivityRow.key == key)).first()
    if act is None or not act.in_plan or act.state in FINAL:
        return
    events = (
        (("assign",) if act.state == State.PLANNED else ())
        + (("report",) if act.state != State.REPORTED else ())
        + ("accept",)
    )
    note = t("review.activity_done", title=title, date=today.strftime("%d/%m/%Y"), file=report_name)
    steps = apply_changes(s, [Change(act, events)], actor=SYSTEM_ACTOR, source="flow", note=note, on=today)
    report = next(step for step in steps if step["event"] == "report") if "report" in events else None
    if report is not None:
        s.add(
            EvidenceRow(
                plan_id=plan_id,
                activity_id=act.id,
                unit_code=coordinator,
                kind="report",
                text=note,
                attachments=[],
                actor=SYSTEM_ACTOR,
                transition_id=report["id"],
            )
        )


@task(name="hold-review", task_run_name="{plan} review {phase}", cache_policy=NO_CACHE)
def hold_review(plan: str, phase: int, today: date, flow_run_id: str | None) -> ReviewOutcome:
    """Record the review open → held, write its report (Markdown and Word) and queue it for leadership."""
    with session() as s, write_transaction(s):
        phase_row, kind = check_review(s, plan, phase, today)
        plan_row = get_plan(s, plan)
        key = f"phase-{phase}"
        row = s.exec(select(ReviewRow).where(ReviewRow.plan_id == plan_row.id, ReviewRow.phase_number == phase)).first()
        if row is None:
            row = ReviewRow(plan_id=plan_row.id, phase_number=phase, kind=kind, state=ReviewState.OPEN)
            s.add(row)
            record(
                s,
                plan_id=plan_row.id,
                entity="review",
                key=key,
                event="open",
                to_state=ReviewState.OPEN,
                actor=SYSTEM_ACTOR,
                source="flow",
                note=phase_row.review_title,
                on=today,
            )
        find_font()  # no PDF without a font for Vietnamese: said before anything is recorded
        md_path, docx_path, pdf_path = report_paths(plan, phase, kind)
        complete_review_activity(
            s,
            plan_row.id,
            phase_row.review_activity,
            plan_row.focal_unit,
            phase_row.review_title or phase_row.name,
            docx_path.name,
            today,
        )
        report = replace(build_report(s, plan, phase, today), anchors=tuple(anchor_lines(s, plan_row.id, plan)))
        markdown = render_markdown(report)
        md_path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
        md_path.write_text(markdown, encoding="utf-8")
        md_path.chmod(0o600)
        write_docx(report, docx_path)
        write_pdf(report, pdf_path)
        row.state, row.held_on, row.flow_run_id = ReviewState.HELD, today, flow_run_id
        row.report_markdown, row.report_docx = str(md_path), str(docx_path)
        record(
            s,
            plan_id=plan_row.id,
            entity="review",
            key=key,
            event="hold",
            from_state=ReviewState.OPEN,
            to_state=ReviewState.HELD,
            actor=SYSTEM_ACTOR,
            source="flow",
            note=str(docx_path.name),
            on=today,
        )
        accepted = sum(1 for a in report.activities if a.state == "accepted")
        details = {
            "phase": phase_row.name,
            "title": report.title,
            "start": phase_row.window_start.isoformat(),
            "end": phase_row.window_end.isoformat(),
            "leads": [],
            "files": f"{docx_path.name}, {pdf_path.name}",
            "attach": [str(docx_path), str(pdf_path)],
            "summary": t(
                "review.summary_line", accepted=accepted, total=len(report.activities), open=len(report.not_completed)
            ),
        }
        recipients = review_recipients(s, plan_row, today)
        enqueue(
            s,
            plan_id=plan_row.id,
            plan_code=plan,
            entity="review",
            entity_key=key,
            messages=[Message(Notice.REVIEW, u, role, 0) for u, role in recipients.items()],
            as_of=today,
            details=details,
            flow_run_id=flow_run_id,
        )
    return ReviewOutcome(
        plan,
        phase,
        kind,
        report.title,
        today.isoformat(),
        str(md_path),
        str(docx_path),
        str(pdf_path),
        list(report.not_completed),
        flow_run_id,
    )


@flow(name=REVIEW, flow_run_name=review_run_name, persist_result=False)
def review_flow(plan: str, phase: int, as_of: str | None = None) -> ReviewOutcome:
    """Hold the phase's review as of ``as_of`` (refused, with the reason, while it may not be held)."""
    today = resolve_today(as_of)
    ctx = FlowRunContext.get()
    run_id = str(ctx.flow_run.id) if ctx and ctx.flow_run else None
    outcome = hold_review(plan, phase, today, run_id)
    create_markdown_artifact(
        key=f"{plan}-review-{phase}"[:100],
        markdown=Path(outcome.markdown).read_text("utf-8"),
        description=outcome.title,
    )
    with session() as s:
        deliver_pending(get_plan(s, plan).id, today)
    return outcome


def run_review(plan: str, phase: int, as_of: str | None = None) -> ReviewOutcome:
    """Check that the review may be held and its PDF written (check_review_now), then run the review flow in this
    process, its run named and tagged with the review's title."""

    check_review_now(plan, phase, as_of)
    with quiet_prefect():
        with tags(*review_label(plan, phase).tags):
            outcome = review_flow(plan=plan, phase=phase, as_of=as_of)
        settle(outcome.flow_run_id)
    return outcome


def check_review_now(plan: str, phase: int, as_of: str | None = None) -> None:
    """Raise ReviewRefused (or UnknownPlan) when the review may not be held as of ``as_of``, FontMissing when its
    PDF cannot be written."""
    with session() as s:
        check_review(s, plan, phase, resolve_today(as_of))
    find_font()
