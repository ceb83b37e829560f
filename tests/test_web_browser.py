"""The portal in a real browser (headless Debian chromium driven by Playwright): a unit follows the link in the
message a local endpoint received, reports its activity done with a file, the coordinator accepts it on the board,
and the history shows both steps. Every page, at 1280 px and on a 390 px phone, fits the screen and passes axe-core
(no serious or critical violation; axe.min.js is vendored from the axe-core npm package in tests/vendor/).

Screenshots go to the test's temporary folder; with CCHC_UPDATE_SCREENSHOTS=1 they are also copied to
docs/screenshots/ (the ones the README shows), so an ordinary run changes no tracked file.

Needs /usr/bin/chromium (`apt-get install chromium`, as .ci/run does) and the playwright package; skipped
otherwise. Never `playwright install`: the browser is Debian's.
"""

from __future__ import annotations

import os
import re
import shutil
import threading
import time
from datetime import date
from pathlib import Path

import pytest
from conftest import REPO
from endpoints import HttpRecorder, free_port
from portal import PLAN, issue, rows

CHROMIUM = Path("/usr/bin/chromium")
ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--lang=vi",
]
SCREENSHOTS = REPO / "docs" / "screenshots"
AXE = Path(__file__).parent / "vendor" / "axe-core" / "axe.min.js"
PHONE = {"width": 390, "height": 844}
AS_OF = date(2014, 3, 14)
LINK = re.compile(r"(http://127\.0\.0\.1:\d+/login\?link=\S+)")

pytestmark = [
    pytest.mark.skipif(
        not CHROMIUM.exists(),
        reason="no /usr/bin/chromium: install Debian's chromium package "
        "(apt-get install -y chromium; .ci/run does it as root)",
    ),
    pytest.mark.usefixtures("prefect_api"),
]


def write_routes(path: Path, http: HttpRecorder) -> Path:
    """Every unit's tags on its own json:// path of the local endpoint."""
    from sqlmodel import select

    from cchc_flow.models.store.db import session
    from cchc_flow.models.store.tables import UnitRow

    lines = ["version: 1", "urls:"]
    with session() as s:
        for unit in s.exec(select(UnitRow).order_by(UnitRow.code)):
            for tag in unit.tags:
                lines += [f"  - json://127.0.0.1:{http.port}/{unit.code.lower()}:", f"      tag: {tag}"]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


class Portal:
    """The portal served by uvicorn on a thread, on 127.0.0.1:port."""

    def __init__(self, port: int) -> None:
        import uvicorn

        from cchc_flow.web.app import create_app

        self.url = f"http://127.0.0.1:{port}"
        config = uvicorn.Config(
            create_app(as_of=AS_OF, background_runs=False),
            host="127.0.0.1",
            port=port,
            log_level="warning",
            lifespan="off",
        )
        self.server = uvicorn.Server(config)
        self.thread = threading.Thread(target=self.server.run, name="portal", daemon=True)

    def __enter__(self) -> Portal:
        self.thread.start()
        deadline = time.monotonic() + 10
        while not self.server.started:
            assert time.monotonic() < deadline, "the portal did not start"
            time.sleep(0.02)
        return self

    def __exit__(self, *exc: object) -> None:
        self.server.should_exit = True
        self.thread.join(timeout=5)


def arrange_other_work() -> None:
    """Some activities further along, as the CLI would have recorded them (for a board worth looking at)."""
    from cchc_flow.models.services.actions import coordinator_decides, report_done
    from cchc_flow.models.services.auth import Principal
    from cchc_flow.models.store.db import session

    vpb, coordinator = Principal("unit", "VPB"), Principal("coordinator", "VPB")
    skds = Principal("unit", "SKDS")
    steps = [
        (report_done, vpb, dict(key="1.1.1", evidence="Đã tổ chức 2 lớp tập huấn", today=date(2014, 2, 20))),
        (coordinator_decides, coordinator, dict(key="1.1.1", event="accept", note=None, today=date(2014, 2, 24))),
        (report_done, skds, dict(key="1.4.1", evidence="Cuộc thi đã phát động", today=date(2014, 3, 3))),
        (
            coordinator_decides,
            coordinator,
            dict(key="1.4.1", event="return", note="Thiếu thể lệ cuộc thi", today=date(2014, 3, 5)),
        ),
        (
            coordinator_decides,
            coordinator,
            dict(key="1.2.1", event="cancel", note="Gộp vào 1.1.1", today=date(2014, 3, 6)),
        ),
    ]
    for fn, who, kwargs in steps:
        with session() as s:
            fn(s, principal=who, plan_code=PLAN, stated_name="cchc-demo", **kwargs)


class Shots:
    """Screenshots into the test's folder; also into docs/screenshots/ when CCHC_UPDATE_SCREENSHOTS=1."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        folder.mkdir(parents=True, exist_ok=True)
        self.update = os.environ.get("CCHC_UPDATE_SCREENSHOTS") == "1"

    def __call__(self, page, name: str, full_page: bool = False) -> Path:  # type: ignore[no-untyped-def]
        path = self.folder / f"{name}.png"
        page.screenshot(path=str(path), full_page=full_page)
        if self.update:
            SCREENSHOTS.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(path, SCREENSHOTS / path.name)
        return path


def arrange(tmp_path: Path, http: HttpRecorder, monkeypatch: pytest.MonkeyPatch, port: int) -> str:
    """Phase 1 opened and its 2014 windows open, a unit's link from its message, other work further along; returns
    T5G's sign-in link."""
    from cchc_flow.flows.phase import run_phase

    monkeypatch.setenv("CCHC_PORTAL_URL", f"http://127.0.0.1:{port}")
    monkeypatch.setenv("CCHC_NOTIFY_CONFIG", str(write_routes(tmp_path / "notify.yaml", http)))
    monkeypatch.setenv("CCHC_NOTIFY_RETRY_DELAYS", "")
    run_phase(PLAN, 1, "2013-10-01")  # the opening run: each unit gets its digest, with its link
    t5g = [r.json["message"] for r in http.requests if r.path == "/t5g"]
    assert len(t5g) == 1 and "GIAO NHIỆM VỤ — hoạt động 1.1.2" in t5g[0]
    (link,) = LINK.findall(t5g[0])
    assert "next=%2Factivities%2F1.1.2" in link  # the message is about one activity: the link opens it
    run_phase(PLAN, 1, "2014-01-06")  # the 2014 windows open
    arrange_other_work()
    http.clear()
    return link


def test_unit_reports_from_its_link_and_the_coordinator_accepts_on_the_board(
    loaded, tmp_path, http_endpoint, monkeypatch
) -> None:  # type: ignore[no-untyped-def]
    pytest.importorskip("playwright", reason="pip install playwright (the test extras)")
    from playwright.sync_api import expect, sync_playwright

    port = free_port()
    link = arrange(tmp_path, http_endpoint, monkeypatch, port)
    _, coordinator_token = issue("coordinator", "VPB")
    evidence = tmp_path / "lịch-phát-sóng.pdf"
    evidence.write_bytes(b"%PDF-1.4\n% lich phat song VTV1\n")
    shot = Shots(tmp_path / "screenshots")

    with Portal(port) as portal, sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=str(CHROMIUM), args=ARGS)
        try:
            unit = browser.new_context(viewport={"width": 1280, "height": 760}, locale="vi-VN")
            page = unit.new_page()
            page.goto(link)  # one click from the message
            assert page.url == f"{portal.url}/activities/1.1.2"
            expect(page.locator("h1")).to_contain_text("1.1.2")
            expect(page.locator("h1")).to_contain_text("đã giao")
            page.goto(f"{portal.url}/inbox")
            expect(page.locator("main")).to_contain_text("Việc của")
            shot(page, "inbox")
            page.click("a[href='/activities/1.1.2'] >> nth=0")
            page.fill("#evidence", "Đã đăng 5 phóng sự trên VTV1 và Cổng thông tin điện tử Bộ Y tế")
            page.set_input_files("#files", str(evidence))
            page.click("#report-form button[type=submit]")
            expect(page.locator(".flash")).to_contain_text("Đã ghi báo cáo hoàn thành hoạt động 1.1.2")
            expect(page.locator("h1")).to_contain_text("đã báo cáo")

            office = browser.new_context(viewport={"width": 1280, "height": 1000}, locale="vi-VN")
            board = office.new_page()
            board.goto(f"{portal.url}/login")
            board.fill("#token", coordinator_token)
            board.click("form[action='/login'] button[type=submit]")
            assert board.url == f"{portal.url}/board"
            queue = board.locator("#queue")
            expect(queue).to_contain_text("Đã đăng 5 phóng sự trên VTV1")
            expect(queue).to_contain_text("lịch-phát-sóng.pdf")
            shot(board, "board", full_page=True)
            board.click("#queue button[name=accept][value='1.1.2']")
            expect(board.locator(".flash")).to_contain_text("1.1.2 → đã công nhận")
            expect(board.locator("#queue")).to_contain_text("Không có báo cáo nào đang chờ")

            board.set_viewport_size({"width": 1280, "height": 620})
            board.goto(f"{portal.url}/timeline")
            expect(board.locator("svg.gantt")).to_be_visible()
            shot(board, "timeline", full_page=True)

            board.goto(f"{portal.url}/history?activity=1.1.2")
            steps = board.locator("table.history tr.step")
            expect(steps.filter(has_text="báo cáo hoàn thành")).to_contain_text("Cán bộ T5G")
            expect(steps.filter(has_text="công nhận")).to_contain_text("Đầu mối Văn phòng Bộ (VPB)")
        finally:
            browser.close()

    assert rows("select event, source from transition where entity_key = '1.1.2' and source = 'web' order by id") == [
        ("report", "web"),
        ("accept", "web"),
    ]
    told = [(r.path, r.json["message"]) for r in http_endpoint.requests]
    assert any(p == "/vpb" and "ĐÃ BÁO CÁO HOÀN THÀNH — hoạt động 1.1.2" in m for p, m in told)  # the coordinator
    assert any(p == "/t5g" and "ĐÃ ĐƯỢC CÔNG NHẬN — hoạt động 1.1.2" in m for p, m in told)  # and T5G
    for name in ("inbox", "board", "timeline"):
        png = shot.folder / f"{name}.png"
        assert png.read_bytes().startswith(b"\x89PNG") and png.stat().st_size < 600_000


MEASURE = """() => {
  const wide = [...document.querySelectorAll('main *')].filter(e => e.getBoundingClientRect().right > innerWidth + 1
      && !e.closest('.scroll')).map(e => e.tagName.toLowerCase() + (e.className && e.className.baseVal === undefined
      ? '.' + String(e.className).split(' ').join('.') : '')).slice(0, 5);
  return {scroll: document.documentElement.scrollWidth, inner: innerWidth, wide};
}"""
AXE_RUN = """async () => {
  const r = await axe.run(document);
  return r.violations.filter(v => ['serious', 'critical'].includes(v.impact))
      .map(v => v.id + ' (' + v.impact + '): ' + v.nodes.slice(0, 3).map(n => n.target.join(' ')).join(' | '));
}"""


def test_every_page_fits_a_phone_and_passes_axe(loaded, tmp_path, http_endpoint, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    """At 390 px nothing is wider than the screen (lists are cards; the timeline scrolls in its own box with text
    of a readable size; the board's titles keep most of the width); at 390 and 1280 px axe-core finds no serious or
    critical violation on any page: signed out, as a unit, as the coordinator (a confirmation page and the 404
    page included)."""
    pytest.importorskip("playwright", reason="pip install playwright (the test extras)")
    from playwright.sync_api import sync_playwright

    port = free_port()
    link = arrange(tmp_path, http_endpoint, monkeypatch, port)
    _, coordinator_token = issue("coordinator", "VPB")
    shot = Shots(tmp_path / "screenshots")
    axe = AXE.read_text(encoding="utf-8")
    problems: list[str] = []

    def check(page, what: str) -> None:  # type: ignore[no-untyped-def]
        """Measure the page at 390 px, then run axe on it at 390 and 1280 px."""
        page.set_viewport_size(PHONE)
        size = page.evaluate(MEASURE)
        if size["scroll"] > size["inner"]:
            problems.append(f"{what}: {size['scroll']} px wide on a {size['inner']} px phone ({size['wide']})")
        for width in (390, 1280):
            page.set_viewport_size({"width": width, "height": 900})
            page.add_script_tag(content=axe)
            for violation in page.evaluate(AXE_RUN):
                problems.append(f"{what} at {width} px: {violation}")
        page.set_viewport_size(PHONE)

    with Portal(port) as portal, sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=str(CHROMIUM), args=ARGS)
        try:
            # bypass_csp: the portal allows no script; axe is put in by the test only
            visitor = browser.new_context(viewport=PHONE, locale="vi-VN", bypass_csp=True).new_page()
            visitor.goto(f"{portal.url}/login")
            check(visitor, "/login")

            unit = browser.new_context(viewport=PHONE, locale="vi-VN", bypass_csp=True).new_page()
            unit.goto(link)
            for path in ("/inbox", "/activities/1.1.2", "/khong-co-trang-nay", "/inbox?lang=en"):
                unit.goto(f"{portal.url}{path}")
                check(unit, path)
            unit.goto(f"{portal.url}/inbox?lang=vi")
            shot(unit, "inbox-phone", full_page=True)

            office = browser.new_context(viewport=PHONE, locale="vi-VN", bypass_csp=True).new_page()
            office.goto(f"{portal.url}/login")
            office.fill("#token", coordinator_token)
            office.click("form[action='/login'] button[type=submit]")
            for path in (
                "/board",
                "/timeline",
                "/history",
                "/history?activity=1.4.1",
                "/audit",
                "/reviews",
                "/activities/1.4.1",
                "/activities/1.1.1",
                "/board?lang=en",
            ):
                office.goto(f"{portal.url}{path}")
                check(office, path)
            office.goto(f"{portal.url}/board?lang=vi")
            shot(office, "board-phone", full_page=True)
            width = office.evaluate(
                "() => Math.min(...[...document.querySelectorAll('table.contents td:nth-child(2)')]"
                ".map(td => td.getBoundingClientRect().width))"
            )
            if width < 0.5 * PHONE["width"]:
                problems.append(f"the board's content titles are squeezed to {width} px")
            office.goto(f"{portal.url}/timeline")
            text = office.evaluate(
                "() => Math.min(...[...document.querySelectorAll('svg.gantt text')]"
                ".map(t => t.getBoundingClientRect().height).filter(h => h > 0))"
            )
            if text < 9:
                problems.append(f"the timeline's text is {text} px high on a phone")
            office.goto(f"{portal.url}/activities/1.1.2")
            office.fill("#cancel-note", "Gộp vào hoạt động 1.1.1")
            office.click("#cancel button[type=submit]")
            assert office.locator("#confirm").is_visible()  # it asks first
            check(office, "cancel confirmation")
            assert "1.1.2" in office.locator("#confirm").inner_text()
        finally:
            browser.close()
    assert not problems, "\n".join(problems)
    assert rows("select state from activity where key = '1.1.2'") == [("assigned",)]  # nothing cancelled unasked
