"""The pages asked most (the board, the inboxes), drawn once per state and served as kept bytes after that.

A warm request costs the identity check (the session in the database: signing out, the coordinator ending it,
its 8 hours or a revoked token end it at once), the plan and its last step, and the HTML as last drawn for the
same viewer, plan state, day, language and address; the session's CSRF token is put into it as it is sent. A
missing page (a new step, another day or language, a message to show) is computed and drawn.

The routes calling it take no dependencies (each costs a worker-thread hop) and are plain functions: the whole
request runs in one worker thread, its database session opened and closed there (an event loop waiting for a
pooled connection that only the loop could give back would stall every request).

    return served(request, s, plan, ("board", day, lang), compute, lambda figures, csrf: render(...))
"""

from __future__ import annotations

import secrets
from collections.abc import Callable
from typing import Any

from fastapi import Request
from fastapi.responses import HTMLResponse, Response
from sqlmodel import Session

from cchc_flow.models.store.tables import PlanRow
from cchc_flow.web.deps import today
from cchc_flow.web.security import csrf_token
from cchc_flow.web.views import PageCache

SLOT = secrets.token_urlsafe(32)  # stands for the session's CSRF token in a kept page (the same alphabet)


def served(
    request: Request,
    s: Session,
    plan: PlanRow,
    key: tuple[Any, ...],
    compute: Callable[[], Any],
    draw: Callable[[Any, str], Response],
    vary: tuple[Any, ...] = (),
) -> Response:
    """The page on the figures kept under ``key`` (compute() when missing), drawn by draw(figures, csrf token);
    ``vary``: anything else the page shows that the plan's history does not track."""
    cache: PageCache = request.app.state.pages
    full = (plan.id, cache.head(s, plan), *key)
    csrf = csrf_token(request).encode()
    drawn = (
        full,
        request.state.lang,
        today(request),
        request.state.who,
        tuple(request.state.plans),
        request.url.path,
        request.url.query,
        *vary,
    )
    keep = "flash" not in request.session  # a page with a message is drawn once, for this request
    body = cache.drawn.get(drawn) if keep else None
    if body is None:
        body = bytes(draw(cache.at(full, compute), SLOT).body)
        if keep:
            cache.drawn.put(drawn, body)
    return HTMLResponse(body.replace(SLOT.encode(), csrf))
