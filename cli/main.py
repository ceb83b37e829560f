"""The `cchc` command line: the Typer app, its options, and the command groups (one module each in cli/)."""

from __future__ import annotations

from typing import Annotated

import typer

from cchc_flow.cli import (
    activity,
    demo_command,
    follow_up,  # noqa: F401  (adds its commands to the activity and review groups)
    notice,
    phase,
    plan,
    report,
    review,
    server,
    token,
    units,
)
from cchc_flow.cli.audit import audit_app, history_command
from cchc_flow.cli.console import readable_input, usable_settings
from cchc_flow.flows.running.runtime import prefect_defaults

app = typer.Typer(
    help="cchc-flow: kế hoạch truyền thông CCHC thành công việc có theo dõi / "
    "run a CCHC communication plan as tracked work.",
    no_args_is_help=True,
)


@app.callback()
def options(
    verbose: Annotated[
        bool, typer.Option("--verbose", help="nhật ký Prefect mức INFO / Prefect's own log lines at INFO")
    ] = False,
) -> None:
    """Before any command: arguments and CCHC_* variables that are not UTF-8 text refused; Prefect's analytics off and
    its own log lines at WARNING (INFO with --verbose), unless the user set them."""
    readable_input()
    usable_settings()
    prefect_defaults(verbose)


app.add_typer(plan.plan_app, name="plan")
app.add_typer(phase.phase_app, name="phase")
app.add_typer(activity.activity_app, name="activity")  # with the follow-up commands (cli/follow_up.py)
app.add_typer(review.review_app, name="review")
app.add_typer(report.report_app, name="report")
app.command("units")(units.units_cmd)
app.command("demo")(demo_command.demo)
app.command("deploy")(server.deploy_cmd)
app.command("serve")(server.serve)
app.add_typer(audit_app, name="audit")
app.command("history")(history_command)
app.add_typer(token.token_app, name="token")
app.add_typer(notice.notice_app, name="notice")

if __name__ == "__main__":
    app()
