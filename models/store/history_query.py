"""The history as auditors read it: steps and notifications sent, filtered, streamed, exported.

Shared by the CLI (`cchc history`) and web pages. Rows are read from the driver's cursor in batches (a server-side
cursor on PostgreSQL) and written as they come, so exports run in constant memory whatever the size of the history.

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
import re
from bisect import bisect_right
from collections.abc import Callable, Collection, Iterable, Iterator, Sequence
from dataclasses import dataclass, replace
from datetime import UTC, date, datetime
from itertools import islice
from json.encoder import encode_basestring
from typing import IO, Any, NamedTuple
from zoneinfo import ZoneInfo

import pendulum
import sqlalchemy as sa
from sqlmodel import Session, col, select

from cchc_flow.models.rules.backdating import marked
from cchc_flow.models.rules.calendar import TZ
from cchc_flow.models.rules.cells import FORMULA_START, csv_safe_row
from cchc_flow.models.rules.lifecycle import ReviewState, State
from cchc_flow.models.rules.messages import t
from cchc_flow.models.rules.status import due_in_force, timeliness
from cchc_flow.models.rules.successions import current_code
from cchc_flow.models.store.driver_rows import driver_rows
from cchc_flow.models.store.organisations import plan_unit
from cchc_flow.models.store.prefect_ui import prefect_ui_url
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
STREAM_BATCH = 1000  # rows per write
# rows per read from the driver; at 5,000, a PostgreSQL export of 1,100,000 rows made three times the page faults
# (312,000 against 100,000) and spent 0.3-0.4 s more system time (bench/README.md)
FETCH_BATCH = 10_000


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
Row = tuple[Any, ...]  # an Entry's values in COLUMNS order
_AT, _DAY, _LETTER, _UNIT, _NOW = (COLUMNS.index(c) for c in ("at", "day", "letter_ref", "unit", "unit_now"))
DAYS = ("day", "due", "planned_due")  # the columns holding calendar days
_DAYS = tuple(COLUMNS.index(c) for c in DAYS)


def headers(lang: str | None = None) -> list[str]:
    """The column headings of the exports, in the configured language."""
    return [t(f"hcol.{c}", lang) for c in COLUMNS]


# ---------------------------------------------------------------------------------------------- reading


def history(session: Session, f: HistoryFilter, limit: int | None = None) -> Iterator[Entry]:
    """The plan's history as ``f`` selects it, in order, streamed (at most ``limit`` rows)."""
    return map(Entry._make, history_rows(session, f, limit))


def history_rows(
    session: Session, f: HistoryFilter, limit: int | None = None, shared: Shared | None = None
) -> Iterator[Row]:
    """history() as plain tuples (an Entry's values in COLUMNS order), which the exports write without building an
    Entry per row. ``shared``: what shared() worked out for the filter of which ``f`` reads some of the days."""
    if shared is None:
        plan = get_plan(session, f.plan)
        assert plan.id is not None
        plan_id, urls, judge, now = plan.id, _Urls(run_url_maker()), None, None
    else:
        plan_id, urls, judge, now = shared
    steps = _steps(session, plan_id, f, limit, urls, judge)
    merged = steps if f.actor or f.state else _merge(steps, _notices(session, plan_id, f, limit, urls, now))
    return islice(merged, limit) if limit is not None else merged


class Shared(NamedTuple):
    """What every part of a whole history read in parts (of its days) needs alike, worked out once."""

    plan_id: int
    urls: _Urls  # flow-run id -> its page
    judge: Judge  # the status of an activity step
    now: dict[str, str]  # successors(): a unit merged or renamed -> its code now


def shared(session: Session, f: HistoryFilter) -> Shared:
    """The plan, its run links, its activities' status and its units' successors for history_rows(..., shared=...)
    over the days of ``f``."""
    plan = get_plan(session, f.plan)
    assert plan.id is not None
    queries, keys = step_queries(session, plan.id, f)
    return Shared(plan.id, _Urls(run_url_maker()), _judge_of(session, plan.id, f, queries, keys), successors(session))


def _merge(steps: Iterator[Row], notices: Iterator[Row]) -> Iterator[Row]:
    """One timeline by (day, recorded at), as heapq.merge would give it (a tie goes to the step), with less work per
    row."""
    n = next(notices, None)
    if n is not None:
        key = (n[_DAY] or date.min, n[_AT])
        for s in steps:
            while key < (s[_DAY] or date.min, s[_AT]):
                yield n
                n = next(notices, None)
                if n is None:
                    yield s
                    yield from steps
                    return
                key = (n[_DAY] or date.min, n[_AT])
            yield s
        yield n
        yield from notices
    else:
        yield from steps


class _Urls(dict[str | None, str | None]):
    """flow-run id -> its page in the Prefect UI, worked out once per run."""

    def __init__(self, url: Callable[[str | None], str | None]) -> None:
        super().__init__()
        self.url = url

    def __missing__(self, run: str | None) -> str | None:
        value = self[run] = self.url(run)
        return value


Judge = Callable[[str, str, date], tuple[str, int, date, date | None] | None]


class _Judge:
    """What judging a plan's activity steps needs (load, load_for), and the judging itself (status: a Judge)."""

    def __init__(self, session: Session, plan_id: int) -> None:
        self.session, self.plan_id = session, plan_id
        self.extended = approved_extensions(session, plan_id)
        self.facts: dict[str, tuple[date, date, list[tuple[date, date]] | None, list[date] | None]] = {}

    def load(self, keys: Collection[str] | sa.Select[Any] | None) -> _Judge:
        """Read what judging the activities ``keys`` (a query of keys, read by the database; None: every activity
        of the plan) needs; returns self."""
        T = table_of(TransitionRow).c
        query = sa.select(T.entity_key, T.effective_day).where(T.plan_id == self.plan_id, T.event == "report")
        A = table_of(ActivityRow).c
        activities = sa.select(A.key, A.window_start, A.window_end).where(A.plan_id == self.plan_id)
        if keys is None:
            # on SQLite, "+" keeps this off the entity index (reading each row through it took 5x as long as the
            # plan's rows in table order): the planner reads the report-days index alone (ix_transition_event)
            sqlite = self.session.get_bind().dialect.name == "sqlite"
            queries = [query.where((sa.literal_column("+transition.entity") if sqlite else T.entity) == "activity")]
            lists, stream = [activities], True
        elif isinstance(keys, sa.Select):  # those of the steps a filter selects: the index takes each key once
            queries = [query.where(T.entity == "activity", T.entity_key.in_(keys))]
            lists, stream = [activities.where(A.key.in_(keys))], True
        else:  # a few activities: their report rows through the report-days index, in chunks the drivers take
            ordered = sorted(set(keys))
            chunks = [ordered[i : i + 500] for i in range(0, len(ordered), 500)]
            queries = [query.where(T.entity == "activity", T.entity_key.in_(chunk)) for chunk in chunks]
            lists, stream = [activities.where(A.key.in_(chunk)) for chunk in chunks], False
        reports: dict[str, list[date]] = {}
        days = _Days()
        for q in queries:
            for key, day in _fetched(self.session, q, stream=stream):
                if day := days[day]:
                    reports.setdefault(key, []).append(day)
        for reported in reports.values():
            reported.sort()
        extended = self.extended
        for q in lists:  # key -> (window start, planned due, extensions approved, report days): one look-up per row
            for key, start, end in _fetched(self.session, q, stream=stream):
                first, due = days[start], days[end]
                assert first is not None and due is not None  # an activity's window is never empty
                self.facts[key] = (first, due, extended.get(key), reports.get(key))
        return self

    def load_for(self, steps: sa.Select[Any]) -> _Judge:
        """Read what judging the steps ``steps`` selects (some days, an actor's, a state's) needs: their activities
        alone when those steps are fewer than the plan's activities (an actor's month: reading every activity took
        most of its time), else every activity (reading the keys of those steps again would cost more than it
        saves); returns self."""
        T = table_of(TransitionRow).c
        shown = steps.with_only_columns(T.entity_key).where(T.entity == "activity").order_by(None).correlate(None)
        count = self.session.execute(sa.select(sa.func.count()).select_from(shown.subquery())).scalar_one()
        A = table_of(ActivityRow).c
        activities = self.session.execute(sa.select(sa.func.count()).where(A.plan_id == self.plan_id)).scalar_one()
        return self.load(shown if count < activities else None)

    def status(self, key: str, state: str, day: date) -> tuple[str, int, date, date | None] | None:
        """(activity key, state after the step, its day) -> the activity's four-way status as of that day (done:
        its report counting for that day or the latest before it), the days late, the due date in force that day (an
        extension approved by then) and the plan's own when an extension had moved it; None for an activity not
        loaded (unknown, or outside the keys loaded). A bound method: a million steps call it."""
        known = self.facts.get(key)
        if known is None:
            return None
        start, planned, moves, reported = known
        due = due_in_force(planned, moves, day) if moves else planned
        i = bisect_right(reported, day) if reported else 0
        done = reported[i - 1] if reported and i else None  # the latest report counting for that day or before
        st = timeliness(state, start=start, due=due, today=day, done_on=done)
        return str(st.status), st.days_late, due, planned if due != planned else None


def _judge_of(
    session: Session, plan_id: int, f: HistoryFilter, queries: list[sa.Select], keys: list[str] | None
) -> Judge:
    """The judge of every step of the history ``f`` (step_queries() gave ``queries`` and ``keys``): of the steps'
    own activities when some days, an actor or a state narrow it (load_for), else of ``keys`` (None: all)."""
    judge = _Judge(session, plan_id)
    narrow = keys is None and bool(queries) and bool(f.since or f.until or f.actor or f.state)
    return (judge.load_for(queries[0]) if narrow else judge.load(keys)).status


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


def check_filter(session: Session, f: HistoryFilter) -> HistoryFilter:
    """The filter with its unit as stored ("TCHC" in a plan of the Phù Mỹ centre: TTYTPM.TCHC); HistoryInputError
    when it names a state, activity or unit that does not exist, or a unit of another organisation (UnknownPlan for
    the plan)."""
    if f.state and f.state not in step_states():
        raise HistoryInputError(t("history.bad_state", state=f.state, known=", ".join(step_states())))
    plan = get_plan(session, f.plan)
    if f.unit:
        unit = session.get(UnitRow, plan_unit(session, plan, f.unit))
        if unit is None:
            raise HistoryInputError(t("history.unknown_unit", unit=f.unit))
        if unit.organisation != plan.organisation:
            raise HistoryInputError(
                t("history.other_org", unit=unit.code, org=unit.organisation, plan=plan.code, own=plan.organisation)
            )
        f = replace(f, unit=unit.code)
    if (
        f.activity
        and session.execute(
            select(ActivityRow.id).where(ActivityRow.plan_id == plan.id, ActivityRow.key == f.activity)
        ).first()
        is None
    ):
        raise HistoryInputError(t("history.unknown_activity", plan=f.plan, id=f.activity))
    return f


def step_queries(session: Session, plan_id: int, f: HistoryFilter) -> tuple[list[sa.Select], list[str] | None]:
    """The queries whose rows make the steps part, and the activities they can show (None: any)."""
    T = table_of(TransitionRow).c  # Core columns: ORM row processing would cost ~4x per row
    base = sa.select(
        T.id,
        T.seq,
        _as_read(T.at),
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
        return [base], None
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
    return queries, keys or []


def _steps(
    session: Session, plan_id: int, f: HistoryFilter, limit: int | None, urls: _Urls, judge: Judge | None
) -> Iterator[Row]:
    T = table_of(TransitionRow).c
    order: tuple[Any, ...] = (T.effective_day, T.seq)
    tune = bool(f.activity or f.unit) and session.get_bind().dialect.name == "sqlite"
    streams: list[Iterable[Sequence[Any]]] = []
    queries, keys = step_queries(session, plan_id, f)
    for query in queries:
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
        streams.append(_fetched(session, query, stream=limit is None))
    if not streams:
        return
    if judge is None and limit is not None:  # a page: its activities alone are judged
        streams = [list(stream) for stream in streams]
        judge = _Judge(session, plan_id).load({r[5] for stream in streams for r in stream if r[4] == "activity"}).status
    text, days = _as_text(session), _Days()
    rows = streams[0] if len(streams) == 1 else heapq.merge(*streams, key=lambda r: (days[r[3]] or date.min, r[1]))
    judge = judge or _judge_of(session, plan_id, f, queries, keys)
    for (
        id_,
        seq,
        at,
        day,
        entity,
        key,
        event,
        fro,
        to,
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
        if text:
            at, day = _utc_text(at), days[day]
        status, late, due, planned = (
            judge(key, to, day) if entity == "activity" and to and day else None
        ) or _NO_STATUS
        yield (
            "step",
            id_,
            seq,
            at,
            day,
            entity,
            key,
            event,
            fro,
            to,
            actor,
            source,
            None,
            None,
            None,
            None,
            note,
            run,
            urls[run],
            task,
            digest,
            label,
            stated,
            letter,
            status,
            late,
            due,
            planned,
            None,
        )


_NO_STATUS: tuple[None, None, None, None] = (None, None, None, None)


def _notices(
    session: Session, plan_id: int, f: HistoryFilter, limit: int | None, urls: _Urls, now: dict[str, str] | None
) -> Iterator[Row]:
    query = notice_query(session, plan_id, f)
    if limit is not None:
        query = query.limit(limit)
    now = successors(session) if now is None else now
    text, days = _as_text(session), _Days()
    for id_, seq, at, day, entity, key, notice, unit, route, ok, attempts, error, run, digest in _fetched(
        session, query, stream=limit is None
    ):
        if text:
            at, day = _utc_text(at), days[day]
        yield (
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
            urls[run],
            None,
            digest,
            None,
            None,
            None,
            None,
            None,
            None,
            None,
            current_code(unit, now) if unit in now else None,
        )


def notice_query(session: Session, plan_id: int, f: HistoryFilter) -> sa.Select:
    """The query of the notices part (steps filtered by actor or state have none), in order."""
    delivery, notification = table_of(DeliveryRow), table_of(NotificationRow)
    D, N = delivery.c, notification.c
    query = (
        sa.select(
            D.id,
            D.seq,
            _as_read(D.at),
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
    return query.order_by(N.as_of, D.at, D.id)


def _as_read(column: sa.Column[Any]) -> sa.ColumnElement[Any]:
    """A timestamp column as the driver reads it, without the per-row Python step of UTCDateTime: the readers here
    make it aware themselves (_utc_text)."""
    return sa.type_coerce(column, sa.DateTime(timezone=True)).label(column.name)


def _fetched(session: Session, query: sa.Select, stream: bool = True) -> Iterator[Sequence[Any]]:
    """``query``'s rows as the driver returns them, FETCH_BATCH at a time (times and days on SQLite as the stored
    text): a SQLAlchemy Row per row took half the time of an export. ``stream=False``: a small result (driver_rows)."""
    return driver_rows(session.connection(), query, FETCH_BATCH, stream=stream)


def _as_text(session: Session) -> bool:
    """Whether _fetched() reads days and times as their text (SQLite: _utc_text and _Days make them values). Other
    databases give dates, and times aware (every time column is a timestamp with time zone): as they are."""
    return session.get_bind().dialect.name == "sqlite"


def _utc_text(value: str) -> datetime:
    """SQLite keeps a time as UTC text without its zone ("2014-01-01 08:00:00.000000") -> aware, in UTC."""
    try:
        return datetime.fromisoformat(value + "+00:00")
    except ValueError:  # written by hand with a zone
        read = datetime.fromisoformat(value)
        return read if read.tzinfo is not None else read.replace(tzinfo=UTC)


class _Days(dict[Any, date | None]):
    """A day as _fetched() reads it (ISO text on SQLite, a date elsewhere) -> the date, each worked out once."""

    def __missing__(self, value: Any) -> date | None:
        day = self[value] = date.fromisoformat(value) if isinstance(value, str) else value
        return day


def run_url_maker() -> Callable[[str | None], str | None]:
    """flow-run id -> its page in the Prefect UI, when a UI or API URL is configured (Prefect's settings; the UI's
    address is looked up at the first run id)."""
    base: list[str | None] = []

    def url(run_id: str | None) -> str | None:
        if not run_id:
            return None
        if not base:
            base.append(prefect_ui_url())
        return f"{base[0]}/runs/flow-run/{run_id}" if base[0] else None

    return url


# ---------------------------------------------------------------------------------------------- exports


def local_time(at: datetime) -> str:
    """A recorded time in Asia/Ho_Chi_Minh, ISO 8601 with the offset (microseconds only when there are some)."""
    return at.astimezone(VN).isoformat()


def _row(r: Sequence[Any]) -> list[Any]:
    """A row's values in COLUMNS order, times in Asia/Ho_Chi_Minh as ISO 8601 with the offset, days as ISO."""
    row = list(r)
    row[_AT] = local_time(r[_AT])
    for i in _DAYS:
        value = row[i]
        row[i] = value.isoformat() if value else None
    return row


def backdated_mark(e: Entry) -> str | None:
    """ "recorded on …, counts from … (letter …)" for a back-dated step, None for any other row."""
    return marked_letter(e)


def marked_letter(r: Sequence[Any]) -> str | None:
    """backdated_mark() of a row (an Entry or a history_rows() tuple)."""
    letter, day = r[_LETTER], r[_DAY]
    return marked(r[_AT].astimezone(VN).date(), day, letter) if letter is not None and day else None


def _marked(row: list[Any], r: Sequence[Any]) -> list[Any]:
    """A row for people (CSV, XLSX): a back-dated step says so in its letter column, a merged or renamed recipient
    shows the unit it is today."""
    if r[_LETTER] is not None:
        row[_LETTER] = marked_letter(r)
    if r[_NOW]:
        row[_UNIT] = t("succession.now", old=r[_UNIT], now=r[_NOW])
    return row


# A CSV line is joined here when no field holds a comma, a quote, a line break or NUL, or starts like a formula; else
# the csv module writes it (with csv_safe_row). Whole batches of lines are checked at once: a line starts with its
# kind (step or notice), so each "," starts a field, and a field starting like a formula follows a ",".
_CSV_FORMULA = re.compile(f",[{re.escape(''.join(FORMULA_START))}]")
_CSV_COMMAS = len(COLUMNS) - 1


def _csv_plain(text: str, lines: int) -> bool:
    """Whether ``text``, ``lines`` lines joined by "\n", is what the csv module would write (less its "\r")."""
    return (
        text.count(",") == _CSV_COMMAS * lines
        and text.count("\n") == lines - 1
        and '"' not in text
        and "\r" not in text
        and "\x00" not in text
        and not _CSV_FORMULA.search(text)
    )


def write_csv(rows: Iterable[Sequence[Any]], out: IO[str]) -> int:
    """CSV with a UTF-8 byte-order mark (Excel then reads Vietnamese right) and Vietnamese headings; ``rows`` are
    Entries or history_rows() tuples. Each line is written the way the csv module writes it (None as an empty field)
    with formula-like cells neutralised (csv_safe_row): a batch of plain lines is joined here and written at once, a
    batch holding another line is written line by line, those lines through the csv module."""
    csv_head(out)
    return csv_lines(rows, out)


def csv_head(out: IO[str]) -> None:
    """write_csv()'s byte-order mark and headings."""
    out.write("\ufeff")
    csv.writer(out).writerow(headers())


def csv_lines(rows: Iterable[Sequence[Any]], out: IO[str]) -> int:
    """write_csv()'s lines after its headings (a part of a history exported in parts)."""
    writer = csv.writer(out)
    n, it, iso = 0, iter(rows), _Texts(_iso_day)
    while batch := list(islice(it, STREAM_BATCH)):
        lines: list[str] = []
        marked = False
        add = lines.append
        for (kind, id_, seq, at, day, entity, key, event, fro, to, actor, source, unit, route, result, attempts, note,
             run, url, task, digest, label, stated, letter, status, late, due, planned, now) in batch:  # fmt: skip
            # two f-strings joined: one of more than 30 parts would be built as a list and joined (CPython)
            add(
                f"{kind},{id_},{'' if seq is None else seq},{at.astimezone(VN).isoformat()},{iso[day]},"
                f"{'' if entity is None else entity},{'' if key is None else key},"
                f"{'' if event is None else event},{'' if fro is None else fro},{'' if to is None else to},"
                f"{'' if actor is None else actor},{'' if source is None else source},"
                f"{'' if unit is None else unit},{'' if route is None else route},"
                f"{'' if result is None else result}," + f"{'' if attempts is None else attempts},"
                f"{'' if note is None else note},{'' if run is None else run},{'' if url is None else url},"
                f"{'' if task is None else task},{'' if digest is None else digest},"
                f"{'' if label is None else label},{'' if stated is None else stated},"
                f"{'' if letter is None else letter},{'' if status is None else status},"
                f"{'' if late is None else late},{iso[due]},{iso[planned]},{'' if now is None else now}"
            )
            if letter is not None or now:
                marked = True
        text = "\n".join(lines)
        if not marked and _csv_plain(text, len(lines)):
            out.write(text.replace("\n", "\r\n") + "\r\n")
        else:
            for r, line in zip(batch, lines):
                if r[_LETTER] is None and not r[_NOW] and _csv_plain(line, 1):
                    out.write(line + "\r\n")
                else:
                    writer.writerow(csv_safe_row(_marked(_row(r), r)))
        n += len(lines)
    return n


def as_record(r: Sequence[Any]) -> dict[str, Any]:
    """A row as plain JSON values (English keys, as in Entry)."""
    return dict(zip(COLUMNS, _row(r)))


_NULL = "null"


def write_json(rows: Iterable[Sequence[Any]], out: IO[str]) -> int:
    """A JSON array of objects (English keys, as in Entry), one per line, written as it is read; ``rows`` are Entries
    or history_rows() tuples. Each object is written as json.JSONEncoder(ensure_ascii=False) writes as_record(row):
    text through its string encoder, and a row with a value of an unexpected type through the encoder itself."""
    out.write("[")
    n = json_objects(rows, out)
    out.write("\n]\n")
    return n


def json_objects(rows: Iterable[Sequence[Any]], out: IO[str], follows: bool = False) -> int:
    """write_json()'s objects between its brackets, each on a line of its own after the previous one's ","
    (``follows``: the first too; a part of a history exported in parts)."""
    encode = json.JSONEncoder(ensure_ascii=False).encode
    js, q, day_json = encode_basestring, _NULL, _Texts(_day_json)
    buf: list[str] = []
    n = int(follows)
    for r in rows:
        (kind, id_, seq, at, day, entity, key, event, fro, to, actor, source, unit, route, result, attempts, note,
         run, url, task, digest, label, stated, letter, status, late, due, planned, now) = r  # fmt: skip
        try:
            if (
                type(id_) is not int
                or not (seq is None or type(seq) is int)
                or not (attempts is None or type(attempts) is int)
            ):
                raise TypeError
            text = (  # f-strings joined, as in csv_lines
                f'{{"kind": {js(kind)}, "id": {id_}, "seq": {q if seq is None else seq}, '
                f'"at": "{at.astimezone(VN).isoformat()}", "day": {day_json[day]}, '
                f'"entity": {q if entity is None else js(entity)}, "key": {q if key is None else js(key)}, '
                f'"event": {q if event is None else js(event)}, "from_state": {q if fro is None else js(fro)}, '
                f'"to_state": {q if to is None else js(to)}, "actor": {q if actor is None else js(actor)}, '
                f'"source": {q if source is None else js(source)}, "unit": {q if unit is None else js(unit)}, '
                + f'"route": {q if route is None else js(route)}, "result": {q if result is None else js(result)}, '
                f'"attempts": {q if attempts is None else attempts}, "note": {q if note is None else js(note)}, '
                + f'"flow_run_id": {q if run is None else js(run)}, "flow_run_url": {q if url is None else js(url)}, '
                f'"task_run_id": {q if task is None else js(task)}, "row_hash": {q if digest is None else js(digest)}, '
                f'"actor_label": {q if label is None else js(label)}, '
                f'"stated_name": {q if stated is None else js(stated)}, '
                f'"letter_ref": {q if letter is None else js(letter)}, '
                f'"status": {q if status is None else js(status)}, "days_late": {q if late is None else late}, '
                f'"due": {day_json[due]}, "planned_due": {day_json[planned]}, '
                f'"unit_now": {q if now is None else js(now)}}}'
            )
        except TypeError:  # not text where text is expected (a hand-edited database): the encoder decides
            text = encode(as_record(r))
        buf.append(("," if n else "") + "\n" + text)
        n += 1
        if len(buf) >= STREAM_BATCH:
            out.write("".join(buf))
            buf.clear()
    out.write("".join(buf))
    return n - int(follows)


def _day_json(day: date | None) -> str:
    return f'"{day.isoformat()}"' if day else _NULL


def _iso_day(day: date | None) -> str:
    return day.isoformat() if day else ""


class _Texts(dict[Any, str]):
    """A day -> its text in an export, worked out once per day (a million rows hold a few thousand days)."""

    def __init__(self, text: Callable[[Any], str]) -> None:
        super().__init__()
        self.text = text

    def __missing__(self, value: Any) -> str:
        text = self[value] = self.text(value)
        return text
