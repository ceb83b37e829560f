"""Reviews: gated on the recorded states, the final one after the preliminary, reports that match the history."""

from __future__ import annotations

import json
import re

import docx
import pytest
import sqlalchemy as sa

PLAN = "byt-3723-2013-2015"
pytestmark = pytest.mark.usefixtures("prefect_api")


def rows(sql: str) -> list[tuple]:
    from cchc_flow.models.store.db import get_engine

    with get_engine().connect() as conn:
        return [tuple(r) for r in conn.execute(sa.text(sql))]


@pytest.fixture
def phase_one(loaded, cli, tokens):  # type: ignore[no-untyped-def]
    """Phase 1 opened in 2013 and 2014; 1.1.1 reported on time, 1.1.2 returned, re-reported late, accepted.

    The units' letters and the coordinator's decisions of 2014-2015 are entered now by the coordinator, each for
    the day of its letter (--as-of with --letter).
    """
    from cchc_flow.flows.phase import run_phase

    run_phase(PLAN, 1, "2013-10-01")
    run_phase(PLAN, 1, "2014-01-06")
    vpb = tokens["VPB"]  # the coordinator's

    def late(*args: str, day: str) -> None:
        cli("activity", *args, "--as-of", day, "--letter", f"Công văn ngày {day}", token=vpb)

    late("done", "1.1.1", "--unit", "VPB", "--evidence", "Đã tổ chức 2 lớp tập huấn", day="2014-03-14")
    late("accept", "1.1.1", "--by", "VPB", day="2014-03-20")
    late("cancel", "1.2.1", "--reason", "Gộp vào 1.1.1", day="2014-05-05")
    late("done", "1.1.2", "--unit", "T5G", "--evidence", "4 phóng sự VTV1", day="2014-12-20")
    late("return", "1.1.2", "--by", "VPB", "--note", "Thiếu lịch phát sóng", day="2014-12-22")
    late("done", "1.1.2", "--unit", "T5G", "--evidence", "Bổ sung lịch phát sóng", day="2015-01-02")
    late("accept", "1.1.2", "--by", "VPB", day="2015-01-05")
    return PLAN


def test_preliminary_review_waits_for_open_activities_until_the_phase_ends(phase_one, cli) -> None:  # type: ignore[no-untyped-def]
    refused = cli("review", "run", PLAN, "--phase", "1", "--as-of", "2014-12-31", expect=2)
    # 1.6.1 is the review itself: it does not hold the review up
    assert "còn 5 hoạt động chưa được công nhận hoặc hủy (1.3.1, 1.3.2, 1.4.1, 1.4.2, 1.5.1)" in refused.stderr
    assert "31/12/2014" in refused.stderr
    assert rows("select count(*) from review") == [(0,)]
    held = cli("review", "run", PLAN, "--phase", "1", "--as-of", "2015-01-06")
    assert "Đã tổ chức Sơ kết giai đoạn I" in held.stdout
    steps = rows(
        "select event, from_state, to_state, effective_day from transition where entity = 'review' order by id"
    )
    assert [s[:3] for s in steps] == [("open", None, "open"), ("hold", "open", "held")]
    assert {str(s[3]) for s in steps} == {"2015-01-06"}
    again = cli("review", "run", PLAN, "--phase", "1", "--as-of", "2015-01-07", expect=2)
    assert "đã được tổ chức ngày 06/01/2015" in again.stderr


def test_review_allowed_before_the_end_once_everything_is_accepted_or_cancelled(loaded, cli) -> None:  # type: ignore[no-untyped-def]
    from cchc_flow.models.store.db import get_engine

    with get_engine().begin() as conn:
        conn.execute(sa.text("update activity set state = 'accepted' where key like '1.%' and key != '1.6.1'"))
    cli("review", "run", PLAN, "--phase", "1", "--as-of", "2014-11-03")
    assert [(r[0], str(r[1])) for r in rows("select state, held_on from review")] == [("held", "2014-11-03")]


def test_final_review_refused_before_the_preliminary_one(loaded, cli) -> None:  # type: ignore[no-untyped-def]
    refused = cli("review", "run", PLAN, "--phase", "2", "--as-of", "2016-01-04", expect=2)
    assert "sơ kết giai đoạn 1 chưa được tổ chức" in refused.stderr
    cli("review", "run", PLAN, "--phase", "1", "--as-of", "2015-01-05")
    cli("review", "run", PLAN, "--phase", "2", "--as-of", "2016-01-04")
    assert sorted(r[0] for r in rows("select kind from review where state = 'held'")) == ["final", "preliminary"]


def test_report_matches_the_recorded_history(phase_one, cli, cchc_env) -> None:  # type: ignore[no-untyped-def]
    cli("review", "run", PLAN, "--phase", "1", "--as-of", "2015-01-06")
    md_path, docx_path = rows("select report_markdown, report_docx from review")[0]
    md = open(md_path, encoding="utf-8").read()
    line = {m[1]: m[0] for m in re.findall(r"^(\| (\d\.\d\.\d) \|.*)$", md, re.M)}
    for key, event in (("1.1.1", "report"), ("1.1.1", "accept"), ("1.1.2", "accept")):
        (day,) = rows(
            f"select effective_day from transition where entity_key = '{key}' and event = '{event}' "
            "order by id desc limit 1"
        )[0]
        assert "/".join(reversed(str(day).split("-"))) in line[key]
    assert (
        "14/03/2014" in line["1.1.1"]
        and "Hoàn thành đúng hạn" in line["1.1.1"]
        and "Đã tổ chức 2 lớp tập huấn" in line["1.1.1"]
    )
    assert (
        "02/01/2015" in line["1.1.2"] and "Hoàn thành trễ hạn (trễ 2 ngày)" in line["1.1.2"]
    )  # the re-report after the return counts
    assert "Thiếu lịch phát sóng" in line["1.1.2"] and "đã hủy" in line["1.2.1"]
    assert (
        "Chưa hoàn thành, quá hạn (quá hạn 6 ngày)" in line["1.4.2"] and "đã giao" in line["1.4.2"]
    )  # no phase run marked it overdue
    assert "Kế hoạch số 3723/QĐ-BYT" in md

    document = docx.Document(docx_path)
    text = "\n".join(p.text for p in document.paragraphs)
    assert "3723/QĐ-BYT" in text and "Sơ kết giai đoạn I" in text
    table_rows = {r.cells[0].text: [c.text for c in r.cells] for t in document.tables for r in t.rows}
    assert {"1.1.1", "1.1.2", "1.2.1", "1.3.1", "1.3.2", "1.4.1", "1.4.2", "1.5.1", "1.6.1"} <= set(table_rows)
    assert "đã công nhận" in table_rows["1.1.1"] and "14/03/2014" in table_rows["1.1.1"]

    # holding the review is doing its activity (1.6.1): recorded, and the report says so everywhere
    steps = rows(
        "select event, to_state, source, effective_day from transition where entity_key = '1.6.1' "
        "and event in ('report', 'accept') order by id"
    )
    assert [s[:3] for s in steps] == [("report", "reported", "flow"), ("accept", "accepted", "flow")]
    assert all(str(s[3]) == "2015-01-06" for s in steps)
    assert "đã công nhận" in table_rows["1.6.1"] and "06/01/2015" in table_rows["1.6.1"]
    assert "đã công nhận" in line["1.6.1"] and "1.6.1" not in md.split("Chưa hoàn thành")[1].split("\n")[0]

    sent = [json.loads(p.read_text("utf-8")) for p in (cchc_env / "outbox").glob("*-ldb-*.json")]
    assert len(sent) == 1 and sent[0]["attachments"] == ["so-ket-giai-doan-1.docx", "so-ket-giai-doan-1.pdf"]
    assert "BÁO CÁO Sơ kết giai đoạn I" in sent[0]["body"]

    from prefect.client.orchestration import get_client

    async def artifact() -> str:
        async with get_client() as client:
            found = await client.read_latest_artifacts()
            return next(a.data for a in found if a.key == f"{PLAN}-review-1")

    import asyncio

    assert "Sơ kết giai đoạn I" in asyncio.run(artifact())


def test_without_a_vietnamese_font_the_review_is_refused_and_nothing_recorded(
    loaded,
    cli,
    tmp_path,  # type: ignore[no-untyped-def]
    monkeypatch,
) -> None:
    monkeypatch.setenv("CCHC_PDF_FONT_DIR", str(tmp_path))  # holds no font
    refused = cli("review", "run", PLAN, "--phase", "1", "--as-of", "2015-01-06", expect=2)
    assert "fonts-liberation" in refused.stderr and "Traceback" not in refused.stderr
    assert rows("select count(*) from review") == [(0,)]
    assert rows(
        "select count(*) from transition where entity = 'review' or entity_key = '1.6.1' "
        "and event in ('report', 'accept')"
    ) == [(0,)]


def test_the_coordinator_signs_the_review_pdf(loaded, cli, tmp_path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    from test_review_documents import make_certificate, validate

    p12, root = make_certificate(tmp_path, b"mat-khau-vpb")
    refused = cli("review", "sign", PLAN, "--phase", "1", "--certificate", p12, expect=2)
    assert "chưa tổ chức" in refused.stderr
    cli("review", "run", PLAN, "--phase", "1", "--as-of", "2015-01-06")
    monkeypatch.setenv("CCHC_SIGN_PASSPHRASE", "sai")
    wrong = cli("review", "sign", PLAN, "--phase", "1", "--certificate", p12, expect=2)
    assert "CCHC_SIGN_PASSPHRASE" in wrong.stderr and "Traceback" not in wrong.stderr
    monkeypatch.setenv("CCHC_SIGN_PASSPHRASE", "mat-khau-vpb")
    done = cli("review", "sign", PLAN, "--phase", "1", "--certificate", p12)
    [docx_path] = rows("select report_docx from review")[0]
    signed = __import__("pathlib").Path(docx_path).with_name("so-ket-giai-doan-1.signed.pdf")
    assert "Đã ký số báo cáo" in done.stdout and signed.is_file()
    field, status = validate(signed, root)
    assert status.intact and status.valid and status.trusted
