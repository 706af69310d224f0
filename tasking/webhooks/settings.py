"""An organisation's webhooks: added, paused, removed by its admins."""

from __future__ import annotations

import secrets
from datetime import datetime
from urllib.parse import urlsplit

from flask_babel import gettext as _
from sqlalchemy import select
from sqlalchemy.orm import Session

from tasking.core.errors import ServiceError
from tasking.models import User, Webhook, WebhookEvent, WebhookFormat

MAX_URL = 2000


def check_url(url: str) -> str:
    url = (url or "").strip()
    if not url:
        raise ServiceError(_("Give the address that receives the events."), "url")
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname or len(url) > MAX_URL:
        raise ServiceError(_("The address must start with https:// (or http://)."), "url")
    return url


def add_webhook(
    session: Session,
    *,
    actor: User,
    organisation_id: int,
    url: str,
    events: list[str],
    format: str,  # noqa: A002  (the form's word)
    now: datetime,
) -> Webhook:
    url = check_url(url)
    known = {event.value for event in WebhookEvent}
    if not events or not set(events) <= known:
        raise ServiceError(_("Choose at least one kind of event."), "events")
    if format not in {f.value for f in WebhookFormat}:
        raise ServiceError(_("Unknown format."), "format")
    webhook = Webhook(
        organisation_id=organisation_id,
        url=url,
        events=" ".join(event for event in (e.value for e in WebhookEvent) if event in events),
        format=format,
        secret=secrets.token_hex(32),
        created_at=now,
        created_by_id=actor.id,
    )
    session.add(webhook)
    session.flush()
    return webhook


def webhooks_of(session: Session, organisation_id: int) -> list[Webhook]:
    return list(
        session.scalars(
            select(Webhook).where(Webhook.organisation_id == organisation_id).order_by(Webhook.id)
        )
    )
