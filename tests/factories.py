"""Declarative test data: people and places through the real services, plans
through the plan builder. Every function has sensible defaults; pass only
what a test is about.

    org = factories.organisation(db.session)
    admin = factories.user(db.session, org, role="admin")
    staff = factories.people(db.session, org, owner=factories.person(), viewer=factories.person("viewer"))
    plan = factories.plan(db.session, org, themes=[factories.theme(objectives=[
        factories.objective(actions=[factories.action("Appeler les aînés")])])])

Functions that take a session write rows (``add_…`` ones into an existing
plan); the others describe (specs). The rows' ``now`` is a fixed instant
unless given: tests on an app pass its clock (``make`` in tests/conftest.py
does, and commits). They flush; the test commits when it needs to.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field, fields, replace
from datetime import date, datetime, timedelta
from itertools import count
from typing import Any

from sqlalchemy import update
from sqlalchemy.orm import Session

from tasking.models import (
    CheckinAnswer,
    CheckinMessage,
    CheckinRound,
    Comment,
    Measurement,
    OperationalObjective,
    Organisation,
    Plan,
    Region,
    Target,
    Task,
    User,
)
from tasking.models.checkin import CheckinMessageKind
from tasking.orgs import services as orgs
from tasking.plans.builder import (
    ActionSpec,
    History,
    ObjectiveSpec,
    PlanBuilder,
    PlanSpec,
    TargetSpec,
    ThemeSpec,
)
from tasking.privacy_register import notice as privacy_notice

PASSWORD = "Correct-Horse-42"  # the test client logs in with it (tests/conftest.py)
NOW = datetime(2026, 11, 20, 15, 0)
_numbers = count(1)


def region(session: Session, slug: str | None = None, name: str | None = None, now: datetime = NOW) -> Region:
    number = next(_numbers)
    return orgs.create_region(session, slug or f"mrc-{number}", name or f"MRC {number}", now=now)


def organisation(
    session: Session,
    slug: str | None = None,
    name: str | None = None,
    region: Region | None = None,
    now: datetime = NOW,
) -> Organisation:
    number = next(_numbers)
    return orgs.create_organisation(
        session,
        slug or f"ville-{number}",
        name or f"Ville {number}",
        region.slug if region else None,
        now=now,
    )


def user(
    session: Session,
    org: Organisation,
    role: str = "member",
    email: str | None = None,
    name: str | None = None,
    now: datetime = NOW,
    **overrides: Any,
) -> User:
    number = next(_numbers)
    # People made here have read their organisation's privacy notice, as
    # anyone past their first sign-in has: the notice would stand before every
    # page otherwise. ``acknowledged=False`` makes someone at their first sign-in.
    acknowledged = overrides.pop("acknowledged", True)
    made = orgs.create_user(
        session,
        email=email or f"personne{number}@exemple.qc.ca",
        name=name or f"Personne Numéro{number}",
        password=PASSWORD,
        org=org,
        role=role,
        now=now,
        **overrides,
    )
    if acknowledged:
        privacy_notice.acknowledge_current(session, user=made, organisation_ids=[org.id], now=now)
    return made


def municipalities(
    session: Session, region: Region | None, names: dict[str, str], now: datetime = NOW
) -> list[Organisation]:
    """An organisation of ``region`` for each slug → name, in order."""
    return [organisation(session, slug, name, region, now=now) for slug, name in names.items()]


@dataclass(frozen=True)
class PersonSpec:
    """A user to create: ``org`` None means the organisation ``people`` is given."""

    role: str = "member"
    email: str | None = None
    name: str | None = None
    org: Organisation | None = None
    overrides: dict[str, Any] = field(default_factory=dict)


def person(
    role: str = "member",
    email: str | None = None,
    name: str | None = None,
    org: Organisation | None = None,
    **overrides: Any,
) -> PersonSpec:
    return PersonSpec(role, email, name, org, overrides)


def people(session: Session, org: Organisation, now: datetime = NOW, **specs: PersonSpec) -> dict[str, User]:
    """A user for each keyword (created in the order given), by that keyword."""
    return {
        key: user(session, spec.org or org, spec.role, spec.email, spec.name, now=now, **spec.overrides)
        for key, spec in specs.items()
    }


def action(title: str = "Appeler les aînés isolés", **overrides: Any) -> ActionSpec:
    return ActionSpec(title=title, **overrides)


def target(text: str = "Joindre 80 % des aînés isolés", **overrides: Any) -> TargetSpec:
    return TargetSpec(text=text, **overrides)


def objective(
    title: str = "Soutenir les personnes vulnérables",
    actions: list[ActionSpec] | None = None,
    targets: list[TargetSpec] | None = None,
    **overrides: Any,
) -> ObjectiveSpec:
    """An objective with one action and one target unless told otherwise."""
    return ObjectiveSpec(
        title=title,
        actions=[action()] if actions is None else actions,
        targets=[target()] if targets is None else targets,
        **overrides,
    )


def theme(
    title: str = "Enjeux sociaux", objectives: list[ObjectiveSpec] | None = None, **overrides: Any
) -> ThemeSpec:
    """A social theme with one objective unless told otherwise."""
    overrides = {"number": 3, "category": "social", "colour": "#3b7dd8", **overrides}
    return ThemeSpec(title=title, objectives=[objective()] if objectives is None else objectives, **overrides)


def plan(
    session: Session,
    org: Organisation,
    themes: list[ThemeSpec] | None = None,
    title: str = "Plan de rétablissement COVID-19",
    actor: User | None = None,
    now: datetime = NOW,
    **overrides: Any,
) -> Plan:
    """A plan of ``org`` with one theme unless told otherwise, built without history lines."""
    spec = PlanSpec(title=title, themes=[theme()] if themes is None else themes, **overrides)
    return PlanBuilder.new_plan(session, organisation=org, spec=spec, actor=actor, now=now, history=History())


def edited_plan(
    session: Session,
    org: Organisation,
    themes: list[ThemeSpec] | None = None,
    title: str = "Plan de rétablissement COVID-19",
    now: datetime = NOW,
    **overrides: Any,
) -> Plan:
    """The plan of ``plan``, put together part by part as in the plan editor
    (each part placed after the last, so positions count from 1)."""
    new = plan(session, org, [], title, now=now, **overrides)
    builder = PlanBuilder(session, plan=new, actor=None, now=now, history=History())
    for theme_spec in [theme()] if themes is None else themes:
        added = builder.add_theme(replace(theme_spec, objectives=[]))
        for spec in theme_spec.objectives:
            objective = builder.add_objective(added, replace(spec, targets=[], actions=[]))
            for target_spec in spec.targets:
                builder.add_target(objective, target_spec)
            builder.add_actions([(objective.id, action_spec) for action_spec in spec.actions])
    return new


def template_plan(session: Session, org: Organisation, now: datetime = NOW) -> Plan:
    """The whole COVID-19 template (145 actions) imported as a plan of ``org``."""
    from tasking.plans.template import import_template

    return session.get(Plan, import_template(session, org, now).plan_id)


# Rows added to a plan that exists ------------------------------------------------

_ACTION_FIELDS = {f.name for f in fields(ActionSpec)}


def add_tasks(
    session: Session, plan: Plan, actions: Iterable[tuple[int, ActionSpec]], now: datetime = NOW
) -> list[Task]:
    """Actions (objective id, description), each last of its objective and at
    the bottom of its board column, as the plan editor adds them."""
    builder = PlanBuilder(session, plan=plan, actor=None, now=now, history=History())
    return builder.add_actions(list(actions))


def add_task(
    session: Session,
    objective: OperationalObjective,
    title: str = "Appeler les aînés isolés",
    owner: User | None = None,
    collaborators: Iterable[User] = (),
    now: datetime = NOW,
    **columns: Any,
) -> Task:
    """One action at the end of ``objective``. ``columns`` are the action's
    (status, due_date…) or any other of the row's (completed_at, archived_at…),
    the latter written without a new version, as if the row had been born so."""
    spec = action(
        title,
        owner_id=owner.id if owner else None,
        collaborator_ids=[u.id for u in collaborators],
        **{k: v for k, v in columns.items() if k in _ACTION_FIELDS},
    )
    [task] = add_tasks(session, objective.theme.plan, [(objective.id, spec)], now=now)
    rest = {k: v for k, v in columns.items() if k not in _ACTION_FIELDS}
    if rest:
        session.execute(update(Task.__table__).where(Task.id == task.id).values(**rest))
        session.refresh(task)
    return task


def add_target(session: Session, objective: OperationalObjective, spec: TargetSpec) -> Target:
    """A target at the end of ``objective``."""
    builder = PlanBuilder(session, plan=objective.theme.plan, actor=None, now=NOW, history=History())
    return builder.add_target(objective, spec)


def measurement(
    session: Session,
    target: Target,
    value: float,
    on: date,
    author: User | None = None,
    now: datetime = NOW,
) -> Measurement:
    row = Measurement(
        target=target, value=value, measured_on=on, author_id=author.id if author else None, created_at=now
    )
    session.add(row)
    session.flush()
    return row


def comment(session: Session, task: Task, author: User, body: str = "Suivi", now: datetime = NOW) -> Comment:
    row = Comment(task_id=task.id, author_id=author.id, body=body, created_at=now)
    session.add(row)
    session.flush()
    return row


# Reading a plan back, in plan order -------------------------------------------------


def objectives_of(plan: Plan) -> list[OperationalObjective]:
    return [objective for theme in plan.themes for objective in theme.objectives]


def tasks_of(plan: Plan) -> list[Task]:
    """Every action of the plan (archived ones too), in plan order."""
    return [task for objective in objectives_of(plan) for task in objective.tasks]


def targets_of(plan: Plan) -> list[Target]:
    return [target for objective in objectives_of(plan) for target in objective.targets]


# Check-ins --------------------------------------------------------------------------


def checkin_round(
    session: Session, org: Organisation, opens_at: datetime, invited: Iterable[User] = ()
) -> CheckinRound:
    """A round of ``org`` opened at ``opens_at`` (its ISO week), with an
    invitation sent then to each of ``invited``."""
    year, week, _day = opens_at.isocalendar()
    row = CheckinRound(
        organisation_id=org.id,
        week=f"{year}-W{week:02d}",
        opens_at=opens_at,
        remind_at=opens_at + timedelta(hours=24),
        closes_at=opens_at + timedelta(hours=33),
        created_at=opens_at,
    )
    session.add(row)
    session.flush()
    kind = CheckinMessageKind.INVITATION.value
    session.add_all(
        CheckinMessage(round_id=row.id, user_id=u.id, kind=kind, sent_at=opens_at) for u in invited
    )
    session.flush()
    return row


def checkin_answer(
    session: Session,
    task: Task,
    user: User,
    health: str | None,
    at: datetime,
    note: str = "",
    checkin: CheckinRound | None = None,
    nothing_new: bool = False,
) -> CheckinAnswer:
    """``user``'s answer about ``task`` at ``at``, in ``checkin`` or outside any round."""
    row = CheckinAnswer(
        round_id=checkin.id if checkin else None,
        task_id=task.id,
        user_id=user.id,
        health=health,
        note=note,
        nothing_new=nothing_new,
        task_version=task.version,
        created_at=at,
    )
    session.add(row)
    session.flush()
    return row
