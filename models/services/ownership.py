"""Whether the person at the keyboard holds the database owner's access (what a token recovery needs).

SQLite: the database file belongs to the user running the command. PostgreSQL: the connected role owns the
history table (or is a member of the owning role, or a superuser). An application role granted only what it
needs (see the README, Audit) does not pass.
"""

from __future__ import annotations

import os
from pathlib import Path

import sqlalchemy as sa
from sqlmodel import Session

from cchc_flow.models.rules.messages import t


def database_name(session: Session) -> str:
    """The name the owner confirms: the SQLite file's name, or the PostgreSQL database's."""
    url = session.get_bind().engine.url
    if url.get_backend_name() == "sqlite":
        return Path(url.database or "").name
    return str(session.execute(sa.text("SELECT current_database()")).scalar())


def owner_problem(session: Session) -> tuple[str, str | None]:
    """(who the database says we are, why that is not its owner, or None when it is)."""
    url = session.get_bind().engine.url
    if url.get_backend_name() == "sqlite":
        path = Path(url.database or "")
        owner, uid = path.stat().st_uid, os.getuid()
        who = f"uid {uid}"
        return who, None if owner == uid else t("recover.sqlite_owner", path=path, owner=owner, uid=uid)
    user, owner, ok = session.execute(
        sa.text(
            "SELECT current_user, tableowner, pg_has_role(current_user, tableowner, 'MEMBER') "
            "OR (SELECT rolsuper FROM pg_roles WHERE rolname = current_user) "
            "FROM pg_tables WHERE tablename = 'transition' AND schemaname = current_schema()"
        )
    ).one()
    return str(user), None if ok else t("recover.pg_owner", user=user, owner=owner)
