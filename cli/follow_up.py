"""The coordinator's follow-up commands: extensions, reassignment, explanations, unit scores."""

from __future__ import annotations

import csv
import io
import json
from datetime import date
from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table

from cchc_flow.cli.activity import _act, activity_app
from cchc_flow.cli.console import AsOfOpt, AttachOpt, PlanOpt, as_of_value, err, fail, out
from cchc_flow.cli.review import review_app
from cchc_flow.models.rules.calendar import DateError, parse_date, today
from cchc_flow.models.rules.messages import t
from cchc_flow.models.rules.scores import formula, score_rows, score_values
from cchc_flow.models.store.db import session
from cchc_flow.models.store.queries import UnknownPlan


def _date(value: str, option: str) -> date:
    try:
        return parse_date(value)
    except DateError as exc:
        fail(t("cli.bad_date", value=f"{option} {value}", detail=str(exc)))


@activity_app.command("extend")
def activity_extend(
    activity_id: str,
    unit: Annotated[str, typer.Option("--unit")],
    until: Annotated[str, typer.Option("--until", help="hạn mới đề nghị / the due date asked for")],
    reason: Annotated[str, typer.Option("--reason")],
    attach: AttachOpt = None,
    plan: PlanOpt = None,
) -> None:
    """Đơn vị chủ trì đề nghị gia hạn / a lead unit asks for a later due date."""
    # deferred here and in each command: the services load only for the command that uses them
    from cchc_flow.models.services.extensions import request_extension

    day = _date(until, "--until")
    _act(
        request_extension,
        plan_code=plan,
        key=activity_id,
        unit=unit,
        until=day,
        reason=reason,
        attachments=attach or [],
        done=t("extension.requested", id=activity_id, until=day.strftime("%d/%m/%Y")),
    )


@activity_app.command("extension")
def activity_extension(
    activity_id: str,
    approve: Annotated[bool, typer.Option("--approve", help="phê duyệt / approve")] = False,
    refuse: Annotated[bool, typer.Option("--refuse", help="từ chối / refuse")] = False,
    until: Annotated[
        str | None, typer.Option("--until", help="hạn khác với hạn đề nghị / another date than the one asked")
    ] = None,
    note: Annotated[str | None, typer.Option("--note")] = None,
    beyond_phase: Annotated[
        bool, typer.Option("--beyond-phase", help="cho phép quá thời hạn của giai đoạn / allow past the phase's end")
    ] = False,
    by: Annotated[str | None, typer.Option("--by")] = None,
    plan: PlanOpt = None,
) -> None:
    """Đầu mối phê duyệt hoặc từ chối đề nghị gia hạn / the coordinator approves or refuses an extension."""
    from cchc_flow.models.services.extensions import decide_extension

    if approve == refuse:
        fail(t("extension.choose"))
    day = _date(until, "--until") if until else None
    _act(
        decide_extension,
        plan_code=plan,
        key=activity_id,
        approve=approve,
        until=day,
        note=note,
        beyond_phase=beyond_phase,
        by=by,
        done=t("extension.refused_done", id=activity_id) if refuse else None,
    )


@activity_app.command("reassign")
def activity_reassign(
    activity_id: str,
    reason: Annotated[str, typer.Option("--reason")],
    lead: Annotated[
        str | None, typer.Option("--lead", help="mã đơn vị chủ trì mới, cách nhau bởi dấu phẩy / new lead unit codes")
    ] = None,
    partners: Annotated[
        str | None, typer.Option("--partners", help="mã đơn vị phối hợp mới ('-': không có) / new partner codes")
    ] = None,
    by: Annotated[str | None, typer.Option("--by")] = None,
    plan: PlanOpt = None,
) -> None:
    """Đầu mối giao lại đơn vị chủ trì/phối hợp, kèm lý do / the coordinator reassigns an activity, with a reason."""
    from cchc_flow.models.services.reassignment import codes, reassign

    _act(reassign, plan_code=plan, key=activity_id, leads=codes(lead), partners=codes(partners), reason=reason, by=by)


@activity_app.command("ask-explanation")
def activity_ask_explanation(
    activity_id: str,
    unit: Annotated[str, typer.Option("--unit")],
    until: Annotated[str, typer.Option("--until", help="hạn giải trình / answer by")],
    note: Annotated[str, typer.Option("--note", help="nội dung yêu cầu / what to explain")],
    plan: PlanOpt = None,
) -> None:
    """Đầu mối yêu cầu đơn vị chủ trì giải trình / the coordinator asks a lead unit to explain."""
    from cchc_flow.models.services.explanations import ask_explanation

    _act(ask_explanation, plan_code=plan, key=activity_id, unit=unit, by=_date(until, "--until"), question=note)


@activity_app.command("explain")
def activity_explain(
    activity_id: str,
    unit: Annotated[str, typer.Option("--unit")],
    text: Annotated[str, typer.Option("--text")],
    attach: AttachOpt = None,
    plan: PlanOpt = None,
) -> None:
    """Đơn vị giải trình theo yêu cầu / the unit asked explains."""
    from cchc_flow.models.services.explanations import give_explanation

    _act(give_explanation, plan_code=plan, key=activity_id, unit=unit, text=text, attachments=attach or [])


@review_app.command("score")
def review_score(
    plan: str,
    phase: Annotated[int | None, typer.Option("--phase")] = None,
    year: Annotated[int | None, typer.Option("--year")] = None,
    as_of: AsOfOpt = None,
    fmt: Annotated[str, typer.Option("--format", help="table | csv | json | xlsx")] = "table",
    output: Annotated[Path | None, typer.Option("--output", help="tệp ghi ra (xlsx: bắt buộc)")] = None,
) -> None:
    """Điểm và xếp hạng các đơn vị / the units' scores and ranking."""
    from cchc_flow.models.services.score_report import unit_scores

    if fmt not in ("table", "csv", "json", "xlsx"):
        fail(t("score.bad_format", fmt=fmt))
    if fmt == "xlsx" and output is None:
        fail(t("score.needs_output"))
    day = today(as_of_value(as_of))
    try:
        with session() as s:
            scores, weights = unit_scores(s, plan, day, phase, year)
    except (UnknownPlan, LookupError) as exc:
        fail(str(exc))
    title = t(
        "score.title",
        plan=plan,
        date=day.strftime("%d/%m/%Y"),
        scope=(t("score.phase", n=phase) if phase else "") + (t("score.year", n=year) if year else ""),
    )
    head, rows = score_rows(scores)
    if fmt == "json":
        data = {
            "title": title,
            "weights": weights,
            "scores": [{**s.__dict__, "completion": s.completion, "punctuality": s.punctuality} for s in scores],
        }
        _write(json.dumps(data, ensure_ascii=False, indent=2), output)
    elif fmt == "csv":
        buffer = io.StringIO()
        writer = csv.writer(buffer)
        writer.writerows([head, *score_values(scores)])  # machine numbers: 96.7, 0.9667
        _write("\ufeff" + buffer.getvalue(), output)
    elif fmt == "xlsx":
        # deferred: openpyxl loads only when a workbook is written
        from openpyxl import Workbook

        book = Workbook()
        sheet = book.active
        sheet.title = t("score.heading")[:31]
        for row in ([title], head, *score_values(scores), [], [formula(weights)]):
            sheet.append(row)
        for cells in sheet.iter_rows(min_row=3, max_row=2 + len(scores)):  # real numbers, shown as Excel's locale does
            cells[8].number_format = cells[9].number_format = "0.0%"
            cells[10].number_format = "0.0"
        book.save(output)
        err.print(t("score.written", path=output))
    else:
        table = Table(title=title, caption=formula(weights))
        for col in head:
            table.add_column(col)
        for row in rows:
            table.add_row(*row)
        out.print(table)


def _write(text: str, output: Path | None) -> None:
    if output is None:
        typer.echo(text)
    else:
        output.write_text(text, encoding="utf-8")
        err.print(t("score.written", path=output))
