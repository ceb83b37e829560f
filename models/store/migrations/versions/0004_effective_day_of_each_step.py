"""effective day of each step

Revision ID: 0004
Revises: 0003
"""

import sqlalchemy as sa
import sqlmodel.sql.sqltypes  # noqa: F401  (autogenerate writes AutoString)
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:

    with op.batch_alter_table("transition", schema=None) as batch_op:
        batch_op.add_column(sa.Column("effective_day", sa.Date(), nullable=True))


def downgrade() -> None:

    with op.batch_alter_table("transition", schema=None) as batch_op:
        batch_op.drop_column("effective_day")
