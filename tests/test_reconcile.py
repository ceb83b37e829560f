"""Recording what a phase run decided (models/services/reconcile.py), without Prefect: all of it in one transaction, or none."""

from __future__ import annotations

from datetime import date

import pytest
from faults import decided_as_of, rows

OPENING = date(2013, 10, 1)


def test_a_failure_while_queueing_leaves_no_transition_behind(loaded, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    import cchc_flow.models.services.reconcile as reconcile
    from cchc_flow.models.store.db import session

    view, decided = decided_as_of(OPENING)

    def broken(session, notices):  # type: ignore[no-untyped-def]
        raise RuntimeError("the disk is full")

    monkeypatch.setattr(reconcile, "queue", broken)
    with session() as s, pytest.raises(RuntimeError, match="disk is full"):
        reconcile.record_decisions(s, view, decided, OPENING)
    assert rows("select count(*) from transition where entity = 'activity'") == [(0,)]
    assert rows("select count(*) from notification") == [(0,)]
    assert {state for (state,) in rows("select state from activity")} == {"planned"}


def test_each_step_keeps_the_task_run_that_decided_it_and_a_second_recording_adds_nothing(loaded) -> None:  # type: ignore[no-untyped-def]
    from cchc_flow.models.services.reconcile import record_decisions
    from cchc_flow.models.store.db import session

    view, decided = decided_as_of(OPENING)
    with session() as s:
        first = record_decisions(s, view, decided, OPENING, flow_run_id="flow-1")
    assert sorted(k for k, r in first.items() if r.events) == ["1.1.1", "1.1.2", "1.2.1", "1.4.1"]
    assert rows(
        "select entity_key, task_run_id, flow_run_id from transition where event = 'assign' order by entity_key"
    ) == [(k, f"task-{k}", "flow-1") for k in ("1.1.1", "1.1.2", "1.2.1", "1.4.1")]
    queued = sum(r.queued for r in first.values())
    assert queued == rows("select count(*) from notification")[0][0] > 0
    with session() as s:  # the same decisions again (a second run that read the same states): re-decided, nothing new
        again = record_decisions(s, view, decided, OPENING, flow_run_id="flow-2")
    assert all(not r.events and not r.queued for r in again.values())
    assert rows("select count(*) from transition where event = 'assign'") == [(4,)]


def test_the_new_states_are_written_in_one_statement_and_not_again_row_by_row(loaded) -> None:  # type: ignore[no-untyped-def]
    """The activities that move together are updated by one statement; the rows the session holds are told their new
    state as stored, so that its flush at commit does not write each of them again."""
    import sqlalchemy as sa

    from cchc_flow.models.services.reconcile import record_decisions
    from cchc_flow.models.store.db import get_engine, session

    view, decided = decided_as_of(OPENING)
    updates: list[bool] = []  # one entry per UPDATE of the activity table: whether it ran row by row (executemany)

    def seen(conn, cursor, statement, parameters, context, executemany):  # type: ignore[no-untyped-def]
        if statement.lstrip().upper().startswith("UPDATE ACTIVITY"):
            updates.append(executemany)

    sa.event.listen(get_engine(), "before_cursor_execute", seen)
    try:
        with session() as s:
            recorded = record_decisions(s, view, decided, OPENING)
    finally:
        sa.event.remove(get_engine(), "before_cursor_execute", seen)
    assert updates == [False]  # the four assignments: planned -> assigned, together
    assert {k: r.state for k, r in recorded.items() if r.events} == dict.fromkeys(
        ("1.1.1", "1.1.2", "1.2.1", "1.4.1"), "assigned"
    )
    assert rows("select key from activity where state = 'assigned' order by key") == [
        (k,) for k in ("1.1.1", "1.1.2", "1.2.1", "1.4.1")
    ]
