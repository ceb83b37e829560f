"""The `cchc` command line: the Typer app, its options, and the command groups (one module each in cli/).

Each command's module is imported only when that command runs (or its own help is asked for): `cchc --help` lists
the commands from COMMANDS below without importing any of them, and `cchc units` imports cli/units.py alone.
"""

from __future__ import annotations

import gc
import importlib
import sys
from dataclasses import dataclass
from typing import Annotated, Any

import typer
from typer.core import TyperCommand, TyperGroup


@dataclass(frozen=True)
class Entry:
    """Where a top-level command lives (``module:attribute``, a Typer group or a command function), the modules that
    add commands to it, and the first paragraph of its help (tests/test_cli_speed.py keeps it equal to the command's)."""

    target: str
    help: str
    adds: tuple[str, ...] = ()

    def load(self, name: str) -> Any:
        module, _, attribute = self.target.partition(":")
        found = getattr(importlib.import_module(module), attribute)
        for other in self.adds:
            importlib.import_module(other)
        command: Any
        if isinstance(found, typer.Typer):
            command = typer.main.get_group(found)  # a group even with one command (`cchc phase run`)
        else:
            single = typer.Typer(add_completion=False)
            single.command(name)(found)
            command = typer.main.get_command(single)
        command.name = name
        return command


FOLLOW_UP = ("cchc_flow.cli.follow_up",)  # adds its commands to the activity and review groups
COMMANDS = {
    "units": Entry(
        "cchc_flow.cli.units:units_cmd", "Danh mục đơn vị của từng tổ chức / each organisation's unit directory."
    ),
    "demo": Entry(
        "cchc_flow.cli.demo_command:demo",
        "Chạy thử một kế hoạch (mặc định 3723/QĐ-BYT, 2013-2015) / replay a plan (default: the reference plan).",
    ),
    "deploy": Entry(
        "cchc_flow.cli.server:deploy_cmd",
        "Tạo/cập nhật deployment Prefect cho mọi kế hoạch đang chạy / create or update the Prefect deployments.",
    ),
    "serve": Entry(
        "cchc_flow.cli.server:serve",
        "Cổng thông tin web cho đơn vị, đầu mối và kiểm toán / start the web portal.",
    ),
    "history": Entry(
        "cchc_flow.cli.audit:history_command",
        "Lịch sử các bước và thông báo đã gửi, lọc và xuất / the history of steps and notices, filtered, exported.",
    ),
    "plan": Entry(
        "cchc_flow.cli.plan:plan_app", "Kế hoạch: kiểm tra, nạp, liệt kê, xem / plans: check, load, list, show."
    ),
    "phase": Entry("cchc_flow.cli.phase:phase_app", "Giai đoạn: chạy luồng Prefect / phases: run the Prefect flow."),
    "activity": Entry(
        "cchc_flow.cli.activity:activity_app",
        "Hoạt động: báo cáo, ghi chú, công nhận, trả lại, hủy, liệt kê / activities.",
        FOLLOW_UP,
    ),
    "review": Entry("cchc_flow.cli.review:review_app", "Sơ kết, tổng kết / the phase reviews.", FOLLOW_UP),
    "report": Entry("cchc_flow.cli.report:report_app", "Báo cáo định kỳ 6 tháng, hằng năm / periodic reports."),
    "audit": Entry(
        "cchc_flow.cli.audit:audit_app",
        "Kiểm toán: kiểm tra chuỗi băm, đối chiếu với Prefect / audit: verify the history, cross-check with Prefect.",
    ),
    "token": Entry(
        "cchc_flow.cli.token:token_app", "Mã truy cập: cấp, liệt kê, thu hồi / access tokens: issue, list, revoke."
    ),
    "notice": Entry(
        "cchc_flow.cli.notice:notice_app",
        "Thông báo: xem, gửi lại hoặc xác nhận thông báo chưa rõ / notifications: list, resend or confirm those in "
        "doubt.",
    ),
}


# Commands that run flows: their process starts Prefect's local API as it begins (start_flow_api)
FLOW_COMMANDS = (("phase", "run"), ("review", "run"), ("report", "run"), ("demo",))


def start_flow_api(argv: list[str]) -> None:
    """In a `cchc` process whose command runs flows (FLOW_COMMANDS), start Prefect's local API now, before Typer parses
    and the command's modules load (0.5-0.8 s of CPU the server's start would otherwise wait for); the command's own
    start_local_api() then finds it running. Prefect's settings for the process come first: the server inherits them."""
    words = [a for a in argv if not a.startswith("-")]
    if "--help" in argv or not any(tuple(words[: len(c)]) == c for c in FLOW_COMMANDS):
        return
    # deferred: the other commands do without them (neither imports anything of Prefect)
    from cchc_flow.flows.running.local_api import start_local_api
    from cchc_flow.flows.running.runtime import prefect_defaults

    prefect_defaults("--verbose" in argv)
    start_local_api()


class LazyCommands(dict[str, Any]):
    """The top-level commands by name, each imported the first time it is looked up."""

    def __init__(self) -> None:
        super().__init__()
        self.update(dict.fromkeys(COMMANDS))

    def __getitem__(self, name: str) -> Any:
        command = super().__getitem__(name)
        if command is None:
            command = COMMANDS[name].load(name)
            self[name] = command
        return command

    def get(self, name: str, default: Any = None) -> Any:
        return self[name] if name in self else default

    def values(self) -> Any:
        return [self[name] for name in self]

    def items(self) -> Any:
        return [(name, self[name]) for name in self]


class LazyGroup(TyperGroup):
    """The root group: its commands load on first use; its own help lists them from COMMANDS without loading any."""

    listing = False

    def __init__(self, **attrs: Any) -> None:
        super().__init__(**attrs)
        self.commands = LazyCommands()

    def list_commands(self, ctx: Any) -> list[str]:
        return list(self.commands)

    def get_command(self, ctx: Any, cmd_name: str) -> Any:
        if self.listing and cmd_name in COMMANDS:
            return TyperCommand(name=cmd_name, help=COMMANDS[cmd_name].help)
        return self.commands.get(cmd_name)

    def invoke(self, ctx: Any) -> Any:
        """Run the command; a database that cannot be used is said in one clear line, not a traceback."""
        try:
            return super().invoke(ctx)
        except Exception as exc:
            if "cchc_flow.models.store.db" not in sys.modules:
                raise  # no database was opened: the error is another's
            from cchc_flow.cli.console import fail
            from cchc_flow.models.store.db import unusable

            told = unusable(exc)
            if told is None:
                raise
            fail(str(told))

    def format_help(self, ctx: Any, formatter: Any) -> None:
        self.listing = True
        try:
            super().format_help(ctx, formatter)
        finally:
            self.listing = False


app = typer.Typer(
    cls=LazyGroup,
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
    if not gc.isenabled():  # paused by main() while the command's modules loaded
        gc.freeze()
        gc.enable()
    # deferred: `cchc --help` (which does not run this) lists the commands with Typer alone
    from cchc_flow.cli.console import readable_input, usable_settings
    from cchc_flow.flows.running.runtime import prefect_defaults

    readable_input()
    usable_settings()
    prefect_defaults(verbose)


def main() -> None:
    """The `cchc` command. Python's cyclic garbage collector is paused while the command's modules load (hundreds of
    thousands of long-lived objects, no garbage worth a pass: a tenth of a reading command's time) and resumed before
    the command runs, the loaded modules' objects frozen out of its passes (``options`` above). A command that runs
    flows starts Prefect's local API first (start_flow_api)."""
    from cchc_flow.flows.running.gc_pause import one_shot_process

    one_shot_process()  # one command, then exit: the flows' imports may be frozen out of the collector too
    start_flow_api(sys.argv[1:])
    gc.disable()
    app()


if __name__ == "__main__":
    main()
