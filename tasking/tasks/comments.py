"""Comments on a task: checked, stored with a history line, and announced
(with whom they mention) to the notification listeners.

Functions flush but never commit; the caller commits once.
"""

from __future__ import annotations

from datetime import datetime

from flask_babel import gettext as _
from sqlalchemy.orm import Session

from tasking.core import events
from tasking.core.errors import ServiceError
from tasking.core.permissions import can_contribute
from tasking.models import Comment, Task, User
from tasking.tasks.activity import record_task
from tasking.tasks.editing import organisation_id_of
from tasking.tasks.mentions import mentioned_users

MAX_COMMENT = 10_000


def add_comment(session: Session, *, actor: User, task: Task, body: str, now: datetime) -> Comment:
    organisation_id = organisation_id_of(session, task)
    if not can_contribute(session, actor, task, organisation_id):
        raise ServiceError(_("You may not comment on this task."))
    body = (body or "").strip()
    if not body:
        raise ServiceError(_("The comment is empty."), "body")
    if len(body) > MAX_COMMENT:
        raise ServiceError(_("The comment is too long (10,000 characters at most)."), "body")
    mentioned = [u for u in mentioned_users(session, organisation_id, body) if u.id != actor.id]
    comment = Comment(task=task, author=actor, body=body, created_at=now)
    session.add(comment)
    session.flush()
    record_task(session, task, organisation_id, actor, "comment", now, new=str(comment.id))
    events.comment_posted.send(
        None, session=session, actor=actor, now=now, task=task, comment=comment, mentioned=mentioned
    )
    return comment
