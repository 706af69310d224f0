"""single sign-on: an organisation's OpenID Connect provider

Revision ID: 0025_sso
Revises: 0024_webauthn
"""

import sqlalchemy as sa
from alembic import op

revision = "0025_sso"
down_revision = "0024_webauthn"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "org_sso",
        sa.Column("organisation_id", sa.Integer(), nullable=False),
        sa.Column("issuer", sa.String(length=500), nullable=False),
        sa.Column("client_id", sa.String(length=255), nullable=False),
        sa.Column("client_secret_encrypted", sa.Text(), nullable=False),
        sa.Column("secret_hint", sa.String(length=8), nullable=False),
        sa.Column("provider_name", sa.String(length=80), nullable=False),
        sa.Column("password_allowed", sa.Boolean(), nullable=False),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
        sa.Column("updated_by_id", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(
            ["organisation_id"],
            ["organisation.id"],
            name=op.f("fk_org_sso_organisation_id_organisation"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["updated_by_id"],
            ["user_account.id"],
            name=op.f("fk_org_sso_updated_by_id_user_account"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("organisation_id", name=op.f("pk_org_sso")),
    )


def downgrade():
    op.drop_table("org_sso")
