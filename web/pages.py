"""The portal's pages and forms. Every route says who may use it (web/security.py); every change goes through the
same functions as the CLI: report_done, add_note, coordinator_decides (models/services/actions.py), submit_report
(models/services/periodic.py), run_phase (flows/phase.py), run_review (flows/review.py), then deliver_now (flows/delivery.py).

| route                                   | who                                                               |
|-----------------------------------------|-------------------------------------------------------------------|
| GET  /login, POST /login                | anyone (a signed link, or a token; the form has CSRF)             |
| POST /login/link                        | anyone (CSRF): a sign-in link confirmed while another session was |
|                                         | open                                                              |
| POST /logout                            | anyone (CSRF); ends the session in the database                   |
| GET  /sessions, POST /sessions/{id}/end | the plan's coordinator (CSRF): unit officers' open sessions       |
| GET  /inbox                             | unit officer, coordinator (their own unit)                        |
| GET  /activities/{id}                   | units leading or partnering it, the coordinator, auditors         |
| GET  /evidence/{id}/{n}                 | as the activity page                                              |
| POST /activities/{id}/done, /note       | signed in (CSRF); report_done / add_note decide: a lead (note: a  |
|                                         | unit concerned), for its own unit only; refusals recorded         |
| POST /activities/{id}/accept, /return,  | signed in (CSRF); coordinator_decides decides: the coordinator    |
|      /cancel                            | (a return needs a note, a cancellation a reason)                  |
| POST /reports/{period}                  | signed in (CSRF); submit_report decides: a unit owing it          |
| GET  /board, /timeline                  | the plan's coordinator, auditors (read only)                      |
| POST /runs/phase, /runs/review          | the plan's coordinator (CSRF)                                     |
| GET  /history, /history/export.{fmt}    | the plan's coordinator, auditors                                  |
| GET  /audit, /reviews, /reviews/{n}.{f} | the plan's coordinator, auditors                                  |
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import date
from functools import partial
from pathlib import Path
from typing import Annotated, Any
from urllib.parse import urlencode

from fastapi import APIRouter, File, Form, Request, UploadFile
from fastapi.responses import FileResponse, RedirectResponse, Response
from fastapi.templating import Jinja2Templates
from sqlmodel import Session, select
from starlette.background import BackgroundTask

from cchc_flow.models.rules.calendar import DateError, parse_date
from cchc_flow.models.rules.calendar import today as calendar_today
from cchc_flow.models.rules.messages import MESSAGES, language, t
from cchc_flow.models.rules.status import Status
from cchc_flow.models.services.auth import ROLES, AuthError, Principal, authenticate, verify_link
from cchc_flow.models.store.db import get_engine
from cchc_flow.models.store.tables import ActivityRow, PlanRow, UnitRow
from cchc_flow.web import views, words
from cchc_flow.web.gantt import STATE_COLOURS
from cchc_flow.web.security import (
    PortalError,
    check_csrf,
    csrf_token,
    principal_of,
    require,
    require_coordinator,
    require_reader,
    safe_next,
    sign_in,
    sign_out,
)
from cchc_flow.web.uploads import ALLOWED, given, limit_text, saved

router = APIRouter()
TEMPLATES = Jinja2Templates(directory=str(Path(__file__).resolve().parent / "templates"))
TEMPLATES.env.filters["d"] = lambda day: (
    (date.fromisoformat(day) if isinstance(day, str) else day).strftime("%d/%m/%Y") if day else ""
)
TEMPLATES.env.filters["local"] = views.local_time
TEMPLATES.env.globals["backdated"] = views.backdated
TEMPLATES.env.globals["STATE_COLOURS"] = STATE_COLOURS
TEMPLATES.env.globals["STATUSES"] = [s.value for s in Status]
HOME = {"unit": "/inbox", "coordinator": "/board", "auditor": "/history"}
CsrfField = Annotated[str | None, Form(alias="csrf")]


# ------------------------------------------------------------------------------------------------ plumbing


@contextmanager
def reading() -> Iterator[Session]:
    """A session for reading (closed before any action opens its own write transaction)."""
    with Session(get_engine(), expire_on_commit=False) as s:
        yield s


def signed_in(request: Request, s: Session) -> Principal | None:
    who = principal_of(request, s)
    request.state.who = who
    return who


def current_plan(request: Request, s: Session) -> PlanRow:
    """The plan in view: ?plan=, else the one chosen before (session), else the latest loaded."""
    plans = list(s.exec(select(PlanRow).order_by(PlanRow.id)))
    if not plans:
        raise PortalError(404, t("web.no_plan"))
    request.state.plans = [p.code for p in plans]
    wanted = request.query_params.get("plan") or request.session.get("plan")
    plan = next((p for p in plans if p.code == wanted), plans[-1])
    if request.query_params.get("plan") == plan.code and len(plans) > 1:
        request.session["plan"] = plan.code
    request.state.plan = plan
    return plan


def today(request: Request) -> date:
    return request.app.state.as_of or calendar_today(None)


def flash(request: Request, text: str, level: str = "ok") -> None:
    request.session["flash"] = [*request.session.get("flash", []), [level, text]]


def back(url: str) -> RedirectResponse:
    return RedirectResponse(url, status_code=303)


def notice_label(code: str, lang: str) -> str:
    """A notice's headline without its figures (REMINDER, OVERDUE...), or its code."""
    key = f"headline.{code}"
    return t(key, lang, offset="", title="").split(":")[0].strip() if key in MESSAGES else code


def render(request: Request, name: str, status: int = 200, **ctx: Any) -> Response:
    lang = request.state.lang
    messages = request.session.pop("flash", []) if "flash" in request.session else []
    switch = {code: request.url.include_query_params(lang=code) for code in ("vi", "en")}
    context = {
        "lang": lang,
        "_": partial(t, lang=lang),
        "has": MESSAGES.__contains__,
        "notice": partial(notice_label, lang=lang),
        "word": partial(words.word, lang=lang),
        "change": partial(words.change, lang=lang),
        "person": _person(lang),
        "who": getattr(request.state, "who", None),
        "plan": getattr(request.state, "plan", None),
        "plans": getattr(request.state, "plans", []),
        "csrf": csrf_token(request),
        "flash": messages,
        "switch": {k: f"{u.path}?{u.query}" for k, u in switch.items()},
        "today": today(request),
        "path": request.url.path,
        **ctx,
    }
    return TEMPLATES.TemplateResponse(request, name, context, status_code=status)


def _person(lang: str) -> Callable[[str | None], str]:
    """words.person with the units' names, read once per page and only if the page names someone."""
    names: dict[str, str] = {}

    def person(text: str | None) -> str:
        if not names and text and words.PRINCIPAL.search(text):
            with reading() as s:
                names.update(views.unit_names(s))
        return words.person(text, names, lang)

    return person


def routes_usable() -> None:
    """Refuse to act when the routes file cannot be used, as the CLI does (cchc_flow.flows.delivery.check_routes)."""
    from cchc_flow.flows.delivery import RoutesInvalid, check_routes

    try:
        check_routes()
    except RoutesInvalid as exc:
        raise PortalError(503, str(exc)) from None


def act(request: Request, fn: Callable[..., Any], who: Principal, **kwargs: Any) -> Any:
    """Run a unit's or the coordinator's action as the signed-in principal, then deliver what it queued (in the
    configured language). The action decides who may (and records a refusal, models/services/access.py): the portal does
    not decide it a second time."""
    from cchc_flow.flows.delivery import deliver_now
    from cchc_flow.models.rules.lifecycle import IllegalTransition
    from cchc_flow.models.services.actions import ActionInputError, ActionRefused
    from cchc_flow.models.services.activities import ConcurrentChange
    from cchc_flow.models.store.attachments import AttachmentError

    routes_usable()
    try:
        with reading() as s:
            result = fn(s, principal=who, source="web", today=today(request), **kwargs)
    except (ActionRefused, AuthError, PermissionError) as exc:
        raise PortalError(403, str(exc)) from None
    except (IllegalTransition, ConcurrentChange) as exc:
        raise PortalError(409, str(exc)) from None
    except AttachmentError as exc:
        raise PortalError(413, str(exc)) from None
    except ActionInputError as exc:
        raise PortalError(400, str(exc)) from None
    with language(None):  # messages to units speak the configured language, not the page's
        problems = deliver_now(result.plan_id, result.notified, today(request))
    for problem in problems:
        flash(request, problem, "warn")
    return result


# ------------------------------------------------------------------------------------------------ signing in


@router.get("/")
def home(request: Request) -> Response:
    with reading() as s:
        who = signed_in(request, s)
    return back(HOME[who.role] if who else "/login")


@router.get("/login")
def login_page(request: Request, link: str | None = None, next: str | None = None) -> Response:
    """A signed link from a message opens a session for its unit at once; while another session is open in this
    browser, it asks first (a link sent by someone else must not silently replace it). Otherwise the token form."""
    with reading() as s:
        current = signed_in(request, s)
        if link:
            try:
                who = _link_principal(s, link)
            except AuthError as exc:
                return render(request, "login.html", status=401, error=str(exc), next=safe_next(next))
            if current is not None and (current.role, current.unit) != (who.role, who.unit):
                return render(
                    request,
                    "switch.html",
                    link=link,
                    next=safe_next(next),
                    unit=who.unit,
                    current=f"{t(f'web.role.{current.role}')} {current.unit or ''}".strip(),
                )
            if current is None:
                sign_in(request, who, "link")
            return back(safe_next(next) or HOME[who.role])
    return render(request, "login.html", next=safe_next(next))


def _link_principal(s: Session, link: str) -> Principal:
    """The unit officer a signed link is for (AuthError when forged, expired, or for a unit not in the directory)."""
    who = verify_link(link)
    if s.get(UnitRow, who.unit) is None:
        raise AuthError(t("auth.forged"))
    return who


@router.post("/login/link")
def login_link(
    request: Request,
    link: Annotated[str, Form()] = "",
    csrf: CsrfField = None,
    next: Annotated[str | None, Form()] = None,
) -> Response:
    """Switch to the link's unit, once the officer confirmed it on the page above."""
    check_csrf(request, csrf)
    with reading() as s:
        try:
            who = _link_principal(s, link)
        except AuthError as exc:
            return render(request, "login.html", status=401, error=str(exc), next=safe_next(next))
    sign_in(request, who, "link")
    return back(safe_next(next) or HOME[who.role])


@router.post("/login")
def login_token(
    request: Request,
    token: Annotated[str, Form()] = "",
    csrf: CsrfField = None,
    next: Annotated[str | None, Form()] = None,
) -> Response:
    check_csrf(request, csrf)
    with reading() as s:
        try:
            who = authenticate(s, token)
        except AuthError as exc:
            return render(request, "login.html", status=401, error=str(exc), next=safe_next(next))
    sign_in(request, who, "token")
    return back(safe_next(next) or HOME[who.role])


@router.post("/logout")
def logout(request: Request, csrf: CsrfField = None) -> Response:
    check_csrf(request, csrf)
    sign_out(request)
    return back("/login")


@router.get("/sessions")
def sessions(request: Request) -> Response:
    from cchc_flow.models.services.web_sessions import open_unit_sessions

    with reading() as s:
        plan = current_plan(request, s)
        require_coordinator(signed_in(request, s), plan)
        rows = open_unit_sessions(s)
        names = views.unit_names(s)
    return render(request, "sessions.html", sessions=rows, names=names)


@router.post("/sessions/{session_id}/end")
def end_session(request: Request, session_id: int, csrf: CsrfField = None) -> Response:
    from cchc_flow.models.services.access import who as name_of
    from cchc_flow.models.services.web_sessions import end_unit_session
    from cchc_flow.models.store.tables import WebSessionRow

    with reading() as s:
        plan = current_plan(request, s)
        who = require_coordinator(signed_in(request, s), plan)
        row = s.get(WebSessionRow, session_id)
    check_csrf(request, csrf)
    with reading() as s:
        if row is None or not end_unit_session(s, session_id, name_of(who)):
            raise PortalError(404, t("web.sessions.unknown", id=session_id))
    flash(request, t("web.sessions.ended", id=session_id, unit=row.unit_code))
    return back("/sessions")


# ------------------------------------------------------------------------------------------------ unit inbox


@router.get("/inbox")
def inbox(request: Request) -> Response:
    with reading() as s:
        who = require(signed_in(request, s), "unit", "coordinator")
        plan = current_plan(request, s)
        day = today(request)
        assert who.unit is not None
        unit_code = who.unit
        rows, reports = request.app.state.pages.get(
            s,
            plan,
            ("inbox", unit_code, day),
            lambda: (views.inbox(s, plan, unit_code, day), views.periodic(s, plan, unit_code, day)),
        )
        unit = s.get(UnitRow, who.unit)
    return render(request, "inbox.html", rows=rows, reports=reports, unit=unit, allowed=", ".join(ALLOWED))


def _may_open(who: Principal, page: views.ActivityPage) -> None:
    if who.role == "auditor" or who.is_coordinator_of(page.plan):
        return
    if who.unit not in page.concerned:
        raise PortalError(403, t("action.not_concerned", unit=who.unit, id=page.row.key))


@router.get("/activities/{key}")
def activity(request: Request, key: str) -> Response:
    return _activity(request, key)


def _activity(
    request: Request,
    key: str,
    status: int = 200,
    error: str | None = None,
    form: str | None = None,
    typed: dict[str, str] | None = None,
) -> Response:
    """The activity page; after a refused form, with the error beside that form and what was typed in it."""
    with reading() as s:
        who = require(signed_in(request, s), "unit", "coordinator", "auditor")
        plan = current_plan(request, s)
        page = views.activity_page(s, plan, key)
        _may_open(who, page)
    acting = who.role in ("unit", "coordinator")
    return render(
        request,
        "activity.html",
        status=status,
        page=page,
        a=page.row,
        may_report=acting and who.unit in page.reporters and page.may_be_reported,
        may_note=acting and who.unit in page.concerned,
        may_decide=who.is_coordinator_of(plan) and page.may_be_decided,
        may_cancel=who.is_coordinator_of(plan) and page.may_be_cancelled,
        may_extend=acting and who.unit in page.reporters and page.may_be_extended,
        may_decide_extension=who.is_coordinator_of(plan) and page.open_extension is not None,
        allowed=", ".join(ALLOWED),
        limit=limit_text(request.app.state.max_upload),
        error=error,
        form=form,
        typed=typed or {},
    )


FORM_ERRORS = (400, 413, 415)  # what the person can put right in the form itself
REQUIRED = {
    "evidence": "web.activity.evidence",
    "text": "web.activity.note_text",
    "return": "web.return_note",
    "cancel": "web.cancel_reason",
}


def _required(form: str, value: str) -> None:
    """A form's required text is there (a 400 naming the field, in the page's words, before the action says it
    with the CLI's option name)."""
    if not value.strip():
        raise PortalError(400, t("web.field_needed", field=t(REQUIRED[form])))


@router.post("/activities/{key}/done")
def report_done(
    request: Request,
    key: str,
    evidence: Annotated[str, Form()] = "",
    csrf: CsrfField = None,
    files: Annotated[list[UploadFile] | None, File()] = None,
) -> Response:
    from cchc_flow.models.services.actions import report_done as shared

    return _unit_action(request, key, csrf, files, shared, "report", evidence=evidence, done="web.reported")


@router.post("/activities/{key}/note")
def add_note(
    request: Request,
    key: str,
    text: Annotated[str, Form()] = "",
    csrf: CsrfField = None,
    files: Annotated[list[UploadFile] | None, File()] = None,
) -> Response:
    from cchc_flow.models.services.actions import add_note as shared

    return _unit_action(request, key, csrf, files, shared, "note", text=text, done="web.noted")


def _unit_action(
    request: Request,
    key: str,
    csrf: str | None,
    files: list[UploadFile] | None,
    fn: Callable[..., Any],
    form: str,
    done: str,
    **fields: str,
) -> Response:
    with reading() as s:
        who = require(signed_in(request, s), *ROLES)  # who may: report_done / add_note decide, and record refusals
        plan = current_plan(request, s)
    check_csrf(request, csrf)
    try:
        for name in REQUIRED.keys() & fields.keys():
            _required(name, fields[name])
        with saved(given(files), request.app.state.max_upload) as paths:
            result = act(request, fn, who, plan_code=plan.code, key=key, attachments=paths, **fields)
    except PortalError as exc:
        if exc.status not in FORM_ERRORS:
            raise
        return _activity(request, key, exc.status, exc.message, form, fields)
    flash(request, t(done, id=key, state=t(f"state.{result.state}")))
    return back(f"/activities/{key}")


@router.post("/activities/{key}/accept")
def accept(
    request: Request,
    key: str,
    csrf: CsrfField = None,
    note: Annotated[str, Form()] = "",
    next: Annotated[str | None, Form()] = None,
) -> Response:
    return _decide(request, key, "accept", note, csrf, next)


@router.post("/activities/{key}/return")
def return_(
    request: Request,
    key: str,
    csrf: CsrfField = None,
    note: Annotated[str, Form()] = "",
    next: Annotated[str | None, Form()] = None,
) -> Response:
    return _decide(request, key, "return", note, csrf, next)


@router.post("/activities/{key}/cancel")
def cancel(
    request: Request,
    key: str,
    csrf: CsrfField = None,
    note: Annotated[str, Form()] = "",
    confirmed: Annotated[str, Form()] = "",
) -> Response:
    """Cancelling asks first: the confirmation page says what it does and who will be told; only the form posted
    from that page (confirmed=yes) cancels."""
    with reading() as s:
        plan = current_plan(request, s)
        who = require(signed_in(request, s), *ROLES)
    if confirmed == "yes" or not note.strip() or not who.is_coordinator_of(plan):
        return _decide(request, key, "cancel", note, csrf, None)  # coordinator_decides refuses, and records it
    check_csrf(request, csrf)
    with reading() as s:
        page = views.activity_page(s, plan, key)
        told = views.cancel_preview(s, page)
    return render(
        request,
        "confirm.html",
        action=f"/activities/{key}/cancel",
        fields={"note": note.strip()},
        back_to=f"/activities/{key}",
        go=t("web.confirm.cancel_go"),
        question=t("web.confirm.cancel", id=key),
        facts=[
            t("web.confirm.cancel_state", state=t(f"state.{page.row.state}")),
            t("web.confirm.reason", reason=note.strip()),
            t("web.confirm.told", to=told) if told else t("web.confirm.nobody"),
        ],
    )


def _decide(request: Request, key: str, event: str, note: str, csrf: str | None, next_url: str | None) -> Response:
    from cchc_flow.models.services.actions import coordinator_decides

    with reading() as s:
        plan = current_plan(request, s)
        who = require(signed_in(request, s), *ROLES)  # coordinator_decides decides who may, and records refusals
    check_csrf(request, csrf)
    try:
        if event in REQUIRED:
            _required(event, note)
        result = act(
            request, coordinator_decides, who, plan_code=plan.code, key=key, event=event, note=note.strip() or None
        )
    except PortalError as exc:
        if exc.status not in FORM_ERRORS:
            raise
        return _activity(request, key, exc.status, exc.message, event, {"note": note})
    flash(request, t("action.done", id=key, state=t(f"state.{result.state}")))
    return back(safe_next(next_url) or f"/activities/{key}")


def _form_date(value: str, field: str) -> Any:
    try:
        return parse_date(value)
    except DateError as exc:
        raise PortalError(400, t("cli.bad_date", value=f"{field} {value}", detail=str(exc))) from None


@router.post("/activities/{key}/extend")
def extend(
    request: Request,
    key: str,
    until: Annotated[str, Form()] = "",
    reason: Annotated[str, Form()] = "",
    csrf: CsrfField = None,
    files: Annotated[list[UploadFile] | None, File()] = None,
) -> Response:
    """A lead unit asks for a later due date (models/services/extensions.py decides who may, and records refusals)."""
    from cchc_flow.models.services.extensions import request_extension

    with reading() as s:
        require(signed_in(request, s), *ROLES)  # identity before anything the form says
    check_csrf(request, csrf)
    day = _form_date(until, "until")
    return _unit_action(
        request,
        key,
        csrf,
        files,
        request_extension,
        "extend",
        until=day,  # type: ignore[arg-type]
        reason=reason,
        done="web.extension_requested",
    )


@router.post("/activities/{key}/extension")
def extension(
    request: Request,
    key: str,
    decision: Annotated[str, Form()] = "",
    until: Annotated[str, Form()] = "",
    note: Annotated[str, Form()] = "",
    beyond_phase: Annotated[str, Form()] = "",
    csrf: CsrfField = None,
) -> Response:
    """The coordinator approves (possibly with another date) or refuses the open request."""
    from cchc_flow.models.services.extensions import decide_extension

    with reading() as s:
        plan = current_plan(request, s)
        who = require(signed_in(request, s), *ROLES)
    check_csrf(request, csrf)
    day = _form_date(until, "until") if until.strip() else None
    result = act(
        request,
        decide_extension,
        who,
        plan_code=plan.code,
        key=key,
        approve=decision == "approve",
        until=day,
        note=note.strip() or None,
        beyond_phase=bool(beyond_phase),
    )
    flash(request, t("action.done", id=key, state=t(f"state.{result.state}")))
    return back(f"/activities/{key}")


@router.get("/evidence/{evidence_id}/{index}")
def evidence_file(request: Request, evidence_id: int, index: int) -> Response:
    with reading() as s:
        who = require(signed_in(request, s), "unit", "coordinator", "auditor")
        plan = current_plan(request, s)
        ev, path, name = views.evidence_file(s, evidence_id, index)
        if ev.plan_id != plan.id:
            raise PortalError(404, t("web.not_found"))
        row = s.get(ActivityRow, ev.activity_id)
        assert row is not None
        _may_open(who, views.activity_page(s, plan, row.key))
    return FileResponse(path, filename=name, media_type="application/octet-stream")


@router.post("/reports/{period}")
def submit_report(
    request: Request, period: str, csrf: CsrfField = None, file: Annotated[UploadFile | None, File()] = None
) -> Response:
    from cchc_flow.flows.delivery import deliver_now
    from cchc_flow.models.services.actions import ActionInputError
    from cchc_flow.models.services.periodic import ReportInputError
    from cchc_flow.models.services.periodic import submit_report as shared
    from cchc_flow.models.store.attachments import AttachmentError

    with reading() as s:
        who = require(signed_in(request, s), *ROLES)  # submit_report decides who may, and records refusals
        plan = current_plan(request, s)
    check_csrf(request, csrf)
    uploads = given([file] if file else [])
    if len(uploads) != 1:
        raise PortalError(400, t("web.file_needed"))
    day = today(request)
    routes_usable()
    with saved(uploads, request.app.state.max_upload) as paths, language(None):
        # in the configured language: the message it queues carries a title made here
        try:
            with reading() as s:
                plan_id, p, on_time = shared(
                    s, principal=who, plan_code=plan.code, period=period, file=paths[0], today=day, source="web"
                )
        except (AuthError, PermissionError) as exc:
            raise PortalError(403, str(exc)) from None
        except (ReportInputError, ActionInputError, AttachmentError) as exc:
            raise PortalError(400, str(exc)) from None
        problems = deliver_now(plan_id, (p.to,), day)
    for problem in problems:
        flash(request, problem, "warn")
    flash(request, t("report.recorded", period=p.label, unit=who.unit, on_time=t("on_time" if on_time else "late")))
    return back("/inbox")


# ------------------------------------------------------------------------------------------------ coordinator


@router.get("/board")
def board(request: Request) -> Response:
    with reading() as s:
        plan = current_plan(request, s)
        who = require_reader(signed_in(request, s), plan)
        day, lang = today(request), request.state.lang
        data = request.app.state.pages.get(s, plan, ("board", day, lang), lambda: views.board(s, plan, day, lang))
    return render(
        request,
        "board.html",
        runs=request.app.state.runs.recent(plan.code),
        may_act=who.is_coordinator_of(plan),
        **data,
    )


@router.get("/timeline")
def timeline(request: Request) -> Response:
    with reading() as s:
        plan = current_plan(request, s)
        require_reader(signed_in(request, s), plan)
        svg = views.timeline(s, plan, today(request), request.state.lang)
    return render(request, "timeline.html", svg=svg)


def _phase_number(value: str) -> int:
    try:
        return int(value)
    except ValueError:
        raise PortalError(400, t("web.bad_phase", phase=value)) from None


@router.post("/runs/phase")
def run_phase(request: Request, phase: Annotated[str, Form()] = "", csrf: CsrfField = None) -> Response:
    from cchc_flow.models.services.activities import get_phase

    with reading() as s:
        plan = current_plan(request, s)
        require_coordinator(signed_in(request, s), plan)
        check_csrf(request, csrf)
        number = _phase_number(phase)
        try:
            name = get_phase(s, plan, number).name
        except LookupError as exc:
            raise PortalError(404, str(exc)) from None
    return _start(request, "phase", plan.code, number, name, _phase_body)


def _phase_body(plan: str, phase: int, as_of: str | None) -> tuple[str, dict[str, Any], str | None]:
    from cchc_flow.flows.phase import run_phase as shared
    from cchc_flow.flows.running.naming import PHASE

    pooled = _through_pool(PHASE, plan, phase, as_of)
    if pooled:
        return pooled
    summary = shared(plan, phase, as_of)
    sent = sum(d.sent for d in summary.deliveries)
    return (
        "phase.delivered",
        {"sent": sent, "units": len(summary.deliveries), "pending": summary.pending},
        summary.flow_run_id,
    )


@router.post("/runs/review")
def run_review(
    request: Request, phase: Annotated[str, Form()] = "", csrf: CsrfField = None, confirmed: Annotated[str, Form()] = ""
) -> Response:
    """Holding a review asks first: the confirmation page says how many activities are unfinished and who receives
    the report; only the form posted from that page (confirmed=yes) holds it."""
    from cchc_flow.models.reports.review_pdf import FontMissing, find_font
    from cchc_flow.models.services.reviews import ReviewRefused, check_review

    day = today(request)
    with reading() as s:
        plan = current_plan(request, s)
        require_coordinator(signed_in(request, s), plan)
        check_csrf(request, csrf)
        number = _phase_number(phase)
        try:
            phase_row, _ = check_review(s, plan.code, number, day)
            find_font()
        except (ReviewRefused, FontMissing) as exc:
            raise PortalError(409, str(exc)) from None
        preview = views.review_preview(s, plan, phase_row, day) if confirmed != "yes" else None
    if preview is not None:
        unfinished = (
            t(
                "web.confirm.review_open",
                open=len(preview["open"]),
                total=preview["total"],
                ids=", ".join(preview["open"]),
            )
            if preview["open"]
            else t("web.confirm.review_done", total=preview["total"])
        )
        return render(
            request,
            "confirm.html",
            action="/runs/review",
            fields={"phase": str(number)},
            back_to="/board",
            go=t("web.confirm.review_go"),
            question=t("web.confirm.review", title=preview["title"], date=day.strftime("%d/%m/%Y")),
            facts=[unfinished, t("web.confirm.review_told", to=preview["to"])],
        )
    return _start(request, "review", plan.code, number, phase_row.review_title or phase_row.name, _review_body)


def _review_body(plan: str, phase: int, as_of: str | None) -> tuple[str, dict[str, Any], str | None]:
    from cchc_flow.flows.review import run_review as shared
    from cchc_flow.flows.running.naming import REVIEW

    pooled = _through_pool(REVIEW, plan, phase, as_of)
    if pooled:
        return pooled
    outcome = shared(plan, phase, as_of)
    held = date.fromisoformat(outcome.held_on).strftime("%d/%m/%Y")
    return "web.run.message.review", {"title": outcome.title, "date": held}, outcome.flow_run_id


def _through_pool(kind: str, plan: str, phase: int, as_of: str | None) -> tuple[str, dict[str, Any], str | None] | None:
    """When a Prefect server is configured and the run deployed: run it through the work pool (one run per plan,
    phase and date, flows/running/launch.py) and say how it ended; None: run it in this process."""
    from cchc_flow.flows.running.launch import describe, pool_deployment, run_through_pool

    if pool_deployment(kind, plan, phase) is None:
        return None
    run = run_through_pool(kind, plan, phase, as_of)
    line, ok = describe(run, kind, plan, phase)
    if not ok:
        raise RuntimeError(line)
    return "web.run.said", {"text": line}, run.flow_run_id  # the pool's own account of the run


def _start(
    request: Request,
    kind: str,
    plan: str,
    phase: int,
    title: str,
    body: Callable[[str, int, str | None], tuple[str, dict[str, Any], str | None]],
) -> Response:
    routes_usable()
    runs = request.app.state.runs
    if runs.running(kind, plan, phase):
        flash(request, t("web.run_busy", title=title), "warn")
        return back("/board")
    as_of = request.app.state.as_of.isoformat() if request.app.state.as_of else None
    run = runs.start(kind, plan, phase, as_of, lambda: body(plan, phase, as_of))
    if run.status == "failed":
        flash(request, t("web.run_failed", title=title, error=run.text(request.state.lang)), "error")
    elif run.status == "done":
        flash(request, t("web.run_done", title=title, summary=run.text(request.state.lang)))
    else:
        flash(request, t("web.run_started", title=title))
    return back("/board")


# ------------------------------------------------------------------------------------------------ auditors

FILTERS = ("activity", "unit", "actor", "state", "since", "until")


def _history_filter(request: Request, plan: PlanRow) -> tuple[Any, dict[str, str]]:
    from cchc_flow.models.store.history_query import HistoryFilter

    raw = {k: request.query_params.get(k, "").strip() for k in FILTERS}
    days = {}
    for k in ("since", "until"):
        try:
            days[k] = parse_date(raw[k]) if raw[k] else None
        except DateError as exc:
            raise PortalError(400, t("cli.bad_date", value=raw[k], detail=str(exc))) from None
    f = HistoryFilter(
        plan.code,
        raw["activity"] or None,
        raw["unit"].upper() or None,
        raw["actor"] or None,
        raw["state"] or None,
        days["since"],
        days["until"],
    )
    return f, raw


@router.get("/history")
def history(request: Request) -> Response:
    from cchc_flow.models.store.history_query import HistoryInputError, check_filter
    from cchc_flow.models.store.history_query import history as read_history

    limit = 500
    with reading() as s:
        plan = current_plan(request, s)
        require_reader(signed_in(request, s), plan)
        f, raw = _history_filter(request, plan)
        try:
            check_filter(s, f)
        except HistoryInputError as exc:
            raise PortalError(400, str(exc)) from None
        entries = list(read_history(s, f, limit + 1))
    query = urlencode({k: v for k, v in raw.items() if v})
    return render(
        request,
        "history.html",
        entries=entries[:limit],
        more=len(entries) > limit,
        limit=limit,
        filters=raw,
        query=query,
        states=list(STATE_COLOURS),
    )


@router.get("/history/export.{fmt}")
def history_export(request: Request, fmt: str) -> Response:
    from cchc_flow.models.reports.history_xlsx import export_name, write_xlsx
    from cchc_flow.models.store.history_query import HistoryInputError, check_filter, write_csv, write_json
    from cchc_flow.models.store.history_query import history as read_history
    from cchc_flow.settings import get_settings

    if fmt not in ("csv", "json", "xlsx"):
        raise PortalError(404, t("history.bad_format", fmt=fmt))
    with reading() as s:
        plan = current_plan(request, s)
        require_reader(signed_in(request, s), plan)
        f, _ = _history_filter(request, plan)
        try:
            check_filter(s, f)
        except HistoryInputError as exc:
            raise PortalError(400, str(exc)) from None
        root = get_settings().home / "tmp"
        root.mkdir(mode=0o700, parents=True, exist_ok=True)
        fd, name = tempfile.mkstemp(prefix="history-", suffix=f".{fmt}", dir=root)
        os.close(fd)
        path = Path(name)
        try:
            entries = read_history(s, f)  # streamed from the database to the file (models/store/history_query.py)
            if fmt == "xlsx":
                write_xlsx(entries, path)
            else:
                with path.open("w", encoding="utf-8", newline="") as out:
                    (write_csv if fmt == "csv" else write_json)(entries, out)
        except BaseException:
            path.unlink(missing_ok=True)
            raise
    media = {
        "csv": "text/csv; charset=utf-8",
        "json": "application/json",
        "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    }[fmt]
    return FileResponse(
        path,
        media_type=media,
        filename=export_name(plan.number, f, fmt),
        background=BackgroundTask(path.unlink, missing_ok=True),
    )


@router.get("/audit")
def audit(request: Request) -> Response:
    from cchc_flow.models.store.audit import verify

    with reading() as s:
        plan = current_plan(request, s)
        require_reader(signed_in(request, s), plan)
        report = verify(s, plan.code)
    return render(request, "audit.html", report=report)


@router.get("/reviews")
def reviews(request: Request) -> Response:
    with reading() as s:
        plan = current_plan(request, s)
        require_reader(signed_in(request, s), plan)
        rows = views.reviews(s, plan, today(request))
    return render(request, "reviews.html", reviews=rows)


@router.get("/reviews/{phase}.{fmt}")
def review_file(request: Request, phase: int, fmt: str) -> Response:
    with reading() as s:
        plan = current_plan(request, s)
        require_reader(signed_in(request, s), plan)
        path = views.review_file(s, plan, phase, fmt)
    media = {
        "md": "text/markdown; charset=utf-8",
        "pdf": "application/pdf",
        "docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    }[fmt]
    return FileResponse(path, media_type=media, filename=path.name)
