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
from tests import factories as f
from tests.conftest import Factory, app_now, committed, real_clock_env

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
        """An action of the objective, the owner's unless told otherwise."""
        task = f.add_task(
            db.session,
            self.objective,
            title,
            owner or self.owner,
            collaborators,
            app_now(),
            due_date=due,
            **fields,
        )
        return committed(task)


def small_plan(
    org: Organisation, theme_title: str = "Enjeux sociaux"
) -> tuple[Plan, Theme, OperationalObjective]:
    """A plan of ``org`` with one theme and one objective, nothing in it yet."""
    theme = f.theme(
        theme_title,
        category="transversal",
        colour="#1b4f8a",
        objectives=[f.objective(actions=[], targets=[])],
    )
    plan = f.edited_plan(db.session, org, [theme], f"Plan de rétablissement — {org.name}", now=app_now())
    return committed((plan, plan.themes[0], plan.themes[0].objectives[0]))


def build_world(make: Factory) -> World:
    region = make.region("mrc-test", "MRC de Test")
    org = make.org("ville-a", "Ville A", region)
    staff = make.people(
        org,
        admin=f.person("admin", "coordination@ville-a.ca", "Claire Coordination"),
        owner=f.person("member", "responsable@ville-a.ca", "Rémi Responsable"),
        helper=f.person("member", "aide@ville-a.ca", "Alice Aide"),
    )
    plan, theme, objective = small_plan(org)
    return World(region, org, plan=plan, theme=theme, objective=objective, **staff)


#: When the organisations and regions of these tests were created: before
#: every instant the tests choose, so that no weekly slot predates them.
CREATED = datetime(2026, 1, 1)


class BackdatedFactory(Factory):
    """The shared factory, with organisations and regions created on ``CREATED``
    (the real clock would make the slots of the chosen instants predate them)."""

    created = CREATED


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
