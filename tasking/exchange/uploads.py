"""Keeping an uploaded file between its preview and its confirmation."""

from __future__ import annotations

import secrets
from datetime import datetime, timedelta

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from tasking.models import PendingImport, User

# A preview left unconfirmed this long is forgotten.
LIFETIME = timedelta(hours=6)


def keep(
    session: Session,
    *,
    user: User,
    organisation_id: int,
    plan_id: int | None,
    kind: str,
    filename: str,
    content: bytes,
    now: datetime,
) -> PendingImport:
    """Store the file under a new random token; forget this user's earlier
    preview for the same target and everyone's expired ones."""
    session.execute(delete(PendingImport).where(PendingImport.created_at < now - LIFETIME))
    session.execute(
        delete(PendingImport).where(
            PendingImport.user_id == user.id,
            PendingImport.organisation_id == organisation_id,
            PendingImport.plan_id.is_(None) if plan_id is None else PendingImport.plan_id == plan_id,
        )
    )
    pending = PendingImport(
        token=secrets.token_urlsafe(32),
        user_id=user.id,
        organisation_id=organisation_id,
        plan_id=plan_id,
        kind=kind,
        filename=(filename or "")[:255],
        content=content,
        created_at=now,
    )
    session.add(pending)
    session.flush()
    return pending


def find(
    session: Session, *, token: str, user: User, organisation_id: int, plan_id: int | None, now: datetime
) -> PendingImport | None:
    """The user's own pending file for this target, if still fresh."""
    query = select(PendingImport).where(
        PendingImport.token == token,
        PendingImport.user_id == user.id,
        PendingImport.organisation_id == organisation_id,
        PendingImport.created_at >= now - LIFETIME,
    )
    query = query.where(
        PendingImport.plan_id.is_(None) if plan_id is None else PendingImport.plan_id == plan_id
    )
    return session.scalar(query)
