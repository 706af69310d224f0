"""Fixtures of the exchange tests: a municipality with its plan and people."""

from __future__ import annotations

import io
from dataclasses import dataclass

import pytest
from openpyxl import load_workbook

from tasking.models import Organisation, Plan, User
from tests import factories as f
from tests.conftest import Factory


@dataclass
class Town:
    org: Organisation
    plan: Plan
    admin: User
    member: User
    other_member: User
    viewer: User


@pytest.fixture
def town(make: Factory) -> Town:
    org = make.org("ville-test", "Ville de Test")
    staff = make.people(
        org,
        admin=f.person("admin", "coordination@ville-test.ca", "Claire Coordination"),
        member=f.person("member", "responsable@ville-test.ca", "Rémi Responsable"),
        other_member=f.person("member", "collab@ville-test.ca", "Colette Collaboratrice"),
        viewer=f.person("viewer", "elu@ville-test.ca", "Élie Élu"),
    )
    return Town(org, make.plan(org), **staff)


def workbook(content: bytes):
    return load_workbook(io.BytesIO(content))


def upload(client, url: str, content: bytes, filename: str, **fields):
    data = {"file": (io.BytesIO(content), filename), **fields}
    return client.post(url, data=data, content_type="multipart/form-data")


def first_tasks(plan: Plan, n: int = 3):
    """The plan's first ``n`` actions in plan order."""
    return f.tasks_of(plan)[:n]


@pytest.fixture
def progress(town):
    """Some work done on the plan: owners, collaborators, statuses, dates."""
    from datetime import date, datetime

    from tasking.extensions import db
    from tasking.tasks import editing

    now = datetime(2026, 11, 20, 15, 0)
    first, second, third = first_tasks(town.plan, 3)

    def change(task, **changes) -> None:  # noqa: ANN001
        editing.update_task(db.session, actor=town.admin, task=task, changes=changes, version=None, now=now)

    change(
        first,
        owner_id=town.member.id,
        status="in_progress",
        due_date=date(2026, 12, 15),
        short_start=date(2026, 11, 1),
        short_end=date(2026, 12, 15),
        horizon="short_medium",
    )
    editing.set_collaborators(
        db.session, actor=town.admin, task=first, user_ids=[town.other_member.id], version=None, now=now
    )
    editing.set_partners(
        db.session, actor=town.admin, task=first, names=["CIUSSS", "Croix-Rouge"], version=None, now=now
    )
    change(second, owner_id=town.other_member.id, status="done", due_date=date(2026, 11, 30))
    change(
        third,
        owner_id=town.member.id,
        status="blocked",
        blocked_reason="Attente du CIUSSS",
        due_date=date(2027, 1, 10),
    )
    db.session.commit()
    return first, second, third
