"""Helpers and fixtures for the web portal's tests (route tests and the browser test; fixtures registered in
conftest.py)."""

from __future__ import annotations

import re
from datetime import date

import pytest
import sqlalchemy as sa
from fastapi.testclient import TestClient

PLAN = "byt-3723-2013-2015"
CSRF = re.compile(r'name="csrf" value="([^"]+)"')
AS_OF = date(2014, 3, 14)
PDF = b"%PDF-1.4\n% bien ban\n"


@pytest.fixture
def app(loaded):  # type: ignore[no-untyped-def]
    """The portal on the loaded reference plan, 1.1.1, 1.1.2 and 1.4.1 assigned, as of 14/03/2014."""
    from cchc_flow.web.app import create_app

    set_states(PLAN, "assigned", ["1.1.1", "1.1.2", "1.4.1"])
    return create_app(as_of=AS_OF, background_runs=False, max_upload_bytes=4096)


@pytest.fixture
def creds(app) -> dict[str, tuple[int, str]]:  # type: ignore[no-untyped-def]
    """(token id, token) by holder (cchc_flow.models.services.auth.issue_token); conftest's ``tokens`` gives one per unit."""
    return {
        "coordinator": issue("coordinator", "VPB"),
        "auditor": issue("auditor"),
        "T5G": issue("unit", "T5G"),
        "TCCB": issue("unit", "TCCB"),
        "VCL": issue("unit", "VCL"),
    }


@pytest.fixture
def client(app):  # type: ignore[no-untyped-def]
    """A factory of browsers: client("T5G") is a fresh TestClient signed in with T5G's token (None: nobody)."""
    made = []

    def make(who: str | None = None, creds: dict | None = None) -> TestClient:
        c = TestClient(app)
        made.append(c)
        if who:
            assert creds is not None
            assert sign_in_with_token(c, creds[who][1]).status_code == 303
        return c

    yield make
    for c in made:
        c.close()


def post(c: TestClient, path: str, data: dict | None = None, files=None, csrf: bool = True, page: str = "/login"):  # type: ignore[no-untyped-def]
    """POST a form as the browser would: with the session's CSRF token read from a page (unless csrf=False)."""
    fields = dict(data or {})
    if csrf:
        fields["csrf"] = csrf_of(c.get(page).text)
    return c.post(path, data=fields, files=files, follow_redirects=False)


def issue(role: str, unit: str | None = None) -> tuple[int, str]:
    """A fresh token (cchc_flow.models.services.auth.issue_token, as `cchc token issue` does): (id, token)."""
    from cchc_flow.models.services.auth import issue_token
    from cchc_flow.models.store.db import session

    with session() as s:
        return issue_token(s, role, unit, label=f"test {role} {unit or ''}".strip())


def set_states(plan: str, state: str, keys: list[str]) -> None:
    """Put activities in a state directly (what a phase run would have done), as tests/test_actions.py does."""
    from cchc_flow.models.store.db import session, write_transaction
    from cchc_flow.models.store.queries import get_plan
    from cchc_flow.models.store.tables import ActivityRow

    with session() as s, write_transaction(s):
        row = get_plan(s, plan)
        s.execute(
            sa.update(ActivityRow).where(ActivityRow.plan_id == row.id, ActivityRow.key.in_(keys)).values(state=state)
        )


def csrf_of(html: str) -> str:
    match = CSRF.search(html)
    assert match, "no CSRF field on the page"
    return match.group(1)


def sign_in_with_token(client, token: str):  # type: ignore[no-untyped-def]
    """Sign a TestClient in through the token form (CSRF included); returns the response."""
    page = client.get("/login")
    return client.post("/login", data={"csrf": csrf_of(page.text), "token": token}, follow_redirects=False)


def rows(sql: str, **params) -> list[tuple]:  # type: ignore[no-untyped-def]
    from cchc_flow.models.store.db import get_engine

    with get_engine().connect() as conn:
        return [tuple(r) for r in conn.execute(sa.text(sql), params)]


def text_of(html: str) -> str:
    """The page's text, as a reader sees it (tags dropped, spaces collapsed)."""
    import html as html_lib

    return re.sub(r"\s+", " ", html_lib.unescape(re.sub(r"<[^>]+>", " ", html))).strip()
