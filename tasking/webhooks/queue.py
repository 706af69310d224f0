"""Events become delivery rows, in the transaction of their cause: a change
rolled back sends nothing, a committed one is never lost."""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from datetime import datetime
from typing import Any, NamedTuple

from flask import current_app
from flask_babel import force_locale
from flask_babel import gettext as _
from sqlalchemy import Select, select, true
from sqlalchemy.orm import Session

from tasking.core.claim import claim
from tasking.core.urls import external_url
from tasking.models import Organisation, Webhook, WebhookDelivery
from tasking.webhooks.payloads import body_for


class Listener(NamedTuple):
    id: int
    organisation_id: int
    events: str
    format: str


_LISTENER = (Webhook.id, Webhook.organisation_id, Webhook.events, Webhook.format)


def _listening(session: Session) -> list[Listener]:
    """Every active webhook, read once per session."""
    if "webhooks" not in session.info:
        rows = session.execute(select(*_LISTENER).where(Webhook.active))
        session.info["webhooks"] = [Listener(*row) for row in rows]
    return session.info["webhooks"]


def with_webhooks(statement: Select) -> Select:
    """``statement`` (which selects at most one row) with every active
    webhook read in the same statement, the row once beside each: a request
    that will send an event learns who listens without a round trip of its
    own (``first_of``)."""
    active = select(*_LISTENER).where(Webhook.active).subquery()
    return statement.outerjoin(active, true()).add_columns(*active.c)


def first_of(session: Session, rows: Sequence[Sequence[Any]]) -> tuple | None:
    """The row of a ``with_webhooks`` statement, without the webhooks' columns,
    which are kept as ``_listening`` keeps them."""
    if not rows:
        return None
    width = len(rows[0]) - len(_LISTENER)
    session.info["webhooks"] = [Listener(*tuple(row)[width:]) for row in rows if row[width] is not None]
    return tuple(rows[0])[:width]


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
