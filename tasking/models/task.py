"""Actions of the plan as tasks, their collaborators, comments and history."""

from __future__ import annotations

import enum
from datetime import date, datetime
from typing import TYPE_CHECKING

from sqlalchemy import Column, ForeignKey, Index, String, Table, Text, UniqueConstraint, text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from tasking.extensions import db

if TYPE_CHECKING:
    from tasking.models.org import User
    from tasking.models.plan import OperationalObjective, Plan


class TaskStatus(enum.StrEnum):
    TODO = "todo"
    IN_PROGRESS = "in_progress"
    BLOCKED = "blocked"
    DONE = "done"


LEVELS = ("O", "G", "E")

task_collaborators = Table(
    "task_collaborator",
    db.metadata,
    Column("task_id", ForeignKey("task.id", ondelete="CASCADE"), primary_key=True),
    Column("user_id", ForeignKey("user_account.id", ondelete="CASCADE"), primary_key=True, index=True),
)


class Task(db.Model):
    """An action of the plan."""

    __tablename__ = "task"
    __table_args__ = (
        Index("ix_task_board", "plan_id", "status", "board_position"),
        # The board's column counts read this index alone (no visit of the
        # tasks' rows, which carry their descriptions).
        Index(
            "ix_task_column_counts",
            "plan_id",
            "status",
            "objective_id",
            sqlite_where=text("archived_at IS NULL"),
            postgresql_where=text("archived_at IS NULL"),
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    # Denormalised from objective → theme → plan: the board and filters read it.
    plan_id: Mapped[int] = mapped_column(ForeignKey("plan.id", ondelete="CASCADE"))
    objective_id: Mapped[int] = mapped_column(
        ForeignKey("operational_objective.id", ondelete="CASCADE"), index=True
    )
    title: Mapped[str] = mapped_column(Text)
    description: Mapped[str] = mapped_column(Text, default="")
    owner_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"), index=True)
    status: Mapped[str] = mapped_column(String(20), default=TaskStatus.TODO.value)
    blocked_reason: Mapped[str] = mapped_column(Text, default="")
    # « Demander l'aide de la région »: the owner asks the regional meeting for
    # help, with why; the regional digest lists it under « Ce qui demande la région ».
    region_help: Mapped[bool] = mapped_column(default=False)
    region_help_reason: Mapped[str] = mapped_column(Text, default="")
    horizon: Mapped[str | None] = mapped_column(String(20))
    short_start: Mapped[date | None]
    short_end: Mapped[date | None]
    long_start: Mapped[date | None]
    long_end: Mapped[date | None]
    due_date: Mapped[date | None] = mapped_column(index=True)
    level: Mapped[str | None] = mapped_column(String(1))
    # Order inside a board column; fractional so a move writes one row.
    board_position: Mapped[float] = mapped_column(default=0.0)
    # Order inside the objective, as the plan lists it.
    plan_position: Mapped[int] = mapped_column(default=0)
    version: Mapped[int] = mapped_column(default=1)
    created_at: Mapped[datetime] = mapped_column()
    updated_at: Mapped[datetime] = mapped_column()
    completed_at: Mapped[datetime | None]
    archived_at: Mapped[datetime | None]

    # SQLAlchemy adds "AND version = <read version>" to every UPDATE and bumps
    # it, so two concurrent edits can never both win (the loser gets StaleDataError).
    __mapper_args__ = {"version_id_col": version}

    plan: Mapped[Plan] = relationship()
    objective: Mapped[OperationalObjective] = relationship(back_populates="tasks")
    owner: Mapped[User | None] = relationship(foreign_keys=[owner_id])
    collaborators: Mapped[list[User]] = relationship(secondary=task_collaborators, order_by="User.name")
    partners: Mapped[list[TaskPartner]] = relationship(
        back_populates="task", order_by="TaskPartner.id", cascade="all, delete-orphan"
    )
    comments: Mapped[list[Comment]] = relationship(
        back_populates="task", order_by="Comment.created_at", cascade="all, delete-orphan"
    )

    def is_overdue(self, today: date) -> bool:
        return self.due_date is not None and self.due_date < today and self.status != TaskStatus.DONE.value


class TaskPartner(db.Model):
    """A named external partner on a task (e.g. the CIUSSS), not a user;
    optionally reached through a contact e-mail (the weekly check-in)."""

    __tablename__ = "task_partner"

    id: Mapped[int] = mapped_column(primary_key=True)
    task_id: Mapped[int] = mapped_column(ForeignKey("task.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(String(200))
    contact_id: Mapped[int | None] = mapped_column(
        ForeignKey("partner_contact.id", ondelete="SET NULL"), index=True
    )

    task: Mapped[Task] = relationship(back_populates="partners")
    contact: Mapped[PartnerContact | None] = relationship()

    @property
    def label(self) -> str:
        """« Name <e-mail> », as the task page's form writes it."""
        return f"{self.name} <{self.contact.email}>" if self.contact else self.name


class PartnerContact(db.Model):
    """An external partner's contact address in one organisation: no account,
    only the check-in e-mail and its signed page. Revoked, its links stop
    working and it gets no more e-mails."""

    __tablename__ = "partner_contact"
    __table_args__ = (UniqueConstraint("organisation_id", "email"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisation.id", ondelete="CASCADE"))
    email: Mapped[str] = mapped_column(String(254))
    # The partner's name as first given (« CIUSSS de l'Estrie »).
    name: Mapped[str] = mapped_column(String(200))
    created_at: Mapped[datetime] = mapped_column()
    revoked_at: Mapped[datetime | None]
    revoked_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id", ondelete="SET NULL"))

    @property
    def active(self) -> bool:
        return self.revoked_at is None


class Comment(db.Model):
    __tablename__ = "comment"

    id: Mapped[int] = mapped_column(primary_key=True)
    task_id: Mapped[int] = mapped_column(ForeignKey("task.id", ondelete="CASCADE"), index=True)
    author_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    body: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column()

    task: Mapped[Task] = relationship(back_populates="comments")
    author: Mapped[User | None] = relationship()


class Activity(db.Model):
    """One line of history: who changed what, when, old value → new value."""

    __tablename__ = "activity"
    __table_args__ = (Index("ix_activity_task", "task_id", "created_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisation.id"), index=True)
    plan_id: Mapped[int | None] = mapped_column(ForeignKey("plan.id", ondelete="CASCADE"), index=True)
    task_id: Mapped[int | None] = mapped_column(ForeignKey("task.id", ondelete="CASCADE"))
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    kind: Mapped[str] = mapped_column(String(40))
    field: Mapped[str | None] = mapped_column(String(40))
    old_value: Mapped[str | None] = mapped_column(Text)
    new_value: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column()
    # Who, when not a user: « CIUSSS (partenaire) » for a partner's check-in.
    actor_label: Mapped[str | None] = mapped_column(String(240))
    # The task's version this change was made on: a form built on version v
    # missed exactly the lines with task_version >= v (what a conflict shows).
    task_version: Mapped[int | None] = mapped_column()

    actor: Mapped[User | None] = relationship()
