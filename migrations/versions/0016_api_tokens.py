"""personal access tokens for the JSON API

Revision ID: 0016_api_tokens
Revises: 0015_outbox_calendar
"""

import sqlalchemy as sa
from alembic import op

revision = "0016_api_tokens"
down_revision = "0015_outbox_calendar"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "api_token",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=100), nullable=False),
        sa.Column("scope", sa.String(length=10), nullable=False),
        sa.Column("secret_hash", sa.String(length=64), nullable=False),
        sa.Column("prefix", sa.String(length=16), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("expires_at", sa.DateTime(), nullable=False),
        sa.Column("last_used_at", sa.DateTime(), nullable=True),
        sa.Column("revoked_at", sa.DateTime(), nullable=True),
        sa.ForeignKeyConstraint(
            ["user_id"], ["user_account.id"], name=op.f("fk_api_token_user_id_user_account"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_api_token")),
        sa.UniqueConstraint("secret_hash", name=op.f("uq_api_token_secret_hash")),
    )
    with op.batch_alter_table("api_token") as batch:
        batch.create_index(batch.f("ix_api_token_user_id"), ["user_id"], unique=False)


def downgrade():
    with op.batch_alter_table("api_token") as batch:
        batch.drop_index(batch.f("ix_api_token_user_id"))
    op.drop_table("api_token")
