"""Board fixtures: an organisation with people of every role, and a builder
of plans of any size (bulk-inserted, so a 500-task plan takes no time)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

import pytest
from sqlalchemy import insert, select

from tasking.core import clock
from tasking.extensions import db
from tasking.models import (
    Comment,
    Measurement,
    OperationalObjective,
    Organisation,
    Plan,
    Target,
    Task,
    Theme,
    User,
)
from tasking.models.task import task_collaborators
from tests.conftest import app_now


def today() -> date:
    """Today in the organisations' zone, as the board computes it."""
    return clock.local_today(clock.now(), "America/Montreal")


@dataclass
class People:
    org: Organisation
    admin: User
    owner: User
    helper: User
    viewer: User
    outsider: User


@pytest.fixture
def people(make) -> People:
    org = make.org("ville-tableau", "Ville Tableau")
    other = make.org("ville-autre", "Ville Autre")
    return People(
        org=org,
        admin=make.user(org, "admin", "admin@tableau.qc.ca", "Alice Admin"),
        owner=make.user(org, "member", "responsable@tableau.qc.ca", "Rémi Responsable"),
        helper=make.user(org, "member", "aide@tableau.qc.ca", "Claire Collaboratrice"),
        viewer=make.user(org, "viewer", "lecteur@tableau.qc.ca", "Victor Viewer"),
        outsider=make.user(other, "admin", "admin@autre.qc.ca", "Olga Outsider"),
    )


class PlanBuilder:
    """Plans with themes, objectives and as many tasks as asked."""

    def __init__(self):
        self.counter = 0

    def plan(self, org: Organisation, themes: int = 2, title: str = "Plan d’essai") -> Plan:
        plan = Plan(created_at=app_now(), organisation_id=org.id, title=title, event="Essai")
        db.session.add(plan)
        db.session.flush()
        colours = ["#3a6fc4", "#8e5bb5", "#e0b400", "#2e9d57"]
        for number in range(themes):
            theme = Theme(
                plan_id=plan.id,
                number=number + 3,
                title=f"Enjeu {number + 1}",
                colour=colours[number % len(colours)],
                position=number,
            )
            db.session.add(theme)
            db.session.flush()
            db.session.add(
                OperationalObjective(theme_id=theme.id, title=f"Objectif {number + 1}", position=0)
            )
        db.session.commit()
        return plan

    def objectives(self, plan: Plan) -> list[int]:
        return list(
            db.session.scalars(
                select(OperationalObjective.id)
                .join(Theme, Theme.id == OperationalObjective.theme_id)
                .where(Theme.plan_id == plan.id)
                .order_by(Theme.position)
            )
        )

    def tasks(self, plan: Plan, count: int, **fields) -> list[int]:
        """Insert ``count`` tasks spread over the plan's objectives, at the
        bottom of their column; ``fields`` apply to all of them."""
        objectives = self.objectives(plan)
        start = db.session.scalar(select(Task.id).order_by(Task.id.desc()).limit(1)) or 0
        now = app_now()
        rows = []
        for index in range(count):
            self.counter += 1
            rows.append(
                {
                    "plan_id": plan.id,
                    "objective_id": objectives[index % len(objectives)],
                    "title": fields.get("title", f"Tâche numéro {self.counter}"),
                    "description": fields.get("description", ""),
                    "status": fields.get("status", "todo"),
                    "owner_id": fields.get("owner_id"),
                    "due_date": fields.get("due_date"),
                    "horizon": fields.get("horizon"),
                    "board_position": float(start + index + 1),
                    "plan_position": index,
                    "version": 1,
                    "blocked_reason": "",
                    "created_at": now,
                    "updated_at": now,
                }
            )
        db.session.execute(insert(Task), rows)
        db.session.commit()
        return list(
            db.session.scalars(
                select(Task.id).where(Task.plan_id == plan.id, Task.id > start).order_by(Task.id)
            )
        )

    def decorate(self, plan: Plan, people: People, task_ids: list[int], owner: User | None = None) -> None:
        """Collaborators, comments, due dates and a measured target on every
        task, so that every fact a card shows has something to load."""
        now = clock.now()
        db.session.execute(
            insert(task_collaborators),
            [{"task_id": task_id, "user_id": people.helper.id} for task_id in task_ids],
        )
        db.session.execute(
            insert(Comment),
            [
                {"task_id": task_id, "author_id": people.owner.id, "body": "Suivi", "created_at": now}
                for task_id in task_ids
            ],
        )
        for index, task_id in enumerate(task_ids):
            task = db.session.get(Task, task_id)
            task.owner_id = (owner or people.owner).id
            task.due_date = today() + timedelta(days=(index % 20) - 5)
        for objective_id in self.objectives(plan):
            target = Target(objective_id=objective_id, text="Atteindre 100", unit="%", target_value=100.0)
            db.session.add(target)
            db.session.flush()
            db.session.add(
                Measurement(created_at=app_now(), target_id=target.id, value=40.0, measured_on=today())
            )
        db.session.commit()


@pytest.fixture
def build() -> PlanBuilder:
    return PlanBuilder()
