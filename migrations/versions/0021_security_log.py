"""the security log: sign-ins, password, two-factor and role changes,
exports and imports, with the address they came from

Revision ID: 0021_security_log
Revises: 0019_two_factor
"""

import sqlalchemy as sa
from alembic import op

revision = "0021_security_log"
down_revision = "0019_two_factor"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "security_event",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("at", sa.DateTime(), nullable=False),
        sa.Column("kind", sa.String(length=40), nullable=False),
        sa.Column("actor_user_id", sa.Integer(), nullable=True),
        sa.Column("subject_user_id", sa.Integer(), nullable=True),
        sa.Column("organisation_id", sa.Integer(), nullable=True),
        sa.Column("address", sa.String(length=45), nullable=True),
        sa.Column("user_agent", sa.String(length=300), nullable=True),
        sa.Column("detail", sa.JSON(), nullable=True),
        sa.ForeignKeyConstraint(
            ["actor_user_id"],
            ["user_account.id"],
            name=op.f("fk_security_event_actor_user_id_user_account"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["subject_user_id"],
            ["user_account.id"],
            name=op.f("fk_security_event_subject_user_id_user_account"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["organisation_id"],
            ["organisation.id"],
            name=op.f("fk_security_event_organisation_id_organisation"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_security_event")),
    )
    with op.batch_alter_table("security_event") as batch:
        batch.create_index("ix_security_event_at", ["at"], unique=False)
        batch.create_index("ix_security_event_organisation_at", ["organisation_id", "at"], unique=False)
        batch.create_index("ix_security_event_subject_at", ["subject_user_id", "at"], unique=False)
        batch.create_index("ix_security_event_actor_at", ["actor_user_id", "at"], unique=False)


def downgrade():
    op.drop_table("security_event")
