"""Delivery against a real SMTP server: the server down, two runs at once,
a sender killed mid-batch."""

from __future__ import annotations

import asyncio
import contextlib
import os
import signal
import threading
import time
from datetime import date

import pytest
from aiosmtpd.controller import Controller

from tasking.extensions import db
from tasking.models import ReminderLog
from tasking.scheduling.jobs import run_digests, run_reminders
from tests.conftest import free_port, make_app

from .conftest import flask_process, outbox_rows

MONDAY_9 = "2026-11-23T09:00:00-05:00"


def wait_until(predicate, timeout: float = 30.0) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(0.1)
    return predicate()


def test_smtp_down_messages_wait_then_go_out_once(world, cli, smtp_server):
    world.task("Inventaire", date(2026, 11, 30), collaborators=[world.helper])
    assert cli("notify", "reminders", "--now", MONDAY_9).output.strip() == "queued=2 emails=2"
    smtp_server.stop()
    assert cli("outbox", "send").output.strip() == "sent=0 failed=0 waiting=2"
    assert cli("outbox", "send").output.strip() == "sent=0 failed=0 waiting=2"
    assert {(r.status, r.attempts, r.claimed_by) for r in outbox_rows()} == {("pending", 0, None)}
    smtp_server.restart()
    assert cli("outbox", "send").output.strip() == "sent=2 failed=0 waiting=0"
    assert cli("outbox", "send").output.strip() == "sent=0 failed=0 waiting=0"
    assert sorted(m["To"] for m in smtp_server.messages) == ["aide@ville-a.ca", "responsable@ville-a.ca"]


def test_two_runs_at_once_send_each_message_once(world, mail_app, smtp_server, mk, cli):
    """Two schedulers acting at the same instant (no lease between them): the
    unique rows and the claimed outbox rows still give one message each."""
    for number in range(6):
        world.task(f"Action {number}", date(2026, 11, 24 + number % 3), collaborators=[world.helper])
    from tasking.core.clock import parse_instant

    instant = parse_instant(MONDAY_9)
    barrier = threading.Barrier(2)
    errors: list[BaseException] = []

    def scheduler_like(app):
        try:
            with app.app_context():
                barrier.wait()
                run_reminders(db.session, now=instant)
                run_digests(db.session, now=instant)
                from tasking.outbox.sender import deliver

                deliver(db.session, now=instant, worker=f"test:{threading.get_ident()}")
                db.session.remove()
        except BaseException as exc:  # noqa: BLE001 — reported below
            errors.append(exc)

    apps = [
        mail_app,
        make_app(
            mail_app.config["SQLALCHEMY_DATABASE_URI"],
            MAIL_SERVER="127.0.0.1",
            MAIL_PORT=smtp_server.port,
            MAIL_SUPPRESS_SEND=False,
        ),
    ]
    threads = [threading.Thread(target=scheduler_like, args=(app,)) for app in apps]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    with apps[1].app_context():
        db.engine.dispose()
    assert errors == []
    cli("outbox", "send")
    rows = outbox_rows()
    # 6 tasks × (owner + helper) reminders, each in exactly one e-mail to its
    # person (one list each, unless the two runs shared the claims out), and
    # the digests of owner and helper.
    reminders = [r for r in rows if r.kind == "reminders"]
    assert {r.recipient for r in reminders} == {"responsable@ville-a.ca", "aide@ville-a.ca"}
    for recipient in ("responsable@ville-a.ca", "aide@ville-a.ca"):
        text = "".join(r.body_text for r in reminders if r.recipient == recipient)
        assert [text.count(f"Action {number}\n") for number in range(6)] == [1] * 6
    assert db.session.query(ReminderLog).count() == 12
    assert len([r for r in rows if r.kind == "digest"]) == 2
    assert {r.status for r in rows} == {"sent"}
    ids = [m["Message-ID"] for m in smtp_server.messages]
    assert len(ids) == len(rows) == len(set(ids))


class SlowSink:
    """An SMTP server that takes its time over each message."""

    def __init__(self, delay: float):
        import email
        import email.policy

        self.messages: list = []
        sink = self

        class Handler:
            async def handle_DATA(self, server, session, envelope):  # noqa: ANN001, N802
                await asyncio.sleep(delay)
                sink.messages.append(email.message_from_bytes(envelope.content, policy=email.policy.default))
                return "250 OK"

        self.port = free_port()
        self.controller = Controller(Handler(), hostname="127.0.0.1", port=self.port)
        self.controller.start()

    def stop(self) -> None:
        with contextlib.suppress(Exception):
            self.controller.stop()


@pytest.fixture
def slow_sink():
    sink = SlowSink(0.25)
    yield sink
    sink.stop()


def test_sender_killed_mid_batch_loses_nothing(world, mail_app, cli, mk, slow_sink):
    # Twelve people with a task each: twelve e-mails (one person's reminders make one).
    for number in range(12):
        person = mk.user(world.org, "member", email=f"personne{number:02d}@ville-a.ca")
        world.task(f"Action {number:02d}", date(2026, 11, 30), owner=person)
    assert cli("notify", "reminders", "--now", MONDAY_9).output.strip() == "queued=12 emails=12"

    sender = flask_process(mail_app, slow_sink.port, "outbox", "send")
    try:
        assert wait_until(lambda: len(slow_sink.messages) >= 4), "the sender did not start sending"
    finally:
        os.kill(sender.pid, signal.SIGKILL)
        sender.wait(10)
    delivered_before = len(slow_sink.messages)
    assert delivered_before < 12

    restart = flask_process(mail_app, slow_sink.port, "outbox", "send")
    out, err = restart.communicate(timeout=60)
    assert restart.returncode == 0, err
    assert out.strip().endswith("waiting=0")
    assert wait_until(lambda: len({m["Message-ID"] for m in slow_sink.messages}) == 12)

    rows = outbox_rows()
    assert {r.status for r in rows} == {"sent"}
    assert {m["Message-ID"] for m in slow_sink.messages} == {r.message_id for r in rows}
    # Only the message in flight when the sender died may have gone twice.
    assert len(slow_sink.messages) - 12 <= 1


def test_long_lines_are_delivered_intact(world, cli, smtp_server):
    """SMTP refuses lines over 998 characters: the bodies are encoded so that
    a very long task title still arrives, whole."""
    title = "Rétablir " + "les services essentiels " * 60
    world.task(title.strip(), date(2026, 11, 30))
    assert cli("notify", "reminders", "--now", MONDAY_9).output.strip() == "queued=1 emails=1"
    assert cli("outbox", "send").output.strip() == "sent=1 failed=0 waiting=0"
    [mail] = smtp_server.messages
    assert title.strip() in mail.get_body(("plain",)).get_content()
    assert title.strip() in mail.get_body(("html",)).get_content()
    assert mail["Message-ID"] == outbox_rows()[0].message_id


def test_long_subject_is_folded_into_short_encoded_words(world):
    """RFC 2047: no encoded word over 75 characters, however long the title."""
    import email
    import email.policy
    import re

    from tasking.models import OutboxMessage
    from tasking.outbox.sender import build_message

    subject = "Échéance dans 7 jours\u00a0: Rétablir " + "les services essentiels " * 8
    row = OutboxMessage(
        recipient="responsable@ville-a.ca",
        subject=subject.strip(),
        body_text="Bonjour",
        body_html="",
        message_id="<test@retablir.test>",
        headers="",
    )
    _sender, raw = build_message(row, "Rétablir <noreply@retablir.test>")
    head = raw.split(b"\r\n\r\n", 1)[0].decode("ascii")
    [folded] = re.findall(r"^Subject: ([^\r]*(?:\r\n[ \t][^\r]*)*)", head, re.MULTILINE)
    words = re.findall(r"=\?[^?]+\?[qQbB]\?[^?]*\?=", folded)
    assert len(words) > 1
    assert max(len(word) for word in words) <= 75
    parsed = email.message_from_bytes(raw, policy=email.policy.default)
    assert parsed["Subject"] == subject.strip()
