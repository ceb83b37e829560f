"""What every `cchc` command shares: the two consoles, failing with a message, the common options, dates and
the name of the person at the keyboard, and running through the work pool when a Prefect server is configured."""

from __future__ import annotations

import getpass
import os
import sys
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, NoReturn, TypeVar, overload

import typer
from rich.console import Console
from rich.markup import escape

from cchc_flow.models.rules.findings import Finding
from cchc_flow.models.rules.messages import t
from cchc_flow.models.rules.text import ControlCharacters, check_text
from cchc_flow.settings import SettingsInvalid, get_settings

if TYPE_CHECKING:
    from cchc_flow.models.rules.backdating import LateLetter

# No emoji codes: a ":name:" in the data is printed as written (and Rich's table of emoji codes is never loaded).
out = Console(emoji=False)
err = Console(stderr=True, emoji=False)
UnitsOpt = Annotated[Path, typer.Option("--units", help="Danh mục đơn vị / unit directory")]
FormatOpt = Annotated[str, typer.Option("--format", help="table | json")]
AsOfOpt = Annotated[str | None, typer.Option("--as-of", help="YYYY-MM-DD hoặc DD/MM/YYYY; mặc định: hôm nay")]
PlanOpt = Annotated[str | None, typer.Option("--plan", help="mã kế hoạch (khi đã nạp nhiều kế hoạch)")]
StepDayOpt = Annotated[
    str | None,
    typer.Option(
        "--as-of",
        help="người điều phối ghi một bước theo công văn đến muộn: ngày bước được tính (cần --letter) / "
        "the coordinator records a step from a late letter: the day it counts for (needs --letter)",
    ),
]
LetterOpt = Annotated[
    str | None,
    typer.Option(
        "--letter", help="số, ngày của công văn đến muộn (đi cùng --as-of) / the late letter's reference (with --as-of)"
    ),
]
AttachOpt = Annotated[list[Path] | None, typer.Option("--attach", help="tệp minh chứng (lặp lại được)")]


def readable_input() -> None:
    """Refuse arguments and CCHC_* variables that are not UTF-8 text (Python keeps their bytes as lone surrogates,
    which no database, file or terminal takes)."""
    for n, arg in enumerate(sys.argv[1:], 1):
        if not _utf8(arg):
            shown = arg.encode("utf-8", "surrogateescape").decode("utf-8", "backslashreplace")
            fail(t("cli.not_utf8_arg", n=n, shown=escape(shown)))
    for name, value in os.environ.items():
        if name.startswith("CCHC_") and not _utf8(value):
            fail(t("cli.not_utf8_env", name=name))  # the value is not shown: it may be a token


def usable_settings() -> None:
    """Refuse CCHC_* variables that cannot be used, each named with what it needs, before anything is done."""
    try:
        get_settings()
    except SettingsInvalid as exc:
        fail(escape(exc.describe(t)))


def _utf8(text: str) -> bool:
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def stated_name() -> str:
    """The name the person at the keyboard gives (CCHC_ACTOR, else the login name): recorded beside the acting
    token's principal, never as the actor. Control characters are refused."""
    name = get_settings().actor or getpass.getuser()
    try:
        return check_text(name, "CCHC_ACTOR") or ""
    except ControlCharacters as exc:
        fail(str(exc))


def fail(message: str, code: int = 2) -> NoReturn:
    err.print(f"[bold red]✗[/] {message}", highlight=False, markup=True)
    raise typer.Exit(code)


def check_routes_or_fail() -> None:
    """Refuse, before anything is recorded or sent, a routes file (CCHC_NOTIFY_CONFIG) that cannot be used."""
    # deferred: Apprise loads only for the commands that check routes or send
    from cchc_flow.models.notify.routes_file import RoutesInvalid, check_routes

    try:
        check_routes()
    except RoutesInvalid as exc:
        fail(str(exc))


def print_findings(findings: list[Finding]) -> None:
    for f in findings:
        colour = "red" if f.level == "error" else "yellow"
        label = t("errors") if f.level == "error" else t("warnings")
        err.print(f"[{colour}]{label}[/]: {f}", highlight=False, soft_wrap=True, markup=True)


@overload
def as_of_value(value: str) -> str: ...
@overload
def as_of_value(value: None) -> None: ...
def as_of_value(value: str | None) -> str | None:
    """--as-of checked early: a clear error for an unreadable date, ISO text otherwise."""
    if value is None:
        return None
    # deferred here and below: the calendar (pendulum, the holidays) loads only for the commands that take dates
    from cchc_flow.models.rules.calendar import DateError, parse_date

    try:
        return parse_date(value).isoformat()
    except DateError as exc:
        fail(t("cli.bad_date", value=value, detail=str(exc)))


def run_as_of(value: str | None) -> str | None:
    """--as-of of a phase, review or reporting run: readable (as_of_value) and not too far ahead (run_day)."""
    from cchc_flow.models.rules.calendar import FutureDateError, run_day

    value = as_of_value(value)
    try:
        run_day(value)
    except FutureDateError as exc:
        fail(str(exc))
    return value


def launch_through_pool(kind: str, plan: str, phase: int | None, as_of: str | None) -> bool:
    """When a Prefect server is configured and the run is deployed: run it through the work pool, print how it
    ended (exit 1 unless it completed) and return True; False: run it in this process."""
    # deferred: only the commands that run flows need the launch helpers (and the database models they read)
    from cchc_flow.flows.running.launch import describe, pool_deployment, run_through_pool
    from cchc_flow.models.store.history_query import run_url_maker

    if call_server(lambda: pool_deployment(kind, plan, phase)) is None:
        return False
    run = call_server(lambda: run_through_pool(kind, plan, phase, as_of))
    line, ok = describe(run, kind, plan, phase)
    (out if ok else err).print(line, highlight=False)
    url = run_url_maker()(run.flow_run_id)
    if url:
        out.print(url, highlight=False)
    if not ok:
        raise typer.Exit(1)
    return True


def late_letter(as_of: str | None, letter: str | None) -> LateLetter | None:
    """--as-of with --letter: the coordinator records a step from a letter that arrived late (LateLetter)."""
    from cchc_flow.models.rules.backdating import LateLetter
    from cchc_flow.models.rules.calendar import parse_date

    if as_of is None and letter is None:
        return None
    day = as_of_value(as_of)
    if day is None or not (letter or "").strip():
        fail(t("backdate.needs_both"))
    return LateLetter(parse_date(day), letter)  # type: ignore[arg-type]


T = TypeVar("T")


def call_server(fn: Callable[[], T]) -> T:
    """``fn()``, or exit 1 with a clear message when the Prefect server is down or answers with an error."""
    # deferred: Prefect loads only when it is called; every `cchc` command imports this module
    import httpx
    from prefect.exceptions import PrefectHTTPStatusError
    from prefect.settings import PREFECT_API_URL

    try:
        return fn()
    except (httpx.HTTPError, PrefectHTTPStatusError, RuntimeError, OSError) as exc:
        fail(t("deploy.server_error", url=PREFECT_API_URL.value(), error=str(exc).splitlines()[0][:300]), code=1)
