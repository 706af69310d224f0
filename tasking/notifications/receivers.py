"""Turning task events into notifications.

Receivers run inside the sender's transaction (see tasking.core.events): a
notification and its outbox row commit or roll back with the change that
caused them. The actor never hears about their own action.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.orm import Session

from tasking.core import events
from tasking.models import Comment, Task, User
from tasking.notifications.preferences import followers_with_channels, people_with_channels
from tasking.notifications.services import mark_task_read, notify

EXCERPT = 200


def _recipients(
    session: Session, kind: str, ids: set[int], leaving_out: set[int | None]
) -> list[tuple[User, str]]:
    """The people of ``ids`` but those ``leaving_out``, each with their
    e-mail channel for ``kind``: one statement for all of them (none for no
    one)."""
    if not ids - leaving_out:
        return []
    return people_with_channels(session, User.id.in_(ids - leaving_out), kind)


def _tell(
    session: Session,
    kind: str,
    people: list[tuple[User, str]],
    leaving_out: set[int | None],
    *,
    task: Task,
    actor: User | None,
    now: datetime,
    detail: str,
) -> set[int]:
    """Notify ``people`` (each with their channel for ``kind``) but those
    ``leaving_out``; the ids of those told."""
    told = set()
    for user, channel in people:
        if user.id in leaving_out:
            continue
        if notify(
            session, user=user, kind=kind, task=task, actor=actor, now=now, detail=detail, channel=channel
        ):
            told.add(user.id)
    return told


def on_task_changed(
    _sender,
    *,
    session: Session,
    actor: User | None,
    now: datetime,
    task: Task,
    changes: list,
    followers: list[tuple[User, str]] | None = None,
    **_extra,
) -> None:
    """Assigned as owner or collaborator → "assigned"; status → "status" to
    owner and collaborators (except those just told they were assigned).
    ``followers``: the owner and collaborators with their channel for
    "status", when the sender read them with the task (a move does); a
    change of either is read again."""
    told: set[int] = set()
    actor_id = actor.id if actor is not None else None
    if any(change.field in ("owner_id", "collaborators") for change in changes):
        followers = None
    for change in changes:
        if change.field == "owner_id" and change.new:
            assigned, detail = {int(change.new)}, "owner"
        elif change.field == "collaborators":
            assigned = {int(i) for i in change.new or []} - {int(i) for i in change.old or []}
            detail = "collaborator"
        else:
            continue
        people = _recipients(session, "assigned", assigned, {actor_id})
        told |= _tell(session, "assigned", people, {actor_id}, task=task, actor=actor, now=now, detail=detail)
    status = next((c for c in changes if c.field == "status"), None)
    if status is not None:
        if followers is None:
            followers = followers_with_channels(session, task.id, "status")
        _tell(
            session,
            "status",
            followers,
            told | {actor_id},
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
    followers = followers_with_channels(session, task.id, "comment")
    _tell(
        session,
        "comment",
        followers,
        mentioned_ids | {actor_id},
        task=task,
        actor=actor,
        now=now,
        detail=excerpt,
    )


def on_task_opened(_sender, *, session: Session, now: datetime, task_id: int, user: User, **_extra) -> int:
    """Opening a task is reading what was said about it: how many were unread."""
    return mark_task_read(session, user=user, task_id=task_id, now=now)


def connect() -> None:
    """Hook the receivers to the task events (idempotent: blinker keeps one)."""
    events.task_changed.connect(on_task_changed)
    events.comment_posted.connect(on_comment_posted)
    events.task_opened.connect(on_task_opened)
