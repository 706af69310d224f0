"""the region's weekly meeting: its own organisation (regional plan), agenda,
attendance, decisions and follow-ups

Revision ID: 0013_meetings
Revises: 0012_region_weekly
"""

import sqlalchemy as sa
from alembic import op

revision = "0013_meetings"
down_revision = "0012_region_weekly"
branch_labels = None
depends_on = None


def _fk(table: str, column: str, target: str, ondelete: str | None = None) -> sa.ForeignKeyConstraint:
    return sa.ForeignKeyConstraint(
        [column], [f"{target}.id"], name=op.f(f"fk_{table}_{column}_{target}"), ondelete=ondelete
    )


def upgrade():
    with op.batch_alter_table("organisation") as batch:
        batch.add_column(sa.Column("staff_of_region_id", sa.Integer(), nullable=True))
        batch.create_foreign_key(
            op.f("fk_organisation_staff_of_region_id_region"), "region", ["staff_of_region_id"], ["id"]
        )
        batch.create_unique_constraint(op.f("uq_organisation_staff_of_region_id"), ["staff_of_region_id"])

    op.create_table(
        "meeting",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("region_id", sa.Integer(), nullable=False),
        sa.Column("week", sa.String(length=10), nullable=False),
        sa.Column("starts_at", sa.DateTime(), nullable=False),
        sa.Column("sequence", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("created_by_id", sa.Integer(), nullable=True),
        sa.Column("closed_at", sa.DateTime(), nullable=True),
        sa.Column("closed_by_id", sa.Integer(), nullable=True),
        _fk("meeting", "region_id", "region", "CASCADE"),
        _fk("meeting", "created_by_id", "user_account", "SET NULL"),
        _fk("meeting", "closed_by_id", "user_account", "SET NULL"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_meeting")),
        sa.UniqueConstraint("region_id", "week", name=op.f("uq_meeting_region_id")),
    )
    op.create_index(op.f("ix_meeting_region_id"), "meeting", ["region_id"])

    op.create_table(
        "meeting_item",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("meeting_id", sa.Integer(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("title", sa.Text(), nullable=False),
        sa.Column("detail", sa.Text(), nullable=False),
        sa.Column("organisation_id", sa.Integer(), nullable=True),
        sa.Column("task_id", sa.Integer(), nullable=True),
        sa.Column("note", sa.Text(), nullable=False),
        sa.Column("struck", sa.Boolean(), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        _fk("meeting_item", "meeting_id", "meeting", "CASCADE"),
        _fk("meeting_item", "organisation_id", "organisation", "SET NULL"),
        _fk("meeting_item", "task_id", "task", "SET NULL"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_meeting_item")),
    )
    op.create_index(op.f("ix_meeting_item_meeting_id"), "meeting_item", ["meeting_id"])

    op.create_table(
        "meeting_attendance",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("meeting_id", sa.Integer(), nullable=False),
        sa.Column("organisation_id", sa.Integer(), nullable=False),
        sa.Column("present", sa.Boolean(), nullable=False),
        sa.Column("attendees", sa.Text(), nullable=False),
        _fk("meeting_attendance", "meeting_id", "meeting", "CASCADE"),
        _fk("meeting_attendance", "organisation_id", "organisation", "CASCADE"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_meeting_attendance")),
        sa.UniqueConstraint("meeting_id", "organisation_id", name=op.f("uq_meeting_attendance_meeting_id")),
    )
    op.create_index(op.f("ix_meeting_attendance_meeting_id"), "meeting_attendance", ["meeting_id"])

    op.create_table(
        "meeting_decision",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("item_id", sa.Integer(), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("author_id", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        _fk("meeting_decision", "item_id", "meeting_item", "CASCADE"),
        _fk("meeting_decision", "author_id", "user_account", "SET NULL"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_meeting_decision")),
    )
    op.create_index(op.f("ix_meeting_decision_item_id"), "meeting_decision", ["item_id"])

    op.create_table(
        "meeting_follow_up",
        sa.Column("task_id", sa.Integer(), nullable=False),
        sa.Column("meeting_id", sa.Integer(), nullable=False),
        sa.Column("item_id", sa.Integer(), nullable=True),
        _fk("meeting_follow_up", "task_id", "task", "CASCADE"),
        _fk("meeting_follow_up", "meeting_id", "meeting", "CASCADE"),
        _fk("meeting_follow_up", "item_id", "meeting_item", "SET NULL"),
        sa.PrimaryKeyConstraint("task_id", name=op.f("pk_meeting_follow_up")),
    )
    op.create_index(op.f("ix_meeting_follow_up_meeting_id"), "meeting_follow_up", ["meeting_id"])


def downgrade():
    op.drop_table("meeting_follow_up")
    op.drop_table("meeting_decision")
    op.drop_table("meeting_attendance")
    op.drop_table("meeting_item")
    op.drop_table("meeting")
    with op.batch_alter_table("organisation") as batch:
        batch.drop_constraint(op.f("uq_organisation_staff_of_region_id"), type_="unique")
        batch.drop_constraint(op.f("fk_organisation_staff_of_region_id_region"), type_="foreignkey")
        batch.drop_column("staff_of_region_id")
