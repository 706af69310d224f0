"""Reading plans: what a user may see and the plan laid out for its page."""

from __future__ import annotations

from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session, joinedload, selectinload

from tasking.models import (
    Comment,
    GeneralObjective,
    Membership,
    OperationalObjective,
    Organisation,
    Plan,
    Role,
    Target,
    Task,
    Theme,
    User,
)


def readable_plans(session: Session, user: User) -> list[Plan]:
    """Plans of the user's organisations; for a regional coordinator, of the
    region's municipalities; and the regional plan of the user's region (to
    its coordinators, whenever they joined, and to its municipalities' admins),
    as ``can_read_org`` decides."""
    member_orgs = select(Membership.organisation_id).where(Membership.user_id == user.id)
    admin_regions = (
        select(Organisation.region_id)
        .where(Organisation.id.in_(member_orgs.where(Membership.role == Role.ADMIN.value)))
        .where(Organisation.region_id.is_not(None))
    )
    staff_of = Organisation.staff_of_region_id.in_(admin_regions)
    if user.regional_region_id is not None:
        staff_of = or_(staff_of, Organisation.staff_of_region_id == user.regional_region_id)
    region_orgs = select(Organisation.id).where(staff_of)
    condition = or_(Plan.organisation_id.in_(member_orgs), Plan.organisation_id.in_(region_orgs))
    if user.regional_region_id is not None:
        municipalities = select(Organisation.id).where(Organisation.region_id == user.regional_region_id)
        condition = or_(condition, Plan.organisation_id.in_(municipalities))
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


def latest_comments(session: Session, plan_id: int) -> dict[int, tuple[Comment, int]]:
    """Per task of the plan: its latest comment (author loaded) and how many it has, in one query."""
    ranked = (
        select(
            Comment.id,
            func.row_number()
            .over(partition_by=Comment.task_id, order_by=(Comment.created_at.desc(), Comment.id.desc()))
            .label("rank"),
            func.count().over(partition_by=Comment.task_id).label("total"),
        )
        .join(Task, Task.id == Comment.task_id)
        .where(Task.plan_id == plan_id)
        .subquery()
    )
    rows = session.execute(
        select(Comment, ranked.c.total)
        .join(ranked, ranked.c.id == Comment.id)
        .where(ranked.c.rank == 1)
        .options(joinedload(Comment.author))
    )
    return {comment.task_id: (comment, total) for comment, total in rows}
