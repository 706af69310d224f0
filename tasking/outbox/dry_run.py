"""`--dry-run` of the commands that queue e-mails: the job runs in full in one
transaction that is then rolled back, so the list of what it would queue comes
from the very code that queues it, and nothing is written (outbox, reminder
log, notifications, history)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

import click
from flask_babel import ngettext
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from tasking.models import OutboxMessage

DRY_RUN_HELP = "Print what would be queued (recipient, subject) and write nothing."


def end_step(session: Session, commit: bool) -> None:
    """The end of a job's step: commit, or under a dry run only flush (the
    dry run rolls everything back at the end)."""
    if commit:
        session.commit()
    else:
        session.flush()


def would_queue(session: Session, run: Callable[[], object], now: datetime) -> list[tuple[str, str]]:
    """(recipient, subject) of each e-mail ``run`` queues at ``now``, in
    order; ``run`` must flush, never commit. Everything it did is rolled back."""
    before = session.scalar(select(func.max(OutboxMessage.id))) or 0
    try:
        run()
        rows = session.execute(
            select(OutboxMessage.recipient, OutboxMessage.subject)
            .where(OutboxMessage.id > before, OutboxMessage.created_at == now)
            .order_by(OutboxMessage.id)
        ).all()
    finally:
        session.rollback()
    return [(recipient, subject) for recipient, subject in rows]


def echo_would_queue(rows: list[tuple[str, str]]) -> None:
    """One line per e-mail (recipient, a tab, subject), then the count."""
    for recipient, subject in rows:
        click.echo(f"{recipient}\t{subject}")
    click.echo(
        ngettext(
            "Dry run: %(num)d e-mail would be queued; nothing was written.",
            "Dry run: %(num)d e-mails would be queued; nothing was written.",
            len(rows),
        )
    )
