"""an outbox message may carry an iCalendar invitation (the meeting's)

Revision ID: 0015_outbox_calendar
Revises: 0014_partners
"""

import sqlalchemy as sa
from alembic import op

revision = "0015_outbox_calendar"
down_revision = "0014_partners"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("outbox_message") as batch:
        batch.add_column(sa.Column("calendar", sa.Text(), nullable=True))


def downgrade():
    with op.batch_alter_table("outbox_message") as batch:
        batch.drop_column("calendar")
