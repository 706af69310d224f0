"""Claiming unique rows: the one run that writes a row does the work.

``INSERT … ON CONFLICT DO NOTHING`` works alike on SQLite and PostgreSQL and
needs no savepoint: a concurrent run waits for the other's commit, then sees
the conflict and writes nothing.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from tasking.models import OutboxMessage, User
from tasking.models.outbox import OutboxStatus
from tasking.outbox.queue import new_message_id, render_email


def claim(session: Session, model: type, **values) -> bool:
    """Insert one row of ``model`` unless a unique key refuses it; True if written."""
    insert = _insert(session)
    # RETURNING rather than rowcount: psycopg reports -1 for an INSERT here.
    key = list(model.__table__.primary_key.columns)
    result = session.execute(insert(model).values(**values).on_conflict_do_nothing().returning(*key))
    return result.first() is not None


def _insert(session: Session):
    return postgresql.insert if session.get_bind().dialect.name == "postgresql" else sqlite.insert


def claim_many(session: Session, model: type, rows: list[dict], column) -> set:
    """Insert many rows of ``model`` in one statement, skipping those a unique
    key refuses; the values of ``column`` of the rows written."""
    if not rows:
        return set()
    statement = _insert(session)(model).values(rows).on_conflict_do_nothing().returning(column)
    return set(session.scalars(statement))


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
    return len(claim_many(session, OutboxMessage, rows, OutboxMessage.id))
