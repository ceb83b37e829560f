"""Periodic reports (báo cáo định kỳ): the periods a plan's reporting duty creates, who owes what, and submissions."""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import date, timedelta

from sqlmodel import Session, col, select

from cchc_flow.models.notify.notices import enqueue
from cchc_flow.models.rules.backdating import LateLetter
from cchc_flow.models.rules.calendar import working_day_on_or_after, working_day_on_or_before
from cchc_flow.models.rules.due import Message, Notice, Role
from cchc_flow.models.rules.labels import period_label
from cchc_flow.models.rules.messages import t
from cchc_flow.models.rules.successions import current_code
from cchc_flow.models.services.access import acted_by, acting_unit, refusals_recorded
from cchc_flow.models.services.actions import ActionInputError, _today, checked_letter, resolve_plan, step_day
from cchc_flow.models.services.activities import unit_expander
from cchc_flow.models.services.auth import Principal
from cchc_flow.models.store.attachments import File, check_files, store
from cchc_flow.models.store.db import write_transaction
from cchc_flow.models.store.history import record
from cchc_flow.models.store.queries import roles_by_activity, successors, units_on
from cchc_flow.models.store.tables import PhaseRow, PlanRow, SubmissionRow, UnitRow

REMINDER_DAYS = (7, 1)


@dataclass(frozen=True)
class Period:
    """One report owed under a duty: "2014-H1" (six months) or "2014" (the year), due before ``due``."""

    duty: str
    label: str
    due: date
    to: str  # unit code that receives the reports (the coordinator in 3723)
    text: str


class ReportInputError(ValueError):
    """Unknown period or unit, or a unit that owes no periodic report."""


def periods(duties: list[dict], start: date, end: date, resolve: dict[str, str]) -> list[Period]:
    """The periods of each duty whose due date falls after ``start`` and no later than the end of ``end``'s year.

    ``duties`` are the plan's reporting duties as stored (id, text, to, deadlines [{period, due "MM-DD"}]);
    ``resolve`` maps the plan's spelling of a unit to its code.
    """
    out = []
    for duty in duties:
        for year in range(start.year, end.year + 1):
            for d in duty["deadlines"]:
                month, day = (int(x) for x in d["due"].split("-"))
                due = date(year, month, day)
                label = f"{year}-H1" if d["period"] == "half-year" else str(year)
                if start < due <= date(end.year, 12, 31):
                    out.append(Period(duty["id"], label, due, resolve.get(duty["to"], duty["to"]), duty["text"]))
    return sorted(out, key=lambda p: (p.due, p.duty))


def periodic_due(
    plan_periods: list[Period],
    reporters: tuple[str, ...],
    submitted: set[tuple[str, str, str]],
    today: date,
    reminder_days: tuple[int, ...] = REMINDER_DAYS,
) -> list[tuple[Period, Message]]:
    """Reminders to units that have not submitted before the due date; the missing list to the recipient after it.

    ``submitted`` holds (duty, period label, unit). A reminder due on a holiday goes out the working day before;
    the missing list on the first working day from the due date on.
    """
    out = []
    for p in plan_periods:
        missing = [u for u in reporters if (p.duty, p.label, u) not in submitted]
        if not missing:
            continue
        if today < p.due:
            come = [off for off in reminder_days if working_day_on_or_before(p.due - timedelta(days=off)) <= today]
            if come:
                out += [(p, Message(Notice.REPORT_REMINDER, u, Role.REPORTER, min(come))) for u in missing]
        elif today >= working_day_on_or_after(p.due):
            out.append((p, Message(Notice.REPORT_MISSING, p.to, Role.COORDINATOR, 0)))
    return out


def plan_periods(session: Session, plan: PlanRow, on: date | None = None) -> list[Period]:
    """The periods of a stored plan, from its signature to the end of its last phase; ``on``: their recipient is
    the unit it is that day (a recipient merged or renamed by then: its successor; the plan's text stays as written)."""
    end = max(session.exec(select(col(PhaseRow.window_end)).where(col(PhaseRow.plan_id) == plan.id)).all())
    found = periods(plan.spec.get("reporting", []), plan.signed, end, spellings(session, plan))
    if on is None:
        return found
    return [replace(p, to=units_on(session, (p.to,), on)[0]) for p in found]


def spellings(session: Session, plan: PlanRow) -> dict[str, str]:
    """The plan's organisation's units by every way a plan writes them (code, name, aliases) -> code."""
    units = session.exec(select(UnitRow).where(col(UnitRow.organisation) == plan.organisation)).all()
    return {name: u.code for u in units for name in (u.code, u.name or u.code, *u.aliases)}


def reporters(session: Session, plan: PlanRow, duty: str, on: date | None = None) -> tuple[str, ...]:
    """Who owes reports under ``duty``: the units listed, or for "all" every unit the plan assigns, except the
    recipient, the leadership and groups (a group's members report themselves); each as it is ``on`` that day (a
    unit merged or renamed by then: its successor), else today."""
    spec = next(d for d in plan.spec.get("reporting", []) if d["id"] == duty)
    kinds = dict(session.exec(select(UnitRow.code, UnitRow.kind)).all())
    day = on or _today()
    recipient = next((p.to for p in plan_periods(session, plan, day) if p.duty == duty), None)
    if spec["reporters"] == "all":
        expand = unit_expander(session, plan.id, day)
        assigned = roles_by_activity(session, plan.id, on=day).values()
        codes = [c for r in assigned for c in expand(r["lead"] + r["partner"])]
    else:  # the units the plan lists, as it names them
        resolve = spellings(session, plan)
        listed = units_on(session, [resolve.get(c, c) for c in spec["reporters"]], day)
        return tuple(sorted(set(listed) - {recipient}))
    return tuple(sorted({c for c in codes if c != recipient and kinds.get(c) not in ("leadership", "group")}))


def submitted(session: Session, plan_id: int, on: date | None = None) -> set[tuple[str, str, str]]:
    """(duty, period, unit) of every report submitted, the unit as it is ``on`` that day (else today): a report
    submitted under a code merged or renamed since counts for its successor."""
    now = successors(session, on or _today())
    return {
        (s.duty, s.period, current_code(s.unit_code, now))
        for s in session.exec(select(SubmissionRow).where(SubmissionRow.plan_id == plan_id))
    }


def submit_report(
    session: Session,
    *,
    principal: Principal,
    plan_code: str | None,
    unit: str | None = None,
    period: str,
    file: File,
    stated_name: str | None = None,
    today: date,
    source: str = "cli",
    letter: LateLetter | None = None,
) -> tuple[int, Period, bool]:
    """Record a unit's periodic report (the file is stored with its hash); returns (plan id, period, on time).

    ``principal`` submits for its own unit only; ``unit``, when given, must be that unit. Refusals are recorded.
    ``letter``: the coordinator records ``unit``'s report from a letter that arrived late (actions.step_day()).
    """
    check_files([file])
    letter = checked_letter(letter)
    what = t("event.submit")
    with (
        refusals_recorded(session, principal, what, stated_name=stated_name, source=source, today=today),
        write_transaction(session),
    ):
        plan = resolve_plan(session, plan_code)
        matches = [p for p in plan_periods(session, plan, today) if p.label == period]
        if not matches:
            raise ReportInputError(
                t(
                    "report.unknown_period",
                    period=period,
                    known=", ".join(dict.fromkeys(p.label for p in plan_periods(session, plan))),
                )
            )
        p = matches[0]
        named = (unit or principal.unit or "?").upper()
        if letter is not None:  # the unit the letter's writer is on its day (a former code: its successor)
            named = units_on(session, (named,), letter.day)[0]
        day = step_day(session, principal, plan, "report", f"{p.duty}/{p.label}/{named}", None, letter, today, what)
        if letter is not None:
            if not unit:
                raise ActionInputError(t("backdate.unit_needed"))
            code = named
        else:
            code = acting_unit(
                principal,
                unit,
                what,
                plan_id=plan.id,
                entity="report",
                key=f"{p.duty}/{p.label}/{named}",
                state=None,
            )
        if code not in reporters(session, plan, p.duty, day):
            raise ReportInputError(t("report.not_reporter", unit=code, plan=plan.code))
        stored = store(file, "submissions")
        by = acted_by(principal, stated_name)
        session.add(
            SubmissionRow(
                plan_id=plan.id,
                duty=p.duty,
                period=p.label,
                unit_code=code,
                file_name=stored["name"],
                sha256=stored["sha256"],
                size=stored["size"],
                stored_path=stored["path"],
                actor=str(by["actor"]),
            )
        )
        on_time = day < p.due
        step = record(
            session,
            plan_id=plan.id,
            entity="report",
            key=f"{p.duty}/{p.label}/{code}",
            event="submit",
            source=source,
            note=f"{stored['name']} sha256 {stored['sha256'][:12]}",
            on=day,
            letter_ref=letter.reference if letter else None,
            **by,
        )
        session.flush()
        enqueue(
            session,
            plan_id=plan.id,
            plan_code=plan.code,
            entity="report",
            entity_key=f"{p.duty}/{p.label}",
            messages=[Message(Notice.REPORT_SUBMITTED, p.to, Role.COORDINATOR, step.id or 0)],
            as_of=today,
            details=period_details(p, unit=code, file=stored["name"], on_time=on_time, attach=[stored["path"]]),
        )
        return plan.id, p, on_time


def period_details(p: Period, **extra: object) -> dict:
    """What a periodic-report message needs to say."""
    return {
        "phase": p.label,
        "title": t("report.title", period=period_label(p.label)),
        "start": None,
        "end": p.due.isoformat(),
        "leads": [],
        **extra,
    }
