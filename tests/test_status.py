"""The four-way status: a pure rule (models/rules/status.py), and where it is shown (activity list JSON, the review)."""

from __future__ import annotations

import json
from datetime import date

import pytest

from cchc_flow.models.rules.status import COLOURS, Status, Timeliness, on_time, status_words, timeliness

START, DUE = date(2014, 1, 1), date(2014, 6, 30)


@pytest.mark.parametrize(
    ("state", "today", "done_on", "expected"),
    [
        ("planned", date(2013, 12, 1), None, (Status.NOT_OPEN, 0)),
        ("planned", date(2014, 2, 1), None, (Status.IN_TIME, 0)),  # open, the phase run has not assigned it yet
        ("assigned", DUE, None, (Status.IN_TIME, 0)),  # the due date itself is still in time
        ("assigned", date(2014, 7, 3), None, (Status.OVERDUE, 3)),
        ("overdue", date(2014, 7, 10), None, (Status.OVERDUE, 10)),
        ("returned", date(2014, 7, 2), date(2014, 6, 1), (Status.OVERDUE, 2)),  # a returned report is not done
        ("reported", date(2015, 1, 1), DUE, (Status.DONE_ON_TIME, 0)),  # counted on the report's day, not today
        ("accepted", date(2015, 1, 1), date(2014, 7, 5), (Status.DONE_LATE, 5)),
        ("cancelled", date(2015, 1, 1), None, (Status.CANCELLED, 0)),
    ],
)
def test_four_way_status(state: str, today: date, done_on: date | None, expected: tuple[Status, int]) -> None:
    got = timeliness(state, start=START, due=DUE, today=today, done_on=done_on)
    assert (got.status, got.days_late) == expected


def test_colours_and_words() -> None:
    assert [COLOURS[s] for s in (Status.DONE_ON_TIME, Status.DONE_LATE, Status.IN_TIME, Status.OVERDUE)] == [
        "#2e9e5b",
        "#e8890c",
        "#3a7bd5",
        "#d64545",
    ]  # green, orange, blue, red
    assert COLOURS[Status.NOT_OPEN] == "#9aa5b1"  # grey
    assert status_words(Timeliness(Status.DONE_LATE, 5)) == "hoàn thành trễ hạn (trễ 5 ngày)"
    assert status_words(Timeliness(Status.OVERDUE, 2), "en") == "not done, overdue (2 days overdue)"
    assert on_time(None, DUE) is None and on_time(DUE, DUE) is True and on_time(date(2014, 7, 1), DUE) is False


def test_activity_list_json_has_status_and_days_late(loaded, cli, tokens) -> None:  # type: ignore[no-untyped-def]
    from cchc_flow.flows.phase import run_phase

    run_phase(loaded, 1, "2014-01-06")
    cli(
        "activity",
        "done",
        "1.1.1",
        "--unit",
        "VPB",
        "--evidence",
        "Đã làm",
        "--as-of",
        "2015-01-04",
        "--letter",
        "Công văn 12",
        token=tokens["VPB"],
    )
    rows = {
        r["id"]: r
        for r in json.loads(cli("activity", "list", loaded, "--as-of", "2015-01-05", "--format", "json").stdout)
    }
    assert (rows["1.1.1"]["status"], rows["1.1.1"]["days_late"]) == ("done_late", 4)  # due 31/12/2014
    assert (rows["1.1.2"]["status"], rows["1.1.2"]["days_late"]) == ("overdue", 5)  # due 31/12/2014
    assert rows["1.2.1"]["status"] == "overdue"
    early = {
        r["id"]: r
        for r in json.loads(cli("activity", "list", loaded, "--as-of", "2013-12-01", "--format", "json").stdout)
    }
    assert (early["2.1.1"]["status"], early["2.1.1"]["days_late"]) == ("not_open", 0)
    # the history exports: each activity step with the status as of its day
    steps = [
        r
        for r in json.loads(cli("history", loaded, "--activity", "1.1.1", "--format", "json").stdout)
        if r["kind"] == "step"
    ]
    by_event = {r["event"]: r for r in steps}
    assert (by_event["assign"]["status"], by_event["assign"]["days_late"]) == ("in_time", 0)
    assert (by_event["report"]["status"], by_event["report"]["days_late"]) == ("done_late", 4)
    csv_text = cli("history", loaded, "--activity", "1.1.1", "--format", "csv").stdout
    assert "Tình trạng thực hiện (đến ngày của bước)" in csv_text and "done_late,4" in csv_text
