"""Requests for explanation: the pure rules (asking, escalation in the due logic), asking and answering with their
refusals, and the review report listing the explanations given."""

from __future__ import annotations

from dataclasses import replace
from datetime import date

import pytest
from faults import rows
from portal import set_states

from cchc_flow.models.rules.due import Facts, Notice, Parties, Role, decide
from cchc_flow.models.services.explanations import ask_problem

PLAN = "byt-3723-2013-2015"
PARTIES = Parties(coordinator="VPB", leadership="LDB")


def test_who_may_be_asked() -> None:
    def problem(**kw):  # type: ignore[no-untyped-def]
        args = dict(
            state="overdue",
            unit="T5G",
            leads=("VPB", "T5G"),
            by=date(2015, 1, 20),
            today=date(2015, 1, 10),
            already_open=False,
        )
        return ask_problem(**{**args, **kw})

    assert problem() is None and problem(state="returned") is None
    assert "chỉ yêu cầu giải trình khi" in problem(state="assigned")
    assert "không chủ trì" in problem(unit="TCCB")
    assert "đã qua" in problem(by=date(2015, 1, 9))
    assert "chưa trả lời" in problem(already_open=True)


def test_unanswered_by_its_date_is_escalated_by_the_due_logic() -> None:
    facts = Facts(
        key="1.4.2",
        state="overdue",
        start=date(2014, 1, 1),
        end=date(2014, 12, 31),
        leads=("T5G",),
        partners=(),
        explanations=((7, "T5G", date(2015, 1, 16)),),
    )  # by Friday 16/01/2015
    assert not [m for m in decide(facts, date(2015, 1, 16), PARTIES).messages if m.notice == Notice.EXPLANATION_MISSING]
    missing = [
        (m.recipient, m.role, m.offset)
        for m in decide(facts, date(2015, 1, 19), PARTIES).messages
        if m.notice == Notice.EXPLANATION_MISSING
    ]  # the next working day: Monday 19/01/2015
    assert missing == [("LDB", Role.LEADERSHIP, 7), ("T5G", Role.LEAD, 7)]
    reported = replace(facts, state="reported")  # a later report does not answer the request
    assert [m.notice for m in decide(reported, date(2015, 1, 19), PARTIES).messages] == [Notice.EXPLANATION_MISSING] * 2
    answered = replace(facts, explanations=())
    assert Notice.EXPLANATION_MISSING not in [m.notice for m in decide(answered, date(2015, 1, 19), PARTIES).messages]


def test_ask_answer_refusals_and_the_review(loaded, principals, tmp_path) -> None:  # type: ignore[no-untyped-def]
    from cchc_flow.models.reports.review_render import render_markdown
    from cchc_flow.models.services.actions import ActionRefused
    from cchc_flow.models.services.activities import phase_view
    from cchc_flow.models.services.explanations import ask_explanation, give_explanation
    from cchc_flow.models.services.reviews import build_report
    from cchc_flow.models.store.db import session

    set_states(PLAN, "overdue", ["1.4.2"])  # VPB, T5G lead
    vpb, t5g, tccb = principals["VPB"], principals["T5G"], principals["TCCB"]
    with session() as s, pytest.raises(ActionRefused, match="chỉ đơn vị đầu mối"):
        ask_explanation(
            s,
            principal=t5g,
            plan_code=PLAN,
            key="1.4.2",
            unit="T5G",
            by=date(2015, 1, 16),
            question="Vì sao chưa tổ chức hội thảo?",
            today=date(2015, 1, 6),
        )
    with session() as s:
        ask_explanation(
            s,
            principal=vpb,
            plan_code=PLAN,
            key="1.4.2",
            unit="t5g",
            by=date(2015, 1, 16),
            question="Vì sao chưa tổ chức hội thảo?",
            today=date(2015, 1, 6),
        )
    assert rows("select recipient from notification where notice = 'explanation_asked'") == [("T5G",)]
    with session() as s:  # the phase flow's facts carry the open request
        facts = next(a.facts for a in phase_view(s, PLAN, 1).activities if a.facts.key == "1.4.2")
    assert [(u, str(by)) for _, u, by in facts.explanations] == [("T5G", "2015-01-16")]
    with session() as s, pytest.raises(ActionRefused, match="không có yêu cầu giải trình"):
        give_explanation(s, principal=tccb, plan_code=PLAN, key="1.4.2", text="x", today=date(2015, 1, 8))
    assert rows("select event from transition where entity_key = '1.4.2' order by id desc limit 1") == [("refused",)]
    evidence = tmp_path / "ke-hoach-hoi-thao.txt"
    evidence.write_text("Kế hoạch tổ chức quý I/2015", encoding="utf-8")
    with session() as s:
        give_explanation(
            s,
            principal=t5g,
            plan_code=PLAN,
            key="1.4.2",
            text="Chưa bố trí được kinh phí",
            attachments=[evidence],
            today=date(2015, 1, 12),
        )
    assert rows("select state, answer from explanation") == [("answered", "Chưa bố trí được kinh phí")]
    with session() as s:
        facts = next(a.facts for a in phase_view(s, PLAN, 1).activities if a.facts.key == "1.4.2")
        report = build_report(s, PLAN, 1, date(2015, 1, 26))
    assert facts.explanations == ()  # answered: nothing to escalate
    md = render_markdown(report)
    assert "## Giải trình của các đơn vị" in md
    assert (
        "1.4.2 — T5G, được yêu cầu ngày 06/01/2015 (hạn 16/01/2015): Vì sao chưa tổ chức hội thảo?. "
        "Giải trình ngày 12/01/2015: Chưa bố trí được kinh phí" in md
    )
    assert "ke-hoach-hoi-thao.txt" in md  # the answer's file, with the activity's evidence
