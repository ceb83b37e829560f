"""`cchc plan load`: idempotent, amendments recorded in the history, Vietnamese intact end to end."""

from __future__ import annotations

import json
from pathlib import Path

import sqlalchemy as sa
from conftest import REFERENCE_PLAN, UNITS


def _rows(db_url: str, sql: str) -> list[tuple]:
    engine = sa.create_engine(db_url)
    try:
        with engine.connect() as conn:
            return [tuple(r) for r in conn.execute(sa.text(sql))]
    finally:
        engine.dispose()


def _snapshot(db_url: str) -> dict[str, list[tuple]]:
    tables = ["unit", "plan", "phase", "content_item", "activity", "activity_unit", "group_member", "transition"]
    return {t: sorted(_rows(db_url, f"select * from {t}"), key=repr) for t in tables}


def test_loading_twice_changes_nothing(cli, db_url: str) -> None:  # type: ignore[no-untyped-def]
    assert "Đã nạp kế hoạch byt-3723-2013-2015 (17 hoạt động)" in cli("plan", "load", REFERENCE_PLAN).stdout
    before = _snapshot(db_url)
    assert "không thay đổi" in cli("plan", "load", REFERENCE_PLAN).stdout
    assert _snapshot(db_url) == before
    assert [r[:3] for r in before["transition"]][0][1:] == (1, "plan")


def test_amended_plan_is_recorded_in_history(cli, db_url: str, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    cli("plan", "load", REFERENCE_PLAN)
    text = REFERENCE_PLAN.read_text(encoding="utf-8")
    amended = text.replace("lead: []          # the appendix", "lead: [VPB]          # the appendix")
    amended = amended.replace("  DVLQ: []", "  DVLQ: [KHTC, PC]")
    amended = amended.replace("funding: Kinh phí truyền thông Bộ\n", "funding: Kinh phí truyền thông Bộ Y tế\n")
    assert amended.count("\n") == text.count("\n") and amended != text
    path = tmp_path / "amended.yaml"
    path.write_text(amended, encoding="utf-8")

    result = cli("plan", "load", path)
    assert "đã được sửa đổi: 3 thay đổi" in result.stdout
    history = _rows(
        db_url,
        "select entity, entity_key, event, note, actor, stated_name, source from transition "
        "where event = 'amended' order by id",
    )
    # loading needs no token: the history says so, with the name typed (CCHC_ACTOR) beside it
    assert ("activity", "1.3.1", "amended", "lead: [] → ['VPB']", "no-token", "tester", "cli") in history
    assert ("group", "DVLQ", "amended", "[] → ['KHTC', 'PC']", "no-token", "tester", "cli") in history
    assert (
        "activity",
        "2.6.1",
        "amended",
        "funding: Kinh phí truyền thông Bộ → Kinh phí truyền thông Bộ Y tế",
        "no-token",
        "tester",
        "cli",
    ) in history
    shown = json.loads(cli("plan", "show", "byt-3723-2013-2015", "--format", "json").stdout)
    first = shown["phases"][0]["activities"][3]
    assert (first["id"], first["lead"]) == ("1.3.1", ["VPB"])
    assert "không thay đổi" in cli("plan", "load", path).stdout


def test_vietnamese_round_trips_from_yaml_through_the_database_to_json(cli) -> None:  # type: ignore[no-untyped-def]
    from cchc_flow.models.rules.plan import read_directory, read_plan

    plan, _ = read_plan(REFERENCE_PLAN, read_directory(UNITS))
    cli("plan", "load", REFERENCE_PLAN)
    shown = json.loads(cli("plan", "show", "byt-3723-2013-2015", "--format", "json").stdout)
    texts = {a["id"]: (a["title"], a["content"], a["funding"]) for p in shown["phases"] for a in p["activities"]}
    contents = {(c.number, a.key): c.title for p in plan.phases for c in p.contents for a in c.activities}
    for a in plan.activities:
        assert texts[a.key] == (a.text, contents[(a.content, a.key)], a.funding)
    assert shown["plan"]["title"] == plan.info.title
    assert "Quyết định\nsố/QĐ-BYT" not in texts["1.1.2"][0] and "Quyết định số/QĐ-BYT" in texts["1.1.2"][0]
    assert texts["1.3.2"][0].splitlines()[1] == "+ Thành lập Ban soạn thảo sửa đổi quy chế"
