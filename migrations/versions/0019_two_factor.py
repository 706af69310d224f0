"""two-factor sign-in: the authenticator app's secret, recovery codes, and
an organisation's rule that its administrators use it

Revision ID: 0019_two_factor
Revises: 0018_single_use_links
"""

import sqlalchemy as sa
from alembic import op

revision = "0019_two_factor"
down_revision = "0018_single_use_links"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("user_account") as batch:
        batch.add_column(sa.Column("totp_secret", sa.String(length=64), nullable=True))
        batch.add_column(sa.Column("totp_enabled_at", sa.DateTime(), nullable=True))
        batch.add_column(sa.Column("totp_last_step", sa.Integer(), nullable=True))
    with op.batch_alter_table("organisation") as batch:
        batch.add_column(
            sa.Column("admins_need_2fa", sa.Boolean(), nullable=False, server_default=sa.false())
        )
    op.create_table(
        "recovery_code",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("code_hash", sa.String(length=64), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("used_at", sa.DateTime(), nullable=True),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["user_account.id"],
            name=op.f("fk_recovery_code_user_id_user_account"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_recovery_code")),
        sa.UniqueConstraint("code_hash", name=op.f("uq_recovery_code_code_hash")),
    )
    with op.batch_alter_table("recovery_code") as batch:
        batch.create_index("ix_recovery_code_user_id", ["user_id"], unique=False)


def downgrade():
    op.drop_table("recovery_code")
    with op.batch_alter_table("organisation") as batch:
        batch.drop_column("admins_need_2fa")
    with op.batch_alter_table("user_account") as batch:
        batch.drop_column("totp_last_step")
        batch.drop_column("totp_enabled_at")
        batch.drop_column("totp_secret")
