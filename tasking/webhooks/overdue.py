"""« task.overdue »: told once per action and due date, when the date passes."""

from __future__ import annotations

from datetime import date, datetime

from flask_babel import format_date, ngettext
from flask_babel import gettext as _
from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from tasking.core.clock import local_today
from tasking.models import Organisation, Plan, Task, TaskStatus, Webhook, WebhookEvent
from tasking.webhooks.queue import queue_event, task_members


def queue_overdue(session: Session, now: datetime) -> int:
    """Queue the overdue actions of every organisation with a webhook that
    hears of them; an action already told of for this due date is skipped."""
    kind = WebhookEvent.OVERDUE.value
    hooks = session.execute(select(Webhook.organisation_id, Webhook.events).where(Webhook.active)).all()
    organisation_ids = {org_id for org_id, events in hooks if kind in events.split()}
    written = 0
    for organisation in session.scalars(select(Organisation).where(Organisation.id.in_(organisation_ids))):
        today = local_today(now, organisation.timezone)
        tasks = session.scalars(
            select(Task)
            .join(Plan, Plan.id == Task.plan_id)
            .where(
                Plan.organisation_id == organisation.id,
                Plan.archived_at.is_(None),
                Task.archived_at.is_(None),
                Task.status != TaskStatus.DONE.value,
                Task.due_date < today,
            )
            .options(selectinload(Task.owner))
            .order_by(Task.id)
        )
        for task in tasks:
            written += queue_event(
                session,
                organisation_ids={organisation.id},
                kind=kind,
                dedupe=f"overdue:t{task.id}:{task.due_date.isoformat()}",
                describe=lambda _org, task=task, today=today: _overdue(task, today),
                now=now,
            )
    return written


def _overdue(task: Task, today: date) -> dict:
    days = (today - task.due_date).days
    summary = ngettext(
        "Due on %(date)s, %(num)d day late (%(owner)s).",
        "Due on %(date)s, %(num)d days late (%(owner)s).",
        days,
        date=format_date(task.due_date, "long"),
        owner=task.owner.name if task.owner else _("no one responsible"),
    )
    return {"title": task.title, "summary": summary, "days_late": days, **task_members(task)}
