"""Who may do what, in one place.

Roles are per organisation: an admin edits everything of the organisation, a
member edits the tasks they own and contributes to those they help with, a
viewer reads. A regional coordinator reads every organisation of the region.
Anything a user may not see answers 404, so ids reveal nothing.

Every rule reads through the session it is given; what it learns about a
person's roles is kept in that session's ``info`` for the rest of its life
(one request, one job).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

from flask import abort
from flask_babel import gettext as _
from sqlalchemy import bindparam, select
from sqlalchemy.orm import Session, joinedload
from sqlalchemy.orm.util import identity_key

from tasking.core.batches import Query, columns_of, loaded, read_together
from tasking.models import (
    Membership,
    OperationalObjective,
    Organisation,
    Plan,
    Region,
    Role,
    Target,
    Task,
    Theme,
    User,
)
from tasking.models.task import task_collaborators

#: Roles whose people may be responsible for an action or collaborate on it
#: (and so record measurements); viewers only read.
ASSIGNABLE_ROLES = (Role.ADMIN.value, Role.MEMBER.value)
#: The fields a collaborator may change; every other field is for editors.
CONTRIBUTOR_FIELDS = frozenset({"status", "blocked_reason"})


def roles_of(session: Session, user: User) -> dict[int, str]:
    """organisation id → role, kept for the session's life. A region's
    coordinators are admins of the region's own organisation (its regional
    plan), whether or not a membership row says so."""
    cache = session.info.setdefault("roles", {})
    if user.id not in cache:
        rows = session.execute(_MEMBERSHIPS.where(Membership.user_id == user.id)).all()
        _remember_roles(session, user, rows)
    return cache[user.id]


_MEMBERSHIPS = (
    select(Membership.organisation_id, Membership.role, Organisation.timezone)
    .join(Organisation, Organisation.id == Membership.organisation_id)
    .order_by(Membership.id)
)
#: The person's columns: read as plain columns, they can go in one round
#: trip with other reads (``core/batches.py``).
_USER_COLUMNS = columns_of(User)
#: A person with each of their memberships (one row each, or one row of nulls).
_USER_WITH_ROLES = (
    select(
        *_USER_COLUMNS,
        Membership.organisation_id,
        Membership.role,
        Organisation.timezone,
    )
    .select_from(User)
    .outerjoin(Membership, Membership.user_id == User.id)
    .outerjoin(Organisation, Organisation.id == Membership.organisation_id)
    .where(User.id == bindparam("user_id"))
    .order_by(Membership.id)
)


def user_with_roles(session: Session, user_id: int, *, ahead: Sequence[Query] = ()) -> User | None:
    """A person, their roles read in the same statement and kept as
    ``roles_of`` keeps them: every signed-in request starts here, and nearly
    every page then asks for a role. ``ahead``: the page's first reads,
    sent with it (``read_together``)."""
    if identity_key(User, user_id) in session.identity_map:
        return session.get(User, user_id)
    (rows,) = read_together(session, [(_USER_WITH_ROLES, {"user_id": user_id})], ahead=ahead)
    if not rows:
        return None
    user = loaded(session, User, rows[0])
    width = len(_USER_COLUMNS)
    _remember_roles(session, user, [row[width:] for row in rows if row[width] is not None])
    return user


def _remember_roles(session: Session, user: User, memberships: Sequence[Sequence]) -> None:
    """Keep ``(organisation id, role, time zone)`` rows, in the order joined, as the person's roles."""
    roles = {org_id: role for org_id, role, _timezone in memberships}
    # Read here for free: My tasks and the board need them and would otherwise ask again.
    session.info.setdefault("home_timezone", {})[user.id] = memberships[0][2] if memberships else None
    session.info.setdefault("timezones", {}).update({org_id: tz for org_id, _role, tz in memberships})
    _add_staff_role(session, roles, user.regional_region_id)
    session.info.setdefault("roles", {})[user.id] = roles


def home_timezone(session: Session, user: User) -> str | None:
    """The time zone of the first organisation the person joined, if any."""
    roles_of(session, user)
    return session.info["home_timezone"].get(user.id)


def member_timezone(session: Session, user: User, organisation_id: int) -> str | None:
    """The time zone of an organisation the person belongs to (None for any other)."""
    roles_of(session, user)
    # Absent when the roles came from ``remember_roles`` (which reads no zone).
    return session.info.get("timezones", {}).get(organisation_id)


def _add_staff_role(session: Session, roles: dict[int, str], region_id: int | None) -> None:
    """A region's coordinators administer the region's own organisation."""
    staff_org = regional_org_id(session, region_id) if region_id else None
    if staff_org is not None:
        roles[staff_org] = Role.ADMIN.value


def regional_org_id(session: Session, region_id: int) -> int | None:
    """The id of the region's own organisation (owner of its regional plan), if any."""
    cache = session.info.setdefault("regional_org", {})
    if region_id not in cache:
        cache[region_id] = session.scalar(
            select(Organisation.id).where(Organisation.staff_of_region_id == region_id)
        )
    return cache[region_id]


def forget_regional_org(session: Session, region_id: int) -> None:
    """After creating a region's organisation: the cached answers are stale."""
    session.info.get("regional_org", {}).pop(region_id, None)
    session.info.pop("roles", None)


def role_in(session: Session, user: User, organisation_id: int) -> str | None:
    return roles_of(session, user).get(organisation_id)


def may_be_assigned(role: str | None) -> bool:
    """Whether a person of this role may own or help with an action."""
    return role in ASSIGNABLE_ROLES


def _org_region(session: Session, organisation_id: int) -> int | None:
    cache = session.info.setdefault("org_region", {})
    if organisation_id not in cache:
        cache[organisation_id] = session.scalar(
            select(Organisation.region_id).where(Organisation.id == organisation_id)
        )
    return cache[organisation_id]


def _staff_region(session: Session, organisation_id: int) -> int | None:
    """The region whose own organisation this is, else None."""
    cache = session.info.setdefault("staff_region", {})
    if organisation_id not in cache:
        cache[organisation_id] = session.scalar(
            select(Organisation.staff_of_region_id).where(Organisation.id == organisation_id)
        )
    return cache[organisation_id]


def is_admin_in_region(session: Session, user: User, region_id: int) -> bool:
    """Whether the user is an admin of one of the region's municipalities."""
    return any(
        role == Role.ADMIN.value and _org_region(session, org_id) == region_id
        for org_id, role in roles_of(session, user).items()
    )


def can_read_org(
    session: Session, user: User, organisation_id: int, organisation: Organisation | None = None
) -> bool:
    """Members read their organisations, a region's coordinators its
    municipalities; a region's own organisation (the regional plan) is read
    by its staff, the owners of its tasks and its municipalities' admins.
    ``organisation``: its row (or a copy with ``region_id`` and
    ``staff_of_region_id``) when the caller read it, else both are asked for."""
    if not user.is_authenticated:
        return False
    if role_in(session, user, organisation_id):
        return True
    known = organisation is not None
    region_id = user.regional_region_id
    if region_id is not None:
        org_region = organisation.region_id if known else _org_region(session, organisation_id)
        if org_region == region_id:
            return True
    staff_region = organisation.staff_of_region_id if known else _staff_region(session, organisation_id)
    return staff_region is not None and is_admin_in_region(session, user, staff_region)


def is_org_admin(session: Session, user: User, organisation_id: int) -> bool:
    return user.is_authenticated and role_in(session, user, organisation_id) == Role.ADMIN.value


def can_edit_task(session: Session, user: User, task: Task, organisation_id: int) -> bool:
    """Edit every field: the organisation's admins and the task's owner."""
    role = role_in(session, user, organisation_id)
    if role == Role.ADMIN.value:
        return True
    return role == Role.MEMBER.value and task.owner_id == user.id


def is_collaborator(session: Session, user: User, task: Task) -> bool:
    return bool(
        session.scalar(
            select(task_collaborators.c.user_id).where(
                task_collaborators.c.task_id == task.id, task_collaborators.c.user_id == user.id
            )
        )
    )


def can_contribute(session: Session, user: User, task: Task, organisation_id: int) -> bool:
    """Change status, comment, add measurements: editors and collaborators."""
    if can_edit_task(session, user, task, organisation_id):
        return True
    return role_in(session, user, organisation_id) == Role.MEMBER.value and is_collaborator(
        session, user, task
    )


def can_contribute_to(
    session: Session, user: User, organisation_id: int, *, owner_id: int | None, collaborating: bool
) -> bool:
    """``can_contribute`` for a task whose owner and collaborators are already
    known (the board decides for many cards at once, without a query each)."""
    role = role_in(session, user, organisation_id)
    if role == Role.ADMIN.value:
        return True
    return role == Role.MEMBER.value and (owner_id == user.id or collaborating)


def contribution_test(
    session: Session, user: User, organisation_id: int
) -> Callable[[int | None, bool], bool]:
    """``can_contribute_to`` for many tasks of one organisation: the role read
    once, then ``test(owner_id, collaborating)`` per task."""
    role = role_in(session, user, organisation_id)
    if role == Role.ADMIN.value:
        return lambda _owner_id, _collaborating: True
    if role != Role.MEMBER.value:
        return lambda _owner_id, _collaborating: False
    return lambda owner_id, collaborating: owner_id == user.id or collaborating


def can_change_task_fields(
    session: Session, user: User, task: Task, organisation_id: int, fields: set[str]
) -> bool:
    """Status and blocked reason: contributors; any other field: editors."""
    if set(fields) <= CONTRIBUTOR_FIELDS:
        return can_contribute(session, user, task, organisation_id)
    return can_edit_task(session, user, task, organisation_id)


def organisation_of_target(session: Session, target: Target) -> int:
    """The id of the organisation whose plan holds the target."""
    return session.scalar(
        select(Plan.organisation_id)
        .join(Theme, Theme.plan_id == Plan.id)
        .join(OperationalObjective, OperationalObjective.theme_id == Theme.id)
        .where(OperationalObjective.id == target.objective_id)
    )


def can_measure(session: Session, user: User, target: Target) -> bool:
    """Admins, and whoever may contribute to one of the objective's tasks."""
    organisation_id = organisation_of_target(session, target)
    if is_org_admin(session, user, organisation_id):
        return True
    tasks = session.scalars(select(Task).where(Task.objective_id == target.objective_id)).all()
    return any(can_contribute(session, user, task, organisation_id) for task in tasks)


def may_record_measurements(session: Session, user: User, organisation_id: int) -> bool:
    """The indicators page offers the way to an action's measurements to
    the people who may take part in actions (admins and members)."""
    return may_be_assigned(role_in(session, user, organisation_id))


def task_rights(
    session: Session, user: User, task: Task, organisation_id: int, collaborating: bool | None = None
) -> dict[str, bool]:
    """What the task page may offer: ``edit`` every field, ``contribute``
    (status, comments), ``measure`` the objective's targets, ``plan`` (the
    plan editor). The measurement service also accepts contributors of a
    sibling action of the objective; this page offers it to those of this one.
    ``collaborating``, when the caller already knows it, spares a query."""
    edit = can_edit_task(session, user, task, organisation_id)
    if collaborating is None:
        contribute = edit or can_contribute(session, user, task, organisation_id)
    else:
        contribute = edit or can_contribute_to(
            session, user, organisation_id, owner_id=task.owner_id, collaborating=collaborating
        )
    return {
        "edit": edit,
        "contribute": contribute,
        "measure": contribute,
        "plan": is_org_admin(session, user, organisation_id),
    }


def can_plan(session: Session, user: User, organisation_id: int) -> bool:
    """Add, edit, reorder and archive themes, objectives, actions, targets."""
    return is_org_admin(session, user, organisation_id)


def plan_or_404(session: Session, user: User, plan_id: int, *, with_organisation: bool = False) -> Plan:
    """The plan, for who may read it, else 404; ``with_organisation``: its
    organisation read in the same statement (for a page that names it)."""
    options = [joinedload(Plan.organisation)] if with_organisation else None
    plan = session.get(Plan, plan_id, options=options)
    if plan is None or plan.archived_at is not None or not can_read_org(session, user, plan.organisation_id):
        abort(404)
    return plan


def plan_organisation_id(session: Session, plan_id: int) -> int | None:
    """The organisation of a plan (which never changes), asked once per session:
    a move asked it three times."""
    cache = session.info.setdefault("plan_organisation", {})
    if plan_id not in cache:
        cache[plan_id] = session.scalar(select(Plan.organisation_id).where(Plan.id == plan_id))
    return cache[plan_id]


def task_or_404(session: Session, user: User, task_id: int) -> Task:
    task = session.get(Task, task_id)
    if task is None or task.archived_at is not None:
        abort(404)
    organisation_id = plan_organisation_id(session, task.plan_id)
    if organisation_id is None or not can_read_org(session, user, organisation_id):
        abort(404)
    return task


def org_admin_or_404(session: Session, user: User, organisation_id: int) -> None:
    if not is_org_admin(session, user, organisation_id):
        abort(404)


def plan_for_planning(session: Session, user: User, plan_id: int) -> Plan:
    """The plan, for someone who may change its structure: 404 for those who
    may not read it, 403 with a sentence for readers who are not admins."""
    plan = plan_or_404(session, user, plan_id)
    if not can_plan(session, user, plan.organisation_id):
        abort(403, _("Only the administrators of the organisation can change the plan."))
    return plan


def regional_scope_or_404(session: Session, user: User, slug: str) -> tuple[Region, list[int]]:
    """The region and the organisations whose line of its dashboard the user may see.

    The region's coordinators see every municipality; an admin of a
    municipality of the region sees only their own line; anyone else gets 404.
    """
    region = session.scalar(select(Region).where(Region.slug == slug))
    if region is None or not user.is_authenticated:
        abort(404)
    query = select(Organisation.id).where(Organisation.region_id == region.id)
    if user.regional_region_id != region.id:
        admin_of = [org_id for org_id, role in roles_of(session, user).items() if role == Role.ADMIN.value]
        query = query.where(Organisation.id.in_(admin_of))
    organisation_ids = list(session.scalars(query))
    if not organisation_ids and user.regional_region_id != region.id:
        abort(404)
    return region, organisation_ids


def can_configure_region(user: User, region_id: int) -> bool:
    """The regional digest's slot: the region's coordinators only (a
    municipality's admins see their line of the region, not its settings)."""
    return user.is_authenticated and user.regional_region_id == region_id


def region_to_configure_or_404(session: Session, user: User, slug: str) -> Region:
    region = session.scalar(select(Region).where(Region.slug == slug))
    if region is None or not can_configure_region(user, region.id):
        abort(404)
    return region


def regional_dashboard_of(session: Session, user: User, organisation: Organisation) -> str | None:
    """The slug of the regional dashboard showing this organisation's line to the
    user (its region's coordinators and its own admins), else None."""
    if organisation.region_id is None:
        return None
    if user.regional_region_id == organisation.region_id or is_org_admin(session, user, organisation.id):
        return session.scalar(select(Region.slug).where(Region.id == organisation.region_id))
    return None


def is_regional_coordinator(user: User, region_id: int) -> bool:
    return user.is_authenticated and user.regional_region_id == region_id


def meetings_region_or_404(session: Session, user: User, slug: str) -> Region:
    """The region whose meetings and minutes the user may read: its
    coordinators and the admins of its municipalities; anyone else 404."""
    region = session.scalar(select(Region).where(Region.slug == slug))
    if region is None or not user.is_authenticated:
        abort(404)
    if not (is_regional_coordinator(user, region.id) or is_admin_in_region(session, user, region.id)):
        abort(404)
    return region


def meeting_runner_or_404(user: User, region: Region) -> None:
    """Preparing, running and closing a meeting: the region's coordinators.
    Readers who may not run it get 404 on the forms, as on any hidden thing."""
    if not is_regional_coordinator(user, region.id):
        abort(404)


def may_see_detail_of(session: Session, user: User, organisation_id: int | None) -> bool:
    """A meeting shows the drafted specifics of a municipality (its actions'
    titles) to those who may read that municipality; others see aggregates."""
    return organisation_id is None or can_read_org(session, user, organisation_id)


def remember_roles(session: Session, user_ids) -> None:  # noqa: ANN001
    """Read the roles of many people in one query, for the session's life
    (a job deciding for thousands of people at once)."""
    cache = session.info.setdefault("roles", {})
    missing = set(user_ids) - set(cache)
    if not missing:
        return
    for user_id in missing:
        cache[user_id] = {}
    for user_id, org_id, role in session.execute(
        select(Membership.user_id, Membership.organisation_id, Membership.role).where(
            Membership.user_id.in_(missing)
        )
    ):
        cache[user_id][org_id] = role
    for user_id, region_id in session.execute(
        select(User.id, User.regional_region_id).where(
            User.id.in_(missing), User.regional_region_id.is_not(None)
        )
    ):
        _add_staff_role(session, cache[user_id], region_id)
