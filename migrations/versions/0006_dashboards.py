"""dashboards and indicators

Revision ID: 0006_dashboards
Revises: 0005_scheduling
"""

import sqlalchemy as sa  # noqa: F401
from alembic import op  # noqa: F401

revision = "0006_dashboards"
down_revision = "0005_scheduling"
branch_labels = None
depends_on = None


def upgrade():
    pass


def downgrade():
    pass
