"""Inserting many rows at once (models/store/bulk.py): COPY on PostgreSQL, an executemany elsewhere, with the same
values stored, the same errors raised, and nothing written when one row is refused. Runs on SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import UTC, datetime

import pendulum
import pytest
import sqlalchemy as sa

from cchc_flow.models.store.bulk import MIN_COPY, insert_rows
from cchc_flow.models.store.tables import UTCDateTime


def scratch_table(engine: sa.Engine) -> sa.Table:
    table = sa.Table(
        "bulk_scratch",
        sa.MetaData(),
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("name", sa.String(40), nullable=False, unique=True),
        sa.Column("ok", sa.Boolean, nullable=False),
        sa.Column("at", UTCDateTime(), nullable=False),
        sa.Column("note", sa.Text),
    )
    table.create(engine)
    return table


def rows_for(n: int) -> list[dict]:
    hanoi = pendulum.datetime(2026, 12, 1, 19, 30, 0, 250000, tz="Asia/Ho_Chi_Minh")
    return [
        {
            "id": i,
            "name": f'Đơn vị {i} «tab\there» \\ "q"',  # COPY's own separators and escapes, as plain text
            "ok": i % 2 == 0,
            "at": hanoi.add(seconds=i),
            "note": None if i % 3 else f"dòng {i}\nthứ hai",
        }
        for i in range(1, n + 1)
    ]


@pytest.mark.parametrize("n", [3, MIN_COPY + 7])
def test_the_rows_are_stored_as_an_insert_would_store_them(n: int) -> None:  # type: ignore[no-untyped-def]
    from cchc_flow.models.store.db import get_engine

    engine = get_engine()
    table = scratch_table(engine)
    statements: list[str] = []

    def seen(conn, cursor, statement, *rest) -> None:  # type: ignore[no-untyped-def]
        statements.append(statement.split()[0].upper())

    given = rows_for(n)
    sa.event.listen(engine, "before_cursor_execute", seen)
    try:
        with engine.begin() as conn:
            insert_rows(conn, table, given)
    finally:
        sa.event.remove(engine, "before_cursor_execute", seen)
    with engine.connect() as conn:
        stored = [dict(r._mapping) for r in conn.execute(sa.select(table).order_by(table.c.id))]
    assert [r["name"] for r in stored] == [r["name"] for r in given]
    assert [r["note"] for r in stored] == [r["note"] for r in given]
    assert [r["ok"] for r in stored] == [r["ok"] for r in given]
    assert [r["at"] for r in stored] == [r["at"] for r in given]  # the same instants, read back in UTC
    assert stored[0]["at"].tzinfo is not None and stored[0]["at"].utcoffset().total_seconds() == 0
    assert stored[0]["at"] == datetime(2026, 12, 1, 12, 30, 1, 250000, tzinfo=UTC)
    copied = engine.dialect.name == "postgresql" and n >= MIN_COPY
    assert ("INSERT" in statements) is not copied  # COPY goes to the driver, not through a statement


@pytest.mark.parametrize("n", [3, MIN_COPY + 7])
def test_a_refused_row_raises_the_databases_error_and_nothing_is_written(n: int) -> None:  # type: ignore[no-untyped-def]
    from cchc_flow.models.store.db import get_engine

    engine = get_engine()
    table = scratch_table(engine)
    with engine.begin() as conn:
        insert_rows(conn, table, [dict(rows_for(2)[1], id=999)])
    with pytest.raises(sa.exc.IntegrityError, match="bulk_scratch"):
        with engine.begin() as conn:
            insert_rows(conn, table, rows_for(n))  # its second row's name is taken
    with engine.connect() as conn:
        assert conn.execute(sa.select(sa.func.count()).select_from(table)).scalar_one() == 1
    with pytest.raises(sa.exc.StatementError, match="naive"):  # the column type's own check, before anything is sent
        with engine.begin() as conn:
            insert_rows(conn, table, [dict(r, at=datetime(2026, 12, 1)) for r in rows_for(n)])
