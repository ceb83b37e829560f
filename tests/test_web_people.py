"""The portal for the people who use it (TestClient, pages parsed): it asks before irreversible acts and says what
will happen, keeps a refused form with what was typed, shows a returned activity's reason, has its own 404 page,
names people and steps in words (no internal codes), and speaks one language per page."""

from __future__ import annotations

import re
from datetime import date
from html.parser import HTMLParser

import pytest
from fastapi.testclient import TestClient
from portal import PLAN, csrf_of, issue, rows, set_states, sign_in_with_token, text_of

AS_OF = date(2014, 3, 14)


class Page(HTMLParser):
    """A page's elements by id, its labels (for=), its form fields' values and its main text."""

    def __init__(self, html: str) -> None:
        super().__init__()
        self.ids: dict[str, dict[str, str | None]] = {}
        self.labels: set[str] = set()
        self.fields: list[dict[str, str | None]] = []
        self.text: dict[str, str] = {}
        self._open: list[str] = []
        self.feed(html)

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = dict(attrs)
        if a.get("id"):
            self.ids[str(a["id"])] = {"tag": tag, **a}
            self._open.append(str(a["id"]))
            self.text.setdefault(str(a["id"]), "")
        if tag == "label" and a.get("for"):
            self.labels.add(str(a["for"]))
        if tag in ("input", "textarea", "select"):
            self.fields.append({"tag": tag, **a})

    def handle_data(self, data: str) -> None:
        for i in self._open:
            self.text[i] += data

    def handle_endtag(self, tag: str) -> None:
        if self._open and self.ids[self._open[-1]]["tag"] == tag:
            self._open.pop()


def signed_in(app, token: str) -> TestClient:  # type: ignore[no-untyped-def]
    c = TestClient(app)
    assert sign_in_with_token(c, token).status_code == 303
    return c


def post(c: TestClient, path: str, data: dict, page: str):  # type: ignore[no-untyped-def]
    return c.post(path, data={**data, "csrf": csrf_of(c.get(page).text)}, follow_redirects=False)


@pytest.fixture
def portal(loaded):  # type: ignore[no-untyped-def]
    from cchc_flow.web.app import create_app

    set_states(PLAN, "assigned", ["1.1.1", "1.1.2", "1.4.1"])
    return create_app(as_of=AS_OF, background_runs=False, max_upload_bytes=4096)


# ------------------------------------------------------------------------------------------------ asks first


@pytest.mark.usefixtures("prefect_api")
def test_holding_a_review_asks_first_and_says_what_is_unfinished_and_who_is_told(loaded, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    from cchc_flow.web.app import create_app

    monkeypatch.setenv("CCHC_NOTIFY_RETRY_DELAYS", "")
    set_states(PLAN, "accepted", ["1.1.1", "1.1.2"])
    app = create_app(as_of=date(2015, 1, 6), background_runs=False)  # phase 1 has ended: it may be held
    c = signed_in(app, issue("coordinator", "VPB")[1])
    asked = post(c, "/runs/review", {"phase": "1"}, page="/board")
    assert asked.status_code == 200
    said = text_of(asked.text)
    unfinished = re.search(r"(\d+) trong (\d+) hoạt động của giai đoạn chưa hoàn thành", said)
    assert unfinished, said
    open_ = rows(
        "select count(*) from activity a join phase p on p.id = a.phase_id "
        "where p.number = 1 and a.in_plan and a.state not in ('accepted', 'cancelled') and a.key != '1.6.1'"
    )
    assert (
        int(unfinished.group(1)) == open_[0][0]
        and "1.3.1" in said
        and "1.1.1" not in said.split("chưa hoàn thành")[1].split(".")[0]
    )
    assert "Lãnh đạo Bộ" in said and "Văn phòng Bộ (VPB)" in said  # who receives the report, by name
    assert "Không thể hoàn tác" in said
    assert rows("select count(*) from review") == [(0,)]  # nothing held yet
    form = Page(asked.text)
    assert any(f.get("name") == "confirmed" and f.get("value") == "yes" for f in form.fields)
    done = post(c, "/runs/review", {"phase": "1", "confirmed": "yes"}, page="/board")
    assert done.status_code == 303
    assert rows("select state, held_on from review") == [("held", date(2015, 1, 6))] or rows(
        "select state from review"
    ) == [("held",)]
    board = text_of(c.get("/board").text)
    assert "06/01/2015" in board and "2015-01-06" not in board


# ------------------------------------------------------------------------------------------------ forms and pages


def test_a_refused_form_is_shown_again_with_what_was_typed(portal) -> None:  # type: ignore[no-untyped-def]
    c = signed_in(portal, issue("unit", "T5G")[1])
    typed = "Đã đăng 5 phóng sự trên VTV1"
    bad = post(c, "/activities/1.1.2/done", {"evidence": typed}, page="/activities/1.1.2")
    c.close()
    c = signed_in(portal, issue("unit", "T5G")[1])
    big = c.post(
        "/activities/1.1.2/done",
        data={"evidence": typed, "csrf": csrf_of(c.get("/activities/1.1.2").text)},
        files=[("files", ("bien-ban.pdf", b"%PDF-1.4\n" + b"x" * 5000, "application/pdf"))],
        follow_redirects=False,
    )
    assert bad.status_code == 303  # the good one went through
    assert big.status_code in (303, 413)
    c2 = signed_in(portal, issue("coordinator", "VPB")[1])
    set_states(PLAN, "reported", ["1.4.1"])
    empty = post(c2, "/activities/1.4.1/return", {"note": "   "}, page="/activities/1.4.1")
    assert empty.status_code == 400
    page = Page(empty.text)
    assert "return-form" in page.ids and "Chưa ghi: lý do trả lại" in page.text["form-error"]
    assert "--note" not in empty.text
    c3 = signed_in(portal, issue("unit", "TCCB")[1])
    too_big = c3.post(
        "/activities/1.1.1/note",
        data={"text": "Biên bản họp ngày 12/3", "csrf": csrf_of(c3.get("/activities/1.1.1").text)},
        files=[("files", ("bien-ban.pdf", b"%PDF-1.4\n" + b"x" * 5000, "application/pdf"))],
        follow_redirects=False,
    )
    assert too_big.status_code == 413
    page = Page(too_big.text)
    assert "note-form" in page.ids and page.text["note-text"] == "Biên bản họp ngày 12/3"  # kept, in its form
    assert "bien-ban.pdf" in page.text["form-error"]


def test_a_returned_activity_says_why_on_its_page_and_in_the_inbox(portal) -> None:  # type: ignore[no-untyped-def]
    from cchc_flow.models.services.actions import coordinator_decides, report_done
    from cchc_flow.models.services.auth import Principal
    from cchc_flow.models.store.db import session

    with session() as s:
        report_done(
            s,
            principal=Principal("unit", "SKDS"),
            plan_code=PLAN,
            key="1.4.1",
            evidence="Đã tổ chức",
            today=date(2014, 3, 10),
        )
    with session() as s:
        coordinator_decides(
            s,
            principal=Principal("coordinator", "VPB"),
            plan_code=PLAN,
            key="1.4.1",
            event="return",
            note="Thiếu danh sách học viên",
            today=date(2014, 3, 12),
        )
    c = signed_in(portal, issue("unit", "SKDS")[1])
    page = Page(c.get("/activities/1.4.1").text)
    assert "Thiếu danh sách học viên" in page.text["returned"] and "12/03/2014" in page.text["returned"]
    inbox = c.get("/inbox").text
    row = inbox[inbox.index('href="/activities/1.4.1"') :]
    assert "Trả lại: Thiếu danh sách học viên" in text_of(row[: row.index("</tr>")])


def test_an_unknown_address_gets_the_portals_own_page_in_its_language(portal) -> None:  # type: ignore[no-untyped-def]
    c = signed_in(portal, issue("unit", "T5G")[1])
    vi = c.get("/khong-co-trang-nay")
    assert vi.status_code == 404 and vi.headers["content-type"].startswith("text/html")
    assert "Không có trang /khong-co-trang-nay" in text_of(vi.text) and 'href="/inbox"' in vi.text  # with the menu
    en = c.get("/nothing-here?lang=en")
    assert en.status_code == 404 and "There is no page /nothing-here" in text_of(en.text)
    assert '<html lang="en">' in en.text
    assert "cchc plan show" not in c.get("/activities/9.9.9").text


def test_every_field_has_a_real_label_and_long_titles_are_whole_or_expandable(portal) -> None:  # type: ignore[no-untyped-def]
    coordinator = signed_in(portal, issue("coordinator", "VPB")[1])
    set_states(PLAN, "reported", ["1.4.1"])
    for path in ("/activities/1.1.1", "/activities/1.4.1", "/inbox", "/board", "/history"):
        page = Page(coordinator.get(path).text)
        for f in page.fields:
            if f.get("type") == "hidden":
                continue
            assert f.get("id") in page.labels, f"{path}: a {f['tag']} named {f.get('name')} has no <label for>"
    from sqlmodel import select

    from cchc_flow.models.store.db import session
    from cchc_flow.models.store.queries import get_plan
    from cchc_flow.models.store.tables import ActivityRow

    with session() as s:
        text = s.exec(
            select(ActivityRow.text).where(ActivityRow.plan_id == get_plan(s, PLAN).id, ActivityRow.key == "1.1.1")
        ).one()
    assert " ".join(text.split()) in " ".join(
        Page(coordinator.get("/activities/1.1.1").text).text["activity-text"].split()
    )
    inbox = coordinator.get("/inbox").text
    assert '<details class="title">' in inbox and " ".join(text.split())[-30:] in " ".join(text_of(inbox).split())


# ------------------------------------------------------------------------------------------------ words for people

INTERNAL = re.compile(r"\b(?:unit|coordinator|auditor):[A-Z]|∅|no-token|cchc [a-z]+ [a-z]+|\d{4}-\d{2}-\d{2}")


def test_pages_name_people_and_steps_in_words_and_dates_dd_mm_yyyy(portal) -> None:  # type: ignore[no-untyped-def]
    from cchc_flow.models.services.actions import coordinator_decides, report_done
    from cchc_flow.models.services.auth import Principal
    from cchc_flow.models.store.db import session

    with session() as s:
        report_done(
            s,
            principal=Principal("unit", "T5G", 3),
            plan_code=PLAN,
            key="1.1.2",
            evidence="Đã đăng bài",
            source="web",
            today=date(2014, 3, 10),
        )
    with session() as s:
        coordinator_decides(
            s,
            principal=Principal("coordinator", "VPB", 9),
            plan_code=PLAN,
            key="1.1.2",
            event="accept",
            note=None,
            source="web",
            today=date(2014, 3, 12),
        )
    auditor = signed_in(portal, issue("auditor")[1])
    for path in ("/history", "/history?activity=1.1.2", "/activities/1.1.2", "/board", "/reviews", "/audit"):
        said = text_of(auditor.get(path).text)
        assert not INTERNAL.search(said), f"{path}: {INTERNAL.search(said).group(0)!r} in {said[:300]}"
    history = text_of(auditor.get("/history?activity=1.1.2").text)
    assert "Cán bộ T5G qua cổng thông tin" in history
    assert "Đầu mối Văn phòng Bộ (VPB) qua cổng thông tin" in history
    plan_steps = text_of(auditor.get("/history").text)
    assert "nạp kế hoạch" in plan_steps and "đã nạp" in plan_steps


@pytest.mark.usefixtures("prefect_api")
def test_english_pages_are_wholly_english(portal, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.setenv("CCHC_NOTIFY_RETRY_DELAYS", "")
    coordinator = signed_in(portal, issue("coordinator", "VPB")[1])
    assert post(coordinator, "/runs/phase", {"phase": "1"}, page="/board").status_code == 303  # run in Vietnamese
    assert "to 5 units; still pending" in text_of(coordinator.get("/board?lang=en").text)  # read in English
    for path in ("/board?lang=en", "/history?lang=en", "/activities/1.1.2?lang=en", "/inbox?lang=en"):
        html = coordinator.get(path).text
        body = html[html.index("<main") : html.index("</main>")]
        # the plan's own words stay Vietnamese (they are data); the portal's words must not be
        for word in ("Đầu mối", "Cán bộ", "qua cổng", "tự động", "nạp kế hoạch", "Đã gửi", "còn ", "đã giao"):
            assert word not in text_of(body), f"{path}: {word!r}"
