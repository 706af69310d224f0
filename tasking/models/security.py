"""The security log: who signed in, changed a password or a role, exported
or imported data, from which address and when (issue 13, ASVS V7)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column

from tasking.extensions import db


class SecurityEvent(db.Model):
    """One security-relevant event, written in the same transaction as the
    change it records (core/security_log.py), kept ``SECURITY_LOG_DAYS``.

    ``actor`` did it (None: nobody signed in, or the app itself); ``subject``
    is whom it concerns (the account signed into, the member whose role
    changed); ``organisation`` the organisation it happened in, when it
    happened in one (a role, an export), else None (a sign-in).
    """

    __tablename__ = "security_event"
    # The admin page filters an organisation's events by date, person and kind.
    __table_args__ = (
        Index("ix_security_event_organisation_at", "organisation_id", "at"),
        Index("ix_security_event_subject_at", "subject_user_id", "at"),
        Index("ix_security_event_actor_at", "actor_user_id", "at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    # Indexed alone as well: the purge deletes by date.
    at: Mapped[datetime] = mapped_column(index=True)
    kind: Mapped[str] = mapped_column(String(40))
    # Users and organisations are never deleted in the app; if one were, its events stay.
    actor_user_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id", ondelete="SET NULL"))
    subject_user_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id", ondelete="SET NULL"))
    organisation_id: Mapped[int | None] = mapped_column(ForeignKey("organisation.id", ondelete="SET NULL"))
    # The client's address as the app sees it (after TRUSTED_PROXIES' ProxyFix).
    address: Mapped[str | None] = mapped_column(String(45))
    user_agent: Mapped[str | None] = mapped_column(String(300))
    # Plain values only: the e-mail typed at a failed sign-in, a role before and after…
    detail: Mapped[dict[str, Any] | None] = mapped_column(JSON)
