"""A column among many values, written the way each database reads it fastest.

An ``IN (...)`` list of thousands of values costs the client more than the database: SQLAlchemy renders one
placeholder per value at every execution, and psycopg rewrites them all in Python (the statement text differs with
every length, so nothing is cached). On PostgreSQL the values go as one array parameter (``= ANY(...)``) instead:
a claim of 3,000 notifications, 33 ms against 15 ms; reading their deliveries, 23 ms against 5 ms
(bench/README.md). SQLite keeps ``IN``, in lists of at most CHUNK values (its limit on parameters).
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from typing import Any, TypeVar

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import ARRAY
from sqlmodel import Session

T = TypeVar("T")
CHUNK = 5000  # values per IN list on SQLite (its default limit is 32,766 parameters per statement)


def chunks(values: Sequence[T], size: int = CHUNK) -> Iterator[list[T]]:
    """``values`` in lists of at most ``size``: bounded IN (...) lists, whatever the size of the plan."""
    for i in range(0, len(values), size):
        yield list(values[i : i + size])


def id_lists(session: Session, values: Sequence[T]) -> Iterator[list[T]]:
    """``values`` in as many lists as one statement each needs on this session's database: one on PostgreSQL,
    lists of CHUNK on SQLite; nothing for no values."""
    if not values:
        return iter(())
    if _on_postgresql(session):
        return iter((list(values),))
    return chunks(values)


def among(session: Session, column: Any, values: Sequence[Any]) -> sa.ColumnElement[bool]:
    """``column`` is one of ``values`` (a list from id_lists): ``= ANY(array)`` on PostgreSQL, ``IN`` elsewhere."""
    if _on_postgresql(session):
        return column == sa.any_(sa.bindparam(None, list(values), type_=ARRAY(column.type)))
    return column.in_(values)


def _on_postgresql(session: Session) -> bool:
    return session.get_bind().dialect.name == "postgresql"
