"""the weekly check-in: rounds, answers, messages, organisation settings

Revision ID: 0011_checkins
Revises: 0009_activity_task_version
"""

import sqlalchemy as sa
from alembic import op

revision = "0011_checkins"
down_revision = "0010_ops_heartbeat"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("organisation") as batch:
        batch.add_column(sa.Column("checkin_enabled", sa.Boolean(), nullable=False, server_default=sa.true()))
        batch.add_column(sa.Column("checkin_days_before", sa.Integer(), nullable=False, server_default="2"))
        batch.add_column(
            sa.Column("checkin_close_time", sa.String(length=5), nullable=False, server_default="17:00")
        )
        batch.add_column(sa.Column("checkin_grace_hours", sa.Integer(), nullable=False, server_default="24"))

    op.create_table(
        "checkin_round",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("organisation_id", sa.Integer(), nullable=False),
        sa.Column("week", sa.String(length=10), nullable=False),
        sa.Column("opens_at", sa.DateTime(), nullable=False),
        sa.Column("remind_at", sa.DateTime(), nullable=False),
        sa.Column("closes_at", sa.DateTime(), nullable=False),
        sa.Column("closed_at", sa.DateTime(), nullable=True),
        sa.Column("closed_by_id", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["organisation_id"],
            ["organisation.id"],
            name=op.f("fk_checkin_round_organisation_id_organisation"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["closed_by_id"],
            ["user_account.id"],
            name=op.f("fk_checkin_round_closed_by_id_user_account"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_checkin_round")),
        sa.UniqueConstraint("organisation_id", "week", name=op.f("uq_checkin_round_organisation_id")),
    )

    op.create_table(
        "checkin_answer",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("round_id", sa.Integer(), nullable=True),
        sa.Column("task_id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=True),
        sa.Column("health", sa.String(length=20), nullable=True),
        sa.Column("note", sa.Text(), nullable=False),
        sa.Column("new_due_date", sa.Date(), nullable=True),
        sa.Column("due_date_reason", sa.Text(), nullable=False),
        sa.Column("nothing_new", sa.Boolean(), nullable=False),
        sa.Column("task_version", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["round_id"],
            ["checkin_round.id"],
            name=op.f("fk_checkin_answer_round_id_checkin_round"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["task_id"], ["task.id"], name=op.f("fk_checkin_answer_task_id_task"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["user_account.id"],
            name=op.f("fk_checkin_answer_user_id_user_account"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_checkin_answer")),
    )
    with op.batch_alter_table("checkin_answer") as batch:
        batch.create_index("ix_checkin_answer_task", ["task_id", "created_at"], unique=False)
        batch.create_index("ix_checkin_answer_round", ["round_id", "user_id"], unique=False)

    op.create_table(
        "checkin_message",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("round_id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=True),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("sent_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["round_id"],
            ["checkin_round.id"],
            name=op.f("fk_checkin_message_round_id_checkin_round"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["user_account.id"],
            name=op.f("fk_checkin_message_user_id_user_account"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_checkin_message")),
        sa.UniqueConstraint("round_id", "user_id", "kind", name=op.f("uq_checkin_message_round_id")),
    )
    with op.batch_alter_table("checkin_message") as batch:
        batch.create_index(batch.f("ix_checkin_message_user_id"), ["user_id"], unique=False)


def downgrade():
    op.drop_table("checkin_message")
    op.drop_table("checkin_answer")
    op.drop_table("checkin_round")
    with op.batch_alter_table("organisation") as batch:
        for column in ("checkin_grace_hours", "checkin_close_time", "checkin_days_before", "checkin_enabled"):
            batch.drop_column(column)
