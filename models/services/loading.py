"""Put a checked plan into the database: idempotent, and every amendment recorded in the history."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import Any, Literal

from sqlmodel import Session, col, select

from cchc_flow.models.rules.labels import unit_label
from cchc_flow.models.rules.messages import t
from cchc_flow.models.rules.plan import Activity, Directory, Plan
from cchc_flow.models.services.access import Acted, acted_by, tokenless
from cchc_flow.models.services.auth import Principal
from cchc_flow.models.store.db import write_transaction
from cchc_flow.models.store.history import record
from cchc_flow.models.store.tables import (
    ActivityRow,
    ActivityUnitRow,
    ContentRow,
    GroupMemberRow,
    OrganisationRow,
    PhaseRow,
    PlanRow,
    SeriesRow,
    UnitRow,
)


@dataclass
class LoadResult:
    status: Literal["created", "unchanged", "amended"]
    plan_id: int
    changes: list[str] = field(default_factory=list)


def sync_units(session: Session, directory: Directory) -> list[str]:
    """Make the organisation's unit table match its directory (units are never deleted: history refers to them);
    returns the codes whose merger or renaming (successor, how, since) the database did not know yet."""
    org = session.get(OrganisationRow, directory.organisation)
    if org is None:
        session.add(OrganisationRow(code=directory.organisation, name=directory.organisation_name))
    elif directory.organisation_name and org.name != directory.organisation_name:
        org.name = directory.organisation_name
    existing = {u.code: u for u in session.exec(select(UnitRow))}
    succeeded = []
    for unit in directory.units.values():
        values: dict[str, Any] = dict(
            organisation=directory.organisation,
            name=unit.name,
            english=unit.english,
            kind=unit.kind,
            aliases=list(unit.aliases),
            tags=list(unit.tags),
            note=unit.note,
            successor=unit.successor,
            succession=unit.succession,
            since=unit.since,
        )
        row = existing.get(unit.code)
        before = (row.successor, row.succession, row.since) if row else (None, None, None)
        if unit.successor and before != (unit.successor, unit.succession, unit.since):
            succeeded.append(unit.code)
        if row is None:
            session.add(UnitRow(code=unit.code, **values))
        elif any(getattr(row, k) != v for k, v in values.items()):
            for k, v in values.items():
                setattr(row, k, v)
    session.flush()
    return succeeded


def record_successions(
    session: Session, directory: Directory, codes: list[str], plan_ids: list[int], source: str, actor: Acted
) -> None:
    """Each merger or renaming new to the database, as a step in the history of each plan (entity ``unit``)."""
    for code in codes:
        unit = directory.units[code]
        now = directory.current(code)
        since = t("succession.since", day=unit.since.strftime("%d/%m/%Y")) if unit.since else ""
        note = t(
            "succession.note",
            code=code,
            how=t(f"succession.{unit.succession}"),
            successor=unit.successor,
            now=unit_label(now, directory.units[now].name),
            since=since,
        )
        for plan_id in plan_ids:
            record(
                session,
                plan_id=plan_id,
                entity="unit",
                key=code,
                event=f"unit_{unit.succession}",
                source=source,
                note=note,
                **actor,
            )


def _activity_values(a: Activity) -> dict[str, Any]:
    return dict(
        text=a.text,
        window_start=a.window.start,
        window_end=a.window.end,
        window_as_written=a.window.as_written,
        funding=a.funding,
    )


def _roles(a: Activity) -> list[tuple[str, str, str]]:
    return [("lead", r.code, r.as_written) for r in a.lead] + [("partner", r.code, r.as_written) for r in a.partners]


def load_plan(
    session: Session,
    plan: Plan,
    directory: Directory,
    stated_name: str | None = None,
    source: str = "cli",
    origin: str | None = None,
    by: Principal | None = None,
    today: date | None = None,
) -> LoadResult:
    """Insert ``plan`` or bring the stored one up to date, in one transaction; unchanged files write nothing.

    Loading from the CLI needs no token: the history says so (cchc_flow.models.services.access.tokenless), with ``stated_name`` beside
    it; from the portal, ``by`` (the signed-in coordinator) is recorded. ``origin`` (the document a draft was
    imported from: its name and SHA-256) is added to each recorded note. ``today``: the day the load counts for
    (a replay's first day; default today): a recurring activity's periods that ended before it are flagged when
    they open (models/services/series.py).
    """
    actor = acted_by(by) if by is not None else tokenless(stated_name)
    suffix = f" — {origin}" if origin else ""
    with write_transaction(session):
        succeeded = sync_units(session, directory)
        stored = list(session.exec(select(col(PlanRow.id)).order_by(col(PlanRow.id))))
        record_successions(session, directory, succeeded, stored, source, actor)
        row = session.exec(select(PlanRow).where(PlanRow.code == plan.code)).first()
        if row is not None and row.digest == plan.digest and _groups(session, row.id) == _nonempty(plan.groups):
            return LoadResult("unchanged", row.id)
        created = row is None
        plan_values: dict[str, Any] = dict(
            organisation=directory.organisation,
            number=plan.info.number,
            title=plan.info.title,
            issuer=plan.info.issuer,
            signed=plan.info.signed,
            focal_unit=directory.code(plan.info.focal_unit),
            leadership=directory.code(plan.info.leadership),
            digest=plan.digest,
            spec=_spec(plan),
        )
        changes: list[tuple[str, str, str]] = []  # (entity, key, what changed)
        if row is None:
            row = PlanRow(code=plan.code, **plan_values)
            session.add(row)
            session.flush()
        else:
            for k in ("number", "title", "issuer", "signed", "focal_unit", "leadership"):
                if getattr(row, k) != plan_values[k]:
                    changes.append(("plan", plan.code, f"{k}: {getattr(row, k)} → {plan_values[k]}"))
            for k, v in plan_values.items():
                setattr(row, k, v)
        assert row.id is not None
        changes += _sync_groups(session, row.id, plan)
        changes += _sync_phases(session, row.id, plan, created)
        if created:
            record(
                session,
                plan_id=row.id,
                entity="plan",
                key=plan.code,
                event="loaded",
                to_state="loaded",
                source=source,
                on=today,
                **actor,
                note=f"{plan.info.number}: {len(plan.phases)} giai đoạn, {len(plan.activities)} hoạt động{suffix}",
            )
            record_successions(session, directory, succeeded, [row.id], source, actor)
            return LoadResult("created", row.id)
        for entity, key, what in changes:
            record(
                session,
                plan_id=row.id,
                entity=entity,
                key=key,
                event="amended",
                source=source,
                note=what + suffix,
                **actor,
            )
        if not changes:  # only wording outside the tables changed (objectives, remarks...)
            record(
                session,
                plan_id=row.id,
                entity="plan",
                key=plan.code,
                event="amended",
                source=source,
                note="digest " + plan.digest[:12] + suffix,
                **actor,
            )
            changes.append(("plan", plan.code, "digest"))
        return LoadResult("amended", row.id, [f"{k}: {w}" for _, k, w in changes])


def _spec(plan: Plan) -> dict[str, Any]:
    return {
        "plan": plan.info.model_dump(mode="json"),
        "reminders": plan.reminders.model_dump(mode="json"),
        "reporting": [r.model_dump(mode="json") for r in plan.reporting],
        "groups": {code: list(members) for code, members in plan.groups.items()},
        "max_extensions": plan.max_extensions,
        "scores": plan.scores,
        "urgent": sorted(a.key for p in plan.phases for a in p.activities if a.urgent),
        "schedule": plan.schedule.model_dump(mode="json"),
    }


def _groups(session: Session, plan_id: int) -> dict[str, tuple[str, ...]]:
    rows = session.exec(select(GroupMemberRow).where(GroupMemberRow.plan_id == plan_id)).all()
    out: dict[str, list[str]] = {}
    for r in rows:
        out.setdefault(r.group_code, []).append(r.unit_code)
    return {k: tuple(sorted(v)) for k, v in out.items()}


def _nonempty(groups: dict[str, tuple[str, ...]]) -> dict[str, tuple[str, ...]]:
    return {k: tuple(sorted(v)) for k, v in groups.items() if v}


def _sync_groups(session: Session, plan_id: int, plan: Plan) -> list[tuple[str, str, str]]:
    old = _groups(session, plan_id)
    new = _nonempty(plan.groups)
    if old == new:
        return []
    for r in session.exec(select(GroupMemberRow).where(GroupMemberRow.plan_id == plan_id)):
        session.delete(r)
    session.flush()
    for code, members in new.items():
        for m in members:
            session.add(GroupMemberRow(plan_id=plan_id, group_code=code, unit_code=m))
    return [
        ("group", code, f"{list(old.get(code, ()))} → {list(new.get(code, ()))}")
        for code in sorted(set(old) | set(new))
        if old.get(code) != new.get(code)
    ]


def _sync_phases(session: Session, plan_id: int, plan: Plan, created: bool) -> list[tuple[str, str, str]]:
    changes: list[tuple[str, str, str]] = []
    phases = {p.number: p for p in session.exec(select(PhaseRow).where(PhaseRow.plan_id == plan_id))}
    activities = {
        a.key: a
        for a in session.exec(
            select(ActivityRow).where(ActivityRow.plan_id == plan_id, col(ActivityRow.series_id).is_(None))
        )
    }
    series = {a.key: a for a in session.exec(select(SeriesRow).where(SeriesRow.plan_id == plan_id))}
    seen: set[str] = set()
    for phase in plan.phases:
        values: dict[str, Any] = dict(
            name=phase.name,
            window_start=phase.window.start,
            window_end=phase.window.end,
            window_as_written=phase.window.as_written,
            review_activity=phase.review.activity if phase.review else None,
            review_kind=phase.review.kind if phase.review else None,
            review_title=phase.review.title if phase.review else None,
        )
        prow = phases.get(phase.number)
        if prow is None:
            prow = PhaseRow(plan_id=plan_id, number=phase.number, **values)
            session.add(prow)
            if not created:
                changes.append(("phase", str(phase.number), "added"))
        else:
            changes += _apply(prow, values, "phase", str(phase.number))
        session.flush()
        contents = {c.number: c for c in session.exec(select(ContentRow).where(ContentRow.phase_id == prow.id))}
        for content in phase.contents:
            crow = contents.get(content.number)
            cvalues: dict[str, Any] = dict(title=content.title, plan_text=content.plan_text)
            if crow is None:
                crow = ContentRow(phase_id=prow.id, number=content.number, **cvalues)
                session.add(crow)
                session.flush()
            else:
                changes += _apply(crow, cvalues, "content", f"{phase.number}.{content.number}")
            for position, act in enumerate(content.activities, 1):
                seen.add(act.key)
                if act.cadence or act.for_each:
                    changes += _sync_series(session, plan_id, prow.id, crow.id, position, act, series.get(act.key))
                    continue
                changes += _sync_activity(
                    session, plan_id, prow.id, crow.id, position, act, activities.get(act.key), created
                )
    for key, row in [*activities.items(), *series.items()]:
        if key not in seen and row.in_plan:  # type: ignore[attr-defined]
            row.in_plan = False
            changes.append(("activity", key, "removed from the plan file"))
    return changes


def _sync_series(
    session: Session, plan_id: int, phase_id: int, content_id: int, position: int, act: Activity, row: SeriesRow | None
) -> list[tuple[str, str, str]]:
    """A recurring or per-unit activity is stored as a series; the phase flow makes its items as they open."""
    roles = [{"role": r, "unit_code": c, "as_written": w} for r, c, w in _roles(act)]
    values = dict(
        phase_id=phase_id,
        content_id=content_id,
        position=position,
        recurs=act.recurs,
        cadence=act.cadence,
        for_each=act.for_each,
        roles=roles,
        in_plan=True,
        **_activity_values(act),
    )
    if row is None:
        session.add(SeriesRow(plan_id=plan_id, key=act.key, **values))
        session.flush()
        return []
    return [
        c
        for c in _apply(row, values, "activity", act.key)
        if not c[2].startswith(("phase_id", "content_id", "position"))
    ]


def _apply(row: Any, values: dict[str, Any], entity: str, key: str) -> list[tuple[str, str, str]]:
    out = []
    for k, v in values.items():
        if getattr(row, k) != v:
            out.append((entity, key, f"{k}: {_short(getattr(row, k))} → {_short(v)}"))
            setattr(row, k, v)
    return out


def _short(value: object, limit: int = 80) -> str:
    text = str(value)
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _sync_activity(
    session: Session,
    plan_id: int,
    phase_id: int,
    content_id: int,
    position: int,
    act: Activity,
    row: ActivityRow | None,
    created: bool,
) -> list[tuple[str, str, str]]:
    values = dict(phase_id=phase_id, content_id=content_id, position=position, **_activity_values(act))
    changes: list[tuple[str, str, str]] = []
    if row is None:
        row = ActivityRow(plan_id=plan_id, key=act.key, **values)
        session.add(row)
        session.flush()
        if not created:
            changes.append(("activity", act.key, "added"))
    else:
        changes = [
            c
            for c in _apply(row, values, "activity", act.key)
            if not c[2].startswith(("phase_id", "content_id", "position"))
        ]
        if not row.in_plan:
            row.in_plan = True
            changes.append(("activity", act.key, "back in the plan file"))
    old_roles = {
        (r.role, r.unit_code): r
        for r in session.exec(select(ActivityUnitRow).where(ActivityUnitRow.activity_id == row.id))
    }
    new_roles = _roles(act)
    if [(r, c) for r, c, _ in new_roles] != sorted(old_roles, key=lambda k: old_roles[k].position) or any(
        old_roles[(r, c)].as_written != w for r, c, w in new_roles if (r, c) in old_roles
    ):
        if old_roles and not created:
            for role in ("lead", "partner"):
                before = [c for (r, c) in sorted(old_roles, key=lambda k: old_roles[k].position) if r == role]
                after = [c for r, c, _ in new_roles if r == role]
                if before != after:
                    changes.append(("activity", act.key, f"{role}: {before} → {after}"))
        for r in old_roles.values():
            session.delete(r)
        session.flush()
        for pos, (role, code, written) in enumerate(new_roles):
            session.add(
                ActivityUnitRow(activity_id=row.id, role=role, unit_code=code, position=pos, as_written=written)
            )
    return changes
