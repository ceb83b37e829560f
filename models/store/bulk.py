"""Inserting many rows at once: COPY on PostgreSQL, an executemany elsewhere.

An executemany sends each row as a statement of its own, its values bound by SQLAlchemy and adapted by psycopg one
by one; COPY streams them as one. The rows go through the same bind processing as an INSERT (each column type's,
such as UTCDateTime's) and the table's triggers and constraints apply to them as to an INSERT (the append-only guard
included); an error is raised as SQLAlchemy raises it for a statement.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Any

import sqlalchemy as sa

MIN_COPY = 50  # fewer rows than this go by executemany: COPY's set-up costs more than it saves


def insert_rows(connection: sa.Connection, table: sa.Table, rows: Sequence[Mapping[str, Any]]) -> None:
    """Insert ``rows`` (each with the same keys, column names of ``table``) in the connection's transaction."""
    if not rows:
        return
    dialect = connection.dialect
    if dialect.name != "postgresql" or len(rows) < MIN_COPY:
        connection.execute(sa.insert(table), list(rows))
        return
    names = list(rows[0])
    bind = [_processor(table.c[name], dialect) for name in names]
    statement = "COPY {} ({}) FROM STDIN".format(
        dialect.identifier_preparer.format_table(table),
        ", ".join(dialect.identifier_preparer.quote(name) for name in names),
    )
    try:
        values = [[row[n] if p is None else p(row[n]) for n, p in zip(names, bind, strict=True)] for row in rows]
    except Exception as error:  # a value its column refuses: raised as SQLAlchemy raises it for a statement
        raise sa.exc.StatementError(str(error), statement, None, error) from error
    cursor = connection.connection.dbapi_connection.cursor()  # type: ignore[union-attr]
    try:
        with cursor.copy(statement) as copy:
            for value in values:
                copy.write_row(value)
    except dialect.loaded_dbapi.Error as error:
        raise sa.exc.DBAPIError.instance(statement, None, error, dialect.loaded_dbapi.Error) from error
    finally:
        cursor.close()


def _processor(column: sa.Column, dialect: sa.Dialect) -> Callable[[Any], Any] | None:
    return column.type.dialect_impl(dialect).bind_processor(dialect)  # what an INSERT of this column would use
