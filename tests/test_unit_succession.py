"""After a unit is merged or renamed in the directory: review and periodic-report notices go to the unit it is on
the day they are sent, reports submitted under the old code count for its successor, and a sign-in link issued to
the old code acts for the successor. The plan's own text stays as written."""

from __future__ import annotations

import json
from pathlib import Path

from portal import rows, text_of
from test_directory_history import REFERENCE, merged

from cchc_flow.settings import DEFAULT_UNITS

PLAN = "byt-3723-2013-2015"
DUTY = "bao-cao-dinh-ky"
MISSING = "select details from notification where notice = 'report_missing' and entity_key = :k"


def renamed_office(tmp_path: Path) -> Path:
    """The reference directory where the Ministry Office (VPB, the plan's coordinator and the reports' recipient)
    is renamed VPBM on 01/06/2014."""
    text = DEFAULT_UNITS.read_text("utf-8").replace(
        "  - code: VPB\n", "  - code: VPB\n    renamed_to: VPBM\n    since: 01/06/2014\n", 1
    )
    text += "\n  - code: VPBM\n    name: Văn phòng Bộ (mới)\n    kind: unit\n    tags: [unit-vpb]\n"
    path = tmp_path / "units-renamed.yaml"
    path.write_text(text, encoding="utf-8")
    return path


def recipients(entity: str, notice: str, key: str | None = None) -> set[str]:
    sql = "select recipient, entity_key from notification where entity = :entity and notice = :notice"
    return {r for r, k in rows(sql, entity=entity, notice=notice) if key is None or k == key}


def test_review_and_report_notices_go_to_the_unit_it_is_on_the_day_they_are_sent(loaded, cli, tmp_path) -> None:  # type: ignore[no-untyped-def]
    cli("plan", "load", REFERENCE, "--units", renamed_office(tmp_path))
    cli("report", "run", PLAN, "--as-of", "2013-12-16")  # before the renaming: the Office under its old code
    assert recipients("report", "report_missing", f"{DUTY}/2013") == {"VPB"}
    cli("report", "run", PLAN, "--as-of", "2014-06-16")  # after it: the unit it is that day
    assert recipients("report", "report_missing", f"{DUTY}/2014-H1") == {"VPBM"}
    (details,) = [json.loads(d) if isinstance(d, str) else d for (d,) in rows(MISSING, k=f"{DUTY}/2014-H1")]
    assert details["to"] == "VPBM" and "VPBM" not in details["missing"] and "VPB" not in details["missing"]

    cli("review", "run", PLAN, "--phase", "1", "--as-of", "2015-01-05")
    assert recipients("review", "review") == {"LDB", "VPBM"}
    assert rows("select focal_unit from plan where code = :c", c=PLAN) == [("VPB",)]  # the plan as written
    shown = json.loads(cli("plan", "show", PLAN, "--format", "json").stdout)
    assert shown["plan"]["focal_unit"] == "VPB"


def test_reports_under_an_old_code_count_for_its_successor(loaded, cli, tokens, tmp_path) -> None:  # type: ignore[no-untyped-def]
    f = tmp_path / "bao-cao.docx"
    f.write_bytes(b"PK bao cao")
    cli("report", "submit", "--unit", "T5G", "--period", "2014", "--file", f, token=tokens["T5G"])  # before the merger
    cli("plan", "load", REFERENCE, "--units", merged(DEFAULT_UNITS, tmp_path))  # T5G into TCCB on 01/01/2015
    status = {r["period"]: r for r in json.loads(cli("report", "status", PLAN, "--format", "json").stdout)}
    assert "TCCB" in status["2014"]["submitted"] and "TCCB" not in status["2014"]["missing"]
    assert "T5G" not in status["2014"]["missing"] + status["2014"]["submitted"]
    assert "TCCB" in status["2014-H1"]["missing"]  # what neither sent is still owed, by the unit it is today

    cli("report", "run", PLAN, "--as-of", "2015-01-05")
    (details,) = [json.loads(d) if isinstance(d, str) else d for (d,) in rows(MISSING, k=f"{DUTY}/2014")]
    assert "TCCB" not in details["missing"] and "T5G" not in details["missing"]

    # a late letter written under the old code, after the merger: recorded for the unit it was that day
    letter = ("--as-of", "2015-06-20", "--letter", "Công văn 12/T5G ngày 20/06/2015")
    cli("report", "submit", "--unit", "T5G", "--period", "2015-H1", "--file", f, *letter, token=tokens["VPB"])
    assert rows("select unit_code from submission where period = '2015-H1'") == [("TCCB",)]


def test_a_link_issued_to_an_old_code_signs_in_as_its_successor(loaded, cli, client, tmp_path) -> None:  # type: ignore[no-untyped-def]
    from cchc_flow.models.notify.links import sign_link
    from cchc_flow.models.services.auth import link_principal
    from cchc_flow.models.store.db import session

    old = sign_link("T5G")  # sent in a message before the merger
    cli("plan", "load", REFERENCE, "--units", merged(DEFAULT_UNITS, tmp_path))
    with session() as s:
        who = link_principal(s, old)
    assert (who.unit, who.label) == ("TCCB", "unit:T5G→TCCB")

    c = client()
    r = c.get(f"/login?link={old}&next=/inbox", follow_redirects=False)
    assert r.status_code == 303 and r.headers["location"] == "/inbox"
    inbox = text_of(c.get("/inbox").text)
    assert "TCCB" in inbox and "1.1.2" in inbox  # T5G's work, now TCCB's
    assert rows("select unit_code, via from web_session") == [("T5G", "link")]  # as issued; acting as TCCB
    # already signed in as TCCB: the old link is the same unit, no question asked
    assert c.get(f"/login?link={old}&next=/inbox", follow_redirects=False).headers["location"] == "/inbox"


def test_a_phase_run_sends_to_the_unit_as_it_is_on_the_run_day(loaded, cli, tmp_path) -> None:  # type: ignore[no-untyped-def]
    """T5G is merged into TCCB from 01/01/2015: a run of a day in 2013 tells T5G (the merger is not in force yet), a
    run of a day in 2015 tells TCCB what T5G's share had become."""
    cli("plan", "load", REFERENCE, "--units", merged(DEFAULT_UNITS, tmp_path))
    cli("phase", "run", PLAN, "1", "--as-of", "2013-10-01")
    assert rows("select count(*) from notification where recipient = 'T5G'") == [(1,)]
    cli("phase", "run", PLAN, "1", "--as-of", "2015-01-05")
    later = "select distinct recipient from notification where as_of >= '2015-01-01'"
    assert "TCCB" in {r for (r,) in rows(later)} and "T5G" not in {r for (r,) in rows(later)}
