"""activity: the task version each history line was made on

Revision ID: 0009_activity_task_version
Revises: 0008_login_throttle
"""

import sqlalchemy as sa
from alembic import op

revision = "0009_activity_task_version"
down_revision = "0008_login_throttle"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("activity") as batch:
        batch.add_column(sa.Column("task_version", sa.Integer(), nullable=True))


def downgrade():
    with op.batch_alter_table("activity") as batch:
        batch.drop_column("task_version")
