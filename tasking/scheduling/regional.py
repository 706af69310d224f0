"""The regional weekly digest, before the weekly coordination meeting
(*statutaire hebdomadaire*) of the municipalities of a region.

Each region chooses its slot (``digest_weekday``, ``digest_time``, in its
time zone; default Thursday 08:00). The digest is the region's summary
(``tasking.regions.summary``), short enough to read in five minutes: one
table of the municipalities (progress and its change since last week,
overdue, blocked, check-in response rate), what needs the region, what is new
since the last meeting and the open follow-ups; each municipality's detail is
a link to its plan dashboard, not pasted in.

It goes to each regional coordinator of the region and to each municipality's
admins. An admin reads the other municipalities as aggregates only (their
row of the table, counts): action titles of another municipality appear only
where their owners addressed the region (help requests) — see
``RegionSummary.for_viewer``. The job also keeps each plan's counts of the
week (``PlanWeek``), what next week's "since last week" compares to.

A ``DigestLog`` row per person, region and ISO week, and the outbox key
``regional:<region>:<ISO week>:user<id>``, make a second run do nothing.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, time, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from tasking.core.calendar import due_weekly_slot, parse_hhmm
from tasking.core.claim import claim_many
from tasking.models import (
    DigestLog,
    Membership,
    NotificationPreference,
    Organisation,
    PlanWeek,
    Region,
    Role,
    User,
)
from tasking.notifications import links
from tasking.notifications.services import unsubscribe_headers
from tasking.outbox.queue import insert_outbox, outbox_values
from tasking.regions.summary import LIST_LIMIT, RegionSummary, record_week, region_summary, signed

DEFAULT_SLOT = time(8, 0)


@dataclass
class RegionalReport:
    queued: int = 0

    def as_line(self) -> str:
        return f"queued={self.queued}"


def regional_key(region: Region, period: str, user_id: int) -> str:
    return f"regional:{region.slug}:{period}:user{user_id}"


def recipients(session: Session, region: Region) -> list[tuple[User, set[int] | None]]:
    """(person, municipalities whose actions they may read, None = all) for the region."""
    people: dict[int, tuple[User, set[int] | None]] = {}
    for user in session.scalars(
        select(User).where(User.regional_region_id == region.id, User.active.is_(True)).order_by(User.id)
    ):
        people[user.id] = (user, None)
    for user, organisation_id in session.execute(
        select(User, Membership.organisation_id)
        .join(Membership, Membership.user_id == User.id)
        .join(Organisation, Organisation.id == Membership.organisation_id)
        .where(
            Organisation.region_id == region.id,
            Membership.role == Role.ADMIN.value,
            User.active.is_(True),
        )
        .order_by(User.id)
    ):
        if user.id in people and people[user.id][1] is None:
            continue
        people.setdefault(user.id, (user, set()))[1].add(organisation_id)
    return [people[uid] for uid in sorted(people)]


def _waiting(session: Session, region: Region, period: str) -> list[tuple[User, set[int] | None]]:
    """The recipients not served yet this period who did not turn the digest off."""
    kind = f"regional:{region.id}"
    people = recipients(session, region)
    ids = [u.id for u, _orgs in people]
    if not ids:
        return []
    already = set(
        session.scalars(
            select(DigestLog.user_id).where(
                DigestLog.kind == kind, DigestLog.period == period, DigestLog.user_id.in_(ids)
            )
        )
    )
    off = set(
        session.scalars(
            select(NotificationPreference.user_id).where(
                NotificationPreference.kind == "regional_digest",
                NotificationPreference.channel == "never",
                NotificationPreference.user_id.in_(ids),
            )
        )
    )
    return [(u, orgs) for u, orgs in people if u.id not in already and u.id not in off]


def _week_recorded(session: Session, region: Region, period: str) -> bool:
    return (
        session.scalar(
            select(PlanWeek.id)
            .join(Organisation, Organisation.id == PlanWeek.organisation_id)
            .where(Organisation.region_id == region.id, PlanWeek.week == period)
            .limit(1)
        )
        is not None
    )


def last_meeting(region: Region, now: datetime) -> datetime:
    """The previous weekly slot (naive UTC): "new since the last meeting" starts there."""
    slot = due_weekly_slot(
        now, region.timezone, region.digest_weekday, parse_hhmm(region.digest_time, DEFAULT_SLOT)
    )
    return (slot[1] if slot else now) - timedelta(days=7)


def digest_region(session: Session, region: Region, period: str, *, now: datetime) -> int:
    """Record the week's counts, then queue the region's digest for each
    recipient not served yet this ``period``; how many were queued. Flushes,
    never commits."""
    people = _waiting(session, region, period)
    if not people and _week_recorded(session, region, period):
        return 0
    summary = region_summary(session, region, now=now, week=period, since=last_meeting(region, now))
    record_week(session, summary)
    if not people or not any(row.link for row in summary.rows):
        session.flush()
        return 0
    won = claim_many(
        session,
        DigestLog,
        [
            {
                "user_id": u.id,
                "kind": f"regional:{region.id}",
                "period": period,
                "queued": True,
                "created_at": now,
            }
            for u, _orgs in people
        ],
        DigestLog.user_id,
    )
    messages = [_message(region, summary, user, visible, now) for user, visible in people if user.id in won]
    queued = insert_outbox(session, messages)
    session.flush()
    return queued


def digest_context(summary: RegionSummary, visible: set[int] | None) -> dict:
    """What the templates show one reader (``visible``: see ``RegionSummary.for_viewer``)."""
    return {
        "summary": summary.for_viewer(visible),
        "coordinator": visible is None,
        "list_limit": LIST_LIMIT,
        "signed": signed,
        # A blocker shared by many names a few municipalities and actions, and counts the rest.
        "shared_limit": 8,
        "shared_names": 5,
        "shared_actions": 3,
    }


def _message(
    region: Region, summary: RegionSummary, user: User, visible: set[int] | None, now: datetime
) -> dict:
    return outbox_values(
        dedupe_key=regional_key(region, summary.week, user.id),
        kind="regional_digest",
        user=user,
        template="regional_digest",
        now=now,
        headers=unsubscribe_headers(user, "regional_digest"),
        unsubscribe_link=links.unsubscribe_url(user, "regional_digest"),
        preferences_link=links.preferences_url(),
        **digest_context(summary, visible),
    )


def due_regions(session: Session, *, now: datetime) -> list[tuple[Region, str]]:
    """The regions whose weekly slot is due at ``now``, each with the period it is for."""
    due = []
    for region in session.scalars(select(Region).order_by(Region.id)).all():
        slot = due_weekly_slot(
            now,
            region.timezone,
            region.digest_weekday,
            parse_hhmm(region.digest_time, DEFAULT_SLOT),
            since=region.created_at,
        )
        if slot is not None:
            due.append((region, slot[0]))
    return due
