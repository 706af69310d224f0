"""What the app holds about a person, section by section: each section reads
its rows for the export (JSON document and one CSV file each).

``SECTIONS`` is the registry: a feature that stores more about people adds
its ``Section`` to the list (e.g. the security log's entries) and the export
carries it, in the JSON and as a CSV file, with no other change.

``scope`` is None for the person's own export (everything), or the ids of
the organisations whose data an administrator may hand over; sections that
belong to the account rather than to an organisation (``account_wide``) are
in the person's own export only. No section ever reads a password hash, a
second-factor secret, a token's secret or an e-mail's body (which holds
personal links).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Select, func, or_, select
from sqlalchemy.orm import Session

from tasking.models import (
    AccountDeactivation,
    Activity,
    ApiToken,
    CheckinAnswer,
    Comment,
    Measurement,
    MeetingAttendance,
    MeetingDecision,
    MeetingFollowUp,
    MeetingItem,
    Membership,
    Notification,
    NotificationPreference,
    OperationalObjective,
    Organisation,
    OutboxMessage,
    Plan,
    SecurityKey,
    Target,
    Task,
    Theme,
    User,
    task_collaborators,
)
from tasking.securitylog import services as security_log

Scope = frozenset[int] | None
Rows = list[dict[str, Any]]


@dataclass(frozen=True)
class Section:
    """One kind of data: ``key`` names the JSON member and the CSV file;
    ``rows(session, subject, scope)`` reads them with ``columns`` as keys."""

    key: str
    columns: tuple[str, ...]
    rows: Callable[[Session, User, Scope], Rows]
    account_wide: bool = False


def _in_scope(query: Select, organisation_column: Any, scope: Scope) -> Select:
    return query if scope is None else query.where(organisation_column.in_(scope))


def _pick(row: Any, columns: Iterable[str]) -> dict[str, Any]:
    return {name: getattr(row, name) for name in columns}


ACCOUNT = ("id", "name", "email", "language", "created_at", "last_sign_in_at", "active", "deactivated_at")
ACCOUNT_MORE = ("two_factor_enabled", "two_factor_since", "calendar_feed", "regional_coordination")


def account_rows(session: Session, subject: User, scope: Scope) -> Rows:
    deactivation = session.get(AccountDeactivation, subject.id)
    region = subject.regional_region
    return [
        {
            "id": subject.id,
            "name": subject.name,
            "email": subject.email,
            "language": subject.locale,
            "created_at": subject.created_at,
            "last_sign_in_at": subject.last_login_at,
            "active": subject.active,
            "deactivated_at": deactivation.deactivated_at if deactivation else None,
            # Whether, never the secrets themselves.
            "two_factor_enabled": subject.has_two_factor,
            "two_factor_since": subject.totp_enabled_at,
            "calendar_feed": subject.calendar_token is not None,
            "regional_coordination": region.name if region else None,
        }
    ]


MEMBERSHIPS = ("organisation", "role", "since")


def membership_rows(session: Session, subject: User, scope: Scope) -> Rows:
    query = (
        select(Organisation.name.label("organisation"), Membership.role, Membership.created_at.label("since"))
        .join(Organisation, Organisation.id == Membership.organisation_id)
        .where(Membership.user_id == subject.id)
        .order_by(Membership.id)
    )
    return [_pick(row, MEMBERSHIPS) for row in session.execute(_in_scope(query, Organisation.id, scope))]


TASKS = (
    "task_id",
    "organisation",
    "plan",
    "title",
    "relation",
    "status",
    "due_date",
    "meeting_follow_up",
    "created_at",
    "updated_at",
    "completed_at",
)


def _task_query(scope: Scope) -> Select:
    query = (
        select(
            Task.id.label("task_id"),
            Organisation.name.label("organisation"),
            Plan.title.label("plan"),
            Task.title,
            Task.status,
            Task.due_date,
            (MeetingFollowUp.task_id.is_not(None)).label("meeting_follow_up"),
            Task.created_at,
            Task.updated_at,
            Task.completed_at,
        )
        .join(Plan, Plan.id == Task.plan_id)
        .join(Organisation, Organisation.id == Plan.organisation_id)
        .outerjoin(MeetingFollowUp, MeetingFollowUp.task_id == Task.id)
        .order_by(Task.id)
    )
    return _in_scope(query, Plan.organisation_id, scope)


def task_rows(session: Session, subject: User, scope: Scope) -> Rows:
    """The actions the person is responsible for, then those they help with."""
    owned = session.execute(_task_query(scope).where(Task.owner_id == subject.id))
    helped = session.execute(
        _task_query(scope)
        .join(task_collaborators, task_collaborators.c.task_id == Task.id)
        .where(task_collaborators.c.user_id == subject.id)
    )
    rows = [{**row._asdict(), "relation": "owner"} for row in owned]
    rows += [{**row._asdict(), "relation": "collaborator"} for row in helped]
    return [_pick_dict(row, TASKS) for row in rows]


def _pick_dict(row: dict[str, Any], columns: Iterable[str]) -> dict[str, Any]:
    return {name: row.get(name) for name in columns}


def _task_joined(query: Select, task_column: Any, scope: Scope) -> Select:
    query = query.join(Task, Task.id == task_column).join(Plan, Plan.id == Task.plan_id)
    return _in_scope(query, Plan.organisation_id, scope)


COMMENTS = ("comment_id", "task_id", "task", "written_at", "body")


def comment_rows(session: Session, subject: User, scope: Scope) -> Rows:
    query = select(
        Comment.id.label("comment_id"),
        Comment.task_id,
        Task.title.label("task"),
        Comment.created_at.label("written_at"),
        Comment.body,
    ).where(Comment.author_id == subject.id)
    query = _task_joined(query, Comment.task_id, scope).order_by(Comment.id)
    return [_pick(row, COMMENTS) for row in session.execute(query)]


ANSWERS = ("answer_id", "task_id", "task", "health", "note", "new_due_date", "due_date_reason", "nothing_new")
ANSWERS_AT = (*ANSWERS, "answered_at")


def checkin_rows(session: Session, subject: User, scope: Scope) -> Rows:
    query = select(
        CheckinAnswer.id.label("answer_id"),
        CheckinAnswer.task_id,
        Task.title.label("task"),
        CheckinAnswer.health,
        CheckinAnswer.note,
        CheckinAnswer.new_due_date,
        CheckinAnswer.due_date_reason,
        CheckinAnswer.nothing_new,
        CheckinAnswer.created_at.label("answered_at"),
    ).where(CheckinAnswer.user_id == subject.id)
    query = _task_joined(query, CheckinAnswer.task_id, scope).order_by(CheckinAnswer.id)
    return [_pick(row, ANSWERS_AT) for row in session.execute(query)]


MEASUREMENTS = ("measurement_id", "target_id", "value", "measured_on", "note", "recorded_at")


def measurement_rows(session: Session, subject: User, scope: Scope) -> Rows:
    query = (
        select(
            Measurement.id.label("measurement_id"),
            Measurement.target_id,
            Measurement.value,
            Measurement.measured_on,
            Measurement.note,
            Measurement.created_at.label("recorded_at"),
        )
        .join(Target, Target.id == Measurement.target_id)
        .join(OperationalObjective, OperationalObjective.id == Target.objective_id)
        .join(Theme, Theme.id == OperationalObjective.theme_id)
        .join(Plan, Plan.id == Theme.plan_id)
        .where(Measurement.author_id == subject.id)
        .order_by(Measurement.id)
    )
    rows = session.execute(_in_scope(query, Plan.organisation_id, scope))
    return [_pick(row, MEASUREMENTS) for row in rows]


HISTORY = ("task_id", "kind", "field", "old_value", "new_value", "at")


def history_rows(session: Session, subject: User, scope: Scope) -> Rows:
    """The history lines of the changes the person made."""
    query = (
        select(
            Activity.task_id,
            Activity.kind,
            Activity.field,
            Activity.old_value,
            Activity.new_value,
            Activity.created_at.label("at"),
        )
        .where(Activity.actor_id == subject.id)
        .order_by(Activity.id)
    )
    return [_pick(row, HISTORY) for row in session.execute(_in_scope(query, Activity.organisation_id, scope))]


ATTENDANCE = ("meeting_id", "organisation", "present", "attendees")


def attendance_rows(session: Session, subject: User, scope: Scope) -> Rows:
    """The regional meetings whose attendance list names the person."""
    query = (
        select(
            MeetingAttendance.meeting_id,
            Organisation.name.label("organisation"),
            MeetingAttendance.present,
            MeetingAttendance.attendees,
        )
        .join(Organisation, Organisation.id == MeetingAttendance.organisation_id)
        .where(MeetingAttendance.attendees.contains(subject.name))
        .order_by(MeetingAttendance.id)
    )
    rows = session.execute(_in_scope(query, MeetingAttendance.organisation_id, scope))
    return [_pick(row, ATTENDANCE) for row in rows]


DECISIONS = ("decision_id", "meeting_id", "text", "written_at")


def decision_rows(session: Session, subject: User, scope: Scope) -> Rows:
    query = (
        select(
            MeetingDecision.id.label("decision_id"),
            MeetingItem.meeting_id,
            MeetingDecision.text,
            MeetingDecision.created_at.label("written_at"),
        )
        .join(MeetingItem, MeetingItem.id == MeetingDecision.item_id)
        .where(MeetingDecision.author_id == subject.id)
        .order_by(MeetingDecision.id)
    )
    return [_pick(row, DECISIONS) for row in session.execute(query)]


NOTIFICATIONS = ("notification_id", "kind", "task_id", "task", "detail", "created_at", "read_at")


def notification_rows(session: Session, subject: User, scope: Scope) -> Rows:
    query = (
        select(
            Notification.id.label("notification_id"),
            Notification.kind,
            Notification.task_id,
            Task.title.label("task"),
            Notification.detail,
            Notification.created_at,
            Notification.read_at,
        )
        .outerjoin(Task, Task.id == Notification.task_id)
        .outerjoin(Plan, Plan.id == Task.plan_id)
        .where(Notification.user_id == subject.id)
        .order_by(Notification.id)
    )
    query = _in_scope(query, Plan.organisation_id, scope)
    return [_pick(row, NOTIFICATIONS) for row in session.execute(query)]


EMAILS = ("email_id", "kind", "recipient", "subject", "status", "created_at", "sent_at")


def email_rows(session: Session, subject: User, scope: Scope) -> Rows:
    """The e-mails written to the person (the outbox), without their bodies:
    those hold sign-in, reset and one-click links."""
    query = (
        select(
            OutboxMessage.id.label("email_id"),
            OutboxMessage.kind,
            OutboxMessage.recipient,
            OutboxMessage.subject,
            OutboxMessage.status,
            OutboxMessage.created_at,
            OutboxMessage.sent_at,
        )
        .where(
            or_(
                OutboxMessage.user_id == subject.id,
                func.lower(OutboxMessage.recipient) == subject.email.lower(),
            )
        )
        .order_by(OutboxMessage.id)
    )
    rows = session.execute(_in_scope(query, OutboxMessage.organisation_id, scope))
    return [_pick(row, EMAILS) for row in rows]


PREFERENCES = ("kind", "channel", "updated_at")


def preference_rows(session: Session, subject: User, scope: Scope) -> Rows:
    query = select(NotificationPreference).where(NotificationPreference.user_id == subject.id)
    return [_pick(row, PREFERENCES) for row in session.scalars(query.order_by(NotificationPreference.id))]


TOKENS = ("name", "scope", "created_at", "expires_at", "last_used_at", "revoked_at")


def token_rows(session: Session, subject: User, scope: Scope) -> Rows:
    """Personal access tokens: names and dates, never a secret nor its prefix."""
    query = select(ApiToken).where(ApiToken.user_id == subject.id).order_by(ApiToken.id)
    return [_pick(row, TOKENS) for row in session.scalars(query)]


SECURITY_KEYS = ("name", "transports", "created_at", "last_used_at")


def security_key_rows(session: Session, subject: User, scope: Scope) -> Rows:
    """Security keys (WebAuthn): names and dates, never the key or its id."""
    query = select(SecurityKey).where(SecurityKey.user_id == subject.id).order_by(SecurityKey.id)
    return [_pick(row, SECURITY_KEYS) for row in session.scalars(query)]


SECURITY = ("at", "kind", "role", "organisation_id", "address", "user_agent", "detail")


def security_rows(session: Session, subject: User, scope: Scope) -> Rows:
    """The security log's entries by or about the person (sign-ins, changes
    to their account); ``role`` says which."""
    return [
        {
            "at": event.at,
            "kind": event.kind,
            "role": "actor" if event.actor_user_id == subject.id else "subject",
            "organisation_id": event.organisation_id,
            "address": event.address,
            "user_agent": event.user_agent,
            "detail": event.detail,
        }
        for event in security_log.events_about(session, subject)
        if scope is None or event.organisation_id in scope
    ]


#: Every section of the export, in order (see the module's docstring).
SECTIONS: list[Section] = [
    Section("account", ACCOUNT + ACCOUNT_MORE, account_rows),
    Section("memberships", MEMBERSHIPS, membership_rows),
    Section("tasks", TASKS, task_rows),
    Section("comments", COMMENTS, comment_rows),
    Section("checkin_answers", ANSWERS_AT, checkin_rows),
    Section("measurements", MEASUREMENTS, measurement_rows),
    Section("history", HISTORY, history_rows),
    Section("meeting_attendance", ATTENDANCE, attendance_rows),
    Section("meeting_decisions", DECISIONS, decision_rows, account_wide=True),
    Section("notifications", NOTIFICATIONS, notification_rows),
    Section("emails", EMAILS, email_rows),
    Section("notification_preferences", PREFERENCES, preference_rows, account_wide=True),
    Section("api_tokens", TOKENS, token_rows, account_wide=True),
    Section("security_keys", SECURITY_KEYS, security_key_rows, account_wide=True),
    Section("security_log", SECURITY, security_rows),
]
