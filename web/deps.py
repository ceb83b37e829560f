"""What every route asks for, as FastAPI dependencies: the read session, the signed-in principal, the plan in view,
the day counted as today, a checked CSRF token, and the activity with what its viewer may do on it.

A route names them in its signature, in the order they are checked (identity before the plan before CSRF):

    def page(who: Reader, plan: Plan, s: ReadSession) -> Response: ...
    def form(who: Signed, plan: Plan, _: Csrf) -> Response: ...

The read session is one per request, closed as soon as the route returns (before the answer is sent); actions open
their own write transaction (web/pages.py act()).
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date
from typing import Annotated

from fastapi import Depends, Form, Request
from sqlmodel import Session, col, select

from cchc_flow.models.rules.calendar import today as calendar_today
from cchc_flow.models.rules.messages import t
from cchc_flow.models.rules.organisations import UnknownOrganisation, chosen_organisation
from cchc_flow.models.rules.plan import organisation_of
from cchc_flow.models.services.access import ActivityFacts
from cchc_flow.models.services.actions import activity_facts
from cchc_flow.models.services.auth import ROLES, Principal
from cchc_flow.models.store.db import get_engine
from cchc_flow.models.store.organisations import known_organisations
from cchc_flow.models.store.tables import ActivityRow, PlanRow
from cchc_flow.web.security import PortalError, check_csrf, principal_of, require, require_coordinator, require_reader


@contextmanager
def reading() -> Iterator[Session]:
    """A session for reading (closed before any action opens its own write transaction)."""
    with Session(get_engine(), expire_on_commit=False) as s:
        yield s


def read_session() -> Iterator[Session]:
    with reading() as s:
        yield s


ReadSession = Annotated[Session, Depends(read_session, scope="function")]


def signed_in(request: Request, s: Session) -> Principal | None:
    """The signed-in principal, or None; kept on the request for the page's menu."""
    who = principal_of(request, s)
    request.state.who = who
    return who


def principal(request: Request, s: ReadSession) -> Principal | None:
    return signed_in(request, s)


Who = Annotated[Principal | None, Depends(principal)]


def signed(who: Who) -> Principal:
    """Anyone signed in (the action then decides who may, and records a refusal)."""
    return require(who, *ROLES)


def unit_or_coordinator(who: Who) -> Principal:
    return require(who, "unit", "coordinator")


def viewer(who: Who) -> Principal:
    return require(who, "unit", "coordinator", "auditor")


Signed = Annotated[Principal, Depends(signed)]
Viewer = Annotated[Principal, Depends(viewer)]


_PLANS = select(PlanRow).order_by(col(PlanRow.id))  # built once: read on every page


def current_plan(request: Request, s: ReadSession, who: Who) -> PlanRow:
    """The plan in view, among those the viewer may choose (see ``chooser_organisation``): ?plan=, else the one
    chosen before (session), else the latest loaded. The chooser lists them by organisation."""
    org = chooser_organisation(request, s, who)
    plans = list(s.exec(_PLANS if org is None else _PLANS.where(PlanRow.organisation == org)))
    if not plans:
        raise PortalError(404, t("web.no_plan"))
    grouped: dict[str, list[str]] = {}
    for p in plans:
        grouped.setdefault(p.organisation, []).append(p.code)
    names = known_organisations(s) if len(plans) > 1 else {}  # the chooser shows only then
    request.state.plans = tuple((code, names.get(code), tuple(codes)) for code, codes in sorted(grouped.items()))
    wanted = request.query_params.get("plan") or request.session.get("plan")
    plan = next((p for p in plans if p.code == wanted), plans[-1])
    if request.query_params.get("plan") == plan.code and len(plans) > 1:
        request.session["plan"] = plan.code
    request.state.plan = plan
    return plan


def chooser_organisation(request: Request, s: Session, who: Principal | None) -> str | None:
    """The organisation whose plans the viewer chooses from: a unit's (or coordinator's) own; else ?org= (404 naming
    the known ones when it names none); else None, every organisation's."""
    if who is not None and who.unit:
        return organisation_of(who.unit)
    if org := request.query_params.get("org"):
        try:
            return chosen_organisation(org, known_organisations(s))
        except UnknownOrganisation as exc:
            raise PortalError(404, str(exc)) from None
    return None


Plan = Annotated[PlanRow, Depends(current_plan)]


def coordinator(plan: Plan, who: Who) -> Principal:
    """The plan's coordinator only."""
    return require_coordinator(who, plan)


def reader(plan: Plan, who: Who) -> Principal:
    """The plan's coordinator, or an auditor (read only)."""
    return require_reader(who, plan)


Coordinator = Annotated[Principal, Depends(coordinator)]
Reader = Annotated[Principal, Depends(reader)]


def today(request: Request) -> date:
    """The day the portal counts as today (create_app's as_of, else the calendar's)."""
    return request.app.state.as_of or calendar_today(None)


Today = Annotated[date, Depends(today)]


def csrf_checked(request: Request, csrf: Annotated[str | None, Form()] = None) -> None:
    """Refuse (403) a form whose CSRF token is not the session's."""
    check_csrf(request, csrf)


Csrf = Annotated[None, Depends(csrf_checked)]


def facts(s: Session, plan: PlanRow, key: str) -> ActivityFacts | None:
    """The activity's facts for models/services/access.py, or None when the plan has no such activity."""
    row = s.exec(
        select(ActivityRow).where(ActivityRow.plan_id == plan.id, ActivityRow.key == key, ActivityRow.in_plan)
    ).first()
    return activity_facts(s, plan, row) if row is not None else None
