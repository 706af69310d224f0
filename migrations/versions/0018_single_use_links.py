"""one-click task links act once: the used ones, by the hash of their token

Revision ID: 0018_single_use_links
Revises: 0017_webhooks
"""

import sqlalchemy as sa
from alembic import op

revision = "0018_single_use_links"
down_revision = "0017_webhooks"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "used_task_link",
        sa.Column("token_hash", sa.String(length=64), nullable=False),
        sa.Column("task_id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("action", sa.String(length=20), nullable=False),
        sa.Column("used_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["task_id"], ["task.id"], name=op.f("fk_used_task_link_task_id_task"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["user_account.id"],
            name=op.f("fk_used_task_link_user_id_user_account"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("token_hash", name=op.f("pk_used_task_link")),
    )
    with op.batch_alter_table("used_task_link") as batch:
        batch.create_index("ix_used_task_link_task_id", ["task_id"], unique=False)
        batch.create_index("ix_used_task_link_user_id", ["user_id"], unique=False)


def downgrade():
    op.drop_table("used_task_link")
