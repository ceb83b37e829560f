"""`cchc activity`: what units report and the coordinator decides, and what is owed (the follow-up commands,
extensions, reassignment and explanations, are in cli/follow_up.py)."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Annotated, Any

import typer
from rich.table import Table

from cchc_flow.cli.console import (
    AsOfOpt,
    AttachOpt,
    FormatOpt,
    LetterOpt,
    PlanOpt,
    StepDayOpt,
    as_of_value,
    check_routes_or_fail,
    err,
    fail,
    late_letter,
    out,
    stated_name,
)
from cchc_flow.cli.token import principal
from cchc_flow.models.rules.calendar import parse_date, today
from cchc_flow.models.rules.labels import short_title
from cchc_flow.models.rules.lifecycle import IllegalTransition, State
from cchc_flow.models.rules.messages import t
from cchc_flow.models.store.db import session
from cchc_flow.models.store.queries import UnknownPlan, activities_owed

activity_app = typer.Typer(
    help="Hoạt động: báo cáo, ghi chú, công nhận, trả lại, hủy, liệt kê / activities.", no_args_is_help=True
)


def _act(
    fn: Callable[..., Any],
    as_of: str | None = None,
    letter: str | None = None,
    done: str | None = None,
    **kwargs: Any,
) -> None:
    """Run a unit or coordinator action today (or from a late letter), deliver what it queued, print the outcome
    (``done``, else the activity's new state)."""
    # deferred here and in each command: the actions bring the notices' templates (Jinja); `activity list` does without
    from cchc_flow.models.services.actions import ActionInputError, ActionRefused
    from cchc_flow.models.services.auth import AuthError
    from cchc_flow.models.store.attachments import AttachmentError

    if as_of is not None or letter is not None:
        kwargs["letter"] = late_letter(as_of, letter)
    kwargs["today"] = today(None)
    check_routes_or_fail()
    name = stated_name()
    try:
        with session() as s:  # who acts is the token's holder; --unit/--by only confirm it
            result = fn(s, principal=principal(s), stated_name=name, **kwargs)
    except (ActionInputError, ActionRefused, AttachmentError, AuthError, IllegalTransition, UnknownPlan) as exc:
        fail(str(exc))
    out.print(done or t("action.done", id=result.activity, state=t(f"state.{result.state}")))
    # deferred: the flows bring Prefect and Apprise, which the other commands do without
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
