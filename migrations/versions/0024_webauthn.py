"""security keys (WebAuthn) as a second factor beside the authenticator app

Revision ID: 0024_webauthn
Revises: 0023_privacy_register
"""

import sqlalchemy as sa
from alembic import op

revision = "0024_webauthn"
down_revision = "0023_privacy_register"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "security_key",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("credential_id", sa.String(length=1400), nullable=False),
        sa.Column("public_key", sa.LargeBinary(), nullable=False),
        sa.Column("sign_count", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=80), nullable=False),
        sa.Column("transports", sa.String(length=200), nullable=True),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("last_used_at", sa.DateTime(), nullable=True),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["user_account.id"],
            name=op.f("fk_security_key_user_id_user_account"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_security_key")),
        sa.UniqueConstraint("credential_id", name=op.f("uq_security_key_credential_id")),
    )
    with op.batch_alter_table("security_key") as batch:
        batch.create_index("ix_security_key_user_id", ["user_id"], unique=False)


def downgrade():
    op.drop_table("security_key")
