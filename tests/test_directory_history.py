"""Unit renames and mergers in the directory: old codes stay resolvable (plans, tokens, CLI arguments, exports),
the change is recorded, and a directory whose successors are unknown or go round in a circle is refused."""

from __future__ import annotations

from pathlib import Path

import pytest
from portal import set_states

from cchc_flow.models.rules.findings import InputError
from cchc_flow.models.rules.plan import read_directory, read_plan
from cchc_flow.settings import DEFAULT_UNITS

PLAN = "byt-3723-2013-2015"
REFERENCE = Path(__file__).resolve().parents[1] / "config/plans/byt-3723-2013-2015.yaml"


def directory(tmp_path: Path, *entries: str) -> Path:
    path = tmp_path / "units.yaml"
    path.write_text("units:\n" + "".join(entries), encoding="utf-8")
    return path


def unit(code: str, extra: str = "") -> str:
    return f"  - code: {code}\n    name: Đơn vị {code}\n    kind: unit\n{extra}"


def merged(units_yaml: Path, tmp_path: Path, code: str = "T5G", into: str = "TCCB") -> Path:
    """A copy of the reference directory where ``code`` was merged into ``into`` on 01/01/2015."""
    text = units_yaml.read_text("utf-8").replace(
        f"  - code: {code}\n", f"  - code: {code}\n    merged_into: {into}\n    since: 01/01/2015\n", 1
    )
    path = tmp_path / "units-merged.yaml"
    path.write_text(text, encoding="utf-8")
    return path


def test_old_codes_resolve_to_the_unit_they_are_today(tmp_path: Path) -> None:
    d = read_directory(
        directory(
            tmp_path,
            unit("A", "    renamed_to: B\n    since: 2014-07-01\n"),
            unit("B", "    merged_into: C\n"),
            unit("C"),
        )
    )
    assert (d.current("A"), d.current("B"), d.current("C")) == ("C", "C", "C")
    assert (d.units["A"].succession, str(d.units["A"].since), d.units["B"].succession) == (
        "renamed",
        "2014-07-01",
        "merged",
    )
    assert d.resolve("Đơn vị A") == ("A", None)  # the old name still reads as the old code


@pytest.mark.parametrize(
    ("entries", "line", "field", "words"),
    [
        ((unit("A", "    merged_into: ZZ\n"), unit("B")), 5, "units[0].merged_into", "'ZZ' không có trong danh mục"),
        (
            (unit("A", "    renamed_to: B\n"), unit("B", "    merged_into: A\n")),
            5,
            "units[0].renamed_to",
            "vòng lặp A → B → A",
        ),
        ((unit("A", "    merged_into: A\n"),), 5, "units[0].merged_into", "vòng lặp A → A"),
        ((unit("A", "    merged_into: B\n    renamed_to: B\n"), unit("B")), 6, "units[0].renamed_to", "giữ một"),
        ((unit("A", "    since: 2015-01-01\n"),), 5, "units[0].since", "since chỉ dùng cùng merged_into"),
        ((unit("A", "    merged_into: b\n"),), 5, "units[0].merged_into", "không khớp mẫu"),
    ],
)
def test_a_bad_succession_is_refused_naming_file_line_and_field(tmp_path, entries, line, field, words) -> None:  # type: ignore[no-untyped-def]
    path = directory(tmp_path, *entries)
    with pytest.raises(InputError) as caught:
        read_directory(path)
    (error,) = caught.value.errors
    assert (error.file.endswith("units.yaml"), error.line, error.field) == (True, line, field)
    assert words in error.message, error.message


def test_a_plan_naming_a_merged_unit_keeps_its_words_and_says_who_does_the_work(tmp_path: Path) -> None:
    d = read_directory(merged(DEFAULT_UNITS, tmp_path))
    plan, warnings = read_plan(REFERENCE, d)
    assert "T5G" in {r.code for a in plan.activities for r in a.lead}  # the plan's assignment, as written
    said = [w.message for w in warnings if "đã sáp nhập vào TCCB" in w.message]
    assert said and "từ ngày 01/01/2015" in said[0] and "việc của T5G do TCCB đảm nhận" in said[0]


def test_a_merger_keeps_the_old_code_working_and_is_recorded(loaded, cli, tokens, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    import csv
    import io
    import json

    from cchc_flow.flows.phase import run_phase

    run_phase(PLAN, 1, "2014-01-06")  # T5G, a lead of 1.1.2, is told of its work under its own code
    set_states(PLAN, "overdue", ["1.4.2"])  # T5G leads it; asked to explain before the merger
    ask = ("activity", "ask-explanation", "1.4.2", "--unit", "T5G", "--until", "31/12/2099", "--note", "Vì sao?")
    cli(*ask, token=tokens["VPB"])
    units = merged(DEFAULT_UNITS, tmp_path)
    assert "việc của T5G do TCCB đảm nhận" in cli("plan", "check", REFERENCE, "--units", units).stderr
    cli("plan", "load", REFERENCE, "--units", units)
    cli("plan", "load", REFERENCE, "--units", units)  # the same directory again: recorded once
    steps = [r for r in json.loads(cli("history", PLAN, "--format", "json").stdout) if r["entity"] == "unit"]
    assert [(r["key"], r["event"]) for r in steps] == [("T5G", "unit_merged")]
    assert "T5G sáp nhập vào TCCB từ ngày 01/01/2015" in steps[0]["note"] and steps[0]["actor"] == "no-token"

    # CLI arguments: the old code is the unit it is today
    def listed(unit: str) -> list[str]:
        return [a["id"] for a in json.loads(cli("activity", "list", PLAN, "--unit", unit, "--format", "json").stdout)]

    assert "1.1.2" in listed("TCCB") and listed("T5G") == listed("TCCB")
    # a token issued to T5G acts for TCCB, and the history says both
    cli("activity", "done", "1.1.2", "--unit", "T5G", "--evidence", "Đã đăng bài", token=tokens["T5G"])
    history = json.loads(cli("history", PLAN, "--activity", "1.1.2", "--format", "json").stdout)
    report = [r for r in history if r["kind"] == "step"]
    assert report[-1]["event"] == "report" and report[-1]["actor"].startswith("unit:T5G→TCCB #")
    assert "T5G → TCCB" in cli("token", "list").stdout
    cli("activity", "explain", "1.4.2", "--unit", "T5G", "--text", "Chưa có kinh phí", token=tokens["T5G"])
    cli(
        "activity", "reassign", "1.3.2", "--lead", "T5G", "--partners", "-", "--reason", "Giao lại", token=tokens["VPB"]
    )
    given = {a["id"]: a for a in json.loads(cli("activity", "list", PLAN, "--format", "json").stdout)}
    assert given["1.3.2"]["lead"] == ["TCCB"]  # a reassignment to the old code goes to the unit it is today

    # exports: the notices sent to T5G show the unit it is today (JSON keeps the code, with unit_now beside it)
    sent = [r for r in json.loads(cli("history", PLAN, "--unit", "T5G", "--format", "json").stdout) if r["unit"]]
    assert {(r["unit"], r["unit_now"]) for r in sent} == {("T5G", "TCCB"), ("TCCB", None)}  # T5G is TCCB now
    rows = list(
        csv.DictReader(io.StringIO(cli("history", PLAN, "--unit", "TCCB", "--format", "csv").stdout.lstrip("\ufeff")))
    )
    recipients = {r["Đơn vị nhận"] for r in rows}
    assert "T5G → TCCB" in recipients and "TCCB" in recipients  # TCCB's history holds T5G's, under the old code
    assert any(r["Loại"] and r["Mã đối tượng"] == "T5G" for r in rows)  # ... and the merger itself
    directory = {u["code"]: u for u in json.loads(cli("units", "--units", units, "--format", "json").stdout)}
    assert (directory["T5G"]["merged_into"], directory["T5G"]["since"]) == ("TCCB", "2015-01-01")
    assert "merged_into" not in directory["TCCB"]
