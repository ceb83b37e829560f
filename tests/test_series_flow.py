"""Recurring and per-unit activities run by the phase flow: the Phù Mỹ plan with two member units, messages to real
local endpoints; occurrences opened as their periods open, once, each member's share tracked on its own."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest
import sqlalchemy as sa
from endpoints import HttpRecorder

REPO = Path(__file__).resolve().parent.parent
PLAN = "phu-my-2022-2025"
MEMBERS = {"KHOA_KB": "Khoa Khám bệnh", "TYT_MY_AN": "Trạm Y tế xã Mỹ An"}  # test units: the text lists none
TAGS = ["ttytpm-tchc", "ttytpm-lanh-dao", "syt-binh-dinh", *(f"ttytpm-{m.lower()}" for m in MEMBERS)]

pytestmark = pytest.mark.usefixtures("prefect_api")


def plan_with_members(tmp_path: Path) -> tuple[Path, Path]:
    """The Phù Mỹ directory with two member units, and the plan with them in its group "các khoa, phòng, trạm y tế"."""
    units = (REPO / "config/units/ttytpm.yaml").read_text(encoding="utf-8")
    for code, name in MEMBERS.items():
        units += f"\n  - code: {code}\n    name: {name}\n    kind: unit\n    tags: [ttytpm-{code.lower()}]\n"
    plan = (REPO / f"config/plans/{PLAN}.yaml").read_text(encoding="utf-8")
    plan = plan.replace("  KPT: []", f"  KPT: [{', '.join(MEMBERS)}]")
    (tmp_path / "units.yaml").write_text(units, encoding="utf-8")
    (tmp_path / "plan.yaml").write_text(plan, encoding="utf-8")
    return tmp_path / "plan.yaml", tmp_path / "units.yaml"


@pytest.fixture
def routes(tmp_path: Path, http_endpoint: HttpRecorder, monkeypatch: pytest.MonkeyPatch) -> Path:
    lines = ["version: 1", "urls:"]
    for tag in TAGS:
        lines += [f"  - json://127.0.0.1:{http_endpoint.port}/{tag}:", f"      tag: {tag}"]
    path = tmp_path / "notify.yaml"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    monkeypatch.setenv("CCHC_NOTIFY_CONFIG", str(path))
    monkeypatch.setenv("CCHC_NOTIFY_RETRY_DELAYS", "")
    return path


def load(tmp_path: Path, on: date) -> None:
    from cchc_flow.models.rules.plan import read_directory, read_plan
    from cchc_flow.models.services.loading import load_plan
    from cchc_flow.models.store.db import session

    plan_file, units_file = plan_with_members(tmp_path)
    directory = read_directory(units_file)
    plan, _ = read_plan(plan_file, directory)
    with session() as s:
        load_plan(s, plan, directory, stated_name="test", today=on)


def items() -> dict[str, tuple[str, bool, str | None]]:
    from cchc_flow.models.store.db import get_engine

    with get_engine().connect() as conn:
        rows = conn.execute(sa.text("select key, state, opened_late, member from activity where series_id is not null"))
        return {k: (st, bool(late), m) for k, st, late, m in rows}


def run(day: str):  # type: ignore[no-untyped-def]
    from cchc_flow.flows.phase import run_phase

    return run_phase(PLAN, 1, day)


def test_occurrences_and_member_shares_open_with_their_periods_once(
    tmp_path: Path, routes: Path, http_endpoint: HttpRecorder
) -> None:
    load(tmp_path, on=date(2022, 3, 15))
    summary = run("2022-04-04")
    got = items()
    members = ["KHOA_KB", "TYT_MY_AN"]
    expected = (
        {f"1.1.{n}@2022-{q}:{m}" for n in (1, 2) for q in ("Q1", "Q2") for m in members}
        | {f"1.1.3@2022-H1:{m}" for m in members}
        | {"1.1.4@2022-H1", "1.2.1@2022-02", "1.2.1@2022-03", "1.2.1@2022-04", "1.2.2@2022-H1"}
    )
    assert set(got) == expected
    # each member's share is its own item, led by that member
    assert got["1.1.1@2022-Q2:KHOA_KB"] == ("assigned", False, "TTYTPM.KHOA_KB")
    # February had ended when the plan was loaded (15/03/2022): opened all the same, flagged, and overdue at once
    assert got["1.2.1@2022-02"] == ("overdue", True, None)
    assert got["1.2.1@2022-03"][1] is False  # March was still running on the load day
    events = {o.key: o.events for o in summary.activities}
    assert events["1.2.1@2022-02"][0] == "opened_late" and "mark_overdue" in events["1.2.1@2022-02"]
    sent = len(http_endpoint.requests)
    assert {r.path.strip("/") for r in http_endpoint.requests} >= {"ttytpm-khoa_kb", "ttytpm-tyt_my_an"}

    run("2022-04-04")  # the same day again: nothing opened, nothing sent
    assert items() == got and len(http_endpoint.requests) == sent

    run("2022-05-03")  # May opens: one new occurrence of the monthly follow-up, nothing else
    assert set(items()) - set(got) == {"1.2.1@2022-05"}


def test_a_member_reports_its_own_share(tmp_path: Path, routes: Path, cli) -> None:  # type: ignore[no-untyped-def]
    from cchc_flow.models.services.auth import issue_token
    from cchc_flow.models.store.db import session

    load(tmp_path, on=date(2022, 2, 1))
    run("2022-04-04")
    with session() as s:
        token = issue_token(s, "unit", "TTYTPM.KHOA_KB", label="test")[1]
    cli(
        "activity",
        "done",
        "1.1.1@2022-Q1:KHOA_KB",
        "--plan",
        PLAN,
        "--unit",
        "TTYTPM.KHOA_KB",
        "--evidence",
        "Đã đăng 3 tin trên zalo nội bộ",
        token=token,
    )
    got = items()
    assert got["1.1.1@2022-Q1:KHOA_KB"][0] == "reported"
    assert got["1.1.1@2022-Q1:TYT_MY_AN"][0] in ("assigned", "overdue")  # the other member's share is untouched
    # a member cannot report another member's share
    cli(
        "activity",
        "done",
        "1.1.1@2022-Q1:TYT_MY_AN",
        "--plan",
        PLAN,
        "--unit",
        "TTYTPM.KHOA_KB",
        "--evidence",
        "x",
        token=token,
        expect=2,
    )


def test_reviews_and_the_board_count_items_and_list_the_missed_ones(tmp_path: Path, routes: Path) -> None:
    from fastapi.testclient import TestClient
    from portal import sign_in_with_token

    from cchc_flow.models.reports.review_render import series_rows
    from cchc_flow.models.services.actions import report_done
    from cchc_flow.models.services.auth import authenticate, issue_token
    from cchc_flow.models.services.reviews import build_report
    from cchc_flow.models.store.db import session
    from cchc_flow.web.app import create_app

    load(tmp_path, on=date(2022, 2, 1))
    run("2022-02-07")
    with session() as s:
        token = issue_token(s, "unit", "TTYTPM.TCHC", label="test")[1]
        tchc = authenticate(s, token)
    for month, day in (("02", date(2022, 2, 25)), ("03", date(2022, 4, 8))):  # February on time, March late
        run(day.isoformat())
        with session() as s:
            report_done(
                s,
                principal=tchc,
                plan_code=PLAN,
                key=f"1.2.1@2022-{month}",
                unit="TTYTPM.TCHC",
                evidence="Biên bản đôn đốc",
                today=day,
            )
    run("2022-06-06")  # April and May pass unreported: missed
    with session() as s:
        report = build_report(s, PLAN, 1, date(2022, 6, 6))
    monthly = next(x for x in report.series if x.parent == "1.2.1")
    assert (monthly.items, monthly.done, monthly.ratio, monthly.missed) == (
        5,
        2,
        "1/4",
        ("1.2.1@2022-04", "1.2.1@2022-05"),
    )
    head, lines = series_rows(report, "vi")  # the review report's table (the plan itself holds no review)
    assert head[3] == "Đúng hạn/đến hạn"
    assert ["1.2.1", "5", "2", "1/4", "1", "1.2.1@2022-04, 1.2.1@2022-05"] in lines

    with session() as s:
        coordinator = issue_token(s, "coordinator", "TTYTPM.TCHC", label="test")[1]
    with TestClient(create_app(as_of=date(2022, 6, 6), background_runs=False)) as c:
        assert sign_in_with_token(c, coordinator).status_code == 303
        html = c.get("/board").text
        assert 'id="series"' in html and "<b>2/5</b>" in html and "1.2.1@2022-04, 1.2.1@2022-05" in html
        assert 'href="/activities/1.1.1@2022-Q2:KHOA_KB"' in html  # each member's share opens
        page = c.get("/activities/1.1.1@2022-Q2:KHOA_KB")
        assert page.status_code == 200 and "TTYTPM.KHOA_KB" in page.text


def test_the_plan_and_the_activity_list_show_series_and_flags(tmp_path: Path, routes: Path, cli) -> None:  # type: ignore[no-untyped-def]
    import json

    load(tmp_path, on=date(2022, 3, 15))
    shown = json.loads(cli("plan", "show", PLAN, "--format", "json").stdout)
    assert {s["id"]: (s["recurs"], s["cadence"]) for s in shown["series"]}["1.2.1"] == ("continuous", "monthly")
    run("2022-04-04")
    listed = json.loads(cli("activity", "list", PLAN, "--format", "json").stdout)
    flags = {a["id"]: a.get("opened_late") for a in listed}
    assert flags["1.2.1@2022-02"] is True and flags["1.2.1@2022-04"] is False
