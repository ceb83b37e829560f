"""The organisations a database knows, and which organisation a unit, a token or a plan belongs to."""

from __future__ import annotations

from sqlmodel import Session, col, select

from cchc_flow.models.store.tables import MINISTRY, OrganisationRow, PlanRow, UnitRow


def known_organisations(session: Session) -> dict[str, str | None]:
    """code -> name of every stored organisation (the Ministry always: what was stored before organisations)."""
    known: dict[str, str | None] = {MINISTRY: None}
    known.update({r.code: r.name for r in session.exec(select(OrganisationRow))})
    return known


def unit_organisations(session: Session) -> dict[str, str]:
    """unit code -> its organisation's code."""
    return dict(session.exec(select(UnitRow.code, UnitRow.organisation)).all())


def plan_unit(session: Session, plan: PlanRow, code: str) -> str:
    """A unit code as typed for a plan: "TCHC" in a plan of the Phù Mỹ centre is its TTYTPM.TCHC (the plan's
    organisation first); any other code as it is (upper case)."""
    code = code.strip().upper()
    own = f"{plan.organisation}.{code}"
    if plan.organisation != MINISTRY and "." not in code and session.get(UnitRow, own) is not None:
        return own
    return code


def organisation_plans(session: Session, organisation: str | None) -> list[PlanRow]:
    """The loaded plans, in load order; only ``organisation``'s when it is given."""
    query = select(PlanRow).order_by(col(PlanRow.id))
    if organisation is not None:
        query = query.where(PlanRow.organisation == organisation)
    return list(session.exec(query))
