"""Law 25 (Québec's A-2.1) records of an organisation: its confidentiality
incident register, its privacy notice (versioned) with the person
responsible for the protection of personal information, and who
acknowledged which version of the notice."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import ForeignKey, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from tasking.extensions import db
from tasking.models.org import User


class ConfidentialityIncident(db.Model):
    """One entry of the register, with the fields the Commission d'accès à
    l'information's incident form asks for."""

    __tablename__ = "confidentiality_incident"
    __table_args__ = (UniqueConstraint("organisation_id", "number"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisation.id"), index=True)
    # Numbered per organisation: ids would tell how many the others recorded.
    number: Mapped[int] = mapped_column()
    occurred_on: Mapped[date | None] = mapped_column()
    occurred_until: Mapped[date | None] = mapped_column()
    discovered_on: Mapped[date] = mapped_column()
    discovered_by: Mapped[str] = mapped_column(String(200))
    nature: Mapped[str] = mapped_column(String(20))
    description: Mapped[str] = mapped_column(Text)
    information_concerned: Mapped[str] = mapped_column(Text)
    people_concerned: Mapped[int | None] = mapped_column()
    sensitivity: Mapped[str | None] = mapped_column(String(10))
    consequences: Mapped[str] = mapped_column(Text, default="")
    probability: Mapped[str | None] = mapped_column(String(10))
    # None until the risk of serious harm is assessed.
    serious_harm: Mapped[bool | None] = mapped_column()
    measures: Mapped[str] = mapped_column(Text, default="")
    commission_notified: Mapped[bool] = mapped_column(default=False)
    commission_notified_on: Mapped[date | None] = mapped_column()
    people_notified: Mapped[bool] = mapped_column(default=False)
    people_notified_on: Mapped[date | None] = mapped_column()
    people_not_notified_reason: Mapped[str] = mapped_column(Text, default="")
    other_bodies: Mapped[str] = mapped_column(Text, default="")
    status: Mapped[str] = mapped_column(String(10), default="open")
    created_at: Mapped[datetime] = mapped_column()
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id", ondelete="SET NULL"))
    updated_at: Mapped[datetime] = mapped_column()
    updated_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id", ondelete="SET NULL"))

    created_by: Mapped[User | None] = relationship(foreign_keys=[created_by_id])
    updated_by: Mapped[User | None] = relationship(foreign_keys=[updated_by_id])
    changes: Mapped[list[IncidentChange]] = relationship(
        back_populates="incident", order_by="IncidentChange.id", cascade="all, delete-orphan"
    )


class IncidentChange(db.Model):
    """Who changed an incident, when, and what (field → [before, after], JSON)."""

    __tablename__ = "confidentiality_incident_change"

    id: Mapped[int] = mapped_column(primary_key=True)
    incident_id: Mapped[int] = mapped_column(
        ForeignKey("confidentiality_incident.id", ondelete="CASCADE"), index=True
    )
    changed_at: Mapped[datetime] = mapped_column()
    changed_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id", ondelete="SET NULL"))
    changes: Mapped[str] = mapped_column(Text)

    incident: Mapped[ConfidentialityIncident] = relationship(back_populates="changes")
    changed_by: Mapped[User | None] = relationship()


class PrivacyOfficer(db.Model):
    """The person responsible for the protection of personal information of
    an organisation, as its notice names them (a change needs no new
    acknowledgement: the notice's text is what people acknowledge)."""

    __tablename__ = "privacy_officer"

    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisation.id"), primary_key=True)
    name: Mapped[str] = mapped_column(String(200), default="")
    title: Mapped[str] = mapped_column(String(200), default="")
    contact: Mapped[str] = mapped_column(String(500), default="")
    updated_at: Mapped[datetime] = mapped_column()
    updated_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id", ondelete="SET NULL"))


class PrivacyNotice(db.Model):
    """A version of an organisation's notice; the highest is the current one.
    An organisation without any shows the app's default text (version 0)."""

    __tablename__ = "privacy_notice"
    __table_args__ = (UniqueConstraint("organisation_id", "version"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisation.id"), index=True)
    version: Mapped[int] = mapped_column()
    body: Mapped[str] = mapped_column(Text)
    published_at: Mapped[datetime] = mapped_column()
    published_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id", ondelete="SET NULL"))

    published_by: Mapped[User | None] = relationship()


class PrivacyAcknowledgement(db.Model):
    """A person read version ``version`` of an organisation's notice (0: the
    default text) at ``acknowledged_at``."""

    __tablename__ = "privacy_acknowledgement"
    __table_args__ = (UniqueConstraint("user_id", "organisation_id", "version"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user_account.id", ondelete="CASCADE"), index=True)
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisation.id"), index=True)
    version: Mapped[int] = mapped_column()
    acknowledged_at: Mapped[datetime] = mapped_column()

    user: Mapped[User] = relationship()
