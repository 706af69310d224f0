"""The demo is an instance two weeks into its use: the reminders of those
weeks were sent and read, so its coordinator is not greeted by two dozen
unread notifications the first time the scheduler runs."""

from __future__ import annotations

from sqlalchemy import select

from tasking.demo.services import DEMO_PASSWORD
from tasking.extensions import db
from tasking.models import Notification, OutboxMessage, User
from tasking.notifications.services import unread_count
from tasking.scheduling.jobs import run_reminders
from tests.conftest import app_now


def test_the_demo_coordinator_starts_with_her_reminders_read(runner, client):
    assert runner.invoke(args=["demo"]).exit_code == 0
    marie = db.session.scalar(select(User).where(User.email == "coordination@ville-demo.ca"))
    reminders = db.session.scalars(
        select(Notification).where(
            Notification.user_id == marie.id, Notification.kind.in_(("due_soon", "overdue"))
        )
    ).all()
    # Two weeks of reminders and escalations, read, and e-mailed to nobody.
    assert len(reminders) > 20 and all(n.read_at is not None for n in reminders)
    assert any(n.detail.endswith(";coordinator") for n in reminders)
    assert unread_count(db.session, marie) == 0
    assert db.session.scalar(select(OutboxMessage.id).where(OutboxMessage.recipient == marie.email)) is None

    # The scheduler's first run tells her only what fell due today: a handful, not 23.
    run_reminders(db.session, now=app_now())
    db.session.commit()
    today = db.session.scalars(
        select(Notification).where(Notification.user_id == marie.id, Notification.created_at == app_now())
    ).all()
    assert 0 < len(today) < 10
    assert unread_count(db.session, marie) == len(today)
    client.login("coordination@ville-demo.ca", DEMO_PASSWORD)
    bell = client.get("/notifications/bell").get_data(as_text=True)
    assert f">{len(today)}<" in bell
