"""A region's own plan: the plan of the region's organisation.

A region gets one organisation of its own (``Organisation.staff_of_region_id``;
its staff are the region's coordinators, admins there by rule) and that
organisation owns the regional plan, so the plan has everything a plan has
(themes, board, task page, reminders, check-ins) without a second kind of
plan. The regional plan starts with the template's themes (no actions) and
one theme for the meetings' follow-ups. Whoever owns a follow-up becomes a
member of the region's organisation: « Mes tâches », reminders, check-ins and
the calendar feed list the tasks of the organisations a person belongs to.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime

from flask_babel import gettext as _
from sqlalchemy import select
from sqlalchemy.orm import Session

from tasking.core.permissions import forget_regional_org
from tasking.models import Membership, OperationalObjective, Organisation, Plan, Region, Role, Theme, User
from tasking.plans.builder import History, ObjectiveSpec, PlanBuilder, PlanSpec, ThemeSpec
from tasking.plans.template import load_template, template_spec

#: The theme and objective of the regional plan that receive follow-ups.
FOLLOW_UP_THEME = "Coordination régionale"
FOLLOW_UP_OBJECTIVE = "Suivis de la statutaire hebdomadaire"


def regional_organisation(session: Session, region: Region, *, now: datetime) -> Organisation:
    """The region's own organisation, created on first use with the
    region's coordinators as its admins."""
    org = session.scalar(select(Organisation).where(Organisation.staff_of_region_id == region.id))
    if org is None:
        org = Organisation(
            slug=f"region-{region.slug}"[:60],
            name=region.name,
            staff_of_region_id=region.id,
            timezone=region.timezone,
            digest_weekday=region.digest_weekday,
            digest_time=region.digest_time,
            created_at=now,
        )
        session.add(org)
        session.flush()
        forget_regional_org(session, region.id)
        coordinators = session.scalars(select(User).where(User.regional_region_id == region.id))
        for user in coordinators:
            ensure_member(session, org, user, now=now, role=Role.ADMIN.value)
    return org


def ensure_member(
    session: Session, org: Organisation, user: User, *, now: datetime, role: str = Role.MEMBER.value
) -> None:
    """Give ``user`` a role in ``org`` unless they have one already."""
    exists = session.scalar(
        select(Membership.id).where(Membership.user_id == user.id, Membership.organisation_id == org.id)
    )
    if exists is None:
        session.add(Membership(user_id=user.id, organisation_id=org.id, role=role, created_at=now))
        session.flush()
        session.info.get("roles", {}).pop(user.id, None)


def regional_plan_spec(region: Region) -> PlanSpec:
    """The template's themes without their actions, and the follow-ups' theme."""
    spec = template_spec(load_template(), _("Regional plan — %(region)s", region=region.name))
    themes = [replace(theme, objectives=[]) for theme in spec.themes]
    themes.append(
        ThemeSpec(
            title=FOLLOW_UP_THEME,
            number=(themes[-1].number or len(themes)) + 1 if themes else 1,
            definition=_("The follow-up actions decided in the region's weekly meetings."),
            objectives=[ObjectiveSpec(title=FOLLOW_UP_OBJECTIVE)],
        )
    )
    return replace(spec, general=[], themes=themes, template_key=None)


def regional_plan(session: Session, region: Region, *, now: datetime) -> Plan:
    """The region's live plan, created with its organisation on first use."""
    org = regional_organisation(session, region, now=now)
    plan = session.scalar(
        select(Plan).where(Plan.organisation_id == org.id, Plan.archived_at.is_(None)).order_by(Plan.id)
    )
    if plan is None:
        plan = PlanBuilder.new_plan(
            session, organisation=org, spec=regional_plan_spec(region), actor=None, now=now, history=History()
        )
    return plan


def follow_up_objective(session: Session, plan: Plan, *, now: datetime) -> OperationalObjective:
    """The objective that receives the meetings' follow-ups (re-created if
    someone archived it in the plan editor)."""
    objective = session.scalar(
        select(OperationalObjective)
        .join(Theme, Theme.id == OperationalObjective.theme_id)
        .where(
            Theme.plan_id == plan.id,
            Theme.archived_at.is_(None),
            OperationalObjective.archived_at.is_(None),
            OperationalObjective.title == FOLLOW_UP_OBJECTIVE,
        )
        .order_by(OperationalObjective.id)
    )
    if objective is not None:
        return objective
    builder = PlanBuilder(session, plan=plan, actor=None, now=now, history=History())
    theme = builder.add_theme(ThemeSpec(title=FOLLOW_UP_THEME))
    return builder.add_objective(theme, ObjectiveSpec(title=FOLLOW_UP_OBJECTIVE))
