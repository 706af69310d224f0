"""notifications, reminders, digests, scheduler

Revision ID: 0003_notifications
Revises: 0002_board
"""

import sqlalchemy as sa  # noqa: F401
from alembic import op  # noqa: F401

revision = "0003_notifications"
down_revision = "0002_board"
branch_labels = None
depends_on = None


def upgrade():
    pass


def downgrade():
    pass
