"""Who may act: a unit acts with its own token and only for itself; only the coordinator accepts, returns, cancels
and hands out tokens; auditors read. Every refusal of a known person is clear and recorded in the history."""

from __future__ import annotations

import os
import pty
import select
import subprocess
import sys
import termios
import time

import pytest
import sqlalchemy as sa
from conftest import REPO
from faults import PLAN, dump, rows

pytestmark = pytest.mark.usefixtures("assigned")


@pytest.fixture
def assigned(loaded):  # type: ignore[no-untyped-def]
    """1.1.1 (VPB), 1.1.2 (VPB, T5G) and 1.4.1 (SKDS, GDXH) assigned; messages go to the local outbox."""
    from cchc_flow.models.store.db import get_engine

    with get_engine().begin() as conn:
        conn.execute(sa.text("update activity set state = 'assigned' where key in ('1.1.1', '1.1.2', '1.4.1')"))


def refusals() -> list[tuple]:
    return rows("select entity, entity_key, actor, note from transition where event = 'refused' order by id")


def unchanged_but_refusals(before: dict, after: dict) -> None:
    """Nothing but the ``refused`` steps was written."""
    for table in before:
        if table == "transition":
            assert [r for r in after[table] if "'refused'" not in r] == before[table]
        else:
            assert after[table] == before[table], table


def test_unit_actions_need_a_token(cli, tmp_path) -> None:  # type: ignore[no-untyped-def]
    before = dump()
    for args in (
        ("activity", "done", "1.1.1", "--unit", "VPB", "--evidence", "x"),
        ("activity", "note", "1.1.2", "--unit", "T5G", "--text", "x"),
        ("activity", "accept", "1.1.1", "--by", "VPB"),
    ):
        missing = cli(*args, expect=2, input="")
        assert "cần mã truy cập: đặt CCHC_TOKEN hoặc nhập khi được hỏi" in missing.stderr
        assert "mã truy cập không đúng" in cli(*args, expect=2, token="cchc_not-a-real-token").stderr
    assert dump() == before  # an unknown caller leaves no trace (not even a refusal: it is nobody's)


def test_a_unit_cannot_act_for_another_and_the_refusal_is_recorded(cli, tokens, tmp_path) -> None:  # type: ignore[no-untyped-def]
    f = tmp_path / "bc.docx"
    f.write_bytes(b"PK")
    before = dump()
    done = cli("activity", "done", "1.1.2", "--unit", "T5G", "--evidence", "x", expect=2, token=tokens["TCCB"])
    assert (
        done.stderr.startswith("✗ unit:TCCB #") and "không được báo cáo hoàn thành thay cho đơn vị T5G" in done.stderr
    )
    note = cli("activity", "note", "1.4.1", "--unit", "GDXH", "--text", "x", expect=2, token=tokens["SKDS"])
    assert "thay cho đơn vị GDXH" in note.stderr
    submit = cli(
        "report", "submit", "--unit", "TTKT", "--period", "2014-H1", "--file", f, expect=2, token=tokens["TCCB"]
    )
    assert "không được nộp báo cáo định kỳ thay cho đơn vị TTKT" in submit.stderr
    unchanged_but_refusals(before, dump())
    got = refusals()
    tccb, skds = (rows(f"select id from token where unit_code = '{u}'")[0][0] for u in ("TCCB", "SKDS"))
    assert [(e, k, a) for e, k, a, _ in got] == [
        ("activity", "1.1.2", f"unit:TCCB #{tccb}"),
        ("activity", "1.4.1", f"unit:SKDS #{skds}"),
        ("report", "bao-cao-dinh-ky/2014-H1/TTKT", f"unit:TCCB #{tccb}"),
    ]
    assert got[0][3].startswith("unit:TCCB #") and "bị từ chối báo cáo hoàn thành" in got[0][3] and "T5G" in got[0][3]
    # the token's own unit may (--unit only confirms it)
    cli("activity", "done", "1.1.2", "--unit", "T5G", "--evidence", "Đã đăng bài", token=tokens["T5G"])
    assert rows("select state from activity where key = '1.1.2'") == [("reported",)]


def test_only_the_coordinator_decides_and_auditors_only_read(cli, tokens) -> None:  # type: ignore[no-untyped-def]
    from cchc_flow.models.services.auth import issue_token
    from cchc_flow.models.store.db import session

    with session() as s:
        _, vpb_officer = issue_token(s, "unit", "VPB", label="VPB, not the coordinator")
    cli("activity", "done", "1.4.1", "--unit", "SKDS", "--evidence", "Cuộc thi đã tổ chức", token=tokens["SKDS"])
    before = dump()
    for token in (tokens["SKDS"], vpb_officer):  # a lead, and the focal unit's officer without the coordinator role
        refused = cli("activity", "accept", "1.4.1", "--by", "VPB", expect=2, token=token)
        assert "bằng mã truy cập vai trò coordinator" in refused.stderr
    assert (
        "thay cho đơn vị TCCB"
        in cli("activity", "accept", "1.4.1", "--by", "TCCB", expect=2, token=tokens["VPB"]).stderr
    )  # --by must be the token's unit
    auditor = tokens["auditor"]
    for args in (
        ("activity", "cancel", "1.1.1", "--reason", "x"),
        ("activity", "done", "1.1.1", "--unit", "VPB", "--evidence", "x"),
    ):
        assert "người kiểm tra (auditor) chỉ được xem" in cli(*args, expect=2, token=auditor).stderr
    unchanged_but_refusals(before, dump())
    assert len(refusals()) == 5
    cli("activity", "accept", "1.4.1", "--by", "VPB", token=tokens["VPB"])
    cli("activity", "cancel", "1.1.1", "--reason", "Gộp vào 1.1.2", token=tokens["VPB"])  # --by may be left out
    assert dict(rows("select key, state from activity where key in ('1.1.1', '1.4.1')")) == {
        "1.1.1": "cancelled",
        "1.4.1": "accepted",
    }
    # auditors read
    assert "1.4.1" in cli("activity", "list", PLAN, token=auditor).stdout
    from cchc_flow.models.store.audit import verify

    with session() as s:  # the refusals are in the chained, append-only history like any step
        assert not verify(s, PLAN).breaks


def test_tokens_are_issued_by_the_coordinator_shown_once_and_revocable(cli) -> None:  # type: ignore[no-untyped-def]
    first = cli("token", "issue", "--unit", "TCCB", expect=2)
    assert "mã đầu tiên phải là 'cchc token issue --role coordinator" in first.stderr
    assert "TCCB không phải" in cli("token", "issue", "--unit", "TCCB", "--role", "coordinator", expect=2).stderr
    issued = cli("token", "issue", "--unit", "vpb", "--role", "coordinator", "--label", "Chánh Văn phòng")
    coordinator = issued.stdout.strip().splitlines()[-1]
    assert coordinator.startswith("cchc_") and "chỉ hiện MỘT LẦN" in issued.stdout
    assert "chỉ người điều phối được cấp" in cli("token", "issue", "--unit", "T5G", expect=2, input="\n").stderr
    t5g = (
        cli("token", "issue", "--unit", "T5G", "--label", "Báo SKĐS", token=coordinator).stdout.strip().splitlines()[-1]
    )
    assert "chỉ người điều phối được cấp" in cli("token", "issue", "--unit", "VCL", expect=2, token=t5g).stderr
    assert (
        "vai trò 'admin' không có"
        in cli("token", "issue", "--unit", "VCL", "--role", "admin", expect=2, token=coordinator).stderr
    )
    listed = cli("token", "list", "--format", "json").stdout
    assert coordinator not in listed and t5g not in listed and '"label": "Báo SKĐS"' in listed
    stored = " ".join(str(r) for r in rows("select * from token"))
    assert coordinator not in stored and t5g not in stored  # only hashes are kept

    cli("activity", "note", "1.1.2", "--unit", "T5G", "--text", "Đã nhận", token=t5g)
    assert "chỉ người điều phối" in cli("token", "revoke", "2", expect=2, token=t5g).stderr
    cli("token", "revoke", "2", token=coordinator)
    revoked = cli("activity", "note", "1.1.2", "--unit", "T5G", "--text", "x", expect=2, token=t5g)
    assert "mã truy cập đã bị thu hồi" in revoked.stderr


def test_the_token_can_be_piped_or_typed_at_a_hidden_prompt(cli, tokens, cchc_env) -> None:  # type: ignore[no-untyped-def]
    cli("activity", "note", "1.1.2", "--unit", "T5G", "--text", "qua stdin", input=tokens["T5G"] + "\n")
    assert rows("select count(*) from transition where event = 'note'") == [(1,)]

    # a real terminal: the prompt is asked, the token typed is not echoed
    env = {k: v for k, v in os.environ.items() if k != "CCHC_TOKEN"}
    env.update(PYTHONPATH=str(REPO), COLUMNS="200", PREFECT_LOGGING_LEVEL="WARNING")
    main, child = pty.openpty()
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "cchc_flow.cli.main",
            "activity",
            "note",
            "1.1.2",
            "--unit",
            "T5G",
            "--text",
            "qua bàn phím",
        ],
        stdin=child,
        stdout=child,
        stderr=child,
        env=env,
        cwd=REPO,
    )
    os.close(child)
    seen = b""
    deadline = time.monotonic() + 60
    while b"CCHC_TOKEN" not in seen and time.monotonic() < deadline:
        if select.select([main], [], [], 0.2)[0]:
            seen += os.read(main, 4096)
    while termios.tcgetattr(main)[3] & termios.ECHO and time.monotonic() < deadline:  # as a person would: once
        time.sleep(0.01)  # the prompt is listening
    os.write(main, tokens["T5G"].encode() + b"\n")
    while proc.poll() is None and time.monotonic() < deadline:
        if select.select([main], [], [], 0.2)[0]:
            try:
                seen += os.read(main, 4096)
            except OSError:
                break
    proc.wait(timeout=10)
    os.close(main)
    text = seen.decode("utf-8", "replace")
    assert proc.returncode == 0, text
    assert "Mã truy cập (CCHC_TOKEN):" in text and tokens["T5G"] not in text
    assert rows("select count(*) from transition where event = 'note'") == [(2,)]


def test_the_same_checks_serve_a_signed_link(principals) -> None:  # type: ignore[no-untyped-def]
    """What the web portal will do: a unit signed in through the link of its message."""
    from cchc_flow.models.notify.links import sign_link
    from cchc_flow.models.services.access import ActionRefused
    from cchc_flow.models.services.actions import add_note, report_done
    from cchc_flow.models.services.auth import verify_link
    from cchc_flow.models.store.db import session

    t5g = verify_link(sign_link("T5G"))
    with session() as s:
        add_note(s, principal=t5g, plan_code=PLAN, key="1.1.2", text="Qua cổng thông tin", source="web")
        with pytest.raises(ActionRefused, match="thay cho đơn vị VPB"):
            report_done(s, principal=t5g, plan_code=PLAN, key="1.1.1", unit="VPB", evidence="x", source="web")
        with pytest.raises(ActionRefused, match="chỉ đơn vị chủ trì \\(VPB\\)"):
            report_done(s, principal=t5g, plan_code=PLAN, key="1.1.1", evidence="x", source="web")
    assert [
        (k, a, src) for k, a, src in rows("select entity_key, actor, source from transition where event = 'refused'")
    ] == [("1.1.1", "unit:T5G", "web")] * 2
