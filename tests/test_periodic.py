"""Periodic reports: periods from the plan's duty, reminders only to units that have not submitted."""

from __future__ import annotations

from datetime import date

import pytest
from conftest import DATA

from cchc_flow.models.rules.due import Notice
from cchc_flow.models.services.periodic import Period, periodic_due, periods

DUTY_3723 = {
    "id": "bao-cao-dinh-ky",
    "text": "…",
    "to": "Văn phòng Bộ",
    "deadlines": [{"period": "half-year", "due": "06-15"}, {"period": "year", "due": "12-15"}],
}
DUTY_PHU_MY = {
    "id": "bao-cao-so-y-te",
    "text": "…",
    "to": "Sở Y tế",
    "deadlines": [{"period": "half-year", "due": "06-05"}, {"period": "year", "due": "12-05"}],
}


def test_periods_of_the_3723_duty() -> None:
    got = periods([DUTY_3723], date(2013, 9, 25), date(2015, 12, 31), {"Văn phòng Bộ": "VPB"})
    assert [(p.label, p.due.isoformat(), p.to) for p in got] == [
        ("2013", "2013-12-15", "VPB"),
        ("2014-H1", "2014-06-15", "VPB"),
        ("2014", "2014-12-15", "VPB"),
        ("2015-H1", "2015-06-15", "VPB"),
        ("2015", "2015-12-15", "VPB"),
    ]


def test_the_same_engine_serves_the_phu_my_deadlines() -> None:
    got = periods([DUTY_PHU_MY], date(2022, 2, 10), date(2025, 12, 31), {})
    assert [p.due.isoformat() for p in got][:3] == ["2022-06-05", "2022-12-05", "2023-06-05"]
    assert len(got) == 8


@pytest.mark.parametrize(
    "today, expected",
    [
        (date(2014, 6, 5), []),  # 10 days before: nothing yet
        (date(2014, 6, 6), [("TTKT", Notice.REPORT_REMINDER, 7)]),  # 08/06 is a Sunday -> Friday 06/06
        (date(2014, 6, 9), [("TTKT", Notice.REPORT_REMINDER, 7)]),
        (date(2014, 6, 13), [("TTKT", Notice.REPORT_REMINDER, 1)]),  # 14/06 Saturday -> Friday 13/06
        (date(2014, 6, 16), [("VPB", Notice.REPORT_MISSING, 0)]),  # 15/06 Sunday -> Monday 16/06
    ],
)
def test_reminders_go_only_to_units_that_have_not_submitted(today: date, expected: list) -> None:
    p = Period("d", "2014-H1", date(2014, 6, 15), "VPB", "…")
    got = periodic_due([p], ("TCCB", "TTKT"), {("d", "2014-H1", "TCCB")}, today)
    assert [(m.recipient, m.notice, m.offset) for _, m in got] == expected
    assert periodic_due([p], ("TCCB",), {("d", "2014-H1", "TCCB")}, today) == []  # everyone submitted


def test_submission_through_the_cli_and_the_status(loaded, cli, tokens, tmp_path, cchc_env) -> None:  # type: ignore[no-untyped-def]
    f = tmp_path / "bao-cao-6-thang.docx"
    f.write_bytes(b"PK bao cao")
    assert (
        "các kỳ: 2013, 2014-H1"
        in cli(
            "report", "submit", "--unit", "TCCB", "--period", "2014-H3", "--file", f, expect=2, token=tokens["TCCB"]
        ).stderr
    )
    assert (
        "không có nghĩa vụ"
        in cli(
            "report", "submit", "--unit", "LDB", "--period", "2014-H1", "--file", f, expect=2, token=tokens["LDB"]
        ).stderr
    )
    assert (
        "thay cho đơn vị TCCB"
        in cli(
            "report", "submit", "--unit", "TCCB", "--period", "2014-H1", "--file", f, expect=2, token=tokens["TTKT"]
        ).stderr
    )  # not for another unit
    out = cli(
        "report",
        "submit",
        "--unit",
        "tccb",
        "--period",
        "2014-H1",
        "--file",
        f,
        "--as-of",
        "2014-06-20",
        "--letter",
        "Công văn 31/TCCB ngày 20/06/2014",
        token=tokens["VPB"],
    )  # a late letter, entered now
    assert "2014-H1 của TCCB (trễ hạn)" in out.stdout
    # the coordinator's message about it carries the history's chain heads: a witness outside the database
    told = [p.read_text("utf-8") for p in (cchc_env / "outbox").glob("*.json")]
    assert any("cchc-anchor byt-3723-2013-2015 transition:" in m and '"vpb"' in m for m in told)
    assert (
        "Đã đọc 1 mốc từ 1 tệp"
        in cli("audit", "verify", "byt-3723-2013-2015", "--anchors-from", cchc_env / "outbox").stdout
    )
    import json

    status = {
        r["period"]: r for r in json.loads(cli("report", "status", "byt-3723-2013-2015", "--format", "json").stdout)
    }
    assert status["2014-H1"]["submitted"] == ["TCCB"]
    assert status["2014-H1"]["missing"] == ["GDXH", "SKDS", "T5G", "TTKT", "VCL", "VPDU"]


def test_phu_my_style_plan_is_checked_and_its_periods_follow_its_deadlines(cli) -> None:  # type: ignore[no-untyped-def]
    cli("plan", "load", DATA / "phu-my-like.yaml")
    import json

    status = json.loads(cli("report", "status", "thu-bao-cao", "--format", "json").stdout)
    assert [r["due"] for r in status] == ["2022-06-05", "2022-12-05", "2023-06-05", "2023-12-05"]
