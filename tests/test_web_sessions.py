"""Portal sessions kept server-side: signing out ends them (a copied cookie is worth nothing afterwards), the
coordinator ends a unit officer's session, 8 hours after signing in is the end however busy the session, and a
sign-in link does not silently replace the session already open in the browser."""

from __future__ import annotations

from datetime import timedelta

import pendulum
from fastapi.testclient import TestClient
from portal import csrf_of, post, rows, text_of


def replay(app, c: TestClient) -> TestClient:  # type: ignore[no-untyped-def]
    """Another browser holding a copy of ``c``'s session cookie (as an attacker who saved it would)."""
    return TestClient(app, cookies={"cchc_session": c.cookies["cchc_session"]})


def test_a_cookie_replayed_after_logout_reads_and_records_nothing(app, client, creds) -> None:  # type: ignore[no-untyped-def]
    t5g = client("T5G", creds)
    csrf = csrf_of(t5g.get("/inbox").text)
    copy = replay(app, t5g)
    assert copy.get("/inbox").status_code == 200  # the copy works while the session is open
    assert post(t5g, "/logout", page="/inbox").status_code == 303
    r = copy.get("/inbox", follow_redirects=False)
    assert r.status_code == 303 and r.headers["location"].startswith("/login")
    refused = copy.post(
        "/activities/1.1.2/note", data={"text": "sau khi đăng xuất", "csrf": csrf}, follow_redirects=False
    )
    assert refused.status_code in (401, 403)
    assert rows("select count(*) from transition where source = 'web'") == [(0,)]
    assert rows("select ended_by from web_session") == [("logout",)]


def test_the_coordinator_ends_a_unit_officers_session(app, client, creds) -> None:  # type: ignore[no-untyped-def]
    from cchc_flow.models.notify.links import sign_link

    t5g = client()
    assert t5g.get(f"/login?link={sign_link('T5G')}", follow_redirects=False).status_code == 303
    assert t5g.get("/inbox").status_code == 200
    assert client("T5G", creds).get("/sessions").status_code == 403
    assert client("auditor", creds).get("/sessions").status_code == 403
    coordinator = client("coordinator", creds)
    page = text_of(coordinator.get("/sessions").text)
    assert "T5G" in page and "đường dẫn trong thông báo" in page
    ((number,),) = rows("select id from web_session where via = 'link'")
    assert post(coordinator, f"/sessions/{number}/end", csrf=False).status_code == 403  # CSRF still checked
    r = post(coordinator, f"/sessions/{number}/end", page="/sessions")
    assert r.status_code == 303 and "Đã kết thúc phiên số" in text_of(coordinator.get("/sessions").text)
    r = t5g.get("/inbox", follow_redirects=False)
    assert r.status_code == 303 and r.headers["location"].startswith("/login")
    assert rows("select ended_by from web_session where id = :n", n=number) == [
        (f"coordinator:VPB #{creds['coordinator'][0]}",)
    ]
    assert post(coordinator, f"/sessions/{number}/end", page="/sessions").status_code == 404  # already ended
    ((own,),) = rows("select id from web_session where role = 'coordinator' and ended_at is null")
    assert post(coordinator, f"/sessions/{own}/end", page="/sessions").status_code == 404  # units' only


def test_a_session_ends_eight_hours_after_sign_in_however_busy(app, client, creds) -> None:  # type: ignore[no-untyped-def]
    c = client("TCCB", creds)
    ((started, expires),) = rows("select started_at, expires_at from web_session")
    for _ in range(3):
        assert c.get("/inbox").status_code == 200
    assert rows("select started_at, expires_at from web_session") == [(started, expires)]  # never extended
    from cchc_flow.models.store.db import session, write_transaction
    from cchc_flow.models.store.tables import WebSessionRow

    with session() as s, write_transaction(s):
        row = s.get(WebSessionRow, 1)
        assert row is not None and row.expires_at - row.started_at == timedelta(hours=8)
        row.started_at, row.expires_at = (
            pendulum.now("UTC") - timedelta(hours=8, seconds=1),
            pendulum.now("UTC") - timedelta(seconds=1),
        )  # signed in 8 hours ago
    r = c.get("/inbox", follow_redirects=False)
    assert r.status_code == 303 and r.headers["location"].startswith("/login")


def test_a_sign_in_link_asks_before_replacing_an_open_session(app, client, creds) -> None:  # type: ignore[no-untyped-def]
    from cchc_flow.models.notify.links import sign_link

    coordinator = client("coordinator", creds)
    link = sign_link("T5G")
    r = coordinator.get(f"/login?link={link}&next=/activities/1.1.2", follow_redirects=False)
    assert r.status_code == 200
    page = text_of(r.text)
    assert "Đổi người đăng nhập?" in page and "Đầu mối điều phối VPB" in page and "T5G" in page
    assert coordinator.get("/board").status_code == 200  # still the coordinator
    forged = coordinator.post("/login/link", data={"link": link}, follow_redirects=False)
    assert forged.status_code == 403 and coordinator.get("/board").status_code == 200  # no CSRF token: refused
    r = coordinator.post(
        "/login/link", data={"link": link, "next": "/activities/1.1.2", "csrf": csrf_of(r.text)}, follow_redirects=False
    )
    assert r.status_code == 303 and r.headers["location"] == "/activities/1.1.2"
    assert coordinator.get("/board").status_code == 403 and coordinator.get("/inbox").status_code == 200
    assert rows("select role, ended_by from web_session order by id") == [("coordinator", "replaced"), ("unit", None)]
    again = coordinator.get(f"/login?link={link}", follow_redirects=False)  # the same unit's link: no question
    assert again.status_code == 303 and again.headers["location"] == "/inbox"
    assert rows("select count(*) from web_session") == [(2,)]
