"""A task as a busy one looks after a few weeks: 20 comments, 50 history
lines, an objective of 8 measured targets, in an organisation of 12 people
(the size issue 15 sets for the task page), and all the page may show: a
partner with a contact, the owner's check-in and the partner's opinion."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from flask import Flask
from flask_migrate import upgrade
from sqlalchemy.orm import Session

from tasking.extensions import db
from tasking.models import CheckinAnswer, PartnerContact, Task, User
from tasking.tasks import comments, editing, measurements
from tests import factories
from tests.conftest import Client
from tests.factories import NOW


@dataclass
class BusyTask:
    task: Task
    admin: User
    owner: User
    collaborator: User
    people: list[User]


def busy_task(session: Session) -> BusyTask:
    org = factories.organisation(session)
    admin = factories.user(session, org, "admin", name="Marie Tremblay")
    owner = factories.user(session, org, email="fred.gagnon@ville.qc.ca", name="Frédéric Gagnon")
    collaborator = factories.user(session, org, name="Sophie Roy")
    people = [admin, owner, collaborator] + [factories.user(session, org) for _ in range(9)]
    action = factories.action(
        owner_id=owner.id,
        collaborator_ids=[collaborator.id],
        partners=["CIUSSS"],
        due_date=date(2026, 12, 15),
    )
    targets = [factories.target(f"Cible {n}", unit="%", baseline=0, target_value=80) for n in range(8)]
    plan = factories.plan(
        session, org, [factories.theme(objectives=[factories.objective(actions=[action], targets=targets)])]
    )
    objective = plan.themes[0].objectives[0]
    task = objective.tasks[0]
    for target in objective.targets:
        for weeks in range(3):
            measurements.add_measurement(
                session,
                actor=admin,
                target=target,
                value=10 * (weeks + 1),
                measured_on=NOW.date() - timedelta(weeks=weeks),
                now=NOW,
            )
    for n in range(20):
        comments.add_comment(
            session,
            actor=people[n % 3],
            task=task,
            body=f"Point {n} : **appels** faits.",
            now=NOW - timedelta(hours=40 - n),
        )
    for n in range(30):
        editing.update_task(
            session,
            actor=admin,
            task=task,
            changes={"title": f"Appeler les aînés ({n})"},
            version=None,
            now=NOW,
        )
    # What the weekly check-in said, the owner's and a partner contact's.
    contact = PartnerContact(
        organisation_id=org.id, email="liaison@ciusss.qc.ca", name="Liaison", created_at=NOW
    )
    session.add(contact)
    session.flush()
    task.partners[0].contact_id = contact.id
    session.add_all(
        [
            CheckinAnswer(
                task_id=task.id,
                user_id=owner.id,
                health="on_track",
                note="Ça avance.",
                task_version=1,
                created_at=NOW,
            ),
            CheckinAnswer(
                task_id=task.id,
                partner_contact_id=contact.id,
                health="at_risk",
                task_version=task.version,
                created_at=NOW,
            ),
        ]
    )
    session.commit()
    return BusyTask(task, admin, owner, collaborator, people)


@dataclass
class Stored:
    """What a test on an app of its own reads of the busy task once it is stored."""

    task_id: int
    plan_id: int
    version: int
    status: str
    admin_email: str
    owner_email: str


def stored_busy_task(app: Flask) -> Stored:
    """The busy task in the empty database of ``app`` (migrated first), and
    ``app``'s test clients able to sign in (``Client``)."""
    with app.app_context():
        upgrade()
        busy = busy_task(db.session)
        task = busy.task
        stored = Stored(task.id, task.plan_id, task.version, task.status, busy.admin.email, busy.owner.email)
        db.session.commit()
    app.test_client_class = Client
    return stored
