"""Two runs of the same phase started at the same moment in two processes (SQLite, or PostgreSQL in the second pass
of .ci/run), with a unit reporting in the middle: no duplicate delivery, no duplicate or lost step, no crash."""

from __future__ import annotations

import threading
import time
from collections import Counter
from datetime import date

import pytest
from endpoints import HttpRecorder
from faults import PLAN, decided_as_of, finish, release, rows, start_phase, write_json_routes

pytestmark = pytest.mark.usefixtures("prefect_api")


def chains_consistent() -> None:
    """Every activity's steps follow each other: each starts where the previous one ended."""
    last: dict[str, str] = {}
    for key, event, old, new in rows(
        "select entity_key, event, from_state, to_state from transition "
        "where entity = 'activity' and event not in ('note', 'refused') order by id"
    ):
        if key in last:
            assert old == last[key], (key, event, old, last[key])
        last[key] = new


def test_two_processes_run_the_same_phase_at_once_while_a_unit_reports(
    loaded, principals, tmp_path, monkeypatch
) -> None:  # type: ignore[no-untyped-def]
    from cchc_flow.flows.phase import run_phase
    from cchc_flow.models.services.actions import report_done
    from cchc_flow.models.store.db import session

    with HttpRecorder(delay=0.3) as http:
        monkeypatch.setenv("CCHC_NOTIFY_CONFIG", str(write_json_routes(tmp_path / "routes.yaml", http.port)))
        monkeypatch.setenv("CCHC_NOTIFY_RETRY_DELAYS", "")
        run_phase(PLAN, 1, "2013-10-01")  # phase 1 open: 1.1.1, 1.1.2, 1.2.1, 1.4.1 assigned and announced
        http.clear()

        # 2015-01-05: the 2014 activities open and everything of 2014 goes overdue, in both runs at once
        barrier = tmp_path / "barrier"
        barrier.mkdir()
        workers = [start_phase("2015-01-05", barrier=barrier) for _ in range(2)]
        release(barrier, 2)
        reported: list[object] = []

        def unit_reports() -> None:  # VPB reports 1.1.1 while the runs mark it overdue (either order is right)
            with session() as s:
                reported.append(
                    report_done(
                        s,
                        principal=principals["VPB"],
                        plan_code=PLAN,
                        key="1.1.1",
                        evidence="Đã tổ chức 2 lớp tập huấn",
                    )
                )

        unit = threading.Thread(target=unit_reports)
        unit.start()
        summaries = [finish(w) for w in workers]
        unit.join(timeout=60)
        assert len(reported) == 1

        # each message once: one digest per unit that had something new
        got = Counter(r.path.strip("/").upper() for r in http.requests)
        assert got and set(got.values()) == {1}, got
        assert rows("select count(*) from notification where status != 'sent'") == [(0,)]
        assert rows("select count(*) from delivery where ok") == rows("select count(*) from notification")
        # each step once, none lost: the later of two runs found the work done
        steps = Counter(rows("select entity_key, event from transition where entity = 'activity'"))
        assert set(steps.values()) == {1}, steps
        overdue = {k for k, e in steps if e == "mark_overdue"}
        assert overdue | {"1.1.1"} == {"1.1.1", "1.1.2", "1.2.1", "1.3.1", "1.3.2", "1.4.1", "1.4.2", "1.5.1", "1.6.1"}
        assert ("1.1.1", "report") in steps
        assert rows("select state from activity where key = '1.1.1'") == [("reported",)]
        chains_consistent()
        # what the two runs say they did adds up to what is recorded (minus the opening's 4 assigns and the report)
        assert sum(len(e) for s in summaries for e in s["events"].values()) == sum(steps.values()) - 4 - 1
        # the coordinator heard of the report, and was told of 1.1.1 overdue only if that came first
        assert rows("select count(*) from notification where entity_key = '1.1.1' and notice = 'reported'") == [(1,)]
        from cchc_flow.models.store.audit import verify

        with session() as s:
            assert not verify(s, PLAN).breaks


def test_a_report_between_the_flows_read_and_its_write_is_kept(loaded, principals, tmp_path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    """Deterministic: the flow reads 1.1.1 as assigned, then VPB reports it, then the flow writes."""
    import cchc_flow.flows.phase as phase
    from cchc_flow.models.services.actions import report_done
    from cchc_flow.models.store.db import session

    monkeypatch.setenv("CCHC_NOTIFY_RETRY_DELAYS", "")
    phase.run_phase(PLAN, 1, "2013-10-01")
    original = phase.phase_view

    def view_then_unit_reports(s, plan, number, *today):  # type: ignore[no-untyped-def]
        from prefect.context import FlowRunContext

        view = original(s, plan, number, *today)
        if FlowRunContext.get() is None:  # run_phase reads the view for the run's name: not this one
            return view
        with session() as other:
            report_done(other, principal=principals["VPB"], plan_code=PLAN, key="1.1.1", evidence="Biên bản")
        return view

    monkeypatch.setattr(phase, "phase_view", view_then_unit_reports)
    summary = phase.run_phase(PLAN, 1, "2015-01-05")  # 1.1.1's window ended 31/12/2014
    outcome = next(o for o in summary.activities if o.key == "1.1.1")
    assert outcome.state == "reported" and outcome.events == []  # re-decided on what is stored: not overdue
    assert [e for (e,) in rows("select event from transition where entity_key = '1.1.1' order by id")] == [
        "assign",
        "report",
    ]
    assert rows("select count(*) from notification where entity_key = '1.1.1' and notice = 'overdue'") == [(0,)]
    assert rows("select count(*) from notification where entity_key = '1.1.1' and notice = 'reported'") == [(1,)]
    chains_consistent()


class Inside:
    """Runs ``work`` on a thread and tells when that thread's transaction got inside the database while the test holds
    a transaction of its own: waiting for a lock the test holds (PostgreSQL: seen in pg_locks; SQLite: BEGIN
    IMMEDIATE started, which waits for the write lock) or past its read of ``table`` (had it not waited, what it read
    is what was committed before). The test commits then, so an unprotected read is a stale one."""

    def __init__(self, table: str, work) -> None:  # type: ignore[no-untyped-def]
        import sqlalchemy as sa

        from cchc_flow.models.store.db import get_engine

        self.engine, self.sa, self.read = get_engine(), sa, f"SELECT {table}."
        self.postgres = self.engine.dialect.name == "postgresql"
        self.event, self.ident, self.outcome = threading.Event(), [], []  # type: ignore[var-annotated]
        self.thread = threading.Thread(target=self._run, args=(work,))

    def _run(self, work) -> None:  # type: ignore[no-untyped-def]
        self.ident.append(threading.get_ident())
        try:
            self.outcome.append(work())
        except Exception as exc:  # the test says what happened
            self.outcome.append(exc)

    def _waits(self, conn, cursor, statement, *args) -> None:  # type: ignore[no-untyped-def]
        if threading.get_ident() in self.ident and statement.startswith("BEGIN IMMEDIATE"):
            self.event.set()

    def _has_read(self, conn, cursor, statement, *args) -> None:  # type: ignore[no-untyped-def]
        if threading.get_ident() in self.ident and statement.startswith(self.read):
            self.event.set()

    def __enter__(self) -> Inside:
        self.sa.event.listen(self.engine, "before_cursor_execute", self._waits)
        self.sa.event.listen(self.engine, "after_cursor_execute", self._has_read)
        return self

    def start_and_wait(self, timeout: float = 60) -> None:
        """Start ``work``; return once its transaction is inside the database, or it has ended."""
        self.thread.start()
        deadline = time.monotonic() + timeout
        while self.thread.is_alive() and not (waiting_for_a_lock() if self.postgres else self.event.is_set()):
            assert time.monotonic() < deadline, "the other transaction never got inside the database"
            time.sleep(0.01)

    def result(self):  # type: ignore[no-untyped-def]
        self.thread.join(timeout=60)
        (outcome,) = self.outcome
        return outcome

    def __exit__(self, *exc) -> None:  # type: ignore[no-untyped-def]
        self.thread.join(timeout=60)
        self.sa.event.remove(self.engine, "before_cursor_execute", self._waits)
        self.sa.event.remove(self.engine, "after_cursor_execute", self._has_read)


def waiting_for_a_lock() -> bool:
    """PostgreSQL: whether a session of this database waits for a lock another transaction holds."""
    return rows(
        "select count(*) from pg_locks l join pg_stat_activity a on a.pid = l.pid "
        "where not l.granted and a.datname = current_database()"
    ) != [(0,)]


def report_written(unit, key: str, day: date) -> None:  # type: ignore[no-untyped-def]
    """The lead's report of ``key`` written in the transaction of session ``unit`` (not committed)."""
    from sqlmodel import select

    from cchc_flow.models.services.activities import Change, apply_changes
    from cchc_flow.models.store.tables import ActivityRow

    act = unit.exec(select(ActivityRow).where(ActivityRow.key == key)).one()
    apply_changes(unit, [Change(act, ("report",))], actor="unit:VPB", source="cli", on=day)


def test_the_record_step_waits_for_a_report_being_written_and_decides_on_it(loaded) -> None:  # type: ignore[no-untyped-def]
    """Deterministic: VPB's report of 1.1.1 is written but not committed when the record step of a run (as of
    2015-01-05, when 1.1.1 goes overdue) starts. The step must wait for it -- SQLite: its write lock is taken when its
    transaction begins; PostgreSQL: the rows it records are locked and read again under the lock -- then keep the
    report: no crash, no overdue over the report."""
    from cchc_flow.models.services.reconcile import record_decisions
    from cchc_flow.models.store.db import session, write_transaction

    opening, overdue_day = date(2013, 10, 1), date(2015, 1, 5)
    with session() as s:
        record_decisions(s, *decided_as_of(opening), opening)
    view, decided = decided_as_of(overdue_day)  # the tasks decided on 1.1.1 "assigned": mark it overdue

    def record_step():  # type: ignore[no-untyped-def]
        with session() as s:
            return record_decisions(s, view, decided, overdue_day)

    with Inside("activity", record_step) as step:
        with session() as unit, write_transaction(unit):
            report_written(unit, "1.1.1", overdue_day)
            step.start_and_wait()
        result = step.result()  # the report committed on leaving the block
    assert isinstance(result, dict), result  # unprotected: ConcurrentChange or "database is locked" (a stale read)
    assert result["1.1.1"].state == "reported" and result["1.1.1"].events == []
    assert [e for (e,) in rows("select event from transition where entity_key = '1.1.1' order by id")] == [
        "assign",
        "report",
    ]
    assert rows("select count(*) from transition where event = 'mark_overdue'") == [(8,)]


def test_two_steps_written_at_once_join_the_history_chain_one_after_the_other(loaded) -> None:  # type: ignore[no-untyped-def]
    """Deterministic: VPB's report of 1.1.1 is written, not committed, when T5G's report of 1.1.2 is written in
    another transaction (other rows: only the plan's history chain is shared). The second must wait for the first
    (PostgreSQL: a lock on the plan's chain; SQLite: the write lock) and chain after it: the history stays whole."""
    from cchc_flow.models.services.reconcile import record_decisions
    from cchc_flow.models.store.audit import verify
    from cchc_flow.models.store.db import session, write_transaction

    opening, day = date(2013, 10, 1), date(2014, 3, 14)
    with session() as s:
        record_decisions(s, *decided_as_of(opening), opening)

    def other_report() -> None:
        with session() as s, write_transaction(s):
            report_written(s, "1.1.2", day)

    with Inside("transition", other_report) as other:
        with session() as unit, write_transaction(unit):
            report_written(unit, "1.1.1", day)
            other.start_and_wait()
        assert other.result() is None  # the first report committed on leaving the block
    with session() as s:
        report = verify(s, PLAN)
    assert not report.breaks, report.breaks
    assert rows("select count(*) from transition where event = 'report'") == [(2,)]


def test_a_step_from_a_state_that_is_no_longer_stored_is_refused(loaded, principals) -> None:  # type: ignore[no-untyped-def]
    """Two sessions stepped by hand: one reads 1.1.1 (assigned); VPB then reports it; the first now marks what it read
    overdue. The step is conditional on the state it starts from: refused, nothing written, the report kept."""
    from sqlmodel import select

    from cchc_flow.models.services.actions import report_done
    from cchc_flow.models.services.activities import Change, ConcurrentChange, apply_changes
    from cchc_flow.models.services.reconcile import record_decisions
    from cchc_flow.models.store.db import session, write_transaction
    from cchc_flow.models.store.tables import ActivityRow

    opening = date(2013, 10, 1)
    with session() as s:
        record_decisions(s, *decided_as_of(opening), opening)
    with session() as stale:
        act = stale.exec(select(ActivityRow).where(ActivityRow.key == "1.1.1")).one()
        stale.expunge(act)  # kept as read
        stale.rollback()
        assert act.state == "assigned"
        with session() as s:
            report_done(s, principal=principals["VPB"], plan_code=PLAN, key="1.1.1", evidence="Biên bản")
        with pytest.raises(ConcurrentChange), write_transaction(stale):
            apply_changes(
                stale, [Change(act, ("mark_overdue",))], actor="cchc-flow", source="flow", on=date(2015, 1, 5)
            )
    assert rows("select state from activity where key = '1.1.1'") == [("reported",)]
    assert [e for (e,) in rows("select event from transition where entity_key = '1.1.1' order by id")] == [
        "assign",
        "report",
    ]
