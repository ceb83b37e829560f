"""The demo: 3723/QĐ-BYT replayed from its signature to the end of 2015, a working week at a time.

Units report a fixed, believable subset of activities (on time, late, one returned and re-reported, one never);
the phase, reporting and review flows run as of each date, exactly as a daily schedule would run them.
"""

from __future__ import annotations

import shutil
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import func
from sqlmodel import Session, col, select

from cchc_flow.flows.running.runtime import run_series
from cchc_flow.models.notify.notices import portal_link
from cchc_flow.models.rules.calendar import working_day_on_or_after
from cchc_flow.models.rules.plan import read_directory, read_plan
from cchc_flow.models.services.actions import add_note, coordinator_decides, report_done
from cchc_flow.models.services.auth import authenticate, issue_token
from cchc_flow.models.services.explanations import ask_explanation, give_explanation
from cchc_flow.models.services.extensions import decide_extension, request_extension
from cchc_flow.models.services.loading import load_plan
from cchc_flow.models.services.periodic import submit_report
from cchc_flow.models.services.reassignment import codes, reassign
from cchc_flow.models.services.score_report import unit_scores
from cchc_flow.models.store.db import session
from cchc_flow.models.store.queries import get_plan
from cchc_flow.models.store.tables import (
    ActivityRow,
    NotificationRow,
    PhaseRow,
    ReviewRow,
    SubmissionRow,
    TransitionRow,
)
from cchc_flow.settings import CONFIG_DIR, DEFAULT_NOTIFY, Settings, build_settings, get_settings, use_settings

PLAN = "byt-3723-2013-2015"
START, END = date(2013, 9, 25), date(2015, 12, 31)
COORDINATOR = "VPB"


@dataclass(frozen=True)
class Step:
    """One scripted action: on ``day``, ``kind`` for ``activity`` (or a periodic report) by ``unit``."""

    day: date
    kind: str  # done | accept | return | note | submit | review | extend | approve_extension | refuse_extension
    # | reassign | ask_explanation | explain
    target: str  # activity id, period label, or phase number for a review
    unit: str = COORDINATOR
    text: str = ""


def d(s: str) -> date:
    return date.fromisoformat(s)


SCRIPT: tuple[Step, ...] = (
    Step(
        d("2014-03-14"),
        "done",
        "1.1.1",
        "VPB",
        "Đã tổ chức 2 lớp tập huấn CCHC, ISO, văn hóa công sở (312 lượt cán bộ)",
    ),
    Step(d("2014-03-20"), "accept", "1.1.1"),
    Step(d("2014-06-05"), "done", "1.2.1", "VPDU", "Đảng ủy Bộ ban hành văn bản chỉ đạo; 2 hội thảo góp ý và phổ biến"),
    Step(d("2014-06-10"), "accept", "1.2.1"),
    Step(
        d("2014-07-02"),
        "note",
        "1.1.2",
        "TCCB",
        "Vụ TCCB đã cung cấp nội dung về cải cách tổ chức bộ máy cho các bài viết",
    ),
    Step(
        d("2014-08-08"),
        "done",
        "1.5.1",
        "T5G",
        "Đã đăng 6 bài trên Báo Nhân dân, Lao động, SK&ĐS, GĐ&XH và Cổng TTĐT Bộ Y tế",
    ),
    Step(d("2014-08-12"), "accept", "1.5.1"),
    Step(
        d("2014-09-30"),
        "done",
        "1.3.1",
        "VPB",
        "Chuyên mục tiếp nhận, phản hồi ý kiến về CCHC đã vận hành trên Cổng TTĐT",
    ),
    Step(d("2014-10-03"), "accept", "1.3.1"),
    Step(
        d("2014-10-10"),
        "done",
        "1.4.1",
        "SKDS",
        "Cuộc thi viết về ISO 9001:2008: 148 bài dự thi, lễ trao giải 08/10/2014",
    ),
    Step(d("2014-10-15"), "accept", "1.4.1"),
    Step(d("2014-11-14"), "done", "2.3.1", "TCCB", "Hội thảo giám sát tiến trình CCHC ngày 12/11/2014, 95 đại biểu"),
    Step(d("2014-11-18"), "accept", "2.3.1"),
    Step(d("2014-11-20"), "done", "1.1.2", "T5G", "Đã phát 4 phóng sự trên VTV1 và TTXVN; 12 bài trên Cổng TTĐT"),
    Step(d("2014-11-25"), "return", "1.1.2", text="Thiếu minh chứng phát sóng (lịch phát sóng, đường dẫn bài viết)"),
    Step(d("2014-12-05"), "done", "2.5.1", "T5G", "Đã đăng 5 bài về cấp phép trực tuyến trên Cổng TTĐT và Báo SKĐS"),
    Step(d("2014-12-09"), "accept", "2.5.1"),
    Step(d("2014-12-15"), "extend", "1.4.2", "T5G", "2015-03-31|Chờ bố trí kinh phí tổ chức hội thảo"),
    Step(d("2014-12-17"), "refuse_extension", "1.4.2", text="Hội thảo phải tổ chức trong giai đoạn I"),
    Step(d("2014-12-22"), "extend", "2.2.1", "GDXH", "2015-01-31|Chờ lịch tọa đàm của khách mời"),
    Step(d("2014-12-24"), "approve_extension", "2.2.1", text="Đồng ý gia hạn đến 31/01/2015"),
    Step(
        d("2014-12-10"),
        "done",
        "1.1.2",
        "T5G",
        "Bổ sung lịch phát sóng VTV1 (4 số) và danh mục 12 bài viết có đường dẫn",
    ),
    Step(d("2014-12-15"), "accept", "1.1.2"),
    Step(
        d("2015-01-06"),
        "ask_explanation",
        "1.4.2",
        "T5G",
        "2015-01-16|Đề nghị giải trình lý do chưa tổ chức hội thảo biểu dương ISO",
    ),
    Step(d("2015-01-12"), "explain", "1.4.2", "T5G", "Chưa bố trí được kinh phí; dự kiến tổ chức trong quý I/2015"),
    Step(
        d("2015-01-09"), "done", "2.2.1", "GDXH", "Tọa đàm về sự hài lòng của người dân ngày 06/01/2015 và 3 bài viết"
    ),
    Step(d("2015-01-14"), "accept", "2.2.1"),
    Step(
        d("2015-01-15"),
        "done",
        "1.3.2",
        "VPB",
        "Quy chế sửa đổi ban hành kèm Quyết định của Bộ trưởng; tổ tiếp nhận đã thành lập",
    ),
    Step(d("2015-01-20"), "accept", "1.3.2"),
    Step(
        d("2015-01-23"),
        "done",
        "1.6.1",
        "VPB",
        "Hội thảo sơ kết giai đoạn I ngày 22/01/2015; phóng sự phát trên VTV1, VOV",
    ),
    Step(d("2015-01-26"), "accept", "1.6.1"),
    Step(d("2015-01-26"), "review", "1"),
    Step(d("2015-03-02"), "reassign", "2.4.1", text="VPB,T5G|Bổ sung T5G đồng chủ trì cập nhật ý kiến trên Cổng TTĐT"),
    Step(d("2015-04-10"), "done", "2.1.1", "VPB", "Hội thảo tập huấn 6 nhiệm vụ trọng tâm CCHC ngày 08/04/2015"),
    Step(d("2015-04-14"), "accept", "2.1.1"),
    Step(d("2015-06-19"), "done", "2.1.3", "SKDS", "Chuyên mục 'Điển hình CCHC' trên Báo SKĐS: 14 bài"),
    Step(d("2015-06-23"), "accept", "2.1.3"),
    Step(d("2015-09-18"), "done", "2.1.2", "T5G", "Tọa đàm trên VTV1 ngày 15/09/2015; 20 tin, bài, ảnh"),
    Step(d("2015-09-22"), "accept", "2.1.2"),
    Step(d("2015-11-30"), "done", "2.4.1", "VPB", "Cập nhật đều đặn 214 ý kiến, kiến nghị và phản hồi trên Cổng TTĐT"),
    Step(d("2015-12-02"), "accept", "2.4.1"),
    Step(d("2015-12-21"), "review", "2"),
)
# 1.4.2 (VPB, T5G) is never reported: it goes overdue and is escalated to the leadership.

# periodic reports: (period, unit, day submitted); VCL and VPDU miss some, T5G is late once
SUBMISSIONS: tuple[tuple[str, str, date], ...] = tuple(
    (period, unit, due - timedelta(days=lag))
    for period, due in (
        ("2013", d("2013-12-15")),
        ("2014-H1", d("2014-06-15")),
        ("2014", d("2014-12-15")),
        ("2015-H1", d("2015-06-15")),
        ("2015", d("2015-12-15")),
    )
    for unit, lag in (
        ("TCCB", 5),
        ("TTKT", 3),
        ("SKDS", 4),
        ("GDXH", 6),
        ("T5G", -2 if period == "2014" else 1),
        ("VPDU", 2 if period in ("2013", "2015") else None),
        ("VCL", 1 if period == "2015" else None),
    )
    if lag is not None
)


def steps_between(start: date, end: date) -> list[date]:
    """The signature day, then the first working day of every week, to ``end``."""
    days = [start]
    monday = start + timedelta(days=7 - start.weekday())
    while monday <= end:
        days.append(working_day_on_or_after(monday))
        monday += timedelta(days=7)
    return days


@dataclass
class DemoResult:
    settings: Settings  # the replay's own home, database and routes
    home: Path
    steps: int
    flow_runs: Counter = field(default_factory=Counter)
    reviews: dict[int, str] = field(default_factory=dict)
    coordinator_token: str = ""  # the demo coordinator's token (VPB): the portal and `cchc token issue` take it
    coordinator: str = COORDINATOR
    unit: str = "T5G"  # the unit whose sign-in link the summary gives
    end: date = END  # the replay's last day: the portal's --as-of


def demo_settings(home: Path | None = None, database_url: str | None = None) -> Settings:
    """The demo's settings: its own home (default: demo/ in the configured one), its SQLite database there (or the
    empty one at ``database_url``) and the local outbox; the rest as configured."""
    home = home or get_settings().home / "demo"
    return build_settings(
        home=home, database_url=database_url or f"sqlite:///{home / 'cchc.db'}", notify_config=DEFAULT_NOTIFY
    )


def prepare_home(home: Path) -> None:
    """A fresh demo home, nothing of the user's touched."""
    if home.exists():
        shutil.rmtree(home)
    home.mkdir(parents=True, mode=0o700)


def evidence_file(home: Path, step: Step) -> Path:
    """A small evidence document for a report (a unit would attach its minutes or links)."""
    path = home / "evidence" / f"{step.target}-{step.day.isoformat()}.txt"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(f"Hoạt động {step.target} — {step.unit}\n{step.text}\n", encoding="utf-8")
    return path


def run_demo(settings: Settings, advance: Callable[[date], None] | None = None) -> DemoResult:
    """Replay the plan on ``settings`` (demo_settings(): its home is emptied first); ``advance`` is called with each
    step's date (for a progress bar). Its flow runs are one series: Prefect's settings set once, and on the ephemeral
    API one wait for the server's records, at the end (flows/running/runtime.py)."""
    with use_settings(settings), run_series():
        return _replay(settings, advance)


def _replay(settings: Settings, advance: Callable[[date], None] | None) -> DemoResult:
    # deferred: the flows bring Prefect and Apprise, which the other commands do without
    from cchc_flow.flows.delivery import deliver_now
    from cchc_flow.flows.phase import phase_has_work, run_phase
    from cchc_flow.flows.reporting import reporting_has_work, run_reporting
    from cchc_flow.flows.review import run_review

    home = settings.home
    prepare_home(home)
    directory = read_directory(CONFIG_DIR / "units.yaml")
    plan, _ = read_plan(CONFIG_DIR / "plans" / f"{PLAN}.yaml", directory)
    with session() as s:
        load_plan(s, plan, directory, stated_name="demo")
    officers, tokens = (
        demo_principals()
    )  # each unit acts with its own token, as a real officer would, on the replay's day
    days = steps_between(START, END)
    result = DemoResult(settings, home, len(days), coordinator_token=tokens[COORDINATOR])
    pending = sorted(SCRIPT, key=lambda s: s.day)
    submissions = sorted(SUBMISSIONS, key=lambda x: x[2])
    for day in days:
        while submissions and submissions[0][2] <= day:
            period, unit, on = submissions.pop(0)
            with session() as s:
                plan_id, p, _ = submit_report(
                    s,
                    principal=officers[unit],
                    plan_code=PLAN,
                    unit=unit,
                    period=period,
                    file=evidence_file(home, Step(on, "submit", period, unit, period)),
                    today=on,
                )
            deliver_now(plan_id, (p.to,), on)
        while pending and pending[0].day <= day:
            step = pending.pop(0)
            if step.kind == "review":
                outcome = run_review(PLAN, int(step.target), step.day.isoformat())
                result.reviews[int(step.target)] = outcome.docx
                result.flow_runs["review"] += 1
                continue
            with session() as s:
                if step.kind == "done":
                    r = report_done(
                        s,
                        principal=officers[step.unit],
                        plan_code=PLAN,
                        key=step.target,
                        unit=step.unit,
                        evidence=step.text,
                        attachments=[evidence_file(home, step)],
                        today=step.day,
                    )
                elif step.kind in EXTENSION_STEPS:
                    r = extension_step(s, officers, step)
                elif step.kind == "ask_explanation":
                    by, question = step.text.split("|", 1)
                    r = ask_explanation(
                        s,
                        principal=officers[COORDINATOR],
                        plan_code=PLAN,
                        key=step.target,
                        unit=step.unit,
                        by=d(by),
                        question=question,
                        today=step.day,
                    )
                elif step.kind == "explain":
                    r = give_explanation(
                        s,
                        principal=officers[step.unit],
                        plan_code=PLAN,
                        key=step.target,
                        unit=step.unit,
                        text=step.text,
                        today=step.day,
                    )
                elif step.kind == "reassign":
                    leads, reason = step.text.split("|", 1)
                    r = reassign(
                        s,
                        principal=officers[COORDINATOR],
                        plan_code=PLAN,
                        key=step.target,
                        leads=codes(leads),
                        reason=reason,
                        by=COORDINATOR,
                        today=step.day,
                    )
                elif step.kind == "note":
                    r = add_note(
                        s,
                        principal=officers[step.unit],
                        plan_code=PLAN,
                        key=step.target,
                        unit=step.unit,
                        text=step.text,
                        today=step.day,
                    )
                else:
                    r = coordinator_decides(
                        s,
                        principal=officers[COORDINATOR],
                        plan_code=PLAN,
                        key=step.target,
                        event=step.kind,
                        by=COORDINATOR,
                        note=step.text or None,
                        today=step.day,
                    )
            deliver_now(r.plan_id, r.notified, step.day)
        # a daily schedule runs every flow every day; a run with nothing to do changes nothing, so it is skipped
        for phase in (1, 2):
            if phase_has_work(PLAN, phase, day):
                run_phase(PLAN, phase, day.isoformat())
                result.flow_runs["phase"] += 1
        if reporting_has_work(PLAN, day):
            run_reporting(PLAN, day.isoformat())
            result.flow_runs["reporting"] += 1
        if advance:
            advance(day)
    return result


EXTENSION_STEPS = ("extend", "approve_extension", "refuse_extension")


def extension_step(s: Session, officers: dict, step: Step) -> Any:
    """A lead unit asks for a later due date ("DATE|reason"), or the coordinator approves or refuses it."""
    if step.kind == "extend":
        until, reason = step.text.split("|", 1)
        return request_extension(
            s,
            principal=officers[step.unit],
            plan_code=PLAN,
            key=step.target,
            unit=step.unit,
            until=d(until),
            reason=reason,
            today=step.day,
        )
    return decide_extension(
        s,
        principal=officers[COORDINATOR],
        plan_code=PLAN,
        key=step.target,
        approve=step.kind == "approve_extension",
        note=step.text,
        by=COORDINATOR,
        today=step.day,
    )


def demo_principals() -> tuple[dict, dict[str, str]]:
    """Tokens for the demo's fresh database: the coordinator's (VPB) and one per unit that acts; their principals,
    and the tokens themselves by unit."""
    units = {s.unit for s in SCRIPT} | {unit for _, unit, _ in SUBMISSIONS}
    out, tokens = {}, {}
    with session() as s:
        for unit in sorted(units | {COORDINATOR}):
            role = "coordinator" if unit == COORDINATOR else "unit"
            _, tokens[unit] = issue_token(s, role, unit, label="demo")
            out[unit] = authenticate(s, tokens[unit])
            s.rollback()
    return out, tokens


def portal_access(result: DemoResult) -> dict[str, str]:
    """How to look at the replay in the portal: the command (on the demo's own home and database), the
    coordinator's token, and a unit's personal sign-in link (signed with the demo home's key)."""
    database = result.settings.database_shown  # the replay's own
    with use_settings(result.settings):
        link = portal_link(result.unit, ()) or ""
    return {
        "serve": f"CCHC_HOME={result.home} CCHC_DATABASE_URL={database} cchc serve --as-of {result.end.isoformat()}",
        "coordinator": result.coordinator,
        "coordinator_token": result.coordinator_token,
        "unit": result.unit,
        "unit_link": link,
    }


def summary(settings: Settings, plan_code: str = PLAN, as_of: date = END) -> dict:
    """Where the plan ended, read from the replay's database: states per phase, reviews, notifications, reports, and
    the recurring and per-unit activities counted over their items."""
    with use_settings(settings):
        return _summary(settings, plan_code, as_of)


def _summary(settings: Settings, plan_code: str, as_of: date) -> dict:
    with session() as s:
        plan = get_plan(s, plan_code)
        phases = {}
        for phase in s.exec(select(PhaseRow).where(col(PhaseRow.plan_id) == plan.id).order_by(col(PhaseRow.number))):
            states = Counter(s.exec(select(ActivityRow.state).where(ActivityRow.phase_id == phase.id)).all())
            phases[phase.number] = {"name": phase.name, "states": dict(sorted(states.items()))}
        reviews = {
            r.phase_number: {
                "kind": r.kind,
                "state": r.state,
                "held_on": str(r.held_on),
                "docx": r.report_docx,
                "markdown": r.report_markdown,
            }
            for r in s.exec(select(ReviewRow).where(ReviewRow.plan_id == plan.id))
        }
        notices = dict(
            s.exec(
                select(NotificationRow.status, func.count())
                .where(NotificationRow.plan_id == plan.id)
                .group_by(NotificationRow.status)
            ).all()
        )
        steps = s.exec(select(func.count()).select_from(TransitionRow).where(TransitionRow.plan_id == plan.id)).one()
        reports = s.exec(select(func.count()).select_from(SubmissionRow).where(SubmissionRow.plan_id == plan.id)).one()
        ranking = [
            {"rank": x.rank, "unit": x.unit, "score": x.score, "completion": x.completion, "punctuality": x.punctuality}
            for x in unit_scores(s, plan_code, as_of)[0]
        ]
        from cchc_flow.models.rules.series_tally import tally
        from cchc_flow.models.store.queries import activity_statuses

        series = [
            {
                "activity": x.parent,
                "items": x.items,
                "done": x.done,
                "on_time": x.ratio,
                "late": x.late,
                "missed": list(x.missed),
            }
            for x in tally((k, v.status) for k, v in activity_statuses(s, plan, as_of).items())
        ]
    return {
        "plan": plan.number,
        "phases": phases,
        "reviews": reviews,
        "notifications": notices,
        "transitions": steps,
        "periodic_reports": reports,
        "outbox": str(settings.outbox),
        "outbox_files": len(list(settings.outbox.glob("*.json"))) if settings.outbox.exists() else 0,
        "reports": str(settings.reports),
        "scores": ranking,
        **({"series": series} if series else {}),  # the reference plan has none: its summary is unchanged
    }
