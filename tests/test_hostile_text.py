"""Text that could hurt a terminal or pass a check it should not: control characters refused in new input and
escaped when stored text is printed; dates only in ASCII digits; a text upload checked whole; unknown states named."""

from __future__ import annotations

import io
import json

import pytest
import sqlalchemy as sa

PLAN = "byt-3723-2013-2015"
ESC = "ctrl\x1b[31mRED"


def rows(sql: str) -> list[tuple]:
    from cchc_flow.models.store.db import get_engine

    with get_engine().connect() as conn:
        return [tuple(r) for r in conn.execute(sa.text(sql))]


def test_control_characters_are_refused_in_new_input(cli, tokens, tmp_path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    before = rows("select count(*) from transition")
    note = cli("activity", "note", "1.1.2", "--unit", "T5G", "--text", ESC, expect=2, token=tokens["T5G"])
    assert "--text chứa ký tự điều khiển \\x1b (ký tự thứ 5)" in note.stderr and "\x1b" not in note.stderr
    assert (
        "--evidence chứa ký tự điều khiển"
        in cli(
            "activity", "done", "1.1.2", "--unit", "T5G", "--evidence", "a\x07b", expect=2, token=tokens["T5G"]
        ).stderr
    )
    assert (
        "--reason chứa ký tự điều khiển"
        in cli("activity", "cancel", "1.2.1", "--reason", "x\x00", expect=2, token=tokens["VPB"]).stderr
    )
    assert (
        "--label chứa ký tự điều khiển"
        in cli("token", "issue", "--unit", "T5G", "--label", "\x1b]0;x\x07", expect=2, token=tokens["VPB"]).stderr
    )
    bad_name = tmp_path / "bien\x1bban.pdf"
    bad_name.write_bytes(b"%PDF-1.4")
    assert (
        "--attach chứa ký tự điều khiển"
        in cli(
            "activity",
            "done",
            "1.1.2",
            "--unit",
            "T5G",
            "--evidence",
            "x",
            "--attach",
            bad_name,
            expect=2,
            token=tokens["T5G"],
        ).stderr
    )
    monkeypatch.setenv("CCHC_ACTOR", "officer\x1b[2J")
    assert (
        "CCHC_ACTOR chứa ký tự điều khiển"
        in cli("activity", "note", "1.1.2", "--unit", "T5G", "--text", "x", expect=2, token=tokens["T5G"]).stderr
    )
    assert rows("select count(*) from transition") == before
    monkeypatch.delenv("CCHC_ACTOR")
    cli("activity", "note", "1.1.2", "--unit", "T5G", "--text", "dòng 1\r\ndòng 2\tcột", token=tokens["T5G"])
    assert rows("select text from evidence") == [("dòng 1\ndòng 2\tcột",)]


def test_stored_control_characters_are_escaped_when_printed(cli, loaded, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    """A note stored before input was checked (or written around the code) is printed inert."""
    from rich.console import Console

    import cchc_flow.cli.audit
    from cchc_flow.models.store.db import session, write_transaction
    from cchc_flow.models.store.history import record
    from cchc_flow.models.store.queries import get_plan

    with session() as s, write_transaction(s):
        record(
            s,
            plan_id=get_plan(s, PLAN).id,
            entity="activity",
            key="1.1.2",
            event="note",
            actor="unit:T5G",
            source="cli",
            note=ESC + "\x9b2J",
        )
    shown = cli("history", PLAN).stdout
    assert "\x1b" not in shown and "\x9b" not in shown
    screen = io.StringIO()
    monkeypatch.setattr(cchc_flow.cli.audit, "out", Console(file=screen, width=400, force_terminal=True))
    cli("history", PLAN)
    assert "ctrl\\x1b[31mRED\\x9b2J" in screen.getvalue()
    assert json.loads(cli("history", PLAN, "--format", "json").stdout)[-1]["note"] == ESC + "\x9b2J"  # data kept


def test_full_width_digits_are_not_a_date(cli, loaded) -> None:  # type: ignore[no-untyped-def]
    from cchc_flow.models.rules.calendar import DateError, parse_date

    for text in ("２０１４-01-01", "01/0１/2014", "٢٠١٤-01-01"):
        with pytest.raises(DateError, match="chữ số thường 0-9"):
            parse_date(text)
    refused = cli("activity", "list", PLAN, "--as-of", "２０１４-01-01", expect=2)
    assert "chữ số thường 0-9" in refused.stderr
    assert "chữ số thường 0-9" in cli("history", PLAN, "--since", "２０１４-01-01", expect=2).stderr


def test_history_names_the_states_for_an_unknown_one(cli, loaded) -> None:  # type: ignore[no-untyped-def]
    result = cli("history", PLAN, "--state", "bogus", expect=2)
    assert "trạng thái 'bogus' không có; hãy dùng một trong: planned, assigned, reported, accepted" in result.stderr
    assert json.loads(cli("history", PLAN, "--state", "loaded", "--format", "json").stdout)[0]["event"] == "loaded"


def test_a_text_upload_is_checked_whole_for_nul_bytes(cchc_env) -> None:  # type: ignore[no-untyped-def]
    from fastapi import UploadFile

    from cchc_flow.models.store.attachments import MAX_BYTES
    from cchc_flow.web.security import PortalError
    from cchc_flow.web.uploads import check_upload

    def upload(name: str, content: bytes) -> UploadFile:
        return UploadFile(io.BytesIO(content), filename=name, size=len(content))

    text = "Báo cáo tổng hợp ý kiến\n".encode() * 400
    assert len(text) > 4096
    assert check_upload(upload("y-kien.txt", text), MAX_BYTES) == "y-kien.txt"
    for name in ("y-kien.txt", "so-lieu.csv"):
        with pytest.raises(PortalError) as refused:
            check_upload(upload(name, text + b"\x00" + text), MAX_BYTES)
        assert refused.value.status == 415
