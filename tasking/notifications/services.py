"""Writing, reading and acting on notifications.

``notify`` is the one way to tell a user something happened to a task: it
writes the in-app notification and, when the user wants this kind of e-mail
at once, queues the message in the outbox, all in the caller's transaction.
Functions flush but never commit; the caller commits once.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta

from flask_babel import force_locale
from flask_babel import gettext as _
from sqlalchemy import bindparam, func, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, joinedload

from tasking.core.claim import claim_entity
from tasking.core.clock import local_today
from tasking.core.errors import ServiceError
from tasking.core.permissions import can_contribute, can_contribute_to, can_edit_task, can_read_org
from tasking.core.templating import qc_date
from tasking.models import Notification, Organisation, Plan, Task, TaskStatus, User
from tasking.models.notify import KINDS, UsedTaskLink
from tasking.notifications import links
from tasking.notifications.preferences import email_channel
from tasking.outbox.queue import queue
from tasking.tasks.comments import add_comment
from tasking.tasks.editing import update_task

PER_PAGE = 25
ONE_CLICK = "List-Unsubscribe=One-Click"
#: How far a postponement goes by default.
POSTPONE_DAYS = 7


def organisation_of(session: Session, task: Task) -> Organisation:
    return session.scalar(
        select(Organisation)
        .join(Plan, Plan.organisation_id == Organisation.id)
        .where(Plan.id == task.plan_id)
    )


def available_actions(
    session: Session,
    user: User,
    task: Task | None,
    organisation_id: int | None,
    collaborating: bool | None = None,
) -> list[str]:
    """The mailbox actions ``user`` may take on ``task`` right now
    (``collaborating``: whether they help with it, when the caller knows)."""
    if task is None or organisation_id is None or task.archived_at is not None:
        return []
    if collaborating is None:
        contributes = can_contribute(session, user, task, organisation_id)
    else:
        contributes = can_contribute_to(
            session, user, organisation_id, owner_id=task.owner_id, collaborating=collaborating
        )
    if task.status == TaskStatus.DONE.value or not contributes:
        return []
    actions = ["done"]
    if task.status != TaskStatus.BLOCKED.value:
        actions.append("blocked")
    if can_edit_task(session, user, task, organisation_id):
        actions.append("postpone")
    return actions


def email_links(
    session: Session, user: User, kind: str, task: Task | None, organisation_id: int | None
) -> dict:
    """Template context shared by every notification-like message: the task
    link, the action links, the unsubscribe and preferences links."""
    return {
        "task_link": links.task_url(task) if task is not None else None,
        "action_links": [
            (action, links.task_action_url(user, task, action))
            for action in available_actions(session, user, task, organisation_id)
        ],
        "unsubscribe_link": links.unsubscribe_url(user, kind),
        "preferences_link": links.preferences_url(),
    }


def unsubscribe_headers(user: User, kind: str, url: str | None = None) -> dict[str, str]:
    """List-Unsubscribe (RFC 2369) with the one-click POST of RFC 8058
    (``url``: the unsubscribe link, when the caller already made it)."""
    return {
        "List-Unsubscribe": f"<{url or links.unsubscribe_url(user, kind)}>",
        "List-Unsubscribe-Post": ONE_CLICK,
    }


def notify(
    session: Session,
    *,
    user: User,
    kind: str,
    task: Task | None,
    actor: User | None,
    now: datetime,
    email: bool = True,
    dedupe_key: str | None = None,
    detail: str = "",
    template: str = "notification",
    channel: str | None = None,
    **context,
) -> Notification | None:
    """Tell ``user`` that ``kind`` happened to ``task`` (done by ``actor``).

    Writes the in-app notification, and queues the e-mail when ``email`` is
    true, the user is active and their channel for ``kind`` is "immediate"
    (``channel``: that channel, when the caller read it with the user).
    Returns None, writing nothing, for the actor's own action, an inactive
    user, or a ``dedupe_key`` already used (a job run twice). ``detail`` is
    what the text needs beside task and actor: the new status for "status",
    an excerpt for "comment"/"mention", the ISO due date for reminders.
    ``context`` goes to the e-mail template ``emails/<template>.txt/.html``.
    """
    if kind not in KINDS:
        raise ValueError(f"unknown notification kind {kind!r}")
    if (actor is not None and actor.id == user.id) or not user.active:
        return None
    values = {
        "user_id": user.id,
        "kind": kind,
        "task_id": task.id if task is not None else None,
        "actor_id": actor.id if actor is not None else None,
        "detail": detail or "",
        "dedupe_key": dedupe_key,
        "created_at": now,
    }
    if dedupe_key:
        # One statement, no savepoint: a concurrent run waits for the other's commit.
        notification = claim_entity(session, Notification, **values)
        if notification is None:  # an earlier run used the key, or a concurrent one took it first
            return None
    else:
        # Nothing unique can refuse it: written at the next flush, together
        # with the other people's (one INSERT where the database batches them).
        notification = Notification(**values)
        session.add(notification)
    if email and (channel or email_channel(session, user, kind)) == "immediate":
        session.flush()  # the e-mail's key is the notification's id
        _queue_email(session, notification, user, task, actor, now, template, dedupe_key, context)
    return notification


def _queue_email(session, notification, user, task, actor, now, template, dedupe_key, context) -> None:  # noqa: ANN001
    """The e-mail of an in-app notification, in the outbox (same transaction)."""
    organisation_id = organisation_of(session, task).id if task is not None else None
    queue(
        session,
        dedupe_key=f"notification:{dedupe_key or notification.id}",
        kind=notification.kind,
        recipient=user.email,
        template=template,
        now=now,
        user=user,
        organisation_id=organisation_id,
        headers=unsubscribe_headers(user, notification.kind),
        notification=notification,
        task=task,
        actor=actor,
        detail=notification.detail,
        **email_links(session, user, notification.kind, task, organisation_id),
        **context,
    )


#: Built once: every open tab polls the bell, and building this statement
#: (with its cache key) cost as much as running it.
_UNREAD = select(func.count(Notification.id)).where(
    Notification.user_id == bindparam("user_id"), Notification.read_at.is_(None)
)


def unread_count(session: Session, user: User) -> int:
    """How many of the person's notifications are not read yet."""
    return session.scalar(_UNREAD, {"user_id": user.id})


@dataclass
class NotificationPage:
    items: list[Notification]
    page: int
    total: int
    per_page: int

    @property
    def has_next(self) -> bool:
        return self.page * self.per_page < self.total

    @property
    def has_prev(self) -> bool:
        return self.page > 1


def list_notifications(
    session: Session, user: User, page: int = 1, per_page: int = PER_PAGE
) -> NotificationPage:
    """The user's notifications, newest first, one page of them."""
    page = max(int(page or 1), 1)
    total = session.scalar(select(func.count(Notification.id)).where(Notification.user_id == user.id))
    items = session.scalars(
        select(Notification)
        .where(Notification.user_id == user.id)
        .options(joinedload(Notification.task).joinedload(Task.owner), joinedload(Notification.actor))
        .order_by(Notification.created_at.desc(), Notification.id.desc())
        .limit(per_page)
        .offset((page - 1) * per_page)
    ).all()
    return NotificationPage(list(items), page, total, per_page)


def notification_of(session: Session, user: User, notification_id: int) -> Notification | None:
    notification = session.get(Notification, notification_id)
    if notification is None or notification.user_id != user.id:
        return None
    return notification


def mark_read(session: Session, *, user: User, notification: Notification, now: datetime) -> None:
    if notification.user_id != user.id:
        raise ServiceError(_("This notification is not yours."))
    if notification.read_at is None:
        notification.read_at = now
        session.flush()


def mark_task_read(session: Session, *, user: User, task_id: int, now: datetime) -> int:
    """Opening a task is reading what was said about it; how many were unread."""
    result = session.execute(
        update(Notification)
        .where(
            Notification.user_id == user.id,
            Notification.task_id == task_id,
            Notification.read_at.is_(None),
        )
        .values(read_at=now)
        .execution_options(synchronize_session=False)
    )
    return result.rowcount


def mark_all_read(session: Session, *, user: User, now: datetime) -> int:
    """Mark every unread notification of the user read; how many."""
    result = session.execute(
        update(Notification)
        .where(Notification.user_id == user.id, Notification.read_at.is_(None))
        .values(read_at=now)
        .execution_options(synchronize_session=False)
    )
    session.expire_all()
    return result.rowcount


# --- acting from the mailbox -------------------------------------------------


@dataclass
class MailboxAction:
    """What a task link will do, checked but not done yet."""

    user: User
    task: Task
    action: str
    organisation: Organisation
    allowed: bool
    refusal: str = ""
    token_hash: str = ""
    #: Set when the link has already acted: then it shows what it did.
    used: UsedTaskLink | None = None

    def default_due_date(self, now: datetime) -> date:
        base = max(self.task.due_date or date.min, local_today(now, self.organisation.timezone))
        return base + timedelta(days=POSTPONE_DAYS)


def resolve_task_link(session: Session, token: str) -> MailboxAction:
    """Open a task link: who acts, on which task, what, and whether they may.

    ServiceError when the link is forged, expired, or points to a task or a
    person that no longer exists; ``allowed`` False (with ``refusal``) when
    the person lacks the right for that action.
    """
    data = links.read_task_action_token(token)
    token_hash = links.token_digest(token)
    used = session.get(UsedTaskLink, token_hash)
    user = session.get(User, data.user_id)
    task = session.get(Task, data.task_id)
    if user is None or not user.active or task is None or task.archived_at is not None:
        raise ServiceError(_("This link is no longer valid."))
    organisation = organisation_of(session, task)
    if not can_read_org(session, user, organisation.id):
        raise ServiceError(_("This link is no longer valid."))
    allowed, refusal = True, ""
    if data.action == "postpone" and not can_edit_task(session, user, task, organisation.id):
        allowed = False
        refusal = _("Only the person responsible for the task or an administrator may postpone its due date.")
    elif not can_contribute(session, user, task, organisation.id):
        allowed = False
        refusal = _("You may no longer change this task.")
    return MailboxAction(user, task, data.action, organisation, allowed, refusal, token_hash, used)


class LinkAlreadyUsed(ServiceError):
    """A second use of a one-click task link (a replay, or two clicks at once)."""

    def __init__(self):
        super().__init__(_("This link has already been used."))


def _spend_link(session: Session, action: MailboxAction, now: datetime) -> None:
    """Record the link as used before it acts. The token's hash is the key:
    of two uses at once, the second waits for the first and is refused."""
    if action.used is not None:
        raise LinkAlreadyUsed()
    try:
        with session.begin_nested():
            session.add(
                UsedTaskLink(
                    token_hash=action.token_hash,
                    task_id=action.task.id,
                    user_id=action.user.id,
                    action=action.action,
                    used_at=now,
                )
            )
    except IntegrityError as exc:
        raise LinkAlreadyUsed() from exc


def used_link(session: Session, token_hash: str) -> UsedTaskLink | None:
    return session.get(UsedTaskLink, token_hash)


def act_on_task(
    session: Session,
    *,
    action: MailboxAction,
    now: datetime,
    reason: str = "",
    due_date: date | str | None = None,
) -> list:
    """Carry out a confirmed mailbox action as its user, through the task
    services (history lines "field:email"). A postponement's reason becomes a
    comment; a blockage's reason is the task's blocked reason. Returns the
    changes made (empty when the task already was in that state). The link
    acts once: LinkAlreadyUsed for a second use."""
    if not action.allowed:
        raise ServiceError(action.refusal)
    _spend_link(session, action, now)
    reason = (reason or "").strip()
    task, user = action.task, action.user
    if action.action == "done":
        changes = {"status": TaskStatus.DONE.value}
    elif action.action == "blocked":
        if not reason:
            raise ServiceError(_("Say what blocks the task."), "reason")
        changes = {"status": TaskStatus.BLOCKED.value, "blocked_reason": reason}
    else:
        if not reason:
            raise ServiceError(_("Say why the due date moves."), "reason")
        if isinstance(due_date, str):
            try:
                due_date = date.fromisoformat(due_date.strip())
            except ValueError as exc:
                raise ServiceError(_("“%(value)s” is not a date.", value=due_date), "due_date") from exc
        if due_date is None:
            raise ServiceError(_("Choose the new due date."), "due_date")
        if due_date < local_today(now, action.organisation.timezone):
            raise ServiceError(_("The new due date cannot be in the past."), "due_date")
        changes = {"due_date": due_date}
    applied = update_task(session, actor=user, task=task, changes=changes, version=None, now=now, via="email")
    if action.action == "postpone" and applied:
        with force_locale(user.locale):
            body = _("Due date postponed to %(date)s: %(reason)s", date=qc_date(due_date), reason=reason)
        add_comment(session, actor=user, task=task, body=body, now=now)
    return applied


# --- the admin's view of the outbox -----------------------------------------
