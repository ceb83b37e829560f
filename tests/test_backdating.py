"""Back-dating: a unit acts on the day it acts; only the coordinator records a step for an earlier day, from a
late letter, and never for a day that could not have been. Every step keeps both days, and a back-dated one
says so in the history, its exports, the board and the review report."""

from __future__ import annotations

import csv
import io
from datetime import date

import pendulum
import pytest
import sqlalchemy as sa

PLAN = "byt-3723-2013-2015"
pytestmark = pytest.mark.usefixtures("prefect_api")


def rows(sql: str) -> list[tuple]:
    from cchc_flow.models.store.db import get_engine

    with get_engine().connect() as conn:
        return [tuple(r) for r in conn.execute(sa.text(sql))]


def today_vn() -> str:
    return pendulum.now("Asia/Ho_Chi_Minh").format("DD/MM/YYYY")


def test_the_rule_refuses_days_that_could_not_have_been() -> None:
    from cchc_flow.models.rules.backdating import backdate_problem

    rule = dict(today=date(2015, 2, 1), signed=date(2013, 9, 25), opens=date(2014, 1, 1), latest=date(2015, 1, 5))
    assert "tương lai" in backdate_problem(date(2015, 2, 2), **rule)
    assert "trước ngày kế hoạch được ký (25/09/2013)" in backdate_problem(date(1, 1, 1), **rule)
    assert "trước khi thời gian thực hiện hoạt động bắt đầu (01/01/2014)" in backdate_problem(date(2013, 12, 1), **rule)
    assert "trước bước mới nhất đã ghi" in backdate_problem(date(2014, 6, 1), **rule)
    assert backdate_problem(date(2015, 1, 5), **rule) is None and backdate_problem(date(2015, 2, 1), **rule) is None


@pytest.fixture
def overdue(loaded, tokens):  # type: ignore[no-untyped-def]
    """Phase 1 run as of 05/01/2015: 1.1.2 (VPB, T5G) is recorded overdue."""
    from cchc_flow.flows.phase import run_phase

    run_phase(PLAN, 1, "2015-01-05")
    assert rows("select state from activity where key = '1.1.2'") == [("overdue",)]
    return tokens


def test_a_unit_cannot_back_date_its_report_over_an_overdue_step(cli, overdue) -> None:  # type: ignore[no-untyped-def]
    tokens = overdue
    attack = ("activity", "done", "1.1.2", "--unit", "T5G", "--evidence", "Đã đăng bài", "--as-of", "2014-06-01")
    assert "cần cả --as-of NGÀY và --letter" in cli(*attack, expect=2, token=tokens["T5G"]).stderr
    refused = cli(*attack, "--letter", "CV 1/T5G", expect=2, token=tokens["T5G"])
    assert "chỉ đơn vị đầu mối của kế hoạch (VPB)" in refused.stderr
    assert rows("select event from transition where entity_key = '1.1.2' and event in ('report', 'refused')") == [
        ("refused",)
    ]  # the attempt is on record, the report is not
    # the coordinator may record a late letter, but not for a day before the latest recorded step
    behind = cli(*attack, "--letter", "CV 1/T5G", expect=2, token=tokens["VPB"])
    assert "không ghi được bước tính từ ngày 01/06/2014" in behind.stderr
    assert "trước bước mới nhất đã ghi của hoạt động này (05/01/2015)" in behind.stderr
    assert rows("select state from activity where key = '1.1.2'") == [("overdue",)]
    assert rows("select count(*) from transition where event = 'report'") == [(0,)]


@pytest.mark.parametrize(
    ("key", "day", "reason"),
    [
        ("1.1.2", "0001-01-01", "trước ngày kế hoạch được ký (25/09/2013)"),
        ("1.1.2", "24/09/2013", "trước ngày kế hoạch được ký (25/09/2013)"),
        ("1.1.2", "9999-12-31", "ngày đó còn ở tương lai"),
        ("2.1.1", "2013-12-01", "trước khi thời gian thực hiện hoạt động bắt đầu (01/01/2014)"),
    ],
)
def test_impossible_days_are_refused_with_the_reason(cli, overdue, key: str, day: str, reason: str) -> None:  # type: ignore[no-untyped-def]
    before = rows("select count(*) from transition")
    result = cli(
        "activity",
        "note",
        key,
        "--unit",
        "TCCB",
        "--text",
        "Ý kiến góp ý",
        "--as-of",
        day,
        "--letter",
        "CV 7/TCCB",
        expect=2,
        token=overdue["VPB"],
    )
    assert reason in result.stderr
    assert rows("select count(*) from transition") == before


def wide_table(cli, monkeypatch, *args: str) -> str:  # type: ignore[no-untyped-def]
    """`cchc history PLAN *args` as a table printed on a wide terminal (no cell folded)."""
    from rich.console import Console

    import cchc_flow.cli.audit

    screen = io.StringIO()
    monkeypatch.setattr(cchc_flow.cli.audit, "out", Console(file=screen, width=400))
    cli("history", PLAN, *args)
    return screen.getvalue()


def test_a_late_letter_keeps_both_days_and_is_shown_as_such(cli, overdue, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    from cchc_flow.models.reports.review_render import render_markdown
    from cchc_flow.models.services.reviews import build_report
    from cchc_flow.models.store.db import session
    from cchc_flow.models.store.queries import get_plan
    from cchc_flow.web.views import queue

    letter = "Công văn 3/T5G ngày 06/01/2015"
    cli(
        "activity",
        "done",
        "1.1.2",
        "--unit",
        "T5G",
        "--evidence",
        "Đã phát 4 phóng sự trên VTV1",
        "--as-of",
        "06/01/2015",
        "--letter",
        letter,
        token=overdue["VPB"],
    )
    ((actor, day, at, ref, note),) = rows(
        "select actor, effective_day, at, letter_ref, note from transition where event = 'report'"
    )
    assert actor.startswith("coordinator:VPB #") and str(day) == "2015-01-06" and ref == letter
    assert note == "T5G: Đã phát 4 phóng sự trên VTV1"
    mark = f"ghi nhận ngày {today_vn()}, tính từ ngày 06/01/2015 (công văn: {letter})"
    # the history's table and its exports
    assert mark in wide_table(cli, monkeypatch, "--activity", "1.1.2")
    exported = list(
        csv.DictReader(
            io.StringIO(cli("history", PLAN, "--activity", "1.1.2", "--format", "csv").stdout.lstrip("\ufeff"))
        )
    )
    assert [r["Công văn đến muộn (ghi lùi ngày)"] for r in exported if r["Sự kiện / thông báo"] == "report"] == [mark]
    with session() as s:
        plan = get_plan(s, PLAN)
        # the board's queue: late, judged on the day it counts for
        [item] = [q for q in queue(s, plan) if q["key"] == "1.1.2"]
        assert item["backdated"] == mark and item["day"] == date(2015, 1, 6) and item["on_time"] is False
        # the review report
        markdown = render_markdown(build_report(s, PLAN, 1, date(2015, 1, 26)))
    assert f"[{mark}]" in markdown.replace("\\|", "|").replace("\\[", "[").replace(
        "\\]", "]"
    )  # Markdown escapes undone


def test_on_time_is_judged_on_the_letters_day_only_when_the_coordinator_entered_it(cli, loaded, tokens) -> None:  # type: ignore[no-untyped-def]
    from cchc_flow.flows.phase import run_phase
    from cchc_flow.models.store.db import session
    from cchc_flow.models.store.queries import get_plan
    from cchc_flow.web.views import queue

    run_phase(PLAN, 1, "2014-01-06")
    cli(
        "activity",
        "done",
        "1.1.1",
        "--unit",
        "VPB",
        "--evidence",
        "Biên bản tập huấn",
        "--as-of",
        "2014-12-20",
        "--letter",
        "Công văn 90/VPB ngày 20/12/2014",
        token=tokens["VPB"],
    )
    cli("activity", "done", "1.4.1", "--unit", "SKDS", "--evidence", "Cuộc thi đã tổ chức", token=tokens["SKDS"])
    with session() as s:
        items = {q["key"]: q for q in queue(s, get_plan(s, PLAN))}
    assert items["1.1.1"]["on_time"] is True and items["1.1.1"]["backdated"]
    # a unit reporting itself counts for the day it reports (after the window's end: late), never back-dated
    assert items["1.4.1"]["on_time"] is False and items["1.4.1"]["backdated"] is None
    ((day, at, ref),) = rows(
        "select effective_day, at, letter_ref from transition where entity_key = '1.4.1' and event = 'report'"
    )
    assert str(day) == pendulum.instance(pendulum.parse(str(at))).in_tz("Asia/Ho_Chi_Minh").date().isoformat()
    assert ref is None
