"""The retention of deactivated accounts' personal data (Law 25).

An organisation sets how many days it keeps the personal data of a
deactivated account (no setting: it keeps them). Once the account has been
deactivated longer than the longest period of every organisation the person
belongs to — an organisation that keeps them keeps them for all — the
person's name and e-mail are replaced by a pseudonym everywhere
(« Personne retirée 17 », retire-17@retablir.invalid), the secrets that let
anyone act as them are cleared, and a ``Pseudonymisation`` row records it.
Tasks, comments and history stay, under the pseudonym. The unique row per
person makes it happen once: a second run finds nothing to do.

Functions flush but never commit; the job (``jobs.py``) commits.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta

from flask_babel import gettext as _
from markupsafe import escape
from sqlalchemy import delete, func, or_, select, update
from sqlalchemy.orm import InstrumentedAttribute, Session

from tasking.core.errors import ServiceError
from tasking.core.permissions import is_org_admin
from tasking.models import (
    AccountDeactivation,
    Activity,
    ApiToken,
    CheckinAnswer,
    Comment,
    Measurement,
    MeetingAttendance,
    MeetingDecision,
    MeetingItem,
    Membership,
    Notification,
    Organisation,
    OrgRetention,
    OutboxMessage,
    PendingImport,
    Plan,
    Pseudonymisation,
    RecoveryCode,
    SecurityKey,
    SignInFailure,
    Task,
    User,
    WebhookDelivery,
)
from tasking.models.outbox import OutboxStatus
from tasking.securitylog import services as security_log

#: The longest period an organisation may set (a century: "keep" is no setting).
MAX_DAYS = 36500
#: Free text that may name a person: their name and e-mail are replaced in it.
TEXT_COLUMNS: tuple[InstrumentedAttribute, ...] = (
    Comment.body,
    Activity.old_value,
    Activity.new_value,
    Notification.detail,
    Task.description,
    Task.blocked_reason,
    CheckinAnswer.note,
    Measurement.note,
    MeetingAttendance.attendees,
    MeetingItem.note,
    MeetingItem.detail,
    MeetingDecision.text,
    OutboxMessage.subject,
    OutboxMessage.body_text,
    OutboxMessage.body_html,
    WebhookDelivery.payload,
)


def retention_of(session: Session, organisation_id: int) -> int | None:
    """The organisation's retention period in days, None when it keeps the data."""
    return session.scalar(select(OrgRetention.days).where(OrgRetention.organisation_id == organisation_id))


def set_retention(
    session: Session, *, actor: User, organisation: Organisation, days: str | None, now: datetime
) -> int | None:
    """Set (or, empty, remove) the retention period; ServiceError on a bad value."""
    if not is_org_admin(session, actor, organisation.id):
        raise ServiceError(_("Only the administrators of the organisation can change its settings."))
    text = (days or "").strip()
    value = None
    if text:
        if not text.isdigit() or not 1 <= int(text) <= MAX_DAYS:
            raise ServiceError(
                _("Retention: a whole number of days from 1 to %(max)d, or empty to keep.", max=MAX_DAYS),
                "days",
            )
        value = int(text)
    row = session.get(OrgRetention, organisation.id)
    if value is None:
        if row is not None:
            session.delete(row)
    elif row is None:
        session.add(
            OrgRetention(organisation_id=organisation.id, days=value, updated_at=now, updated_by_id=actor.id)
        )
    else:
        row.days, row.updated_at, row.updated_by_id = value, now, actor.id
    session.flush()
    return value


@dataclass(frozen=True)
class Due:
    """A person whose personal data are past every applicable retention."""

    user: User
    deactivated_at: datetime
    organisation_id: int
    days: int


def due_people(session: Session, now: datetime) -> list[Due]:
    """Deactivated, not yet pseudonymised people past the longest retention
    period of every organisation they belong to (none may keep them)."""
    candidates = session.execute(
        select(User, AccountDeactivation.deactivated_at)
        .join(AccountDeactivation, AccountDeactivation.user_id == User.id)
        .outerjoin(Pseudonymisation, Pseudonymisation.user_id == User.id)
        .where(User.active.is_(False), User.regional_region_id.is_(None), Pseudonymisation.id.is_(None))
        .order_by(User.id)
    ).all()
    if not candidates:
        return []
    periods = dict(session.execute(select(OrgRetention.organisation_id, OrgRetention.days)).all())
    orgs_of: dict[int, list[int]] = {}
    for user_id, org_id in session.execute(
        select(Membership.user_id, Membership.organisation_id).where(
            Membership.user_id.in_([user.id for user, _at in candidates])
        )
    ):
        orgs_of.setdefault(user_id, []).append(org_id)
    due = []
    for user, deactivated_at in candidates:
        orgs = orgs_of.get(user.id, [])
        if not orgs or any(org_id not in periods for org_id in orgs):
            continue
        longest = max(orgs, key=lambda org_id: (periods[org_id], -org_id))
        if now >= deactivated_at + timedelta(days=periods[longest]):
            due.append(Due(user, deactivated_at, longest, periods[longest]))
    return due


def pseudonymise(session: Session, due: Due, now: datetime) -> Pseudonymisation:
    """Replace the person's name and e-mail everywhere and clear what lets
    anyone act as them; recorded once (the record's id numbers the pseudonym)."""
    user = due.user
    record = Pseudonymisation(
        user_id=user.id,
        done_at=now,
        organisation_id=due.organisation_id,
        retention_days=due.days,
        deactivated_at=due.deactivated_at,
        reason="retention",
    )
    session.add(record)
    session.flush()
    old_name, old_email = user.name, user.email
    orgs = [m.organisation_id for m in user.memberships]
    security_log.pseudonymise(session, user, email=record.pseudonym_email)
    user.name, user.email = record.pseudonym, record.pseudonym_email
    _clear_secrets(session, user, old_email)
    session.flush()
    _rewrite_outbox(session, user, old_email)
    _replace_in_text(session, old_name, old_email, user)
    _replace_mentions(session, old_email, user, orgs)
    session.flush()
    return record


def _clear_secrets(session: Session, user: User, old_email: str) -> None:
    """No password, second factor, token, calendar feed or open session."""
    user.password_hash = None
    user.totp_secret = user.totp_enabled_at = user.totp_last_step = None
    user.calendar_token = None
    user.session_epoch += 1
    for model in (RecoveryCode, SecurityKey, ApiToken, PendingImport):
        session.execute(delete(model).where(model.user_id == user.id))
    session.execute(delete(SignInFailure).where(func.lower(SignInFailure.email) == old_email.lower()))


def _rewrite_outbox(session: Session, user: User, old_email: str) -> None:
    """The e-mails to the person now go to the pseudonym's address; those
    still waiting are never sent."""
    to_them = or_(OutboxMessage.user_id == user.id, func.lower(OutboxMessage.recipient) == old_email.lower())
    session.execute(
        update(OutboxMessage)
        .where(to_them, OutboxMessage.status == OutboxStatus.PENDING.value)
        .values(status=OutboxStatus.FAILED.value, last_error="Personal data removed (retention period).")
        .execution_options(synchronize_session=False)
    )
    session.execute(
        update(OutboxMessage)
        .where(to_them)
        .values(recipient=user.email)
        .execution_options(synchronize_session=False)
    )


def _patterns(old_name: str, old_email: str, user: User) -> list[tuple[re.Pattern, str]]:
    """The e-mail first (it may hold the name's words), then the name, as typed and HTML-escaped."""
    names = {old_name, str(escape(old_name))}
    patterns = [(re.compile(re.escape(old_email), re.IGNORECASE), user.email)]
    for name in sorted(names, key=len, reverse=True):
        patterns.append((re.compile(rf"(?<!\w){re.escape(name)}(?!\w)"), user.name))
    return patterns


def _replace_in_text(session: Session, old_name: str, old_email: str, user: User) -> None:
    patterns = _patterns(old_name, old_email, user)
    for column in TEXT_COLUMNS:
        looks = or_(
            column.contains(old_name, autoescape=True),
            func.lower(column).contains(old_email.lower(), autoescape=True),
        )
        if str(escape(old_name)) != old_name:
            looks = or_(looks, column.contains(str(escape(old_name)), autoescape=True))
        _rewrite_rows(session, column, select(column.class_.id, column).where(looks), patterns)


def _rewrite_rows(
    session: Session,
    column: InstrumentedAttribute,
    query,
    patterns: Iterable[tuple[re.Pattern, str]],  # noqa: ANN001
) -> None:
    model = column.class_
    for row_id, text in session.execute(query).all():
        new = text
        for pattern, replacement in patterns:
            new = pattern.sub(replacement, new)
        if new != text:
            # Core update: a task's version is not bumped by this rewrite.
            session.execute(
                update(model)
                .where(model.id == row_id)
                .values({column.key: new})
                .execution_options(synchronize_session=False)
            )


def _replace_mentions(session: Session, old_email: str, user: User, orgs: list[int]) -> None:
    """@handles (the e-mail's local part) in the comments of the person's
    organisations become the pseudonym's handle."""
    local = old_email.split("@")[0]
    if not orgs or not local:
        return
    handle = re.compile(rf"(?<![\w@.])@{re.escape(local)}(?![A-Za-z0-9._+@-])", re.IGNORECASE)
    new_handle = "@" + user.email.split("@")[0]
    query = (
        select(Comment.id, Comment.body)
        .join(Task, Task.id == Comment.task_id)
        .join(Plan, Plan.id == Task.plan_id)
        .where(
            Plan.organisation_id.in_(orgs),
            func.lower(Comment.body).contains("@" + local.lower(), autoescape=True),
        )
    )
    _rewrite_rows(session, Comment.body, query, [(handle, new_handle)])


def pseudonymisations(session: Session, organisation_id: int) -> list[Pseudonymisation]:
    """The records of an organisation's former members, newest first."""
    return list(
        session.scalars(
            select(Pseudonymisation)
            .join(Membership, Membership.user_id == Pseudonymisation.user_id)
            .where(Membership.organisation_id == organisation_id)
            .order_by(Pseudonymisation.done_at.desc(), Pseudonymisation.id.desc())
        )
    )
