"""Who acted is the token's principal, never the name typed: a forged CCHC_ACTOR is kept apart, labelled as
unverified, and `cchc history --actor` does not take it for the actor; acts that need no token say so."""

from __future__ import annotations

import io
import json

import sqlalchemy as sa

PLAN = "byt-3723-2013-2015"


def rows(sql: str) -> list[tuple]:
    from cchc_flow.models.store.db import get_engine

    with get_engine().connect() as conn:
        return [tuple(r) for r in conn.execute(sa.text(sql))]


def test_a_forged_actor_name_is_not_the_actor(cli, tokens, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    ((vpb,),) = rows("select id from token where unit_code = 'VPB'")
    ((t5g,),) = rows("select id from token where unit_code = 'T5G'")
    forged = f"coordinator:VPB #{vpb}"
    monkeypatch.setenv("CCHC_ACTOR", forged)
    cli("activity", "note", "1.1.2", "--unit", "T5G", "--text", "Đã đăng 5 bài", token=tokens["T5G"])
    assert rows("select actor, actor_label, stated_name from transition where event = 'note'") == [
        (f"unit:T5G #{t5g}", "test T5G", forged)
    ]
    assert rows("select actor from evidence") == [(f"unit:T5G #{t5g}",)]
    assert json.loads(cli("history", PLAN, "--actor", forged, "--format", "json").stdout) == []
    [mine] = json.loads(cli("history", PLAN, "--actor", f"unit:T5G #{t5g}", "--format", "json").stdout)
    assert (mine["event"], mine["stated_name"], mine["actor_label"]) == ("note", forged, "test T5G")
    shown = wide_table(cli, monkeypatch)
    assert f"unit:T5G #{t5g} «test T5G»" in shown and f"tên tự khai (không kiểm chứng): {forged}" in shown
    # loading the plan needed no token: the history says so
    assert "no-token (không cần mã truy cập)" in shown


def test_a_refusal_names_the_token_not_the_name_typed(cli, tokens, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    ((tccb,),) = rows("select id from token where unit_code = 'TCCB'")
    monkeypatch.setenv("CCHC_ACTOR", "coordinator:VPB #1")
    cli("activity", "done", "1.1.2", "--unit", "T5G", "--evidence", "x", expect=2, token=tokens["TCCB"])
    assert rows("select event, actor, stated_name from transition where event = 'refused'") == [
        ("refused", f"unit:TCCB #{tccb}", "coordinator:VPB #1")
    ]


def wide_table(cli, monkeypatch) -> str:  # type: ignore[no-untyped-def]
    """`cchc history PLAN` as a table printed on a wide terminal (no cell folded)."""
    from rich.console import Console

    import cchc_flow.cli.audit

    screen = io.StringIO()
    monkeypatch.setattr(cchc_flow.cli.audit, "out", Console(file=screen, width=400))
    cli("history", PLAN)
    return screen.getvalue()
