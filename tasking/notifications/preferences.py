"""Each user's e-mail channel per kind of event.

A kind of ``KINDS`` goes out at once ("immediate"), only in the weekly digest
("digest") or never. The switches of ``SWITCHES`` (reminders about tasks I
only collaborate on, the weekly digest, the regional digest) are stored the
same way with "immediate" for on and "never" for off. No row means the
default of ``DEFAULT_CHANNELS``.
"""

from __future__ import annotations

import functools
from collections.abc import Iterable
from datetime import datetime

from flask_babel import gettext as _
from sqlalchemy import ColumnElement, Integer, Select, bindparam, or_, select
from sqlalchemy.orm import Session

from tasking.core.batches import Query, columns_of, loaded, read_together
from tasking.core.errors import ServiceError
from tasking.models import NotificationPreference, Task, User
from tasking.models.notify import CHANNELS, DEFAULT_CHANNELS, KINDS, SWITCH_CHANNELS, SWITCHES
from tasking.models.task import task_collaborators

_USER_COLUMNS = columns_of(User)


def _check_kind(kind: str) -> None:
    if kind not in DEFAULT_CHANNELS:
        raise ServiceError(_("Unknown kind of notification."), "kind")


def email_channel(session: Session, user: User, kind: str) -> str:
    """The user's channel for ``kind``: "immediate", "digest" or "never"."""
    _check_kind(kind)
    channel = session.scalar(
        select(NotificationPreference.channel).where(
            NotificationPreference.user_id == user.id, NotificationPreference.kind == kind
        )
    )
    return channel or DEFAULT_CHANNELS[kind]


def channels_for(session: Session, user_ids: Iterable[int], kind: str) -> dict[int, str]:
    """user id → channel for ``kind``, for many users in one query."""
    _check_kind(kind)
    ids = set(user_ids)
    if not ids:
        return {}
    chosen = dict(
        session.execute(
            select(NotificationPreference.user_id, NotificationPreference.channel).where(
                NotificationPreference.user_id.in_(ids), NotificationPreference.kind == kind
            )
        ).all()
    )
    return {uid: chosen.get(uid, DEFAULT_CHANNELS[kind]) for uid in ids}


def people_with_channels(session: Session, who: ColumnElement[bool], kind: str) -> list[tuple[User, str]]:
    """The people ``who`` selects (a condition on ``User``), by id, each with
    their channel for ``kind``: one statement for all of them."""
    _check_kind(kind)
    rows = session.execute(
        select(User, NotificationPreference.channel)
        .outerjoin(
            NotificationPreference,
            (NotificationPreference.user_id == User.id) & (NotificationPreference.kind == kind),
        )
        .where(who)
        .order_by(User.id)
    )
    return [(user, channel or DEFAULT_CHANNELS[kind]) for user, channel in rows]


def followers_read(task_id: int, kind: str) -> Query:
    """The owner and collaborators of a task, by id, each with their
    channel for ``kind``: one read, which a request may send with its first
    ones (a move does, ``batches.reads_first``)."""
    _check_kind(kind)
    return _followers_statement(), {"task": task_id, "kind": kind}


@functools.cache
def _followers_statement() -> Select:
    task = bindparam("task", type_=Integer)
    collaborators = select(task_collaborators.c.user_id).where(task_collaborators.c.task_id == task)
    owner = select(Task.owner_id).where(Task.id == task).scalar_subquery()
    chosen = (NotificationPreference.user_id == User.id) & (NotificationPreference.kind == bindparam("kind"))
    return (
        select(*_USER_COLUMNS, NotificationPreference.channel)
        .outerjoin(NotificationPreference, chosen)
        .where(or_(User.id.in_(collaborators), User.id == owner))
        .order_by(User.id)
    )


def followers_with_channels(session: Session, task_id: int, kind: str) -> list[tuple[User, str]]:
    """``followers_read``'s people, each with their channel for ``kind``."""
    read = followers_read(task_id, kind)
    # As a query would: what the session holds unwritten (a new owner) counts.
    session.flush()
    (rows,) = read_together(session, [read])
    return [(loaded(session, User, row), row[-1] or DEFAULT_CHANNELS[kind]) for row in rows]


def channels_of(session: Session, user_ids: Iterable[int], kinds: Iterable[str]) -> dict[str, dict[int, str]]:
    """kind → user id → channel, for many users and kinds in one query."""
    kinds, ids = list(kinds), set(user_ids)
    for kind in kinds:
        _check_kind(kind)
    found = {kind: dict.fromkeys(ids, DEFAULT_CHANNELS[kind]) for kind in kinds}
    if ids:
        for user_id, kind, channel in session.execute(
            select(
                NotificationPreference.user_id, NotificationPreference.kind, NotificationPreference.channel
            ).where(NotificationPreference.user_id.in_(ids), NotificationPreference.kind.in_(kinds))
        ):
            found[kind][user_id] = channel
    return found


def preferences_of(session: Session, user: User) -> dict[str, str]:
    """Every kind and switch → the user's channel (defaults filled in)."""
    chosen = dict(
        session.execute(
            select(NotificationPreference.kind, NotificationPreference.channel).where(
                NotificationPreference.user_id == user.id
            )
        ).all()
    )
    return {kind: chosen.get(kind, default) for kind, default in DEFAULT_CHANNELS.items()}


def set_channel(session: Session, *, user: User, kind: str, channel: str, now: datetime) -> bool:
    """Choose the channel of one kind; True when it changed."""
    _check_kind(kind)
    allowed = SWITCH_CHANNELS if kind in SWITCHES else CHANNELS
    if channel not in allowed:
        raise ServiceError(_("Unknown choice."), kind)
    row = session.scalar(
        select(NotificationPreference).where(
            NotificationPreference.user_id == user.id, NotificationPreference.kind == kind
        )
    )
    current = row.channel if row else DEFAULT_CHANNELS[kind]
    if row is None:
        row = NotificationPreference(user_id=user.id, kind=kind, channel=channel, updated_at=now)
        session.add(row)
    else:
        row.channel = channel
        row.updated_at = now
    session.flush()
    return current != channel


def set_channels(session: Session, *, user: User, choices: dict[str, str], now: datetime) -> int:
    """Save the preferences page at once (all or nothing); how many changed."""
    for kind, channel in choices.items():
        _check_kind(kind)
        if channel not in (SWITCH_CHANNELS if kind in SWITCHES else CHANNELS):
            raise ServiceError(_("Unknown choice."), kind)
    return sum(set_channel(session, user=user, kind=k, channel=c, now=now) for k, c in choices.items())


__all__ = [
    "CHANNELS",
    "KINDS",
    "SWITCHES",
    "channels_for",
    "email_channel",
    "followers_read",
    "followers_with_channels",
    "people_with_channels",
    "preferences_of",
    "set_channel",
    "set_channels",
]
