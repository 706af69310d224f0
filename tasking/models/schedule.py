"""What the scheduler has done: reminders sent, digests built, and the lease
that lets only one scheduler act at a time.

The unique constraints are what make every job idempotent: a job claims its
row first (INSERT … ON CONFLICT DO NOTHING) and only the run that wrote the
row queues the message.
"""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Float, ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from tasking.extensions import db


class ReminderLog(db.Model):
    """One reminder to one person about one task, for one rule and due date.

    ``rule`` is ``due:7``, ``due:1``, ``overdue:week0``, ``overdue:week1`` … or
    ``escalation``; ``occurrence`` is the due date it was about, so a postponed
    task gets fresh reminders.
    """

    __tablename__ = "reminder_log"
    __table_args__ = (UniqueConstraint("task_id", "user_id", "rule", "occurrence"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    task_id: Mapped[int] = mapped_column(ForeignKey("task.id", ondelete="CASCADE"))
    user_id: Mapped[int] = mapped_column(ForeignKey("user_account.id", ondelete="CASCADE"), index=True)
    rule: Mapped[str] = mapped_column(String(40))
    occurrence: Mapped[date]
    sent_at: Mapped[datetime] = mapped_column()


class DigestLog(db.Model):
    """A digest built for one person and one period (an ISO week).

    ``kind`` is ``personal`` or ``regional:<region id>``. A row is written
    even when the digest was empty (``queued`` false), so a second run skips
    the person; the latest queued personal row is "the last digest".
    """

    __tablename__ = "digest_log"
    __table_args__ = (UniqueConstraint("user_id", "kind", "period"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user_account.id", ondelete="CASCADE"), index=True)
    kind: Mapped[str] = mapped_column(String(40))
    period: Mapped[str] = mapped_column(String(10))
    queued: Mapped[bool] = mapped_column(default=False)
    created_at: Mapped[datetime] = mapped_column()


class SchedulerLease(db.Model):
    """Who runs the scheduler's jobs now; a holder that stops renewing loses it."""

    __tablename__ = "scheduler_lease"

    name: Mapped[str] = mapped_column(String(40), primary_key=True)
    holder: Mapped[str] = mapped_column(String(120))
    expires_at: Mapped[datetime]
    # The holder's last renewal: the scheduler's heartbeat, read by /healthz.
    renewed_at: Mapped[datetime | None]


class JobRunStat(db.Model):
    """How often a scheduler job ran and how long it took, per outcome (``ok``
    or ``error``). Jobs run in the scheduler process; the web workers read
    these rows to expose them in /metrics, so every worker says the same."""

    __tablename__ = "job_run_stat"

    job: Mapped[str] = mapped_column(String(40), primary_key=True)
    outcome: Mapped[str] = mapped_column(String(10), primary_key=True)
    runs: Mapped[int] = mapped_column(default=0)
    seconds_total: Mapped[float] = mapped_column(Float, default=0.0)
    last_run_at: Mapped[datetime | None]
    last_seconds: Mapped[float] = mapped_column(Float, default=0.0)
