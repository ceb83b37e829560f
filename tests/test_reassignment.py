"""Reassignment: the pure rule, the coordinator's command, the plan's words kept, the units told, refusals."""

from __future__ import annotations

from faults import rows
from portal import set_states

from cchc_flow.models.services.reassignment import codes, reassignment_problem

PLAN = "byt-3723-2013-2015"
KNOWN = {"VPB", "T5G", "TCCB", "SKDS"}


def test_the_rule() -> None:
    def problem(**kw):  # type: ignore[no-untyped-def]
        args = dict(state="assigned", leads=["TCCB"], partners=["T5G"], known=KNOWN, current=(["VPB", "T5G"], []))
        return reassignment_problem(**{**args, **kw})

    assert problem() is None
    assert "ít nhất một đơn vị chủ trì" in problem(leads=[])  # to nobody
    assert "không có đơn vị XYZ trong danh mục" in problem(leads=["XYZ"])  # not in the directory
    assert "vừa chủ trì vừa phối hợp" in problem(partners=["TCCB"])
    assert "không đổi" in problem(leads=["VPB", "T5G"], partners=[])
    assert "đã công nhận" in problem(state="accepted")
    assert codes(" t5g, TCCB,t5g ") == ["T5G", "TCCB"] and codes("-") == [] and codes(None) is None


def test_reassign_keeps_the_plans_words_and_tells_old_and_new(loaded, cli, tokens) -> None:  # type: ignore[no-untyped-def]
    import json

    set_states(PLAN, "assigned", ["1.5.1"])  # the plan: VPB, T5G lead
    out = cli(
        "activity",
        "reassign",
        "1.5.1",
        "--lead",
        "vcl",
        "--partners",
        "VPB",
        "--reason",
        "T5G sáp nhập vào Viện chiến lược",
        token=tokens["VPB"],
    )
    assert out.exit_code == 0
    written = rows(
        "select u.role, u.unit_code, u.as_written from activity_unit u join activity a "
        "on a.id = u.activity_id where a.key = '1.5.1' order by u.role, u.position"
    )
    assert [r[1] for r in written if r[0] == "lead"] == ["VPB", "T5G"]  # the plan's own, unchanged
    listed = {r["id"]: r for r in json.loads(cli("activity", "list", PLAN, "--unit", "VCL", "--format", "json").stdout)}
    assert listed["1.5.1"]["lead"] == ["VCL"] and listed["1.5.1"]["role"] == "lead"
    history = json.loads(cli("history", PLAN, "--unit", "VCL", "--format", "json").stdout)
    assert ("1.5.1", "reassign") in {(r["key"], r["event"]) for r in history}  # the unit's history has it
    step = rows("select event, actor, note from transition where entity_key = '1.5.1' order by id desc limit 1")[0]
    assert step[0] == "reassign" and step[1].startswith("coordinator:VPB")
    assert "chủ trì VPB, T5G → VCL" in step[2] and "T5G sáp nhập vào Viện chiến lược" in step[2]
    told = set(rows("select notice, recipient from notification where entity_key = '1.5.1'"))
    assert told == {
        ("reassigned", "VCL"),
        ("reassigned", "VPB"),  # the new lead and partner
        ("relieved", "T5G"),
        ("relieved", "TCCB"),
        ("relieved", "TTKT"),
    }  # no longer on it (DVLQ: a group, no members)
    # refused, recorded, nothing changed: a unit not in the directory, nobody, another unit than the coordinator
    before = rows("select count(*) from reassignment")
    for args, token, expected in (
        (["--lead", "XYZ"], "VPB", "không có đơn vị XYZ"),
        (["--lead", "-"], "VPB", "ít nhất một đơn vị chủ trì"),
        (["--lead", "T5G"], "T5G", "chỉ đơn vị đầu mối"),
    ):
        result = cli("activity", "reassign", "1.5.1", *args, "--reason", "x", token=tokens[token], expect=2)
        assert expected in result.stderr and "Traceback" not in result.stderr
        assert rows("select event from transition where entity_key = '1.5.1' order by id desc limit 1") == [
            ("refused",)
        ]
    assert rows("select count(*) from reassignment") == before
