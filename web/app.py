"""The portal's application factory, its middleware and `cchc serve`.

create_app()                      # FastAPI app on the configured database (CCHC_DATABASE_URL), migrated
serve("127.0.0.1", 8080)          # uvicorn, as `cchc serve` runs it
"""

from __future__ import annotations

import logging
import os
import re
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import date
from http.cookies import SimpleCookie
from pathlib import Path
from urllib.parse import urlencode

import anyio
import uvicorn
from fastapi import FastAPI, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from fastapi.staticfiles import StaticFiles
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.middleware.sessions import SessionMiddleware
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from cchc_flow.flows.running.runtime import stop_ephemeral_api
from cchc_flow.models.rules.messages import language, t
from cchc_flow.models.store.attachments import MAX_BYTES
from cchc_flow.models.store.db import migrate
from cchc_flow.settings import env_name, get_settings
from cchc_flow.web import pages, plan_import
from cchc_flow.web.deps import reading, signed_in
from cchc_flow.web.pages import render
from cchc_flow.web.runs import Runs
from cchc_flow.web.security import (
    LANG_COOKIE,
    SESSION_COOKIE,
    SESSION_MAX_AGE,
    PortalError,
    SignInNeeded,
    open_session_in,
    session_key,
)
from cchc_flow.web.uploads import MAX_FILES
from cchc_flow.web.views import PageCache

HERE = Path(__file__).resolve().parent
LANGS = ("vi", "en")
ANONYMOUS_BODY = 64 * 1024  # the largest body taken from someone not signed in
SECURITY_HEADERS = [
    (
        b"content-security-policy",
        b"default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'none'; "
        b"object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'",
    ),
    (b"x-content-type-options", b"nosniff"),
    (b"x-frame-options", b"DENY"),
    (b"referrer-policy", b"no-referrer"),  # a sign-in link in the address bar never leaks to another site
]


class PortalMiddleware:
    """Language (?lang=en, then the cookie, then CCHC_LANG) for the whole request, security headers, no caching of
    signed-in pages, and limits on the request body judged from the headers, before any of it is read: a declared
    length over the limit is refused at once (413); so is a declared length over 64 KiB (the sign-in form needs far
    less) without an open session (401). Chunked bodies are counted and cut (413) at the limit, or at 64 KiB without
    an open session."""

    def __init__(self, app: ASGIApp, max_body: int) -> None:
        self.app = app
        self.max_body = max_body

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        request = Request(scope)
        asked = request.query_params.get("lang")
        cookie = request.cookies.get(LANG_COOKIE)
        lang = asked if asked in LANGS else cookie if cookie in LANGS else get_settings().lang
        scope.setdefault("state", {})["lang"] = lang
        length = request.headers.get("content-length")
        declared = int(length) if length and length.isdigit() else None
        if declared is not None and declared > self.max_body:
            await self._refuse(send, 413, t("web.body_too_big", lang))
            return
        limit = self.max_body
        chunked = "chunked" in request.headers.get("transfer-encoding", "").lower()
        if (declared or 0) > ANONYMOUS_BODY or (declared is None and chunked):  # only from someone signed in
            signed = await anyio.to_thread.run_sync(open_session_in, request.cookies.get(SESSION_COOKIE))
            if not signed:
                if declared is not None:
                    await self._refuse(send, 401, t("web.sign_in_needed", lang))
                    return
                limit = ANONYMOUS_BODY
        received = 0
        started = cut = False

        async def limited_receive() -> Message:
            """The body as it comes, counted; past the limit the answer is 413 and the app sees a disconnect."""
            nonlocal received, cut
            if cut:
                return {"type": "http.disconnect"}
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > limit:
                    cut = True
                    if not started:
                        await self._refuse(send, 413, t("web.body_too_big", lang))
                    return {"type": "http.disconnect"}
            return message

        async def send_with_headers(message: Message) -> None:
            nonlocal started
            if cut:  # answered already
                return
            if message["type"] == "http.response.start":
                started = True
                headers = list(message.get("headers", []))
                headers += SECURITY_HEADERS
                if not scope["path"].startswith("/static/"):
                    headers.append((b"cache-control", b"no-store"))
                if asked in LANGS and asked != cookie:
                    jar: SimpleCookie = SimpleCookie()
                    jar[LANG_COOKIE] = asked
                    jar[LANG_COOKIE].update({"path": "/", "max-age": str(365 * 86400), "samesite": "Lax"})
                    jar[LANG_COOKIE]["httponly"] = True
                    headers.append((b"set-cookie", jar[LANG_COOKIE].OutputString().encode()))
                message["headers"] = headers
            await send(message)

        with language(lang):
            try:
                await self.app(scope, limited_receive, send_with_headers)
            except Exception:
                if not cut:  # what the app raised because its body was cut short is of no interest
                    raise

    async def _refuse(self, send: Send, status: int, message: str) -> None:
        """Answer at once, without reading the body; the connection is closed after it."""
        body = f"<!doctype html><meta charset='utf-8'><p>{message}</p>".encode()
        await send(
            {
                "type": "http.response.start",
                "status": status,
                "headers": [
                    (b"content-type", b"text/html; charset=utf-8"),
                    (b"connection", b"close"),
                    (b"content-length", str(len(body)).encode()),
                    *SECURITY_HEADERS,
                ],
            }
        )
        await send({"type": "http.response.body", "body": body})


def create_app(
    *,
    as_of: date | None = None,
    background_runs: bool = True,
    max_upload_bytes: int = MAX_BYTES,
    secure_cookies: bool | None = None,
) -> FastAPI:
    """The portal on the configured database (migrated first).

    ``as_of``: the day the portal counts as today (replays and demos; actions are recorded on it, as with the CLI's
    --as-of); ``background_runs=False`` makes the board's run buttons wait for their flow (tests);
    ``max_upload_bytes``: the largest file accepted (default: the CLI's limit); ``secure_cookies``: mark the
    session cookie Secure (default: when CCHC_PORTAL_URL is https).
    """
    migrate()
    if secure_cookies is None:
        secure_cookies = (get_settings().portal_url or "").startswith("https://")
    app = FastAPI(title="cchc-flow", docs_url=None, redoc_url=None, openapi_url=None, lifespan=_lifespan)
    app.state.as_of = as_of
    app.state.runs = Runs(background=background_runs)
    app.state.pages = PageCache()
    app.state.max_upload = max_upload_bytes
    app.include_router(pages.router)
    app.include_router(plan_import.router)
    app.mount("/static", StaticFiles(directory=HERE / "static"), name="static")
    app.add_exception_handler(PortalError, _portal_error)  # type: ignore[arg-type]
    app.add_exception_handler(StarletteHTTPException, _unknown_address)  # type: ignore[arg-type]
    app.add_middleware(
        SessionMiddleware,
        secret_key=session_key(),
        session_cookie=SESSION_COOKIE,
        max_age=SESSION_MAX_AGE,
        same_site="lax",
        https_only=secure_cookies,
    )
    # outermost: the body limit applies before the session or the form is read
    app.add_middleware(PortalMiddleware, max_body=max_upload_bytes * MAX_FILES + 1024 * 1024)
    return app


@asynccontextmanager
async def _lifespan(app: FastAPI) -> AsyncIterator[None]:
    """At shutdown (SIGINT, SIGTERM), stop the temporary Prefect API server a run from the board started in this
    process: it would outlive the portal otherwise."""
    yield
    stop_ephemeral_api()


async def _portal_error(request: Request, exc: PortalError) -> Response:
    if isinstance(exc, SignInNeeded) and request.method == "GET":
        target = request.url.path + (f"?{request.url.query}" if request.url.query else "")
        return RedirectResponse(f"/login?{urlencode({'next': target})}", status_code=303)
    try:
        return render(request, "error.html", status=exc.status, message=exc.message)
    except Exception:  # the error page itself could not be drawn (no plan, no database): plain text
        return HTMLResponse(f"<!doctype html><meta charset='utf-8'><p>{exc.message}</p>", status_code=exc.status)


async def _unknown_address(request: Request, exc: StarletteHTTPException) -> Response:
    """An address the portal does not have (or a method it does not take) gets the portal's own error page, in the
    page's language, with the signed-in person's menu; not the framework's JSON."""
    try:
        with reading() as s:
            signed_in(request, s)
    except Exception:  # no database: the page is drawn without the menu
        pass
    message = t("web.no_page", path=request.url.path) if exc.status_code == 404 else str(exc.detail)
    return await _portal_error(request, PortalError(exc.status_code, message))


class _MaskLinks(logging.Filter):
    """Keep sign-in links out of the access log: ``link=…`` is written ``link=****``."""

    def filter(self, record: logging.LogRecord) -> bool:
        if isinstance(record.args, tuple):
            record.args = tuple(_LINK.sub(r"\1****", a) if isinstance(a, str) else a for a in record.args)
        return True


_LINK = re.compile(r"((?:^|[?&])link=)[^&\s]+")


def app_from_environment() -> FastAPI:
    """The portal as each uvicorn worker builds it (by import string), on the settings (--as-of among them)."""
    app = create_app(as_of=get_settings().portal_as_of)
    access = logging.getLogger("uvicorn.access")
    if not any(isinstance(f, _MaskLinks) for f in access.filters):
        access.addFilter(_MaskLinks())
    return app


def serve(host: str = "127.0.0.1", port: int = 8080, as_of: str | None = None, workers: int | None = None) -> None:
    """Run the portal with uvicorn until interrupted: ``workers`` processes (default: one per core), the access
    log (sign-in links masked), and a graceful shutdown on SIGINT/SIGTERM (requests under way are finished, for at
    most 30 s)."""
    migrate()  # once, here: the workers then find the schema up to date
    # uvicorn starts its worker processes afresh, each importing the app: the environment is all they inherit from
    # here, so --as-of goes there (the portal_as_of setting) while the portal runs
    name = env_name("portal_as_of")
    before = os.environ.get(name)
    if as_of is not None:
        os.environ[name] = as_of
    try:
        uvicorn.run(
            "cchc_flow.web.app:app_from_environment",
            factory=True,
            host=host,
            port=port,
            workers=workers or os.cpu_count() or 1,
            log_level="info",
            access_log=True,
            proxy_headers=False,
            server_header=False,
            timeout_graceful_shutdown=30,
            timeout_worker_healthcheck=60,  # a worker importing on a busy machine is not taken for hung
        )
    finally:
        if before is None:
            os.environ.pop(name, None)
        else:
            os.environ[name] = before
