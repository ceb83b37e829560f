"""Helpers for the web portal's tests (route tests and the browser test)."""

from __future__ import annotations

import re

import sqlalchemy as sa

PLAN = "byt-3723-2013-2015"
CSRF = re.compile(r'name="csrf" value="([^"]+)"')


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
        s.execute(sa.update(ActivityRow).where(ActivityRow.plan_id == row.id, ActivityRow.key.in_(keys))
                  .values(state=state))


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
