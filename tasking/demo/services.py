"""Building the demo data set through the same services the app uses."""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta

from flask_babel import gettext as _
from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from tasking.checkins.answers import AnswerInput, save_answers, update_page
from tasking.core.calendar import is_working_day, iso_week
from tasking.core.clock import local_today, to_local, zone
from tasking.core.errors import ServiceError
from tasking.models import (
    Activity,
    CheckinMessage,
    CheckinRound,
    Comment,
    Measurement,
    Notification,
    Organisation,
    Plan,
    Region,
    Task,
    TaskPartner,
    TaskStatus,
    User,
)
from tasking.models.checkin import CheckinMessageKind, Health
from tasking.orgs import services as orgs
from tasking.plans.template import import_template
from tasking.privacy_register.notice import acknowledge_memberships, set_officer
from tasking.scheduling.reminders import remind_organisations
from tasking.tasks import comments, editing

DEMO_PASSWORD = "Demo-Retablir-2026"
REGION_SLUG = "mrc-demo"

PEOPLE = [
    # (org slug, e-mail, name, role, regional coordinator)
    ("ville-demo", "coordination@ville-demo.ca", "Marie Tremblay", "admin", False),
    ("ville-demo", "responsable@ville-demo.ca", "Luc Gagnon", "member", False),
    ("ville-demo", "collaboratrice@ville-demo.ca", "Sophie Roy", "member", False),
    ("ville-demo", "observateur@ville-demo.ca", "Jean Côté", "viewer", False),
    ("ville-demo", "coordination@mrc-demo.ca", "Nathalie Bouchard", "viewer", True),
    ("saint-exemple", "coordination@saint-exemple.ca", "Pierre Lavoie", "admin", False),
    ("saint-exemple", "responsable@saint-exemple.ca", "Julie Morin", "member", False),
]
PARTNERS = ["CIUSSS", "Centre d’action bénévole", "Chambre de commerce", "Service de police"]


@dataclass
class DemoSummary:
    region: str
    organisations: list[str]
    plans: list[int]


def is_loaded(session: Session) -> bool:
    return session.scalar(select(Region.id).where(Region.slug == REGION_SLUG)) is not None


def build_demo(session: Session, now: datetime) -> DemoSummary:
    """Create the demo; refuses when it is already there. The caller commits."""
    if is_loaded(session):
        raise ServiceError(_("The demo is already loaded."))
    rng = random.Random(2026)
    region = orgs.create_region(session, REGION_SLUG, "MRC de la Démo", now=now)
    org_objects = {
        "ville-demo": orgs.create_organisation(session, "ville-demo", "Ville de Démo", REGION_SLUG, now=now),
        "saint-exemple": orgs.create_organisation(
            session, "saint-exemple", "Municipalité de Saint-Exemple", REGION_SLUG, now=now
        ),
    }
    users = {}
    for org_slug, email, name, role, regional in PEOPLE:
        users[email] = orgs.create_user(
            session,
            email=email,
            name=name,
            password=DEMO_PASSWORD,
            org=org_objects[org_slug],
            role=role,
            now=now,
            regional_region=region if regional else None,
        )
    plan_ids = []
    today = local_today(now, "America/Montreal")
    for org_slug, org in org_objects.items():
        summary = import_template(session, org, now)
        plan_ids.append(summary.plan_id)
        doers = [users[e] for s, e, _n, role, _r in PEOPLE if s == org_slug and role != "viewer"]
        _put_plan_under_way(session, summary.plan_id, doers, today, now, rng)
    _recent_exchanges(session, plan_ids[0], users, now)
    demo_doers = [users[e] for s, e, _n, role, _r in PEOPLE if s == "ville-demo" and role != "viewer"]
    _checkin_weeks(session, org_objects["ville-demo"], demo_doers, now)
    _reminders_so_far(session, list(org_objects.values()), list(users.values()), now)
    _notice_read(session, org_objects["ville-demo"], users, now)
    return DemoSummary(
        region=region.slug,
        organisations=list(org_objects),
        plans=plan_ids,
    )


def _notice_read(session: Session, org: Organisation, users: dict[str, User], now: datetime) -> None:
    """Ville de Démo names its person responsible for the protection of personal
    information; two weeks in, everyone has read their organisation's notice."""
    admin = users["coordination@ville-demo.ca"]
    set_officer(
        session,
        organisation_id=org.id,
        actor=admin,
        name="Marie Tremblay",
        title="Greffière et responsable de l’accès aux documents",
        contact="acces@ville-demo.ca · 819 555-0100",
        now=now,
    )
    for user in users.values():
        acknowledge_memberships(session, user, now)


STATUS_CYCLE = (
    [TaskStatus.DONE] * 3 + [TaskStatus.IN_PROGRESS] * 4 + [TaskStatus.BLOCKED] + [TaskStatus.TODO] * 6
)


def _put_plan_under_way(session, plan_id, doers, today: date, now: datetime, rng) -> None:  # noqa: ANN001
    """Owners, dates, statuses, comments and a few measurements, as after some weeks."""
    plan = session.get(Plan, plan_id)
    tasks = list(session.scalars(select(Task).where(Task.plan_id == plan_id).order_by(Task.id)))
    for index, task in enumerate(tasks):
        _assign(task, index, doers)
        _date(task, index, today, rng)
        status = STATUS_CYCLE[index % len(STATUS_CYCLE)]
        task.status = status.value
        if status == TaskStatus.DONE:
            task.completed_at = now - timedelta(days=rng.randint(0, 10))
        if status == TaskStatus.BLOCKED:
            task.blocked_reason = "En attente des données du CIUSSS."
        session.add(_first_line(plan, task, status, now))
        if index % 9 == 0:
            session.add(
                Comment(
                    task=task,
                    author=task.owner,
                    body="Premier point fait avec l’équipe. On vise la **fin du mois**.",
                    created_at=now - timedelta(days=2),
                )
            )
    _measure_a_target(session, plan, doers[0], today, now)
    session.flush()


def _assign(task: Task, index: int, doers: list[User]) -> None:
    task.owner = doers[index % len(doers)]
    if len(doers) > 1 and index % 3 == 0:
        task.collaborators.append(doers[(index + 1) % len(doers)])
    if index % 5 == 0:
        task.partners.append(TaskPartner(name=PARTNERS[index % len(PARTNERS)]))


def _date(task: Task, index: int, today: date, rng) -> None:  # noqa: ANN001
    """The due date closes the period of the task's horizon, as a plan says."""
    if index % 7 == 6:
        task.horizon = "long"
        task.long_start = today + timedelta(days=rng.randint(30, 90))
        task.long_end = task.long_start + timedelta(days=rng.randint(120, 365))
        task.due_date = task.long_end
    else:
        task.horizon = "short_medium"
        task.due_date = today + timedelta(days=rng.randint(-20, 45))
        task.short_start = min(today, task.due_date) - timedelta(days=rng.randint(10, 60))
        task.short_end = task.due_date


def _first_line(plan: Plan, task: Task, status: TaskStatus, now: datetime) -> Activity:
    """The history line that brought the task where it is."""
    if status == TaskStatus.TODO:
        return Activity(
            organisation_id=plan.organisation_id, plan_id=plan.id, task_id=task.id, kind="created",
            created_at=now - timedelta(days=30),
        )  # fmt: skip
    return Activity(
        organisation_id=plan.organisation_id,
        plan_id=plan.id,
        task_id=task.id,
        actor_id=task.owner.id,
        kind="field",
        field="status",
        old_value=TaskStatus.TODO.value,
        new_value=task.status,
        created_at=now - timedelta(days=1),
    )


def _measure_a_target(session: Session, plan: Plan, author: User, today: date, now: datetime) -> None:
    """The vaccination target of the first objective, measured over six weeks."""
    first_objective = plan.themes[1].objectives[0]
    target = next((t for t in first_objective.targets if "65 %" in t.text), first_objective.targets[0])
    target.unit = "%"
    target.baseline = 0.0
    target.target_value = 65.0
    for weeks_ago, value in ((6, 12.0), (4, 25.0), (2, 38.0), (0, 47.0)):
        session.add(
            Measurement(
                target=target,
                value=value,
                measured_on=today - timedelta(weeks=weeks_ago),
                author=author,
                created_at=now - timedelta(weeks=weeks_ago),
            )
        )


def _recent_exchanges(session: Session, plan_id: int, users: dict[str, User], now: datetime) -> None:
    """This morning's work, done through the task services so that the bells of
    Luc and Sophie show what notifications look like."""
    marie, luc, sophie = (
        users[f"{who}@ville-demo.ca"] for who in ("coordination", "responsable", "collaboratrice")
    )
    lucs = list(
        session.scalars(
            select(Task)
            .where(Task.plan_id == plan_id, Task.owner_id == luc.id, Task.status == TaskStatus.TODO.value)
            .order_by(Task.id)
            .limit(2)
        )
    )
    first, second = lucs
    editing.set_collaborators(
        session,
        actor=marie,
        task=first,
        user_ids=[sophie.id],
        version=first.version,
        now=now - timedelta(hours=3),
    )
    comments.add_comment(
        session,
        actor=sophie,
        task=first,
        body="J’ai joint le CIUSSS : la liste est prête. @responsable, peux-tu confirmer la date de l’envoi?",
        now=now - timedelta(hours=2),
    )
    editing.update_task(
        session,
        actor=sophie,
        task=first,
        changes={"status": TaskStatus.IN_PROGRESS.value},
        version=first.version,
        now=now - timedelta(hours=1),
    )
    comments.add_comment(
        session,
        actor=marie,
        task=second,
        body="Point à prévoir à la statutaire de jeudi.",
        now=now - timedelta(minutes=30),
    )


#: How far back the demo's reminders go: the instance has run for two weeks.
REMINDER_HISTORY_DAYS = 14


def _reminders_so_far(session: Session, orgs: list[Organisation], people: list[User], now: datetime) -> None:
    """The reminders of the last two weeks, as the scheduler recorded them
    each working morning, read since (and e-mailed to nobody: the demo's
    addresses receive nothing). A real two-week-old instance is so: its
    coordinator read the escalations as they came. Left to the first run of
    the scheduler, they all landed at once, unread (23 for the coordinator);
    not notifying them at all would leave the bell's list without its history."""
    first_reminder = session.scalar(select(func.max(Notification.id))) or 0
    for org in orgs:
        today = local_today(now, org.timezone)
        for days_ago in range(REMINDER_HISTORY_DAYS, 0, -1):
            day = today - timedelta(days=days_ago)
            if is_working_day(day):
                morning = datetime.combine(day, time(9), tzinfo=zone(org.timezone)).astimezone(UTC)
                remind_organisations(session, [org], now=morning.replace(tzinfo=None), email=False)
    session.execute(
        update(Notification)
        .where(
            Notification.id > first_reminder,
            Notification.user_id.in_([p.id for p in people]),
            Notification.kind.in_(("due_soon", "overdue")),
        )
        .values(read_at=now)
        .execution_options(synchronize_session=False)
    )


# This week's answers of Luc (the second person): (health, note) on his first actions, late first.
THIS_WEEK = [
    (Health.LATE, "Livraison reportée : nouvelle date demandée au fournisseur."),
    (Health.AT_RISK, "Le budget n’est pas encore voté; on suit de près."),
    (Health.BLOCKED, "En attente de l’autorisation du conseil municipal."),
    (Health.ON_TRACK, ""),
]


def _round(session: Session, org: Organisation, opens_at: datetime, people: list[User]) -> CheckinRound:
    """A weekly round opened at ``opens_at``; its invitations count as sent
    (the demo's addresses receive nothing)."""
    checkin = CheckinRound(
        organisation_id=org.id,
        week=iso_week(to_local(opens_at, org.timezone).date()),
        opens_at=opens_at,
        remind_at=opens_at + timedelta(days=1),
        closes_at=opens_at + timedelta(days=2),
        created_at=opens_at,
    )
    session.add(checkin)
    session.flush()
    for person in people:
        kind = CheckinMessageKind.INVITATION.value
        session.add(CheckinMessage(round_id=checkin.id, user_id=person.id, kind=kind, sent_at=opens_at))
    return checkin


def _answer(session: Session, person: User, now: datetime, org: Organisation, healths: list) -> None:  # noqa: ANN001
    """``person`` answers on their first actions (late first) as ``healths``
    says; None for an action means « Rien de nouveau »."""
    page = update_page(session, person=person, now=now, organisation_id=org.id)
    rows = []
    for item, said in zip(page.items, healths, strict=False):
        row = AnswerInput(task_id=item.task.id, version=item.task.version, nothing_new=said is None)
        if said is not None:
            row.health, row.note = said[0].value, said[1]
        rows.append(row)
    if rows:
        save_answers(session, person=person, page=page, rows=rows, now=now)


def _checkin_weeks(session: Session, org: Organisation, doers: list[User], now: datetime) -> None:
    """Four weekly check-ins, the last one open now: everyone answered three
    weeks ago, fewer since (so the response rate falls and the actions of
    the third person are « À mettre à jour »), and this week Luc's answers
    say an action is late, one at risk and one blocked, with their notes."""
    for weeks_ago, answering in ((3, doers), (2, doers[:2]), (1, doers[1:2])):
        opens_at = now - timedelta(weeks=weeks_ago, hours=2)
        _round(session, org, opens_at, doers)
        for person in answering:
            # On track, or nothing new for an action already blocked (its reason stands).
            page = update_page(session, person=person, now=opens_at, organisation_id=org.id)
            healths = [
                None if item.task.status == TaskStatus.BLOCKED.value else (Health.ON_TRACK, "")
                for item in page.items
            ]
            _answer(session, person, opens_at + timedelta(hours=3), org, healths)
    _round(session, org, now - timedelta(hours=2), doers)
    _answer(session, doers[1], now - timedelta(minutes=10), org, THIS_WEEK)
