"""One active scheduler at a time, with a lease row.

A scheduler acquires the lease by a conditional UPDATE (it holds it, or the
lease has expired) or, the first time, by inserting the row; it renews it on
every heartbeat. A second scheduler finds the lease taken and stands by; when
the holder stops renewing (crash, stop), the lease expires and the standby
takes over. Works the same on SQLite and PostgreSQL.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import or_, select, update
from sqlalchemy.orm import Session

from tasking.core.claim import claim
from tasking.models import SchedulerLease

LEASE_NAME = "scheduler"


def acquire(session: Session, *, holder: str, now: datetime, ttl: timedelta, name: str = LEASE_NAME) -> bool:
    """Take or renew the lease for ``ttl``; True when ``holder`` has it. Commits."""
    expires = now + ttl
    result = session.execute(
        update(SchedulerLease)
        .where(
            SchedulerLease.name == name,
            or_(SchedulerLease.holder == holder, SchedulerLease.expires_at <= now),
        )
        .values(holder=holder, expires_at=expires, renewed_at=now)
    )
    held = result.rowcount == 1 or claim(
        session, SchedulerLease, name=name, holder=holder, expires_at=expires, renewed_at=now
    )
    session.commit()
    return held


def release(session: Session, *, holder: str, now: datetime, name: str = LEASE_NAME) -> None:
    """Give the lease up at once (clean shutdown), so a standby need not wait. Commits."""
    session.execute(
        update(SchedulerLease)
        .where(SchedulerLease.name == name, SchedulerLease.holder == holder)
        .values(expires_at=now)
    )
    session.commit()


def last_heartbeat(session: Session, *, name: str = LEASE_NAME) -> datetime | None:
    """When the active scheduler last renewed its lease (None: never)."""
    return session.scalar(select(SchedulerLease.renewed_at).where(SchedulerLease.name == name))


def current_holder(session: Session, *, now: datetime, name: str = LEASE_NAME) -> str | None:
    """Who holds an unexpired lease, if anyone."""
    return session.scalar(
        select(SchedulerLease.holder).where(SchedulerLease.name == name, SchedulerLease.expires_at > now)
    )
