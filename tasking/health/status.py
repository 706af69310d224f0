"""What /healthz reports: the database, the scheduler's heartbeat and the
outbox backlog, all read at the instant the app's clock gives."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import func, select, text
from sqlalchemy.orm import Session

from tasking.models import OutboxMessage
from tasking.models.outbox import OutboxStatus
from tasking.scheduling.lease import last_heartbeat


def _iso(value: datetime | None) -> str | None:
    return value.isoformat() + "Z" if value else None


def scheduler_status(session: Session, *, now: datetime, max_silence: int) -> dict:
    """The active scheduler's last heartbeat; ``ok`` false when it has been
    silent longer than ``max_silence`` seconds (0: not watched)."""
    beat = last_heartbeat(session)
    silent = round((now - beat).total_seconds()) if beat else None
    watched = max_silence > 0
    ok = not watched or (silent is not None and silent <= max_silence)
    return {
        "ok": ok,
        "last_heartbeat": _iso(beat),
        "silent_seconds": silent,
        "max_silence_seconds": max_silence if watched else None,
    }


def outbox_status(session: Session, *, now: datetime) -> dict:
    """How many e-mails wait, and since when the oldest has waited."""
    count, oldest = session.execute(
        select(func.count(OutboxMessage.id), func.min(OutboxMessage.created_at)).where(
            OutboxMessage.status == OutboxStatus.PENDING.value
        )
    ).one()
    return {
        "pending": count,
        "oldest_pending_at": _iso(oldest),
        "oldest_pending_seconds": max(round((now - oldest).total_seconds()), 0) if oldest else None,
    }


def health(session: Session, *, now: datetime, max_silence: int) -> dict:
    """The full report; raises SQLAlchemyError when the database does not answer."""
    revision = session.execute(text("SELECT version_num FROM alembic_version")).scalar()
    scheduler = scheduler_status(session, now=now, max_silence=max_silence)
    return {
        "status": "ok" if scheduler["ok"] else "error",
        "database": session.get_bind().dialect.name,
        "schema": revision,
        "scheduler": scheduler,
        "outbox": outbox_status(session, now=now),
    }
