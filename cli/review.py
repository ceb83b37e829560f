"""`cchc review`: hold a phase review and sign its report (the units' scores: cli/follow_up.py)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from sqlmodel import select

from cchc_flow.cli.console import AsOfOpt, check_routes_or_fail, fail, launch_through_pool, out, run_as_of
from cchc_flow.flows.running.gc_pause import collector_paused
from cchc_flow.flows.running.local_api import start_local_api
from cchc_flow.flows.running.naming import REVIEW
from cchc_flow.models.rules.messages import t
from cchc_flow.models.store.db import session
from cchc_flow.models.store.queries import UnknownPlan, get_plan
from cchc_flow.models.store.tables import ReviewRow, UnitRow
from cchc_flow.settings import get_settings

review_app = typer.Typer(help="Sơ kết, tổng kết / the phase reviews.", no_args_is_help=True)


@review_app.command("run")
def review_run(plan: str, phase: Annotated[int, typer.Option("--phase")], as_of: AsOfOpt = None) -> None:
    """Tổ chức sơ kết/tổng kết của một giai đoạn và lập báo cáo / hold a phase's review and file its report."""
    start_local_api()  # Prefect's local API comes up while this command imports and checks (unless a server is set)
    # deferred: the flows bring Prefect and Apprise, which the other commands do without
    with collector_paused():  # a one-shot process: Prefect's objects kept out of the collector's scans
        from cchc_flow.flows.review import check_review_now, run_review
        from cchc_flow.models.reports.review_pdf import FontMissing
        from cchc_flow.models.services.reviews import ReviewRefused

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
    # deferred: the flows bring Prefect and Apprise, which the other commands do without; the review services and
    # the signing load for this command only (cli/follow_up.py imports this module for `cchc activity`)
    from cchc_flow.flows.review import report_paths
    from cchc_flow.models.reports.pdf_sign import SigningError, sign_pdf
    from cchc_flow.models.services.reviews import office

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
