"""The web portal's routes (FastAPI TestClient): sign-in by link and token, roles, CSRF, uploads, language,
the inbox, the board, history and exports. Every change goes through the same functions as the CLI."""

from __future__ import annotations

import io
import json
from datetime import date, timedelta

import pendulum
import pytest
from fastapi.routing import APIRoute
from fastapi.testclient import TestClient
from portal import AS_OF, PDF, PLAN, csrf_of, issue, post, rows, set_states, sign_in_with_token, text_of

LIMIT = 4096  # bytes per file in these tests (the portal fixture's upload limit)


def flash(c: TestClient, path: str) -> str:
    return text_of(c.get(path).text)


# ------------------------------------------------------------------------------------------------ sign-in

SAMPLE = {
    "key": "1.1.2",
    "evidence_id": "1",
    "index": "0",
    "period": "2014-H1",
    "phase": "1",
    "fmt": "csv",
    "session_id": "1",
}


def test_every_route_refuses_anyone_not_signed_in(app, client) -> None:  # type: ignore[no-untyped-def]
    from cchc_flow.web.pages import router

    c = client()
    checked = 0
    for route in router.routes:
        if not isinstance(route, APIRoute) or route.path in ("/login", "/login/link"):
            continue
        path = route.path
        for name, value in SAMPLE.items():
            path = path.replace("{" + name + "}", value)
        for method in route.methods:
            r = c.request(method, path, follow_redirects=False)
            checked += 1
            if path == "/":
                assert r.status_code == 303 and r.headers["location"] == "/login"
            elif path == "/logout":  # nothing to sign out of; refused for its missing CSRF token
                assert r.status_code == 403 and "CSRF" in r.text
            elif method == "GET":  # pages send the visitor to the sign-in form, and back afterwards
                assert r.status_code == 303, (method, path)
                assert r.headers["location"].startswith("/login?next=%2F"), (method, path)
            else:
                assert r.status_code == 401, (method, path)
                assert "cần đăng nhập" in r.text
    assert checked >= 18
    assert rows("select count(*) from transition where source = 'web'") == [(0,)]


def test_a_signed_link_opens_a_session_for_its_unit_only_until_it_expires(app, client, creds) -> None:  # type: ignore[no-untyped-def]
    from cchc_flow.models.notify.links import sign_link

    c = client()
    r = c.get(f"/login?link={sign_link('T5G')}&next=/activities/1.1.2", follow_redirects=False)
    assert r.status_code == 303 and r.headers["location"] == "/activities/1.1.2"
    cookie = r.headers["set-cookie"]
    assert cookie.startswith("cchc_session=") and "httponly" in cookie.lower() and "samesite=lax" in cookie.lower()
    assert "secure" not in cookie.lower()  # served over http on 127.0.0.1
    page = text_of(c.get("/activities/1.1.2").text)
    assert "Cán bộ đơn vị · T5G" in page and "Báo cáo hoàn thành" in page
    assert c.get("/board").status_code == 403  # a unit officer, not the coordinator

    expired = sign_link("T5G", valid=timedelta(days=14), now=pendulum.now("UTC") - timedelta(days=15))
    late = client()
    r = late.get(f"/login?link={expired}", follow_redirects=False)
    assert r.status_code == 401 and "đã hết hạn" in r.text
    assert late.get("/inbox", follow_redirects=False).status_code == 303  # no session came of it
    good = sign_link("T5G")
    for forged in (
        good[:-2] + ("AA" if not good.endswith("AA") else "BB"),  # the signature altered
        sign_link("VCL")[:8] + good[8:],  # another unit's payload
        "khong-phai-duong-dan",
        "",
    ):
        if not forged:
            continue
        tried = client()
        r = tried.get(f"/login?link={forged}", follow_redirects=False)
        assert r.status_code == 401 and "không hợp lệ" in r.text, forged
        assert tried.get("/inbox", follow_redirects=False).status_code == 303


def test_a_link_signed_with_another_secret_is_refused(app, client, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    from cchc_flow.models.notify.links import sign_link

    monkeypatch.setenv("CCHC_SECRET", "another installation's secret")
    foreign = sign_link("T5G")
    monkeypatch.delenv("CCHC_SECRET")
    assert client().get(f"/login?link={foreign}", follow_redirects=False).status_code == 401


def test_sign_in_redirects_only_inside_the_portal(app, client, creds) -> None:  # type: ignore[no-untyped-def]
    from cchc_flow.models.notify.links import sign_link

    for target in ("https://evil.example/", "//evil.example/x", "/\\evil.example"):
        r = client().get("/login", params={"link": sign_link("T5G"), "next": target}, follow_redirects=False)
        assert r.status_code == 303 and r.headers["location"] == "/inbox", target


def test_token_sign_in_and_revocation(app, client, creds) -> None:  # type: ignore[no-untyped-def]
    c = client()
    wrong = sign_in_with_token(c, "cchc_khong-dung")
    assert wrong.status_code == 401 and "mã truy cập không đúng" in wrong.text
    r = sign_in_with_token(c, creds["coordinator"][1])
    assert r.status_code == 303 and r.headers["location"] == "/board"
    assert c.get("/board").status_code == 200
    from cchc_flow.models.services.auth import revoke_token
    from cchc_flow.models.store.db import session

    with session() as s:
        revoke_token(s, creds["coordinator"][0])
    r = c.get("/board", follow_redirects=False)
    assert r.status_code == 303 and r.headers["location"].startswith("/login")
    assert sign_in_with_token(client(), creds["coordinator"][1]).status_code == 401
    auditor = client()
    assert sign_in_with_token(auditor, creds["auditor"][1]).headers["location"] == "/history"
    out = post(auditor, "/logout", page="/history")
    assert out.status_code == 303 and auditor.get("/history", follow_redirects=False).status_code == 303


# ------------------------------------------------------------------------------------------------ roles


@pytest.mark.parametrize(
    "who, method, path, data",
    [
        ("T5G", "GET", "/board", None),
        ("T5G", "GET", "/timeline", None),
        ("T5G", "GET", "/history", None),
        ("T5G", "GET", "/history/export.csv", None),
        ("T5G", "GET", "/audit", None),
        ("T5G", "GET", "/reviews", None),
        ("T5G", "GET", "/reviews/1.md", None),
        ("T5G", "POST", "/runs/phase", {"phase": "1"}),
        ("T5G", "POST", "/runs/review", {"phase": "1"}),
        ("TCCB", "GET", "/activities/1.2.1", None),  # neither lead nor partner
        ("VCL", "GET", "/evidence/1/0", None),
        ("auditor", "GET", "/inbox", None),
        ("auditor", "POST", "/runs/phase", {"phase": "1"}),
        ("coordinator-TCCB", "GET", "/board", None),  # a coordinator token, but not this plan's focal unit
        ("coordinator-TCCB", "GET", "/history", None),
    ],
)
def test_pages_refuse_the_wrong_role(app, client, creds, who, method, path, data) -> None:  # type: ignore[no-untyped-def]
    if who == "coordinator-TCCB":
        creds[who] = issue("coordinator", "TCCB")
    c = client(who, creds)
    if path.startswith("/evidence"):  # an attachment of T5G's report on 1.1.2
        t5g = client("T5G", creds)
        post(
            t5g,
            "/activities/1.1.2/done",
            {"evidence": "Bài đăng"},
            files=[("files", ("a.pdf", PDF))],
            page="/activities/1.1.2",
        )
        path = f"/evidence/{rows('select id from evidence')[0][0]}/0"
        assert t5g.get(path).content == PDF
    r = c.get(path, follow_redirects=False) if method == "GET" else post(c, path, data, page="/login")
    assert r.status_code == 403, (who, path, r.status_code)


@pytest.mark.parametrize(
    "who, path, data, expected",
    [
        ("TCCB", "/activities/1.1.2/done", {"evidence": "x"}, "chỉ đơn vị chủ trì (VPB, T5G)"),  # a partner reports
        ("VCL", "/activities/1.1.2/note", {"text": "x"}, "không chủ trì cũng không phối hợp"),
        ("T5G", "/activities/1.1.2/accept", {}, "chỉ đơn vị đầu mối"),  # a unit accepts
        ("auditor", "/activities/1.1.2/note", {"text": "x"}, "người kiểm tra (auditor) chỉ được xem, không được"),
        ("auditor", "/activities/1.1.2/return", {"note": "x"}, "người kiểm tra (auditor) chỉ được xem, không được"),
        ("auditor", "/reports/2014-H1", None, "người kiểm tra (auditor) chỉ được xem, không được"),
    ],
)
def test_actions_are_refused_by_the_shared_rules_and_the_refusal_is_recorded(
    app, client, creds, who, path, data, expected
) -> None:  # type: ignore[no-untyped-def]
    c = client(who, creds)
    files = [("file", ("bc.pdf", PDF))] if path.startswith("/reports") else None
    r = post(c, path, data, files=files)
    assert r.status_code == 403, r.text
    assert expected in text_of(r.text)
    assert rows("select state from activity where key = '1.1.2'") == [("assigned",)]
    assert rows("select count(*) from evidence") == [(0,)] and rows("select count(*) from submission") == [(0,)]
    refused = rows("select actor, source from transition where event = 'refused'")
    assert refused and all(source == "web" for _, source in refused)


def test_auditor_reads_the_board_without_any_form(app, client, creds) -> None:  # type: ignore[no-untyped-def]
    c = client("auditor", creds)
    board = c.get("/board")
    assert board.status_code == 200 and "/runs/phase" not in board.text and "/accept" not in board.text
    page = c.get("/activities/1.1.2")
    assert page.status_code == 200 and 'action="/activities/1.1.2/done"' not in page.text
    assert "/note" not in page.text


# ------------------------------------------------------------------------------------------------ CSRF


def test_forms_without_the_sessions_csrf_token_are_refused(app, client, creds) -> None:  # type: ignore[no-untyped-def]
    c = client("T5G", creds)
    other = client("VCL", creds)
    foreign = csrf_of(other.get("/inbox").text)
    for fields in ({}, {"csrf": ""}, {"csrf": "sai"}, {"csrf": foreign}):
        r = c.post("/activities/1.1.2/done", data={"evidence": "Bài đăng", **fields}, follow_redirects=False)
        assert r.status_code == 403 and "CSRF" in r.text, fields
    coordinator = client("coordinator", creds)
    r = coordinator.post("/runs/phase", data={"phase": "1", "csrf": foreign}, follow_redirects=False)
    assert r.status_code == 403 and "CSRF" in r.text
    assert coordinator.post("/logout", data={}, follow_redirects=False).status_code == 403
    assert client().post("/login", data={"token": creds["T5G"][1]}, follow_redirects=False).status_code == 403
    assert rows("select state from activity where key = '1.1.2'") == [("assigned",)]
    assert rows("select count(*) from transition where source = 'web'") == [(0,)]
    ok = post(c, "/activities/1.1.2/done", {"evidence": "Bài đăng"}, page="/activities/1.1.2")
    assert ok.status_code == 303


# ------------------------------------------------------------------------------------------------ uploads


def test_uploads_over_the_limit_or_of_the_wrong_type_are_refused(app, client, creds) -> None:  # type: ignore[no-untyped-def]
    c = client("T5G", creds)

    def send(name: str, content: bytes):  # type: ignore[no-untyped-def]
        return post(
            c,
            "/activities/1.1.2/done",
            {"evidence": "Bài đăng"},
            files=[("files", (name, content))],
            page="/activities/1.1.2",
        )

    too_big = send("bien-ban.pdf", PDF + b"0" * LIMIT)
    assert too_big.status_code == 413 and "bien-ban.pdf lớn hơn giới hạn 4096 B" in text_of(too_big.text)
    assert send("virus.exe", b"MZ\x90\x00").status_code == 415
    fake = send("bao-cao.pdf", b"<html>not a pdf</html>")
    assert fake.status_code == 415 and "không phải là tệp .pdf thật" in text_of(fake.text)
    huge = c.post(
        "/activities/1.1.2/done",
        data={"evidence": "x", "csrf": csrf_of(c.get("/inbox").text)},
        files=[("files", ("lon.pdf", PDF + b"0" * (LIMIT * 10 + 1024 * 1024)))],
        follow_redirects=False,
    )
    assert huge.status_code == 413  # refused by the body limit before the form is read
    assert rows("select state from activity where key = '1.1.2'") == [("assigned",)]
    assert rows("select count(*) from evidence") == [(0,)]
    ok = send("../../biên-bản.pdf", PDF)
    assert ok.status_code == 303
    ((attachments,),) = rows("select attachments from evidence")
    (a,) = json.loads(attachments) if isinstance(attachments, str) else attachments
    assert a["name"] == "biên-bản.pdf" and a["size"] == len(PDF)
    from cchc_flow.settings import get_settings

    assert not list((get_settings().home / "tmp").iterdir())  # the uploads' temporary copies are gone


# ------------------------------------------------------------------------------------------------ language


def test_english_switch_by_query_and_cookie(app, client, creds) -> None:  # type: ignore[no-untyped-def]
    c = client("TCCB", creds)
    assert "Việc của" in text_of(c.get("/inbox").text)
    r = c.get("/inbox?lang=en")
    assert "Work of" in text_of(r.text) and "days left" in r.text and 'lang="en"' in r.text
    assert "cchc_lang=en" in r.headers["set-cookie"]
    assert "Work of" in text_of(c.get("/inbox").text)  # the cookie keeps it
    refused = post(c, "/activities/1.1.2/done", {"evidence": "x"}, page="/inbox")
    assert refused.status_code == 403 and "only the lead unit(s) (VPB, T5G)" in text_of(refused.text)
    assert "Việc của" in text_of(c.get("/inbox?lang=vi").text)
    assert "Đăng nhập" in client().get("/login").text and "Sign in" in client().get("/login?lang=en").text


# ------------------------------------------------------------------------------------------------ unit inbox


def test_inbox_lists_lead_and_partner_activities_by_due_date(app, client, creds) -> None:  # type: ignore[no-untyped-def]
    page = text_of(client("TCCB", creds).get("/inbox").text)
    assert "Việc của" in page
    first = page.index("1.1.1")
    assert first < page.index("1.1.2") < page.index("1.4.1")
    assert "phối hợp" in page and "còn 292 ngày" in page and "đã giao" in page
    assert "chưa hoàn thành, trong hạn" in page  # the four-way status (models/rules/status.py)
    t5g = text_of(client("T5G", creds).get("/inbox").text)
    assert "1.1.2" in t5g and "chủ trì" in t5g and "1.4.1" not in t5g
    assert "2014-H1" in t5g and "15/06/2014" in t5g  # the periodic report it owes


def test_periodic_report_upload(app, client, creds) -> None:  # type: ignore[no-untyped-def]
    c = client("T5G", creds)
    docx = b"PK\x03\x04 bao cao 6 thang"
    r = post(c, "/reports/2014-H1", files=[("file", ("bao-cao-6-thang.docx", docx))], page="/inbox")
    assert r.status_code == 303 and r.headers["location"] == "/inbox"
    page = text_of(c.get("/inbox").text)
    assert "Đã ghi nhận báo cáo kỳ 2014-H1 của T5G (đúng hạn)" in page and "bao-cao-6-thang.docx" in page
    assert rows("select unit_code, period, file_name, actor from submission") == [
        ("T5G", "2014-H1", "bao-cao-6-thang.docx", f"unit:T5G #{creds['T5G'][0]}")
    ]
    assert post(c, "/reports/2014-H1", page="/inbox").status_code == 400  # no file
    assert post(c, "/reports/2019-H1", files=[("file", ("b.docx", docx))], page="/inbox").status_code == 400


# ------------------------------------------------------------------------------------------------ coordinator


def test_report_accept_and_return_through_the_board(app, client, creds, cchc_env) -> None:  # type: ignore[no-untyped-def]
    t5g = client("T5G", creds)
    assert (
        post(
            t5g,
            "/activities/1.1.2/done",
            {"evidence": "Đã đăng 5 bài trên VTV1"},
            files=[("files", ("lich-phat-song.pdf", PDF))],
            page="/activities/1.1.2",
        ).status_code
        == 303
    )
    outbox = [json.loads(p.read_text("utf-8")) for p in sorted((cchc_env / "outbox").glob("*.json"))]
    assert any(m["unit"] == "vpb" and "ĐÃ BÁO CÁO HOÀN THÀNH — hoạt động 1.1.2" in m["body"] for m in outbox)

    from cchc_flow.models.notify.links import sign_link

    by_link = client()  # VPB's officer from a message's link is a unit officer: accepting needs the token
    page = by_link.get(f"/login?link={sign_link('VPB')}&next=/activities/1.1.2").text
    assert "mã truy cập của đầu mối" in text_of(page) and "/activities/1.1.2/accept" not in page

    c = client("coordinator", creds)
    board = c.get("/board")
    queue = text_of(board.text.split('id="queue"')[1])
    assert "1.1.2" in queue and "Đã đăng 5 bài trên VTV1" in queue and "lich-phat-song.pdf" in queue
    assert post(c, "/activities/1.1.2/return", {"note": " "}, page="/board").status_code == 400  # a note is needed
    r = post(c, "/activities/1.1.2/return", {"note": "Thiếu lịch phát sóng", "next": "/board#queue"}, page="/board")
    assert r.status_code == 303 and r.headers["location"] == "/board#queue"
    assert rows("select state from activity where key = '1.1.2'") == [("returned",)]
    assert post(c, "/activities/1.1.2/accept", page="/board").status_code == 409  # returned: nothing to accept
    post(t5g, "/activities/1.1.2/done", {"evidence": "Bổ sung lịch phát sóng"}, page="/inbox")
    assert post(c, "/activities/1.1.2/accept", page="/board").status_code == 303
    steps = rows(
        "select event, actor, source, effective_day from transition where entity_key = '1.1.2' "
        "and event != 'refused' order by id"
    )
    coordinator = f"coordinator:VPB #{creds['coordinator'][0]}"
    assert [s[:3] for s in steps] == [
        ("report", f"unit:T5G #{creds['T5G'][0]}", "web"),
        ("return", coordinator, "web"),
        ("report", f"unit:T5G #{creds['T5G'][0]}", "web"),
        ("accept", coordinator, "web"),
    ]
    assert {str(s[3]) for s in steps} == {"2014-03-14"}  # the portal's as-of day, as the CLI's --as-of
    page = text_of(c.get("/activities/1.1.2").text)
    assert "đã công nhận" in page and "Thiếu lịch phát sóng" in page


def test_the_coordinator_cancels_an_activity_with_a_reason(app, client, creds, cchc_env) -> None:  # type: ignore[no-untyped-def]
    c, tccb = client("coordinator", creds), client("TCCB", creds)
    assert "/activities/1.4.1/cancel" in c.get("/activities/1.4.1").text
    assert "/activities/1.4.1/cancel" not in tccb.get("/activities/1.4.1").text  # a lead unit: no such form
    assert (
        post(tccb, "/activities/1.4.1/cancel", {"note": "Không cần nữa"}, page="/activities/1.4.1").status_code == 403
    )
    assert post(c, "/activities/1.4.1/cancel", {"note": "  "}, page="/activities/1.4.1").status_code == 400  # a reason
    asked = post(c, "/activities/1.4.1/cancel", {"note": "Đã gộp vào hoạt động 1.4.2"}, page="/activities/1.4.1")
    assert asked.status_code == 200 and "Hủy hoạt động 1.4.1?" in text_of(asked.text)  # it asks first
    assert rows("select state from activity where key = '1.4.1'") == [("assigned",)]
    assert (
        post(
            c,
            "/activities/1.4.1/cancel",
            {"note": "Đã gộp vào hoạt động 1.4.2", "confirmed": "yes"},
            page="/activities/1.4.1",
        ).status_code
        == 303
    )
    assert rows("select state from activity where key = '1.4.1'") == [("cancelled",)]
    assert rows("select event, actor, source from transition where entity_key = '1.4.1' and event = 'cancel'") == [
        ("cancel", f"coordinator:VPB #{creds['coordinator'][0]}", "web")
    ]
    page = c.get("/activities/1.4.1").text
    assert "/activities/1.4.1/cancel" not in page and "Đã gộp vào hoạt động 1.4.2" in text_of(page)
    told = [json.loads(p.read_text("utf-8")) for p in sorted((cchc_env / "outbox").glob("*.json"))]
    assert {m["unit"] for m in told if "1.4.1" in m["body"] and "Đã gộp vào hoạt động 1.4.2" in m["body"]} >= {"tccb"}


def test_board_shows_progress_rates_and_the_timeline(app, client, creds) -> None:  # type: ignore[no-untyped-def]
    set_states(PLAN, "accepted", ["1.1.1"])
    c = client("coordinator", creds)
    board = c.get("/board")
    page = text_of(board.text)
    assert "Giai đoạn 1 (2013-2014)" in page and "1/9" in page and "0/8" in page
    assert "Tỷ lệ báo cáo đúng hạn theo đơn vị chủ trì" in page
    assert board.text.count('class="progress"') >= 10
    timeline = c.get("/timeline")
    svg = timeline.text[timeline.text.index("<svg") : timeline.text.index("</svg>")]
    assert svg.count('class="bar state-') == 17 and 'class="bar state-accepted"' in svg
    assert 'class="bar state-accepted" ' in svg and 'fill="#2e9e5b"' in svg and "hoàn thành đúng hạn" in svg
    assert "hoàn thành đúng hạn: 1" in page and "chưa hoàn thành, trong hạn: 8" in page  # phase 1's statuses
    assert "Xếp hạng đơn vị" in page and "Điểm = 100 ×" in page  # the units' scores
    assert 'class="today"' in svg and "hôm nay 14/03/2014" in svg
    assert 'href="/activities/1.1.2"' in svg


@pytest.mark.usefixtures("prefect_api")
def test_run_buttons_start_the_same_flows(app, client, creds, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.setenv("CCHC_NOTIFY_RETRY_DELAYS", "")
    set_states(PLAN, "planned", ["1.1.1", "1.1.2", "1.4.1"])
    c = client("coordinator", creds)
    r = post(c, "/runs/phase", {"phase": "1"}, page="/board")
    assert r.status_code == 303
    page = text_of(c.get("/board").text)
    assert "Đã chạy xong Giai đoạn 1 (2013-2014)" in page and "xong" in page
    assert rows("select state from activity where key = '1.1.2'") == [("assigned",)]
    run_id = rows("select distinct flow_run_id from transition where event = 'assign'")[0][0]
    assert run_id and run_id in page
    refused = post(c, "/runs/review", {"phase": "1"}, page="/board")
    assert refused.status_code == 409 and "chưa thể họp" in text_of(refused.text)
    assert post(c, "/runs/phase", {"phase": "9"}, page="/board").status_code == 404


# ------------------------------------------------------------------------------------------------ auditors


def test_history_filters_and_exports(app, client, creds) -> None:  # type: ignore[no-untyped-def]
    t5g = client("T5G", creds)
    post(t5g, "/activities/1.1.2/done", {"evidence": "Đã đăng 5 bài"}, page="/inbox")
    c = client("auditor", creds)
    page = text_of(c.get("/history?activity=1.1.2").text)
    assert "báo cáo hoàn thành" in page and "Cán bộ T5G qua cổng thông tin" in page  # the unit, in words
    assert "1.1.1" not in page.split("Xuất")[1]
    assert c.get("/history?since=31-12-2014").status_code == 400
    assert "không có trong danh mục" in text_of(c.get("/history?unit=XYZ").text)
    csv_ = c.get("/history/export.csv?activity=1.1.2")
    assert csv_.status_code == 200 and csv_.content.startswith("\ufeff".encode())
    assert "attachment" in csv_.headers["content-disposition"] and "Đã đăng 5 bài" in csv_.content.decode("utf-8")
    data = c.get("/history/export.json?activity=1.1.2").json()
    assert ("step", "report") in [(e["kind"], e["event"]) for e in data] and {e["key"] for e in data} == {"1.1.2"}
    from openpyxl import load_workbook

    book = load_workbook(io.BytesIO(c.get("/history/export.xlsx").content))
    assert book.active.max_row >= 2
    assert c.get("/history/export.pdf").status_code == 404
    audit = text_of(c.get("/audit").text)
    assert "Lịch sử nguyên vẹn" in audit


def test_review_reports_for_download(app, client, creds, cchc_env) -> None:  # type: ignore[no-untyped-def]
    from cchc_flow.models.store.db import session, write_transaction
    from cchc_flow.models.store.queries import get_plan
    from cchc_flow.models.store.tables import ReviewRow

    folder = cchc_env / "reports" / PLAN
    folder.mkdir(parents=True)
    (folder / "so-ket-giai-doan-1.md").write_text("# BÁO CÁO SƠ KẾT\n", encoding="utf-8")
    (folder / "so-ket-giai-doan-1.docx").write_bytes(b"PK\x03\x04 docx")
    with session() as s, write_transaction(s):
        s.add(
            ReviewRow(
                plan_id=get_plan(s, PLAN).id,
                phase_number=1,
                kind="preliminary",
                state="held",
                held_on=date(2015, 1, 6),
                report_markdown=str(folder / "so-ket-giai-doan-1.md"),
                report_docx=str(folder / "so-ket-giai-doan-1.docx"),
            )
        )
    c = client("auditor", creds)
    page = text_of(c.get("/reviews").text)
    assert "đã tổ chức 06/01/2015" in page and "Word (.docx)" in page
    md = c.get("/reviews/1.md")
    assert md.status_code == 200 and "BÁO CÁO SƠ KẾT" in md.text
    assert c.get("/reviews/1.docx").content.startswith(b"PK")
    assert c.get("/reviews/2.md").status_code == 404 and c.get("/reviews/1.exe").status_code == 404


# ------------------------------------------------------------------------------------------------ messages, offline


def test_each_message_carries_the_units_own_link(app, client, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    from cchc_flow.models.notify.notices import compose_digest
    from cchc_flow.models.store.tables import NotificationRow

    item = NotificationRow(
        plan_id=1,
        key="k",
        entity="activity",
        entity_key="1.1.2",
        notice="assigned",
        recipient="T5G",
        role="lead",
        as_of=AS_OF,
        details={
            "phase": "Giai đoạn 1",
            "title": "Viết bài",
            "start": "2013-09-25",
            "end": "2014-12-31",
            "leads": ["VPB", "T5G"],
        },
    )
    monkeypatch.setenv("CCHC_PORTAL_URL", "https://cchc.byt.gov.vn/")
    body = compose_digest(
        plan_number="3723/QĐ-BYT", plan_title="KH", unit_code="T5G", unit_name="T5G", items=[item], today=AS_OF
    ).body
    line = next(x for x in body.splitlines() if "https://cchc.byt.gov.vn/login?link=" in x)
    link = line.split(": ", 1)[1]
    assert "next=%2Factivities%2F1.1.2" in link
    r = client().get(link.replace("https://cchc.byt.gov.vn", ""), follow_redirects=False)
    assert r.status_code == 303 and r.headers["location"] == "/activities/1.1.2"
    monkeypatch.setenv("CCHC_PORTAL_URL", "")
    body = compose_digest(
        plan_number="3723/QĐ-BYT", plan_title="KH", unit_code="T5G", unit_name="T5G", items=[item], today=AS_OF
    ).body
    assert "login?link=" not in body


def test_pages_work_offline_and_send_strict_headers(app, client, creds) -> None:  # type: ignore[no-untyped-def]
    from pathlib import Path

    from cchc_flow import web

    root = Path(web.__file__).parent
    for f in [*root.glob("templates/*.html"), *root.glob("static/*")]:
        text = f.read_text("utf-8")
        assert "http://" not in text and "https://" not in text and "@import" not in text, f
    c = client("coordinator", creds)
    r = c.get("/board")
    assert "default-src 'self'" in r.headers["content-security-policy"]
    assert r.headers["x-frame-options"] == "DENY" and r.headers["cache-control"] == "no-store"
    assert c.get("/static/portal.css").status_code == 200
    from cchc_flow.web.app import create_app

    secure = TestClient(create_app(secure_cookies=True), base_url="https://testserver")
    page = secure.get("/login")
    assert "secure" in page.headers["set-cookie"].lower()


def test_nothing_is_recorded_while_the_routes_file_cannot_be_used(app, client, creds, tmp_path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    c = client("T5G", creds)
    monkeypatch.setenv("CCHC_NOTIFY_CONFIG", str(tmp_path / "khong-co.yaml"))  # as the CLI: refused before acting
    r = post(c, "/activities/1.1.2/done", {"evidence": "Bài đăng"}, page="/inbox")
    assert r.status_code == 503 and "CCHC_NOTIFY_CONFIG" in text_of(r.text)
    assert rows("select state from activity where key = '1.1.2'") == [("assigned",)]


def test_extension_asked_and_approved_on_the_activity_page(app, client, creds) -> None:  # type: ignore[no-untyped-def]
    set_states(PLAN, "assigned", ["2.5.1"])  # VPB, T5G lead; due 31/12/2014; phase 2 ends 31/12/2015
    t5g, vpb = client("T5G", creds), client("coordinator", creds)
    page = t5g.get("/activities/2.5.1").text
    assert 'action="/activities/2.5.1/extend"' in page and 'action="/activities/2.5.1/extension"' not in page
    refused = post(t5g, "/activities/1.1.2/extend", {"until": "2014-03-01", "reason": "x"}, page="/activities/1.1.2")
    assert refused.status_code == 403 and "đã qua" in text_of(refused.text)  # before the portal's today
    r = post(
        t5g, "/activities/2.5.1/extend", {"until": "2015-02-28", "reason": "Chờ số liệu"}, page="/activities/2.5.1"
    )
    assert r.status_code == 303
    assert 'action="/activities/2.5.1/extend"' not in t5g.get("/activities/2.5.1").text  # one request at a time
    page = vpb.get("/activities/2.5.1").text
    assert 'action="/activities/2.5.1/extension"' in page and "Chờ số liệu" in page
    r = post(
        vpb, "/activities/2.5.1/extension", {"decision": "approve", "until": "2015-01-30"}, page="/activities/2.5.1"
    )
    assert r.status_code == 303
    assert [tuple(str(v) for v in r) for r in rows("select state, extended_to from activity where key = '2.5.1'")] == [
        ("assigned", "2015-01-30")
    ]
    shown = text_of(vpb.get("/activities/2.5.1").text)
    assert "30/01/2015 (gia hạn; theo kế hoạch 31/12/2014)" in shown
    beside = "30/01/2015 (gia hạn; theo kế hoạch 31/12/2014)"
    assert beside in text_of(t5g.get("/inbox").text) and beside in vpb.get("/timeline").text


def test_reassignment_shown_beside_the_plans_words(app, client, creds) -> None:  # type: ignore[no-untyped-def]
    from cchc_flow.models.services.auth import authenticate
    from cchc_flow.models.services.reassignment import reassign
    from cchc_flow.models.store.db import session

    assert "1.1.2" not in text_of(client("VCL", creds).get("/inbox").text)
    with session() as s:
        coordinator = authenticate(s, creds["coordinator"][1])
    with session() as s:
        reassign(
            s,
            principal=coordinator,
            plan_code=PLAN,
            key="1.1.2",
            leads=["VCL"],
            reason="T5G chuyển nhiệm vụ",
            today=AS_OF,
        )
    page = text_of(client("coordinator", creds).get("/activities/1.1.2").text)
    assert "Phân công hiện hành (đã giao lại): chủ trì VCL" in page and "T5G chuyển nhiệm vụ" in page
    assert "1.1.2" in text_of(client("VCL", creds).get("/inbox").text)
