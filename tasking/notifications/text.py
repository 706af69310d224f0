"""The words of a notification, composed when it is shown or sent, in the
reader's language (the bell list, the e-mail subject and body)."""

from __future__ import annotations

from datetime import date

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_babel import ngettext

from tasking.core.templating import STATUS_LABELS, qc_date
from tasking.models import Notification, Task, User

TITLE_IN_SUBJECT = 70
#: What ends the detail of an overdue notification sent to a coordinator
#: (``scheduling.reminders`` writes it: "2026-11-18;coordinator").
ESCALATED = ";coordinator"

ACTION_LABELS = {
    "done": _l("Mark as done"),
    "blocked": _l("Report blocked"),
    "postpone": _l("Postpone the due date"),
}
OUTBOX_STATUS_LABELS = {
    "pending": _l("Waiting"),
    "sent": _l("Sent"),
    "failed": _l("Failed"),
}
#: What each outbox message is: the notification kinds, the digests, the account e-mails.
OUTBOX_KIND_LABELS = {
    "assigned": _l("Assignment"),
    "status": _l("Status change"),
    "comment": _l("Comment"),
    "mention": _l("Mention"),
    "due_soon": _l("Due date coming up"),
    "overdue": _l("Overdue task"),
    "reminders": _l("Reminders"),
    "digest": _l("Weekly digest"),
    "regional_digest": _l("Regional digest"),
    "password_reset": _l("Password reset"),
    "invitation": _l("Invitation"),
}
KIND_LABELS = {
    "assigned": _l("Assigned to me (responsible or collaborator)"),
    "status": _l("Status changes on my tasks"),
    "comment": _l("Comments on my tasks"),
    "mention": _l("Mentions of me (@)"),
    "due_soon": _l("Due date coming up"),
    "overdue": _l("Overdue tasks"),
}


def _date(iso: str) -> str:
    try:
        return qc_date(date.fromisoformat(iso))
    except (TypeError, ValueError):
        return iso or ""


def _short(title: str, limit: int | None) -> str:
    title = " ".join((title or "").split())
    if limit and len(title) > limit:
        return title[: limit - 1] + "…"
    return title


def sentence(
    notification: Notification, task: Task | None = None, actor: User | None = None, limit=None
) -> str:
    """One sentence: who did what to which task ("Marie made you responsible
    for “Ouvrir le centre”.")."""
    task = task if task is not None else notification.task
    actor = actor if actor is not None else notification.actor
    who = actor.name if actor is not None else _("Someone")
    title = _short(task.title if task is not None else _("a deleted task"), limit)
    kind, detail = notification.kind, notification.detail
    if kind == "assigned":
        if detail == "collaborator":
            return _("%(actor)s added you as a collaborator on “%(task)s”.", actor=who, task=title)
        return _("%(actor)s made you responsible for “%(task)s”.", actor=who, task=title)
    if kind == "status":
        status = STATUS_LABELS.get(detail, detail)
        return _(
            "%(actor)s changed the status of “%(task)s” to %(status)s.", actor=who, task=title, status=status
        )
    if kind == "comment":
        return _("%(actor)s commented on “%(task)s”.", actor=who, task=title)
    if kind == "mention":
        return _("%(actor)s mentioned you in a comment on “%(task)s”.", actor=who, task=title)
    if kind == "due_soon":
        return _("“%(task)s” is due on %(date)s.", task=title, date=_date(detail))
    if kind == "overdue" and detail.endswith(ESCALATED):
        return _escalation(notification, task, title)
    if kind == "overdue":
        return _("“%(task)s” has been overdue since %(date)s.", task=title, date=_date(detail))
    return title


def _escalation(notification: Notification, task: Task | None, title: str) -> str:
    """Whose action is late, by how much, and why the reader hears of it."""
    due, _sep, _role = notification.detail.partition(";")
    try:
        days = (notification.created_at.date() - date.fromisoformat(due)).days
    except (TypeError, ValueError):
        days = 0
    owner = task.owner if task is not None else None
    if owner is None:
        return ngettext(
            "The action “%(task)s”, with nobody responsible, is %(num)d day overdue; you are told as a "
            "coordinator.",
            "The action “%(task)s”, with nobody responsible, is %(num)d days overdue; you are told as a "
            "coordinator.",
            days,
            task=title,
        )
    return ngettext(
        "%(owner)s's action “%(task)s” is %(num)d day overdue; you are told as a coordinator.",
        "%(owner)s's action “%(task)s” is %(num)d days overdue; you are told as a coordinator.",
        days,
        owner=owner.name,
        task=title,
    )


def subject(notification: Notification, task: Task | None = None, actor: User | None = None) -> str:
    """The e-mail subject: the sentence, the title shortened, no final dot."""
    return _("Rétablir: %(what)s", what=sentence(notification, task, actor, TITLE_IN_SUBJECT).rstrip("."))


class JobLabels:
    """Words a job writes thousands of times in its e-mails, each translated
    and formatted once per language (translating or formatting a date costs
    more than the rest of a listed task)."""

    def __init__(self):
        self._due: dict[tuple, str] = {}

    def due_on(self, value: date, locale: str) -> str:
        """« échéance 30 nov. 2026 », as a digest's line says it."""
        key = (locale, value, "on")
        if key not in self._due:
            self._due[key] = _("due %(date)s", date=qc_date(value))
        return self._due[key]


def register(app) -> None:  # noqa: ANN001
    """Make the wording available to every template (pages and e-mails)."""
    app.jinja_env.globals.update(
        notification_sentence=sentence,
        notification_subject=subject,
        NOTIFICATION_ACTION_LABELS=ACTION_LABELS,
        NOTIFICATION_KIND_LABELS=KIND_LABELS,
        OUTBOX_STATUS_LABELS=OUTBOX_STATUS_LABELS,
        OUTBOX_KIND_LABELS=OUTBOX_KIND_LABELS,
    )
