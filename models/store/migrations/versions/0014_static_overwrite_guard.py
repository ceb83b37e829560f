"""the guard against an insert over a stored history row, on PostgreSQL, with a query planned once per session

Revision ID: 0014
Revises: 0013

Migration 0006's trigger function built its query with EXECUTE format(...) for the table that fired it. PostgreSQL
plans such a query afresh at every row inserted: half the time of inserting a delivery's 3,000 rows went there. The
function now holds one static query per table, which PL/pgSQL plans once per session; what it refuses is unchanged
(a row whose id or (plan_id, seq) is already stored). The triggers call the function by name and stay as they are;
SQLite's are unchanged.
"""

from __future__ import annotations

from alembic import op

revision = "0014"
down_revision = "0013"
branch_labels = None
depends_on = None

STATIC = """
        DECLARE stored boolean;
        BEGIN
            IF TG_TABLE_NAME = 'transition' THEN
                stored := EXISTS (SELECT 1 FROM transition WHERE id = NEW.id)
                    OR EXISTS (SELECT 1 FROM transition WHERE plan_id = NEW.plan_id AND seq = NEW.seq);
            ELSIF TG_TABLE_NAME = 'delivery' THEN
                stored := EXISTS (SELECT 1 FROM delivery WHERE id = NEW.id)
                    OR EXISTS (SELECT 1 FROM delivery WHERE plan_id = NEW.plan_id AND seq = NEW.seq);
            ELSE
                RAISE EXCEPTION 'cchc: no overwrite guard for table %', TG_TABLE_NAME;
            END IF;"""
BUILT_AT_EVERY_ROW = """
        DECLARE stored boolean;
        BEGIN
            EXECUTE format('SELECT EXISTS (SELECT 1 FROM %I WHERE id = $1 OR (plan_id = $2 AND seq = $3))',
                           TG_TABLE_NAME) INTO stored USING NEW.id, NEW.plan_id, NEW.seq;"""  # migration 0006's


def upgrade() -> None:
    _guard(STATIC)


def downgrade() -> None:
    _guard(BUILT_AT_EVERY_ROW)


def _guard(lookup: str) -> None:
    """On PostgreSQL, the guard's function: ``lookup`` sets ``stored``; a stored row refuses the insert."""
    if op.get_bind().dialect.name != "postgresql":
        return
    op.execute(f"""
        CREATE OR REPLACE FUNCTION cchc_no_overwrite() RETURNS trigger LANGUAGE plpgsql AS $${lookup}
            IF stored THEN
                RAISE EXCEPTION 'cchc: % is append-only: an insert over a stored row refused', TG_TABLE_NAME
                    USING ERRCODE = 'restrict_violation';
            END IF;
            RETURN NEW;
        END $$""")
