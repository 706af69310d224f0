"""Each plan's counts, recorded once a week by the regional digest job: what
"since last week" in the digest and the regional dashboard's trend compare to."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Index, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from tasking.extensions import db


class PlanWeek(db.Model):
    """One plan's counts in one ISO week (the week of its region's digest).

    The unique key makes recording idempotent: a second run of the week
    keeps the first figures."""

    __tablename__ = "plan_week"
    __table_args__ = (
        UniqueConstraint("plan_id", "week"),
        Index("ix_plan_week_organisation", "organisation_id", "week"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    plan_id: Mapped[int] = mapped_column(ForeignKey("plan.id", ondelete="CASCADE"))
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisation.id", ondelete="CASCADE"))
    week: Mapped[str] = mapped_column(String(10))
    total: Mapped[int]
    done: Mapped[int]
    overdue: Mapped[int]
    blocked: Mapped[int]
    recorded_at: Mapped[datetime] = mapped_column()
