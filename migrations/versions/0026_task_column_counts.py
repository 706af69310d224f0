"""the board's column counts read an index of the tasks alone

Revision ID: 0026_task_column_counts
Revises: 0025_sso
"""

import sqlalchemy as sa
from alembic import op

revision = "0026_task_column_counts"
down_revision = "0025_sso"
branch_labels = None
depends_on = None


def upgrade():
    op.create_index(
        "ix_task_column_counts",
        "task",
        ["plan_id", "status", "objective_id"],
        sqlite_where=sa.text("archived_at IS NULL"),
        postgresql_where=sa.text("archived_at IS NULL"),
    )


def downgrade():
    op.drop_index("ix_task_column_counts", table_name="task")
