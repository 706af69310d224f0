"""partner contacts: their e-mail on a task's partner, their check-in answers and messages

Revision ID: 0014_partners
Revises: 0013_meetings
"""

import sqlalchemy as sa
from alembic import op

revision = "0014_partners"
down_revision = "0013_meetings"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "partner_contact",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("organisation_id", sa.Integer(), nullable=False),
        sa.Column("email", sa.String(length=254), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("revoked_at", sa.DateTime(), nullable=True),
        sa.Column("revoked_by_id", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(
            ["organisation_id"],
            ["organisation.id"],
            name=op.f("fk_partner_contact_organisation_id_organisation"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["revoked_by_id"],
            ["user_account.id"],
            name=op.f("fk_partner_contact_revoked_by_id_user_account"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_partner_contact")),
        sa.UniqueConstraint("organisation_id", "email", name=op.f("uq_partner_contact_organisation_id")),
    )
    with op.batch_alter_table("task_partner") as batch:
        batch.add_column(sa.Column("contact_id", sa.Integer(), nullable=True))
        batch.create_index(batch.f("ix_task_partner_contact_id"), ["contact_id"])
        batch.create_foreign_key(
            batch.f("fk_task_partner_contact_id_partner_contact"),
            "partner_contact",
            ["contact_id"],
            ["id"],
            ondelete="SET NULL",
        )
    with op.batch_alter_table("activity") as batch:
        batch.add_column(sa.Column("actor_label", sa.String(length=240), nullable=True))
    for table in ("checkin_answer", "checkin_message"):
        with op.batch_alter_table(table) as batch:
            batch.add_column(sa.Column("partner_contact_id", sa.Integer(), nullable=True))
            batch.create_index(batch.f(f"ix_{table}_partner_contact_id"), ["partner_contact_id"])
            batch.create_foreign_key(
                batch.f(f"fk_{table}_partner_contact_id_partner_contact"),
                "partner_contact",
                ["partner_contact_id"],
                ["id"],
                ondelete="CASCADE",
            )
    with op.batch_alter_table("checkin_message") as batch:
        batch.create_unique_constraint(
            "uq_checkin_message_partner", ["round_id", "partner_contact_id", "kind"]
        )


def downgrade():
    with op.batch_alter_table("checkin_message") as batch:
        batch.drop_constraint("uq_checkin_message_partner", type_="unique")
    for table in ("checkin_message", "checkin_answer"):
        with op.batch_alter_table(table) as batch:
            batch.drop_constraint(batch.f(f"fk_{table}_partner_contact_id_partner_contact"), type_="foreignkey")
            batch.drop_index(batch.f(f"ix_{table}_partner_contact_id"))
            batch.drop_column("partner_contact_id")
    with op.batch_alter_table("activity") as batch:
        batch.drop_column("actor_label")
    with op.batch_alter_table("task_partner") as batch:
        batch.drop_constraint(batch.f("fk_task_partner_contact_id_partner_contact"), type_="foreignkey")
        batch.drop_index(batch.f("ix_task_partner_contact_id"))
        batch.drop_column("contact_id")
    op.drop_table("partner_contact")
