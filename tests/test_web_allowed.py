"""One answer to "who may do what" (models/services/access.py allowed_actions) draws the activity page's forms and
lets an action through; the sign-in links are signed with a salt and rotated keys (models/services/auth.py)."""

from __future__ import annotations

import hashlib
import re

import itsdangerous
import pytest
from portal import PLAN, issue, post, rows, set_states, text_of

FORMS = re.compile(r'action="/activities/[\d.]+/(\w+)"')
FORM_ACTION = {  # the form's address -> the action allowed_actions() names
    "done": "report",
    "note": "note",
    "accept": "accept",
    "return": "return",
    "cancel": "cancel",
    "extend": "extend",
    "extension": "decide_extension",
    "reassign": "reassign",
    "explanation": "ask_explanation",
    "explain": "explain",
}


def _principal(token: str):  # type: ignore[no-untyped-def]
    from cchc_flow.models.services.auth import authenticate
    from cchc_flow.models.store.db import session

    with session() as s:
        return authenticate(s, token)


def _facts(key: str):  # type: ignore[no-untyped-def]
    from cchc_flow.models.store.db import session
    from cchc_flow.models.store.queries import get_plan
    from cchc_flow.web.deps import facts

    with session() as s:
        return facts(s, get_plan(s, PLAN), key)


def test_allowed_actions_by_role_and_state() -> None:
    from cchc_flow.models.services.access import ActivityFacts, allowed_actions
    from cchc_flow.models.services.auth import Principal

    assigned = ActivityFacts("1.1.2", "assigned", "VPB", ("VPB", "T5G"), ("TCCB",))
    reported = ActivityFacts("1.1.2", "reported", "VPB", ("VPB", "T5G"), ("TCCB",))
    overdue = ActivityFacts("1.1.2", "overdue", "VPB", ("T5G",), (), explaining=frozenset({"T5G"}))
    coordinator, lead, partner = Principal("coordinator", "VPB"), Principal("unit", "T5G"), Principal("unit", "TCCB")
    assert allowed_actions(lead, assigned) == {"view", "note", "report", "extend"}
    assert allowed_actions(partner, assigned) == {"view", "note"}
    assert allowed_actions(Principal("unit", "VCL"), assigned) == set()
    assert allowed_actions(Principal("auditor", None), reported) == {"view"}
    assert allowed_actions(Principal("coordinator", "TCCB"), reported) == {"view", "note"}  # another plan's
    assert allowed_actions(coordinator, reported) >= {"accept", "return", "cancel", "reassign"}
    assert "accept" not in allowed_actions(coordinator, assigned)  # nothing reported yet
    assert allowed_actions(lead, overdue) >= {"explain", "report", "extend"}
    assert "explain" not in allowed_actions(lead, assigned) and "ask_explanation" in allowed_actions(
        coordinator, overdue
    )
    assert allowed_actions(None, assigned) == set()


@pytest.mark.parametrize("state", ["assigned", "reported", "overdue", "accepted"])
def test_the_page_draws_exactly_the_forms_allowed_actions_gives(app, client, creds, state) -> None:  # type: ignore[no-untyped-def]
    from cchc_flow.models.services.access import allowed_actions

    set_states(PLAN, state, ["1.1.2"])
    creds["coordinator-TCCB"] = issue("coordinator", "TCCB")
    for holder in ("coordinator", "T5G", "TCCB", "auditor", "coordinator-TCCB"):
        page = client(holder, creds).get("/activities/1.1.2")
        assert page.status_code == 200, holder
        drawn = {FORM_ACTION[m] for m in FORMS.findall(page.text)}
        may = allowed_actions(_principal(creds[holder][1]), _facts("1.1.2")) - {"view"}
        assert drawn == may, (holder, state)


def test_an_action_not_offered_is_refused_before_the_action_runs_and_recorded(app, client, creds) -> None:  # type: ignore[no-untyped-def]
    tccb = client("TCCB", creds)  # a partner: the page offers it a note, not a report
    assert 'action="/activities/1.1.2/done"' not in tccb.get("/activities/1.1.2").text
    r = post(tccb, "/activities/1.1.2/done", {"evidence": "x"}, page="/activities/1.1.2")
    assert r.status_code == 403 and "chỉ đơn vị chủ trì (VPB, T5G)" in text_of(r.text)
    assert rows("select event, source, actor from transition where entity_key = '1.1.2' and event = 'refused'") == [
        ("refused", "web", f"unit:TCCB #{creds['TCCB'][0]}")
    ]
    assert rows("select state from activity where key = '1.1.2'") == [("assigned",)]


def test_a_link_signed_before_a_rotation_is_still_accepted(app, client, monkeypatch, tmp_path) -> None:  # type: ignore[no-untyped-def]
    from cchc_flow.models.notify.links import sign_link
    from cchc_flow.models.services.auth import verify_link
    from cchc_flow.settings import get_settings

    monkeypatch.setenv("CCHC_SECRET", "khoa-cu")
    old = sign_link("T5G")
    monkeypatch.setenv("CCHC_SECRET", "khoa-moi")  # rotated: the new key signs ...
    assert client().get(f"/login?link={old}", follow_redirects=False).status_code == 401
    monkeypatch.setenv("CCHC_SECRET_PREVIOUS", "khoa-cu")  # ... and the old one is still accepted
    r = client().get(f"/login?link={old}", follow_redirects=False)
    assert r.status_code == 303 and r.headers["location"] == "/inbox"
    new = sign_link("T5G")
    assert new != old and verify_link(new).unit == "T5G"
    monkeypatch.setenv("CCHC_SECRET_PREVIOUS", "")  # the old key dropped: its links are worth nothing
    assert client().get(f"/login?link={old}", follow_redirects=False).status_code == 401

    monkeypatch.delenv("CCHC_SECRET")  # the key kept in CCHC_HOME/secret.key, rotated by renaming it
    home = get_settings().home
    from_file = sign_link("T5G")
    (home / "secret.key").rename(home / "secret.key.old")
    assert verify_link(from_file).unit == "T5G" and sign_link("T5G") != from_file  # a new key.old accepted
    (home / "secret.key.old").unlink()
    assert client().get(f"/login?link={from_file}", follow_redirects=False).status_code == 401


def test_a_value_signed_with_the_same_key_for_another_use_is_refused(app, client, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    from cchc_flow.models.notify.links import sign_link

    monkeypatch.setenv("CCHC_SECRET", "mot-khoa")
    good = sign_link("T5G")
    payload = good.rsplit(".", 1)[0]
    other = itsdangerous.Signer(b"mot-khoa", salt="another-use", digest_method=hashlib.sha256)
    for value in (other.sign(payload).decode(), itsdangerous.Signer(b"mot-khoa").sign(payload).decode()):
        r = client().get(f"/login?link={value}", follow_redirects=False)
        assert r.status_code == 401 and "không hợp lệ" in r.text
    assert client().get(f"/login?link={good}", follow_redirects=False).status_code == 303


def test_the_board_draws_the_queues_buttons_allowed_actions_gives(app, client, creds) -> None:  # type: ignore[no-untyped-def]
    from cchc_flow.models.services.access import allowed_actions

    set_states(PLAN, "reported", ["1.1.2", "1.4.1"])
    for holder in ("coordinator", "auditor"):
        queue = client(holder, creds).get("/board").text.split('id="queue"')[1].split("</section>")[0]
        for key in ("1.1.2", "1.4.1"):
            drawn = set(re.findall(rf'action="/activities/{re.escape(key)}/(\w+)"', queue))
            may = allowed_actions(_principal(creds[holder][1]), _facts(key)) & {"accept", "return"}
            assert drawn == may, (holder, key)
            assert drawn == ({"accept", "return"} if holder == "coordinator" else set())
