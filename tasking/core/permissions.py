"""Who may do what, in one place.

Roles are per organisation: an admin edits everything of the organisation, a
member edits the tasks they own and contributes to those they help with, a
viewer reads. A regional coordinator reads every organisation of the region.
Anything a user may not see answers 404, so ids reveal nothing.
"""

from __future__ import annotations

from flask import abort, g
from sqlalchemy import select

from tasking.extensions import db
from tasking.models import Membership, Organisation, Plan, Region, Role, Task, User
from tasking.models.task import task_collaborators


def roles_of(user: User) -> dict[int, str]:
    """organisation id → role, cached for the request."""
    cache = g.setdefault("_roles", {})
    if user.id not in cache:
        rows = db.session.execute(
            select(Membership.organisation_id, Membership.role).where(Membership.user_id == user.id)
        )
        cache[user.id] = {org_id: role for org_id, role in rows}
    return cache[user.id]


def role_in(user: User, organisation_id: int) -> str | None:
    return roles_of(user).get(organisation_id)


def _org_region(organisation_id: int) -> int | None:
    cache = g.setdefault("_org_region", {})
    if organisation_id not in cache:
        cache[organisation_id] = db.session.scalar(
            select(Organisation.region_id).where(Organisation.id == organisation_id)
        )
    return cache[organisation_id]


def can_read_org(user: User, organisation_id: int) -> bool:
    if not user.is_authenticated:
        return False
    if role_in(user, organisation_id):
        return True
    region_id = user.regional_region_id
    return region_id is not None and _org_region(organisation_id) == region_id


def is_org_admin(user: User, organisation_id: int) -> bool:
    return user.is_authenticated and role_in(user, organisation_id) == Role.ADMIN.value


def can_edit_task(user: User, task: Task, organisation_id: int) -> bool:
    """Edit every field: the organisation's admins and the task's owner."""
    role = role_in(user, organisation_id)
    if role == Role.ADMIN.value:
        return True
    return role == Role.MEMBER.value and task.owner_id == user.id


def is_collaborator(user: User, task: Task) -> bool:
    return bool(
        db.session.scalar(
            select(task_collaborators.c.user_id).where(
                task_collaborators.c.task_id == task.id, task_collaborators.c.user_id == user.id
            )
        )
    )


def can_contribute(user: User, task: Task, organisation_id: int) -> bool:
    """Change status, comment, add measurements: editors and collaborators."""
    if can_edit_task(user, task, organisation_id):
        return True
    return role_in(user, organisation_id) == Role.MEMBER.value and is_collaborator(user, task)


def can_contribute_to(user: User, organisation_id: int, *, owner_id: int | None, collaborating: bool) -> bool:
    """``can_contribute`` for a task whose owner and collaborators are already
    known (the board decides for many cards at once, without a query each)."""
    role = role_in(user, organisation_id)
    if role == Role.ADMIN.value:
        return True
    return role == Role.MEMBER.value and (owner_id == user.id or collaborating)


def plan_or_404(user: User, plan_id: int) -> Plan:
    plan = db.session.get(Plan, plan_id)
    if plan is None or plan.archived_at is not None or not can_read_org(user, plan.organisation_id):
        abort(404)
    return plan


def task_or_404(user: User, task_id: int) -> Task:
    task = db.session.get(Task, task_id)
    if task is None or task.archived_at is not None:
        abort(404)
    organisation_id = db.session.scalar(select(Plan.organisation_id).where(Plan.id == task.plan_id))
    if organisation_id is None or not can_read_org(user, organisation_id):
        abort(404)
    return task


def org_admin_or_404(user: User, organisation_id: int) -> None:
    if not is_org_admin(user, organisation_id):
        abort(404)


def can_change_task_fields(user: User, task: Task, organisation_id: int, fields: set[str]) -> bool:
    """Status and blocked reason: contributors; any other field: editors."""
    # The task services own the list of fields a collaborator may change.
    from tasking.tasks.editing import CONTRIBUTOR_FIELDS

    if set(fields) <= CONTRIBUTOR_FIELDS:
        return can_contribute(user, task, organisation_id)
    return can_edit_task(user, task, organisation_id)


def task_rights(user: User, task: Task, organisation_id: int) -> dict[str, bool]:
    """What the task page may offer: ``edit`` every field, ``contribute``
    (status, comments), ``measure`` the objective's targets, ``plan`` (the
    plan editor). The measurement service also accepts contributors of a
    sibling action of the objective; this page offers it to those of this one."""
    edit = can_edit_task(user, task, organisation_id)
    contribute = edit or can_contribute(user, task, organisation_id)
    return {
        "edit": edit,
        "contribute": contribute,
        "measure": contribute,
        "plan": is_org_admin(user, organisation_id),
    }


def can_plan(user: User, organisation_id: int) -> bool:
    """Add, edit, reorder and archive themes, objectives, actions, targets."""
    return is_org_admin(user, organisation_id)


def plan_for_planning(user: User, plan_id: int) -> Plan:
    """The plan, for someone who may change its structure: 404 for those who
    may not read it, 403 with a sentence for readers who are not admins."""
    from flask_babel import gettext as _

    plan = plan_or_404(user, plan_id)
    if not can_plan(user, plan.organisation_id):
        abort(403, _("Only the administrators of the organisation can change the plan."))
    return plan


def regional_scope_or_404(user: User, slug: str) -> tuple[Region, list[int]]:
    """The region and the organisations whose line of its dashboard the user may see.

    The region's coordinators see every municipality; an admin of a
    municipality of the region sees only their own line; anyone else gets 404.
    """
    region = db.session.scalar(select(Region).where(Region.slug == slug))
    if region is None or not user.is_authenticated:
        abort(404)
    query = select(Organisation.id).where(Organisation.region_id == region.id)
    if user.regional_region_id != region.id:
        admin_of = [org_id for org_id, role in roles_of(user).items() if role == Role.ADMIN.value]
        query = query.where(Organisation.id.in_(admin_of))
    organisation_ids = list(db.session.scalars(query))
    if not organisation_ids and user.regional_region_id != region.id:
        abort(404)
    return region, organisation_ids


def can_configure_region(user: User, region_id: int) -> bool:
    """The regional digest's slot: the region's coordinators only (a
    municipality's admins see their line of the region, not its settings)."""
    return user.is_authenticated and user.regional_region_id == region_id


def region_to_configure_or_404(user: User, slug: str) -> Region:
    region = db.session.scalar(select(Region).where(Region.slug == slug))
    if region is None or not can_configure_region(user, region.id):
        abort(404)
    return region


def coordinated_region_slug(user: User) -> str | None:
    """The region a regional coordinator coordinates (for the navigation), else None."""
    if not user.is_authenticated or user.regional_region_id is None:
        return None
    return db.session.scalar(select(Region.slug).where(Region.id == user.regional_region_id))


def regional_dashboard_of(user: User, organisation: Organisation) -> str | None:
    """The slug of the regional dashboard showing this organisation's line to the
    user (its region's coordinators and its own admins), else None."""
    if organisation.region_id is None:
        return None
    if user.regional_region_id == organisation.region_id or is_org_admin(user, organisation.id):
        return db.session.scalar(select(Region.slug).where(Region.id == organisation.region_id))
    return None
