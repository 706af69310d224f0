"""Sending the deliveries: signed, one claim per batch so several senders can
run at once, each outcome kept with the receiver's answer."""

from __future__ import annotations

import hashlib
import hmac
import threading
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import datetime, timedelta

import requests
from sqlalchemy import and_, func, or_, select, update
from sqlalchemy.orm import Session, joinedload

from tasking.models import DeliveryStatus, WebhookDelivery

MAX_ATTEMPTS = 8
TIMEOUT_SECONDS = 10
CLAIM_FOR = timedelta(minutes=2)
#: What is kept of the receiver's answer, for the admin page.
KEEP_RESPONSE = 2000
USER_AGENT = "Retablir-Webhooks/1"
#: Client errors that pass: request timeout, too early, too many requests.
RETRIED_4XX = {408, 425, 429}
#: Deliveries posted at once: the wait is the receivers', not ours.
SENDERS = 8


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
    http: requests.Session, url: str, secret: str, delivery_id: int, event: str, payload: str, now: datetime
) -> tuple[int | None, str]:
    """POST one delivery (from plain values: it runs in a worker thread)."""
    body = payload.encode()
    timestamp = str(int(now.timestamp()))
    headers = {
        "Content-Type": "application/json; charset=utf-8",
        "User-Agent": USER_AGENT,
        "X-Retablir-Event": event,
        "X-Retablir-Delivery": str(delivery_id),
        "X-Retablir-Timestamp": timestamp,
        "X-Retablir-Signature": signature(secret, timestamp, body),
    }
    try:
        # No redirects: the admins chose this address, not another.
        answer = http.post(url, data=body, headers=headers, timeout=TIMEOUT_SECONDS, allow_redirects=False)
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
    """Send what is due, a claimed batch at a time, several at once (the time
    is the receivers'); the batch's outcomes are committed together. A crash
    mid-batch resends those deliveries: receivers tell a repeat by
    ``X-Retablir-Delivery``. A paused webhook's deliveries wait."""
    report = DeliveryReport()
    ids = _claim(session, now, limit)
    if not ids:
        return report
    rows = session.scalars(
        select(WebhookDelivery)
        .where(WebhookDelivery.id.in_(ids))
        .options(joinedload(WebhookDelivery.webhook))
    ).all()
    paused = [row for row in rows if not row.webhook.active]
    for row in paused:
        row.claimed_until = None
    sending = [row for row in rows if row.webhook.active]
    jobs = [(row.webhook.url, row.webhook.secret, row.id, row.event, row.payload) for row in sending]
    # One keep-alive session per sending thread (a Session is not for sharing).
    local = threading.local()

    def send(job: tuple) -> tuple[int | None, str]:
        if not hasattr(local, "http"):
            local.http = requests.Session()
        return _post(local.http, *job, now)

    with ThreadPoolExecutor(max_workers=SENDERS) as pool:
        outcomes = list(pool.map(send, jobs))
    for row, (status, text) in zip(sending, outcomes, strict=True):
        _settle(row, status, text, now, report)
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
