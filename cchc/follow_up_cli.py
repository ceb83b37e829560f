"""The coordinator's follow-up commands on activities: deadline extensions."""

from __future__ import annotations

from typing import Annotated

import typer

from cchc.cli import AttachOpt, PlanOpt, _act, activity_app, fail
from models.messages import t


def _date(value: str, option: str):  # type: ignore[no-untyped-def]
    from models.calendar import DateError, parse_date

    try:
        return parse_date(value)
    except DateError as exc:
        fail(t("cli.bad_date", value=f"{option} {value}", detail=str(exc)))


@activity_app.command("extend")
def activity_extend(activity_id: str, unit: Annotated[str, typer.Option("--unit")],
                    until: Annotated[str, typer.Option("--until", help="hạn mới đề nghị / the due date asked for")],
                    reason: Annotated[str, typer.Option("--reason")], attach: AttachOpt = None,
                    plan: PlanOpt = None) -> None:
    """Đơn vị chủ trì đề nghị gia hạn / a lead unit asks for a later due date."""
    from models.extensions import request_extension

    day = _date(until, "--until")
    _act(request_extension, plan_code=plan, key=activity_id, unit=unit, until=day, reason=reason,
         attachments=attach or [], done=t("extension.requested", id=activity_id, until=day.strftime("%d/%m/%Y")))


@activity_app.command("extension")
def activity_extension(activity_id: str,
                       approve: Annotated[bool, typer.Option("--approve", help="phê duyệt / approve")] = False,
                       refuse: Annotated[bool, typer.Option("--refuse", help="từ chối / refuse")] = False,
                       until: Annotated[str | None, typer.Option(
                           "--until", help="hạn khác với hạn đề nghị / another date than the one asked")] = None,
                       note: Annotated[str | None, typer.Option("--note")] = None,
                       beyond_phase: Annotated[bool, typer.Option(
                           "--beyond-phase", help="cho phép quá thời hạn của giai đoạn / allow past the phase's end")]
                       = False,
                       by: Annotated[str | None, typer.Option("--by")] = None, plan: PlanOpt = None) -> None:
    """Đầu mối phê duyệt hoặc từ chối đề nghị gia hạn / the coordinator approves or refuses an extension."""
    from models.extensions import decide_extension

    if approve == refuse:
        fail(t("extension.choose"))
    day = _date(until, "--until") if until else None
    _act(decide_extension, plan_code=plan, key=activity_id, approve=approve, until=day, note=note,
         beyond_phase=beyond_phase, by=by,
         done=t("extension.refused_done", id=activity_id) if refuse else None)
