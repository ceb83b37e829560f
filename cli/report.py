"""`cchc report`: periodic reports submitted, their flow run, and who has reported."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.table import Table

from cchc_flow.cli.console import (
    AsOfOpt,
    FormatOpt,
    LetterOpt,
    PlanOpt,
    StepDayOpt,
    check_routes_or_fail,
    err,
    fail,
    late_letter,
    launch_through_pool,
    out,
    run_as_of,
    stated_name,
)
from cchc_flow.cli.token import principal
from cchc_flow.flows.running.gc_pause import collector_paused
from cchc_flow.flows.running.local_api import start_local_api
from cchc_flow.flows.running.naming import REPORTS
from cchc_flow.models.rules.calendar import today
from cchc_flow.models.rules.messages import t
from cchc_flow.models.services.actions import (
    ActionInputError,
    ActionRefused,
)
from cchc_flow.models.services.auth import AuthError
from cchc_flow.models.services.periodic import ReportInputError, plan_periods, reporters, submit_report, submitted
from cchc_flow.models.store.attachments import AttachmentError
from cchc_flow.models.store.db import session
from cchc_flow.models.store.queries import UnknownPlan, get_plan

report_app = typer.Typer(help="Báo cáo định kỳ 6 tháng, hằng năm / periodic reports.", no_args_is_help=True)


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
    # deferred: the flows bring Prefect and Apprise, which the other commands do without
    from cchc_flow.flows.delivery import deliver_now

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
    start_local_api()  # Prefect's local API comes up while this command imports and checks (unless a server is set)
    # deferred: the flows bring Prefect and Apprise, which the other commands do without
    with collector_paused():  # a one-shot process: Prefect's objects kept out of the collector's scans
        from cchc_flow.flows.reporting import run_reporting

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
