"""an index by event: the report days of a page's activities (the four-way status) read without their other steps

Revision ID: 0013
Revises: 0012
"""

from alembic import op

revision = "0013"
down_revision = "0012"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index(
        "ix_transition_event",
        "transition",
        ["plan_id", "event", "entity", "entity_key", "effective_day"],
        unique=False,
    )


def downgrade() -> None:
    op.drop_index("ix_transition_event", table_name="transition")
