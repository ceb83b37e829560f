"""Reassignment: the coordinator changes an activity's lead or partner units (a unit merged, renamed, or unable),
with a reason. The plan's own assignment stays as written (activity_unit); the latest reassignment is in force
(models/queries.roles_by_activity) and shown beside it. Recorded, and the old and new units are told."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date

from sqlmodel import Session, select

from cchc_flow.models.rules.due import Role
from cchc_flow.models.rules.lifecycle import FINAL
from cchc_flow.models.rules.messages import t
from cchc_flow.models.rules.successions import current_code
from cchc_flow.models.services.access import Refusal, acted_by
from cchc_flow.models.services.actions import (
    ActionResult,
    _details,
    _need,
    _notify,
    _sequence,
    roles_of,
)
from cchc_flow.models.services.auth import Principal
from cchc_flow.models.services.follow_up import follow_up
from cchc_flow.models.store.history import record
from cchc_flow.models.store.queries import roles_by_activity, successors
from cchc_flow.models.store.tables import ReassignmentRow, UnitRow


def reassignment_problem(
    *,
    state: str,
    leads: Sequence[str],
    partners: Sequence[str],
    known: set[str],
    current: tuple[Sequence[str], Sequence[str]],
) -> str | None:
    """Why an activity in ``state`` may not be given to ``leads`` and ``partners`` (a pure rule), or None.

    ``known``: the unit codes of the directory; ``current``: its (leads, partners) in force now.
    """
    if state in FINAL:
        return t("reassign.final", state=t(f"state.{state}"))
    if not leads:
        return t("reassign.nobody")
    unknown = [u for u in (*leads, *partners) if u not in known]
    if unknown:
        return t("reassign.unknown", units=", ".join(unknown))
    both = sorted(set(leads) & set(partners))
    if both:
        return t("reassign.both", units=", ".join(both))
    if (list(leads), list(partners)) == (list(current[0]), list(current[1])):
        return t("reassign.same")
    return None


def codes(text: str | None) -> list[str] | None:
    """'t5g, TCCB' -> ['T5G', 'TCCB'] (None: not given; '' or '-': none)."""
    if text is None:
        return None
    return list(dict.fromkeys(c.strip().upper() for c in text.split(",") if c.strip() and c.strip() != "-"))


def reassign(
    session: Session,
    *,
    principal: Principal,
    plan_code: str | None,
    key: str,
    leads: list[str] | None,
    partners: list[str] | None = None,
    reason: str,
    by: str | None = None,
    stated_name: str | None = None,
    source: str = "cli",
    today: date | None = None,
) -> ActionResult:
    """The coordinator gives the activity to ``leads`` (None: unchanged) and ``partners`` (None: unchanged)."""
    reason = _need(reason, "--reason")
    with follow_up(
        session,
        principal,
        plan_code,
        key,
        "reassign",
        today=today,
        stated_name=stated_name,
        source=source,
        coordinator=True,
        by=by,
    ) as f:
        plan, act, code, today = f.plan, f.act, f.code, f.today
        now = roles_by_activity(session, plan.id).get(act.id, {"lead": [], "partner": []})
        old_leads, old_partners = roles_of(session, plan, act)
        renamed = successors(session)  # a former code stands for the unit it is today
        new_leads = now["lead"] if leads is None else list(dict.fromkeys(current_code(c, renamed) for c in leads))
        new_partners = (
            now["partner"] if partners is None else list(dict.fromkeys(current_code(c, renamed) for c in partners))
        )
        known = set(session.exec(select(UnitRow.code)).all())
        problem = reassignment_problem(
            state=act.state, leads=new_leads, partners=new_partners, known=known, current=(now["lead"], now["partner"])
        )
        if problem:
            raise Refusal(plan.id, "activity", key, act.state, t("reassign.refused", id=key, reason=problem))
        session.add(
            ReassignmentRow(
                plan_id=plan.id,
                activity_id=act.id,
                leads=list(new_leads),
                partners=list(new_partners),
                reason=reason,
                actor=acted_by(principal)["actor"],
            )
        )
        session.flush()
        record(
            session,
            plan_id=plan.id,
            entity="activity",
            key=key,
            event="reassign",
            from_state=act.state,
            to_state=act.state,
            source=source,
            on=today,
            note=t(
                "reassign.note",
                unit=code,
                old_leads=", ".join(now["lead"]) or "—",
                leads=", ".join(new_leads),
                old_partners=", ".join(now["partner"]) or "—",
                partners=", ".join(new_partners) or "—",
                reason=reason,
            ),
            **acted_by(principal, stated_name),
        )
        leads_now, partners_now = roles_of(session, plan, act)
        details = _details(session, act, unit=code, text=reason, old=", ".join(old_leads) or "—")
        seq = _sequence(session, act)
        told = _notify(session, plan, act, "reassigned", leads_now, Role.LEAD, seq, details, today)
        told += _notify(
            session,
            plan,
            act,
            "reassigned",
            tuple(p for p in partners_now if p not in leads_now),
            Role.PARTNER,
            seq,
            details,
            today,
        )
        relieved = tuple(u for u in (*old_leads, *old_partners) if u not in (*leads_now, *partners_now))
        told += _notify(session, plan, act, "relieved", relieved, Role.LEAD, seq, details, today)
        return ActionResult(plan.id, key, act.state, tuple(dict.fromkeys(told)))
