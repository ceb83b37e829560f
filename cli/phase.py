"""`cchc phase`: run a phase's flow as of a date and print what it did."""

from __future__ import annotations

from typing import TYPE_CHECKING

import typer
from rich.table import Table

from cchc_flow.cli.console import AsOfOpt, check_routes_or_fail, err, fail, launch_through_pool, out, run_as_of
from cchc_flow.flows.running.gc_pause import collector_paused
from cchc_flow.flows.running.local_api import start_local_api
from cchc_flow.flows.running.naming import PHASE
from cchc_flow.models.rules.messages import t
from cchc_flow.models.services.activities import phase_view
from cchc_flow.models.store.db import session
from cchc_flow.models.store.queries import UnknownPlan
from cchc_flow.settings import get_settings

if TYPE_CHECKING:
    from cchc_flow.flows.phase import PhaseRunSummary

phase_app = typer.Typer(help="Giai đoạn: chạy luồng Prefect / phases: run the Prefect flow.", no_args_is_help=True)


@phase_app.command("run")
def phase_run(plan: str, phase: int, as_of: AsOfOpt = None) -> None:
    """Chạy một giai đoạn tới ngày đã cho (qua work pool khi đã có máy chủ Prefect và deployment) / run one phase
    as of a date (through the work pool when a Prefect server is configured and the phase deployed)."""
    start_local_api()  # Prefect's local API comes up while this command imports and checks (unless a server is set)
    # deferred: the flows bring Prefect and Apprise, which the other commands do without
    with collector_paused():  # a one-shot process: Prefect's objects kept out of the collector's scans
        from cchc_flow.flows.phase import run_phase

    as_of = run_as_of(as_of)
    check_routes_or_fail()
    try:
        with session() as s:
            phase_view(s, plan, phase)
    except (UnknownPlan, LookupError) as exc:
        fail(str(exc))
    if launch_through_pool(PHASE, plan, phase, as_of):
        return
    summary = run_phase(plan, phase, as_of)
    show_phase_summary(summary)


def show_phase_summary(summary: PhaseRunSummary) -> None:
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
