"""The history as auditors read it: steps and notifications sent, filtered, streamed, exported.

Shared by the CLI (`cchc history`) and web pages. Rows are read with ``yield_per`` (a server-side cursor on
PostgreSQL) and written as they come, so exports run in constant memory whatever the size of the history.

One timeline, ordered by the day each row counts for, then by when it was recorded:
- a step (``transition``): its effective day; filtered by activity, unit, actor, state and days;
- a notice (one ``delivery`` attempt on one route, with its ``notification``): the day it was queued for
  (``as_of``); filtered by activity, unit (the recipient) and days. ``--actor`` and ``--state`` select steps
  only: a delivery has no actor and no state.
``--unit`` selects the steps on the activities the unit leads or partners (itself or through a group), its
periodic-report submissions, and the notices it was sent.
"""

from __future__ import annotations

import csv
import heapq
import json
from bisect import bisect_right
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from datetime import date, datetime
from itertools import islice
from typing import IO, Any, NamedTuple
from zoneinfo import ZoneInfo

import pendulum
import sqlalchemy as sa
from sqlmodel import Session, col, select

from cchc_flow.models.rules.backdating import marked
from cchc_flow.models.rules.calendar import TZ
from cchc_flow.models.rules.cells import csv_safe_row
from cchc_flow.models.rules.lifecycle import ReviewState, State
from cchc_flow.models.rules.messages import t
from cchc_flow.models.rules.plan import current_code
from cchc_flow.models.rules.status import due_in_force, timeliness
from cchc_flow.models.store.queries import (
    approved_extensions,
    current_unit,
    expand_groups,
    former_codes,
    get_plan,
    successors,
)
from cchc_flow.models.store.tables import (
    ActivityRow,
    ActivityUnitRow,
    DeliveryRow,
    NotificationRow,
    ReassignmentRow,
    TransitionRow,
    UnitRow,
    table_of,
)

VN = ZoneInfo(TZ)
STREAM_BATCH = 1000


class HistoryInputError(ValueError):
    """A filter names something the plan does not have."""


@dataclass(frozen=True)
class HistoryFilter:
    plan: str
    activity: str | None = None
    unit: str | None = None
    actor: str | None = None
    state: str | None = None
    since: date | None = None
    until: date | None = None


class Entry(NamedTuple):
    """One row of the history: a step or a delivery attempt (fields not applying to it are None)."""

    kind: str  # step | notice
    id: int
    seq: int | None
    at: datetime  # aware; shown in Asia/Ho_Chi_Minh
    day: date | None
    entity: str
    key: str
    event: str  # the step's event, or the notice sent
    from_state: str | None
    to_state: str | None
    actor: str | None
    source: str | None
    unit: str | None  # the notice's recipient
    route: str | None  # masked when stored
    result: str | None  # ok | failed
    attempts: int | None
    note: str | None  # the step's note, or the delivery's error
    flow_run_id: str | None
    flow_run_url: str | None
    task_run_id: str | None
    row_hash: str | None
    actor_label: str | None = None  # the acting token's label
    stated_name: str | None = None  # the name the person typed: unverified, never the actor
    letter_ref: str | None = None  # set on a step the coordinator back-dated from a late letter
    status: str | None = None  # an activity step: the four-way status as of its day (models/rules/status.py)
    days_late: int | None = None  # ... and the days late (done) or overdue (not done) then
    due: date | None = None  # ... judged against the due date in force on that day (an extension approved by then)
    planned_due: date | None = None  # ... and the plan's own, shown beside it when an extension had moved it
    unit_now: str | None = None  # the recipient unit as it is today, when merged or renamed since (the directory)

    @property
    def backdated(self) -> bool:
        """A step the coordinator recorded for an earlier day, from a letter that arrived late."""
        return self.letter_ref is not None

    @property
    def local_at(self) -> pendulum.DateTime:
        return pendulum.instance(self.at).in_tz(TZ)

    @property
    def recipient(self) -> str | None:
        """The recipient unit as people read it: "T5G → TCCB" once T5G was merged into TCCB."""
        return t("succession.now", old=self.unit, now=self.unit_now) if self.unit_now else self.unit


COLUMNS: tuple[str, ...] = Entry._fields
_AT, _LETTER, _UNIT = COLUMNS.index("at"), COLUMNS.index("letter_ref"), COLUMNS.index("unit")
DAYS = ("day", "due", "planned_due")  # the columns holding calendar days


def headers(lang: str | None = None) -> list[str]:
    """The column headings of the exports, in the configured language."""
    return [t(f"hcol.{c}", lang) for c in COLUMNS]


# ---------------------------------------------------------------------------------------------- reading


def history(session: Session, f: HistoryFilter, limit: int | None = None) -> Iterator[Entry]:
    """The plan's history as ``f`` selects it, in order, streamed (at most ``limit`` rows)."""
    plan = get_plan(session, f.plan)
    assert plan.id is not None
    url = run_url_maker()
    streams = [_steps(session, plan.id, f, limit, url)]
    if not (f.actor or f.state):
        streams.append(_notices(session, plan.id, f, limit, url))
    merged = _with_status(session, plan.id, heapq.merge(*streams, key=lambda e: (e.day or date.min, e.at)))
    return islice(merged, limit) if limit is not None else merged


def _with_status(session: Session, plan_id: int, entries: Iterable[Entry]) -> Iterator[Entry]:
    """Each recipient merged or renamed since with the unit it is today, and each activity step with the activity's four-way status as of the step's day (done: its report counting for
    that day or the latest before it), judged against the due date in force that day, not today's."""
    windows = {
        k: (start, end)
        for k, start, end in session.execute(
            select(col(ActivityRow.key), col(ActivityRow.window_start), col(ActivityRow.window_end)).where(
                ActivityRow.plan_id == plan_id
            )
        ).tuples()
    }
    extended = approved_extensions(session, plan_id)
    now = successors(session)
    reports: dict[str, list[date]] = {}
    for key, day in session.execute(
        select(col(TransitionRow.entity_key), col(TransitionRow.effective_day)).where(
            TransitionRow.plan_id == plan_id, TransitionRow.entity == "activity", TransitionRow.event == "report"
        )
    ).tuples():
        if day:
            reports.setdefault(key, []).append(day)
    for days in reports.values():
        days.sort()
    for e in entries:
        if e.unit in now:
            e = e._replace(unit_now=current_code(e.unit, now))
        if e.kind == "step" and e.entity == "activity" and e.key in windows and e.to_state and e.day:
            start, planned = windows[e.key]
            due = due_in_force(planned, extended.get(e.key, ()), e.day)
            reported = reports.get(e.key)
            i = bisect_right(reported, e.day) if reported else 0
            done = reported[i - 1] if reported and i else None  # the latest report counting for that day or before
            st = timeliness(e.to_state, start=start, due=due, today=e.day, done_on=done)
            e = e._replace(
                status=st.status.value, days_late=st.days_late, due=due, planned_due=planned if due != planned else None
            )
        yield e


def unit_codes(session: Session, unit: str) -> list[str]:
    """The unit ``unit`` is today and every former code of it (the directory's mergers and renamings)."""
    return former_codes(session, current_unit(session, unit))


def unit_activity_keys(session: Session, plan_id: int, unit: str) -> list[str]:
    """Keys of the plan's activities the unit leads or partners, itself (or under a former code) or as a member of
    a named group."""
    codes = unit_codes(session, unit)
    groups = [g for g, members in expand_groups(session, plan_id).items() if codes[0] in members]
    rows = session.execute(
        select(ActivityRow.key)
        .join(ActivityUnitRow, col(ActivityUnitRow.activity_id) == col(ActivityRow.id))
        .where(col(ActivityRow.plan_id) == plan_id, col(ActivityUnitRow.unit_code).in_([*codes, *groups]))
        .distinct()
    )
    keys = set(rows.scalars())
    for key, leads, partners in session.execute(  # ... and those the coordinator reassigned to it
        select(ActivityRow.key, ReassignmentRow.leads, ReassignmentRow.partners)
        .join(ReassignmentRow, col(ReassignmentRow.activity_id) == col(ActivityRow.id))
        .where(ActivityRow.plan_id == plan_id)
    ):
        if {*codes, *groups} & {*leads, *partners}:
            keys.add(key)
    return sorted(keys)


def step_states() -> tuple[str, ...]:
    """Every state a step can lead to: an activity's, a review's, a loaded plan's, a notice's after the coordinator."""
    return (*State, *ReviewState, "loaded", "pending", "sent")


def check_filter(session: Session, f: HistoryFilter) -> None:
    """HistoryInputError when the filter names a state, activity or unit that does not exist (UnknownPlan for the
    plan)."""
    if f.state and f.state not in step_states():
        raise HistoryInputError(t("history.bad_state", state=f.state, known=", ".join(step_states())))
    plan = get_plan(session, f.plan)
    if f.unit and session.get(UnitRow, f.unit) is None:
        raise HistoryInputError(t("history.unknown_unit", unit=f.unit))
    if (
        f.activity
        and session.execute(
            select(ActivityRow.id).where(ActivityRow.plan_id == plan.id, ActivityRow.key == f.activity)
        ).first()
        is None
    ):
        raise HistoryInputError(t("history.unknown_activity", plan=f.plan, id=f.activity))


def _step_queries(session: Session, plan_id: int, f: HistoryFilter) -> list[sa.Select]:
    """The queries whose rows make the steps part, each ordered by (effective day, seq)."""
    T = table_of(TransitionRow).c  # Core columns: ORM row processing would cost ~4x per row
    base = sa.select(
        T.id,
        T.seq,
        T.at,
        T.effective_day,
        T.entity,
        T.entity_key,
        T.event,
        T.from_state,
        T.to_state,
        T.actor,
        T.source,
        T.note,
        T.flow_run_id,
        T.task_run_id,
        T.row_hash,
        T.actor_label,
        T.stated_name,
        T.letter_ref,
    ).where(T.plan_id == plan_id)
    if f.actor:
        base = base.where(T.actor == f.actor)
    if f.state:
        base = base.where(T.to_state == f.state)
    if f.since:
        base = base.where(T.effective_day >= f.since)
    if f.until:
        base = base.where(T.effective_day <= f.until)
    if not (f.activity or f.unit):
        return [base]
    keys = unit_activity_keys(session, plan_id, f.unit) if f.unit else None
    if f.activity:
        keys = [f.activity] if keys is None or f.activity in keys else []
    queries = []
    if keys:
        queries.append(base.where(T.entity == "activity", T.entity_key.in_(keys)))
    if f.unit and not f.activity:  # the unit's periodic reports: entity_key "duty/period/UNIT"
        reports = session.execute(
            sa.select(T.entity_key).where(T.plan_id == plan_id, T.entity == "report").distinct()
        ).scalars()  # read from the key index alone
        codes = unit_codes(session, f.unit)
        mine = [k for k in reports if k.rsplit("/", 1)[-1] in codes]
        if mine:
            queries.append(base.where(T.entity == "report", T.entity_key.in_(mine)))
        queries.append(base.where(T.entity == "unit", T.entity_key.in_(codes)))  # its merger or renaming
    return queries


def _steps(
    session: Session, plan_id: int, f: HistoryFilter, limit: int | None, url: Callable[[str | None], str | None]
) -> Iterator[Entry]:
    T = table_of(TransitionRow).c
    order: tuple[Any, ...] = (T.effective_day, T.seq)
    tune = bool(f.activity or f.unit) and session.get_bind().dialect.name == "sqlite"
    streams = []
    for query in _step_queries(session, plan_id, f):
        if tune:
            # SQLite's statistics cannot tell it how few rows one key has: it would walk the day index in order,
            # reading every row of the plan. "+" makes that ordering unusable, so it takes the key index; a first
            # page is then chosen on that index alone (it holds day and seq), and only its rows are read.
            plus = (sa.text("+transition.effective_day"), sa.text("+transition.seq"))
            if limit is not None:
                page = query.with_only_columns(T.id).order_by(*plus).limit(limit)
                query = sa.select(*query.selected_columns).where(T.id.in_(page)).order_by(*order)
            else:
                query = query.order_by(*plus)
        else:
            query = query.order_by(*order)
            if limit is not None:
                query = query.limit(limit)
        streams.append(session.execute(query.execution_options(yield_per=STREAM_BATCH)).tuples())
    if not streams:
        return
    rows = streams[0] if len(streams) == 1 else heapq.merge(*streams, key=lambda r: (r[3] or date.min, r[1]))
    for (
        id_,
        seq,
        at,
        day,
        entity,
        key,
        event,
        from_state,
        to_state,
        actor,
        source,
        note,
        run,
        task,
        digest,
        label,
        stated,
        letter,
    ) in rows:
        yield Entry(
            "step",
            id_,
            seq,
            at,
            day,
            entity,
            key,
            event,
            from_state,
            to_state,
            actor,
            source,
            None,
            None,
            None,
            None,
            note,
            run,
            url(run),
            task,
            digest,
            label,
            stated,
            letter,
        )


def _notices(
    session: Session, plan_id: int, f: HistoryFilter, limit: int | None, url: Callable[[str | None], str | None]
) -> Iterator[Entry]:
    delivery, notification = table_of(DeliveryRow), table_of(NotificationRow)
    D, N = delivery.c, notification.c
    query = (
        sa.select(
            D.id,
            D.seq,
            D.at,
            N.as_of,
            N.entity,
            N.entity_key,
            N.notice,
            N.recipient,
            D.route,
            D.ok,
            N.attempts,
            D.error,
            D.flow_run_id,
            D.row_hash,
        )
        .select_from(notification.join(delivery, D.notification_id == N.id))
        .where(N.plan_id == plan_id)
    )
    if f.activity:
        query = query.where(N.entity == "activity", N.entity_key == f.activity)
    if f.unit:
        query = query.where(N.recipient.in_(unit_codes(session, f.unit)))
    if f.since:
        query = query.where(N.as_of >= f.since)
    if f.until:
        query = query.where(N.as_of <= f.until)
    query = query.order_by(N.as_of, D.at, D.id)
    if limit is not None:
        query = query.limit(limit)
    rows = session.execute(query.execution_options(yield_per=STREAM_BATCH)).tuples()
    for id_, seq, at, day, entity, key, notice, unit, route, ok, attempts, error, run, digest in rows:
        yield Entry(
            "notice",
            id_,
            seq,
            at,
            day,
            entity,
            key,
            notice,
            None,
            None,
            None,
            None,
            unit,
            route,
            "ok" if ok else "failed",
            attempts,
            error,
            run,
            url(run),
            None,
            digest,
        )


def run_url_maker() -> Callable[[str | None], str | None]:
    """flow-run id -> its page in the Prefect UI, when a UI or API URL is configured (Prefect's settings)."""
    base: list[str | None] = []

    def url(run_id: str | None) -> str | None:
        if not run_id:
            return None
        if not base:
            base.append(prefect_ui_url())
        return f"{base[0]}/runs/flow-run/{run_id}" if base[0] else None

    return url


def prefect_ui_url() -> str | None:
    """PREFECT_UI_URL, or the UI URL Prefect infers from PREFECT_API_URL; None when neither is set."""
    from prefect.settings import get_current_settings  # deferred: Prefect takes about 1 s to import

    value = get_current_settings().ui_url
    return value.rstrip("/") if value else None


# ---------------------------------------------------------------------------------------------- exports


def _row(e: Entry) -> list[Any]:
    """An entry's values in COLUMNS order, times in Asia/Ho_Chi_Minh as ISO 8601 with the offset."""
    row = list(e)
    row[_AT] = e.at.astimezone(VN).isoformat()
    for name in DAYS:
        value = getattr(e, name)
        row[COLUMNS.index(name)] = value.isoformat() if value else None
    return row


def backdated_mark(e: Entry) -> str | None:
    """ "recorded on …, counts from … (letter …)" for a back-dated step, None for any other row."""
    return marked(e.local_at.date(), e.day, e.letter_ref) if e.backdated and e.day else None


def _marked(row: list[Any], e: Entry) -> list[Any]:
    """A row for people (CSV, XLSX): a back-dated step says so in its letter column, a merged or renamed recipient
    shows the unit it is today."""
    if e.backdated:
        row[_LETTER] = backdated_mark(e)
    row[_UNIT] = e.recipient
    return row


def as_record(e: Entry) -> dict[str, Any]:
    """An entry as plain JSON values (English keys, as in Entry)."""
    return dict(zip(COLUMNS, _row(e)))


def write_csv(entries: Iterable[Entry], out: IO[str]) -> int:
    """CSV with a UTF-8 byte-order mark (Excel then reads Vietnamese right) and Vietnamese headings."""
    out.write("\ufeff")
    writer = csv.writer(out)
    writer.writerow(headers())
    n = 0
    for e in entries:
        writer.writerow(csv_safe_row(_marked(_row(e), e)))  # None is written as an empty field
        n += 1
    return n


def write_json(entries: Iterable[Entry], out: IO[str]) -> int:
    """A JSON array of objects (English keys, as in Entry), one per line, written as it is read."""
    n = 0
    out.write("[")
    encode = json.JSONEncoder(ensure_ascii=False).encode  # json.dumps would build an encoder for every row
    for e in entries:
        out.write(("," if n else "") + "\n" + encode(as_record(e)))
        n += 1
    out.write("\n]\n")
    return n
