"""`cchc notice`: the notifications of a plan, and what the coordinator does with those in doubt."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Annotated, Any, TypeVar

import pendulum
import typer
from rich.markup import escape
from rich.table import Table

from cchc_flow.cli.console import check_routes_or_fail, err, fail, out, stated_name
from cchc_flow.cli.token import principal
from cchc_flow.models.rules.calendar import TZ
from cchc_flow.models.rules.messages import t
from cchc_flow.models.rules.text import printable
from cchc_flow.models.services.access import ActionRefused
from cchc_flow.models.services.auth import AuthError
from cchc_flow.models.store.db import session
from cchc_flow.models.store.queries import UnknownPlan, get_plan
from cchc_flow.models.store.tables import NotificationRow, UnitRow

T = TypeVar("T")

notice_app = typer.Typer(
    help="Thông báo: xem, gửi lại hoặc xác nhận thông báo chưa rõ / notifications: list, "
    "resend or confirm those in doubt.",
    no_args_is_help=True,
)


@notice_app.command("list")
def notice_list(
    plan: str,
    status: Annotated[str | None, typer.Option("--status", help="pending | sent | doubt")] = None,
    fmt: Annotated[str, typer.Option("--format", help="table | json")] = "table",
) -> None:
    """Thông báo của một kế hoạch / a plan's notifications."""
    # deferred: Apprise loads only for the commands that check routes or send
    from cchc_flow.models.services.doubts import notices

    try:
        with session() as s:
            rows: list[dict[str, Any]] = [
                {
                    "id": n.id,
                    "entity": n.entity_key,
                    "notice": n.notice,
                    "recipient": n.recipient,
                    "status": n.status,
                    "attempts": n.attempts,
                    "error": n.last_error,
                }
                for n in notices(s, get_plan(s, plan), status)
            ]
    except UnknownPlan as exc:
        fail(str(exc))
    if fmt == "json":
        typer.echo(json.dumps(rows, ensure_ascii=False, indent=2))
        return
    table = Table()
    for col in ("col.token", "col.id", "col.notice", "col.recipient", "col.status", "col.attempts", "col.error"):
        table.add_column(t(col))
    for r in rows:
        table.add_row(
            str(r["id"]),
            r["entity"],
            r["notice"],
            r["recipient"],
            r["status"],
            str(r["attempts"]),
            escape(printable(r["error"])),
        )
    out.print(table)


def _coordinator_does(fn: Callable[..., T], notice_id: int, **kwargs: Any) -> T:
    # deferred: Apprise loads only for the commands that check routes or send
    from cchc_flow.models.services.doubts import NoticeInputError

    try:
        with session() as s:
            return fn(s, principal=principal(s), notice_id=notice_id, stated_name=stated_name(), **kwargs)
    except (AuthError, ActionRefused, NoticeInputError) as exc:
        fail(str(exc))


@notice_app.command("resend")
def notice_resend(
    notice_id: int, yes: Annotated[bool, typer.Option("--yes", help="không hỏi lại / do not ask")] = False
) -> None:
    """Gửi lại một thông báo chưa rõ (người điều phối) / resend a notification in doubt (coordinator)."""
    # deferred: the flows bring Prefect and Apprise, which the other commands do without
    from cchc_flow.flows.delivery import deliver_now
    from cchc_flow.models.services.doubts import resend, unit_routes

    check_routes_or_fail()
    with session() as s:  # say what a resend does before doing it (unknown ids are refused by resend itself)
        n = s.get(NotificationRow, notice_id)
        if n is not None and n.status == "doubt" and not yes:
            unit = s.get(UnitRow, n.recipient)
            name = f"{unit.name} ({n.recipient})" if unit and unit.name and unit.name != n.recipient else n.recipient
            out.print(
                t(
                    "notice.resend_preview",
                    id=n.id,
                    what=n.entity_key,
                    unit=name,
                    routes=", ".join(unit_routes(s, n.recipient)) or "—",
                ),
                highlight=False,
            )
            typer.confirm(t("notice.resend_ask"), abort=True)
    n = _coordinator_does(resend, notice_id)
    out.print(t("notice.resend", id=notice_id))
    for problem in deliver_now(n.plan_id, (n.recipient,), n.as_of):
        err.print(f"[yellow]![/] {problem}", highlight=False)


@notice_app.command("confirm")
def notice_confirm(notice_id: int) -> None:
    """Ghi nhận đơn vị đã nhận một thông báo chưa rõ (người điều phối) / record that a notification in doubt
    arrived (coordinator)."""
    # deferred: Apprise loads only for the commands that check routes or send
    from cchc_flow.models.services.doubts import confirm, unit_routes

    check_routes_or_fail()
    with session() as s:
        n = s.get(NotificationRow, notice_id)
        routes = unit_routes(s, n.recipient) if n else []
    _coordinator_does(confirm, notice_id, routes=routes)
    out.print(t("notice.confirmed", id=notice_id))


@notice_app.command("digest")
def notice_digest(
    at: Annotated[
        str | None, typer.Option("--at", help="YYYY-MM-DD HH:MM, giờ Việt Nam / Vietnam time (default: now)")
    ] = None,
) -> None:
    """Gửi thư nhắc việc buổi sáng: mỗi đơn vị một thư, gồm mọi việc chờ ở mọi kế hoạch / send the morning
    digests: one message per unit with everything waiting for it across all plans."""
    # deferred: the flows bring Prefect and Apprise, which the other commands do without
    from cchc_flow.flows.digest import send_morning_digests

    check_routes_or_fail()
    try:
        moment = pendulum.from_format(at, "YYYY-MM-DD HH:mm", tz=TZ) if at else None
    except ValueError:
        fail(t("notice.digest_at", at=at))
    sent = send_morning_digests(moment)
    if not sent:
        out.print(t("notice.digest_none"))
        return
    out.print(t("notice.digest_sent", n=len(sent), units=", ".join(d.unit for d in sent)))
    for d in sent:
        if d.failed_routes:
            err.print("[yellow]![/] " + t("notice.digest_failed", unit=d.unit, routes=", ".join(d.failed_routes)))
