"""Phase flows on the 3723 plan, delivered through Apprise to real local endpoints (HTTP and SMTP on 127.0.0.1)."""

from __future__ import annotations

import json
import re
from collections import Counter
from pathlib import Path

import pytest
import sqlalchemy as sa
from endpoints import HttpRecorder, SmtpRecorder, free_port

PLAN = "byt-3723-2013-2015"
JSON_PASSWORD = "S3cret-json-pw"
ZALO_TOKEN = "zaloBotToken-9f3c"
UNITS = ["VPB", "TCCB", "TTKT", "T5G", "VPDU", "SKDS", "GDXH", "VCL", "LDB"]
TAGS = {"LDB": "leadership-byt"}

pytestmark = pytest.mark.usefixtures("prefect_api")


def write_routes(path: Path, http: HttpRecorder, smtp: SmtpRecorder, zalo: HttpRecorder | None = None) -> Path:
    """Each unit on its own json:// path (with a password in the URL); VPB also by email; TTKT also by Zalo."""
    lines = ["version: 1", "urls:"]
    for code in UNITS:
        tag = TAGS.get(code, f"unit-{code.lower()}")
        lines.append(f"  - json://cchc:{JSON_PASSWORD}@127.0.0.1:{http.port}/{code.lower()}:")
        lines.append(f"      tag: {tag}")
    lines += [
        f"  - mailto://127.0.0.1:{smtp.port}?from=cchc@byt.gov.vn&to=vanthu@vpb.byt.gov.vn:",
        "      tag: unit-vpb",
    ]
    if zalo:
        lines += [f"  - zalo://{ZALO_TOKEN}/nhom-ttkt:", "      tag: unit-ttkt"]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


@pytest.fixture
def routes(tmp_path, http_endpoint, smtp_endpoint, monkeypatch) -> Path:  # type: ignore[no-untyped-def]
    path = write_routes(tmp_path / "notify.yaml", http_endpoint, smtp_endpoint)
    monkeypatch.setenv("CCHC_NOTIFY_CONFIG", str(path))
    monkeypatch.setenv("CCHC_NOTIFY_RETRY_DELAYS", "0.2")
    monkeypatch.setenv("CCHC_NOTIFY_TIMEOUT", "2")
    return path


def run(as_of: str, phase: int = 1):  # type: ignore[no-untyped-def]
    from cchc_flow.flows.phase import run_phase

    return run_phase(PLAN, phase, as_of)


def by_unit(http: HttpRecorder) -> dict[str, list[dict]]:
    out: dict[str, list[dict]] = {}
    for r in http.requests:
        out.setdefault(r.path.strip("/").upper(), []).append(r.json)  # type: ignore[arg-type]
    return out


def rows(sql: str, **params) -> list[tuple]:  # type: ignore[no-untyped-def]
    from cchc_flow.models.store.db import get_engine

    with get_engine().connect() as conn:
        return [tuple(r) for r in conn.execute(sa.text(sql), params)]


def test_opening_run_sends_one_digest_per_unit_and_a_rerun_sends_nothing(
    loaded, routes, http_endpoint, smtp_endpoint
) -> None:
    summary = run("2013-10-01")
    got = by_unit(http_endpoint)
    # open on 2013-10-01: 1.1.1, 1.1.2, 1.2.1, 1.4.1 (windows "2013-2014"); each unit named on them, once
    expected = {
        "VPB": ["1.1.1", "1.1.2", "1.2.1", "1.4.1"],
        "TCCB": ["1.1.1", "1.1.2", "1.4.1"],
        "TTKT": ["1.1.2", "1.4.1"],
        "T5G": ["1.1.2"],
        "VPDU": ["1.2.1"],
        "SKDS": ["1.4.1"],
        "GDXH": ["1.4.1"],
    }
    assert sorted(got) == sorted(expected)
    for unit, ids in expected.items():
        assert len(got[unit]) == 1, unit  # one digest per unit
        message = got[unit][0]["message"]
        assert [
            i for i in ("1.1.1", "1.1.2", "1.2.1", "1.3.1", "1.4.1", "1.4.2") if f"hoạt động {i}," in message
        ] == ids
        assert "GIAO NHIỆM VỤ" in message and "hạn: 31/12/2014" in message
    vpb = got["VPB"][0]["message"]
    assert (
        "Kế hoạch 3723/QĐ-BYT" in vpb and "Vai trò của đơn vị: chủ trì" in vpb and "Vai trò của đơn vị: phối hợp" in vpb
    )
    assert "phối hợp với đơn vị chủ trì: Báo Sức khỏe & Đời sống (SKDS), Báo Gia đình & Xã hội (GDXH);" in vpb
    mails = smtp_endpoint.wait_for(1)
    assert len(mails) == 1 and mails[0].subject == "[3723/QĐ-BYT] 4 việc mới — hạn gần nhất 31/12/2014"
    assert "Tổ chức hội thảo tập huấn" in mails[0].body
    states = dict(rows("select key, state from activity where key like '1.%'"))
    assert [k for k, s in sorted(states.items()) if s == "assigned"] == ["1.1.1", "1.1.2", "1.2.1", "1.4.1"]
    assert summary.pending == 0 and summary.flow_run_id

    history = rows(
        "select entity_key, event, actor, source, flow_run_id, task_run_id from transition "
        "where event = 'assign' order by entity_key"
    )
    assert [h[0] for h in history] == ["1.1.1", "1.1.2", "1.2.1", "1.4.1"]
    assert all(h[2:4] == ("cchc-flow", "flow") and h[4] == summary.flow_run_id and h[5] for h in history)

    count = len(http_endpoint.requests)
    again = run("2013-10-01")
    assert len(http_endpoint.requests) == count and len(smtp_endpoint.messages) == 1
    assert all(not o.events and not o.queued for o in again.activities)
    assert rows("select count(*) from transition where event = 'assign'") == [(4,)]


def test_each_step_names_the_activity_task_that_decided_it_and_task_runs_carry_no_tags(loaded, routes) -> None:
    """The history links every transition to its activity's task run; the run's tags stay on the flow run (a tagged
    task run costs a tag-concurrency check per task in Prefect 3.9: a 1,000-activity phase would take minutes)."""
    import time

    from prefect.client.orchestration import get_client
    from prefect.client.schemas.filters import FlowRunFilter, FlowRunFilterId

    summary = run("2013-10-01")
    expected = len(summary.activities) + 2  # one task per activity, then "record" and "deliver"
    deadline = time.monotonic() + 60  # task runs reach the API as events, after the flow has returned
    with get_client(sync_client=True) as client:
        flow_run = client.read_flow_run(summary.flow_run_id)
        while True:
            task_runs = client.read_task_runs(flow_run_filter=FlowRunFilter(id=FlowRunFilterId(any_=[flow_run.id])))
            recorded = {tr.name for tr in task_runs}
            if len(task_runs) >= expected and {"ghi nhan", "gui thong bao"} <= recorded:
                break  # the delivery task (the last) too: the count was once reached without it
            if time.monotonic() > deadline:
                break
            time.sleep(0.2)
    assert set(flow_run.tags) == {PLAN, "Bộ trưởng Bộ Y tế", "phase-1", "Giai đoạn 1 (2013-2014)"}
    assert len(task_runs) == expected and all(tr.tags == [] for tr in task_runs)
    names = {str(tr.id): tr.name for tr in task_runs}
    assert sorted(n.split()[0] for n in names.values() if n[0].isdigit()) == sorted(o.key for o in summary.activities)
    steps = rows("select entity_key, task_run_id, flow_run_id from transition where event = 'assign'")
    assert len(steps) == 4 and len({task for _, task, _ in steps}) == 4
    assert all(names[task].startswith(f"{key} ") and flow == summary.flow_run_id for key, task, flow in steps)


def test_reminder_thirty_days_before_and_overdue_after_the_window(loaded, routes, http_endpoint) -> None:
    run("2013-10-01")
    http_endpoint.clear()
    run("2014-12-01")  # 31/12/2014 - 30 days: a working day (Monday)
    got = by_unit(http_endpoint)
    vpb = got["VPB"][0]["message"]
    assert "NHẮC HẠN: còn 30 ngày — hoạt động 1.1.1" in vpb
    assert "NHẮC HẠN: còn 30 ngày — hoạt động 1.1.2" in got["T5G"][0]["message"]
    # partners (TCCB, TTKT on 1.1.1 and 1.1.2) are not reminded of them; they do hear of what opens now
    for unit in ("TCCB", "TTKT"):
        assert got[unit] and "GIAO NHIỆM VỤ" in got[unit][0]["message"]
        assert not any(
            f"NHẮC HẠN: còn 30 ngày — hoạt động {key}" in m["message"] for m in got[unit] for key in ("1.1.1", "1.1.2")
        )
    assert rows(
        "select count(*) from notification where notice = 'reminder' and recipient in ('TCCB', 'TTKT') "
        "and entity_key in ('1.1.1', '1.1.2')"
    ) == [(0,)]
    # 2014 windows open on 2014-01-01: assigned now, with their reminder in the same digest
    assert "GIAO NHIỆM VỤ — hoạt động 1.3.2" in vpb

    http_endpoint.clear()
    run("2015-01-05")
    got = by_unit(http_endpoint)
    states = dict(rows("select key, state from activity where key like '1.%'"))
    assert set(states.values()) == {"overdue"}
    vpb = got["VPB"][0]["message"]
    assert "QUÁ HẠN — hoạt động 1.4.1" in vpb  # led by SKDS and GDXH: the coordinator is told
    assert "do Báo Sức khỏe & Đời sống (SKDS), Báo Gia đình & Xã hội (GDXH) chủ trì đã quá hạn 31/12/2014" in vpb
    assert "QUÁ HẠN — hoạt động 1.4.1" in got["SKDS"][0]["message"]
    assert rows("select count(*) from transition where event = 'mark_overdue'") == [(9,)]

    http_endpoint.clear()
    run("2015-02-02")  # 30 days after the due date, next working day: leadership
    ldb = by_unit(http_endpoint)["LDB"][0]["message"]
    assert "BÁO CÁO LÃNH ĐẠO: quá hạn 30 ngày — hoạt động 1.1.1" in ldb


def test_failing_endpoint_leaves_the_notification_pending_until_a_later_run(loaded, routes, http_endpoint) -> None:
    http_endpoint.behaviour = "fail500"
    summary = run("2013-10-01")
    assert summary.pending == 13
    pending = rows("select recipient, attempts, last_error from notification where status = 'pending'")
    assert {p[0] for p in pending} == {"VPB", "TCCB", "TTKT", "T5G", "VPDU", "SKDS", "GDXH"}
    assert all(p[1] == 2 and p[2] for p in pending)  # first try + one Prefect retry, error recorded
    assert all(JSON_PASSWORD not in p[2] and "****" in p[2] for p in pending)
    # VPB's email went through: its route is not tried again
    assert rows("select count(*) from delivery where ok and route like 'mailto%'") == [(4,)]

    http_endpoint.behaviour = "ok"
    http_endpoint.clear()
    later = run("2013-10-02")
    assert later.pending == 0
    got = by_unit(http_endpoint)
    assert sorted(got) == ["GDXH", "SKDS", "T5G", "TCCB", "TTKT", "VPB", "VPDU"]
    assert all(len(v) == 1 for v in got.values())
    assert rows("select count(*) from delivery where ok") == [(17,)]  # 13 on json + 4 on VPB's email


def test_one_broken_route_does_not_hold_up_the_others(
    loaded, tmp_path, http_endpoint, smtp_endpoint, monkeypatch
) -> None:
    path = write_routes(tmp_path / "n.yaml", http_endpoint, smtp_endpoint)
    closed = free_port()  # a port that was just free: nothing listens there, the connection is refused
    text = path.read_text().replace(f"127.0.0.1:{http_endpoint.port}/tccb", f"127.0.0.1:{closed}/tccb")
    path.write_text(text)
    monkeypatch.setenv("CCHC_NOTIFY_CONFIG", str(path))
    monkeypatch.setenv("CCHC_NOTIFY_RETRY_DELAYS", "")
    summary = run("2013-10-01")
    assert summary.pending == 3  # TCCB's three items
    assert "TCCB" not in by_unit(http_endpoint) and len(by_unit(http_endpoint)) == 6


def test_no_secret_reaches_history_artifacts_or_logs(
    loaded, tmp_path, http_endpoint, smtp_endpoint, monkeypatch, caplog
) -> None:
    monkeypatch.setenv("CCHC_ZALO_API_URL", http_endpoint.url)
    path = write_routes(tmp_path / "n.yaml", http_endpoint, smtp_endpoint, zalo=http_endpoint)
    monkeypatch.setenv("CCHC_NOTIFY_CONFIG", str(path))
    monkeypatch.setenv("CCHC_NOTIFY_RETRY_DELAYS", "")
    http_endpoint.behaviour = "fail500"  # errors get recorded too
    caplog.set_level("DEBUG")
    summary = run("2013-10-01")
    assert any(r.path.endswith("/sendMessage") for r in http_endpoint.requests)

    from cchc_flow.models.store.db import get_engine

    dump = []
    with get_engine().connect() as conn:
        for table in ("transition", "notification", "delivery", "plan"):
            dump += [repr(tuple(r)) for r in conn.execute(sa.text(f"select * from {table}"))]
    from prefect.client.orchestration import get_client

    async def artifacts() -> list[str]:
        async with get_client() as client:
            return [json.dumps(a.data, ensure_ascii=False) + str(a.description) for a in await client.read_artifacts()]

    import asyncio

    dump += asyncio.run(artifacts())
    dump += [caplog.text, repr(summary)]
    text = "\n".join(dump)
    assert "zalo://****/nhom-ttkt" in text  # routes are recorded, masked
    for secret in (JSON_PASSWORD, ZALO_TOKEN):
        assert secret not in text


def test_counts_of_notices_match_the_digest_contents(loaded, routes, http_endpoint) -> None:
    run("2013-10-01")
    queued = Counter(r[0] for r in rows("select recipient from notification"))
    got = by_unit(http_endpoint)
    for unit, n in queued.items():
        assert got[unit][0]["title"].startswith(f"[3723/QĐ-BYT] {n} việc mới — hạn gần nhất ")


def test_the_prefect_ui_shows_the_run_in_the_coordinators_words(loaded, routes) -> None:  # type: ignore[no-untyped-def]
    """Read back from the Prefect API: task runs named in words without accents ("ghi nhan", "gui thong bao", the
    activity's id and title; the run graph's font draws no Vietnamese letters), and the table artifact with
    Vietnamese column names, states and events in words and dates dd/mm/yyyy."""
    import asyncio
    import time

    from prefect.client.orchestration import get_client
    from prefect.client.schemas.filters import ArtifactFilter, ArtifactFilterFlowRunId, FlowRunFilter, FlowRunFilterId

    summary = run("2013-10-01")
    assert summary.deliveries, "the first day assigns work: the run has a delivery task"
    expected = len(summary.activities) + 2  # one per activity, the record task, the delivery task
    # task runs reach the API as events, after the flow has returned: minutes on a loaded 2-core machine
    deadline = time.monotonic() + 240
    with get_client(sync_client=True) as client:
        while True:
            task_runs = client.read_task_runs(
                flow_run_filter=FlowRunFilter(id=FlowRunFilterId(any_=[summary.flow_run_id]))
            )
            recorded = {tr.name for tr in task_runs}
            if len(task_runs) >= expected and {"ghi nhan", "gui thong bao"} <= recorded:
                break  # the delivery task (the last) too: the count was once reached without it
            if time.monotonic() > deadline:
                break
            time.sleep(0.2)
    names = {tr.name for tr in task_runs}
    assert len(task_runs) >= expected, f"{len(task_runs)} of {expected} task runs recorded after 240 s"
    assert {"ghi nhan", "gui thong bao"} <= set(names)
    assert all(name.isascii() for name in names), [n for n in names if not n.isascii()]
    assert "1.1.1 To chuc hoi thao tap huan pho bien cac quan diem chu truong cua Dang," in " ".join(names)

    async def artifact():  # type: ignore[no-untyped-def]
        async with get_client() as client:
            found = await client.read_artifacts(
                artifact_filter=ArtifactFilter(flow_run_id=ArtifactFilterFlowRunId(any_=[summary.flow_run_id]))
            )
            return found[0]

    table = asyncio.run(artifact())
    data = json.loads(table.data) if isinstance(table.data, str) else table.data
    first = next(r for r in data if r["Mã"] == "1.1.2")
    assert list(first) == ["Mã", "Hoạt động", "Chủ trì", "Hạn", "Trạng thái", "Sự kiện", "Thư mới"]
    assert first["Trạng thái"] == "đã giao" and first["Sự kiện"] == "giao nhiệm vụ"
    assert re.fullmatch(r"\d{2}/\d{2}/\d{4}", first["Hạn"]) and "01/10/2013" in table.description


def test_the_collector_makes_no_automatic_pass_during_a_run_and_resumes_after_it(loaded, routes, monkeypatch) -> None:
    """The run's objects (its view of the phase, the decisions, the ORM rows) live until it ends: the activity tasks
    run with the collector's automatic passes deferred, and they are on again when the run has ended."""
    import gc

    import cchc_flow.flows.phase as phase

    collecting: list[bool] = []
    decide = phase.decide

    def noting_the_collector(*args, **kwargs):  # type: ignore[no-untyped-def]
        collecting.append(gc.isenabled())
        return decide(*args, **kwargs)

    monkeypatch.setattr(phase, "decide", noting_the_collector)
    summary = run("2013-10-01")
    assert len(collecting) == len(summary.activities) > 0
    assert not any(collecting) and gc.isenabled()


def test_a_table_that_cannot_be_posted_is_said_in_a_warning_and_the_wait_for_it_ends(caplog) -> None:  # type: ignore[no-untyped-def]
    """The run's table goes to the API beside the run; when the API cannot take it, waiting for the posted tables
    says so (in the configured language) instead of failing a run whose record is whole."""
    import logging

    from prefect.settings import PREFECT_API_URL, PREFECT_CLIENT_MAX_RETRIES, temporary_settings

    from cchc_flow.flows.running.tables import post_table, tables_posted

    closed = free_port()  # nothing listens there
    with temporary_settings({PREFECT_API_URL: f"http://127.0.0.1:{closed}/api", PREFECT_CLIENT_MAX_RETRIES: 0}):
        post_table("byt-3723-2013-2015-phase-1", [{"Mã": "1.1.1"}], "Trạng thái các hoạt động")
    with caplog.at_level(logging.WARNING, logger="cchc_flow.tables"):
        tables_posted()
    said = [r.getMessage() for r in caplog.records if r.name == "cchc_flow.tables"]
    assert len(said) == 1 and said[0].startswith("Không gửi được bảng trạng thái của lượt chạy lên Prefect (")
    tables_posted()  # nothing left to wait for


def test_a_table_posted_after_its_run_has_ended_still_reaches_the_run(caplog) -> None:  # type: ignore[no-untyped-def]
    """The table is posted beside the run, so the post may come after the run has ended and Prefect has closed the
    run's own client: it reaches the run all the same, with no warning."""
    import asyncio
    import logging
    import threading

    from prefect import flow
    from prefect.client.orchestration import get_client
    from prefect.client.schemas.filters import ArtifactFilter, ArtifactFilterFlowRunId
    from prefect.context import FlowRunContext

    from cchc_flow.flows.running.tables import post_table, posting_thread, tables_posted

    gate = threading.Event()
    posting_thread().submit(gate.wait, 30)  # the posting thread is busy until the run has ended

    @flow(name="table-after-the-run", persist_result=False)
    def short_run() -> str:
        post_table("bang-sau-luot-chay", [{"Mã": "1.1.1", "Trạng thái": "Đang thực hiện"}], "Trạng thái")
        ctx = FlowRunContext.get()
        assert ctx is not None and ctx.flow_run is not None
        return str(ctx.flow_run.id)

    run_id = short_run()
    gate.set()
    with caplog.at_level(logging.WARNING, logger="cchc_flow.tables"):
        tables_posted()
    assert not [r for r in caplog.records if r.name == "cchc_flow.tables"]

    async def tables() -> list[tuple[str | None, str | None, object]]:
        async with get_client() as client:
            found = await client.read_artifacts(
                artifact_filter=ArtifactFilter(flow_run_id=ArtifactFilterFlowRunId(any_=[run_id]))
            )
            return [(a.key, a.type, json.loads(str(a.data))) for a in found]

    assert asyncio.run(tables()) == [("bang-sau-luot-chay", "table", [{"Mã": "1.1.1", "Trạng thái": "Đang thực hiện"}])]
