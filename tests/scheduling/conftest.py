"""Fixtures for reminders, digests and the scheduler: a small organisation
with a plan of a few tasks, and helpers to run the CLI at a chosen instant."""

from __future__ import annotations

import os
import subprocess
import sys
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path

import pytest
from flask import Flask

from tasking.extensions import db
from tasking.models import OperationalObjective, Organisation, OutboxMessage, Plan, Region, Task, Theme, User
from tests.conftest import Factory, app_now, real_clock_env

ROOT = Path(__file__).resolve().parents[2]


@dataclass
class World:
    region: Region
    org: Organisation
    admin: User
    owner: User
    helper: User
    plan: Plan
    theme: Theme
    objective: OperationalObjective

    def task(
        self, title: str, due: date | None, owner: User | None = None, collaborators=(), **fields
    ) -> Task:
        task = Task(
            created_at=app_now(),
            updated_at=app_now(),
            plan_id=self.plan.id,
            objective_id=self.objective.id,
            title=title,
            owner_id=(owner or self.owner).id,
            due_date=due,
            **fields,
        )
        task.collaborators = list(collaborators)
        db.session.add(task)
        db.session.commit()
        return task


def small_plan(
    org: Organisation, theme_title: str = "Enjeux sociaux"
) -> tuple[Plan, Theme, OperationalObjective]:
    plan = Plan(created_at=app_now(), organisation_id=org.id, title=f"Plan de rétablissement — {org.name}")
    theme = Theme(plan=plan, title=theme_title, number=3, colour="#1b4f8a", position=1)
    objective = OperationalObjective(theme=theme, title="Soutenir les personnes vulnérables", position=1)
    db.session.add_all([plan, theme, objective])
    db.session.commit()
    return plan, theme, objective


def build_world(make) -> World:
    region = make.region("mrc-test", "MRC de Test")
    org = make.org("ville-a", "Ville A", region)
    admin = make.user(org, "admin", email="coordination@ville-a.ca", name="Claire Coordination")
    owner = make.user(org, "member", email="responsable@ville-a.ca", name="Rémi Responsable")
    helper = make.user(org, "member", email="aide@ville-a.ca", name="Alice Aide")
    plan, theme, objective = small_plan(org)
    return World(region, org, admin, owner, helper, plan, theme, objective)


#: When the organisations and regions of these tests were created: before
#: every instant the tests choose, so that no weekly slot predates them.
CREATED = datetime(2026, 1, 1)


class BackdatedFactory(Factory):
    """The shared factory, with organisations and regions created on ``CREATED``
    (the real clock would make the slots of the chosen instants predate them)."""

    def region(self, *args, **kwargs) -> Region:
        region = super().region(*args, **kwargs)
        region.created_at = CREATED
        db.session.commit()
        return region

    def org(self, *args, **kwargs) -> Organisation:
        org = super().org(*args, **kwargs)
        org.created_at = CREATED
        db.session.commit()
        return org


@pytest.fixture
def mk(mail_app: Flask) -> Factory:
    """The shared factory, on the app that delivers to the SMTP sink (the
    ``make`` fixture would bring up a second app without mail)."""
    return BackdatedFactory(mail_app)


@pytest.fixture
def world(mk: Factory) -> World:
    """Ville A (America/Montreal) in MRC de Test: an admin, an owner, a helper."""
    return build_world(mk)


@pytest.fixture
def cli(mail_app: Flask):
    """Run a CLI command in-process; returns the click result."""
    runner = mail_app.test_cli_runner()

    def run(*args: str):
        db.session.commit()
        result = runner.invoke(args=list(args))
        db.session.expire_all()
        return result

    return run


def outbox_rows() -> list[OutboxMessage]:
    db.session.expire_all()
    return list(db.session.query(OutboxMessage).order_by(OutboxMessage.id))


def flask_env(mail_app: Flask, smtp_port: int) -> dict[str, str]:
    """Environment for a `flask --app wsgi …` subprocess on the test database and SMTP sink."""
    env = dict(os.environ)
    env.update(
        DATABASE_URL=mail_app.config["SQLALCHEMY_DATABASE_URI"],
        SECRET_KEY=mail_app.config["SECRET_KEY"],
        MAIL_SERVER="127.0.0.1",
        MAIL_PORT=str(smtp_port),
        MAIL_DEFAULT_SENDER=mail_app.config["MAIL_DEFAULT_SENDER"],
        APP_BASE_URL=mail_app.config["APP_BASE_URL"],
        PYTHONUNBUFFERED="1",
    )
    return env


def flask_process(mail_app: Flask, smtp_port: int, *args: str, **kwargs) -> subprocess.Popen:
    return subprocess.Popen(
        [sys.executable, "-m", "flask", "--app", "wsgi", *args],
        cwd=ROOT,
        env=real_clock_env(flask_env(mail_app, smtp_port)),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        **kwargs,
    )


def at(text: str) -> datetime:
    from tasking.core.clock import parse_instant

    return parse_instant(text)
