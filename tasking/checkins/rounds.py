"""Opening rounds, e-mailing people, the late reminder, nudges and closing.

Every e-mail of a round is claimed first (a ``CheckinMessage`` row, unique
per round, person and kind) and its outbox key is unique too: opening a
round twice, or two schedulers at once, sends each message once.

Functions flush but never commit: the jobs in ``checkins/jobs.py`` and the
requests commit.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from flask_babel import gettext as _
from sqlalchemy import select
from sqlalchemy.orm import Session

from tasking.checkins import links
from tasking.checkins.timing import due_round
from tasking.core.calendar import ON_TIME, in_working_hours
from tasking.core.claim import claim
from tasking.core.clock import local_today
from tasking.core.errors import ServiceError
from tasking.core.permissions import is_org_admin
from tasking.models import (
    CheckinAnswer,
    CheckinMessage,
    CheckinRound,
    Membership,
    Organisation,
    Plan,
    Role,
    Task,
    TaskStatus,
    User,
)
from tasking.models.checkin import CheckinMessageKind
from tasking.outbox.queue import queue


@dataclass
class CheckinReport:
    opened: int = 0
    queued: int = 0
    reminded: int = 0

    def as_line(self) -> str:
        return f"opened={self.opened} queued={self.queued} reminded={self.reminded}"


def open_actions(session: Session, organisation_id: int, owner_ids: list[int] | None = None) -> list[Task]:
    """The open actions of the organisation's live plans that have an active
    owner who is an admin or member there; optionally only those of some owners."""
    query = (
        select(Task)
        .join(Plan, Plan.id == Task.plan_id)
        .join(User, User.id == Task.owner_id)
        .join(
            Membership,
            (Membership.user_id == User.id) & (Membership.organisation_id == Plan.organisation_id),
        )
        .where(
            Plan.organisation_id == organisation_id,
            Plan.archived_at.is_(None),
            Task.archived_at.is_(None),
            Task.status != TaskStatus.DONE.value,
            User.active.is_(True),
            Membership.role.in_([Role.ADMIN.value, Role.MEMBER.value]),
        )
        .order_by(Task.id)
    )
    if owner_ids is not None:
        query = query.where(Task.owner_id.in_(owner_ids))
    return list(session.scalars(query))


def late_first(tasks: list[Task], today: date) -> list[Task]:
    """Late actions first (oldest due date first), then by due date, undated last."""
    return sorted(
        tasks,
        key=lambda t: (not t.is_overdue(today), t.due_date is None, t.due_date or date.max, t.title),
    )


def current_round(session: Session, organisation_id: int, now: datetime) -> CheckinRound | None:
    """The organisation's round open at ``now``, if any."""
    return session.scalar(
        select(CheckinRound).where(
            CheckinRound.organisation_id == organisation_id,
            CheckinRound.closed_at.is_(None),
            CheckinRound.opens_at <= now,
            CheckinRound.closes_at > now,
        )
    )


def _email(
    session: Session, checkin: CheckinRound, user: User, tasks: list[Task], kind: str, now: datetime
) -> bool:
    """Claim and queue one e-mail of the round; False if it was sent already."""
    if not claim(session, CheckinMessage, round_id=checkin.id, user_id=user.id, kind=kind, sent_at=now):
        return False
    organisation = checkin.organisation
    today = local_today(now, organisation.timezone)
    row = queue(
        session,
        dedupe_key=f"checkin:{checkin.id}:{kind}:user{user.id}",
        kind="checkin",
        recipient=user.email,
        template="checkin",
        now=now,
        user=user,
        organisation_id=organisation.id,
        variant=kind,
        week=checkin.week,
        organisation=organisation,
        tasks=late_first(tasks, today),
        today=today,
        link=links.update_url(checkin.id, user.id),
        closes_at=checkin.closes_at,
        timezone=organisation.timezone,
    )
    return row is not None


def _by_owner(tasks: list[Task]) -> dict[int, list[Task]]:
    owners: dict[int, list[Task]] = {}
    for task in tasks:
        owners.setdefault(task.owner_id, []).append(task)
    return owners


def open_round(session: Session, organisation: Organisation, now: datetime) -> tuple[bool, int]:
    """Open the organisation's round due at ``now`` (if any) and invite
    everyone owning open actions who was not invited yet: (opened, queued)."""
    times = due_round(organisation, now)
    if times is None:
        return False, 0
    opened = claim(
        session,
        CheckinRound,
        organisation_id=organisation.id,
        week=times.week,
        opens_at=times.opens_at,
        remind_at=times.remind_at,
        closes_at=times.closes_at,
        created_at=now,
    )
    checkin = session.scalar(
        select(CheckinRound).where(
            CheckinRound.organisation_id == organisation.id, CheckinRound.week == times.week
        )
    )
    if not checkin.is_open(now):
        return opened, 0
    owners = _by_owner(open_actions(session, organisation.id))
    people = session.scalars(select(User).where(User.id.in_(list(owners))).order_by(User.id))
    queued = sum(
        _email(session, checkin, user, owners[user.id], CheckinMessageKind.INVITATION.value, now)
        for user in people
    )
    session.flush()
    return opened, queued


def answered_user_ids(session: Session, round_id: int) -> set[int]:
    return set(
        session.scalars(
            select(CheckinAnswer.user_id)
            .where(CheckinAnswer.round_id == round_id, CheckinAnswer.user_id.is_not(None))
            .distinct()
        )
    )


def invited_user_ids(session: Session, round_id: int) -> set[int]:
    return set(
        session.scalars(
            select(CheckinMessage.user_id).where(
                CheckinMessage.round_id == round_id,
                CheckinMessage.kind == CheckinMessageKind.INVITATION.value,
                CheckinMessage.user_id.is_not(None),
            )
        )
    )


def send_late_reminders(session: Session, checkin: CheckinRound, now: datetime) -> int:
    """Once the grace period is over, one reminder to each invited person
    who has not answered yet (during working hours, as other reminders)."""
    if not checkin.is_open(now) or now < checkin.remind_at:
        return 0
    if now >= checkin.remind_at + ON_TIME and not in_working_hours(now, checkin.organisation.timezone):
        return 0
    waiting = invited_user_ids(session, checkin.id) - answered_user_ids(session, checkin.id)
    if not waiting:
        return 0
    owners = _by_owner(open_actions(session, checkin.organisation_id, sorted(waiting)))
    people = session.scalars(select(User).where(User.id.in_(list(owners))).order_by(User.id))
    sent = sum(
        _email(session, checkin, user, owners[user.id], CheckinMessageKind.LATE.value, now) for user in people
    )
    session.flush()
    return sent


def organisations(session: Session, slug: str | None) -> list[Organisation]:
    """Every organisation, or the one of ``slug``; ServiceError for an unknown slug."""
    query = select(Organisation).order_by(Organisation.id)
    if slug is not None:
        query = query.where(Organisation.slug == slug)
    found = list(session.scalars(query))
    if slug is not None and not found:
        raise ServiceError(_("Unknown organisation “%(slug)s”.", slug=slug))
    return found


def rounds_to_remind(session: Session, organisation_ids: list[int], now: datetime) -> list[CheckinRound]:
    """The open rounds of these organisations whose late reminder is due at ``now``."""
    return list(
        session.scalars(
            select(CheckinRound)
            .where(
                CheckinRound.organisation_id.in_(organisation_ids),
                CheckinRound.closed_at.is_(None),
                CheckinRound.remind_at <= now,
                CheckinRound.closes_at > now,
            )
            .order_by(CheckinRound.id)
        )
    )


def nudge(session: Session, *, actor: User, checkin: CheckinRound, user_id: int, now: datetime) -> User:
    """« Relancer »: one e-mail to an invited person who has not answered,
    at most once per round. Returns the person nudged."""
    if not is_org_admin(session, actor, checkin.organisation_id):
        raise ServiceError(_("Only the administrators of the organisation can follow up a round."))
    if not checkin.is_open(now):
        raise ServiceError(_("This round is closed."))
    if user_id not in invited_user_ids(session, checkin.id):
        raise ServiceError(_("This person was not asked for an update in this round."))
    if user_id in answered_user_ids(session, checkin.id):
        raise ServiceError(_("This person has already answered."))
    user = session.get(User, user_id)
    tasks = open_actions(session, checkin.organisation_id, [user_id])
    if not _email(session, checkin, user, tasks, CheckinMessageKind.NUDGE.value, now):
        raise ServiceError(_("%(name)s was already followed up in this round.", name=user.name))
    session.flush()
    return user


def close_round(session: Session, *, actor: User, checkin: CheckinRound, now: datetime) -> None:
    """« Clore la tournée »: the round closes now; its links stop working."""
    if not is_org_admin(session, actor, checkin.organisation_id):
        raise ServiceError(_("Only the administrators of the organisation can close a round."))
    if not checkin.is_open(now):
        raise ServiceError(_("This round is already closed."))
    checkin.closed_at = now
    checkin.closed_by_id = actor.id
    session.flush()
