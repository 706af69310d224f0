"""personal data (Law 25): organisations' retention periods, when accounts
were deactivated, and the record of pseudonymised accounts

Accounts already deactivated get today as their deactivation date: their
retention period runs from the upgrade, never from an unknown earlier day.

Revision ID: 0022_personal_data
Revises: 0021_security_log
"""

from datetime import UTC, datetime

import sqlalchemy as sa
from alembic import op

revision = "0022_personal_data"
down_revision = "0021_security_log"
branch_labels = None
depends_on = None


def _user_fk(table: str, column: str, ondelete: str) -> sa.ForeignKeyConstraint:
    return sa.ForeignKeyConstraint(
        [column], ["user_account.id"], name=op.f(f"fk_{table}_{column}_user_account"), ondelete=ondelete
    )


def _org_fk(table: str, ondelete: str) -> sa.ForeignKeyConstraint:
    return sa.ForeignKeyConstraint(
        ["organisation_id"],
        ["organisation.id"],
        name=op.f(f"fk_{table}_organisation_id_organisation"),
        ondelete=ondelete,
    )


def upgrade():
    op.create_table(
        "org_retention",
        sa.Column("organisation_id", sa.Integer(), nullable=False),
        sa.Column("days", sa.Integer(), nullable=False),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
        sa.Column("updated_by_id", sa.Integer(), nullable=True),
        _org_fk("org_retention", "CASCADE"),
        _user_fk("org_retention", "updated_by_id", "SET NULL"),
        sa.PrimaryKeyConstraint("organisation_id", name=op.f("pk_org_retention")),
    )
    deactivation = op.create_table(
        "account_deactivation",
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("deactivated_at", sa.DateTime(), nullable=False),
        _user_fk("account_deactivation", "user_id", "CASCADE"),
        sa.PrimaryKeyConstraint("user_id", name=op.f("pk_account_deactivation")),
    )
    op.create_table(
        "pseudonymisation",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("done_at", sa.DateTime(), nullable=False),
        sa.Column("organisation_id", sa.Integer(), nullable=True),
        sa.Column("retention_days", sa.Integer(), nullable=True),
        sa.Column("deactivated_at", sa.DateTime(), nullable=True),
        sa.Column("reason", sa.String(length=40), nullable=False),
        _user_fk("pseudonymisation", "user_id", "CASCADE"),
        _org_fk("pseudonymisation", "SET NULL"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_pseudonymisation")),
        sa.UniqueConstraint("user_id", name=op.f("uq_pseudonymisation_user_id")),
    )
    users = sa.table("user_account", sa.column("id", sa.Integer()), sa.column("active", sa.Boolean()))
    today = datetime.now(UTC).replace(tzinfo=None)
    inactive = op.get_bind().execute(sa.select(users.c.id).where(users.c.active.is_(False))).scalars().all()
    if inactive:
        op.bulk_insert(deactivation, [{"user_id": uid, "deactivated_at": today} for uid in inactive])


def downgrade():
    op.drop_table("pseudonymisation")
    op.drop_table("account_deactivation")
    op.drop_table("org_retention")
