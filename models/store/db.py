"""Engines, sessions and schema migrations for SQLite (default) or any SQLAlchemy URL."""

from __future__ import annotations

import re
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING, Any

import sqlalchemy as sa
from sqlalchemy.engine import make_url
from sqlmodel import Session

from cchc_flow.models.rules.messages import t
from cchc_flow.settings import get_settings

if TYPE_CHECKING:
    from alembic.config import Config

MIGRATIONS = Path(__file__).parent / "migrations"
_REVISION = re.compile(r"^(revision|down_revision)\s*(?::[^=]*)?=\s*(.*)$", re.MULTILINE)
_QUOTED = re.compile(r"[\"']([^\"']+)[\"']")


def get_engine(url: str | None = None) -> sa.Engine:
    """The engine for ``url`` (default: CCHC_DATABASE_URL or the SQLite file under CCHC_HOME), one per URL."""
    return _engine(url or get_settings().database)


class DatabaseUnusable(RuntimeError):
    """The configured database cannot be reached, read or upgraded; the message names it (password hidden), says
    why and what to do."""


def unusable(exc: BaseException, url: str | None = None) -> DatabaseUnusable | None:
    """``exc`` told as a database that cannot be used (unreachable, not a database, locked, unreadable URL), None for
    any other error: constraint violations and programming errors keep their traceback."""
    if isinstance(exc, DatabaseUnusable):
        return exc
    if type(exc) not in (sa.exc.OperationalError, sa.exc.DatabaseError, sa.exc.InterfaceError):
        return None
    orig = getattr(exc, "orig", None) or exc
    return DatabaseUnusable(t("db.unusable", url=shown(url or get_settings().database), reason=_first_line(orig)))


def shown(url: str) -> str:
    """The URL as it may be shown: the password hidden."""
    try:
        return make_url(url).render_as_string(hide_password=True)
    except (sa.exc.ArgumentError, ValueError):
        return "CCHC_DATABASE_URL"


def _first_line(exc: BaseException) -> str:
    lines = str(exc).strip().splitlines()
    return lines[0].strip() if lines else type(exc).__name__


@lru_cache(maxsize=16)
def _engine(url: str) -> sa.Engine:
    try:
        parsed = make_url(url)
        parsed.get_dialect().import_dbapi()  # an unknown database kind or a missing driver is said here
    except (sa.exc.ArgumentError, sa.exc.NoSuchModuleError, ValueError, ImportError) as exc:
        reason = _first_line(exc).replace(url, shown(url))
        raise DatabaseUnusable(t("db.url_invalid", reason=reason)) from None
    if parsed.get_backend_name() == "sqlite":
        if parsed.database and parsed.database != ":memory:":
            Path(parsed.database).parent.mkdir(parents=True, exist_ok=True, mode=0o700)
        engine = sa.create_engine(url, connect_args={"timeout": 30})
        sa.event.listen(engine, "connect", _sqlite_pragmas)
        sa.event.listen(engine, "begin", _sqlite_begin)
        return engine
    return sa.create_engine(url, pool_pre_ping=True)


def _sqlite_begin(conn: sa.Connection) -> None:
    # A write transaction takes the write lock when it starts: a deferred one that reads and then writes fails at
    # once with "database is locked" when another writer committed in between (WAL snapshot). Reads stay deferred.
    conn.exec_driver_sql("BEGIN IMMEDIATE" if conn.get_execution_options().get("cchc_write") else "BEGIN")


def _sqlite_pragmas(dbapi_conn: Any, _record: object) -> None:
    dbapi_conn.isolation_level = None  # SQLAlchemy emits BEGIN itself
    cur = dbapi_conn.cursor()
    cur.execute("PRAGMA foreign_keys=ON")
    cur.execute("PRAGMA journal_mode=WAL")
    cur.execute("PRAGMA busy_timeout=30000")
    cur.close()


def _alembic_config(url: str) -> Config:
    from alembic.config import Config  # deferred: Alembic loads only when a database needs upgrading

    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    cfg.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    return cfg


_MIGRATED: set[str] = set()
_MIGRATE_LOCK = threading.Lock()


def migrate(url: str | None = None) -> None:
    """Create or upgrade the schema to the newest migration, once per database and process."""
    url = url or get_settings().database
    if url in _MIGRATED:
        return
    with _MIGRATE_LOCK:
        if url not in _MIGRATED:
            _migrate(url)
            _MIGRATED.add(url)


@lru_cache(maxsize=1)
def head_revisions() -> frozenset[str]:
    """The newest migrations (those no other migration follows), read from the migration files' ``revision`` and
    ``down_revision`` lines without loading Alembic (tests/test_cli_speed.py checks them against Alembic's heads)."""
    revisions: set[str] = set()
    followed: set[str] = set()
    for path in (MIGRATIONS / "versions").glob("*.py"):
        for name, value in _REVISION.findall(path.read_text(encoding="utf-8")):
            (revisions if name == "revision" else followed).update(_QUOTED.findall(value))
    return frozenset(revisions - followed)


def _current_revisions(engine: sa.Engine) -> frozenset[str] | None:
    """The revisions the database says it is at (its alembic_version rows), None when it has no such table."""
    with engine.connect() as conn:
        if not sa.inspect(conn).has_table("alembic_version"):
            return None
        return frozenset(conn.exec_driver_sql("SELECT version_num FROM alembic_version").scalars())


def _migrate(url: str) -> None:
    engine = get_engine(url)
    if _current_revisions(engine) == head_revisions():
        return
    # deferred: Alembic (~75 ms of imports) loads only when the schema is behind
    from alembic import command

    cfg = _alembic_config(url)
    try:
        with engine.begin() as conn:  # one transaction (SQLite's DDL included): all of the upgrade or none
            cfg.attributes["connection"] = conn
            command.upgrade(cfg, "head")
    except Exception as exc:
        try:
            current = ", ".join(sorted(_current_revisions(engine) or ())) or "0"
        except sa.exc.SQLAlchemyError:
            current = "?"
        raise DatabaseUnusable(
            t(
                "db.upgrade_failed",
                url=shown(url),
                current=current,
                head=", ".join(sorted(head_revisions())),
                reason=_first_line(getattr(exc, "orig", None) or exc),
            )
        ) from exc


@contextmanager
def write_transaction(s: Session) -> Iterator[Session]:
    """A transaction that will write: commits on success, rolls back on error (takes SQLite's lock up front)."""
    with s.begin():
        s.connection(execution_options={"cchc_write": True})
        yield s


@contextmanager
def session(url: str | None = None) -> Iterator[Session]:
    """A session on a migrated database; the caller commits (or uses ``with s.begin()``)."""
    migrate(url)
    with Session(get_engine(url), expire_on_commit=False) as s:
        yield s
