"""Where a signed-in person starts: the page their role works from.

A regional coordinator watches the region, so lands on its dashboard. An
organisation's admin (the recovery coordinator) watches what is late or
blocked and reports to council: the plan's dashboard. A member owns
actions: « Mes tâches ». A viewer (elected official, partner) reads how the
plan is going: the plan's dashboard. Someone with no plan yet (an admin about
to create one, an account without organisation) gets the plans list.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from sqlalchemy import case, select
from sqlalchemy.orm import Session

from tasking.models import Membership, Plan, Region, Role, User

#: When a person has several roles, the first in this order decides.
ROLE_ORDER = (Role.ADMIN.value, Role.MEMBER.value, Role.VIEWER.value)


@dataclass(frozen=True)
class Destination:
    """A page as ``url_for`` takes it: the endpoint and its values."""

    endpoint: str
    values: dict[str, object] = field(default_factory=dict)


@dataclass(frozen=True)
class Start:
    """What the person's role starts from: their dashboard (None when they
    have none) and the page they land on."""

    dashboard: Destination | None
    home: Destination


def start_of(session: Session, user: User) -> Start:
    """The dashboard and the landing page of ``user``; kept for the session's
    life (the menu and the home page ask in the same request)."""
    cache = session.info.setdefault("start", {})
    if user.id not in cache:
        cache[user.id] = _start(session, user)
    return cache[user.id]


def _start(session: Session, user: User) -> Start:
    if user.regional_region_id is not None:
        slug = session.scalar(select(Region.slug).where(Region.id == user.regional_region_id))
        dashboard = Destination("dashboards.region", {"slug": slug})
        return Start(dashboard, dashboard)
    role, plan_id = _main_role_and_plan(session, user)
    dashboard = Destination("dashboards.plan", {"plan_id": plan_id}) if plan_id else None
    if role == Role.MEMBER.value:
        return Start(dashboard, Destination("me.tasks"))
    return Start(dashboard, dashboard or Destination("plans.index"))


def _main_role_and_plan(session: Session, user: User) -> tuple[str | None, int | None]:
    """The person's deciding role, and the newest open plan of an organisation
    where they hold it (None when that organisation has no plan yet)."""
    rank = case({role: index for index, role in enumerate(ROLE_ORDER)}, value=Membership.role)
    row = session.execute(
        select(Membership.role, Plan.id)
        .outerjoin(
            Plan,
            (Plan.organisation_id == Membership.organisation_id) & Plan.archived_at.is_(None),
        )
        .where(Membership.user_id == user.id)
        .order_by(rank, Plan.id.is_(None), Plan.created_at.desc(), Plan.id.desc())
        .limit(1)
    ).first()
    return (row.role, row.id) if row else (None, None)
