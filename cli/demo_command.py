"""`cchc demo`: replay the reference plan (the script is cli/demo.py), then show where it ended and how to open it
in the portal."""

from __future__ import annotations

import json
import os
from datetime import date
from pathlib import Path
from typing import Annotated

import typer
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from cchc_flow.cli.console import FormatOpt, err, fail, out
from cchc_flow.cli.demo import END, PLAN, START, demo_settings, portal_access, run_demo, steps_between, summary
from cchc_flow.cli.replays import REPLAYS, replay_settings, run_replay, yearly
from cchc_flow.flows.running.local_api import start_local_api
from cchc_flow.models.rules.labels import number, percent
from cchc_flow.models.rules.messages import t


def demo(
    home: Annotated[Path | None, typer.Option("--home", help="thư mục riêng của bản chạy thử")] = None,
    database_url: Annotated[
        str | None,
        typer.Option(
            "--database-url",
            help="một cơ sở dữ liệu trống để chạy thử vào (mặc định: SQLite trong --home) / "
            "an empty database to replay into (default: SQLite in --home)",
        ),
    ] = None,
    fmt: FormatOpt = "table",
    plan: Annotated[
        str | None,
        typer.Option("--plan", help="phu-my-2022-2025 | kon-tum-2021 (mặc định: 3723/QĐ-BYT / default: 3723)"),
    ] = None,
) -> None:
    """Chạy thử một kế hoạch (mặc định 3723/QĐ-BYT, 2013-2015) / replay a plan (default: the reference plan)."""
    if plan not in (None, PLAN, *REPLAYS):
        fail(t("demo.unknown_plan", plan=plan, known=", ".join((PLAN, *REPLAYS))))
    start_local_api()  # Prefect's local API comes up while this command imports and checks (unless a server is set)
    os.environ.setdefault("PREFECT_LOGGING_LEVEL", "WARNING")
    replay = REPLAYS.get(plan or PLAN)
    settings = replay_settings(replay, home, database_url) if replay else demo_settings(home, database_url)
    start, end = (replay.start, replay.end) if replay else (START, END)
    total = len(steps_between(start, end))
    with Progress(
        TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(), console=err
    ) as progress:
        bar = progress.add_task(t("demo.progress", date=start.isoformat()), total=total)

        def advance(day: date) -> None:
            progress.update(bar, advance=1, description=t("demo.progress", date=day.strftime("%d/%m/%Y")))

        result = run_replay(replay, settings, advance) if replay else run_demo(settings, advance)
    data = {**summary(settings, *((replay.plan, replay.end) if replay else ())), "portal": portal_access(result)}
    if replay:
        data["illustrative_members"] = replay.members
        data.update(yearly(settings, replay))
    if fmt == "json":
        typer.echo(json.dumps(data, ensure_ascii=False, indent=2))
        return
    show_summary(data)
    show_access(data["portal"])


def show_summary(data: dict) -> None:
    """The final Rich summary of the demo: where the plan ended and where its files are."""
    table = Table(title=t("demo.title", plan=data["plan"]))
    table.add_column(t("col.state"))
    for phase in data["phases"].values():
        table.add_column(phase["name"], justify="right")
    for state in ("planned", "assigned", "reported", "accepted", "overdue", "returned", "cancelled"):
        table.add_row(t(f"state.{state}"), *(str(p["states"].get(state, 0)) for p in data["phases"].values()))
    table.add_row(
        t("demo.review"),
        *(
            t("demo.held", date=_dmy(data["reviews"][n]["held_on"])) if n in data["reviews"] else "—"
            for n in data["phases"]
        ),
    )
    out.print(table)
    n = data["notifications"]
    out.print(
        t(
            "demo.counts",
            transitions=data["transitions"],
            sent=n.get("sent", 0),
            pending=n.get("pending", 0),
            reports=data["periodic_reports"],
        )
    )
    for review in data["reviews"].values():
        out.print(t("demo.report", path=review["docx"]), highlight=False)
    if data.get("series"):
        series = Table(title=t("review.series"))
        for col in ("activity", "items", "done", "on_time", "late", "missed"):
            series.add_column(t(f"review.series_{col}"))
        for x in data["series"]:
            cells = (str(x["items"]), str(x["done"]), x["on_time"], str(x["late"]), ", ".join(x["missed"]) or "—")
            series.add_row(x["activity"], *cells)
        out.print(series)
    if data.get("years"):
        show_years(data["years"], data["periodic"])
    if data.get("illustrative_members"):
        out.print(t("demo.illustrative", members=", ".join(data["illustrative_members"])), highlight=False)
    out.print(t("demo.outbox", path=data["outbox"], n=data["outbox_files"]), highlight=False)
    scores = Table(title=t("score.heading"))  # the units' ranking over the whole plan ends the replay
    for col in ("score.rank", "col.unit", "score.score", "score.completion", "score.punctuality"):
        scores.add_column(t(col))
    for s in data["scores"]:
        scores.add_row(
            str(s["rank"] or "—"), s["unit"], number(s["score"]), percent(s["completion"]), percent(s["punctuality"])
        )
    out.print(scores)


def show_years(years: dict, periodic: list[dict]) -> None:
    """A replay's years: the recurring and per-unit items counted per year, then each periodic report owed."""
    table = Table(title=t("demo.years"))
    for col in ("demo.year", "review.series_items", "demo.on_time", "review.series_late", "demo.missed"):
        table.add_column(t(col), justify="right")
    for year, y in years.items():
        missed = f"{y['missed']}" + (f" ({', '.join(y['missed_by'])})" if y["missed_by"] else "")
        table.add_row(year, str(y["items"]), str(y["on_time"]), str(y["late"]), missed)
    out.print(table)
    reports = Table(title=t("demo.periodic"))
    for col in ("col.period", "col.due", "col.submitted"):
        reports.add_column(t(col))
    for r in periodic:
        came = _dmy(r["submitted"]) if r["submitted"] else "—"
        reports.add_row(r["period"], _dmy(r["due"]), came if r["on_time"] or not r["submitted"] else f"{came} ⚠")
    out.print(reports)


def _dmy(iso: str) -> str:
    return date.fromisoformat(iso).strftime("%d/%m/%Y")


def show_access(access: dict[str, str]) -> None:
    """How to open the replay in the portal, as its coordinator and as a unit (the demo's own tokens and link)."""
    out.print(t("demo.portal", command=access["serve"]), highlight=False, soft_wrap=True)
    out.print(
        t("demo.portal_coordinator", unit=access["coordinator"], token=access["coordinator_token"]),
        highlight=False,
        soft_wrap=True,
    )
    out.print(t("demo.portal_unit", unit=access["unit"], link=access["unit_link"]), highlight=False, soft_wrap=True)
