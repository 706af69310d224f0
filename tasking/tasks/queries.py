"""Reading tasks for their pages: the task with what its page shows, its
history, the organisation's people, and the changes a stale form missed."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from tasking.models import (
    Activity,
    Comment,
    Measurement,
    Membership,
    OperationalObjective,
    Target,
    Task,
    TaskPartner,
    User,
)


def load_task_page(session: Session, task_id: int) -> Task:
    """The task with everything its page shows, in a fixed number of queries."""
    return session.scalars(
        select(Task)
        .where(Task.id == task_id)
        .options(
            selectinload(Task.owner),
            selectinload(Task.collaborators),
            selectinload(Task.partners).selectinload(TaskPartner.contact),
            selectinload(Task.comments).selectinload(Comment.author),
            selectinload(Task.plan),
            selectinload(Task.objective).options(
                selectinload(OperationalObjective.theme),
                selectinload(OperationalObjective.targets)
                .selectinload(Target.measurements)
                .selectinload(Measurement.author),
            ),
        )
        .execution_options(populate_existing=True)
    ).one()


def task_history(session: Session, task_id: int, limit: int = 200) -> list[Activity]:
    """The task's history lines, newest first, with their authors."""
    return list(
        session.scalars(
            select(Activity)
            .where(Activity.task_id == task_id)
            .options(selectinload(Activity.actor))
            .order_by(Activity.created_at.desc(), Activity.id.desc())
            .limit(limit)
        )
    )


def organisation_people(session: Session, organisation_id: int) -> list[tuple[User, str]]:
    """Active people of the organisation with their role, by name."""
    return list(
        session.execute(
            select(User, Membership.role)
            .join(Membership, Membership.user_id == User.id)
            .where(Membership.organisation_id == organisation_id, User.active.is_(True))
            .order_by(User.name)
        )
    )


# History lines that leave the task itself as it was (a conflict does not list them).
NOT_CHANGES = ("comment", "reminder", "checkin")


def changes_since(session: Session, task_id: int, version: int, limit: int = 50) -> list[Activity]:
    """Every change a form built on task ``version`` has not seen, newest
    first, with their authors (to explain a conflict)."""
    return list(
        session.scalars(
            select(Activity)
            .where(
                Activity.task_id == task_id,
                Activity.task_version >= version,
                Activity.kind.not_in(NOT_CHANGES),
            )
            .options(selectinload(Activity.actor))
            .order_by(Activity.created_at.desc(), Activity.id.desc())
            .limit(limit)
        )
    )
