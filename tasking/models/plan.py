"""A recovery plan as the template lays it out: general objectives, themes,
operational objectives and their targets (cibles) with measurements."""

from __future__ import annotations

from datetime import date, datetime
from typing import TYPE_CHECKING

from sqlalchemy import ForeignKey, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from tasking.extensions import db

if TYPE_CHECKING:
    from tasking.models.org import Organisation, User
    from tasking.models.task import Task

HORIZONS = ("short_medium", "long")


class Plan(db.Model):
    __tablename__ = "plan"

    id: Mapped[int] = mapped_column(primary_key=True)
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisation.id"), index=True)
    title: Mapped[str] = mapped_column(String(300))
    event: Mapped[str] = mapped_column(String(200), default="")
    template_key: Mapped[str | None] = mapped_column(String(60))
    source: Mapped[str] = mapped_column(Text, default="")
    timing_note: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column()
    archived_at: Mapped[datetime | None]

    organisation: Mapped[Organisation] = relationship()
    general_objectives: Mapped[list[GeneralObjective]] = relationship(
        back_populates="plan", order_by="GeneralObjective.position", cascade="all, delete-orphan"
    )
    themes: Mapped[list[Theme]] = relationship(
        back_populates="plan", order_by="Theme.position", cascade="all, delete-orphan"
    )


class GeneralObjective(db.Model):
    __tablename__ = "general_objective"

    id: Mapped[int] = mapped_column(primary_key=True)
    plan_id: Mapped[int] = mapped_column(ForeignKey("plan.id", ondelete="CASCADE"), index=True)
    horizon: Mapped[str] = mapped_column(String(20))
    title: Mapped[str] = mapped_column(Text)
    position: Mapped[int] = mapped_column(default=0)

    plan: Mapped[Plan] = relationship(back_populates="general_objectives")
    specific_objectives: Mapped[list[SpecificObjective]] = relationship(
        back_populates="general_objective",
        order_by="SpecificObjective.position",
        cascade="all, delete-orphan",
    )


class SpecificObjective(db.Model):
    __tablename__ = "specific_objective"

    id: Mapped[int] = mapped_column(primary_key=True)
    general_objective_id: Mapped[int] = mapped_column(
        ForeignKey("general_objective.id", ondelete="CASCADE"), index=True
    )
    number: Mapped[str] = mapped_column(String(10))
    title: Mapped[str] = mapped_column(Text)
    details: Mapped[str] = mapped_column(Text, default="")
    precision: Mapped[str] = mapped_column(Text, default="")
    position: Mapped[int] = mapped_column(default=0)

    general_objective: Mapped[GeneralObjective] = relationship(back_populates="specific_objectives")


class Theme(db.Model):
    """An enjeu: a section of the template with its table of objectives."""

    __tablename__ = "theme"

    id: Mapped[int] = mapped_column(primary_key=True)
    plan_id: Mapped[int] = mapped_column(ForeignKey("plan.id", ondelete="CASCADE"), index=True)
    number: Mapped[int | None]
    title: Mapped[str] = mapped_column(String(300))
    subtitle: Mapped[str] = mapped_column(Text, default="")
    category: Mapped[str] = mapped_column(String(30), default="transversal")
    colour: Mapped[str] = mapped_column(String(7), default="#e0b400")
    definition: Mapped[str] = mapped_column(Text, default="")
    missions_text: Mapped[str] = mapped_column(Text, default="")
    # Newline-separated lists: short, ordered, edited as text by people.
    missions_internal: Mapped[str] = mapped_column(Text, default="")
    missions_external: Mapped[str] = mapped_column(Text, default="")
    communication_issues: Mapped[str] = mapped_column(Text, default="")
    objectives_heading: Mapped[str] = mapped_column(String(200), default="")
    actions_note: Mapped[str] = mapped_column(Text, default="")
    position: Mapped[int] = mapped_column(default=0)
    archived_at: Mapped[datetime | None]

    plan: Mapped[Plan] = relationship(back_populates="themes")
    objectives: Mapped[list[OperationalObjective]] = relationship(
        back_populates="theme", order_by="OperationalObjective.position", cascade="all, delete-orphan"
    )

    @staticmethod
    def lines(text: str) -> list[str]:
        return [line for line in (text or "").splitlines() if line.strip()]


class OperationalObjective(db.Model):
    """A row of a theme's table: actions (tasks) and targets hang off it."""

    __tablename__ = "operational_objective"

    id: Mapped[int] = mapped_column(primary_key=True)
    theme_id: Mapped[int] = mapped_column(ForeignKey("theme.id", ondelete="CASCADE"), index=True)
    title: Mapped[str] = mapped_column(Text)
    description: Mapped[str] = mapped_column(Text, default="")
    comments: Mapped[str] = mapped_column(Text, default="")
    position: Mapped[int] = mapped_column(default=0)
    archived_at: Mapped[datetime | None]

    theme: Mapped[Theme] = relationship(back_populates="objectives")
    tasks: Mapped[list[Task]] = relationship(
        back_populates="objective", order_by="Task.plan_position", cascade="all, delete-orphan"
    )
    targets: Mapped[list[Target]] = relationship(
        back_populates="objective", order_by="Target.position", cascade="all, delete-orphan"
    )


class Target(db.Model):
    """A cible: free text, optionally measurable."""

    __tablename__ = "target"

    id: Mapped[int] = mapped_column(primary_key=True)
    objective_id: Mapped[int] = mapped_column(
        ForeignKey("operational_objective.id", ondelete="CASCADE"), index=True
    )
    text: Mapped[str] = mapped_column(Text)
    unit: Mapped[str | None] = mapped_column(String(40))
    baseline: Mapped[float | None]
    target_value: Mapped[float | None]
    # "up" when a higher value is better, "down" when lower is better.
    direction: Mapped[str] = mapped_column(String(4), default="up")
    position: Mapped[int] = mapped_column(default=0)

    objective: Mapped[OperationalObjective] = relationship(back_populates="targets")
    measurements: Mapped[list[Measurement]] = relationship(
        back_populates="target",
        order_by="(Measurement.measured_on, Measurement.id)",
        cascade="all, delete-orphan",
    )

    @property
    def is_measurable(self) -> bool:
        return self.target_value is not None

    def progress(self, latest: float | None, first: float | None = None) -> float | None:
        """Share of the way from baseline to target (0..1), or None.

        Up is better: (latest − baseline) / (target − baseline); down is better:
        (baseline − latest) / (baseline − target), both clamped to 0..1. With no
        baseline an "up" target counts from zero; a "down" target has no natural
        start, so it counts from ``first`` (the first measurement) when given.
        """
        if self.target_value is None or latest is None:
            return None
        down = self.direction == "down"
        start = self.baseline
        if start is None:
            start = first if down else 0.0
            if start is None:
                return None
        if self.target_value == start:
            reached = latest <= self.target_value if down else latest >= self.target_value
            return 1.0 if reached else 0.0
        # The same ratio for both directions: the signs of both terms flip together.
        return max(0.0, min(1.0, (latest - start) / (self.target_value - start)))


class Measurement(db.Model):
    __tablename__ = "measurement"

    id: Mapped[int] = mapped_column(primary_key=True)
    target_id: Mapped[int] = mapped_column(ForeignKey("target.id", ondelete="CASCADE"), index=True)
    value: Mapped[float]
    measured_on: Mapped[date]
    note: Mapped[str] = mapped_column(Text, default="")
    author_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    created_at: Mapped[datetime] = mapped_column()

    target: Mapped[Target] = relationship(back_populates="measurements")
    author: Mapped[User | None] = relationship()
