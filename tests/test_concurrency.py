"""Two runs of the same phase started at the same moment in two processes (SQLite, or PostgreSQL in the second pass
of .ci/run), with a unit reporting in the middle: no duplicate delivery, no duplicate or lost step, no crash."""

from __future__ import annotations

import threading
from collections import Counter

import pytest

from endpoints import HttpRecorder
from faults import PLAN, finish, release, rows, start_phase, write_json_routes

pytestmark = pytest.mark.usefixtures("prefect_api")


def chains_consistent() -> None:
    """Every activity's steps follow each other: each starts where the previous one ended."""
    last: dict[str, str] = {}
    for key, event, old, new in rows("select entity_key, event, from_state, to_state from transition "
                                     "where entity = 'activity' and event not in ('note', 'refused') order by id"):
        if key in last:
            assert old == last[key], (key, event, old, last[key])
        last[key] = new


def test_two_processes_run_the_same_phase_at_once_while_a_unit_reports(loaded, principals, tmp_path,
                                                                       monkeypatch) -> None:  # type: ignore[no-untyped-def]
    from flows.phase import run_phase
    from models.actions import report_done
    from models.db import session

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
                reported.append(report_done(s, principal=principals["VPB"], plan_code=PLAN, key="1.1.1",
                                            evidence="Đã tổ chức 2 lớp tập huấn"))

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
        from models.audit import verify

        with session() as s:
            assert not verify(s, PLAN).breaks


def test_a_report_between_the_flows_read_and_its_write_is_kept(loaded, principals, tmp_path,
                                                                monkeypatch) -> None:  # type: ignore[no-untyped-def]
    """Deterministic: the flow reads 1.1.1 as assigned, then VPB reports it, then the flow writes."""
    import flows.phase as phase
    from models.actions import report_done
    from models.db import session

    monkeypatch.setenv("CCHC_NOTIFY_RETRY_DELAYS", "")
    phase.run_phase(PLAN, 1, "2013-10-01")
    original = phase.phase_view

    def view_then_unit_reports(s, plan, number):  # type: ignore[no-untyped-def]
        from prefect.context import FlowRunContext

        view = original(s, plan, number)
        if FlowRunContext.get() is None:  # run_phase reads the view for the run's name: not this one
            return view
        with session() as other:
            report_done(other, principal=principals["VPB"], plan_code=PLAN, key="1.1.1", evidence="Biên bản")
        return view

    monkeypatch.setattr(phase, "phase_view", view_then_unit_reports)
    summary = phase.run_phase(PLAN, 1, "2015-01-05")  # 1.1.1's window ended 31/12/2014
    outcome = next(o for o in summary.activities if o.key == "1.1.1")
    assert outcome.state == "reported" and outcome.events == []  # re-decided on what is stored: not overdue
    assert [e for (e,) in rows("select event from transition where entity_key = '1.1.1' order by id")] == \
        ["assign", "report"]
    assert rows("select count(*) from notification where entity_key = '1.1.1' and notice = 'overdue'") == [(0,)]
    assert rows("select count(*) from notification where entity_key = '1.1.1' and notice = 'reported'") == [(1,)]
    chains_consistent()
