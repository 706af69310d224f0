"""Reading and pruning the security log.

An organisation's admins see the events that happened in their organisation
(a role changed, a plan exported) and the events of no organisation (a
sign-in, a password changed, a token created) by or about its members. The
app has no site-wide administrator: an event of no organisation about no
account (a failed sign-in with an address nobody uses) is kept, and purged,
but shown on no page.

Functions flush but never commit: the caller commits once.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Any

from sqlalchemy import ColumnElement, Select, delete, func, or_, select
from sqlalchemy.orm import Session, aliased

from tasking.core.clock import zone
from tasking.models import Membership, SecurityEvent, User

PER_PAGE = 50


@dataclass(frozen=True)
class Filters:
    """What the admin page narrows the log to; None means any."""

    kind: str | None = None
    person_id: int | None = None
    since: date | None = None
    until: date | None = None
    address: str | None = None

    def as_args(self) -> dict[str, str]:
        """The filters as the page's query string (for links to other pages and the CSV)."""
        values = {
            "kind": self.kind,
            "person": self.person_id,
            "since": self.since and self.since.isoformat(),
            "until": self.until and self.until.isoformat(),
            "address": self.address,
        }
        return {key: str(value) for key, value in values.items() if value}


@dataclass(frozen=True)
class EventRow:
    """One event as the page and the CSV show it."""

    id: int
    at: datetime
    kind: str
    actor_name: str | None
    actor_email: str | None
    subject_name: str | None
    subject_email: str | None
    address: str | None
    user_agent: str | None
    detail: dict[str, Any] | None


def scope(organisation_id: int) -> ColumnElement[bool]:
    """The events an organisation's admins may read."""
    members = select(Membership.user_id).where(Membership.organisation_id == organisation_id)
    return or_(
        SecurityEvent.organisation_id == organisation_id,
        SecurityEvent.organisation_id.is_(None)
        & (SecurityEvent.subject_user_id.in_(members) | SecurityEvent.actor_user_id.in_(members)),
    )


def _local_midnight(day: date, timezone: str | None) -> datetime:
    """The naive-UTC instant a local calendar day starts at."""
    start = datetime.combine(day, time(0), tzinfo=zone(timezone))
    return start.astimezone(zone("UTC")).replace(tzinfo=None)


def _narrowed(query: Select, filters: Filters, timezone: str | None) -> Select:
    if filters.kind:
        query = query.where(SecurityEvent.kind == filters.kind)
    if filters.person_id:
        query = query.where(
            (SecurityEvent.actor_user_id == filters.person_id)
            | (SecurityEvent.subject_user_id == filters.person_id)
        )
    if filters.since:
        query = query.where(SecurityEvent.at >= _local_midnight(filters.since, timezone))
    if filters.until:
        query = query.where(SecurityEvent.at < _local_midnight(filters.until + timedelta(days=1), timezone))
    if filters.address:
        # A prefix finds a network (« 10.0. »); « % » and « _ » are taken literally.
        query = query.where(SecurityEvent.address.startswith(filters.address, autoescape=True))
    return query


def _rows_query(organisation_id: int, filters: Filters, timezone: str | None) -> Select:
    actor, subject = aliased(User), aliased(User)
    query = (
        select(
            SecurityEvent.id,
            SecurityEvent.at,
            SecurityEvent.kind,
            actor.name,
            actor.email,
            subject.name,
            subject.email,
            SecurityEvent.address,
            SecurityEvent.user_agent,
            SecurityEvent.detail,
        )
        .outerjoin(actor, actor.id == SecurityEvent.actor_user_id)
        .outerjoin(subject, subject.id == SecurityEvent.subject_user_id)
        .where(scope(organisation_id))
    )
    return _narrowed(query, filters, timezone).order_by(SecurityEvent.at.desc(), SecurityEvent.id.desc())


def events_page(
    session: Session, organisation_id: int, filters: Filters, *, page: int = 1, timezone: str | None = None
) -> tuple[list[EventRow], int]:
    """One page of the organisation's events, newest first, and how many match in all."""
    page = max(page, 1)
    total_query = _narrowed(
        select(func.count(SecurityEvent.id)).where(scope(organisation_id)), filters, timezone
    )
    rows = session.execute(
        _rows_query(organisation_id, filters, timezone).limit(PER_PAGE).offset((page - 1) * PER_PAGE)
    )
    return [EventRow(*row) for row in rows], session.scalar(total_query) or 0


def all_events(
    session: Session, organisation_id: int, filters: Filters, *, timezone: str | None = None
) -> list[EventRow]:
    """Every event matching the filters, newest first (the CSV export)."""
    return [EventRow(*row) for row in session.execute(_rows_query(organisation_id, filters, timezone))]


def events_about(session: Session, user: User) -> list[SecurityEvent]:
    """Every event by or about the person, oldest first: what the personal-data
    export (Law 25) includes. Kind, instant, address, browser and detail are
    the person's own data; the ids of other people (an admin who changed
    their role) are for the caller to show or leave out."""
    return list(
        session.scalars(
            select(SecurityEvent)
            .where((SecurityEvent.subject_user_id == user.id) | (SecurityEvent.actor_user_id == user.id))
            .order_by(SecurityEvent.at, SecurityEvent.id)
        )
    )


def pseudonymise(session: Session, user: User, *, email: str) -> int:
    """Replace the person's e-mail address where the log's details hold it
    (a failed sign-in, an invitation) by ``email``, for the retention of
    Law 25; the events themselves stay. How many were changed."""
    address = user.email.lower()
    changed = 0
    for event in session.scalars(
        select(SecurityEvent).where(
            (SecurityEvent.subject_user_id == user.id) | (SecurityEvent.actor_user_id == user.id)
        )
    ):
        if event.detail and str(event.detail.get("email") or "").lower() == address:
            # A new dict: the JSON column notices assignments, not changes in place.
            event.detail = {**event.detail, "email": email}
            changed += 1
    session.flush()
    return changed


def purge(session: Session, *, now: datetime, days: int) -> int:
    """Delete the events older than ``days`` (at least one); how many went."""
    cutoff = now - timedelta(days=max(days, 1))
    result = session.execute(delete(SecurityEvent).where(SecurityEvent.at < cutoff))
    return result.rowcount or 0
