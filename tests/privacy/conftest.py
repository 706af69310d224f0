"""Two municipalities and the people whose data the export and the retention
tests read: Alice (the subject) and Bruno (someone else) in Ville A, with
their actions, comments, check-in answers, e-mails, a token and a second factor."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, timedelta

import pyotp
import pytest

from tasking.api.tokens import create_token
from tasking.auth.two_factor import new_recovery_codes, new_secret
from tasking.extensions import db
from tasking.models import Activity, Notification, Organisation, OutboxMessage, Task, User
from tests import factories
from tests.conftest import app_now


@dataclass
class World:
    org_a: Organisation
    org_b: Organisation
    admin_a: User
    admin_b: User
    alice: User
    bruno: User
    alice_task: Task
    shared_task: Task
    bruno_task: Task
    token_secret: str
    totp_secret: str


@pytest.fixture
def world(make) -> World:
    org_a = make.org("ville-a", "Ville A")
    org_b = make.org("ville-b", "Ville B")
    admin_a = make.user(org_a, role="admin", email="admin@ville-a.qc.ca", name="Anne Admin")
    admin_b = make.user(org_b, role="admin", email="admin@ville-b.qc.ca", name="Benoît Admin")
    alice = make.user(org_a, email="alice.tremblay@ville-a.qc.ca", name="Alice Tremblay")
    bruno = make.user(org_a, email="bruno@ville-a.qc.ca", name="Bruno Gagnon")
    plan = make.plan_with(org_a)
    objective = factories.objectives_of(plan)[0]
    now = app_now()
    alice_task = factories.add_task(db.session, objective, "Appeler les aînés", owner=alice, now=now)
    shared_task = factories.add_task(
        db.session, objective, "Distribuer les repas", owner=bruno, collaborators=[alice], now=now
    )
    bruno_task = factories.add_task(
        db.session, objective, "Inventaire des génératrices", owner=bruno, now=now
    )
    factories.comment(db.session, alice_task, alice, "Commentaire d'Alice sur les appels", now=now)
    factories.comment(
        db.session, alice_task, bruno, "Merci @alice.tremblay, voir avec Alice Tremblay lundi", now=now
    )
    factories.comment(db.session, bruno_task, bruno, "Commentaire de Bruno seulement", now=now)
    factories.checkin_answer(db.session, alice_task, alice, "on_track", now, note="Réponse d'Alice")
    factories.checkin_answer(db.session, bruno_task, bruno, "late", now, note="Réponse de Bruno")
    _token, token_secret = create_token(
        db.session,
        actor=alice,
        name="Rapport Power BI",
        scope="read",
        expires_on=now.date() + timedelta(days=30),
        now=now,
    )
    totp_secret = new_secret()
    alice.totp_secret, alice.totp_enabled_at = totp_secret, now
    new_recovery_codes(db.session, user=alice, now=now)
    alice.calendar_token = "calendrier-secret-d-alice"
    db.session.add_all(
        [
            _mail(alice, org_a, "Bonjour Alice Tremblay, une action vous est confiée", "assigned-alice"),
            _mail(bruno, org_a, "Bonjour Bruno Gagnon", "assigned-bruno"),
            Notification(user_id=alice.id, kind="assigned", task_id=alice_task.id, detail="", created_at=now),
            Activity(
                organisation_id=org_a.id,
                plan_id=plan.id,
                task_id=shared_task.id,
                actor_id=bruno.id,
                kind="field",
                field="collaborators",
                old_value="",
                new_value="Alice Tremblay",
                created_at=now,
            ),
        ]
    )
    db.session.commit()
    return World(
        org_a,
        org_b,
        admin_a,
        admin_b,
        alice,
        bruno,
        alice_task,
        shared_task,
        bruno_task,
        token_secret,
        totp_secret,
    )


def _mail(user: User, org: Organisation, body: str, key: str) -> OutboxMessage:
    return OutboxMessage(
        dedupe_key=key,
        message_id=f"<{key}@retablir.test>",
        kind="assigned",
        user_id=user.id,
        organisation_id=org.id,
        recipient=user.email,
        subject=f"Une action pour {user.name}",
        body_text=body + "\nhttps://retablir.test/reset/jeton-secret-du-lien",
        body_html=f"<p>{body}</p>",
        next_attempt_at=app_now(),
        created_at=app_now(),
    )


def sign_in(client, email: str, *, totp: str | None = None, remember: bool = False) -> None:
    """Password, then the authenticator's code when ``totp`` (its secret) is
    given; with ``remember`` the password is asked again after 15 minutes."""
    client.fetch_csrf("/login")
    data = {"email": email, "password": factories.PASSWORD, "csrf_token": client.csrf}
    if remember:
        data["remember"] = "y"
    response = client.post("/login", data=data)
    assert response.status_code == 303
    if totp is not None:
        assert response.headers["Location"].startswith("/login/code")
        client.fetch_csrf("/login/code")
        code = pyotp.TOTP(totp).at(app_now().replace(tzinfo=UTC))
        response = client.post("/login/code", data={"code": code, "csrf_token": client.csrf})
        assert response.status_code == 303, response.get_data(as_text=True)[:300]
    client.fetch_csrf("/plans")
