"""Unit scores read from the record: the review reports' lines (models/services/reviews.py) of a phase, a year or the
whole plan, scored with the plan's weights (models/rules/scores.py)."""

from __future__ import annotations

from datetime import date

from sqlmodel import Session, col, select

from cchc_flow.models.rules.review_report import ActivityLine
from cchc_flow.models.rules.scores import Score, parts_of, score_units, weights_of
from cchc_flow.models.services.activities import get_phase
from cchc_flow.models.services.reviews import build_report
from cchc_flow.models.store.queries import asked_to_explain, get_plan
from cchc_flow.models.store.tables import PhaseRow, UnitRow


def lines_of(
    session: Session, plan_code: str, as_of: date, phase: int | None = None, year: int | None = None
) -> list[ActivityLine]:
    """The review lines of ``phase`` (or every phase) as of ``as_of``; with ``year``, those due that year."""
    plan = get_plan(session, plan_code)
    numbers = (
        [get_phase(session, plan, phase).number]
        if phase is not None
        else list(
            session.exec(
                select(col(PhaseRow.number)).where(col(PhaseRow.plan_id) == plan.id).order_by(col(PhaseRow.number))
            )
        )
    )
    lines = [line for n in numbers for line in build_report(session, plan_code, n, as_of).activities]
    return [line for line in lines if year is None or line.due.year == year]


def unit_scores(
    session: Session, plan_code: str, as_of: date, phase: int | None = None, year: int | None = None
) -> tuple[list[Score], dict[str, float]]:
    """The ranked scores and the weights used."""
    plan = get_plan(session, plan_code)
    parts = parts_of(lines_of(session, plan_code, as_of, phase, year), asked_to_explain(session, plan.id))
    names = {u.code: u.name or u.code for u in session.exec(select(UnitRow))}
    weights = weights_of(plan.spec)
    return score_units(parts, weights, names), weights
