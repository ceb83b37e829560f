"""`cchc history` and `cchc audit verify|runs`: what auditors type. Logic lives in models/ (shared with the web)."""

from __future__ import annotations

import os
import sys
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, NoReturn

import pendulum
import typer
from rich.markup import escape
from rich.table import Table

from cchc_flow.cli.console import err, out
from cchc_flow.models.rules.actors import TOKENLESS
from cchc_flow.models.rules.calendar import TZ, DateError, parse_date
from cchc_flow.models.rules.messages import MESSAGES, t
from cchc_flow.models.rules.text import printable
from cchc_flow.models.store.anchors import read_anchors
from cchc_flow.models.store.audit import CHAINS, verify
from cchc_flow.models.store.audit_runs import cross_check
from cchc_flow.models.store.db import session
from cchc_flow.models.store.history_parts import export
from cchc_flow.models.store.history_query import (
    HistoryFilter,
    HistoryInputError,
    backdated_mark,
    check_filter,
    history,
    history_rows,
)
from cchc_flow.models.store.queries import UnknownPlan

if TYPE_CHECKING:
    from sqlmodel import Session

    from cchc_flow.models.store.history_query import Entry

audit_app = typer.Typer(
    help="Kiểm toán: kiểm tra chuỗi băm, đối chiếu với Prefect / audit: verify the history, cross-check with Prefect.",
    no_args_is_help=True,
)

FORMATS = ("table", "csv", "json", "xlsx")


def fail(message: str, code: int = 2) -> NoReturn:
    err.print(f"[bold red]✗[/] {escape(message)}", highlight=False)
    raise typer.Exit(code)


def _day(value: str | None) -> date | None:
    if value is None:
        return None
    try:
        return parse_date(value)
    except DateError as exc:
        fail(t("cli.bad_date", value=value, detail=str(exc)))


def history_command(
    plan: str,
    activity: Annotated[str | None, typer.Option("--activity", help="mã hoạt động, ví dụ 1.1.2")] = None,
    unit: Annotated[str | None, typer.Option("--unit", help="mã đơn vị, ví dụ VPB")] = None,
    actor: Annotated[str | None, typer.Option("--actor", help="người thực hiện (chỉ các bước)")] = None,
    state: Annotated[str | None, typer.Option("--state", help="trạng thái sau bước (chỉ các bước)")] = None,
    since: Annotated[str | None, typer.Option("--since", help="từ ngày (YYYY-MM-DD hoặc DD/MM/YYYY)")] = None,
    until: Annotated[str | None, typer.Option("--until", help="đến hết ngày")] = None,
    fmt: Annotated[str, typer.Option("--format", help="table | csv | json | xlsx")] = "table",
    output: Annotated[Path | None, typer.Option("--output", help="tệp xuất (mặc định: màn hình)")] = None,
    limit: Annotated[int | None, typer.Option("--limit", help="số dòng tối đa (bảng: 500)")] = None,
) -> None:
    """Lịch sử các bước và thông báo đã gửi, lọc và xuất / the history of steps and notices, filtered, exported."""
    if fmt not in FORMATS:
        fail(t("history.bad_format", fmt=fmt))
    if fmt == "xlsx" and output is None:
        fail(t("history.needs_output"))
    f = HistoryFilter(plan, activity, unit.upper() if unit else None, actor, state, _day(since), _day(until))
    if fmt == "table" and limit is None:
        limit = 500
    with session() as s:
        try:
            f = check_filter(s, f)
        except (UnknownPlan, HistoryInputError) as exc:
            fail(str(exc))
        if fmt == "table":
            _print_history(plan, list(history(s, f, None if limit is None else limit + 1)), limit or 0)
            return
        n = _export(s, f, fmt, output, limit)
    if output is not None:
        err.print(t("history.written", n=n, path=output), highlight=False)


def _export(s: Session, f: HistoryFilter, fmt: str, output: Path | None, limit: int | None) -> int:
    # deferred: XlsxWriter loads only when a workbook is written
    from cchc_flow.models.reports.history_xlsx import write_xlsx

    if fmt == "xlsx":
        assert output is not None
        return write_xlsx(history_rows(s, f, limit), output)
    parallel = (os.cpu_count() or 1) > 1  # a long history in two parts at once
    if output is None:
        return export(s, f, fmt, sys.stdout, limit, parallel=parallel)
    with output.open("w", encoding="utf-8", newline="") as fh:
        return export(s, f, fmt, fh, limit, parallel=parallel, scratch=output.resolve().parent)


def _label(prefix: str, code: str | None) -> str:
    if not code:
        return ""
    return t(f"{prefix}.{code}") if f"{prefix}.{code}" in MESSAGES else code


def _notice_label(code: str) -> str:
    key = f"headline.{code}"
    return t(key, offset="", title="").split(":")[0].strip() if key in MESSAGES else code


def actor_text(e: Entry) -> str:
    """Who acted, as the history shows it: the token's principal and its label; an act that needs no token says so;
    the name the person typed only as such (unverified)."""
    text = e.actor or ""
    if e.actor_label:
        text += f" «{e.actor_label}»"
    if e.actor in TOKENLESS:
        text += f" ({t('history.no_token')})"
    if e.stated_name:
        text += "\n" + t("history.stated", name=e.stated_name)
    return text


def _print_history(plan: str, entries: list, limit: int) -> None:
    if not entries:
        out.print(t("history.empty"))
        return
    table = Table(title=t("history.title", plan=plan), show_lines=False)
    for key, ratio in (
        ("hcol.at_short", 2),
        ("hcol.key", 1),
        ("hcol.event", 3),
        ("hcol.who", 3),
        ("hcol.note", 4),
        ("hcol.flow_run_id", 4),
    ):
        table.add_column(t(key), overflow="fold", ratio=ratio)
    for e in entries[:limit]:
        when = e.local_at.format("DD/MM/YYYY HH:mm:ss")
        if e.backdated:
            when += f"\n({backdated_mark(e)})"
        elif e.day and e.day != e.local_at.date():
            when += f"\n({t('hcol.day').lower()} {e.day.strftime('%d/%m/%Y')})"
        if e.kind == "step":
            event, who = _label("event", e.event), actor_text(e)
            if e.to_state:
                event += f"\n{_label('state', e.from_state) or '∅'} → {_label('state', e.to_state)}"
        else:
            event, who = f"{t('kind.notice')}: {_notice_label(e.event)}", f"→ {e.recipient}\n{e.route}"
            event += f"\n{t(f'result.{e.result}')}" + (f" ×{e.attempts}" if e.attempts else "")
        run = escape(e.flow_run_id or "")
        if run and e.flow_run_url:
            run = f"[link={e.flow_run_url}]{run}[/link]"
        table.add_row(*(escape(printable(c)) for c in (when, e.key, event, who, e.note or "")), run)
    out.print(table)
    if len(entries) > limit:
        err.print(t("history.more", n=limit), highlight=False)
    url = next((e.flow_run_url for e in entries if e.flow_run_url), None)
    if url:
        out.print(t("history.run_hint", url=url), highlight=False, soft_wrap=True)


@audit_app.command("verify")
def audit_verify(
    plan: Annotated[str | None, typer.Argument(help="mã kế hoạch (mặc định: mọi kế hoạch)")] = None,
    anchor: Annotated[
        list[str] | None,
        typer.Option("--anchor", help="CHUỖI:SỐ_THỨ_TỰ:MÃ_BĂM in ra bởi lần kiểm tra trước (lặp lại được; cần PLAN)"),
    ] = None,
    anchors_from: Annotated[
        list[Path] | None,
        typer.Option(
            "--anchors-from",
            help="báo cáo sơ kết/tổng kết, thư đã nhận (tệp hoặc thư mục) chứa mốc chuỗi băm / "
            "review reports, messages received (file or folder) carrying chain anchors",
        ),
    ] = None,
) -> None:
    """Kiểm tra chuỗi băm của lịch sử; mã thoát 0 chỉ khi nguyên vẹn / verify the hash chains (exit 0 only if whole)."""
    anchors: dict[tuple[str, str], list[tuple[int, str]]] = {}
    for value in anchor or []:
        chain, _, rest = value.partition(":")
        seq, _, digest = rest.partition(":")
        if chain not in CHAINS or not seq.isdigit() or len(digest) < 12 or plan is None:
            fail(t("audit.bad_anchor", value=value))
        anchors.setdefault((plan, chain), []).append((int(seq), digest))
    if anchors_from:
        for path in anchors_from:
            if not path.exists():
                fail(t("yaml.not_found") + f": {path}")
        found, files = read_anchors(anchors_from)
        if not found:
            fail(t("audit.anchors_none", path=", ".join(map(str, anchors_from))))
        for key, values in found.items():
            anchors.setdefault(key, []).extend(values)
        out.print(t("audit.anchors_read", n=sum(map(len, found.values())), files=files), highlight=False)
    with session() as s:
        try:
            report = verify(s, plan, anchors, parallel=(os.cpu_count() or 1) > 1)  # long chains in two processes
        except UnknownPlan as exc:
            fail(str(exc))
    for c in report.chains:
        out.print(
            t("audit.chain_line", plan=c.plan, chain=t(f"chain.{c.chain}"), rows=c.rows, anchor=c.anchor),
            highlight=False,
            soft_wrap=True,
        )
    if report.missing_triggers:
        err.print(
            f"[bold red]✗[/] {escape(t('audit.triggers', names=', '.join(report.missing_triggers)))}", highlight=False
        )
    for b in report.breaks:
        err.print(f"[bold red]✗[/] {escape(b.message)}", highlight=False, soft_wrap=True)
    if not report.whole:
        fail(t("audit.broken", n=len(report.breaks) + bool(report.missing_triggers)), code=1)
    out.print(
        f"[green]✓[/] {t('audit.whole', chains=len(report.chains), rows=sum(c.rows for c in report.chains))}",
        highlight=False,
    )


@audit_app.command("runs")
def audit_runs(plan: str) -> None:
    """Các lần chạy Prefect của kế hoạch và số bước mỗi lần đã ghi / the plan's Prefect runs beside what they recorded."""
    with session() as s:
        try:
            report = cross_check(s, plan)
        except UnknownPlan as exc:
            fail(str(exc))
        except Exception as exc:  # the Prefect API cannot be reached or refused the request
            if type(exc).__module__.startswith(("httpx", "prefect")):
                fail(t("runs.unreachable", detail=str(exc) or type(exc).__name__))
            raise
    table = Table(title=t("runs.title", plan=plan))
    for key in (
        "hcol.flow_run_id",
        "runs.col_flow",
        "runs.col_name",
        "col.state",
        "runs.col_start",
        "runs.col_steps",
        "runs.col_deliveries",
    ):
        table.add_column(
            t(key),
            no_wrap=key == "hcol.flow_run_id",
            justify="right" if key in ("runs.col_steps", "runs.col_deliveries") else "left",
        )
    for r in report.runs:
        start = pendulum.instance(r.start).in_tz(TZ).format("DD/MM/YYYY HH:mm:ss") if r.start else ""
        table.add_row(r.id, escape(r.flow), escape(r.name), r.state or "", start, str(r.steps), str(r.deliveries))
    out.print(table)
    for r in report.runs:
        if not r.tagged:
            err.print(
                f"[yellow]![/] {escape(t('runs.untagged', id=r.id, flow=r.flow, plan=plan, steps=r.steps))}",
                highlight=False,
            )
    for u in report.unknown:
        err.print(
            f"[bold red]✗[/] {escape(t('runs.unknown', n=u.steps, id=u.id, first=u.first_row))}",
            highlight=False,
            soft_wrap=True,
        )
    if report.unknown:
        raise typer.Exit(1)
    out.print(
        f"[green]✓[/] {t('runs.ok', runs=sum(1 for r in report.runs if r.steps or r.deliveries))}", highlight=False
    )
