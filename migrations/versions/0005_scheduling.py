"""reminders, digests and the scheduler lease

Revision ID: 0005_scheduling
Revises: 0004_notifications
"""

import sqlalchemy as sa  # noqa: F401
from alembic import op  # noqa: F401

revision = "0005_scheduling"
down_revision = "0004_notifications"
branch_labels = None
depends_on = None


def upgrade():
    pass


def downgrade():
    pass
