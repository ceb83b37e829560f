"""The `cchc` command line: one entry point for coordinators, unit officers and auditors."""

from __future__ import annotations

import getpass
import json
import os
import sys
from datetime import date
from pathlib import Path
from typing import Annotated, Any, NoReturn, overload

import typer
from rich.console import Console
from rich.markup import escape
from rich.table import Table
from rich.tree import Tree

from cchc_flow.models.rules.findings import Finding, InputError
from cchc_flow.models.rules.messages import t
from cchc_flow.settings import CONFIG_DIR, DEFAULT_UNITS, SettingsInvalid, get_settings

app = typer.Typer(
    help="cchc-flow: kế hoạch truyền thông CCHC thành công việc có theo dõi / "
    "run a CCHC communication plan as tracked work.",
    no_args_is_help=True,
)
plan_app = typer.Typer(help="Kế hoạch: kiểm tra, nạp, xem / plans: check, load, show.", no_args_is_help=True)
app.add_typer(plan_app, name="plan")


@app.callback()
def options(
    verbose: Annotated[
        bool, typer.Option("--verbose", help="nhật ký Prefect mức INFO / Prefect's own log lines at INFO")
    ] = False,
) -> None:
    """Before any command: arguments and CCHC_* variables that are not UTF-8 text refused; Prefect's analytics off and
    its own log lines at WARNING (INFO with --verbose), unless the user set them."""
    from cchc_flow.flows.running.runtime import prefect_defaults

    readable_input()
    usable_settings()
    prefect_defaults(verbose)


out = Console()
err = Console(stderr=True)

UnitsOpt = Annotated[Path, typer.Option("--units", help="Danh mục đơn vị / unit directory")]
FormatOpt = Annotated[str, typer.Option("--format", help="table | json")]


def readable_input() -> None:
    """Refuse arguments and CCHC_* variables that are not UTF-8 text (Python keeps their bytes as lone surrogates,
    which no database, file or terminal takes)."""
    for n, arg in enumerate(sys.argv[1:], 1):
        if not _utf8(arg):
            shown = arg.encode("utf-8", "surrogateescape").decode("utf-8", "backslashreplace")
            fail(t("cli.not_utf8_arg", n=n, shown=escape(shown)))
    for name, value in os.environ.items():
        if name.startswith("CCHC_") and not _utf8(value):
            fail(t("cli.not_utf8_env", name=name))  # the value is not shown: it may be a token


def usable_settings() -> None:
    """Refuse CCHC_* variables that cannot be used, each named with what it needs, before anything is done."""
    try:
        get_settings()
    except SettingsInvalid as exc:
        fail(escape(exc.describe(t)))


def _utf8(text: str) -> bool:
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def stated_name() -> str:
    """The name the person at the keyboard gives (CCHC_ACTOR, else the login name): recorded beside the acting
    token's principal, never as the actor. Control characters are refused."""
    from cchc_flow.models.rules.text import ControlCharacters, check_text

    name = get_settings().actor or getpass.getuser()
    try:
        return check_text(name, "CCHC_ACTOR") or ""
    except ControlCharacters as exc:
        fail(str(exc))


def fail(message: str, code: int = 2) -> NoReturn:
    err.print(f"[bold red]✗[/] {message}", highlight=False, markup=True)
    raise typer.Exit(code)


def check_routes_or_fail() -> None:
    """Refuse, before anything is recorded or sent, a routes file (CCHC_NOTIFY_CONFIG) that cannot be used."""
    from cchc_flow.models.notify.routes_file import RoutesInvalid, check_routes

    try:
        check_routes()
    except RoutesInvalid as exc:
        fail(str(exc))


def print_findings(findings: list[Finding]) -> None:
    for f in findings:
        colour = "red" if f.level == "error" else "yellow"
        label = t("errors") if f.level == "error" else t("warnings")
        err.print(f"[{colour}]{label}[/]: {f}", highlight=False, soft_wrap=True, markup=True)


def plan_file(path: Path) -> Path:
    """The plan file a user names: a path, or the code of a plan shipped with cchc-flow (byt-3723-2013-2015)."""
    shipped = CONFIG_DIR / "plans" / f"{path.name}.yaml"
    if not path.exists() and path.parent == Path() and shipped.is_file():
        return shipped
    return path


def read_checked(path: Path, units: Path):
    """Directory and plan read and checked; exits 2 with every error when they are not usable."""
    from cchc_flow.models.rules.plan import read_directory, read_plan

    path = plan_file(path)
    try:
        directory = read_directory(units)
        plan, warnings = read_plan(path, directory)
    except InputError as exc:
        print_findings(exc.findings)
        fail(t("check.failed", path=path, errors=len(exc.errors)))
    return directory, plan, warnings


@plan_app.command("check")
def plan_check(path: Path, units: UnitsOpt = DEFAULT_UNITS) -> None:
    """Kiểm tra tệp kế hoạch (lỗi: mã thoát 2) / check a plan file (errors exit 2)."""
    _, plan, warnings = read_checked(path, units)
    print_findings(warnings)
    out.print(t("check.ok", path=path, activities=len(plan.activities), warnings=len(warnings)))


@plan_app.command("load")
def plan_load(path: Path, units: UnitsOpt = DEFAULT_UNITS) -> None:
    """Nạp kế hoạch vào cơ sở dữ liệu (nạp lại không đổi gì) / load a plan (idempotent)."""
    from cchc_flow.models.services.loading import load_plan
    from cchc_flow.models.store.db import session

    directory, plan, warnings = read_checked(path, units)
    print_findings(warnings)
    with session() as s:
        result = load_plan(s, plan, directory, stated_name=stated_name())
    if result.status == "created":
        out.print(t("load.created", code=plan.code, activities=len(plan.activities)))
    elif result.status == "unchanged":
        out.print(t("load.unchanged", code=plan.code))
    else:
        out.print(t("load.amended", code=plan.code, changes=len(result.changes)))
        for c in result.changes:
            out.print(f"  • {c}", highlight=False)


@plan_app.command("import")
def plan_import(
    path: Path,
    units: UnitsOpt = DEFAULT_UNITS,
    output: Annotated[Path | None, typer.Option("--output", help="bản nháp / the draft (DRAFT.yaml)")] = None,
    code: Annotated[str | None, typer.Option("--code", help="mã kế hoạch / plan code")] = None,
) -> None:
    """Nhập phụ lục của văn bản (.docx, .pdf, .txt/.md, .doc) thành bản nháp kế hoạch; không ghi cơ sở dữ liệu
    (0: bản nháp hợp lệ, 1: cần người sửa, 2: không đọc được tệp) / import a document's appendix into a plan draft."""
    from cchc_flow.models.rules.plan import read_directory
    from cchc_flow.models.services.plan_import import ImportRefused, import_document

    try:
        directory = read_directory(units)
    except InputError as exc:
        print_findings(exc.findings)
        fail(t("check.failed", path=units, errors=len(exc.errors)))
    target = output or Path(f"{path.stem}.draft.yaml")
    try:
        result = import_document(path, directory, target, str(units), code)
    except ImportRefused as exc:
        fail(str(exc))
    except OSError as exc:
        fail(t("imp.cannot_write", path=target, detail=exc.strerror or type(exc).__name__))
    except Exception as exc:
        fail(t("imp.failed", name=path.name, detail=type(exc).__name__))
    for line in result.report:
        out.print(line, highlight=False, markup=False, soft_wrap=True)
    raise typer.Exit(result.exit_code)


def _plan_dict(code: str) -> dict:
    from cchc_flow.models.store.db import session
    from cchc_flow.models.store.queries import UnknownPlan, plan_as_dict

    with session() as s:
        try:
            return plan_as_dict(s, code)
        except UnknownPlan as exc:
            fail(str(exc))


@plan_app.command("show")
def plan_show(code: str, fmt: FormatOpt = "table") -> None:
    """Xem kế hoạch đã nạp / show a loaded plan."""
    data = _plan_dict(code)
    if fmt == "json":
        typer.echo(json.dumps(data, ensure_ascii=False, indent=2))
        return
    show_plan(data)


def show_plan(data: dict) -> None:
    """Print a plan (as plan_as_dict gives it) as a Rich tree of phases with an activity table each."""
    from cchc_flow.models.rules.plan import short_title

    info = data["plan"]
    tree = Tree(f"[bold]{info['number']}[/] — {info['title']} ({t('plan.signed')} {info['signed']})")
    for phase in data["phases"]:
        review = phase["review"]
        label = f"[bold]{phase['name']}[/] {phase['start']} → {phase['end']}"
        if review:
            label += f" · {t('plan.review')} {review['activity']}"
        node = tree.add(label)
        table = Table(show_lines=False)
        for col in ("col.id", "col.activity", "col.window", "col.lead", "col.partners", "col.state"):
            table.add_column(t(col), no_wrap=col in ("col.id", "col.window"))
        for a in phase["activities"]:
            table.add_row(
                a["id"],
                short_title(a["title"], 60),
                a["window"]["as_written"],
                ", ".join(a["lead"]) or "—",
                ", ".join(a["partners"]) or "—",
                a["state"],
            )
        node.add(table)
    out.print(tree)


phase_app = typer.Typer(help="Giai đoạn: chạy luồng Prefect / phases: run the Prefect flow.", no_args_is_help=True)
app.add_typer(phase_app, name="phase")
AsOfOpt = Annotated[str | None, typer.Option("--as-of", help="YYYY-MM-DD hoặc DD/MM/YYYY; mặc định: hôm nay")]


@overload
def as_of_value(value: str) -> str: ...
@overload
def as_of_value(value: None) -> None: ...
def as_of_value(value: str | None) -> str | None:
    """--as-of checked early: a clear error for an unreadable date, ISO text otherwise."""
    from cchc_flow.models.rules.calendar import DateError, parse_date

    if value is None:
        return None
    try:
        return parse_date(value).isoformat()
    except DateError as exc:
        fail(t("cli.bad_date", value=value, detail=str(exc)))


def run_as_of(value: str | None) -> str | None:
    """--as-of of a phase, review or reporting run: readable (as_of_value) and not too far ahead (run_day)."""
    from cchc_flow.models.rules.calendar import FutureDateError, run_day

    value = as_of_value(value)
    try:
        run_day(value)
    except FutureDateError as exc:
        fail(str(exc))
    return value


@phase_app.command("run")
def phase_run(plan: str, phase: int, as_of: AsOfOpt = None) -> None:
    """Chạy một giai đoạn tới ngày đã cho (qua work pool khi đã có máy chủ Prefect và deployment) / run one phase
    as of a date (through the work pool when a Prefect server is configured and the phase deployed)."""
    from cchc_flow.flows.running.local_api import start_local_api

    start_local_api()  # Prefect's local API comes up while this command imports and checks (unless a server is set)
    from cchc_flow.flows.phase import run_phase
    from cchc_flow.flows.running.naming import PHASE
    from cchc_flow.models.store.db import session
    from cchc_flow.models.store.queries import UnknownPlan

    as_of = run_as_of(as_of)
    check_routes_or_fail()
    try:
        with session() as s:
            from cchc_flow.models.services.activities import phase_view

            phase_view(s, plan, phase)
    except (UnknownPlan, LookupError) as exc:
        fail(str(exc))
    if launch_through_pool(PHASE, plan, phase, as_of):
        return
    summary = run_phase(plan, phase, as_of)
    show_phase_summary(summary)


def launch_through_pool(kind: str, plan: str, phase: int | None, as_of: str | None) -> bool:
    """When a Prefect server is configured and the run is deployed: run it through the work pool, print how it
    ended (exit 1 unless it completed) and return True; False: run it in this process."""
    from cchc_flow.flows.running.launch import describe, pool_deployment, run_through_pool

    if call_server(lambda: pool_deployment(kind, plan, phase)) is None:
        return False
    run = call_server(lambda: run_through_pool(kind, plan, phase, as_of))
    line, ok = describe(run, kind, plan, phase)
    (out if ok else err).print(line, highlight=False)
    from cchc_flow.models.store.history_query import run_url_maker

    url = run_url_maker()(run.flow_run_id)
    if url:
        out.print(url, highlight=False)
    if not ok:
        raise typer.Exit(1)
    return True


def show_phase_summary(summary) -> None:
    """The Rich summary printed at the end of a phase run."""
    table = Table(title=t("phase.summary", phase=summary.phase_name, date=summary.as_of))
    for col in ("col.id", "col.activity", "col.lead", "col.due", "col.state", "col.events", "col.queued"):
        table.add_column(t(col), no_wrap=col == "col.id")
    for o in summary.activities:
        table.add_row(
            o.key,
            o.title,
            ", ".join(o.leads) or "—",
            o.end,
            t(f"state.{o.state}"),
            ", ".join(t(f"event.{e}") for e in o.events),
            str(o.queued or ""),
        )
    out.print(table)
    sent = sum(d.sent for d in summary.deliveries)
    failed = [f"{d.unit}: {', '.join(d.failed_routes)}" for d in summary.deliveries if d.failed_routes]
    unrouted = [d.unit for d in summary.deliveries if d.unrouted]
    out.print(t("phase.delivered", sent=sent, units=len(summary.deliveries), pending=summary.pending))
    if summary.pending and get_settings().notify_digests == "morning":
        out.print(t("phase.held_for_digest"))
    for line in failed:
        err.print(f"[yellow]![/] {line}", highlight=False)
    if unrouted:
        err.print(f"[yellow]![/] {t('phase.unrouted', units=', '.join(unrouted))}", highlight=False)
    doubtful = [f"{d.unit} ({d.doubtful})" for d in summary.deliveries if getattr(d, "doubtful", 0)]
    if doubtful:
        err.print(f"[yellow]![/] {t('phase.doubt', units=', '.join(doubtful), plan=summary.plan)}", highlight=False)
    if summary.flow_run_id:
        out.print(t("phase.run_id", id=summary.flow_run_id))


activity_app = typer.Typer(
    help="Hoạt động: báo cáo, ghi chú, công nhận, trả lại, hủy, liệt kê / activities.", no_args_is_help=True
)
app.add_typer(activity_app, name="activity")
PlanOpt = Annotated[str | None, typer.Option("--plan", help="mã kế hoạch (khi đã nạp nhiều kế hoạch)")]
StepDayOpt = Annotated[
    str | None,
    typer.Option(
        "--as-of",
        help="người điều phối ghi một bước theo công văn đến muộn: ngày bước được tính (cần --letter) / "
        "the coordinator records a step from a late letter: the day it counts for (needs --letter)",
    ),
]
LetterOpt = Annotated[
    str | None,
    typer.Option(
        "--letter", help="số, ngày của công văn đến muộn (đi cùng --as-of) / the late letter's reference (with --as-of)"
    ),
]
AttachOpt = Annotated[list[Path] | None, typer.Option("--attach", help="tệp minh chứng (lặp lại được)")]


def late_letter(as_of: str | None, letter: str | None):
    """--as-of with --letter: the coordinator records a step from a letter that arrived late (LateLetter)."""
    from cchc_flow.models.rules.backdating import LateLetter
    from cchc_flow.models.rules.calendar import parse_date

    if as_of is None and letter is None:
        return None
    day = as_of_value(as_of)
    if day is None or not (letter or "").strip():
        fail(t("backdate.needs_both"))
    return LateLetter(parse_date(day), letter)  # type: ignore[arg-type]


def _act(
    fn,
    as_of: str | None = None,
    letter: str | None = None,
    done: str | None = None,
    **kwargs,
) -> None:
    """Run a unit or coordinator action today (or from a late letter), deliver what it queued, print the outcome
    (``done``, else the activity's new state)."""
    from cchc_flow.models.rules.calendar import today

    if as_of is not None or letter is not None:
        kwargs["letter"] = late_letter(as_of, letter)
    kwargs["today"] = today(None)
    from cchc_flow.cli.token import principal
    from cchc_flow.models.rules.lifecycle import IllegalTransition
    from cchc_flow.models.services.actions import ActionInputError, ActionRefused
    from cchc_flow.models.services.auth import AuthError
    from cchc_flow.models.store.attachments import AttachmentError
    from cchc_flow.models.store.db import session
    from cchc_flow.models.store.queries import UnknownPlan

    check_routes_or_fail()
    name = stated_name()
    try:
        with session() as s:  # who acts is the token's holder; --unit/--by only confirm it
            result = fn(s, principal=principal(s), stated_name=name, **kwargs)
    except (ActionInputError, ActionRefused, AttachmentError, AuthError, IllegalTransition, UnknownPlan) as exc:
        fail(str(exc))
    out.print(done or t("action.done", id=result.activity, state=t(f"state.{result.state}")))
    from cchc_flow.flows.delivery import deliver_now

    for problem in deliver_now(result.plan_id, result.notified, kwargs["today"]):
        err.print(f"[yellow]![/] {problem}", highlight=False)


@activity_app.command("done")
def activity_done(
    activity_id: str,
    unit: Annotated[str, typer.Option("--unit")],
    evidence: Annotated[str, typer.Option("--evidence")],
    attach: AttachOpt = None,
    plan: PlanOpt = None,
    as_of: StepDayOpt = None,
    letter: LetterOpt = None,
) -> None:
    """Đơn vị chủ trì báo cáo hoàn thành, kèm minh chứng / a lead unit reports the activity done."""
    from cchc_flow.models.services.actions import report_done

    _act(
        report_done,
        as_of,
        letter,
        plan_code=plan,
        key=activity_id,
        unit=unit,
        evidence=evidence,
        attachments=attach or [],
    )


@activity_app.command("note")
def activity_note(
    activity_id: str,
    unit: Annotated[str, typer.Option("--unit")],
    text: Annotated[str, typer.Option("--text")],
    attach: AttachOpt = None,
    plan: PlanOpt = None,
    as_of: StepDayOpt = None,
    letter: LetterOpt = None,
) -> None:
    """Đơn vị phối hợp (hoặc chủ trì) thêm ghi chú / a partner or lead adds a note."""
    from cchc_flow.models.services.actions import add_note

    _act(add_note, as_of, letter, plan_code=plan, key=activity_id, unit=unit, text=text, attachments=attach or [])


def _decide(
    event: str,
    activity_id: str,
    by: str | None,
    note: str | None,
    plan: str | None,
    as_of: str | None,
    letter: str | None,
) -> None:
    from cchc_flow.models.services.actions import coordinator_decides

    _act(coordinator_decides, as_of, letter, plan_code=plan, key=activity_id, event=event, by=by, note=note)


ByOpt = Annotated[str, typer.Option("--by", help="đơn vị đầu mối (điều phối) của kế hoạch, ví dụ VPB")]


@activity_app.command("accept")
def activity_accept(
    activity_id: str,
    by: ByOpt,
    note: Annotated[str | None, typer.Option("--note")] = None,
    plan: PlanOpt = None,
    as_of: StepDayOpt = None,
    letter: LetterOpt = None,
) -> None:
    """Đầu mối công nhận kết quả / the coordinator accepts a report."""
    _decide("accept", activity_id, by, note, plan, as_of, letter)


@activity_app.command("return")
def activity_return(
    activity_id: str,
    by: ByOpt,
    note: Annotated[str, typer.Option("--note")],
    plan: PlanOpt = None,
    as_of: StepDayOpt = None,
    letter: LetterOpt = None,
) -> None:
    """Đầu mối trả lại báo cáo, kèm lý do / the coordinator returns a report, with a note."""
    _decide("return", activity_id, by, note, plan, as_of, letter)


@activity_app.command("cancel")
def activity_cancel(
    activity_id: str,
    reason: Annotated[str, typer.Option("--reason")],
    by: Annotated[str | None, typer.Option("--by")] = None,
    plan: PlanOpt = None,
    as_of: StepDayOpt = None,
    letter: LetterOpt = None,
) -> None:
    """Đầu mối hủy hoạt động, kèm lý do / the coordinator cancels an activity, with a reason."""
    _decide("cancel", activity_id, by, reason, plan, as_of, letter)


@activity_app.command("list")
def activity_list(
    plan: str,
    unit: Annotated[str | None, typer.Option("--unit")] = None,
    state: Annotated[str | None, typer.Option("--state")] = None,
    due_before: Annotated[str | None, typer.Option("--due-before")] = None,
    as_of: AsOfOpt = None,
    fmt: FormatOpt = "table",
) -> None:
    """Việc mỗi đơn vị phải làm / what each unit owes."""
    from cchc_flow.models.rules.calendar import parse_date, today
    from cchc_flow.models.rules.lifecycle import State
    from cchc_flow.models.store.db import session
    from cchc_flow.models.store.queries import UnknownPlan, activities_owed

    if state and state not in State.__members__.values():
        fail(t("cli.bad_state", state=state, known=", ".join(State)))
    before = parse_date(as_of_value(due_before)) if due_before else None
    day = today(as_of_value(as_of))
    try:
        with session() as s:
            rows = activities_owed(
                s, plan, unit=unit.upper() if unit else None, state=state, due_before=before, today=day
            )
    except UnknownPlan as exc:
        fail(str(exc))
    if fmt == "json":
        typer.echo(json.dumps(rows, ensure_ascii=False, indent=2, default=str))
        return
    from cchc_flow.models.rules.plan import short_title

    table = Table(title=t("list.title", plan=plan, date=day.isoformat()))
    for col in ("col.id", "col.activity", "col.role", "col.lead", "col.state", "col.due", "col.days_left"):
        table.add_column(t(col), no_wrap=col in ("col.id", "col.due"))
    for r in rows:
        days = r["days_left"]
        left = t("list.overdue", days=-days) if days < 0 and r["state"] not in ("accepted", "cancelled") else str(days)
        table.add_row(
            r["id"],
            short_title(r["title"], 50),
            t(f"role.{r['role']}") if r["role"] else "",
            ", ".join(r["lead"]) or "—",
            t(f"state.{r['state']}"),
            r["end"].isoformat(),
            left,
        )
    out.print(table)


review_app = typer.Typer(help="Sơ kết, tổng kết / the phase reviews.", no_args_is_help=True)
app.add_typer(review_app, name="review")


@review_app.command("run")
def review_run(plan: str, phase: Annotated[int, typer.Option("--phase")], as_of: AsOfOpt = None) -> None:
    """Tổ chức sơ kết/tổng kết của một giai đoạn và lập báo cáo / hold a phase's review and file its report."""
    from cchc_flow.flows.running.local_api import start_local_api

    start_local_api()  # Prefect's local API comes up while this command imports and checks (unless a server is set)
    from cchc_flow.flows.review import check_review_now, run_review
    from cchc_flow.flows.running.naming import REVIEW
    from cchc_flow.models.reports.review_pdf import FontMissing
    from cchc_flow.models.services.reviews import ReviewRefused
    from cchc_flow.models.store.queries import UnknownPlan

    check_routes_or_fail()
    as_of = run_as_of(as_of)
    try:
        check_review_now(plan, phase, as_of)
        if launch_through_pool(REVIEW, plan, phase, as_of):
            return
        outcome = run_review(plan, phase, as_of)
    except (ReviewRefused, UnknownPlan, FontMissing) as exc:
        fail(str(exc))
    out.print(
        t(
            "review.held",
            title=outcome.title,
            date=outcome.held_on,
            md=outcome.markdown,
            docx=outcome.docx,
            pdf=outcome.pdf,
        )
    )


@review_app.command("sign")
def review_sign(
    plan: str,
    phase: Annotated[int, typer.Option("--phase")],
    certificate: Annotated[Path, typer.Option("--certificate", help="tệp .p12/.pfx của cơ quan")],
    location: Annotated[str | None, typer.Option("--location", help="nơi ký (mặc định: nơi ban hành)")] = None,
) -> None:
    """Ký số bản PDF của báo cáo sơ kết/tổng kết (PAdES) bằng chứng thư số của cơ quan / sign the review report's
    PDF with the organisation's certificate. Mật khẩu: CCHC_SIGN_PASSPHRASE, hoặc nhập khi được hỏi."""
    from sqlmodel import select

    from cchc_flow.flows.review import report_paths
    from cchc_flow.models.reports.pdf_sign import SigningError, sign_pdf
    from cchc_flow.models.services.reviews import office
    from cchc_flow.models.store.db import session
    from cchc_flow.models.store.queries import UnknownPlan, get_plan
    from cchc_flow.models.store.tables import ReviewRow, UnitRow

    with session() as s:
        try:
            row = get_plan(s, plan)
        except UnknownPlan as exc:
            fail(str(exc))
        review = s.exec(select(ReviewRow).where(ReviewRow.plan_id == row.id, ReviewRow.phase_number == phase)).first()
        if review is None or review.state != "held":
            fail(t("sign.not_held", plan=plan, phase=phase))
        place = office(row, dict(s.exec(select(UnitRow.code, UnitRow.name)).all())).place
        _, _, pdf = report_paths(plan, phase, review.kind)
    passphrase = get_settings().sign_passphrase
    secret = passphrase.get_secret_value() if passphrase is not None else None
    if secret is None:
        secret = typer.prompt(t("sign.prompt"), hide_input=True, default="", show_default=False)
    try:
        signed = sign_pdf(
            pdf, certificate, secret.encode() if secret else None, reason=t("sign.reason"), location=location or place
        )
    except SigningError as exc:
        fail(str(exc))
    out.print(t("sign.done", path=signed))


report_app = typer.Typer(help="Báo cáo định kỳ 6 tháng, hằng năm / periodic reports.", no_args_is_help=True)
app.add_typer(report_app, name="report")


@report_app.command("submit")
def report_submit(
    unit: Annotated[str, typer.Option("--unit")],
    period: Annotated[str, typer.Option("--period")],
    file: Annotated[Path, typer.Option("--file")],
    plan: PlanOpt = None,
    as_of: StepDayOpt = None,
    letter: LetterOpt = None,
) -> None:
    """Đơn vị nộp báo cáo định kỳ (ví dụ --period 2014-H1) / a unit submits its periodic report."""
    from cchc_flow.cli.token import principal
    from cchc_flow.flows.delivery import deliver_now
    from cchc_flow.models.rules.calendar import today
    from cchc_flow.models.services.actions import ActionInputError, ActionRefused
    from cchc_flow.models.services.auth import AuthError
    from cchc_flow.models.services.periodic import ReportInputError, submit_report
    from cchc_flow.models.store.attachments import AttachmentError
    from cchc_flow.models.store.db import session
    from cchc_flow.models.store.queries import UnknownPlan

    day, late = today(None), late_letter(as_of, letter)
    check_routes_or_fail()
    name = stated_name()
    try:
        with session() as s:
            plan_id, p, on_time = submit_report(
                s,
                principal=principal(s),
                plan_code=plan,
                unit=unit,
                period=period,
                file=file,
                stated_name=name,
                today=day,
                letter=late,
            )
    except (ReportInputError, AttachmentError, ActionInputError, ActionRefused, AuthError, UnknownPlan) as exc:
        fail(str(exc))
    out.print(t("report.recorded", period=p.label, unit=unit.upper(), on_time=t("on_time" if on_time else "late")))
    for problem in deliver_now(plan_id, (p.to,), day):
        err.print(f"[yellow]![/] {problem}", highlight=False)


@report_app.command("run")
def report_run(plan: str, as_of: AsOfOpt = None) -> None:
    """Nhắc nộp báo cáo định kỳ và báo danh sách còn thiếu / remind and list missing periodic reports."""
    from cchc_flow.flows.running.local_api import start_local_api

    start_local_api()  # Prefect's local API comes up while this command imports and checks (unless a server is set)
    from cchc_flow.flows.reporting import run_reporting
    from cchc_flow.flows.running.naming import REPORTS
    from cchc_flow.models.store.db import session
    from cchc_flow.models.store.queries import UnknownPlan, get_plan

    as_of = run_as_of(as_of)
    check_routes_or_fail()
    try:
        with session() as s:
            get_plan(s, plan)
    except UnknownPlan as exc:
        fail(str(exc))
    if launch_through_pool(REPORTS, plan, None, as_of):
        return
    outcome = run_reporting(plan, as_of)
    out.print(t("report.run", queued=outcome.queued, date=outcome.as_of))
    for period, units in outcome.missing.items():
        out.print(t("report.missing", period=period, units=", ".join(units)))


@report_app.command("status")
def report_status(plan: str, fmt: FormatOpt = "table") -> None:
    """Kỳ báo cáo và đơn vị đã nộp / which unit submitted which period."""
    from cchc_flow.models.services.periodic import plan_periods, reporters, submitted
    from cchc_flow.models.store.db import session
    from cchc_flow.models.store.queries import UnknownPlan, get_plan

    try:
        with session() as s:
            row = get_plan(s, plan)
            periods = plan_periods(s, row)
            owing = {p.duty: reporters(s, row, p.duty) for p in periods}
            done = submitted(s, row.id)
    except UnknownPlan as exc:
        fail(str(exc))
    rows: list[dict[str, Any]] = [
        {
            "period": p.label,
            "due": p.due.isoformat(),
            "to": p.to,
            "submitted": [u for u in owing[p.duty] if (p.duty, p.label, u) in done],
            "missing": [u for u in owing[p.duty] if (p.duty, p.label, u) not in done],
        }
        for p in periods
    ]
    if fmt == "json":
        typer.echo(json.dumps(rows, ensure_ascii=False, indent=2))
        return
    table = Table()
    for col in ("col.period", "col.due", "col.submitted", "col.missing"):
        table.add_column(t(col))
    for r in rows:
        table.add_row(r["period"], r["due"], ", ".join(r["submitted"]) or "—", ", ".join(r["missing"]) or "—")
    out.print(table)


@app.command("units")
def units_cmd(units: UnitsOpt = DEFAULT_UNITS, fmt: FormatOpt = "table") -> None:
    """Danh mục đơn vị / the unit directory."""
    from cchc_flow.models.rules.plan import read_directory

    try:
        directory = read_directory(units)
    except InputError as exc:
        print_findings(exc.findings)
        fail(t("check.failed", path=units, errors=len(exc.errors)))
    members = _group_members()
    rows = []
    for u in directory.units.values():
        row: dict[str, Any] = {
            "code": u.code,
            "name": u.name,
            "english": u.english,
            "kind": u.kind,
            "aliases": list(u.aliases),
            "tags": list(u.tags),
            "note": u.note,
        }
        if u.successor:  # an old code, resolvable to the unit it is today
            row["merged_into" if u.succession == "merged" else "renamed_to"] = u.successor
            row["since"] = u.since.isoformat() if u.since else None
        if u.kind == "group":
            row["members"] = members.get(u.code, {})
        rows.append(row)
    if fmt == "json":
        typer.echo(json.dumps(rows, ensure_ascii=False, indent=2))
        return
    table = Table(show_lines=False)
    for col in ("col.code", "col.name", "col.kind", "col.aliases", "col.tags"):
        table.add_column(t(col))
    for r in rows:
        name = r["name"] or "—"
        if successor := r.get("merged_into") or r.get("renamed_to"):  # an old code: the unit it is today
            how = t("succession.merged" if "merged_into" in r else "succession.renamed")
            since = t("succession.since", day=f"{date.fromisoformat(r['since']):%d/%m/%Y}") if r["since"] else ""
            name += f"\n→ {how} {successor}{since}"
        if r["kind"] == "group":
            listed = "; ".join(f"{plan}: {', '.join(m) or t('group.empty')}" for plan, m in r["members"].items())
            name += f"\n{t('group.members')}: {listed or t('group.empty')}"
        table.add_row(r["code"], name, r["kind"], ", ".join(r["aliases"]), ", ".join(r["tags"]))
    out.print(table)


def _group_members() -> dict[str, dict[str, list[str]]]:
    """group code -> plan code -> member codes, for every loaded plan (empty lists say 'no members')."""
    from sqlmodel import select

    from cchc_flow.models.store.db import session
    from cchc_flow.models.store.tables import GroupMemberRow, PlanRow

    result: dict[str, dict[str, list[str]]] = {}
    with session() as s:
        for plan in s.exec(select(PlanRow)):
            for code in plan.spec.get("groups", {}) or {}:
                result.setdefault(code, {})[plan.code] = []
        for m, plan_code in s.exec(select(GroupMemberRow, PlanRow.code).join(PlanRow)):
            result.setdefault(m.group_code, {}).setdefault(plan_code, []).append(m.unit_code)
    return result


@app.command("demo")
def demo(
    home: Annotated[Path | None, typer.Option("--home", help="thư mục riêng của bản chạy thử")] = None,
    database_url: Annotated[
        str | None,
        typer.Option(
            "--database-url",
            help="một cơ sở dữ liệu trống để chạy thử vào (mặc định: SQLite trong --home) / "
            "an empty database to replay into (default: SQLite in --home)",
        ),
    ] = None,
    fmt: FormatOpt = "table",
) -> None:
    """Chạy thử toàn bộ Kế hoạch 3723/QĐ-BYT từ 2013 đến hết 2015 / replay the whole reference plan."""
    from cchc_flow.flows.running.local_api import start_local_api

    start_local_api()  # Prefect's local API comes up while this command imports and checks (unless a server is set)
    os.environ.setdefault("PREFECT_LOGGING_LEVEL", "WARNING")
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

    from cchc_flow.cli.demo import END, START, demo_settings, portal_access, run_demo, steps_between, summary

    settings = demo_settings(home, database_url)

    total = len(steps_between(START, END))
    with Progress(
        TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(), console=err
    ) as progress:
        bar = progress.add_task(t("demo.progress", date=START.isoformat()), total=total)
        result = run_demo(
            settings,
            advance=lambda day: progress.update(
                bar, advance=1, description=t("demo.progress", date=day.strftime("%d/%m/%Y"))
            ),
        )
    data = {**summary(settings), "portal": portal_access(result)}
    if fmt == "json":
        typer.echo(json.dumps(data, ensure_ascii=False, indent=2))
        return
    show_summary(data)
    show_access(data["portal"])


def show_summary(data: dict) -> None:
    """The final Rich summary of the demo: where the plan ended and where its files are."""
    table = Table(title=t("demo.title", plan=data["plan"]))
    table.add_column(t("col.state"))
    for phase in data["phases"].values():
        table.add_column(phase["name"], justify="right")
    for state in ("planned", "assigned", "reported", "accepted", "overdue", "returned", "cancelled"):
        table.add_row(t(f"state.{state}"), *(str(p["states"].get(state, 0)) for p in data["phases"].values()))
    table.add_row(
        t("demo.review"),
        *(
            t("demo.held", date=_dmy(data["reviews"][n]["held_on"])) if n in data["reviews"] else "—"
            for n in data["phases"]
        ),
    )
    out.print(table)
    n = data["notifications"]
    out.print(
        t(
            "demo.counts",
            transitions=data["transitions"],
            sent=n.get("sent", 0),
            pending=n.get("pending", 0),
            reports=data["periodic_reports"],
        )
    )
    for review in data["reviews"].values():
        out.print(t("demo.report", path=review["docx"]), highlight=False)
    out.print(t("demo.outbox", path=data["outbox"], n=data["outbox_files"]), highlight=False)
    scores = Table(title=t("score.heading"))  # the units' ranking over the whole plan ends the replay
    for col in ("score.rank", "col.unit", "score.score", "score.completion", "score.punctuality"):
        scores.add_column(t(col))
    from cchc_flow.models.rules.labels import number, percent

    for s in data["scores"]:
        scores.add_row(
            str(s["rank"] or "—"), s["unit"], number(s["score"]), percent(s["completion"]), percent(s["punctuality"])
        )
    out.print(scores)


@app.command("deploy")
def deploy_cmd(
    pool: Annotated[str, typer.Option("--pool", help="work pool (kiểu process) / work pool")] = "cchc",
    cron: Annotated[
        str | None,
        typer.Option("--cron", help="lịch chạy thay cho lịch của kế hoạch / instead of the plans' schedules"),
    ] = None,
    timezone: Annotated[str | None, typer.Option("--timezone", help="múi giờ / time zone")] = None,
    yaml_path: Annotated[
        Path | None, typer.Option("--yaml", help="ghi prefect.yaml thay vì gửi lên máy chủ / write prefect.yaml")
    ] = None,
) -> None:
    """Tạo/cập nhật deployment Prefect cho mọi kế hoạch đang chạy / create or update the Prefect deployments."""
    from cchc_flow.flows.running.deployments import deploy, planned_deployments, prefect_yaml

    if cron or timezone:
        from pydantic import ValidationError

        from cchc_flow.models.rules.plan_spec import ScheduleSpec

        try:
            ScheduleSpec.model_validate({"cron": cron, **({"timezone": timezone} if timezone else {})})
        except ValidationError as exc:
            fail("; ".join(str(e["ctx"]["error"]) if "ctx" in e else e["msg"] for e in exc.errors()))
    specs = planned_deployments(cron, timezone)
    if yaml_path is not None:
        import yaml

        text = (
            "# Written by `cchc deploy --yaml` from the plans loaded (the same deployments `cchc deploy` writes).\n"
            "# On the workers: pip install cchc-flow; `prefect deploy --all`; `prefect worker start --pool "
            f"{pool}`\n" + yaml.safe_dump(prefect_yaml(specs, pool), allow_unicode=True, sort_keys=False, width=120)
        )
        yaml_path.write_text(text, encoding="utf-8")
        out.print(t("deploy.yaml", n=len(specs), path=yaml_path), highlight=False)
        return
    from cchc_flow.flows.running.runtime import on_ephemeral_api

    if on_ephemeral_api():
        fail(t("deploy.no_server"))
    result = call_server(lambda: deploy(specs, pool))
    out.print(t("deploy.written", n=len(result.written), pool=pool))
    for name in result.written:
        out.print(f"  • {name}", highlight=False)
    if result.removed:
        out.print(t("deploy.removed", n=len(result.removed), names=", ".join(result.removed)), highlight=False)


def call_server(fn):
    """``fn()``, or exit 1 with a clear message when the Prefect server is down or answers with an error."""
    import httpx
    from prefect.exceptions import PrefectHTTPStatusError
    from prefect.settings import PREFECT_API_URL

    try:
        return fn()
    except (httpx.HTTPError, PrefectHTTPStatusError, RuntimeError, OSError) as exc:
        fail(t("deploy.server_error", url=PREFECT_API_URL.value(), error=str(exc).splitlines()[0][:300]), code=1)


def _dmy(iso: str) -> str:
    return date.fromisoformat(iso).strftime("%d/%m/%Y")


def show_access(access: dict[str, str]) -> None:
    """How to open the replay in the portal, as its coordinator and as a unit (the demo's own tokens and link)."""
    out.print(t("demo.portal", command=access["serve"]), highlight=False, soft_wrap=True)
    out.print(
        t("demo.portal_coordinator", unit=access["coordinator"], token=access["coordinator_token"]),
        highlight=False,
        soft_wrap=True,
    )
    out.print(t("demo.portal_unit", unit=access["unit"], link=access["unit_link"]), highlight=False, soft_wrap=True)


@app.command("serve")
def serve(
    host: Annotated[str, typer.Option("--host", help="địa chỉ lắng nghe")] = "127.0.0.1",
    port: Annotated[int, typer.Option("--port", help="cổng (1-65535)")] = 8080,
    workers: Annotated[
        int | None, typer.Option("--workers", help="số tiến trình phục vụ; mặc định: số lõi CPU")
    ] = None,
    as_of: Annotated[str | None, typer.Option("--as-of", help="chạy thử: ngày cổng coi là hôm nay")] = None,
) -> None:
    """Cổng thông tin web cho đơn vị, đầu mối và kiểm toán / start the web portal."""
    from cchc_flow.web.app import serve as run_portal

    if not 1 <= port <= 65535:
        fail(t("cli.bad_port", port=port))
    if workers is not None and not 1 <= workers <= 64:
        fail(t("cli.bad_workers", workers=workers))
    run_portal(host, port, as_of_value(as_of), workers)


from cchc_flow.cli.audit import audit_app, history_command  # noqa: E402  (auditors)

app.add_typer(audit_app, name="audit")
app.command("history")(history_command)

import cchc_flow.cli.follow_up  # noqa: E402,F401  (the coordinator's follow-up commands, on activity_app)
from cchc_flow.cli.notice import notice_app  # noqa: E402
from cchc_flow.cli.token import token_app  # noqa: E402

app.add_typer(token_app, name="token")
app.add_typer(notice_app, name="notice")

if __name__ == "__main__":
    app()
