"""One active scheduler at a time: the lease, and two real `scheduler run`
processes side by side."""

from __future__ import annotations

import os
import signal
import time
from datetime import date, datetime, timedelta

from tasking.extensions import db
from tasking.models import SchedulerLease
from tasking.scheduling import lease

from .conftest import flask_process, outbox_rows

T0 = datetime(2026, 11, 23, 14, 0)
TTL = timedelta(seconds=60)


def test_lease_one_holder_then_takeover_on_expiry(app):
    assert lease.acquire(db.session, holder="a", now=T0, ttl=TTL)
    assert not lease.acquire(db.session, holder="b", now=T0 + timedelta(seconds=1), ttl=TTL)
    assert lease.acquire(db.session, holder="a", now=T0 + timedelta(seconds=30), ttl=TTL)  # renewed
    assert not lease.acquire(db.session, holder="b", now=T0 + timedelta(seconds=80), ttl=TTL)
    assert lease.current_holder(db.session, now=T0 + timedelta(seconds=80)) == "a"
    # "a" stops renewing: once the lease expires, "b" takes over and "a" is out.
    assert lease.acquire(db.session, holder="b", now=T0 + timedelta(seconds=91), ttl=TTL)
    assert not lease.acquire(db.session, holder="a", now=T0 + timedelta(seconds=92), ttl=TTL)
    # A clean stop hands over at once.
    lease.release(db.session, holder="b", now=T0 + timedelta(seconds=100))
    assert lease.acquire(db.session, holder="a", now=T0 + timedelta(seconds=100), ttl=TTL)
    assert db.session.query(SchedulerLease).count() == 1


def wait_for(predicate, timeout: float = 40.0) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(0.2)
    return predicate()


def holder_pid() -> int | None:
    db.session.expire_all()
    row = db.session.query(SchedulerLease).one_or_none()
    db.session.commit()
    return int(row.holder.split(":")[1]) if row else None


def test_two_scheduler_processes_send_each_message_once_and_hand_over(world, mail_app, smtp_server):
    world.task("Inventaire", date(2026, 11, 26), collaborators=[world.helper])
    args = (
        "scheduler",
        "run",
        "--now",
        "2026-11-23T09:00:00-05:00",
        "--lease-seconds",
        "3",
        "--outbox-seconds",
        "1",
    )
    first = flask_process(mail_app, smtp_server.port, *args)
    second = flask_process(mail_app, smtp_server.port, *args)
    processes = {first.pid: first, second.pid: second}
    try:
        # Reminders (owner, helper) and the weekly digests (owner, helper) caught up at start.
        assert wait_for(lambda: len(smtp_server.messages) >= 4), [m["Subject"] for m in smtp_server.messages]
        time.sleep(2)
        assert len(smtp_server.messages) == 4
        ids = {m["Message-ID"] for m in smtp_server.messages}
        assert len(ids) == 4

        # A new task, then the active scheduler stops.
        world.task("Nouvelle action", date(2026, 11, 24))
        active = processes[holder_pid()]
        standby = next(p for p in processes.values() if p is not active)
        active.send_signal(signal.SIGTERM)
        out, err = active.communicate(timeout=30)
        assert active.returncode == 0, err
        assert "stopped" in err

        # The standby takes over at once (the lease was given up) and catches up.
        assert wait_for(lambda: holder_pid() == standby.pid)
        assert wait_for(lambda: len(smtp_server.messages) == 5)
        assert smtp_server.messages[-1]["To"] == "responsable@ville-a.ca"
        # The SMTP server has the message a moment before the sender records it as sent.
        assert wait_for(lambda: {r.status for r in outbox_rows()} == {"sent"})
        assert len(smtp_server.messages) == 5
    finally:
        for process in processes.values():
            if process.poll() is None:
                os.kill(process.pid, signal.SIGTERM)
                try:
                    process.communicate(timeout=20)
                except Exception:  # noqa: BLE001
                    process.kill()
    assert second.returncode == 0 or first.returncode == 0
