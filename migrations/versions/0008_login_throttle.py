"""sign-in throttling: wrong passwords in a row per address, and a pause

Revision ID: 0008_login_throttle
Revises: 0007_exchange
"""

import sqlalchemy as sa
from alembic import op

revision = "0008_login_throttle"
down_revision = "0007_exchange"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "sign_in_failure",
        sa.Column("email", sa.String(length=254), nullable=False),
        sa.Column("failures", sa.Integer(), nullable=False),
        sa.Column("locked_until", sa.DateTime(), nullable=True),
        sa.Column("last_failure_at", sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint("email", name="pk_sign_in_failure"),
    )
    with op.batch_alter_table("sign_in_failure") as batch:
        batch.create_index("ix_sign_in_failure_last_failure_at", ["last_failure_at"], unique=False)


def downgrade():
    op.drop_table("sign_in_failure")
