"""Replays of the other plans (`cchc demo --plan phu-my-2022-2025 | kon-tum-2021`), walked as the reference demo is.

The plans do not list the members of the groups that do their activities ("các khoa, phòng, trạm y tế", "các phòng
chuyên môn, cơ quan, đơn vị trực thuộc"): a replay adds a few members of its own, named as illustrations (their
names say so), to a copy of the organisation's directory and of the plan in the replay's home, and says so in its
summary. Units act on a fixed, believable script, the same every year of the plan: most shares reported on time and
accepted, one month's follow-up and one member's third quarter late, one member never reports, one month of the focal
unit's follow-up missed; the periodic reports the plan has (some late) and the reviews or inspections it names.
The summary adds, read from the database, each year's items counted as the reviews count them and each periodic
report with its due date and the day it came.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path

from cchc_flow.cli.demo import DemoResult, Step, evidence_file, prepare_home, steps_between
from cchc_flow.models.rules.plan import Plan
from cchc_flow.models.rules.recurrence import bare, items
from cchc_flow.settings import CONFIG_DIR, Settings, build_settings, get_settings, use_settings


@dataclass(frozen=True)
class Replay:
    plan: str
    directory: str  # config/units/<file>
    group: str  # the group whose members the replay adds (bare code)
    members: dict[str, str]  # illustrative members: bare code -> name
    start: date
    end: date
    silent: str  # the member that never reports
    late: str  # the member that reports its third quarter late, every year
    late_month: str  # the month ("08") whose follow-up is reported late, every year
    missed_month: str  # the month ("11") whose follow-up is never reported, every year
    reports: tuple[tuple[str, date], ...] = ()  # periodic reports: (period, day submitted)


ILLUSTRATIVE = "(minh họa)"

REPLAYS: dict[str, Replay] = {
    "phu-my-2022-2025": Replay(
        plan="phu-my-2022-2025",
        directory="ttytpm.yaml",
        group="KPT",
        members={
            "KHOA_KB": f"Khoa Khám bệnh {ILLUSTRATIVE}",
            "KHOA_YTCC": f"Khoa Y tế công cộng {ILLUSTRATIVE}",
            "TYT_A": f"Trạm y tế xã A {ILLUSTRATIVE}",
            "TYT_B": f"Trạm y tế xã B {ILLUSTRATIVE}",
        },
        start=date(2022, 2, 1),
        end=date(2025, 12, 31),  # the plan's whole calendar: 2022-2025
        silent="TYT_B",
        late="KHOA_YTCC",
        late_month="08",
        missed_month="11",
        # to the Sở before 05/6 and 05/12 every year; the 2022 yearly report and the 2024 half-year one come late
        reports=tuple(
            (period, day)
            for year in range(2022, 2026)
            for period, day in (
                (f"{year}-H1", date(year, 6, 10 if year == 2024 else 2)),
                (str(year), date(year, 12, 8 if year == 2022 else 1)),
            )
        ),
    ),
    "kon-tum-2021": Replay(
        plan="kon-tum-2021",
        directory="sytkt.yaml",
        group="PCM",
        members={
            "PNV": f"Phòng Nghiệp vụ {ILLUSTRATIVE}",
            "BVDK": f"Bệnh viện Đa khoa tỉnh {ILLUSTRATIVE}",
            "TTYT_A": f"Trung tâm Y tế huyện A {ILLUSTRATIVE}",
        },
        start=date(2021, 5, 19),
        end=date(2021, 12, 31),
        silent="TTYT_A",
        late="BVDK",
        late_month="07",
        missed_month="09",
    ),
}


def prepared_files(replay: Replay, home: Path) -> tuple[Path, Path]:
    """The organisation's directory and the plan, copied into the replay's home with the illustrative members."""
    units = (CONFIG_DIR / "units" / replay.directory).read_text(encoding="utf-8")
    for code, name in replay.members.items():
        units += (
            f"\n  - code: {code}\n    name: {name}\n    kind: unit\n    tags: [{replay.group.lower()}-{code.lower()}]\n"
        )
    plan = (CONFIG_DIR / "plans" / f"{replay.plan}.yaml").read_text(encoding="utf-8")
    plan = plan.replace(f"  {replay.group}: []", f"  {replay.group}: [{', '.join(replay.members)}]", 1)
    folder = home / "plan"
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "units.yaml").write_text(units, encoding="utf-8")
    (folder / f"{replay.plan}.yaml").write_text(plan, encoding="utf-8")
    return folder / f"{replay.plan}.yaml", folder / "units.yaml"


def script(replay: Replay, plan: Plan, org: str, coordinator: str) -> list[Step]:
    """Who reports what, and when: every item of the replayed months, as a unit would, and the coordinator's answers."""
    steps: list[Step] = []
    for act in plan.activities:
        members = tuple(f"{org}.{m}" for m in replay.members) if act.for_each else None
        for i in items(act.key, act.window.start, min(act.window.end, replay.end), act.cadence, members):
            if i.end > replay.end:
                continue
            lead = i.member or (act.lead[0].code if act.lead else None)
            if lead is None or (i.member and bare(i.member) == replay.silent):
                continue  # no lead (the coordinator stands in, and does not report) / the member that never reports
            month = i.period[-3:] if i.period and not i.member else None  # "-11" of a monthly item
            if month == f"-{replay.missed_month}":
                continue  # the focal unit's follow-up (or the CDC's column) missed one month a year
            q3 = bool(i.member and bare(i.member) == replay.late and i.period and i.period.endswith("Q3"))
            late = q3 or month == f"-{replay.late_month}"
            day = i.end + timedelta(days=9) if late else max(i.start, i.end - timedelta(days=4))
            text = f"Báo cáo kết quả {act.short_title.lower()} — kỳ {i.period or act.window.as_written}"
            steps += [Step(day, "done", i.key, lead, text), Step(day + timedelta(days=2), "accept", i.key, coordinator)]
    return sorted(steps, key=lambda s: (s.day, s.kind != "done"))


def replay_settings(replay: Replay, home: Path | None = None, database_url: str | None = None) -> Settings:
    """The replay's settings: its own home (default: demo/<plan> in the configured one), its SQLite database there
    (or the empty one at ``database_url``), and routes of its own sending every unit to the local outbox."""
    home = home or get_settings().home / "demo" / replay.plan
    return build_settings(
        home=home,
        database_url=database_url or f"sqlite:///{home / 'cchc.db'}",
        notify_config=home / "plan" / "notify.yaml",
    )


def run_replay(replay: Replay, settings: Settings, advance: Callable[[date], None] | None = None) -> DemoResult:
    """Replay ``replay``'s plan from its start to its end, a working week at a time, as `cchc demo` does 3723, on
    ``settings`` (replay_settings(): its home is emptied first)."""
    with use_settings(settings):
        return _replay(replay, settings, advance)


def _replay(replay: Replay, settings: Settings, advance: Callable[[date], None] | None) -> DemoResult:
    from cchc_flow.flows.delivery import deliver_now
    from cchc_flow.flows.phase import phase_has_work, run_phase
    from cchc_flow.flows.reporting import reporting_has_work, run_reporting
    from cchc_flow.models.rules.plan import read_directory, read_plan
    from cchc_flow.models.services.actions import coordinator_decides, report_done
    from cchc_flow.models.services.auth import authenticate, issue_token
    from cchc_flow.models.services.loading import load_plan
    from cchc_flow.models.services.periodic import submit_report
    from cchc_flow.models.store.db import session

    name, home = replay.plan, settings.home
    prepare_home(home)
    plan_file, units_file = prepared_files(replay, home)
    directory = read_directory(units_file)
    tags = sorted({tag for u in directory.units.values() for tag in u.tags})  # every unit, the illustrative ones too
    settings.notify_config.write_text(
        "version: 1\nurls:\n" + "".join(f"  - outbox://{t}: {{tag: {t}}}\n" for t in tags), "utf-8"
    )
    plan, _ = read_plan(plan_file, directory)
    with session() as s:
        load_plan(s, plan, directory, stated_name="demo", today=replay.start)
    coordinator = directory.resolve(plan.info.focal_unit)[0]  # type: ignore[index]
    steps = script(replay, plan, directory.organisation, coordinator)
    reporter = directory.resolve(plan.reporting[0].reporters[0])[0] if plan.reporting else None  # type: ignore[index]
    units = {s.unit for s in steps} | {coordinator} | ({reporter} if reporter else set())
    officers, tokens = {}, {}
    with session() as s:
        for unit in sorted(units):
            _, tokens[unit] = issue_token(s, "coordinator" if unit == coordinator else "unit", unit, label="demo")
            officers[unit] = authenticate(s, tokens[unit])
            s.rollback()
    days = sorted({*steps_between(replay.start, replay.end), replay.end})  # the last day: the year's last shares
    member = f"{directory.organisation}.{next(iter(replay.members))}"
    result = DemoResult(
        settings,
        home,
        len(days),
        coordinator_token=tokens[coordinator],
        coordinator=coordinator,
        unit=member,
        end=replay.end,
    )
    reports = list(replay.reports)
    phases = [p.number for p in plan.phases]
    for day in days:
        while reports and reports[0][1] <= day and reporter:
            period, on = reports.pop(0)
            with session() as s:
                plan_id, p, _ = submit_report(
                    s,
                    principal=officers[reporter],
                    plan_code=name,
                    unit=reporter,
                    period=period,
                    file=evidence_file(home, Step(on, "submit", period, reporter, period)),
                    today=on,
                )
            deliver_now(plan_id, (p.to,), on)
        while steps and steps[0].day <= day:
            step = steps.pop(0)
            with session() as s:
                if step.kind == "done":
                    r = report_done(
                        s,
                        principal=officers[step.unit],
                        plan_code=name,
                        key=step.target,
                        unit=step.unit,
                        evidence=step.text,
                        today=step.day,
                    )
                else:
                    r = coordinator_decides(
                        s,
                        principal=officers[coordinator],
                        plan_code=name,
                        key=step.target,
                        event=step.kind,
                        by=coordinator,
                        note=None,
                        today=step.day,
                    )
            deliver_now(r.plan_id, r.notified, step.day)
        for phase in phases:
            if phase_has_work(name, phase, day):
                run_phase(name, phase, day.isoformat())
                result.flow_runs["phase"] += 1
        if plan.reporting and reporting_has_work(name, day):
            run_reporting(name, day.isoformat())
            result.flow_runs["reporting"] += 1
        if advance:
            advance(day)
    return result


def yearly(settings: Settings, replay: Replay) -> dict[str, object]:
    """Read from the replay's database as of its last day: per year, the items of the recurring and per-unit
    activities counted as reviews count them (models/rules/series_tally.py), and each periodic report owed with its
    due date and the day it was submitted (None: never)."""
    with use_settings(settings):
        return _yearly(replay)


def _yearly(replay: Replay) -> dict[str, object]:
    from sqlmodel import col, select

    from cchc_flow.models.rules.series_tally import tally
    from cchc_flow.models.services.periodic import plan_periods
    from cchc_flow.models.store.db import session
    from cchc_flow.models.store.queries import activity_statuses, get_plan
    from cchc_flow.models.store.tables import ActivityRow, TransitionRow

    with session() as s:
        plan = get_plan(s, replay.plan)
        statuses = activity_statuses(s, plan, replay.end)
        periods = dict(s.exec(select(ActivityRow.key, ActivityRow.period).where(ActivityRow.plan_id == plan.id)).all())
        submitted: dict[str, date] = {
            key.split("/")[1]: day
            for key, day in s.exec(
                select(TransitionRow.entity_key, col(TransitionRow.effective_day)).where(
                    TransitionRow.plan_id == plan.id, TransitionRow.entity == "report", TransitionRow.event == "submit"
                )
            )
            if day is not None
        }
        owed = plan_periods(s, plan)
    years: dict[str, dict[str, object]] = {}
    for year in sorted({p[:4] for p in periods.values() if p}):
        counted = tally((k, v.status) for k, v in statuses.items() if (periods.get(k) or "").startswith(year))
        years[year] = {
            "items": sum(x.items for x in counted),
            "on_time": sum(x.on_time for x in counted),
            "late": sum(x.late for x in counted),
            "missed": sum(len(x.missed) for x in counted),
            "missed_by": sorted({m.rsplit(":", 1)[-1] for x in counted for m in x.missed if ":" in m}),
        }
    reports = [
        {
            "period": p.label,
            "due": p.due.isoformat(),
            "submitted": submitted[p.label].isoformat() if p.label in submitted else None,
            "on_time": p.label in submitted and submitted[p.label] < p.due,
        }
        for p in owed
    ]
    return {"years": years, "periodic": reports}
