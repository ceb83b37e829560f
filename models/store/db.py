"""Engines, sessions and schema migrations for SQLite (default) or any SQLAlchemy URL."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from functools import lru_cache
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy.engine import make_url
from sqlmodel import Session

from cchc_flow.settings import get_settings

MIGRATIONS = Path(__file__).parent / "migrations"


def get_engine(url: str | None = None) -> sa.Engine:
    """The engine for ``url`` (default: CCHC_DATABASE_URL or the SQLite file under CCHC_HOME), one per URL."""
    return _engine(url or get_settings().database)


@lru_cache(maxsize=16)
def _engine(url: str) -> sa.Engine:
    parsed = make_url(url)
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


def _migrate(url: str) -> None:
    engine = get_engine(url)
    cfg = _alembic_config(url)
    heads = set(ScriptDirectory.from_config(cfg).get_heads())
    with engine.connect() as conn:
        if set(MigrationContext.configure(conn).get_current_heads()) == heads:
            return
    with engine.begin() as conn:
        cfg.attributes["connection"] = conn
        command.upgrade(cfg, "head")


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
