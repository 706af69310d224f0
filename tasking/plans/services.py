"""Reading plans: what a user may see and the plan laid out for its page."""

from __future__ import annotations

from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session, selectinload

from tasking.models import (
    Comment,
    GeneralObjective,
    Membership,
    OperationalObjective,
    Organisation,
    Plan,
    Target,
    Task,
    Theme,
    User,
)


def readable_plans(session: Session, user: User) -> list[Plan]:
    """Plans of the user's organisations and, for a regional coordinator, of the region."""
    member_orgs = select(Membership.organisation_id).where(Membership.user_id == user.id)
    condition = Plan.organisation_id.in_(member_orgs)
    if user.regional_region_id is not None:
        region_orgs = select(Organisation.id).where(Organisation.region_id == user.regional_region_id)
        condition = or_(condition, Plan.organisation_id.in_(region_orgs))
    return list(
        session.scalars(
            select(Plan)
            .where(condition, Plan.archived_at.is_(None))
            .options(selectinload(Plan.organisation))
            .join(Organisation, Organisation.id == Plan.organisation_id)
            .order_by(Organisation.name, Plan.created_at.desc())
        )
    )


def load_plan_layout(session: Session, plan_id: int) -> Plan:
    """The plan with everything its page shows, in a fixed number of queries."""
    return session.scalars(
        select(Plan)
        .where(Plan.id == plan_id)
        .options(
            selectinload(Plan.general_objectives).selectinload(GeneralObjective.specific_objectives),
            selectinload(Plan.themes)
            .selectinload(Theme.objectives)
            .options(
                selectinload(OperationalObjective.targets).selectinload(Target.measurements),
                selectinload(OperationalObjective.tasks).options(
                    selectinload(Task.owner),
                    selectinload(Task.collaborators),
                    selectinload(Task.partners),
                ),
            ),
        )
    ).one()


def comment_counts(session: Session, plan_id: int) -> dict[int, int]:
    rows = session.execute(
        select(Comment.task_id, func.count(Comment.id))
        .join(Task, Task.id == Comment.task_id)
        .where(Task.plan_id == plan_id)
        .group_by(Comment.task_id)
    )
    return dict(rows.all())
