"""The demo replays 3723/QĐ-BYT to the end of 2015; its printed summary agrees with the database."""

from __future__ import annotations

import json
import os
import re
from pathlib import Path

import docx
import pytest
import sqlalchemy as sa


@pytest.mark.usefixtures("prefect_api")
def test_demo_runs_to_the_end_and_its_summary_agrees_with_the_database(cli, tmp_path, monkeypatch, db_url) -> None:  # type: ignore[no-untyped-def]
    home = tmp_path / "demo"
    for var in ("CCHC_HOME", "CCHC_DATABASE_URL", "CCHC_NOTIFY_CONFIG"):  # the demo points these at its own home
        monkeypatch.setenv(var, "unset")
    # SQLite: the demo's own file in its home; PostgreSQL (the second pass of .ci/run): this test's empty database
    into = [] if db_url.startswith("sqlite") else ["--database-url", db_url]
    out = cli("demo", "--home", home, *into).stdout
    for var in ("CCHC_HOME", "CCHC_DATABASE_URL", "CCHC_NOTIFY_CONFIG"):  # passed as settings, not through os.environ
        assert os.environ[var] == "unset"
    engine = sa.create_engine(db_url if into else f"sqlite:///{home / 'cchc.db'}")
    with engine.connect() as conn:

        def q(sql: str) -> list[tuple]:
            return [tuple(r) for r in conn.execute(sa.text(sql))]

        states = dict(
            ((p, s), n)
            for p, s, n in q(
                "select p.number, a.state, count(*) from activity a join phase p on p.id = a.phase_id group by 1, 2"
            )
        )
        sent = q("select count(*) from notification where status = 'sent'")[0][0]
        pending = q("select count(*) from notification where status = 'pending'")[0][0]
        steps = q("select count(*) from transition")[0][0]
        submissions = q("select count(*) from submission")[0][0]
        reviews = q("select phase_number, held_on, report_docx from review where state = 'held' order by 1")
        history_112 = [r[0] for r in q("select event from transition where entity_key = '1.1.2' order by id")]
        escalated = q("select recipient from notification where entity_key = '1.4.2' and notice = 'escalation'")
        extensions = q(
            "select a.key, e.state, e.granted_until from extension e join activity a on a.id = e.activity_id "
            "order by e.id"
        )
        explained = q("select a.key, e.unit_code, e.state from explanation e join activity a on a.id = e.activity_id")
        reassigned = q("select a.key, r.leads from reassignment r join activity a on a.id = r.activity_id")
        history_221 = [r[0] for r in q("select event from transition where entity_key = '2.2.1' order by id")]
    engine.dispose()

    for label, state in (("đã công nhận", "accepted"), ("quá hạn", "overdue")):
        row = re.search(rf"│ {label}\s+│\s+(\d+) │\s+(\d+) │", out)
        assert row, out
        assert (int(row[1]), int(row[2])) == (states.get((1, state), 0), states.get((2, state), 0))
    assert (states[(1, "accepted")], states[(1, "overdue")], states[(2, "accepted")]) == (8, 1, 8)
    assert f"{steps} bước đã ghi vào lịch sử; {sent} thông báo đã gửi, {pending} còn chờ; {submissions} báo cáo" in out
    assert pending == 0 and submissions == 28
    assert [r[0] for r in reviews] == [1, 2] and "đã tổ chức 26/01/2015" in out and "đã tổ chức 21/12/2015" in out
    for _, _, path in reviews:  # the reports in the administrative format, Word and PDF, each activity settled
        document = docx.Document(path)
        assert (
            path in out.replace("\n", "") and "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM" in document.tables[0].cell(0, 1).text
        )
        assert Path(path).with_suffix(".pdf").read_bytes().startswith(b"%PDF")
        review_rows = [
            [c.text for c in r.cells] for t in document.tables for r in t.rows if r.cells[0].text[:3] in ("1.6", "2.6")
        ]
        assert review_rows and all("đã công nhận" in r for r in review_rows)
    outbox = list((home / "outbox").glob("*.json"))
    assert f"({len(outbox)} thư)" in out and len(outbox) > 100
    assert history_112 == ["assign", "note", "report", "return", "report", "accept"]  # returned and re-reported
    assert {r[0] for r in escalated} == {"LDB", "VPB", "T5G"}  # 1.4.2 was never reported
    # one extension refused (1.4.2 stays overdue), one approved (2.2.1, then reported within the new date)
    assert [(k, st, str(g) if g else None) for k, st, g in extensions] == [
        ("1.4.2", "refused", None),
        ("2.2.1", "approved", "2015-01-31"),
    ]
    assert [(k, json.loads(v) if isinstance(v, str) else v) for k, v in reassigned] == [("2.4.1", ["VPB", "T5G"])]
    ranking = out.split("Xếp hạng đơn vị", 1)[1]  # the units' ranking ends the replay
    assert "Hạng" in ranking and "Điểm" in ranking and "│ VPB " in ranking and "│ T5G " in ranking
    assert out.index("Xếp hạng đơn vị") > out.index(" thư)")
    assert explained == [("1.4.2", "T5G", "answered")]  # asked for an explanation, and given
    review_1 = Path(reviews[0][2]).with_suffix(".md").read_text("utf-8")
    assert "Giải trình của các đơn vị" in review_1 and "Chưa bố trí được kinh phí" in review_1
    word_1 = "\n".join(p.text for p in docx.Document(reviews[0][2]).paragraphs)  # the Word document, too
    assert "XẾP HẠNG CÁC ĐƠN VỊ" in word_1 and "Điểm = 100 ×" in word_1 and "Chưa bố trí được kinh phí" in word_1
    assert re.search(r"│\s+\d+,\d\s+│", ranking)  # scores with a decimal comma
    assert history_221[-4:] == ["extension_requested", "extend", "report", "accept"]
    first, _, greeting = json.loads((outbox[0]).read_text("utf-8"))["body"].splitlines()[:3]
    assert first.startswith(("CẦN LÀM — ", "ĐỂ BIẾT: ")) and greeting.startswith("Kính gửi")  # what to do comes first

    # the summary says how to look at the replay in the portal, with the demo's own token and a unit's link
    database = sa.engine.make_url(db_url if into else f"sqlite:///{home / 'cchc.db'}").render_as_string(
        hide_password=True
    )
    assert f"CCHC_HOME={home} CCHC_DATABASE_URL={database} cchc serve --as-of 2015-12-31" in out
    monkeypatch.setenv("CCHC_HOME", str(home))  # as the printed command says
    monkeypatch.setenv("CCHC_DATABASE_URL", db_url if into else f"sqlite:///{home / 'cchc.db'}")
    token = re.search(r"mã truy cập: (cchc_\S+)", out)[1]
    link = re.search(r"http://127\.0\.0\.1:8080(/login\?link=\S+)", out)[1]
    from fastapi.testclient import TestClient

    from cchc_flow.web.app import create_app

    with TestClient(create_app()) as portal:
        opened = portal.get(link, follow_redirects=False)
        assert opened.status_code == 303 and opened.headers["location"] == "/inbox"
        assert "Việc của T5G" in portal.get("/inbox").text
    issued = cli("token", "issue", "--role", "coordinator", "--unit", "VPB", "--label", "second", token=token)
    assert issued.stdout.strip().splitlines()[-1].startswith("cchc_")  # a new coordinator token, properly
