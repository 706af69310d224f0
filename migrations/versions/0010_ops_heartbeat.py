"""scheduler heartbeat on the lease row, and a running tally per scheduler job

Revision ID: 0010_ops_heartbeat
Revises: 0009_activity_task_version
"""

import sqlalchemy as sa
from alembic import op

revision = "0010_ops_heartbeat"
down_revision = "0009_activity_task_version"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("scheduler_lease") as batch:
        batch.add_column(sa.Column("renewed_at", sa.DateTime(), nullable=True))
    op.create_table(
        "job_run_stat",
        sa.Column("job", sa.String(length=40), nullable=False),
        sa.Column("outcome", sa.String(length=10), nullable=False),
        sa.Column("runs", sa.Integer(), nullable=False),
        sa.Column("seconds_total", sa.Float(), nullable=False),
        sa.Column("last_run_at", sa.DateTime(), nullable=True),
        sa.Column("last_seconds", sa.Float(), nullable=False),
        sa.PrimaryKeyConstraint("job", "outcome", name=op.f("pk_job_run_stat")),
    )


def downgrade():
    op.drop_table("job_run_stat")
    with op.batch_alter_table("scheduler_lease") as batch:
        batch.drop_column("renewed_at")
