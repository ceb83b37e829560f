"""organisations with their own unit directories; activities tracked as series of items

Revision ID: 0012
Revises: 0011
"""

import sqlalchemy as sa
import sqlmodel.sql.sqltypes
from alembic import op
from sqlalchemy.dialects import postgresql

revision = "0012"
down_revision = "0011"
branch_labels = None
depends_on = None

MINISTRY = "BYT"


def upgrade() -> None:
    organisation = op.create_table(
        "organisation",
        sa.Column("code", sqlmodel.sql.sqltypes.AutoString(length=32), nullable=False),
        sa.Column("name", sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column("english", sqlmodel.sql.sqltypes.AutoString(), nullable=True),
        sa.Column("parent", sqlmodel.sql.sqltypes.AutoString(), nullable=True),
        sa.Column("note", sqlmodel.sql.sqltypes.AutoString(), nullable=True),
        sa.PrimaryKeyConstraint("code"),
    )
    # what exists is the Ministry's
    op.bulk_insert(organisation, [{"code": MINISTRY, "name": "Bộ Y tế", "english": "Ministry of Health"}])
    for table in ("unit", "plan"):
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.add_column(
                sa.Column(
                    "organisation",
                    sqlmodel.sql.sqltypes.AutoString(length=32),
                    nullable=False,
                    server_default=MINISTRY,
                )
            )
            batch_op.create_index(batch_op.f(f"ix_{table}_organisation"), ["organisation"], unique=False)
    op.create_table(
        "activity_series",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("plan_id", sa.Integer(), nullable=False),
        sa.Column("phase_id", sa.Integer(), nullable=False),
        sa.Column("content_id", sa.Integer(), nullable=False),
        sa.Column("key", sqlmodel.sql.sqltypes.AutoString(length=32), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("text", sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column("window_start", sa.Date(), nullable=False),
        sa.Column("window_end", sa.Date(), nullable=False),
        sa.Column("window_as_written", sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column("funding", sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column("recurs", sqlmodel.sql.sqltypes.AutoString(length=16), nullable=True),
        sa.Column("cadence", sqlmodel.sql.sqltypes.AutoString(length=16), nullable=True),
        sa.Column("for_each", sqlmodel.sql.sqltypes.AutoString(length=32), nullable=True),
        sa.Column(
            "roles", sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"), nullable=False
        ),
        sa.Column("in_plan", sa.Boolean(), nullable=False),
        sa.ForeignKeyConstraint(["content_id"], ["content_item.id"]),
        sa.ForeignKeyConstraint(["for_each"], ["unit.code"]),
        sa.ForeignKeyConstraint(["phase_id"], ["phase.id"]),
        sa.ForeignKeyConstraint(["plan_id"], ["plan.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("plan_id", "key"),
    )
    with op.batch_alter_table("activity_series", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_activity_series_phase_id"), ["phase_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_activity_series_plan_id"), ["plan_id"], unique=False)
    # SQLite: columns are added in place (rebuilding `activity` would break the foreign keys pointing at it) and
    # VARCHAR lengths are not enforced; PostgreSQL gets the wider key and the foreign keys.
    postgres = op.get_bind().dialect.name != "sqlite"
    with op.batch_alter_table("activity", schema=None) as batch_op:
        if postgres:
            batch_op.alter_column(
                "key",
                existing_type=sqlmodel.sql.sqltypes.AutoString(length=32),
                type_=sqlmodel.sql.sqltypes.AutoString(length=64),
                existing_nullable=False,
            )
        batch_op.add_column(sa.Column("series_id", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("period", sqlmodel.sql.sqltypes.AutoString(length=16), nullable=True))
        batch_op.add_column(sa.Column("member", sqlmodel.sql.sqltypes.AutoString(length=32), nullable=True))
        batch_op.add_column(sa.Column("opened_late", sa.Boolean(), nullable=False, server_default="0"))
        batch_op.create_index(batch_op.f("ix_activity_series_id"), ["series_id"], unique=False)
        if postgres:
            batch_op.create_foreign_key("fk_activity_series_id", "activity_series", ["series_id"], ["id"])
            batch_op.create_foreign_key("fk_activity_member", "unit", ["member"], ["code"])


def downgrade() -> None:
    postgres = op.get_bind().dialect.name != "sqlite"
    with op.batch_alter_table("activity", schema=None) as batch_op:
        if postgres:
            batch_op.drop_constraint("fk_activity_member", type_="foreignkey")
            batch_op.drop_constraint("fk_activity_series_id", type_="foreignkey")
        batch_op.drop_index(batch_op.f("ix_activity_series_id"))
        for column in ("opened_late", "member", "period", "series_id"):
            batch_op.drop_column(column)
        if postgres:
            batch_op.alter_column(
                "key",
                existing_type=sqlmodel.sql.sqltypes.AutoString(length=64),
                type_=sqlmodel.sql.sqltypes.AutoString(length=32),
                existing_nullable=False,
            )
    op.drop_table("activity_series")
    for table in ("plan", "unit"):
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.drop_index(batch_op.f(f"ix_{table}_organisation"))
            batch_op.drop_column("organisation")
    op.drop_table("organisation")
