"""The portal's pages and forms. Every route says who may use it (web/deps.py's dependencies); an activity's forms
are the actions allowed_actions() gives (models/services/access.py), the only ones let through; every change goes
through the same functions as the CLI: report_done, add_note, coordinator_decides (models/services/actions.py), submit_report
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
| POST /activities/{id}/extend, /extension| signed in (CSRF): a lead asks for time, the coordinator decides   |
| POST /activities/{id}/reassign,         | signed in (CSRF): the coordinator reassigns (with a reason), asks |
|      /explanation, /explain             | a lead to explain by a date; the unit asked answers (text, files) |
| POST /reports/{period}                  | signed in (CSRF); submit_report decides: a unit owing it          |
| GET  /board, /timeline                  | the plan's coordinator, auditors (read only)                      |
| POST /runs/phase, /runs/review          | the plan's coordinator (CSRF)                                     |
| GET  /history, /history/export.{fmt}    | the plan's coordinator, auditors                                  |
| GET  /audit, /reviews, /reviews/{n}.{f} | the plan's coordinator, auditors                                  |
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Callable
from datetime import date
from functools import partial
from pathlib import Path
from typing import Annotated, Any
from urllib.parse import urlencode

from fastapi import APIRouter, File, Form, Request, UploadFile
from fastapi.responses import FileResponse, JSONResponse, RedirectResponse, Response
from fastapi.templating import Jinja2Templates
from starlette.background import BackgroundTask

from cchc_flow.flows.delivery import deliver_now
from cchc_flow.flows.running.launch import describe, pool_deployment, start_through_pool, wait_for_run
from cchc_flow.flows.running.naming import PHASE, REVIEW
from cchc_flow.models.notify.routes_file import RoutesInvalid, check_routes
from cchc_flow.models.reports.history_xlsx import export_name, write_xlsx
from cchc_flow.models.reports.review_pdf import FontMissing, find_font
from cchc_flow.models.rules.calendar import DateError, parse_date
from cchc_flow.models.rules.labels import percent
from cchc_flow.models.rules.lifecycle import IllegalTransition
from cchc_flow.models.rules.messages import MESSAGES, language, t
from cchc_flow.models.rules.plan import organisation_of
from cchc_flow.models.rules.status import Status
from cchc_flow.models.services.access import allowed_actions, refusals_recorded, refuse_unless_allowed
from cchc_flow.models.services.access import who as name_of
from cchc_flow.models.services.actions import ActionInputError, ActionRefused, coordinator_decides
from cchc_flow.models.services.actions import add_note as add_note_action
from cchc_flow.models.services.actions import report_done as report_done_action
from cchc_flow.models.services.activities import ConcurrentChange, get_phase
from cchc_flow.models.services.auth import AuthError, Principal, authenticate, link_principal
from cchc_flow.models.services.explanations import ask_explanation as ask_explanation_action
from cchc_flow.models.services.explanations import give_explanation
from cchc_flow.models.services.extensions import decide_extension, request_extension
from cchc_flow.models.services.periodic import ReportInputError
from cchc_flow.models.services.periodic import submit_report as submit_periodic_report
from cchc_flow.models.services.reassignment import codes
from cchc_flow.models.services.reassignment import reassign as reassign_action
from cchc_flow.models.services.reviews import ReviewRefused, check_review
from cchc_flow.models.services.web_sessions import end_unit_session, open_unit_sessions
from cchc_flow.models.store.attachments import AttachmentError
from cchc_flow.models.store.audit import verify
from cchc_flow.models.store.history_query import HistoryFilter, HistoryInputError, check_filter, write_csv, write_json
from cchc_flow.models.store.history_query import history as read_history
from cchc_flow.models.store.tables import ActivityRow, PlanRow, WebSessionRow
from cchc_flow.settings import get_settings
from cchc_flow.web import views, words
from cchc_flow.web.deps import (
    Coordinator,
    Csrf,
    Plan,
    Reader,
    ReadSession,
    Signed,
    Today,
    Viewer,
    Who,
    current_plan,
    facts,
    reading,
    signed_in,
    today,
    unit_or_coordinator,
)
from cchc_flow.web.gantt import STATE_COLOURS
from cchc_flow.web.runs import Run
from cchc_flow.web.security import PortalError, csrf_token, require_reader, safe_next, sign_in, sign_out
from cchc_flow.web.served import served
from cchc_flow.web.uploads import ALLOWED, given, limit_text, saved

router = APIRouter()
TEMPLATES = Jinja2Templates(directory=str(Path(__file__).resolve().parent / "templates"))
TEMPLATES.env.filters["d"] = lambda day: (
    (date.fromisoformat(day) if isinstance(day, str) else day).strftime("%d/%m/%Y") if day else ""
)
TEMPLATES.env.filters["local"] = views.local_time
TEMPLATES.env.filters["percent"] = percent  # "66,7 %" on a Vietnamese page, "66.7%" on an English one
TEMPLATES.env.globals["backdated"] = views.backdated
TEMPLATES.env.globals["STATE_COLOURS"] = STATE_COLOURS
TEMPLATES.env.globals["STATUSES"] = [s.value for s in Status]
HOME = {"unit": "/inbox", "coordinator": "/board", "auditor": "/history"}


# ------------------------------------------------------------------------------------------------ plumbing


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
    """Refuse to act when the routes file cannot be used, as the CLI does (models/notify/routes_file.py)."""
    try:
        check_routes()
    except RoutesInvalid as exc:
        raise PortalError(503, str(exc)) from None


WHAT = {  # the history's words for each action (as the shared functions say them in a refused step)
    "report": "event.report",
    "note": "event.note",
    "accept": "event.accept",
    "return": "event.return",
    "cancel": "event.cancel",
    "extend": "event.extension_requested",
    "decide_extension": "event.extend",
    "reassign": "event.reassign",
    "ask_explanation": "event.explanation_asked",
    "explain": "event.explanation_given",
}


def allowed_or_refused(request: Request, who: Principal, plan: PlanRow, key: str, action: str) -> None:
    """Let through only what allowed_actions() gives ``who`` on the activity (the same answer that drew the page's
    buttons); a refusal is recorded as the shared function would record it."""
    what = t(WHAT.get(action, f"event.{action}"))
    with reading() as s, refusals_recorded(s, who, what, stated_name=None, source="web", today=today(request)):
        activity = facts(s, plan, key)
        if activity is not None:  # an unknown activity: the shared function says so
            refuse_unless_allowed(who, activity, action, plan_id=plan.id, what=what)


def act(request: Request, fn: Callable[..., Any], who: Principal, action: str | None = None, **kwargs: Any) -> Any:
    """Run a unit's or the coordinator's action as the signed-in principal, then deliver what it queued (in the
    configured language). ``action``: checked first against allowed_actions() (models/services/access.py); the
    shared function decides again, with the same rules, and records a refusal."""
    routes_usable()
    try:
        if action:
            allowed_or_refused(request, who, request.state.plan, kwargs["key"], action)
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
def home(who: Who) -> Response:
    return back(HOME[who.role] if who else "/login")


@router.get("/login")
def login_page(
    request: Request, current: Who, s: ReadSession, link: str | None = None, next: str | None = None
) -> Response:
    """A signed link from a message opens a session for its unit at once; while another session is open in this
    browser, it asks first (a link sent by someone else must not silently replace it). Otherwise the token form."""
    if link:
        try:
            who = link_principal(s, link)
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


@router.post("/login/link")
def login_link(
    request: Request,
    _: Csrf,
    s: ReadSession,
    link: Annotated[str, Form()] = "",
    next: Annotated[str | None, Form()] = None,
) -> Response:
    """Switch to the link's unit, once the officer confirmed it on the page above."""
    return _signed_in(request, lambda: link_principal(s, link), "link", next)


@router.post("/login")
def login_token(
    request: Request,
    _: Csrf,
    s: ReadSession,
    token: Annotated[str, Form()] = "",
    next: Annotated[str | None, Form()] = None,
) -> Response:
    return _signed_in(request, lambda: authenticate(s, token), "token", next)


def _signed_in(request: Request, check: Callable[[], Principal], via: str, next: str | None) -> Response:
    """Sign in whom ``check`` finds (via a link or a token) and go on; the sign-in form again, with the reason, when
    it refuses."""
    try:
        who = check()
    except AuthError as exc:
        return render(request, "login.html", status=401, error=str(exc), next=safe_next(next))
    sign_in(request, who, via)
    return back(safe_next(next) or HOME[who.role])


@router.post("/logout")
def logout(request: Request, _: Csrf) -> Response:
    sign_out(request)
    return back("/login")


@router.get("/sessions")
def sessions(request: Request, who: Coordinator, plan: Plan, s: ReadSession) -> Response:
    """The open sessions of the units of the plan's organisation (another organisation's are not the coordinator's)."""
    own = [x for x in open_unit_sessions(s) if organisation_of(x.unit_code or "") == plan.organisation]
    return render(request, "sessions.html", sessions=own, names=views.unit_names(s))


@router.post("/sessions/{session_id}/end")
def end_session(request: Request, session_id: int, who: Coordinator, plan: Plan, s: ReadSession, _: Csrf) -> Response:
    row = s.get(WebSessionRow, session_id)
    if row is not None and organisation_of(row.unit_code or "") != plan.organisation:
        row = None  # another organisation's unit: not this coordinator's to end
    with reading() as s:
        if row is None or not end_unit_session(s, session_id, name_of(who)):
            raise PortalError(404, t("web.sessions.unknown", id=session_id))
    flash(request, t("web.sessions.ended", id=session_id, unit=row.unit_code))
    return back("/sessions")


# ------------------------------------------------------------------------------------------------ unit inbox


@router.get("/inbox")
def inbox(request: Request) -> Response:
    """Served from the page kept for this viewer and plan state (web/served.py)."""
    with reading() as s:
        who = unit_or_coordinator(signed_in(request, s))
        plan = current_plan(request, s, who)
        assert who.unit is not None
        unit_code, day = who.unit, today(request)
        unit = views.unit_row(s, unit_code)

        def draw(figures: Any, csrf: str) -> Response:
            rows, reports = figures
            return render(
                request, "inbox.html", rows=rows, reports=reports, unit=unit, allowed=", ".join(ALLOWED), csrf=csrf
            )

        return served(
            request,
            s,
            plan,
            ("inbox", unit_code, day),
            lambda: (views.inbox(s, plan, unit_code, day), views.periodic(s, plan, unit_code, day)),
            draw,
            vary=(unit.name if unit else None,),
        )


def _may_open(who: Principal, page: views.ActivityPage) -> frozenset[str]:
    """What ``who`` may do on the activity (allowed_actions); 403 unless that includes opening it."""
    actions = allowed_actions(who, page.facts)
    if "view" not in actions:
        raise PortalError(403, t("action.not_concerned", unit=who.unit, id=page.row.key))
    return actions


@router.get("/activities/{key}")
def activity(request: Request, key: str, who: Viewer, plan: Plan) -> Response:
    return _activity(request, who, plan, key)


def _activity(
    request: Request,
    who: Principal,
    plan: PlanRow,
    key: str,
    status: int = 200,
    error: str | None = None,
    form: str | None = None,
    typed: dict[str, str] | None = None,
) -> Response:
    """The activity page, its forms those allowed_actions() gives the viewer; after a refused form, with the error
    beside that form and what was typed in it."""
    with reading() as s:
        page = views.activity_page(s, plan, key, today(request))
        may = _may_open(who, page)
        units = views.unit_names(s) if "reassign" in may else {}
    return render(
        request,
        "activity.html",
        status=status,
        page=page,
        a=page.row,
        may=may,
        units=units,
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
    who: Signed,
    plan: Plan,
    _: Csrf,
    evidence: Annotated[str, Form()] = "",
    files: Annotated[list[UploadFile] | None, File()] = None,
) -> Response:
    return _unit_action(
        request, who, plan, key, files, report_done_action, "report", evidence=evidence, done="web.reported"
    )


@router.post("/activities/{key}/note")
def add_note(
    request: Request,
    key: str,
    who: Signed,
    plan: Plan,
    _: Csrf,
    text: Annotated[str, Form()] = "",
    files: Annotated[list[UploadFile] | None, File()] = None,
) -> Response:
    return _unit_action(request, who, plan, key, files, add_note_action, "note", text=text, done="web.noted")


def _unit_action(
    request: Request,
    who: Principal,
    plan: PlanRow,
    key: str,
    files: list[UploadFile] | None,
    fn: Callable[..., Any],
    form: str,
    done: str,
    **fields: Any,
) -> Response:
    """A unit's form (signed in, CSRF checked by the route): the required texts, the files, then the action."""
    typed = {k: v for k, v in fields.items() if isinstance(v, str)}
    try:
        for name in REQUIRED.keys() & fields.keys():
            _required(name, fields[name])
        with saved(given(files), request.app.state.max_upload) as paths:
            result = act(request, fn, who, form, plan_code=plan.code, key=key, attachments=paths, **fields)
    except PortalError as exc:
        if exc.status not in FORM_ERRORS:
            raise
        return _activity(request, who, plan, key, exc.status, exc.message, form, typed)
    flash(request, t(done, id=key, state=t(f"state.{result.state}")))
    return back(f"/activities/{key}")


@router.post("/activities/{key}/accept")
def accept(
    request: Request,
    key: str,
    who: Signed,
    plan: Plan,
    _: Csrf,
    note: Annotated[str, Form()] = "",
    next: Annotated[str | None, Form()] = None,
) -> Response:
    return _decide(request, who, plan, key, "accept", note, next)


@router.post("/activities/{key}/return")
def return_(
    request: Request,
    key: str,
    who: Signed,
    plan: Plan,
    _: Csrf,
    note: Annotated[str, Form()] = "",
    next: Annotated[str | None, Form()] = None,
) -> Response:
    return _decide(request, who, plan, key, "return", note, next)


@router.post("/activities/{key}/cancel")
def cancel(
    request: Request,
    key: str,
    who: Signed,
    plan: Plan,
    _: Csrf,
    note: Annotated[str, Form()] = "",
    confirmed: Annotated[str, Form()] = "",
) -> Response:
    """Cancelling asks first: the confirmation page says what it does and who will be told; only the form posted
    from that page (confirmed=yes) cancels."""
    if confirmed == "yes" or not note.strip() or not who.is_coordinator_of(plan):
        return _decide(request, who, plan, key, "cancel", note, None)  # refused, and recorded, there
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


def _decide(
    request: Request, who: Principal, plan: PlanRow, key: str, event: str, note: str, next_url: str | None
) -> Response:
    try:
        if event in REQUIRED:
            _required(event, note)
        result = act(
            request,
            coordinator_decides,
            who,
            event,
            plan_code=plan.code,
            key=key,
            event=event,
            note=note.strip() or None,
        )
    except PortalError as exc:
        if exc.status not in FORM_ERRORS:
            raise
        return _activity(request, who, plan, key, exc.status, exc.message, event, {"note": note})
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
    who: Signed,
    plan: Plan,
    _: Csrf,
    until: Annotated[str, Form()] = "",
    reason: Annotated[str, Form()] = "",
    files: Annotated[list[UploadFile] | None, File()] = None,
) -> Response:
    """A lead unit asks for a later due date (models/services/extensions.py decides who may, and records refusals)."""
    day = _form_date(until, "until")
    return _unit_action(
        request,
        who,
        plan,
        key,
        files,
        request_extension,
        "extend",
        until=day,
        reason=reason,
        done="web.extension_requested",
    )


@router.post("/activities/{key}/extension")
def extension(
    request: Request,
    key: str,
    who: Signed,
    plan: Plan,
    _: Csrf,
    decision: Annotated[str, Form()] = "",
    until: Annotated[str, Form()] = "",
    note: Annotated[str, Form()] = "",
    beyond_phase: Annotated[str, Form()] = "",
) -> Response:
    """The coordinator approves (possibly with another date) or refuses the open request."""
    day = _form_date(until, "until") if until.strip() else None
    result = act(
        request,
        decide_extension,
        who,
        "decide_extension",
        plan_code=plan.code,
        key=key,
        approve=decision == "approve",
        until=day,
        note=note.strip() or None,
        beyond_phase=bool(beyond_phase),
    )
    flash(request, t("action.done", id=key, state=t(f"state.{result.state}")))
    return back(f"/activities/{key}")


@router.post("/activities/{key}/explain")
def explain(
    request: Request,
    key: str,
    who: Signed,
    plan: Plan,
    _: Csrf,
    text: Annotated[str, Form()] = "",
    files: Annotated[list[UploadFile] | None, File()] = None,
) -> Response:
    """The unit asked answers a request for explanation (models/services/explanations.py), with text and files."""
    return _unit_action(request, who, plan, key, files, give_explanation, "explain", text=text, done="web.explained")


FOLLOW_UP_ERRORS = (*FORM_ERRORS, 403, 409)  # a refusal of these forms is shown beside what was typed


def _refused_form(
    request: Request, who: Principal, plan: PlanRow, key: str, exc: PortalError, form: str, typed: dict[str, str]
) -> Response:
    """The activity page with the refusal above the form and what was typed in it; the refusal alone (error page)
    when the person may not open the page."""
    try:
        return _activity(request, who, plan, key, exc.status, exc.message, form, typed)
    except PortalError:
        raise exc from None


@router.post("/activities/{key}/explanation")
def ask_explanation(
    request: Request,
    key: str,
    who: Signed,
    plan: Plan,
    _: Csrf,
    unit: Annotated[str, Form()] = "",
    by: Annotated[str, Form()] = "",
    question: Annotated[str, Form()] = "",
) -> Response:
    """The coordinator asks a lead unit to explain the activity by a date."""
    typed = {"unit": unit, "by": by, "question": question}
    try:
        if not question.strip():
            raise PortalError(400, t("web.field_needed", field=t("web.explain.question")))
        day = _form_date(by, "by")
        act(
            request,
            ask_explanation_action,
            who,
            "ask_explanation",
            plan_code=plan.code,
            key=key,
            unit=unit,
            by=day,
            question=question,
        )
    except PortalError as exc:
        if exc.status not in FOLLOW_UP_ERRORS:
            raise
        return _refused_form(request, who, plan, key, exc, "ask_explanation", typed)
    flash(request, t("web.explanation_asked", unit=unit.strip().upper(), id=key, by=day.strftime("%d/%m/%Y")))
    return back(f"/activities/{key}")


@router.post("/activities/{key}/reassign")
def reassign(
    request: Request,
    key: str,
    who: Signed,
    plan: Plan,
    _: Csrf,
    leads: Annotated[str, Form()] = "",
    partners: Annotated[str, Form()] = "",
    reason: Annotated[str, Form()] = "",
) -> Response:
    """The coordinator gives the activity to other lead or partner units, with a reason (the plan's own text stays
    as written; models/services/reassignment.py)."""
    typed = {"leads": leads, "partners": partners, "reason": reason}
    try:
        if not reason.strip():
            raise PortalError(400, t("web.field_needed", field=t("web.reassign.reason")))
        new_leads = codes(leads) or []
        act(
            request,
            reassign_action,
            who,
            "reassign",
            plan_code=plan.code,
            key=key,
            leads=new_leads,
            partners=codes(partners) or [],
            reason=reason,
        )
    except PortalError as exc:
        if exc.status not in FOLLOW_UP_ERRORS:
            raise
        return _refused_form(request, who, plan, key, exc, "reassign", typed)
    flash(request, t("web.reassigned", id=key, leads=", ".join(new_leads)))
    return back(f"/activities/{key}")


@router.get("/evidence/{evidence_id}/{index}")
def evidence_file(evidence_id: int, index: int, who: Viewer, plan: Plan, s: ReadSession) -> Response:
    ev, path, name = views.evidence_file(s, evidence_id, index)
    if ev.plan_id != plan.id:
        raise PortalError(404, t("web.not_found"))
    row = s.get(ActivityRow, ev.activity_id)
    assert row is not None
    _may_open(who, views.activity_page(s, plan, row.key))
    return FileResponse(path, filename=name, media_type="application/octet-stream")


@router.post("/reports/{period}")
def submit_report(
    request: Request,
    period: str,
    who: Signed,  # submit_report decides who may, and records refusals
    plan: Plan,
    day: Today,
    _: Csrf,
    file: Annotated[UploadFile | None, File()] = None,
) -> Response:
    uploads = given([file] if file else [])
    if len(uploads) != 1:
        raise PortalError(400, t("web.file_needed"))
    routes_usable()
    with saved(uploads, request.app.state.max_upload) as paths, language(None):
        # in the configured language: the message it queues carries a title made here
        try:
            with reading() as s:
                plan_id, p, on_time = submit_periodic_report(
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
    """Served from the page kept for this viewer and plan state (web/served.py); the queue's buttons are those
    allowed_actions() gives the viewer on each activity."""
    with reading() as s:
        who = signed_in(request, s)
        plan = current_plan(request, s, who)
        who = require_reader(who, plan)
        day, lang = today(request), request.state.lang
        runs = request.app.state.runs.recent(plan.code)

        def draw(figures: dict[str, Any], csrf: str) -> Response:
            may = {q["key"]: allowed_actions(who, q["facts"]) for q in figures["queue"]}
            return render(
                request, "board.html", runs=runs, may_act=who.is_coordinator_of(plan), may=may, csrf=csrf, **figures
            )

        return served(
            request,
            s,
            plan,
            ("board", day, lang),
            lambda: views.board(s, plan, day, lang),
            draw,
            vary=tuple(repr(r) for r in runs),
        )


@router.get("/timeline")
def timeline(request: Request, who: Reader, plan: Plan, s: ReadSession, day: Today) -> Response:
    svg = views.timeline(s, plan, day, request.state.lang)
    return render(request, "timeline.html", svg=svg)


def _phase_number(value: str) -> int:
    try:
        return int(value)
    except ValueError:
        raise PortalError(400, t("web.bad_phase", phase=value)) from None


@router.post("/runs/phase")
def run_phase(
    request: Request, who: Coordinator, plan: Plan, s: ReadSession, _: Csrf, phase: Annotated[str, Form()] = ""
) -> Response:
    number = _phase_number(phase)
    try:
        name = get_phase(s, plan, number).name
    except LookupError as exc:
        raise PortalError(404, str(exc)) from None
    return _start(request, "phase", plan.code, number, name, _phase_body)


def _phase_body(run: Run, plan: str, phase: int, as_of: str | None) -> tuple[str, dict[str, Any], str | None]:
    # deferred: importing Prefect configures logging, which would silence uvicorn's access log in the workers
    from cchc_flow.flows.phase import run_phase as run_phase_flow

    pooled = _through_pool(run, PHASE, plan, phase, as_of)
    if pooled:
        return pooled
    summary = run_phase_flow(plan, phase, as_of)
    sent = sum(d.sent for d in summary.deliveries)
    return (
        "phase.delivered",
        {"sent": sent, "units": len(summary.deliveries), "pending": summary.pending},
        summary.flow_run_id,
    )


@router.post("/runs/review")
def run_review(
    request: Request,
    who: Coordinator,
    plan: Plan,
    s: ReadSession,
    _: Csrf,
    day: Today,
    phase: Annotated[str, Form()] = "",
    confirmed: Annotated[str, Form()] = "",
) -> Response:
    """Holding a review asks first: the confirmation page says how many activities are unfinished and who receives
    the report; only the form posted from that page (confirmed=yes) holds it."""
    number = _phase_number(phase)
    try:
        phase_row, _unused = check_review(s, plan.code, number, day)
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


def _review_body(run: Run, plan: str, phase: int, as_of: str | None) -> tuple[str, dict[str, Any], str | None]:
    # deferred: importing Prefect configures logging, which would silence uvicorn's access log in the workers
    from cchc_flow.flows.review import run_review as run_review_flow

    pooled = _through_pool(run, REVIEW, plan, phase, as_of)
    if pooled:
        return pooled
    outcome = run_review_flow(plan, phase, as_of)
    held = date.fromisoformat(outcome.held_on).strftime("%d/%m/%Y")
    return "web.run.message.review", {"title": outcome.title, "date": held}, outcome.flow_run_id


def _through_pool(
    run: Run, kind: str, plan: str, phase: int, as_of: str | None
) -> tuple[str, dict[str, Any], str | None] | None:
    """When a Prefect server is configured and the run deployed: run it through the work pool (one run per plan,
    phase and date, flows/running/launch.py), its state followed on ``run`` as it goes, and say how it ended;
    None: run it in this process."""
    if pool_deployment(kind, plan, phase) is None:
        return None
    flow_run_id = start_through_pool(kind, plan, phase, as_of)
    run.seen(flow_run_id, "Scheduled")
    pooled = wait_for_run(flow_run_id, on_state=partial(run.seen, flow_run_id))
    line, ok = describe(pooled, kind, plan, phase)
    if not ok:
        raise RuntimeError(line)
    return "web.run.said", {"text": line}, pooled.flow_run_id  # the pool's own account of the run


def _start(
    request: Request,
    kind: str,
    plan: str,
    phase: int,
    title: str,
    body: Callable[[Run, str, int, str | None], tuple[str, dict[str, Any], str | None]],
) -> Response:
    routes_usable()
    runs = request.app.state.runs
    if runs.running(kind, plan, phase):
        flash(request, t("web.run_busy", title=title), "warn")
        return back("/board")
    as_of = request.app.state.as_of.isoformat() if request.app.state.as_of else None
    run = runs.start(kind, plan, phase, as_of, lambda r: body(r, plan, phase, as_of))
    if run.status == "failed":
        flash(request, t("web.run_failed", title=title, error=run.text(request.state.lang)), "error")
    elif run.status == "done":
        flash(request, t("web.run_done", title=title, summary=run.text(request.state.lang)))
    else:
        flash(request, t("web.run_started", title=title))
        return back(f"/runs/{run.id}")  # its page follows it
    return back("/board")


def _run_of(request: Request, plan: PlanRow, run_id: int) -> Run:
    run = request.app.state.runs.get(run_id)
    if run is None or run.plan != plan.code:
        raise PortalError(404, t("web.run.unknown", id=run_id))
    return run


@router.get("/runs/{run_id}.json")
def run_state(request: Request, run_id: int, who: Reader, plan: Plan) -> Response:
    """A run started from this portal process, as its page shows it (for polling)."""
    return JSONResponse(_run_of(request, plan, run_id).as_json(request.state.lang))


@router.get("/runs/{run_id}")
def run_page(request: Request, run_id: int, who: Reader, plan: Plan) -> Response:
    """A run started from this portal process: its state, live (the page reloads itself every few seconds while
    the run is going, without any script), and its page in the Prefect UI."""
    return render(request, "run.html", run=_run_of(request, plan, run_id), refresh=RUN_REFRESH)


RUN_REFRESH = 2  # seconds between two readings of a run's page while it is going


# ------------------------------------------------------------------------------------------------ auditors

FILTERS = ("activity", "unit", "actor", "state", "since", "until")


def _history_filter(request: Request, plan: PlanRow) -> tuple[Any, dict[str, str]]:
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
def history(request: Request, who: Reader, plan: Plan, s: ReadSession) -> Response:
    limit = 500
    f, raw = _history_filter(request, plan)
    try:
        f = check_filter(s, f)
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
def history_export(request: Request, fmt: str, who: Reader, plan: Plan, s: ReadSession) -> Response:
    if fmt not in ("csv", "json", "xlsx"):
        raise PortalError(404, t("history.bad_format", fmt=fmt))
    f, _ = _history_filter(request, plan)
    try:
        f = check_filter(s, f)
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
def audit(request: Request, who: Reader, plan: Plan, s: ReadSession) -> Response:
    return render(request, "audit.html", report=verify(s, plan.code))


@router.get("/reviews")
def reviews(request: Request, who: Reader, plan: Plan, s: ReadSession, day: Today) -> Response:
    return render(request, "reviews.html", reviews=views.reviews(s, plan, day))


@router.get("/reviews/{phase}.{fmt}")
def review_file(phase: int, fmt: str, who: Reader, plan: Plan, s: ReadSession) -> Response:
    path = views.review_file(s, plan, phase, fmt)
    media = {
        "md": "text/markdown; charset=utf-8",
        "pdf": "application/pdf",
        "docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    }[fmt]
    return FileResponse(path, media_type=media, filename=path.name)
