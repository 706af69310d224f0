"""exports, imports and calendar feeds

Revision ID: 0007_exchange
Revises: 0005_scheduling
"""

import sqlalchemy as sa
from alembic import op

revision = "0007_exchange"
down_revision = "0005_scheduling"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "pending_import",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("token", sa.String(length=64), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("organisation_id", sa.Integer(), nullable=False),
        sa.Column("plan_id", sa.Integer(), nullable=True),
        sa.Column("kind", sa.String(length=10), nullable=False),
        sa.Column("filename", sa.String(length=255), nullable=False),
        sa.Column("content", sa.LargeBinary(), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["user_account.id"],
            name="fk_pending_import_user_id_user_account",
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["organisation_id"],
            ["organisation.id"],
            name="fk_pending_import_organisation_id_organisation",
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["plan_id"], ["plan.id"], name="fk_pending_import_plan_id_plan", ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name="pk_pending_import"),
        sa.UniqueConstraint("token", name="uq_pending_import_token"),
    )
    op.create_index("ix_pending_import_user_id", "pending_import", ["user_id"])


def downgrade():
    op.drop_index("ix_pending_import_user_id", table_name="pending_import")
    op.drop_table("pending_import")
