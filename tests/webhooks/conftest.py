"""A receiver on loopback that records what it is sent, and a municipality
with a plan and an admin who adds webhooks."""

from __future__ import annotations

import contextlib
import json
import threading
import time
from dataclasses import dataclass, field
from datetime import timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from tasking.extensions import db
from tasking.models import Organisation, Region, Task, User, Webhook
from tasking.webhooks.settings import add_webhook
from tests import factories
from tests.conftest import app_now


@dataclass
class Received:
    path: str
    headers: dict[str, str]
    body: bytes

    @property
    def json(self) -> dict:
        return json.loads(self.body)


@dataclass
class Receiver:
    url: str
    received: list[Received] = field(default_factory=list)
    #: The status the receiver answers with, after waiting ``delay`` seconds.
    status: int = 200
    delay: float = 0


@pytest.fixture
def receiver():
    state = Receiver(url="")

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self):  # noqa: N802  (http.server's name)
            body = self.rfile.read(int(self.headers["Content-Length"]))
            state.received.append(Received(self.path, dict(self.headers), body))
            time.sleep(state.delay)
            # A sender that gave up waiting has closed the connection.
            with contextlib.suppress(BrokenPipeError, ConnectionResetError):
                self.send_response(state.status)
                self.end_headers()
                self.wfile.write(b"ok" if state.status < 300 else b"busy")

        def log_message(self, *_args):  # noqa: ANN002
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    state.url = f"http://127.0.0.1:{server.server_port}/hook"
    yield state
    server.shutdown()
    server.server_close()


@dataclass
class Town:
    region: Region
    org: Organisation
    admin: User
    owner: User
    coordinator: User
    task: Task

    def webhook(self, url: str, events: list[str], format: str = "json") -> Webhook:  # noqa: A002
        hook = add_webhook(
            db.session,
            actor=self.admin,
            organisation_id=self.org.id,
            url=url,
            events=events,
            format=format,
            now=app_now(),
        )
        db.session.commit()
        return hook


@pytest.fixture
def town(app) -> Town:  # noqa: ANN001
    session = db.session
    region = factories.region(session, slug="mrc-demo", name="MRC de Démo")
    org = factories.organisation(session, name="Ville de Démo", region=region)
    admin = factories.user(session, org, role="admin", name="Aline Admin")
    owner = factories.user(session, org, role="member", name="Frédéric Tremblay")
    coordinator = factories.user(session, org, role="viewer", name="Régis Régional", regional_region=region)
    due = app_now().date() - timedelta(days=2)
    action = factories.action("Appeler les aînés", owner_id=owner.id, due_date=due)
    plan = factories.plan(
        session, org, themes=[factories.theme(objectives=[factories.objective(actions=[action])])]
    )
    session.commit()
    task = session.scalars(db.select(Task).where(Task.plan_id == plan.id)).one()
    return Town(region, org, admin, owner, coordinator, task)
