"""Every list that could mix organisations filters by one: `cchc units`, `cchc token list`, `cchc plan list` (each
with --org), and the portal's plan chooser (by organisation; a unit's session sees its own organisation's plans only).
A code that names no organisation is refused, naming the known ones."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path

import pytest
from portal import issue, sign_in_with_token

REPO = Path(__file__).resolve().parent.parent
PLANS = [REPO / "config/plans" / f"{code}.yaml" for code in ("byt-3723-2013-2015", "phu-my-2022-2025", "kon-tum-2021")]
KNOWN = "BYT (Bộ Y tế), SYTKT (Sở Y tế tỉnh Kon Tum), TTYTPM (Trung tâm Y tế Phù Mỹ)"


@pytest.fixture
def three(cli) -> None:  # type: ignore[no-untyped-def]
    for plan in PLANS:
        cli("plan", "load", plan)


def test_units_lists_every_organisation_and_one_with_org(cli) -> None:  # type: ignore[no-untyped-def]
    every = json.loads(cli("units", "--format", "json").stdout)
    assert {u["organisation"] for u in every} == {"BYT", "TTYTPM", "SYTKT"}
    phu_my = json.loads(cli("units", "--org", "ttytpm", "--format", "json").stdout)
    assert {u["organisation"] for u in phu_my} == {"TTYTPM"}
    assert {u["code"] for u in phu_my} == {"TTYTPM.TCHC", "TTYTPM.LD", "TTYTPM.KPT", "TTYTPM.SYT"}
    table = cli("units", "--org", "SYTKT").stdout
    assert "Tổ chức SYTKT: Sở Y tế tỉnh Kon Tum" in table and "VPB" not in table
    err = cli("units", "--org", "SYT", expect=2).stderr
    assert "không có tổ chức 'SYT'" in " ".join(err.split()) and KNOWN in " ".join(err.split())


def test_token_and_plan_lists_filter_by_organisation(cli, three, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    issue("coordinator", "VPB")
    issue("unit", "TTYTPM.TCHC")
    issue("unit", "SYTKT.LD")
    issue("auditor")
    listed = json.loads(cli("token", "list", "--format", "json").stdout)
    assert [(r["organisation"], r["unit"]) for r in listed] == [
        ("BYT", "VPB"),
        ("TTYTPM", "TTYTPM.TCHC"),
        ("SYTKT", "SYTKT.LD"),
        (None, None),
    ]
    only = json.loads(cli("token", "list", "--org", "ttytpm", "--format", "json").stdout)
    assert [r["unit"] for r in only] == ["TTYTPM.TCHC"]
    plans = json.loads(cli("plan", "list", "--format", "json").stdout)
    assert [(p["organisation"], p["code"]) for p in plans] == [
        ("BYT", "byt-3723-2013-2015"),
        ("TTYTPM", "phu-my-2022-2025"),
        ("SYTKT", "kon-tum-2021"),
    ]
    assert [p["code"] for p in json.loads(cli("plan", "list", "--org", "SYTKT", "--format", "json").stdout)] == [
        "kon-tum-2021"
    ]
    for command in (("token", "list"), ("plan", "list")):
        err = " ".join(cli(*command, "--org", "XYZ", expect=2).stderr.split())
        assert "không có tổ chức 'XYZ'; các tổ chức đã biết: " + KNOWN in err, err
    monkeypatch.setenv("CCHC_LANG", "en")
    with_en = cli("plan", "list", "--org", "XYZ", expect=2).stderr
    assert "no organisation 'XYZ'; the known ones:" in " ".join(with_en.split())


def test_the_portal_chooses_plans_by_organisation(three) -> None:  # type: ignore[no-untyped-def]
    from fastapi.testclient import TestClient

    from cchc_flow.web.app import create_app

    app = create_app(as_of=date(2022, 3, 1), background_runs=False)
    with TestClient(app) as auditor:
        assert sign_in_with_token(auditor, issue("auditor")[1]).status_code == 303
        board = auditor.get("/board").text
        assert 'title="Bộ Y tế">BYT:</span><a href="?plan=byt-3723-2013-2015"' in board
        assert 'title="Trung tâm Y tế Phù Mỹ">TTYTPM:</span><a href="?plan=phu-my-2022-2025"' in board
        narrowed = auditor.get("/board?org=sytkt").text  # one organisation's only: its plan, no chooser
        assert "2105/KH-SYT" in narrowed and 'href="?plan=byt-3723-2013-2015"' not in narrowed
        refused = auditor.get("/board?org=XYZ")
        assert refused.status_code == 404 and "các tổ chức đã biết: " + KNOWN in refused.text
    with TestClient(app) as centre:  # the Phù Mỹ centre's coordinator: its plan, whatever ?plan= asks
        assert sign_in_with_token(centre, issue("coordinator", "TTYTPM.TCHC")[1]).status_code == 303
        page = centre.get("/board?plan=byt-3723-2013-2015").text
        assert "/KH-TTYT" in page and "3723/QĐ-BYT" not in page and 'href="?plan=' not in page
    with TestClient(app) as unit:  # a unit's session: its organisation's plans only
        assert sign_in_with_token(unit, issue("unit", "SYTKT.LD")[1]).status_code == 303
        inbox = unit.get("/inbox?plan=phu-my-2022-2025")
        assert inbox.status_code == 200 and "2105/KH-SYT" in inbox.text and "/KH-TTYT" not in inbox.text


def test_history_takes_a_units_code_within_the_plans_organisation(cli, three) -> None:  # type: ignore[no-untyped-def]
    """ "TCHC" in the Phù Mỹ plan's history is the centre's TTYTPM.TCHC; a unit of another organisation is refused."""
    plan = "phu-my-2022-2025"
    assert json.loads(cli("history", plan, "--unit", "tchc", "--format", "json").stdout) == []
    assert json.loads(cli("history", plan, "--unit", "TTYTPM.TCHC", "--format", "json").stdout) == []
    err = " ".join(cli("history", plan, "--unit", "VPB", expect=2).stderr.split())
    assert "đơn vị VPB thuộc tổ chức BYT, không thuộc tổ chức TTYTPM của kế hoạch phu-my-2022-2025" in err
    err = " ".join(cli("history", "byt-3723-2013-2015", "--unit", "TTYTPM.LD", expect=2).stderr.split())
    assert "đơn vị TTYTPM.LD thuộc tổ chức TTYTPM" in err
    assert "không có trong danh mục" in cli("history", plan, "--unit", "XYZ", expect=2).stderr


def test_activity_list_takes_a_units_code_within_the_plans_organisation(cli, three) -> None:  # type: ignore[no-untyped-def]
    """The Sở's inspection (1.2.2, a series) is owed by TTYTPM.SYT: "SYT" names it in the Phù Mỹ plan."""
    from cchc_flow.models.services.series import open_items
    from cchc_flow.models.store.db import session

    with session() as s:
        open_items(s, "phu-my-2022-2025", 1, date(2022, 7, 1))
    owed = json.loads(cli("activity", "list", "phu-my-2022-2025", "--unit", "syt", "--format", "json").stdout)
    assert {r["id"] for r in owed} == {"1.2.2@2022-H1", "1.2.2@2022-H2"}


def test_a_coordinator_sees_and_ends_only_its_own_organisations_unit_sessions(three) -> None:  # type: ignore[no-untyped-def]
    from fastapi.testclient import TestClient
    from portal import post, rows

    from cchc_flow.web.app import create_app

    app = create_app(as_of=date(2022, 3, 1), background_runs=False)
    with TestClient(app) as ministry_unit, TestClient(app) as centre_unit, TestClient(app) as centre:
        assert sign_in_with_token(ministry_unit, issue("unit", "TCCB")[1]).status_code == 303
        assert sign_in_with_token(centre_unit, issue("unit", "TTYTPM.SYT")[1]).status_code == 303
        assert sign_in_with_token(centre, issue("coordinator", "TTYTPM.TCHC")[1]).status_code == 303
        page = centre.get("/sessions").text
        assert "TTYTPM.SYT" in page and "TCCB" not in page
        ((ministry,),) = rows("select id from web_session where unit_code = 'TCCB'")
        assert post(centre, f"/sessions/{ministry}/end", page="/sessions").status_code == 404
        assert rows("select ended_at from web_session where id = :n", n=ministry) == [(None,)]
        ((own,),) = rows("select id from web_session where unit_code = 'TTYTPM.SYT'")
        assert post(centre, f"/sessions/{own}/end", page="/sessions").status_code == 303
