"""Scale-out: two gunicorn instances and two schedulers on one database.

Real processes, started from the repository root with the venv's binaries,
on the session's test database, delivering to an aiosmtpd sink:

- a session opened on instance A is valid on instance B;
- the sign-in pause counts the wrong passwords sent to either instance;
- with two schedulers running, every reminder and digest due at the chosen
  instant is queued once and delivered once; SIGKILL of the active one lets
  the standby take over within the lease time, and its catch-up run sends
  the work that fell due meanwhile, once;
- several `outbox send` processes at once deliver a backlog exactly once.

It runs on PostgreSQL (CI) and on SQLite (one file in WAL mode shared by
every process of the host).
"""

from __future__ import annotations

import contextlib
import re
import signal
import subprocess
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Callable, Iterator
from datetime import date, datetime, timedelta
from pathlib import Path

import pytest
import requests
from sqlalchemy import select

from tasking.extensions import db
from tasking.models import DigestLog, OutboxMessage, ReminderLog, SchedulerLease, Task
from tasking.outbox.queue import new_message_id
from tests.conftest import PASSWORD, free_port, real_clock_env
from tests.scheduling.conftest import BackdatedFactory, flask_env

pytestmark = pytest.mark.scaleout

ROOT = Path(__file__).resolve().parents[2]
BIN = Path(sys.executable).parent
#: A Monday, 09:00 in Montréal: the personal digests (Monday 07:00) are caught
#: up, the regional digest (set to Monday 08:00 below) is due, and reminders
#: may land (working hours).
INSTANT = "2026-11-23T09:00:00-05:00"
TODAY = date(2026, 11, 23)
T0 = datetime(2026, 11, 23, 14, 0)
LEASE = 4


class Processes:
    """Every process a test starts, each killed (SIGKILL) at teardown."""

    def __init__(self, env: dict[str, str]):
        self.env = env
        self.started: list[subprocess.Popen] = []
        self.logs = tempfile.TemporaryDirectory()

    def start(self, name: str, *args: str) -> subprocess.Popen:
        # Output to a file: a pipe nobody reads would block a chatty process.
        log = open(Path(self.logs.name) / f"{name}-{len(self.started)}.log", "w")  # noqa: SIM115
        # The web instances share the tests' clock (their cookies' expiry is
        # read by the test's client); schedulers and CLI commands act at their
        # --now, without libfaketime (see real_clock_env).
        env = self.env if name == "gunicorn" else real_clock_env(self.env)
        process = subprocess.Popen(
            [str(BIN / name), *args], cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT
        )
        process.log_path = log.name
        self.started.append(process)
        return process

    def output(self, process: subprocess.Popen) -> str:
        return Path(process.log_path).read_text()

    def gunicorn(self) -> str:
        port = free_port()
        process = self.start(
            "gunicorn", "wsgi:app", "--bind", f"127.0.0.1:{port}", "--workers", "2", "--no-control-socket"
        )
        base = f"http://127.0.0.1:{port}"

        def ready() -> bool:
            with contextlib.suppress(requests.RequestException):
                return requests.get(base + "/readyz", timeout=2).status_code == 200
            return False

        assert wait_for(ready, 30), self.output(process)
        return base

    def stop_all(self) -> None:
        for process in self.started:
            if process.poll() is None:
                process.kill()
            process.wait(timeout=10)
        self.logs.cleanup()


def wait_for(predicate: Callable[[], bool], timeout: float = 30.0) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(0.2)
    return predicate()


@pytest.fixture
def env(mail_app, smtp_server) -> dict[str, str]:
    return flask_env(mail_app, smtp_server.port)


@pytest.fixture
def processes(env) -> Iterator[Processes]:
    started = Processes(env)
    try:
        yield started
    finally:
        started.stop_all()


@pytest.fixture
def mk(mail_app) -> BackdatedFactory:
    return BackdatedFactory(mail_app)


def sign_in(http: requests.Session, base: str, email: str, password: str) -> requests.Response:
    page = http.get(base + "/login", timeout=10).text
    token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page).group(1)
    return http.post(
        base + "/login",
        data={"email": email, "password": password, "csrf_token": token},
        allow_redirects=False,
        timeout=10,
    )


def test_a_session_and_the_sign_in_pause_hold_across_instances(mk, processes):
    org = mk.org("ville-a", "Ville A")
    user = mk.user(org, "member", email="rene@ville-a.ca", name="René Deux-Instances")
    other = mk.user(org, "member", email="cible@ville-a.ca")
    a, b = processes.gunicorn(), processes.gunicorn()

    http = requests.Session()
    assert sign_in(http, a, user.email, PASSWORD).status_code == 303
    page = http.get(b + "/me/tasks", allow_redirects=False, timeout=10)
    assert page.status_code == 200
    assert "René Deux-Instances" in page.text
    # Signing out on B ends the session on A too.
    token = re.search(r'"X-CSRFToken": "([^"]+)"', page.text).group(1)
    http.post(b + "/logout", headers={"X-CSRFToken": token}, allow_redirects=False, timeout=10)
    assert http.get(a + "/me/tasks", allow_redirects=False, timeout=10).status_code in (302, 303)

    # Wrong passwords alternated between A and B: the fifth pauses the address
    # (four answered 422 first), whichever instance the attempts reached.
    guesser = requests.Session()
    statuses = [sign_in(guesser, (a, b)[n % 2], other.email, "pas-le-bon").status_code for n in range(5)]
    assert statuses == [422, 422, 422, 422, 429]
    for base in (a, b):
        refused = sign_in(requests.Session(), base, other.email, PASSWORD)
        assert refused.status_code == 429
        assert "suspendue" in refused.text


def seed_due_work(mk) -> dict:
    """A region of two municipalities with the template plan, and tasks due
    in the next three days for three owners in each: at ``INSTANT`` that is
    6 reminder e-mails (24 reminders), 6 personal digests and 3 regional
    digests (the coordinator and each municipality's admin)."""
    region = mk.region("mrc-echelle", "MRC de l’Échelle")
    region.digest_weekday, region.digest_time = 0, "08:00"
    db.session.commit()
    world = {"coordinator": None, "orgs": []}
    for n in (1, 2):
        org = mk.org(f"ville-{n}", f"Ville {n}", region)
        if n == 1:
            world["coordinator"] = mk.user(org, "viewer", regional=region)
        admin = mk.user(org, "admin")
        owners = [mk.user(org) for _ in range(3)]
        idle = mk.user(org)
        plan = mk.plan(org, now=T0)
        tasks = db.session.scalars(select(Task).where(Task.plan_id == plan.id).order_by(Task.id)).all()
        for i, task in enumerate(tasks[:12]):
            task.owner_id = owners[i % 3].id
            task.due_date = TODAY + timedelta(days=1 + i % 3)
        db.session.commit()
        world["orgs"].append({"org": org, "admin": admin, "idle": idle, "spare": tasks[12:14]})
    return world


def holder_pid() -> int | None:
    db.session.expire_all()
    row = db.session.scalar(select(SchedulerLease).where(SchedulerLease.name == "scheduler"))
    db.session.commit()
    return int(row.holder.split(":")[1]) if row else None


def sent_once(smtp_server, expected: int) -> None:
    """The sink holds ``expected`` messages, each once, and they are the outbox's."""
    messages = smtp_server.messages
    assert len(messages) == expected, [m["Subject"] for m in messages]
    assert len({m["Message-ID"] for m in messages}) == expected
    assert len({(m["To"], m["Subject"]) for m in messages}) == expected
    db.session.expire_all()
    rows = db.session.scalars(select(OutboxMessage)).all()
    db.session.commit()
    assert {r.status for r in rows} == {"sent"}
    assert {r.message_id for r in rows} == {m["Message-ID"] for m in messages}


def test_two_schedulers_send_everything_once_and_the_standby_takes_over(mk, processes, smtp_server):
    world = seed_due_work(mk)
    args = ("--app", "wsgi", "scheduler", "run", "--now", INSTANT)
    args += ("--lease-seconds", str(LEASE), "--outbox-seconds", "1")
    first, second = processes.start("flask", *args), processes.start("flask", *args)
    by_pid = {first.pid: first, second.pid: second}

    assert wait_for(lambda: len(smtp_server.messages) >= 15, 40), processes.output(first)
    time.sleep(3)  # Both keep running: nothing more may come.
    sent_once(smtp_server, 15)
    kinds = Counter(db.session.scalars(select(OutboxMessage.kind)).all())
    assert kinds == {"reminders": 6, "digest": 6, "regional_digest": 3}
    assert db.session.query(ReminderLog).count() == 24
    db.session.commit()

    # SIGKILL of the active scheduler: no clean hand-over, the lease must expire.
    active = by_pid[holder_pid()]
    standby = next(p for p in by_pid.values() if p is not active)
    active.send_signal(signal.SIGKILL)
    active.wait(timeout=10)
    killed_at = time.monotonic()
    # Work that falls due meanwhile: two tasks due tomorrow for each idle member.
    for entry in world["orgs"]:
        for task in entry["spare"]:
            task.owner_id, task.due_date = entry["idle"].id, TODAY + timedelta(days=1)
    db.session.commit()

    assert wait_for(lambda: holder_pid() == standby.pid, LEASE + 10), processes.output(standby)
    took_over = time.monotonic() - killed_at
    # Within the lease, plus the standby's heartbeat interval (a third of it) and some slack.
    assert took_over <= LEASE + LEASE / 3 + 2, took_over
    assert wait_for(lambda: len(smtp_server.messages) >= 17, 20), processes.output(standby)
    time.sleep(3)
    sent_once(smtp_server, 17)
    idle_emails = {entry["idle"].email for entry in world["orgs"]}
    assert {m["To"] for m in smtp_server.messages[15:]} == idle_emails
    assert db.session.query(ReminderLog).count() == 28
    # The idle members' digest of the week was recorded empty at the first run: none now either.
    assert db.session.query(DigestLog).filter(DigestLog.queued.is_(True)).count() == 9
    db.session.commit()
    assert standby.poll() is None


def queue_backlog(mail_app, count: int) -> None:
    """``count`` messages waiting in the outbox, as the jobs leave them."""
    rows = [
        OutboxMessage(
            dedupe_key=f"backlog:{n}",
            message_id=new_message_id(),
            kind="notification",
            recipient=f"personne{n}@exemple.qc.ca",
            subject=f"Message {n}",
            body_text=f"Bonjour, message numéro {n}.",
            body_html=f"<p>Bonjour, message numéro {n}.</p>",
            next_attempt_at=T0,
            created_at=T0,
        )
        for n in range(count)
    ]
    db.session.add_all(rows)
    db.session.commit()


def test_several_outbox_senders_at_once_deliver_each_message_once(mail_app, processes, smtp_server):
    # More than two batches (OUTBOX_BATCH_SIZE, 200): every sender gets a share.
    queue_backlog(mail_app, 500)
    senders = [processes.start("flask", "--app", "wsgi", "outbox", "send") for _ in range(3)]
    for sender in senders:
        assert sender.wait(timeout=60) == 0, processes.output(sender)
    sent = [int(re.search(r"sent=(\d+)", processes.output(s)).group(1)) for s in senders]
    assert sum(sent) == 500, sent
    sent_once(smtp_server, 500)
    assert sorted(m["To"] for m in smtp_server.messages) == sorted(
        f"personne{n}@exemple.qc.ca" for n in range(500)
    )
