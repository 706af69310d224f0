"""Events become delivery rows, in the transaction of their cause: a change
rolled back sends nothing, a committed one is never lost."""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import datetime
from typing import Any

from flask import current_app
from flask_babel import force_locale
from flask_babel import gettext as _
from sqlalchemy import select
from sqlalchemy.orm import Session

from tasking.core.claim import claim
from tasking.core.urls import external_url
from tasking.models import Organisation, Webhook, WebhookDelivery
from tasking.webhooks.payloads import body_for


def _listening(session: Session) -> list[tuple[int, int, str, str]]:
    """Every active webhook (id, organisation, events, format), read once per session."""
    if "webhooks" not in session.info:
        session.info["webhooks"] = session.execute(
            select(Webhook.id, Webhook.organisation_id, Webhook.events, Webhook.format).where(Webhook.active)
        ).all()
    return session.info["webhooks"]


def listening_to(session: Session, kind: str) -> bool:
    """Whether any active webhook hears of ``kind``: without one, an event costs one statement per session."""
    return any(kind in hook.events.split() for hook in _listening(session))


def forget_webhooks(session: Session) -> None:
    session.info.pop("webhooks", None)


def queue_event(
    session: Session,
    *,
    organisation_ids: set[int],
    kind: str,
    dedupe: str,
    describe: Callable[[Organisation], dict[str, Any]],
    now: datetime,
) -> int:
    """One delivery per active webhook of these organisations that hears of
    ``kind``; ``describe(organisation)`` gives the event's members. Returns
    how many rows were written (a repeated ``dedupe`` writes none)."""
    hooks = [
        h for h in _listening(session) if h.organisation_id in organisation_ids and kind in h.events.split()
    ]
    written = 0
    for hook in hooks:
        organisation = session.get(Organisation, hook.organisation_id)
        # In the app's language: the whole organisation reads the channel.
        with force_locale(current_app.config["BABEL_DEFAULT_LOCALE"]):
            event = {
                "event": kind,
                "occurred_at": now.isoformat() + "Z",
                "organisation": {"id": organisation.id, "slug": organisation.slug, "name": organisation.name},
                "open_label": _("Open in Rétablir"),
                **describe(organisation),
            }
        written += claim(
            session,
            WebhookDelivery,
            webhook_id=hook.id,
            event=kind,
            dedupe_key=f"{dedupe}:w{hook.id}",
            payload=json.dumps(body_for(hook.format, event), ensure_ascii=False),
            created_at=now,
            status="pending",
            attempts=0,
            next_attempt_at=now,
            last_response="",
        )
    return written


def task_members(task: Any) -> dict[str, Any]:  # noqa: ANN401  (a Task)
    return {
        "task": {
            "id": task.id,
            "title": task.title,
            "status": task.status,
            "due_date": task.due_date.isoformat() if task.due_date else None,
            "owner": task.owner.name if task.owner else None,
            "version": task.version,
        },
        "url": external_url("tasks.show", task_id=task.id),
    }
