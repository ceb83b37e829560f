"""Deadline extensions: the pure rule, the request and decision with their refusals, and what an approval moves."""

from __future__ import annotations

from datetime import date

import pytest
from faults import rows as raw_rows
from portal import set_states

from cchc_flow.models.services.extensions import Limits, extension_problem

PLAN = "byt-3723-2013-2015"
DUE = date(2014, 12, 31)
LIMITS = Limits(phase_end=date(2015, 12, 31), max_extensions=2)


def problem(**kw):  # type: ignore[no-untyped-def]
    args = dict(
        state="assigned",
        until=date(2015, 3, 31),
        due=DUE,
        today=date(2015, 1, 10),
        limits=LIMITS,
        granted=0,
        open_request=False,
    )
    return extension_problem(**{**args, **kw})


def test_the_rule() -> None:
    assert problem() is None
    assert problem(state="overdue") is None and problem(state="returned") is None
    assert "đã công nhận" in problem(state="accepted") and "đã hủy" in problem(state="cancelled")
    assert "trả lại báo cáo trước" in problem(state="reported")
    assert "đang chờ" in problem(open_request=True)
    assert "tối đa theo kế hoạch là 2" in problem(granted=2)
    assert "đã qua" in problem(until=date(2015, 1, 9))  # before today
    assert "không sau hạn hiện tại 31/12/2014" in problem(today=date(2014, 6, 1), until=date(2014, 10, 1))
    assert "không sau hạn hiện tại" in problem(today=date(2014, 6, 1), until=DUE)  # the same day is no extension
    assert "--beyond-phase" in problem(until=date(2016, 1, 31))  # past the phase's end
    assert problem(until=date(2016, 1, 31), beyond_phase=True) is None  # ... unless said explicitly


def rows(sql: str, **params) -> list[tuple]:  # type: ignore[no-untyped-def]
    """Rows with dates as ISO text (SQLite hands back text, PostgreSQL dates)."""
    return [tuple(v.isoformat() if isinstance(v, date) else v for v in r) for r in raw_rows(sql, **params)]


def extensions() -> list[tuple]:
    return rows("select unit_code, requested_until, state, granted_until from extension order by id")


def steps(key: str) -> list[tuple]:
    return rows("select event, from_state, to_state, actor from transition where entity_key = :k order by id", k=key)


def test_request_approve_refuse_and_what_an_approval_moves(loaded, principals) -> None:  # type: ignore[no-untyped-def]
    from cchc_flow.models.rules.due import Notice, decide
    from cchc_flow.models.services.activities import phase_view
    from cchc_flow.models.services.extensions import decide_extension, request_extension
    from cchc_flow.models.store.db import session
    from cchc_flow.models.store.queries import activities_owed

    set_states(PLAN, "overdue", ["2.5.1"])  # VPB, T5G lead; due 31/12/2014; phase 2 ends 31/12/2015
    t5g, vpb = principals["T5G"], principals["VPB"]
    with session() as s:
        request_extension(
            s,
            principal=t5g,
            plan_code=PLAN,
            key="2.5.1",
            until=date(2015, 3, 31),
            reason="Chờ số liệu quý I",
            today=date(2015, 1, 10),
        )
    assert extensions() == [("T5G", "2015-03-31", "open", None)]
    assert rows("select state, extended_to from activity where key = '2.5.1'") == [("overdue", None)]  # unchanged
    assert rows("select recipient from notification where notice = 'extension_requested'") == [("VPB",)]
    with session() as s:
        decide_extension(
            s,
            principal=vpb,
            plan_code=PLAN,
            key="2.5.1",
            approve=True,
            until=date(2015, 2, 27),
            today=date(2015, 1, 12),
        )
    assert extensions() == [("T5G", "2015-03-31", "approved", "2015-02-27")]
    assert rows("select state, window_end, extended_to from activity where key = '2.5.1'") == [
        ("assigned", DUE.isoformat(), "2015-02-27")
    ]  # overdue -> assigned; the plan's date kept
    assert steps("2.5.1")[-2:] == [
        ("extension_requested", "overdue", "overdue", f"unit:T5G #{t5g.token_id}"),
        ("extend", "overdue", "assigned", f"coordinator:VPB #{vpb.token_id}"),
    ]
    told = {r[0] for r in rows("select recipient from notification where notice = 'extension_approved'")}
    assert told == {"VPB", "T5G", "TCCB", "TTKT"}  # the leads and the partners
    with session() as s:  # reminders count towards the new date; the list shows both dates
        view = next(a for a in phase_view(s, PLAN, 2).activities if a.facts.key == "2.5.1")
        assert view.facts.end == date(2015, 2, 27)
        decision = decide(view.facts, date(2015, 2, 20), phase_view(s, PLAN, 2).parties)
        assert [(m.notice, m.offset) for m in decision.messages] == [(Notice.REMINDER, 7)] * 2
        from cchc_flow.models.notify.notices import (
            message_key,  # a reminder of the new date, not one already sent for the old
        )

        assert message_key(PLAN, "2.5.1", decision.messages[0], view.details).endswith("|7|2015-02-27")
        owed = {r["id"]: r for r in activities_owed(s, PLAN, today=date(2015, 1, 12))}
    assert (owed["2.5.1"]["end"], owed["2.5.1"]["planned_end"]) == (date(2015, 2, 27), DUE)
    assert (owed["2.5.1"]["status"], owed["2.5.1"]["days_late"]) == ("in_time", 0)  # judged on the approved date

    with session() as s:  # a second request, refused by the coordinator with a note
        request_extension(
            s,
            principal=t5g,
            plan_code=PLAN,
            key="2.5.1",
            until=date(2015, 4, 30),
            reason="Thêm thời gian",
            today=date(2015, 2, 20),
        )
        decide_extension(
            s,
            principal=vpb,
            plan_code=PLAN,
            key="2.5.1",
            approve=False,
            note="Đã gia hạn một lần",
            today=date(2015, 2, 21),
        )
    assert extensions()[-1] == ("T5G", "2015-04-30", "refused", None)
    assert rows("select extended_to from activity where key = '2.5.1'") == [("2015-02-27",)]
    assert steps("2.5.1")[-1][0] == "extension_refused"


def test_refusals_are_recorded_and_change_nothing(loaded, principals) -> None:  # type: ignore[no-untyped-def]
    from cchc_flow.models.services.actions import ActionRefused
    from cchc_flow.models.services.extensions import decide_extension, request_extension
    from cchc_flow.models.store.db import session

    set_states(PLAN, "overdue", ["2.5.1"])
    set_states(PLAN, "accepted", ["2.2.1"])
    t5g, vpb, tccb = principals["T5G"], principals["VPB"], principals["TCCB"]

    def refused(principal, key, expect, approve=None, **kw):  # type: ignore[no-untyped-def]
        before = (extensions(), rows("select key, state, extended_to from activity order by key"))
        with session() as s, pytest.raises(ActionRefused) as exc:
            if approve is None:
                request_extension(
                    s,
                    principal=principal,
                    plan_code=PLAN,
                    key=key,
                    reason="Lý do",
                    today=date(2015, 1, 10),
                    **{"until": date(2015, 3, 31), **kw},
                )
            else:
                decide_extension(
                    s, principal=principal, plan_code=PLAN, key=key, approve=approve, today=date(2015, 1, 10), **kw
                )
        assert expect in str(exc.value)
        assert (extensions(), rows("select key, state, extended_to from activity order by key")) == before
        assert steps(key)[-1][0] == "refused"

    refused(t5g, "2.5.1", "đã qua", until=date(2015, 1, 5))  # before today
    refused(tccb, "2.5.1", "chỉ đơn vị chủ trì (VPB, T5G)")  # another unit
    refused(principals["SKDS"], "2.2.1", "đã công nhận")  # an accepted activity
    refused(vpb, "2.5.1", "không có đề nghị gia hạn nào đang chờ", approve=True)  # nothing to decide
    with session() as s:
        request_extension(
            s,
            principal=t5g,
            plan_code=PLAN,
            key="2.5.1",
            until=date(2015, 3, 31),
            reason="Lý do",
            today=date(2015, 1, 10),
        )
    refused(t5g, "2.5.1", "đang chờ")  # a second request while open
    refused(t5g, "2.5.1", "chỉ đơn vị đầu mối", approve=True)  # only the coordinator decides
    refused(vpb, "2.5.1", "--beyond-phase", approve=True, until=date(2016, 2, 1))  # past the phase, not said
    with session() as s:
        decide_extension(
            s,
            principal=vpb,
            plan_code=PLAN,
            key="2.5.1",
            approve=True,
            until=date(2016, 2, 1),
            beyond_phase=True,
            today=date(2015, 1, 10),
        )
    assert rows("select extended_to from activity where key = '2.5.1'") == [("2016-02-01",)]


def test_the_commands(loaded, cli, tokens) -> None:  # type: ignore[no-untyped-def]
    set_states(PLAN, "overdue", ["2.5.1"])
    out = cli(
        "activity",
        "extend",
        "2.5.1",
        "--unit",
        "T5G",
        "--until",
        "01/01/2015",
        "--reason",
        "Chờ số liệu",
        token=tokens["T5G"],
        expect=2,
    )
    assert "không gia hạn được hoạt động 2.5.1" in out.stderr and "đã qua" in out.stderr
    assert "Traceback" not in out.stderr + out.stdout
    assert steps("2.5.1")[-1][0] == "refused" and extensions() == []
    assert "--approve" in cli("activity", "extension", "2.5.1", token=tokens["VPB"], expect=2).stderr
    assert (
        "--until"
        in cli(
            "activity",
            "extend",
            "2.5.1",
            "--unit",
            "T5G",
            "--until",
            "32/13/2015",
            "--reason",
            "x",
            token=tokens["T5G"],
            expect=2,
        ).stderr
    )


def test_history_and_reports_judge_against_the_date_in_force_that_day(loaded, cli, principals, tokens) -> None:  # type: ignore[no-untyped-def]
    """A step before the approval is judged against the plan's date, one after against the granted date; the
    plan's date stays beside it. The review of a day before the approval does not know the later date."""
    import json

    from cchc_flow.flows.phase import run_phase
    from cchc_flow.models.services.extensions import decide_extension, request_extension
    from cchc_flow.models.services.reviews import build_report
    from cchc_flow.models.store.db import session

    run_phase(PLAN, 2, "2015-01-02")  # 2.5.1 (due 31/12/2014) assigned (a day off),
    run_phase(PLAN, 2, "2015-01-06")  # ... then marked overdue
    with session() as s:
        request_extension(
            s,
            principal=principals["T5G"],
            plan_code=PLAN,
            key="2.5.1",
            until=date(2015, 2, 27),
            reason="Chờ số liệu",
            today=date(2015, 1, 10),
        )
        decide_extension(
            s, principal=principals["VPB"], plan_code=PLAN, key="2.5.1", approve=True, today=date(2015, 1, 12)
        )
    cli(
        "activity",
        "done",
        "2.5.1",
        "--unit",
        "T5G",
        "--evidence",
        "Đã làm",
        "--as-of",
        "2015-02-20",
        "--letter",
        "Công văn 5/T5G",
        token=tokens["VPB"],
    )
    exported = json.loads(cli("history", PLAN, "--activity", "2.5.1", "--format", "json").stdout)
    judged = {
        r["event"]: (r["day"], r["status"], r["days_late"], r["due"], r["planned_due"])
        for r in exported
        if r["kind"] == "step"
    }
    assert judged["mark_overdue"] == ("2015-01-06", "overdue", 6, "2014-12-31", None)  # the plan's date, that day
    assert judged["extension_requested"] == ("2015-01-10", "overdue", 10, "2014-12-31", None)  # still the plan's
    assert judged["extend"] == ("2015-01-12", "in_time", 0, "2015-02-27", "2014-12-31")
    assert judged["report"] == ("2015-02-20", "done_on_time", 0, "2015-02-27", "2014-12-31")
    heading = cli("history", PLAN, "--activity", "2.5.1", "--format", "csv").stdout.lstrip("\ufeff").splitlines()[0]
    assert "Hạn đang áp dụng" in heading and "Hạn theo kế hoạch" in heading

    with session() as s:
        before = next(a for a in build_report(s, PLAN, 2, date(2015, 1, 5)).activities if a.key == "2.5.1")
        after = next(a for a in build_report(s, PLAN, 2, date(2015, 2, 25)).activities if a.key == "2.5.1")
    assert (before.due, before.planned_due, before.extended) == (DUE, None, False)
    assert (after.due, after.planned_due, after.status, after.on_time) == (date(2015, 2, 27), DUE, "done_on_time", True)


def test_live_views_judge_against_the_due_date_in_force_that_day_as_the_exports_do(loaded, principals) -> None:  # type: ignore[no-untyped-def]
    from cchc_flow.models.services.activities import phase_view
    from cchc_flow.models.services.extensions import decide_extension, request_extension
    from cchc_flow.models.store.db import session
    from cchc_flow.models.store.history_query import HistoryFilter, history
    from cchc_flow.models.store.queries import activities_owed, activity_statuses, get_plan
    from cchc_flow.web.views import activity_page

    set_states(PLAN, "overdue", ["2.5.1"])  # due 31/12/2014
    with session() as s:
        ask = dict(plan_code=PLAN, key="2.5.1", until=date(2015, 3, 31), reason="Chờ số liệu quý I")
        request_extension(s, principal=principals["T5G"], today=date(2015, 1, 10), **ask)  # type: ignore[arg-type]
        decide_extension(
            s, principal=principals["VPB"], plan_code=PLAN, key="2.5.1", approve=True, today=date(2015, 1, 12)
        )
    with session() as s:
        plan = get_plan(s, PLAN)
        steps = {e.event: e for e in history(s, HistoryFilter(PLAN, activity="2.5.1")) if e.kind == "step"}
        for day, event in ((date(2015, 1, 10), "extension_requested"), (date(2015, 1, 12), "extend")):
            exported = steps[event]
            owed = next(r for r in activities_owed(s, PLAN, today=day) if r["id"] == "2.5.1")
            live = activity_statuses(s, plan, day)["2.5.1"]
            assert (owed["end"], owed["status"], owed["days_late"]) == (exported.due, exported.status, live.days_late)
            assert (live.status.value, live.days_late) == (exported.status, exported.days_late)
            assert activity_page(s, plan, "2.5.1", day).due == exported.due
            ends = {a.facts.key: a.facts.end for a in phase_view(s, PLAN, 2, day).activities}
            assert ends["2.5.1"] == exported.due  # the phase run of that day reminds and flags against it too
        assert steps["extension_requested"].due == DUE and steps["extension_requested"].status == "overdue"
        assert steps["extend"].due == date(2015, 3, 31) and steps["extend"].status == "in_time"
