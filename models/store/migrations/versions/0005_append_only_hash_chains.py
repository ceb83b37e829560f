"""append-only history: hash chains, triggers, history indexes

Revision ID: 0005
Revises: 0004

- transition and delivery get ``seq``, ``prev_hash`` and ``row_hash`` (one chain per table per plan, see
  models/store/chain.py); delivery gets ``plan_id`` (its notification's plan), so its chain is indexed per plan.
- Rows already stored are chained here, in id order: steps recorded before 0004 get the day they were
  recorded (Asia/Ho_Chi_Minh) as their effective day first, since that is what an empty one meant.
- Triggers refuse UPDATE and DELETE on both tables (SQLite: RAISE(ABORT); PostgreSQL: a row trigger and a
  TRUNCATE statement trigger). A migration that rebuilds one of these tables on SQLite (batch "move and
  copy") drops its triggers: it must create them again (verify reports them missing).

This migration imports cchc_flow.models.store.chain on purpose: it is the frozen, stdlib-only definition of the hash format,
shared with every later verification.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from alembic import op

from cchc_flow.models.store.chain import GENESIS, TRANSITION_FIELDS, delivery_content, row_hash, transition_content

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None

TABLES = ("transition", "delivery")
MESSAGE = "cchc: {table} is append-only: {op} refused"
BATCH = 2000


def upgrade() -> None:
    conn = op.get_bind()
    if conn.dialect.name == "sqlite":  # SQLite adds a column with its reference in place, no table rebuild
        op.execute("ALTER TABLE delivery ADD COLUMN plan_id INTEGER REFERENCES plan (id)")
    else:
        op.add_column("delivery", sa.Column("plan_id", sa.Integer(), nullable=True))
        op.create_foreign_key("delivery_plan_id_fkey", "delivery", "plan", ["plan_id"], ["id"])
    for table in TABLES:
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.add_column(sa.Column("seq", sa.Integer(), nullable=True))
            batch_op.add_column(sa.Column("prev_hash", sa.String(length=64), nullable=True))
            batch_op.add_column(sa.Column("row_hash", sa.String(length=64), nullable=True))
    _chain_existing_rows(conn)
    with op.batch_alter_table("transition", schema=None) as batch_op:
        batch_op.create_index("ux_transition_chain", ["plan_id", "seq"], unique=True)
        batch_op.create_index("ix_transition_day", ["plan_id", "effective_day", "seq"], unique=False)
        batch_op.create_index(
            "ix_transition_entity", ["plan_id", "entity", "entity_key", "effective_day", "seq"], unique=False
        )
        batch_op.create_index("ix_transition_actor", ["plan_id", "actor", "effective_day", "seq"], unique=False)
        batch_op.create_index("ix_transition_run", ["plan_id", "flow_run_id"], unique=False)
    with op.batch_alter_table("delivery", schema=None) as batch_op:
        batch_op.create_index("ux_delivery_chain", ["plan_id", "seq"], unique=True)
    with op.batch_alter_table("notification", schema=None) as batch_op:
        batch_op.create_index("ix_notification_entity", ["plan_id", "entity", "entity_key", "as_of"], unique=False)
        batch_op.create_index("ix_notification_recipient", ["plan_id", "recipient", "as_of"], unique=False)
        batch_op.create_index("ix_notification_day", ["plan_id", "as_of"], unique=False)
    if conn.dialect.name == "postgresql":
        _postgresql_triggers()
    else:
        _sqlite_triggers()


def _sqlite_triggers() -> None:
    for table in TABLES:
        for what in ("UPDATE", "DELETE"):
            op.execute(
                f"CREATE TRIGGER {table}_append_only_{what.lower()} BEFORE {what} ON {table} "
                f"BEGIN SELECT RAISE(ABORT, '{MESSAGE.format(table=table, op=what)}'); END"
            )


def _postgresql_triggers() -> None:
    op.execute("""
        CREATE OR REPLACE FUNCTION cchc_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN
            RAISE EXCEPTION 'cchc: % is append-only: % refused', TG_TABLE_NAME, TG_OP
                USING ERRCODE = 'restrict_violation';
        END $$""")
    for table in TABLES:
        op.execute(
            f"CREATE TRIGGER {table}_append_only BEFORE UPDATE OR DELETE ON {table} "
            f"FOR EACH ROW EXECUTE FUNCTION cchc_append_only()"
        )
        op.execute(
            f"CREATE TRIGGER {table}_no_truncate BEFORE TRUNCATE ON {table} "
            f"FOR EACH STATEMENT EXECUTE FUNCTION cchc_append_only()"
        )


def _chain_existing_rows(conn: sa.Connection) -> None:
    """Give every stored row its place and hash, plan by plan, in id order."""
    transition = sa.table(
        "transition",
        sa.column("id", sa.Integer),
        sa.column("plan_id", sa.Integer),
        sa.column("entity", sa.String),
        sa.column("entity_key", sa.String),
        sa.column("event", sa.String),
        sa.column("from_state", sa.String),
        sa.column("to_state", sa.String),
        sa.column("at", sa.DateTime(timezone=True)),
        sa.column("effective_day", sa.Date),
        sa.column("actor", sa.String),
        sa.column("source", sa.String),
        sa.column("note", sa.String),
        sa.column("flow_run_id", sa.String),
        sa.column("task_run_id", sa.String),
        sa.column("seq", sa.Integer),
        sa.column("prev_hash", sa.String),
        sa.column("row_hash", sa.String),
    )
    notification = sa.table(
        "notification",
        sa.column("id", sa.Integer),
        sa.column("plan_id", sa.Integer),
        sa.column("key", sa.String),
        sa.column("entity", sa.String),
        sa.column("entity_key", sa.String),
        sa.column("notice", sa.String),
        sa.column("recipient", sa.String),
        sa.column("role", sa.String),
    )
    delivery = sa.table(
        "delivery",
        sa.column("id", sa.Integer),
        sa.column("notification_id", sa.Integer),
        sa.column("route", sa.String),
        sa.column("ok", sa.Boolean),
        sa.column("error", sa.String),
        sa.column("at", sa.DateTime(timezone=True)),
        sa.column("flow_run_id", sa.String),
        sa.column("plan_id", sa.Integer),
        sa.column("seq", sa.Integer),
        sa.column("prev_hash", sa.String),
        sa.column("row_hash", sa.String),
    )

    local = ZoneInfo("Asia/Ho_Chi_Minh")
    undated = conn.execute(sa.select(transition.c.id, transition.c.at).where(transition.c.effective_day.is_(None)))
    days = [{"i": i, "d": _aware(at).astimezone(local).date()} for i, at in undated]
    if days:
        conn.execute(
            transition.update().where(transition.c.id == sa.bindparam("i")).values(effective_day=sa.bindparam("d")),
            days,
        )
    conn.execute(
        delivery.update().values(
            plan_id=sa.select(notification.c.plan_id)
            .where(notification.c.id == delivery.c.notification_id)
            .scalar_subquery()
        )
    )

    _chain(
        conn,
        transition,
        [transition.c[k] for k in TRANSITION_FIELDS],
        None,
        lambda r: ("transition", transition_content(r)),
    )
    n = notification.c
    _chain(
        conn,
        delivery,
        [
            delivery.c.notification_id,
            delivery.c.route,
            delivery.c.ok,
            delivery.c.error,
            delivery.c.at,
            delivery.c.flow_run_id,
            n.key,
            n.entity,
            n.entity_key,
            n.notice,
            n.recipient,
            n.role,
        ],
        (notification, n.id == delivery.c.notification_id),
        lambda r: ("delivery", delivery_content(r, r)),
    )


def _chain(
    conn: sa.Connection,
    table: sa.TableClause,
    columns: list,
    join: tuple[sa.TableClause, sa.ColumnElement[bool]] | None,
    content: Callable[[dict[str, Any]], tuple[str, dict]],
) -> None:
    """Walk ``table`` in (plan_id, id) order, BATCH rows at a time, and store each row's seq and hashes."""
    key = (table.c.plan_id, table.c.id)
    query = sa.select(*key, *columns).order_by(*key).limit(BATCH)
    if join is not None:
        query = query.select_from(table.join(*join))
    update = (
        table.update()
        .where(table.c.id == sa.bindparam("i"))
        .values(seq=sa.bindparam("s"), prev_hash=sa.bindparam("p"), row_hash=sa.bindparam("h"))
    )
    plan, seq, prev, last = None, 0, GENESIS, None
    while True:
        page = query if last is None else query.where(sa.tuple_(*key) > sa.tuple_(*last))
        rows = conn.execute(page).mappings().all()
        if not rows:
            return
        batch = []
        for r in rows:
            if r["plan_id"] != plan:
                plan, seq, prev = r["plan_id"], 0, GENESIS
            seq += 1
            chain, body = content({**r, "at": _aware(r["at"])})
            digest = row_hash(chain, r["plan_id"], seq, prev, body)
            batch.append({"i": r["id"], "s": seq, "p": prev, "h": digest})
            prev = digest
        conn.execute(update, batch)
        last = (rows[-1]["plan_id"], rows[-1]["id"])


def _aware(value: datetime) -> datetime:
    return value if value.tzinfo else value.replace(tzinfo=UTC)


def downgrade() -> None:
    conn = op.get_bind()
    if conn.dialect.name == "postgresql":
        for table in TABLES:
            op.execute(f"DROP TRIGGER IF EXISTS {table}_append_only ON {table}")
            op.execute(f"DROP TRIGGER IF EXISTS {table}_no_truncate ON {table}")
        op.execute("DROP FUNCTION IF EXISTS cchc_append_only()")
    else:
        for table in TABLES:
            for what in ("update", "delete"):
                op.execute(f"DROP TRIGGER IF EXISTS {table}_append_only_{what}")
    with op.batch_alter_table("notification", schema=None) as batch_op:
        for name in ("ix_notification_day", "ix_notification_recipient", "ix_notification_entity"):
            batch_op.drop_index(name)
    with op.batch_alter_table("delivery", schema=None) as batch_op:
        batch_op.drop_index("ux_delivery_chain")
    with op.batch_alter_table("transition", schema=None) as batch_op:
        for name in (
            "ix_transition_run",
            "ix_transition_actor",
            "ix_transition_entity",
            "ix_transition_day",
            "ux_transition_chain",
        ):
            batch_op.drop_index(name)
    for column in ("row_hash", "prev_hash", "seq"):  # native DROP COLUMN: a rebuild would trip evidence's FK
        if conn.dialect.name == "sqlite":
            op.execute(f"ALTER TABLE transition DROP COLUMN {column}")
        else:
            op.drop_column("transition", column)
    with op.batch_alter_table("delivery", schema=None) as batch_op:  # nothing refers to delivery: a rebuild is fine
        for column in ("row_hash", "prev_hash", "seq", "plan_id"):
            batch_op.drop_column(column)
