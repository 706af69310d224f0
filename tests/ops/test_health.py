"""/healthz: database, scheduler heartbeat and outbox backlog at the app's
clock; 503 when the database is down or the scheduler silent. /readyz: the
load balancer's probe, blind to the scheduler."""

from datetime import datetime, timedelta

import pytest

from tasking.core.clock import SetClock
from tasking.extensions import db
from tasking.models import OutboxMessage
from tasking.ops.check import schema_heads
from tasking.scheduling import lease
from tests.conftest import make_app

NOW = datetime(2026, 11, 23, 14, 0)


@pytest.fixture
def clock(app):
    app.config["CLOCK"] = SetClock(NOW)
    return app.config["CLOCK"]


def beat(at: datetime) -> None:
    assert lease.acquire(db.session, holder="sched-a", now=at, ttl=timedelta(seconds=60))


def waiting_message(key: str, created: datetime, status: str = "pending") -> None:
    db.session.add(
        OutboxMessage(
            dedupe_key=key,
            message_id=f"<{key}@retablir.test>",
            kind="test",
            recipient="marie@ville-a.qc.ca",
            subject="Essai",
            body_text="Essai",
            status=status,
            created_at=created,
            next_attempt_at=created,
        )
    )
    db.session.commit()


def test_fresh_scheduler_and_outbox_backlog(client, clock):
    beat(NOW - timedelta(seconds=40))
    waiting_message("old", NOW - timedelta(hours=2))
    waiting_message("new", NOW - timedelta(minutes=5))
    waiting_message("done", NOW - timedelta(days=3), status="sent")

    response = client.get("/healthz")

    assert response.status_code == 200
    body = response.get_json()
    assert body["status"] == "ok"
    assert {body["schema"]} == schema_heads()
    assert body["scheduler"] == {
        "ok": True,
        "last_heartbeat": "2026-11-23T13:59:20Z",
        "silent_seconds": 40,
        "max_silence_seconds": 300,
    }
    assert body["outbox"] == {
        "pending": 2,
        "oldest_pending_at": "2026-11-23T12:00:00Z",
        "oldest_pending_seconds": 7200,
    }


def test_silent_scheduler_is_503(client, clock):
    beat(NOW - timedelta(minutes=6))
    response = client.get("/healthz")
    assert response.status_code == 503
    body = response.get_json()
    assert body["status"] == "error"
    assert body["scheduler"]["ok"] is False
    assert body["scheduler"]["silent_seconds"] == 360
    # The same instant read by the clock a test sets moves the answer: no machine time.
    clock.set(NOW - timedelta(minutes=2))
    assert client.get("/healthz").status_code == 200


def test_scheduler_never_seen_is_503_unless_not_watched(app, client, clock):
    response = client.get("/healthz")
    assert response.status_code == 503
    assert response.get_json()["scheduler"]["last_heartbeat"] is None
    app.config["SCHEDULER_MAX_SILENCE"] = 0
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.get_json()["scheduler"]["max_silence_seconds"] is None


def test_readyz_ignores_the_scheduler(client, clock):
    response = client.get("/readyz")
    assert response.status_code == 200
    assert response.get_json() == {"status": "ok"}


def test_database_down_is_503_json():
    # Nothing listens on port 1: the database is down as far as the app knows.
    app = make_app("postgresql+psycopg://postgres@127.0.0.1:1/retablir")
    client = app.test_client()
    for path in ("/healthz", "/readyz"):
        response = client.get(path)
        assert response.status_code == 503
        assert response.get_json()["database"] == "unavailable"
