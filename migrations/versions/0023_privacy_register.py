"""privacy register: the confidentiality incident register and its change
log, the privacy notice's versions, the person responsible for the
protection of personal information, and the notice's acknowledgements

Revision ID: 0023_privacy_register
Revises: 0022_personal_data
"""

import sqlalchemy as sa
from alembic import op

revision = "0023_privacy_register"
down_revision = "0022_personal_data"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "confidentiality_incident",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("organisation_id", sa.Integer(), nullable=False),
        sa.Column("number", sa.Integer(), nullable=False),
        sa.Column("occurred_on", sa.Date(), nullable=True),
        sa.Column("occurred_until", sa.Date(), nullable=True),
        sa.Column("discovered_on", sa.Date(), nullable=False),
        sa.Column("discovered_by", sa.String(length=200), nullable=False),
        sa.Column("nature", sa.String(length=20), nullable=False),
        sa.Column("description", sa.Text(), nullable=False),
        sa.Column("information_concerned", sa.Text(), nullable=False),
        sa.Column("people_concerned", sa.Integer(), nullable=True),
        sa.Column("sensitivity", sa.String(length=10), nullable=True),
        sa.Column("consequences", sa.Text(), nullable=False),
        sa.Column("probability", sa.String(length=10), nullable=True),
        sa.Column("serious_harm", sa.Boolean(), nullable=True),
        sa.Column("measures", sa.Text(), nullable=False),
        sa.Column("commission_notified", sa.Boolean(), nullable=False),
        sa.Column("commission_notified_on", sa.Date(), nullable=True),
        sa.Column("people_notified", sa.Boolean(), nullable=False),
        sa.Column("people_notified_on", sa.Date(), nullable=True),
        sa.Column("people_not_notified_reason", sa.Text(), nullable=False),
        sa.Column("other_bodies", sa.Text(), nullable=False),
        sa.Column("status", sa.String(length=10), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("created_by_id", sa.Integer(), nullable=True),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
        sa.Column("updated_by_id", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(
            ["created_by_id"],
            ["user_account.id"],
            name=op.f("fk_confidentiality_incident_created_by_id_user_account"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["organisation_id"],
            ["organisation.id"],
            name=op.f("fk_confidentiality_incident_organisation_id_organisation"),
        ),
        sa.ForeignKeyConstraint(
            ["updated_by_id"],
            ["user_account.id"],
            name=op.f("fk_confidentiality_incident_updated_by_id_user_account"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_confidentiality_incident")),
        sa.UniqueConstraint(
            "organisation_id", "number", name=op.f("uq_confidentiality_incident_organisation_id")
        ),
    )
    with op.batch_alter_table("confidentiality_incident", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_confidentiality_incident_organisation_id"), ["organisation_id"], unique=False
        )

    op.create_table(
        "privacy_acknowledgement",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("organisation_id", sa.Integer(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("acknowledged_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["organisation_id"],
            ["organisation.id"],
            name=op.f("fk_privacy_acknowledgement_organisation_id_organisation"),
        ),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["user_account.id"],
            name=op.f("fk_privacy_acknowledgement_user_id_user_account"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_privacy_acknowledgement")),
        sa.UniqueConstraint(
            "user_id", "organisation_id", "version", name=op.f("uq_privacy_acknowledgement_user_id")
        ),
    )
    with op.batch_alter_table("privacy_acknowledgement", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_privacy_acknowledgement_organisation_id"), ["organisation_id"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_privacy_acknowledgement_user_id"), ["user_id"], unique=False)

    op.create_table(
        "privacy_notice",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("organisation_id", sa.Integer(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("published_at", sa.DateTime(), nullable=False),
        sa.Column("published_by_id", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(
            ["organisation_id"],
            ["organisation.id"],
            name=op.f("fk_privacy_notice_organisation_id_organisation"),
        ),
        sa.ForeignKeyConstraint(
            ["published_by_id"],
            ["user_account.id"],
            name=op.f("fk_privacy_notice_published_by_id_user_account"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_privacy_notice")),
        sa.UniqueConstraint("organisation_id", "version", name=op.f("uq_privacy_notice_organisation_id")),
    )
    with op.batch_alter_table("privacy_notice", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_privacy_notice_organisation_id"), ["organisation_id"], unique=False
        )

    op.create_table(
        "privacy_officer",
        sa.Column("organisation_id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("title", sa.String(length=200), nullable=False),
        sa.Column("contact", sa.String(length=500), nullable=False),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
        sa.Column("updated_by_id", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(
            ["organisation_id"],
            ["organisation.id"],
            name=op.f("fk_privacy_officer_organisation_id_organisation"),
        ),
        sa.ForeignKeyConstraint(
            ["updated_by_id"],
            ["user_account.id"],
            name=op.f("fk_privacy_officer_updated_by_id_user_account"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("organisation_id", name=op.f("pk_privacy_officer")),
    )
    op.create_table(
        "confidentiality_incident_change",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("incident_id", sa.Integer(), nullable=False),
        sa.Column("changed_at", sa.DateTime(), nullable=False),
        sa.Column("changed_by_id", sa.Integer(), nullable=True),
        sa.Column("changes", sa.Text(), nullable=False),
        sa.ForeignKeyConstraint(
            ["changed_by_id"],
            ["user_account.id"],
            name=op.f("fk_confidentiality_incident_change_changed_by_id_user_account"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["incident_id"],
            ["confidentiality_incident.id"],
            name=op.f("fk_confidentiality_incident_change_incident_id_confidentiality_incident"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_confidentiality_incident_change")),
    )
    with op.batch_alter_table("confidentiality_incident_change", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_confidentiality_incident_change_incident_id"), ["incident_id"], unique=False
        )


def downgrade():
    with op.batch_alter_table("confidentiality_incident_change", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_confidentiality_incident_change_incident_id"))

    op.drop_table("confidentiality_incident_change")
    op.drop_table("privacy_officer")
    with op.batch_alter_table("privacy_notice", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_privacy_notice_organisation_id"))

    op.drop_table("privacy_notice")
    with op.batch_alter_table("privacy_acknowledgement", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_privacy_acknowledgement_user_id"))
        batch_op.drop_index(batch_op.f("ix_privacy_acknowledgement_organisation_id"))

    op.drop_table("privacy_acknowledgement")
    with op.batch_alter_table("confidentiality_incident", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_confidentiality_incident_organisation_id"))

    op.drop_table("confidentiality_incident")
