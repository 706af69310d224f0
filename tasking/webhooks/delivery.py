"""Sending the deliveries: signed, one claim per batch so several senders can
run at once, each outcome kept with the receiver's answer."""

from __future__ import annotations

import hashlib
import hmac
from dataclasses import dataclass
from datetime import datetime, timedelta

import requests
from sqlalchemy import and_, func, or_, select, update
from sqlalchemy.orm import Session

from tasking.models import DeliveryStatus, Webhook, WebhookDelivery

MAX_ATTEMPTS = 8
TIMEOUT_SECONDS = 10
CLAIM_FOR = timedelta(minutes=2)
#: What is kept of the receiver's answer, for the admin page.
KEEP_RESPONSE = 2000
USER_AGENT = "Retablir-Webhooks/1"
#: Client errors that pass: request timeout, too early, too many requests.
RETRIED_4XX = {408, 425, 429}


@dataclass
class DeliveryReport:
    delivered: int = 0
    failed: int = 0
    waiting: int = 0

    def as_line(self) -> str:
        return f"delivered={self.delivered} failed={self.failed} waiting={self.waiting}"


def signature(secret: str, timestamp: str, body: bytes) -> str:
    """« sha256=<hex> » of HMAC-SHA256(secret, "<timestamp>.<body>"): the
    timestamp is signed too, so a captured delivery cannot be replayed later."""
    digest = hmac.new(secret.encode(), timestamp.encode() + b"." + body, hashlib.sha256).hexdigest()
    return f"sha256={digest}"


def backoff(attempts: int) -> timedelta:
    """1, 5, 25 minutes … capped at 12 hours: about two days in all."""
    return timedelta(minutes=min(5 ** max(attempts - 1, 0), 720))


def _claim(session: Session, now: datetime, limit: int) -> list[int]:
    available = and_(
        WebhookDelivery.status == DeliveryStatus.PENDING.value,
        WebhookDelivery.next_attempt_at <= now,
        or_(WebhookDelivery.claimed_until.is_(None), WebhookDelivery.claimed_until < now),
    )
    due = select(WebhookDelivery.id).where(available).order_by(WebhookDelivery.id).limit(limit)
    if session.get_bind().dialect.name == "postgresql":
        due = due.with_for_update(skip_locked=True)
    claimed = session.scalars(
        update(WebhookDelivery)
        .where(WebhookDelivery.id.in_(due.scalar_subquery()), available)
        .values(claimed_until=now + CLAIM_FOR)
        .returning(WebhookDelivery.id)
        .execution_options(synchronize_session=False)
    ).all()
    session.commit()
    return sorted(claimed)


def _post(
    http: requests.Session, webhook: Webhook, delivery: WebhookDelivery, now: datetime
) -> tuple[int | None, str]:
    body = delivery.payload.encode()
    timestamp = str(int(now.timestamp()))
    headers = {
        "Content-Type": "application/json; charset=utf-8",
        "User-Agent": USER_AGENT,
        "X-Retablir-Event": delivery.event,
        "X-Retablir-Delivery": str(delivery.id),
        "X-Retablir-Timestamp": timestamp,
        "X-Retablir-Signature": signature(webhook.secret, timestamp, body),
    }
    try:
        # No redirects: the admins chose this address, not another.
        answer = requests.post(
            webhook.url, data=body, headers=headers, timeout=TIMEOUT_SECONDS, allow_redirects=False
        )
    except requests.RequestException as exc:
        return None, f"{type(exc).__name__}: {exc}"[:KEEP_RESPONSE]
    return answer.status_code, answer.text[:KEEP_RESPONSE]


def _settle(
    delivery: WebhookDelivery, status: int | None, text: str, now: datetime, report: DeliveryReport
) -> None:
    delivery.attempts += 1
    delivery.last_attempt_at = now
    delivery.last_status = status
    delivery.last_response = text
    delivery.claimed_until = None
    if status is not None and 200 <= status < 300:
        delivery.status = DeliveryStatus.DELIVERED.value
        delivery.delivered_at = now
        report.delivered += 1
    elif delivery.attempts >= MAX_ATTEMPTS or (status is not None and _refused_for_good(status)):
        delivery.status = DeliveryStatus.FAILED.value
        report.failed += 1
    else:
        delivery.next_attempt_at = now + backoff(delivery.attempts)
        report.waiting += 1


def _refused_for_good(status: int) -> bool:
    """A 4xx says the request itself is wrong (gone, forbidden, malformed): the
    same body would be refused again. Timeouts and rate limits are worth a retry."""
    return 400 <= status < 500 and status not in RETRIED_4XX


def deliver_webhooks(session: Session, *, now: datetime, limit: int = 100) -> DeliveryReport:
    """Send what is due; each outcome is committed at once, so a slow receiver
    never holds back what was already sent. A paused webhook's deliveries wait."""
    report = DeliveryReport()
    # One connection per receiver for the whole batch (keep-alive).
    with requests.Session() as http:
        for delivery_id in _claim(session, now, limit):
            delivery = session.get(WebhookDelivery, delivery_id)
            webhook = delivery.webhook
            if not webhook.active:
                delivery.claimed_until = None
                session.commit()
                continue
            status, text = _post(http, webhook, delivery, now)
            _settle(delivery, status, text, now, report)
            session.commit()
    return report


def retry_delivery(session: Session, delivery: WebhookDelivery, now: datetime) -> None:
    """An admin's « Réessayer »: a failed or waiting delivery goes at the next run."""
    delivery.status = DeliveryStatus.PENDING.value
    delivery.next_attempt_at = now
    if delivery.attempts >= MAX_ATTEMPTS:
        delivery.attempts = MAX_ATTEMPTS - 1


def recent_deliveries(session: Session, webhook_ids: list[int], per_webhook: int = 10) -> dict[int, list]:
    """The latest deliveries of each webhook, newest first (the admin page)."""
    if not webhook_ids:
        return {}
    rank = (
        func.row_number()
        .over(partition_by=WebhookDelivery.webhook_id, order_by=WebhookDelivery.id.desc())
        .label("rank")
    )
    ranked = select(WebhookDelivery.id, rank).where(WebhookDelivery.webhook_id.in_(webhook_ids)).subquery()
    rows = session.scalars(
        select(WebhookDelivery)
        .join(ranked, ranked.c.id == WebhookDelivery.id)
        .where(ranked.c.rank <= per_webhook)
        .order_by(WebhookDelivery.id.desc())
    )
    found: dict[int, list] = {webhook_id: [] for webhook_id in webhook_ids}
    for row in rows:
        found[row.webhook_id].append(row)
    return found
