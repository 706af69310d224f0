"""The events webhooks hear of, turned into deliveries (see queue)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from flask_babel import gettext as _
from sqlalchemy import select
from sqlalchemy.orm import Session

from tasking.core import events
from tasking.core.templating import STATUS_LABELS, health_label
from tasking.core.urls import external_url
from tasking.models import (
    CheckinAnswer,
    Comment,
    Meeting,
    Organisation,
    Plan,
    Task,
    User,
    WebhookEvent,
)
from tasking.tasks.history import field_label
from tasking.webhooks.queue import listening_to, queue_event, task_members

EXCERPT = 280


def _organisation_of(session: Session, task: Task) -> set[int]:
    return {session.scalar(select(Plan.organisation_id).where(Plan.id == task.plan_id))}


def _name(actor: User | None) -> str:
    return actor.name if actor is not None else _("Rétablir")


def on_task_changed(
    _sender: Any,
    *,
    session: Session,
    actor: User | None,
    now: datetime,
    task: Task,
    changes: list,
    **_extra: Any,
) -> None:
    if not listening_to(session, WebhookEvent.TASK_CHANGED.value):
        return

    def describe(_org: Organisation) -> dict[str, Any]:
        fields = ", ".join(field_label(change.field) for change in changes)
        summary = _("%(actor)s changed %(fields)s.", actor=_name(actor), fields=fields)
        if any(change.field == "status" for change in changes):
            status = str(STATUS_LABELS.get(task.status, task.status))
            summary = _("%(actor)s set the status to « %(status)s ».", actor=_name(actor), status=status)
        changed = [{"field": c.field, "old": _plain(c.old), "new": _plain(c.new)} for c in changes]
        return {
            "title": task.title,
            "summary": summary,
            "actor": _name(actor),
            "changes": changed,
            **task_members(task),
        }

    queue_event(
        session,
        organisation_ids=_organisation_of(session, task),
        kind=WebhookEvent.TASK_CHANGED.value,
        dedupe=f"task{task.id}:v{task.version}",
        describe=describe,
        now=now,
    )


def _plain(value: Any) -> Any:  # noqa: ANN401
    return value.isoformat() if hasattr(value, "isoformat") else value


def on_comment_posted(
    _sender: Any, *, session: Session, actor: User, now: datetime, task: Task, comment: Comment, **_extra: Any
) -> None:
    if not listening_to(session, WebhookEvent.COMMENT.value):
        return

    def describe(_org: Organisation) -> dict[str, Any]:
        excerpt = comment.body if len(comment.body) <= EXCERPT else comment.body[:EXCERPT] + "…"
        summary = _("%(actor)s commented: %(excerpt)s", actor=_name(actor), excerpt=excerpt)
        return {
            "title": task.title,
            "summary": summary,
            "actor": _name(actor),
            "comment": comment.body,
            **task_members(task),
        }

    queue_event(
        session,
        organisation_ids=_organisation_of(session, task),
        kind=WebhookEvent.COMMENT.value,
        dedupe=f"comment{comment.id}",
        describe=describe,
        now=now,
    )


def on_checkin_answered(
    _sender: Any,
    *,
    session: Session,
    actor: User | None,
    now: datetime,
    task: Task,
    answer: CheckinAnswer,
    **_extra: Any,
) -> None:
    if not listening_to(session, WebhookEvent.CHECKIN.value):
        return

    def describe(_org: Organisation) -> dict[str, Any]:
        who = actor.name if actor is not None else _("A partner")
        health = health_label(answer.health) if not answer.nothing_new else _("nothing new")
        summary = _("%(who)s: %(health)s.", who=who, health=health)
        if answer.note:
            summary = f"{summary} {answer.note}"
        update = {"health": answer.health, "note": answer.note, "nothing_new": answer.nothing_new}
        return {"title": task.title, "summary": summary, "update": update, **task_members(task)}

    queue_event(
        session,
        organisation_ids=_organisation_of(session, task),
        kind=WebhookEvent.CHECKIN.value,
        dedupe=f"checkin{answer.id}",
        describe=describe,
        now=now,
    )


def on_meeting_closed(
    _sender: Any, *, session: Session, actor: User, now: datetime, meeting: Meeting, **_extra: Any
) -> None:
    """Every municipality of the region hears of it, and the region's own organisation."""
    if not listening_to(session, WebhookEvent.MEETING_CLOSED.value):
        return
    region = meeting.region
    organisation_ids = set(
        session.scalars(
            select(Organisation.id).where(
                (Organisation.region_id == region.id) | (Organisation.staff_of_region_id == region.id)
            )
        )
    )

    def describe(_org: Organisation) -> dict[str, Any]:
        title = _("Weekly meeting of %(region)s", region=region.name)
        summary = _("The minutes are ready (closed by %(actor)s).", actor=actor.name)
        url = external_url("meetings.show", slug=region.slug, meeting_id=meeting.id)
        return {
            "title": title,
            "summary": summary,
            "meeting": {"id": meeting.id, "week": meeting.week},
            "url": url,
        }

    queue_event(
        session,
        organisation_ids=organisation_ids,
        kind=WebhookEvent.MEETING_CLOSED.value,
        dedupe=f"meeting{meeting.id}:closed",
        describe=describe,
        now=now,
    )


def connect() -> None:
    events.task_changed.connect(on_task_changed)
    events.comment_posted.connect(on_comment_posted)
    events.checkin_answered.connect(on_checkin_answered)
    events.meeting_closed.connect(on_meeting_closed)
