"""in-app and e-mail notifications, preferences

Revision ID: 0004_notifications
Revises: 0003_tasks
"""

import sqlalchemy as sa  # noqa: F401
from alembic import op  # noqa: F401

revision = "0004_notifications"
down_revision = "0003_tasks"
branch_labels = None
depends_on = None


def upgrade():
    pass


def downgrade():
    pass
