"""the regional digest: each plan's weekly counts, the « needs the region » flag on tasks

Revision ID: 0012_region_weekly
Revises: 0011_checkins
"""

import sqlalchemy as sa
from alembic import op

revision = "0012_region_weekly"
down_revision = "0011_checkins"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("task") as batch:
        batch.add_column(sa.Column("region_help", sa.Boolean(), nullable=False, server_default=sa.false()))
        batch.add_column(sa.Column("region_help_reason", sa.Text(), nullable=False, server_default=""))

    op.create_table(
        "plan_week",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("plan_id", sa.Integer(), nullable=False),
        sa.Column("organisation_id", sa.Integer(), nullable=False),
        sa.Column("week", sa.String(length=10), nullable=False),
        sa.Column("total", sa.Integer(), nullable=False),
        sa.Column("done", sa.Integer(), nullable=False),
        sa.Column("overdue", sa.Integer(), nullable=False),
        sa.Column("blocked", sa.Integer(), nullable=False),
        sa.Column("recorded_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["plan_id"], ["plan.id"], name=op.f("fk_plan_week_plan_id_plan"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["organisation_id"],
            ["organisation.id"],
            name=op.f("fk_plan_week_organisation_id_organisation"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_plan_week")),
        sa.UniqueConstraint("plan_id", "week", name=op.f("uq_plan_week_plan_id")),
    )
    with op.batch_alter_table("plan_week") as batch:
        batch.create_index("ix_plan_week_organisation", ["organisation_id", "week"], unique=False)


def downgrade():
    op.drop_table("plan_week")
    with op.batch_alter_table("task") as batch:
        batch.drop_column("region_help_reason")
        batch.drop_column("region_help")
