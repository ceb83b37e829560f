"""A unit's message as its mail client shows it: received on a local SMTP server, parsed with Python's `email`.

The text part keeps its lines, the HTML part is escaped with the items as a list and the sign-in link an anchor,
the subject says what is inside and is encoded within RFC 2047's limits, the sender is named, attachments keep
the names people gave them; other routes get plain text. The HTML part is also opened in headless chromium and
photographed (into $CCHC_SCREENSHOTS when set, e.g. docs/screenshots, else a temporary folder).
"""

from __future__ import annotations

import os
import re
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from datetime import date
from email.header import decode_header
from pathlib import Path

import pytest

from cchc_flow.models.notify.notices import compose_digest, first_line
from cchc_flow.models.notify.routes import load_routes
from cchc_flow.models.notify.sending import deliver
from cchc_flow.models.store.attachments import original_name, store
from cchc_flow.models.store.tables import NotificationRow

TODAY = date(2014, 1, 6)
NAMES = {"VPB": "Văn phòng Bộ", "T5G": None, "TCCB": "Vụ Tổ chức cán bộ"}
LONG_TITLE = (
    "Tổ chức viết bài tuyên truyền, phổ biến các nội dung của Nghị quyết số 30c/NQ-CP ngày 08/11/2011 "
    "của Chính phủ về ban hành Chương trình tổng thể <cải cách hành chính> nhà nước & các văn bản liên quan"
)
SENDER = "Văn phòng Bộ Y tế"
ENCODED_WORD = re.compile(r"=\?[^?]+\?[bBqQ]\?[^?]*\?=")


@pytest.fixture(autouse=True)
def _home(tmp_path, monkeypatch):
    monkeypatch.setenv("CCHC_HOME", str(tmp_path / "home"))
    monkeypatch.setenv("CCHC_PORTAL_URL", "https://cchc.byt.gov.vn")
    monkeypatch.delenv("CCHC_LANG", raising=False)


def notices(attach: list[str] = ()) -> list[NotificationRow]:  # type: ignore[assignment]
    phase = "Giai đoạn 1 (2013-2014)"
    return [
        NotificationRow(
            plan_id=1,
            key="a",
            entity="activity",
            entity_key="1.1.2",
            notice="assigned",
            recipient="T5G",
            role="lead",
            as_of=TODAY,
            details={
                "phase": phase,
                "title": LONG_TITLE,
                "start": "2014-01-01",
                "end": "2014-12-31",
                "leads": ["VPB", "T5G"],
            },
        ),
        NotificationRow(
            plan_id=1,
            key="b",
            entity="activity",
            entity_key="1.3.2",
            notice="assigned",
            recipient="T5G",
            role="lead",
            as_of=TODAY,
            details={
                "phase": phase,
                "title": "Sửa đổi quy chế",
                "start": "2014-01-01",
                "end": "2015-06-30",
                "leads": ["T5G"],
            },
        ),
        NotificationRow(
            plan_id=1,
            key="c",
            entity="activity",
            entity_key="1.4.2",
            notice="overdue",
            recipient="T5G",
            role="lead",
            as_of=TODAY,
            details={
                "phase": phase,
                "title": "Hội thảo biểu dương",
                "start": "2013-10-01",
                "end": "2013-12-31",
                "leads": ["VPB", "T5G"],
                "attach": list(attach),
            },
        ),
    ]


def test_the_digest_says_what_is_in_it_and_names_units_one_way() -> None:
    digest = compose_digest(
        plan_number="3723/QĐ-BYT",
        plan_title="Kế hoạch CCHC",
        unit_code="TCCB",
        unit_name="Vụ Tổ chức cán bộ",
        items=notices(),
        today=TODAY,
        names=NAMES,
    )
    assert digest.title == "[3723/QĐ-BYT] 2 việc mới, 1 việc quá hạn — hạn gần nhất 31/12/2014"
    lines = digest.body.splitlines()
    # the first line says what to do and by when: the overdue activity first, then how many more
    assert lines[0] == (
        "CẦN LÀM — 1.4.2: đã quá hạn 31/12/2013 mà chưa báo cáo; đề nghị báo cáo ngay, kèm minh chứng"
        " (và 2 việc khác bên dưới)"
    )
    assert lines[2] == "Kính gửi: Vụ Tổ chức cán bộ (TCCB)"
    assert f"<strong>{lines[0]}</strong>" in digest.html
    soon = [n for n in notices() if n.notice == "assigned"]
    assert first_line(soon, NAMES, "vi") == (
        "CẦN LÀM — 1.1.2: tổ chức thực hiện và báo cáo hoàn thành, kèm minh chứng, trước ngày 31/12/2014"
        " (và 1 việc khác bên dưới)"
    )  # the nearest due date first
    told = NotificationRow(**{**notices()[0].model_dump(), "notice": "accepted", "details": {"unit": "VPB"}})
    assert first_line([told], NAMES, "en") == "FOR INFORMATION: 1 task(s) accepted; nothing to do"
    assert "1. GIAO NHIỆM VỤ — hoạt động 1.1.2, Giai đoạn 1 (2013-2014)" in lines  # no nested brackets
    assert f"   {LONG_TITLE}" in lines  # the whole text
    overdue = compose_digest(
        plan_number="3723/QĐ-BYT",
        plan_title="KH",
        unit_code="VPB",
        unit_name="Văn phòng Bộ",
        items=[NotificationRow(**{**notices()[2].model_dump(), "role": "coordinator"})],
        today=TODAY,
        names=NAMES,
    )
    assert "hoạt động do Văn phòng Bộ (VPB), T5G chủ trì đã quá hạn 31/12/2013" in overdue.body
    assert "cchc " not in digest.body and "--unit" not in digest.body  # officers use the portal


def test_threads_composing_at_once_compile_the_template_once(monkeypatch) -> None:  # type: ignore[no-untyped-def]
    """A delivery composes its units' messages in many threads at once: the first one compiles the message template
    and the others wait for it, instead of each compiling it again."""
    from cchc_flow.models.notify import notices as module

    env = module._TEMPLATES
    compiled: list[str | None] = []
    original = env.compile

    def slow_compile(source, name=None, filename=None, raw=False, defer_init=False):  # type: ignore[no-untyped-def]
        compiled.append(name)
        time.sleep(0.05)  # long enough for every thread to ask for the template meanwhile
        return original(source, name, filename, raw, defer_init)

    env.cache.clear()
    monkeypatch.setattr(env, "compile", slow_compile)
    start = threading.Barrier(8)

    def compose() -> str:
        start.wait()
        return compose_digest(
            plan_number="3723/QĐ-BYT", plan_title="KH", unit_code="T5G", unit_name=None, items=notices(), today=TODAY
        ).html

    with ThreadPoolExecutor(max_workers=8) as pool:
        htmls = list(pool.map(lambda _: compose(), range(8)))
    assert compiled == ["digest.html"]
    assert len(set(htmls)) == 1 and "<html" in htmls[0]


def test_email_has_a_text_part_and_an_html_alternative(tmp_path, smtp_endpoint) -> None:  # type: ignore[no-untyped-def]
    evidence = tmp_path / "Biên bản hội thảo.pdf"
    evidence.write_bytes(b"%PDF-1.4\n% bien ban\n")
    stored = store(evidence)["path"]
    assert Path(str(stored)).name != evidence.name and original_name(str(stored)) == evidence.name
    digest = compose_digest(
        plan_number="3723/QĐ-BYT",
        plan_title="Kế hoạch CCHC",
        unit_code="T5G",
        unit_name=None,
        items=notices([str(stored)]),
        today=TODAY,
        names=NAMES,
    )
    routes = tmp_path / "routes.yml"
    routes.write_text(
        f'urls:\n  - "mailto://127.0.0.1:{smtp_endpoint.port}?from=cchc@vpb.example.vn'
        f'&name={SENDER}&to=t5g@example.vn":\n      tag: unit-t5g\n',
        encoding="utf-8",
    )
    [result] = deliver(
        load_routes(routes),
        "unit-t5g",
        digest.title,
        digest.body,
        html=digest.html,
        attach=[(Path(str(stored)), original_name(str(stored)))],
    )
    assert result.ok, result.error
    [mail] = smtp_endpoint.wait_for(1)
    message = mail.message

    raw = dict(message.raw_items())
    words = ENCODED_WORD.findall(raw["Subject"])
    assert words and all(len(w) <= 75 for w in words) and len(raw["Subject"]) < 998  # RFC 2047, RFC 5322
    assert (
        "".join(p.decode(c) if isinstance(p, bytes) else p for p, c in decode_header(raw["Subject"]))
        == digest.title
        == str(message["Subject"])
    )
    assert message["From"].addresses[0].display_name == SENDER

    text = message.get_body(("plain",)).get_content().replace("\r\n", "\n")
    assert "Kính gửi: T5G\n" in text and "<" not in text.replace(LONG_TITLE, "") and "&amp;" not in text
    assert re.search(r"GIAO NHIỆM VỤ — hoạt động 1\.1\.2, Giai đoạn 1 \(2013-2014\) *\n" + re.escape(LONG_TITLE), text)
    assert re.search(r"https://cchc\.byt\.gov\.vn/login\?link=\S+", text)  # the link, whole, on its own
    assert len(text.splitlines()) > 15

    html = message.get_body(("html",)).get_content()
    assert "&lt;cải cách hành chính&gt; nhà nước &amp; các văn bản" in html  # escaped
    assert html.count("<li") == 3 and "<ol" in html
    link = re.search(r'<a href="(https://cchc\.byt\.gov\.vn/login\?link=[^"]+)"', html)
    assert link and link.group(1).replace("&amp;", "&") in text

    [part] = [p for p in message.iter_attachments()]
    assert part.get_filename() == "Biên bản hội thảo.pdf" and part.get_content() == evidence.read_bytes()
    _screenshot(html, tmp_path)


def test_other_routes_get_plain_text(tmp_path, http_endpoint) -> None:  # type: ignore[no-untyped-def]
    digest = compose_digest(
        plan_number="3723/QĐ-BYT",
        plan_title="Kế hoạch CCHC",
        unit_code="T5G",
        unit_name=None,
        items=notices(),
        today=TODAY,
        names=NAMES,
    )
    routes = tmp_path / "routes.yml"
    routes.write_text(f'urls:\n  - "json://127.0.0.1:{http_endpoint.port}/hook":\n      tag: unit-t5g\n')
    [result] = deliver(load_routes(routes), "unit-t5g", digest.title, digest.body, html=digest.html)
    assert result.ok
    [request] = http_endpoint.wait_for(1)
    assert request.json["message"] == digest.body and "<li" not in request.json["message"]


def _screenshot(html: str, tmp_path: Path) -> None:
    """The HTML part as a mail client's renderer shows it (headless chromium), kept with the README's pictures."""
    chromium = Path("/usr/bin/chromium")
    if not chromium.exists():
        return
    from playwright.sync_api import sync_playwright

    folder = Path(os.environ.get("CCHC_SCREENSHOTS") or tmp_path)
    folder.mkdir(parents=True, exist_ok=True)
    page_file = tmp_path / "mail.html"
    page_file.write_text(html, encoding="utf-8")
    with sync_playwright() as pw:
        browser = pw.chromium.launch(
            executable_path=str(chromium), args=["--headless", "--no-sandbox", "--disable-gpu", "--lang=vi"]
        )
        try:
            page = browser.new_page(viewport={"width": 760, "height": 600}, java_script_enabled=False)
            page.goto(page_file.as_uri())
            assert page.locator("ol > li").count() == 3
            assert page.evaluate("document.documentElement.scrollWidth") <= 760  # nothing runs off the side
            page.screenshot(path=str(folder / "email.png"), full_page=True)
        finally:
            browser.close()
    assert (folder / "email.png").stat().st_size > 10_000


def test_periodic_and_coordinator_messages_speak_plainly() -> None:
    from cchc_flow.models.services.periodic import Period, period_details

    def report_notice(label: str, notice: str, role: str, **extra: object) -> NotificationRow:
        period = Period("bao-cao", label, date(2014, 6, 15) if "H1" in label else date(2013, 12, 15), "VPB", "")
        return NotificationRow(
            plan_id=1,
            key=label + notice,
            entity="report",
            entity_key=f"bao-cao/{label}",
            notice=notice,
            recipient="TCCB",
            role=role,
            as_of=TODAY,
            details=period_details(period, to="VPB", unit="TCCB", **extra),
        )

    digest = compose_digest(
        plan_number="3723/QĐ-BYT",
        plan_title="KH",
        unit_code="TCCB",
        unit_name="Vụ Tổ chức cán bộ",
        today=date(2013, 12, 10),
        names=NAMES,
        items=[
            report_notice("2013", "report_reminder", "reporter"),
            report_notice("2014-H1", "report_reminder", "reporter"),
        ],
    )
    assert "Báo cáo định kỳ năm 2013" in digest.body and "Báo cáo định kỳ 6 tháng đầu năm 2014" in digest.body
    assert "kỳ kỳ" not in digest.body and "cchc " not in digest.body and "--period" not in digest.body
    assert "NHẮC BÁO CÁO ĐỊNH KỲ: còn 0 ngày — năm 2013" in digest.body  # no nested brackets
    assert "gửi báo cáo năm 2013 về Văn phòng Bộ (VPB) trước ngày 15/12/2013" in digest.body

    missing = compose_digest(
        plan_number="3723/QĐ-BYT",
        plan_title="KH",
        unit_code="VPB",
        unit_name="Văn phòng Bộ",
        today=date(2013, 12, 16),
        names=NAMES,
        items=[report_notice("2013", "report_missing", "coordinator", missing=["TCCB", "T5G"])],
    )
    assert "chưa nhận được báo cáo năm 2013 của: Vụ Tổ chức cán bộ (TCCB), T5G" in missing.body

    reported = NotificationRow(
        plan_id=1,
        key="r",
        entity="activity",
        entity_key="1.1.2",
        notice="reported",
        recipient="VPB",
        role="coordinator",
        as_of=TODAY,
        details={**notices()[0].details, "unit": "T5G", "text": "Đã đăng 5 bài", "on_time": True, "coordinator": "VPB"},
    )
    review = compose_digest(
        plan_number="3723/QĐ-BYT",
        plan_title="KH",
        unit_code="VPB",
        unit_name="Văn phòng Bộ",
        items=[reported],
        today=TODAY,
        names=NAMES,
    )
    assert (
        "T5G báo cáo (đúng hạn): Đã đăng 5 bài. Đề nghị xem xét, công nhận hoặc trả lại trên cổng thông tin"
        in review.body
        and "cchc activity" not in review.body
    )
