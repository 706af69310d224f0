"""task page and plan editing

Revision ID: 0003_tasks
Revises: 0002_board
"""

import sqlalchemy as sa  # noqa: F401
from alembic import op  # noqa: F401

revision = "0003_tasks"
down_revision = "0002_board"
branch_labels = None
depends_on = None


def upgrade():
    pass


def downgrade():
    pass
