"""sign-in throttling: failures in a row and a temporary lock

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
    with op.batch_alter_table("user_account") as batch:
        batch.add_column(sa.Column("failed_logins", sa.Integer(), server_default="0", nullable=False))
        batch.add_column(sa.Column("locked_until", sa.DateTime(), nullable=True))


def downgrade():
    with op.batch_alter_table("user_account") as batch:
        batch.drop_column("locked_until")
        batch.drop_column("failed_logins")
