"""The portal's plan import: upload, the draft beside the document's rows and the unknown units, edit, load; the
history records the document's name and SHA-256; only coordinators import and only the focal unit loads."""

from __future__ import annotations

import hashlib
import re

import pytest
from fastapi.testclient import TestClient
from faults import dump
from plan_docs import docx_of, seed_docx
from portal import csrf_of, issue, rows, sign_in_with_token, text_of

HEAD = ["TT", "Nội dung công việc", "Thời gian hoàn thành", "Đơn vị chủ trì", "Đơn vị phối hợp", "Kinh phí"]
PARAGRAPHS = [
    "BỘ Y TẾ",
    "Số: 99/KH-BYT",
    "Hà Nội, ngày 10 tháng 02 năm 2022",
    "KẾ HOẠCH",
    "Truyền thông cải cách hành chính năm 2022",
    "Mục tiêu chung: nâng cao nhận thức.",
]


@pytest.fixture
def client(loaded):  # type: ignore[no-untyped-def]
    from cchc_flow.web.app import create_app

    app = create_app(background_runs=False)
    made = []

    def make(role: str, unit: str | None = None) -> TestClient:
        c = TestClient(app)
        made.append(c)
        assert sign_in_with_token(c, issue(role, unit)[1]).status_code == 303
        return c

    yield make
    for c in made:
        c.close()


def upload(c: TestClient, path, csrf: bool = True):  # type: ignore[no-untyped-def]
    data = {"csrf": csrf_of(c.get("/plans/import").text)} if csrf else {}
    with path.open("rb") as f:
        return c.post("/plans/import", data=data, files={"file": (path.name, f.read())}, follow_redirects=False)


def test_the_coordinator_sees_the_draft_beside_the_rows_and_loads_it(client, tmp_path) -> None:  # type: ignore[no-untyped-def]
    rows_ = [
        HEAD,
        ["1", "Hội nghị quán triệt", "Quý I/2022", "VPB", "Vụ TCCB", "Ngân sách"],
        ["2", "Phát tờ rơi", "Tháng 6/2022", "VPB", "Trung tâm Kiểm soát bệnh tật", "Ngân sách"],
    ]
    path = docx_of(tmp_path / "kh-99.docx", rows_, PARAGRAPHS)
    sha = hashlib.sha256(path.read_bytes()).hexdigest()
    c = client("coordinator", "VPB")
    answer = upload(c, path)
    assert answer.status_code == 303 and answer.headers["location"] == f"/plans/import/{sha}"
    page = c.get(answer.headers["location"])
    text = text_of(page.text)
    assert "bảng 1, hàng 2" in text and "1.1.1" in text and "1.1.2" in text  # rows beside activities
    assert "Trung tâm Kiểm soát bệnh tật" in text and "TTKSBT" in text  # the suggested entry
    draft = re.search(r'<textarea[^>]*name="draft"[^>]*>(.*?)</textarea>', page.text, re.S)[1]
    import html

    draft = html.unescape(draft)
    before = dump()
    refused = c.post(f"/plans/import/{sha}/load", data={"csrf": csrf_of(page.text), "draft": draft})
    assert refused.status_code == 400 and "Trung tâm Kiểm soát bệnh tật" in text_of(refused.text)
    assert dump() == before  # nothing loaded
    fixed = draft.replace("- Trung tâm Kiểm soát bệnh tật", "- TTKT")
    done = c.post(
        f"/plans/import/{sha}/load", data={"csrf": csrf_of(page.text), "draft": fixed}, follow_redirects=False
    )
    assert done.status_code == 303 and done.headers["location"] == "/board?plan=byt-99-2022"
    [(note, source, actor)] = rows(
        "select t.note, t.source, t.actor from transition t join plan p on "
        "p.id = t.plan_id where p.code = 'byt-99-2022' and t.event = 'loaded'"
    )
    assert f"SHA-256 {sha}" in note and "kh-99.docx" in note and source == "web"
    assert actor.startswith("coordinator:VPB #")  # the signed-in coordinator
    assert rows("select count(*) from activity a join plan p on p.id = a.plan_id where p.code = 'byt-99-2022'") == [
        (2,)
    ]


def test_the_3723_word_file_shows_every_activity_with_its_row(client, tmp_path) -> None:  # type: ignore[no-untyped-def]
    c = client("coordinator", "VPB")
    answer = upload(c, seed_docx(tmp_path / "3723.docx"))
    text = text_of(c.get(answer.headers["location"]).text)
    for key in ("1.1.1", "1.6.1", "2.6.1"):
        assert key in text
    assert "Sơ kết/tổng kết: 1.6.1 (preliminary), 2.6.1 (final)" in text


def test_only_coordinators_import_and_only_the_focal_unit_loads(client, tmp_path) -> None:  # type: ignore[no-untyped-def]
    unit = client("unit", "T5G")
    assert unit.get("/plans/import").status_code == 403
    other = client("coordinator", "TCCB")
    path = docx_of(tmp_path / "kh.docx", [HEAD, ["1", "Hội nghị", "2022", "VPB", "TTKT", "Ngân sách"]], PARAGRAPHS)
    answer = upload(other, path)
    page = other.get(answer.headers["location"])
    draft = __import__("html").unescape(re.search(r'name="draft"[^>]*>(.*?)</textarea>', page.text, re.S)[1])
    before = dump()
    refused = other.post(answer.headers["location"] + "/load", data={"csrf": csrf_of(page.text), "draft": draft})
    assert refused.status_code == 403 and "VPB" in text_of(refused.text)
    assert upload(other, path, csrf=False).status_code == 403
    assert dump() == before


def test_an_unreadable_upload_is_refused_and_nothing_kept(client, tmp_path) -> None:  # type: ignore[no-untyped-def]
    from cchc_flow.settings import get_settings

    c = client("coordinator", "VPB")
    bad = tmp_path / "plan.docx"
    bad.write_bytes(b"MZ" + bytes(300))
    answer = upload(c, bad)
    assert answer.status_code == 400 and "không phải tệp Word .docx" in text_of(answer.text)
    assert not any((get_settings().home / "imports").glob("*/meta.json"))
    assert c.get("/plans/import/" + "0" * 64).status_code == 404
    assert c.get("/plans/import/not-a-hash").status_code == 404
