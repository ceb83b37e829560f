"""who and when of each step; no insert over a stored history row

Revision ID: 0006
Revises: 0005

- transition gets ``actor_label`` (the label of the token that acted, as the coordinator issued it),
  ``stated_name`` (the name the person at the keyboard gave, unverified: never the actor) and ``letter_ref``
  (set when the coordinator records a step back-dated from a letter that arrived late: the letter's reference).
  Rows stored before have none of them; their hashes are unchanged (models/store/chain.py hashes these fields only
  when they are set).
- BEFORE INSERT triggers on transition and delivery refuse a row whose id or (plan_id, seq) is already stored:
  SQLite's INSERT OR REPLACE / REPLACE would otherwise delete the stored row without firing its DELETE
  trigger, and an UPSERT would overwrite it (PostgreSQL: INSERT ... ON CONFLICT DO UPDATE).
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None

TABLES = ("transition", "delivery")
COLUMNS = ("actor_label", "stated_name", "letter_ref")
MESSAGE = "cchc: {table} is append-only: an insert over a stored row refused"


def upgrade() -> None:
    conn = op.get_bind()
    for column in COLUMNS:  # plain ADD COLUMN: a SQLite table rebuild would drop the append-only triggers
        op.add_column("transition", sa.Column(column, sa.String(length=200), nullable=True))
    if conn.dialect.name == "postgresql":
        op.execute("""
            CREATE OR REPLACE FUNCTION cchc_no_overwrite() RETURNS trigger LANGUAGE plpgsql AS $$
            DECLARE found boolean;
            BEGIN
                EXECUTE format('SELECT EXISTS (SELECT 1 FROM %I WHERE id = $1 OR (plan_id = $2 AND seq = $3))',
                               TG_TABLE_NAME) INTO found USING NEW.id, NEW.plan_id, NEW.seq;
                IF found THEN
                    RAISE EXCEPTION 'cchc: % is append-only: an insert over a stored row refused', TG_TABLE_NAME
                        USING ERRCODE = 'restrict_violation';
                END IF;
                RETURN NEW;
            END $$""")
        for table in TABLES:
            op.execute(
                f"CREATE TRIGGER {table}_no_overwrite BEFORE INSERT ON {table} "
                f"FOR EACH ROW EXECUTE FUNCTION cchc_no_overwrite()"
            )
    else:
        for table in TABLES:
            op.execute(
                f"CREATE TRIGGER {table}_append_only_insert BEFORE INSERT ON {table} "
                f"WHEN EXISTS (SELECT 1 FROM {table} WHERE id = NEW.id "
                f"OR (plan_id = NEW.plan_id AND seq = NEW.seq)) "
                f"BEGIN SELECT RAISE(ABORT, '{MESSAGE.format(table=table)}'); END"
            )


def downgrade() -> None:
    conn = op.get_bind()
    if conn.dialect.name == "postgresql":
        for table in TABLES:
            op.execute(f"DROP TRIGGER IF EXISTS {table}_no_overwrite ON {table}")
        op.execute("DROP FUNCTION IF EXISTS cchc_no_overwrite()")
    else:
        for table in TABLES:
            op.execute(f"DROP TRIGGER IF EXISTS {table}_append_only_insert")
    for column in COLUMNS:
        if conn.dialect.name == "sqlite":
            op.execute(f"ALTER TABLE transition DROP COLUMN {column}")
        else:
            op.drop_column("transition", column)
