"""exports, imports and calendar feeds

Revision ID: 0007_exchange
Revises: 0006_dashboards
"""

import sqlalchemy as sa  # noqa: F401
from alembic import op  # noqa: F401

revision = "0007_exchange"
down_revision = "0006_dashboards"
branch_labels = None
depends_on = None


def upgrade():
    pass


def downgrade():
    pass
