"""Writing messages into the outbox, in the caller's transaction.

A message is rendered in the recipient's language from a pair of templates
``templates/emails/<name>.txt`` and ``.html``. Its dedupe key makes a second
copy impossible: queuing the same key again writes nothing. Jobs that queue
many messages build their rows with ``outbox_values`` and write them at once
with ``insert_outbox``.
"""

from __future__ import annotations

import uuid
from datetime import datetime
from urllib.parse import urlparse

from flask import current_app, render_template
from flask_babel import force_locale
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from tasking.core.claim import claim_rows
from tasking.models import OutboxMessage, User
from tasking.models.outbox import OutboxStatus


def new_message_id() -> str:
    host = urlparse(current_app.config["APP_BASE_URL"]).hostname or "localhost"
    return f"<{uuid.uuid4().hex}@{host}>"


def render_email(template: str, locale: str, **context) -> tuple[str, str, str]:
    """(subject, text, html) of ``emails/<template>`` in ``locale``.

    The subject is the text template's first line, so it is translated with it.
    """
    with force_locale(locale):
        text = render_template(f"emails/{template}.txt", **context)
        html = render_template(f"emails/{template}.html", **context)
    subject, _, body = text.partition("\n")
    return subject.strip(), body.lstrip("\n"), html


def queue(
    session: Session,
    *,
    dedupe_key: str,
    kind: str,
    recipient: str,
    template: str,
    now: datetime,
    user: User | None = None,
    organisation_id: int | None = None,
    locale: str | None = None,
    headers: dict[str, str] | None = None,
    calendar: str | None = None,
    **context,
) -> OutboxMessage | None:
    """Add one message unless its dedupe key is already there; ``calendar``
    is an iCalendar invitation that goes with it as its text/calendar part.

    Returns the new row, or None when the key was taken (by an earlier run or
    by a concurrent one: the savepoint keeps the caller's transaction intact).
    """
    if session.scalar(select(OutboxMessage.id).where(OutboxMessage.dedupe_key == dedupe_key)):
        return None
    locale = locale or (user.locale if user else "fr_CA")
    subject, text, html = render_email(template, locale, user=user, **context)
    row = OutboxMessage(
        dedupe_key=dedupe_key,
        message_id=new_message_id(),
        kind=kind,
        user_id=user.id if user else None,
        organisation_id=organisation_id,
        recipient=recipient,
        subject=subject,
        body_text=text,
        body_html=html,
        headers="\n".join(f"{k}: {v}" for k, v in (headers or {}).items()),
        calendar=calendar,
        locale=locale,
        next_attempt_at=now,
        created_at=now,
    )
    try:
        with session.begin_nested():
            session.add(row)
    except IntegrityError:
        return None
    return row


def outbox_values(
    *,
    dedupe_key: str,
    kind: str,
    user: User,
    template: str,
    now: datetime,
    headers: dict[str, str],
    organisation_id: int | None = None,
    **context,
) -> dict:
    """One outbox row, rendered in the user's language, as ``queue`` writes it
    (for jobs that queue many messages at once with ``insert_outbox``)."""
    subject, text, html = render_email(template, user.locale, user=user, **context)
    return outbox_row(
        dedupe_key=dedupe_key,
        kind=kind,
        user=user,
        rendered=(subject, text, html),
        now=now,
        headers=headers,
        organisation_id=organisation_id,
    )


def outbox_row(
    *,
    dedupe_key: str,
    kind: str,
    user: User,
    rendered: tuple[str, str, str],
    now: datetime,
    headers: dict[str, str],
    organisation_id: int | None = None,
) -> dict:
    """``outbox_values`` for a message its caller rendered: (subject, text, HTML)."""
    subject, text, html = rendered
    return {
        "dedupe_key": dedupe_key,
        "message_id": new_message_id(),
        "kind": kind,
        "user_id": user.id,
        "organisation_id": organisation_id,
        "recipient": user.email,
        "subject": subject,
        "body_text": text,
        "body_html": html,
        "headers": "\n".join(f"{name}: {value}" for name, value in headers.items()),
        "locale": user.locale,
        "status": OutboxStatus.PENDING.value,
        "attempts": 0,
        "next_attempt_at": now,
        "last_error": "",
        "created_at": now,
    }


def insert_outbox(session: Session, rows: list[dict]) -> int:
    """Add many outbox rows in one statement; a dedupe key already there is
    skipped. How many were added."""
    return len(claim_rows(session, OutboxMessage.__table__, rows, OutboxMessage.id))
