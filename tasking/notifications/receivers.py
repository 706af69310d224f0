"""Turning task events into notifications.

Receivers run inside the sender's transaction (see tasking.core.events): a
notification and its outbox row commit or roll back with the change that
caused them. The actor never hears about their own action.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ColumnElement, or_, select
from sqlalchemy.orm import Session

from tasking.core import events
from tasking.models import Comment, Task, User
from tasking.models.task import task_collaborators
from tasking.notifications.preferences import people_with_channels
from tasking.notifications.services import mark_task_read, notify

EXCERPT = 200


def _recipients(
    session: Session, kind: str, who: set[int] | ColumnElement[bool], leaving_out: set[int | None]
) -> list[tuple[User, str]]:
    """The people ``who`` names (ids, or a condition on ``User``) but those
    ``leaving_out``, by id, each with their e-mail channel for ``kind``: one
    statement for all of them (none for no one)."""
    if isinstance(who, set):
        if not who - leaving_out:
            return []
        who = User.id.in_(who - leaving_out)
    return [
        (user, channel)
        for user, channel in people_with_channels(session, who, kind)
        if user.id not in leaving_out
    ]


def _tell(
    session: Session,
    kind: str,
    who: set[int] | ColumnElement[bool],
    leaving_out: set[int | None],
    *,
    task: Task,
    actor: User | None,
    now: datetime,
    detail: str,
) -> set[int]:
    """Notify the ``_recipients`` of ``kind``; the ids of those told."""
    told = set()
    for user, channel in _recipients(session, kind, who, leaving_out):
        if notify(
            session, user=user, kind=kind, task=task, actor=actor, now=now, detail=detail, channel=channel
        ):
            told.add(user.id)
    return told


def _followers(task: Task) -> ColumnElement[bool]:
    """Owner and collaborators of the task, read with the people themselves."""
    collaborators = select(task_collaborators.c.user_id).where(task_collaborators.c.task_id == task.id)
    return or_(User.id.in_(collaborators), User.id == task.owner_id)


def on_task_changed(
    _sender, *, session: Session, actor: User | None, now: datetime, task: Task, changes: list, **_extra
) -> None:
    """Assigned as owner or collaborator → "assigned"; status → "status" to
    owner and collaborators (except those just told they were assigned)."""
    told: set[int] = set()
    actor_id = actor.id if actor is not None else None
    for change in changes:
        if change.field == "owner_id" and change.new:
            assigned, detail = {int(change.new)}, "owner"
        elif change.field == "collaborators":
            assigned = {int(i) for i in change.new or []} - {int(i) for i in change.old or []}
            detail = "collaborator"
        else:
            continue
        told |= _tell(
            session, "assigned", assigned, {actor_id}, task=task, actor=actor, now=now, detail=detail
        )
    status = next((c for c in changes if c.field == "status"), None)
    if status is not None:
        leaving_out = told | {actor_id}
        _tell(
            session,
            "status",
            _followers(task),
            leaving_out,
            task=task,
            actor=actor,
            now=now,
            detail=str(status.new),
        )


def on_comment_posted(
    _sender,
    *,
    session: Session,
    actor: User | None,
    now: datetime,
    task: Task,
    comment: Comment,
    mentioned: list[User],
    **_extra,
) -> None:
    """A mention to each mentioned user; a comment to the other followers."""
    actor_id = actor.id if actor is not None else None
    excerpt = " ".join(comment.body.split())
    if len(excerpt) > EXCERPT:
        excerpt = excerpt[: EXCERPT - 1] + "…"
    mentioned_ids = {u.id for u in mentioned}
    for user in sorted(mentioned, key=lambda u: u.id):
        if user.id != actor_id:
            notify(session, user=user, kind="mention", task=task, actor=actor, now=now, detail=excerpt)
    leaving_out = mentioned_ids | {actor_id}
    _tell(session, "comment", _followers(task), leaving_out, task=task, actor=actor, now=now, detail=excerpt)


def on_task_opened(_sender, *, session: Session, now: datetime, task_id: int, user: User, **_extra) -> int:
    """Opening a task is reading what was said about it: how many were unread."""
    return mark_task_read(session, user=user, task_id=task_id, now=now)


def connect() -> None:
    """Hook the receivers to the task events (idempotent: blinker keeps one)."""
    events.task_changed.connect(on_task_changed)
    events.comment_posted.connect(on_comment_posted)
    events.task_opened.connect(on_task_opened)
