"""Each activity step of the history carries the activity's status as of its day, whichever way the history is read:
whole, by days, by actor, by state (only the activities of the steps shown are then read) or as a first page; and
the rows are read straight from the driver, several streams at once on one connection."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest
import sqlalchemy as sa
from history_data import PLAN

STATUS = ("status", "days_late", "due", "planned_due")


def record_activity_steps() -> int:
    """Every activity of the plan assigned, a few days apart (by two actors), a third of them reported a fortnight
    later; returns how many activities the plan has."""
    from cchc_flow.models.store.db import session, write_transaction
    from cchc_flow.models.store.history import record
    from cchc_flow.models.store.queries import get_plan
    from cchc_flow.models.store.tables import ActivityRow

    with session() as s, write_transaction(s):
        plan_id = get_plan(s, PLAN).id
        keys = s.execute(sa.select(ActivityRow.key).where(ActivityRow.plan_id == plan_id).order_by(ActivityRow.id))
        keys = list(keys.scalars())
        for i, key in enumerate(keys):
            day = date(2013, 10, 1) + timedelta(days=800 * i // len(keys))
            common = {"plan_id": plan_id, "entity": "activity", "key": key, "source": "cli"}
            actor = "coordinator" if i % 2 else "tester"
            record(s, **common, event="assign", from_state="planned", to_state="assigned", actor=actor, on=day)
            if i % 3 == 0:
                report = day + timedelta(days=14)
                record(s, **common, event="report", from_state="assigned", to_state="reported", actor=actor, on=report)
    return len(keys)


def read(limit: int | None = None, **filters):  # type: ignore[no-untyped-def]
    from cchc_flow.models.store.db import session
    from cchc_flow.models.store.history_query import HistoryFilter, history

    with session() as s:
        return [e for e in history(s, HistoryFilter(PLAN, **filters), limit) if e.kind == "step"]


def test_a_narrow_history_judges_each_step_as_the_whole_does(history, monkeypatch: pytest.MonkeyPatch) -> None:  # type: ignore[no-untyped-def]
    from cchc_flow.models.store import history_query

    activities = record_activity_steps()
    monkeypatch.setattr(history_query, "FETCH_BATCH", 2)  # the driver read in many batches
    loads: list[str] = []
    load = history_query._Judge.load

    def watched(judge, keys):  # type: ignore[no-untyped-def]
        loads.append("all" if keys is None else "theirs" if isinstance(keys, sa.Select) else "listed")
        return load(judge, keys)

    monkeypatch.setattr(history_query._Judge, "load", watched)
    whole = {e.id: e for e in read()}
    judged = [e for e in whole.values() if e.status]
    assert len(judged) > activities and len({e.status for e in judged}) > 1
    for filters, how in (
        ({"since": date(2013, 1, 1)}, "all"),  # more steps than activities
        ({"since": date(2014, 3, 1), "until": date(2015, 1, 31)}, "theirs"),
        ({"actor": "coordinator"}, "theirs"),
        ({"state": "reported"}, "theirs"),
        ({"actor": "tester", "until": date(2015, 1, 1)}, "theirs"),
    ):
        loads.clear()
        got = read(**filters)
        assert loads == [how] and len([e for e in got if e.status]) > 4, filters
        assert [tuple(getattr(e, c) for c in STATUS) for e in got] == [
            tuple(getattr(whole[e.id], c) for c in STATUS) for e in got
        ], filters
    page = read(limit=7, since=date(2014, 1, 1))
    assert [tuple(getattr(e, c) for c in STATUS) for e in page] == [
        tuple(getattr(whole[e.id], c) for c in STATUS) for e in page
    ]


def test_driver_rows_streams_side_by_side_and_binds_typed_values(history) -> None:  # type: ignore[no-untyped-def]
    from cchc_flow.models.store.db import session
    from cchc_flow.models.store.driver_rows import driver_rows
    from cchc_flow.models.store.tables import TransitionRow, table_of

    record_activity_steps()
    T = table_of(TransitionRow).c
    with session() as s:
        conn = s.connection()
        ids = [r[0] for r in conn.execute(sa.select(T.id).order_by(T.id))]
        keys = [r[0] for r in conn.execute(sa.select(T.entity_key).where(T.entity == "activity").distinct())]
        some = sa.select(T.id).where(T.entity_key.in_(sorted(keys)[:5])).order_by(T.id)
        theirs = [r[0] for r in conn.execute(some)]
        assert len(ids) > 20 and 5 <= len(theirs) < len(ids) - 3
        first, second = driver_rows(conn, sa.select(T.id).order_by(T.id), 3), driver_rows(conn, some, 2)
        side_by_side = [(a[0], b[0]) for a, b in zip(first, second)]  # two open cursors, read in turn
        assert side_by_side == list(zip(ids, theirs))
        assert [a[0] for a in first] == ids[len(theirs) + 1 :]  # zip took one more of ``first`` before it stopped
        assert [r[0] for r in driver_rows(conn, some, 2, stream=False)] == theirs  # a small result, sent at once
        # a bound value the column's type turns into what is stored (an aware time): read the usual way
        later = datetime.now(UTC) - timedelta(days=1)
        assert [r[0] for r in driver_rows(conn, sa.select(T.id).where(T.at >= later).order_by(T.id), 4)] == ids
        assert list(driver_rows(conn, sa.select(T.id).where(T.at >= later + timedelta(days=2)), 4)) == []
