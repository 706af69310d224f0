"""The scheduler's webhook job: overdue actions queued (committed), then what is due sent."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.orm import Session

from tasking.webhooks.delivery import DeliveryReport, deliver_webhooks
from tasking.webhooks.overdue import queue_overdue


def run_webhooks(session: Session, *, now: datetime) -> DeliveryReport:
    queue_overdue(session, now)
    session.commit()
    return deliver_webhooks(session, now=now)
