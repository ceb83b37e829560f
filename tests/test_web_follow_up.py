"""The coordinator's follow-up on the activity page: reassigning the units (with a reason) and asking a lead unit
for an explanation, which the unit answers with text and files; refusals shown on the page, recorded, nothing
changed."""

from __future__ import annotations

import json

from portal import PDF, PLAN, post, rows, set_states, text_of


def _refused_steps() -> list[tuple]:
    return rows("select actor, source from transition where event = 'refused' and entity_key = '1.1.2'")


def _codes(stored: str | list[str]) -> list[str]:
    """A JSON column as read back: text on SQLite, a list on PostgreSQL."""
    return json.loads(stored) if isinstance(stored, str) else stored


def test_the_coordinator_reassigns_from_the_activity_page(app, client, creds) -> None:  # type: ignore[no-untyped-def]
    vpb, vcl = client("coordinator", creds), client("VCL", creds)
    page = vpb.get("/activities/1.1.2").text
    assert 'action="/activities/1.1.2/reassign"' in page and 'value="VPB, T5G"' in page  # the leads in force
    assert 'action="/activities/1.1.2/reassign"' not in client("T5G", creds).get("/activities/1.1.2").text
    r = post(
        vpb,
        "/activities/1.1.2/reassign",
        {"leads": "vcl", "partners": "TCCB", "reason": "T5G sáp nhập"},
        page="/activities/1.1.2",
    )
    assert r.status_code == 303 and r.headers["location"] == "/activities/1.1.2"
    shown = text_of(vpb.get("/activities/1.1.2").text)
    assert "Đã giao lại hoạt động 1.1.2: chủ trì VCL" in shown
    assert "Phân công hiện hành (đã giao lại): chủ trì VCL; phối hợp TCCB" in shown and "T5G sáp nhập" in shown
    assert rows("select source from transition where event = 'reassign' and entity_key = '1.1.2'") == [("web",)]
    [(leads, partners, reason)] = rows("select leads, partners, reason from reassignment")
    assert (_codes(leads), _codes(partners), reason) == (["VCL"], ["TCCB"], "T5G sáp nhập")
    assert "1.1.2" in text_of(vcl.get("/inbox").text)  # the new lead has it, with the report form
    assert 'action="/activities/1.1.2/done"' in vcl.get("/activities/1.1.2").text


def test_a_reassignment_refused_is_shown_with_what_was_typed_and_recorded(app, client, creds) -> None:  # type: ignore[no-untyped-def]
    vpb = client("coordinator", creds)
    for fields, said in (
        ({"leads": "XYZ", "reason": "sáp nhập"}, "không có đơn vị XYZ trong danh mục"),
        ({"leads": "", "reason": "sáp nhập"}, "phải có ít nhất một đơn vị chủ trì"),
        ({"leads": "VCL", "reason": " "}, "Lý do giao lại"),  # required: refused before anything is tried
    ):
        r = post(vpb, "/activities/1.1.2/reassign", fields, page="/activities/1.1.2")
        assert r.status_code in (400, 403), fields
        page = text_of(r.text)
        assert said in page and "không giao lại" in page or said == "Lý do giao lại", (fields, page)
        assert f'value="{fields["leads"]}"' in r.text  # what was typed is kept in the form
    assert len(_refused_steps()) == 2  # the two the rules refused, not the form's missing reason
    assert rows("select count(*) from reassignment") == [(0,)]

    t5g = client("T5G", creds)  # a unit may not reassign: refused before the action runs, and recorded
    r = post(t5g, "/activities/1.1.2/reassign", {"leads": "T5G", "reason": "x"}, page="/activities/1.1.2")
    assert r.status_code == 403 and "chỉ đơn vị đầu mối" in text_of(r.text)
    assert _refused_steps()[-1] == (f"unit:T5G #{creds['T5G'][0]}", "web")
    assert rows("select count(*) from reassignment") == [(0,)]


def test_an_explanation_asked_on_the_page_and_answered_by_the_unit(app, client, creds) -> None:  # type: ignore[no-untyped-def]
    set_states(PLAN, "overdue", ["1.1.2"])
    vpb, t5g, tccb = client("coordinator", creds), client("T5G", creds), client("TCCB", creds)
    assert 'action="/activities/1.1.2/explain"' not in t5g.get("/activities/1.1.2").text  # nothing asked yet

    past = post(
        vpb,
        "/activities/1.1.2/explanation",
        {"unit": "T5G", "by": "2014-03-01", "question": "Vì sao chậm?"},
        page="/activities/1.1.2",
    )
    assert past.status_code == 403 and "đã qua" in text_of(past.text) and "Vì sao chậm?" in past.text
    assert rows("select count(*) from explanation") == [(0,)] and len(_refused_steps()) == 1

    r = post(
        vpb,
        "/activities/1.1.2/explanation",
        {"unit": "T5G", "by": "2014-03-21", "question": "Vì sao chậm?"},
        page="/activities/1.1.2",
    )
    assert r.status_code == 303
    assert "Đã yêu cầu T5G giải trình hoạt động 1.1.2 trước 21/03/2014" in text_of(vpb.get("/activities/1.1.2").text)

    assert 'action="/activities/1.1.2/explain"' not in tccb.get("/activities/1.1.2").text  # not asked: no form
    other = post(tccb, "/activities/1.1.2/explain", {"text": "Thay T5G"}, page="/activities/1.1.2")
    assert other.status_code == 403 and "TCCB không có yêu cầu giải trình nào đang chờ" in text_of(other.text)
    assert _refused_steps()[-1] == (f"unit:TCCB #{creds['TCCB'][0]}", "web")
    assert rows("select state from explanation") == [("open",)]

    page = t5g.get("/activities/1.1.2").text
    assert 'action="/activities/1.1.2/explain"' in page and "Vì sao chậm?" in page
    r = post(
        t5g,
        "/activities/1.1.2/explain",
        {"text": "Chờ số liệu của Sở"},
        files=[("files", ("giai-trinh.pdf", PDF))],
        page="/activities/1.1.2",
    )
    assert r.status_code == 303
    assert rows("select state, answer from explanation") == [("answered", "Chờ số liệu của Sở")]
    assert rows("select kind, unit_code from evidence") == [("explanation", "T5G")]
    shown = text_of(vpb.get("/activities/1.1.2").text)
    assert "Đã giải trình ngày 14/03/2014: Chờ số liệu của Sở" in shown and "giai-trinh.pdf" in shown
    assert 'action="/activities/1.1.2/explain"' not in t5g.get("/activities/1.1.2").text  # answered: no form
