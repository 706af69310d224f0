"""Delivering the outbox over SMTP with Flask-Mail.

Rows are claimed a batch at a time with one conditional UPDATE (PostgreSQL
picks them ``FOR UPDATE SKIP LOCKED``), so senders running at once never take
the same row nor wait on each other. Each delivered row is committed at once: a sender killed
mid-batch loses nothing, and only the message in flight may go out again
(with the same Message-ID, so mail clients fold the copies).
"""

from __future__ import annotations

import contextlib
import logging
import os
import smtplib
import socket
from dataclasses import dataclass
from datetime import datetime, timedelta
from email.charset import BASE64, SHORTEST, Charset
from email.header import Header
from email.mime.multipart import MIMEMultipart
from email.mime.text import MIMEText
from email.policy import compat32
from email.utils import formataddr, formatdate, parseaddr

from flask import current_app
from sqlalchemy import and_, func, or_, select, text, update
from sqlalchemy.orm import Session

from tasking.core import transaction
from tasking.extensions import db, mail
from tasking.models.outbox import OutboxMessage, OutboxStatus

log = logging.getLogger(__name__)
CLAIM_FOR = timedelta(minutes=5)


def worker_name() -> str:
    """This process as a claim holder: ``host:pid``."""
    return f"{socket.gethostname()}:{os.getpid()}"


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def _release_dead_claims(session: Session, now: datetime) -> None:
    """Free the rows claimed by a sender of this host that no longer runs
    (killed mid-batch), so a restart delivers them at once instead of waiting
    for the claim to expire."""
    prefix = socket.gethostname() + ":"
    rows = session.execute(
        select(OutboxMessage.id, OutboxMessage.claimed_by).where(
            OutboxMessage.status == OutboxStatus.PENDING.value,
            OutboxMessage.claimed_until >= now,
            OutboxMessage.claimed_by.startswith(prefix),
        )
    ).all()
    dead = []
    for row_id, holder in rows:
        pid = holder[len(prefix) :].split(":", 1)[0]
        if pid.isdigit() and int(pid) != os.getpid() and not _alive(int(pid)):
            dead.append(row_id)
    if dead:
        log.warning("Releasing %d message(s) claimed by a sender that stopped", len(dead))
        _release(session, dead)


@dataclass
class DeliveryReport:
    sent: int = 0
    failed: int = 0
    waiting: int = 0

    def as_line(self) -> str:
        return f"sent={self.sent} failed={self.failed} waiting={self.waiting}"


def backoff(attempts: int) -> timedelta:
    """1, 4, 16, 64 … minutes, capped at 6 hours."""
    return timedelta(minutes=min(4 ** max(attempts - 1, 0), 360))


def _claim(session: Session, now: datetime, worker: str, limit: int, only_ids=None) -> list[int]:
    """Claim up to ``limit`` due rows in one statement; their ids, in order.

    On PostgreSQL the rows are picked ``FOR UPDATE SKIP LOCKED``: concurrent
    senders each take a different batch at once, instead of all reading the
    same first ids and then queueing on each other's row locks. SQLite has no
    row locks (one writer at a time): the same conditional UPDATE is atomic there.
    """
    available = and_(
        OutboxMessage.status == OutboxStatus.PENDING.value,
        # A message never tried goes at once, even one queued for a later
        # instant (`notify … --now` ahead of the clock); back-off applies to retries.
        or_(OutboxMessage.attempts == 0, OutboxMessage.next_attempt_at <= now),
        or_(OutboxMessage.claimed_until.is_(None), OutboxMessage.claimed_until < now),
    )
    due = select(OutboxMessage.id).where(available).order_by(OutboxMessage.id).limit(limit)
    if only_ids is not None:
        due = due.where(OutboxMessage.id.in_(only_ids))
    if session.get_bind().dialect.name == "postgresql":
        due = due.with_for_update(skip_locked=True)
    claimed = session.scalars(
        update(OutboxMessage)
        .where(OutboxMessage.id.in_(due.scalar_subquery()), available)
        .values(claimed_until=now + CLAIM_FOR, claimed_by=worker)
        .returning(OutboxMessage.id)
        .execution_options(synchronize_session=False)
    ).all()
    session.commit()
    return sorted(claimed)


SMTP_COMPAT32 = compat32.clone(linesep="\r\n", max_line_length=998)
#: Longest line holding encoded words (RFC 2047: 76, and an encoded word at most 75).
ENCODED_LINE = 76


def _utf8() -> Charset:
    utf8 = Charset("utf-8")
    utf8.header_encoding = SHORTEST
    # Base64 keeps every line short (SMTP refuses lines over 998 characters,
    # and a digest's HTML has some) and costs little to encode.
    utf8.body_encoding = BASE64
    return utf8


def _calendar_part(calendar: str, utf8: Charset) -> MIMEText:
    """The invitation as mail clients expect it: the last alternative,
    ``text/calendar; method=REQUEST`` (Outlook and Gmail then offer to accept)."""
    part = MIMEText(calendar, "calendar", utf8)
    part.set_param("method", "REQUEST")
    return part


def build_message(row, sender: str) -> tuple[str, bytes]:  # noqa: ANN001 (an outbox row or its columns)
    """(envelope sender, the message as bytes): multipart text + HTML (+ an
    invitation's text/calendar part), the row's stable Message-ID and extra
    headers. Built with the compat32 email classes, several times faster than
    Flask-Mail's Message for the same MIME."""
    utf8 = _utf8()
    text = MIMEText(row.body_text, "plain", utf8)
    if row.body_html or row.calendar:
        message = MIMEMultipart("alternative")
        message.attach(text)
        if row.body_html:
            message.attach(MIMEText(row.body_html, "html", utf8))
        if row.calendar:
            message.attach(_calendar_part(row.calendar, utf8))
    else:
        message = text
    name, address = parseaddr(sender)
    # Folded here: under the policy's 998-character lines a long subject
    # would be one encoded word, far over RFC 2047's 75 characters.
    message["Subject"] = Header(row.subject, "utf-8", header_name="Subject").encode(maxlinelen=ENCODED_LINE)
    message["From"] = formataddr((name, address), charset="utf-8")
    message["To"] = row.recipient
    message["Date"] = formatdate(usegmt=True)
    message["Message-ID"] = row.message_id
    for header, value in OutboxMessage(headers=row.headers).header_pairs():
        message[header] = value
    # CRLF line ends: smtplib sends bytes as they are.
    return address, message.as_bytes(policy=SMTP_COMPAT32)


def _release(session: Session, ids: list[int]) -> None:
    session.execute(
        update(OutboxMessage)
        .where(OutboxMessage.id.in_(ids), OutboxMessage.status == OutboxStatus.PENDING.value)
        .values(claimed_until=None, claimed_by=None)
    )
    session.commit()


def deliver(
    session: Session,
    *,
    now: datetime,
    worker: str,
    batch_size: int | None = None,
    only_ids: list[int] | None = None,
) -> DeliveryReport:
    """Send what is due, batch after batch, each over one SMTP connection;
    count sent, failed, waiting. Stops when nothing is due or the server is
    unreachable (the rest waits for the next run)."""
    config = current_app.config
    batch_size = batch_size or config["OUTBOX_BATCH_SIZE"]
    max_attempts = config["OUTBOX_MAX_ATTEMPTS"]
    report = DeliveryReport()
    if config.get("MAIL_SERVER"):
        if session.get_bind().dialect.name == "sqlite":
            # One commit per message: in WAL mode, NORMAL makes a commit cost no
            # fsync and still survives a killed process (only a power cut may
            # undo the last ones: those messages go again, same Message-ID).
            session.execute(text("PRAGMA synchronous=NORMAL"))
        _release_dead_claims(session, now)
        while True:
            ids = _claim(session, now, worker, batch_size, only_ids)
            if not ids or not _send_claimed(session, ids, now, max_attempts, report) or only_ids is not None:
                break
    report.waiting = session.scalar(
        select(func.count(OutboxMessage.id)).where(OutboxMessage.status == OutboxStatus.PENDING.value)
    )
    return report


def _mark(session: Session, message_id: int, **values) -> None:
    """Record one message's outcome and commit at once (a sender killed
    afterwards must not send it again)."""
    if session.get_bind().dialect.name == "postgresql":
        # As SQLite's synchronous=NORMAL: no wait for the disk at each commit;
        # only a server crash may undo the last few (sent again, same Message-ID).
        session.execute(text("SET LOCAL synchronous_commit TO OFF"))
    session.execute(
        update(OutboxMessage)
        .where(OutboxMessage.id == message_id)
        .values(claimed_until=None, claimed_by=None, **values)
        .execution_options(synchronize_session=False)
    )
    session.commit()


def _open_connection(session: Session, ids: list[int]):  # noqa: ANN202 (Flask-Mail's Connection)
    """One SMTP connection for the batch, or None when the server is
    unreachable (not the messages' fault: they are released and wait)."""
    try:
        connection = mail.connect()
        connection.__enter__()
    except (OSError, smtplib.SMTPException) as exc:
        log.warning("SMTP server unreachable, %d message(s) wait: %s", len(ids), exc)
        _release(session, ids)
        return None
    return connection


def _built_messages(session: Session, ids: list[int]) -> dict[int, tuple]:
    """id → (recipient, envelope sender, bytes, attempts), every message built
    before the first commit: a commit expires ORM rows, and reading them again
    would cost a query per message (plain rows: nothing to expire)."""
    sender = current_app.config["MAIL_DEFAULT_SENDER"]
    rows = session.execute(
        select(
            OutboxMessage.id,
            OutboxMessage.recipient,
            OutboxMessage.subject,
            OutboxMessage.body_text,
            OutboxMessage.body_html,
            OutboxMessage.headers,
            OutboxMessage.calendar,
            OutboxMessage.message_id,
            OutboxMessage.attempts,
        ).where(OutboxMessage.id.in_(ids))
    ).all()
    return {row.id: (row.recipient, *build_message(row, sender), row.attempts) for row in rows}


def _refused(session, message_id, attempts, exc, now, max_attempts, report) -> None:  # noqa: ANN001
    """The server refused this one message: it fails (5xx, or out of tries) or backs off."""
    attempts += 1
    failed = attempts >= max_attempts or _permanent(exc)
    _mark(
        session,
        message_id,
        attempts=attempts,
        last_error=smtp_error_text(exc)[:2000],
        status=OutboxStatus.FAILED.value if failed else OutboxStatus.PENDING.value,
        next_attempt_at=now + backoff(attempts),
    )
    report.failed += failed


def _send_claimed(session, ids, now, max_attempts, report) -> bool:  # noqa: ANN001
    """Send the claimed rows over one connection; False when the server is
    unreachable or the connection dropped (the unsent rows are released)."""
    connection = _open_connection(session, ids)
    if connection is None:
        return False
    messages = _built_messages(session, ids)
    try:
        for position, message_id in enumerate(ids):
            recipient, envelope_from, data, attempts = messages[message_id]
            try:
                # Flask-Mail's connection (None when MAIL_SUPPRESS_SEND is on).
                if connection.host is not None:
                    connection.host.sendmail(envelope_from, [recipient], data)
            except smtplib.SMTPServerDisconnected as exc:
                log.warning("SMTP connection lost: %s", exc)
                _release(session, ids[position:])
                return False
            # Before OSError, of which SMTPException is a subclass: the server
            # refused this message, the others still go.
            except smtplib.SMTPException as exc:
                _refused(session, message_id, attempts, exc, now, max_attempts, report)
                continue
            except OSError as exc:
                log.warning("SMTP connection lost: %s", exc)
                _release(session, ids[position:])
                return False
            _mark(session, message_id, attempts=attempts + 1, status=OutboxStatus.SENT.value, sent_at=now)
            report.sent += 1
    finally:
        with contextlib.suppress(OSError, smtplib.SMTPException):
            connection.__exit__(None, None, None)
    return True


def smtp_error_text(exc: smtplib.SMTPException) -> str:
    """The server's answer as an admin reads it: « 550 5.1.1 No such user »."""

    def answer(code: int, message: bytes | str) -> str:
        text = message.decode(errors="replace") if isinstance(message, bytes) else message
        return f"{code} {text}".strip()

    if isinstance(exc, smtplib.SMTPRecipientsRefused):
        return "; ".join(answer(code, message) for code, message in exc.recipients.values())
    if isinstance(exc, smtplib.SMTPResponseException):
        return answer(exc.smtp_code, exc.smtp_error)
    return str(exc)


def _permanent(exc: smtplib.SMTPException) -> bool:
    """A 5xx answer (no such mailbox, message refused) will not change on retry."""
    if isinstance(exc, smtplib.SMTPRecipientsRefused):
        codes = [code for code, _message in exc.recipients.values()]
    else:
        codes = [getattr(exc, "smtp_code", 0)]
    return bool(codes) and all(500 <= code < 600 for code in codes)


def retry(session: Session, message: OutboxMessage, now: datetime) -> None:
    """Put a failed or waiting message back in line for the next run."""
    message.status = OutboxStatus.PENDING.value
    message.next_attempt_at = now
    message.claimed_until = None
    message.claimed_by = None
    message.last_error = ""


def send_after_commit(rows: list[OutboxMessage | None], now: datetime) -> None:
    """Try these messages at once, but only once the request that queued them
    has committed (never for a change that was rolled back)."""
    transaction.after_commit(lambda: deliver_soon(db.session, rows, now))


def deliver_soon(session: Session, rows: list[OutboxMessage | None], now: datetime) -> None:
    """After the caller's commit: try the given messages at once (a reset link
    should not wait for the scheduler). Whatever fails waits in the outbox."""
    ids = [row.id for row in rows if row is not None]
    if ids and current_app.config.get("MAIL_SERVER"):
        try:
            deliver(session, now=now, worker=worker_name(), only_ids=ids)
        except Exception:  # the outbox keeps the message; the page must not fail
            session.rollback()
            log.exception("Immediate delivery failed; the sender will retry")
