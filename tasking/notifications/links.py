"""Absolute, signed links carried by e-mails.

- Unsubscribe links never expire and need no sign-in (RFC 8058 one-click):
  they are bound to a user and a kind and can only turn that kind off.
- Task action links (mark done, report blocked, postpone) expire after
  ``TASK_LINK_MAX_AGE`` and are bound to one user, one task and one action;
  they act as that user for that task only, only after a confirmation, and
  only once (the hash of a used token is stored: whoever holds a forwarded
  e-mail cannot act again with it).
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass

from flask import current_app
from flask_babel import gettext as _
from itsdangerous import BadSignature, SignatureExpired, URLSafeSerializer

from tasking.core.errors import ServiceError
from tasking.core.signing import timed_serializer
from tasking.core.urls import external_url
from tasking.models import Task, User
from tasking.models.notify import DEFAULT_CHANNELS

UNSUBSCRIBE_SALT = "notify-unsubscribe"
TASK_ACTION_SALT = "task-action"
TASK_LINK_MAX_AGE = 14 * 24 * 3600
ACTIONS = ("done", "blocked", "postpone")


def task_url(task: Task | int) -> str:
    """The task's page, absolute (APP_BASE_URL/tasks/<id>)."""
    return external_url("tasks.show", task_id=task if isinstance(task, int) else task.id)


def preferences_url() -> str:
    """The signed-in preferences page, absolute."""
    return external_url("notifications.preferences")


# One link for an e-mail that holds several kinds: the grouped reminders.
UNSUBSCRIBE_BUNDLES = {"reminders": ("due_soon", "overdue")}


def unsubscribe_token(user: User, kind: str) -> str:
    return URLSafeSerializer(current_app.config["SECRET_KEY"], salt=UNSUBSCRIBE_SALT).dumps(
        {"u": user.id, "k": kind}
    )


def unsubscribe_url(user: User, kind: str) -> str:
    """One-click link turning ``kind`` (a kind or a switch) off for ``user``."""
    return external_url("notifications.unsubscribe", token=unsubscribe_token(user, kind))


def read_unsubscribe_token(token: str) -> tuple[int, str]:
    """(user id, kind) of a genuine token; ServiceError otherwise."""
    try:
        data = URLSafeSerializer(current_app.config["SECRET_KEY"], salt=UNSUBSCRIBE_SALT).loads(token)
    except BadSignature as exc:
        raise ServiceError(_("This link is not valid.")) from exc
    if (
        not isinstance(data, dict)
        or (data.get("k") not in DEFAULT_CHANNELS and data.get("k") not in UNSUBSCRIBE_BUNDLES)
        or not isinstance(data.get("u"), int)
    ):
        raise ServiceError(_("This link is not valid."))
    return data["u"], data["k"]


def task_action_token(user: User, task: Task, action: str) -> str:
    if action not in ACTIONS:
        raise ValueError(f"unknown task action {action!r}")
    return timed_serializer(TASK_ACTION_SALT).dumps({"u": user.id, "t": task.id, "a": action})


def token_digest(token: str) -> str:
    """The SHA-256 of a token, as a used link is stored."""
    return hashlib.sha256(token.encode()).hexdigest()


def task_action_url(user: User, task: Task, action: str) -> str:
    """Signed, expiring link for ``action`` in ("done", "blocked", "postpone")."""
    return external_url("notifications.task_action", token=task_action_token(user, task, action))


def _pattern(endpoint: str, stand_in: str, **values) -> str:
    """The page's address with "{}" where ``stand_in`` is (one of ``values``)."""
    return external_url(endpoint, **values).replace(stand_in, "{}")


class JobLinks:
    """The links of a job that writes thousands of e-mails: the same as
    ``task_url``, ``task_action_url`` and ``unsubscribe_url`` give, with
    serializers and URL patterns built once (building each from the URL map
    costs more than the signature)."""

    def __init__(self):
        self.serializer = timed_serializer(TASK_ACTION_SALT)
        self.unsubscriber = URLSafeSerializer(current_app.config["SECRET_KEY"], salt=UNSUBSCRIBE_SALT)
        self.action_pattern = _pattern("notifications.task_action", "TOKEN", token="TOKEN")
        self.unsubscribe_pattern = _pattern("notifications.unsubscribe", "TOKEN", token="TOKEN")
        self.task_pattern = _pattern("tasks.show", "987654321", task_id=987654321)
        self.board_pattern = _pattern("board.show", "987654321", plan_id=987654321, overdue=1)
        self.preferences = preferences_url()
        self.my_tasks = external_url("me.tasks")

    def task(self, task_id: int) -> str:
        return self.task_pattern.format(task_id)

    def board_overdue(self, plan_id: int) -> str:
        """The plan's board showing its overdue actions."""
        return self.board_pattern.format(plan_id)

    def unsubscribe(self, user_id: int, kind: str) -> str:
        return self.unsubscribe_pattern.format(self.unsubscriber.dumps({"u": user_id, "k": kind}))

    def actions(self, user_id: int, task_id: int, actions: list[str]) -> list[tuple[str, str]]:
        """(action, signed link) for each of ``actions``."""
        return [
            (
                action,
                self.action_pattern.format(self.serializer.dumps({"u": user_id, "t": task_id, "a": action})),
            )
            for action in actions
        ]


@dataclass(frozen=True)
class TaskAction:
    user_id: int
    task_id: int
    action: str


def read_task_action_token(token: str, max_age: int = TASK_LINK_MAX_AGE) -> TaskAction:
    """What a genuine, unexpired token allows; ServiceError otherwise."""
    serializer = timed_serializer(TASK_ACTION_SALT)
    try:
        data = serializer.loads(token, max_age=max_age)
    except SignatureExpired as exc:
        raise ServiceError(_("This link has expired. Open the task in Rétablir instead.")) from exc
    except BadSignature as exc:
        raise ServiceError(_("This link is not valid.")) from exc
    if (
        not isinstance(data, dict)
        or data.get("a") not in ACTIONS
        or not isinstance(data.get("u"), int)
        or not isinstance(data.get("t"), int)
    ):
        raise ServiceError(_("This link is not valid."))
    return TaskAction(data["u"], data["t"], data["a"])
