"""Alembic environment: migrations run on the connection cchc hands over, or on CCHC_DATABASE_URL."""

from typing import Any, Literal

import sqlalchemy as sa
from alembic import context
from sqlmodel import SQLModel

import cchc_flow.models.store.tables
from cchc_flow.models.store.db import get_engine
from cchc_flow.settings import get_settings

config = context.config
target_metadata = SQLModel.metadata


def run() -> None:
    connection = config.attributes.get("connection")
    if connection is None:
        url = config.get_main_option("sqlalchemy.url") or get_settings().database
        with get_engine(url).begin() as conn:
            _run(conn)
    else:
        _run(connection)


def _render_item(type_: str, obj: object, autogen_context: Any) -> str | Literal[False]:
    """Write our UTCDateTime as the plain column type it stores (migrations must not import models)."""
    if type_ == "type" and isinstance(obj, cchc_flow.models.store.tables.UTCDateTime):
        return "sa.DateTime(timezone=True)"
    return False


def _run(connection: sa.Connection) -> None:
    context.configure(
        connection=connection,
        target_metadata=target_metadata,
        render_item=_render_item,
        render_as_batch=connection.dialect.name == "sqlite",
    )
    with context.begin_transaction():
        context.run_migrations()


run()
