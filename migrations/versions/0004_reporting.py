"""reporting, indicators, imports and calendar feeds

Revision ID: 0004_reporting
Revises: 0003_notifications
"""

import sqlalchemy as sa  # noqa: F401
from alembic import op  # noqa: F401

revision = "0004_reporting"
down_revision = "0003_notifications"
branch_labels = None
depends_on = None


def upgrade():
    pass


def downgrade():
    pass
