"""Unit actions: only a lead reports, partners note, only the coordinator accepts, returns or cancels."""

from __future__ import annotations

import json
import os
import stat

import pytest
import sqlalchemy as sa

PLAN = "byt-3723-2013-2015"


@pytest.fixture
def assigned(loaded, cli, tmp_path, monkeypatch):  # type: ignore[no-untyped-def]
    """The plan with 1.1.1 (VPB), 1.1.2 (VPB, T5G) and 1.4.1 (SKDS, GDXH) assigned, messages to the outbox."""
    from cchc_flow.models.store.db import session, write_transaction
    from cchc_flow.models.store.queries import get_plan
    from cchc_flow.models.store.tables import ActivityRow

    with session() as s, write_transaction(s):
        plan = get_plan(s, PLAN)
        s.execute(
            sa.update(ActivityRow)
            .where(ActivityRow.plan_id == plan.id, ActivityRow.key.in_(["1.1.1", "1.1.2", "1.4.1"]))
            .values(state="assigned")
        )
    return PLAN


def rows(sql: str) -> list[tuple]:
    from cchc_flow.models.store.db import get_engine

    with get_engine().connect() as conn:
        return [tuple(r) for r in conn.execute(sa.text(sql))]


def outbox(home) -> list[dict]:  # type: ignore[no-untyped-def]
    return [json.loads(p.read_text("utf-8")) for p in sorted((home / "outbox").glob("*.json"))]


def test_only_a_lead_unit_may_report_done(assigned, cli, tokens, cchc_env) -> None:  # type: ignore[no-untyped-def]
    refused = cli("activity", "done", "1.1.2", "--unit", "TCCB", "--evidence", "x", expect=2, token=tokens["TCCB"])
    assert "chỉ đơn vị chủ trì (VPB, T5G)" in refused.stderr and "cchc activity note" in refused.stderr
    ((tccb,),) = rows("select id from token where unit_code = 'TCCB'")
    assert rows("select event, actor, stated_name from transition where entity_key = '1.1.2'") == [
        ("refused", f"unit:TCCB #{tccb}", "tester")
    ]
    assert rows("select state from activity where key = '1.1.2'") == [("assigned",)]
    assert rows("select count(*) from transition where event = 'report'") == [(0,)]
    # T5G's letter of 02/03/2014 reached the coordinator late: the coordinator records it for that day
    cli(
        "activity",
        "done",
        "1.1.2",
        "--unit",
        "t5g",
        "--evidence",
        "Đã đăng 5 bài trên Báo SKĐS",
        "--as-of",
        "2014-03-02",
        "--letter",
        "Công văn 12/T5G ngày 02/03/2014",
        token=tokens["VPB"],
    )
    assert rows("select state from activity where key = '1.1.2'") == [("reported",)]
    ((vpb,),) = rows("select id from token where unit_code = 'VPB'")
    step = rows("select actor, source, effective_day, note, letter_ref from transition where event = 'report'")
    assert step == [
        (
            f"coordinator:VPB #{vpb}",
            "cli",
            step[0][2],
            "T5G: Đã đăng 5 bài trên Báo SKĐS",
            "Công văn 12/T5G ngày 02/03/2014",
        )
    ]
    assert str(step[0][2]) == "2014-03-02"
    mail = outbox(cchc_env)[-1]  # the coordinator is told, in Vietnamese
    assert mail["unit"] == "vpb" and "ĐÃ BÁO CÁO HOÀN THÀNH — hoạt động 1.1.2" in mail["body"]
    assert "T5G báo cáo (đúng hạn): Đã đăng 5 bài trên Báo SKĐS" in mail["body"]


def test_evidence_files_are_stored_with_their_hash_owner_only(assigned, cli, tokens, cchc_env, tmp_path) -> None:  # type: ignore[no-untyped-def]
    import hashlib

    f = tmp_path / "biên-bản.pdf"
    f.write_bytes(b"%PDF-1.4 bien ban hoi thao")
    cli(
        "activity",
        "done",
        "1.1.1",
        "--unit",
        "VPB",
        "--evidence",
        "Biên bản hội thảo",
        "--attach",
        f,
        token=tokens["VPB"],
    )
    ((attachments,),) = rows("select attachments from evidence where kind = 'report'")
    (a,) = json.loads(attachments) if isinstance(attachments, str) else attachments
    assert a["name"] == "biên-bản.pdf" and a["sha256"] == hashlib.sha256(f.read_bytes()).hexdigest()
    stored = os.stat(a["path"])
    assert stat.S_IMODE(stored.st_mode) == 0o600
    assert stat.S_IMODE(os.stat(cchc_env / "attachments").st_mode) == 0o700
    missing = cli(
        "activity",
        "done",
        "1.1.2",
        "--unit",
        "VPB",
        "--evidence",
        "x",
        "--attach",
        tmp_path / "không-có.pdf",
        expect=2,
        token=tokens["VPB"],
    )
    assert "không tìm thấy tệp đính kèm" in missing.stderr
    assert rows("select state from activity where key = '1.1.2'") == [("assigned",)]


def test_partners_note_and_strangers_are_refused(assigned, cli, tokens, cchc_env) -> None:  # type: ignore[no-untyped-def]
    cli("activity", "note", "1.1.2", "--unit", "TCCB", "--text", "Vụ TCCB đã cung cấp số liệu", token=tokens["TCCB"])
    assert rows("select unit_code, kind, text from evidence") == [("TCCB", "note", "Vụ TCCB đã cung cấp số liệu")]
    assert rows("select state from activity where key = '1.1.2'") == [("assigned",)]
    told = {m["unit"] for m in outbox(cchc_env)}
    assert told == {"vpb", "t5g"}  # the leads hear of it
    refused = cli("activity", "note", "1.1.2", "--unit", "VCL", "--text", "x", expect=2, token=tokens["VCL"])
    assert "không chủ trì cũng không phối hợp" in refused.stderr


def test_accept_return_and_cancel_are_the_coordinators(assigned, cli, tokens, cchc_env) -> None:  # type: ignore[no-untyped-def]
    vpb = tokens["VPB"]  # the coordinator's
    cli("activity", "done", "1.4.1", "--unit", "SKDS", "--evidence", "Cuộc thi đã tổ chức", token=tokens["SKDS"])
    assert (
        "chỉ đơn vị đầu mối của kế hoạch (VPB)"
        in cli("activity", "accept", "1.4.1", "--by", "SKDS", expect=2, token=tokens["SKDS"]).stderr
    )
    assert "--note" in cli("activity", "return", "1.4.1", "--by", "VPB", "--note", " ", expect=2, token=vpb).stderr
    cli("activity", "return", "1.4.1", "--by", "VPB", "--note", "Thiếu danh sách đoạt giải", token=vpb)
    assert rows("select state from activity where key = '1.4.1'") == [("returned",)]
    last = [m for m in outbox(cchc_env) if m["unit"] == "skds"][-1]
    assert "BỊ TRẢ LẠI" in last["body"] and "Thiếu danh sách đoạt giải" in last["body"]
    illegal = cli("activity", "accept", "1.4.1", "--by", "VPB", expect=2, token=vpb)
    assert "không thể công nhận khi hoạt động đang ở trạng thái 'bị trả lại'" in illegal.stderr
    cli("activity", "done", "1.4.1", "--unit", "GDXH", "--evidence", "Bổ sung danh sách", token=tokens["GDXH"])
    cli("activity", "accept", "1.4.1", "--by", "VPB", token=vpb)
    assert rows("select state from activity where key = '1.4.1'") == [("accepted",)]
    assert "không thể hủy" in cli("activity", "cancel", "1.4.1", "--reason", "x", expect=2, token=vpb).stderr
    cli("activity", "cancel", "1.1.1", "--reason", "Gộp vào 1.1.2", token=vpb)
    assert rows("select state from activity where key = '1.1.1'") == [("cancelled",)]
    events = [r[0] for r in rows("select event from transition where entity_key = '1.4.1' order by id")]
    assert events == ["report", "refused", "return", "report", "accept"]  # SKDS's accept was refused, and recorded


def test_list_shows_what_a_unit_owes(assigned, cli) -> None:  # type: ignore[no-untyped-def]
    data = json.loads(
        cli("activity", "list", PLAN, "--unit", "TCCB", "--as-of", "2014-12-01", "--format", "json").stdout
    )
    assert [(r["id"], r["role"]) for r in data][:3] == [
        ("1.1.1", "partner"),
        ("1.1.2", "partner"),
        ("1.3.1", "partner"),
    ]
    due = json.loads(
        cli("activity", "list", PLAN, "--state", "assigned", "--due-before", "2015-01-01", "--format", "json").stdout
    )
    assert [r["id"] for r in due] == ["1.1.1", "1.1.2", "1.4.1"] and due[0]["days_left"] is not None
    assert "không có" in cli("activity", "list", "khong-co", expect=2).stderr
    assert "trạng thái 'xong'" in cli("activity", "list", PLAN, "--state", "xong", expect=2).stderr
