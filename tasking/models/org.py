"""Regions (MRC), organisations (municipalities), users and their roles."""

from __future__ import annotations

import enum
from datetime import datetime

from flask import current_app
from flask_login import UserMixin
from sqlalchemy import ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship
from werkzeug.security import check_password_hash, generate_password_hash

from tasking.extensions import db


class Role(enum.StrEnum):
    ADMIN = "admin"
    MEMBER = "member"
    VIEWER = "viewer"


class Region(db.Model):
    __tablename__ = "region"

    id: Mapped[int] = mapped_column(primary_key=True)
    slug: Mapped[str] = mapped_column(String(60), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    timezone: Mapped[str] = mapped_column(String(60), default="America/Montreal")
    # The regional digest goes out before the weekly meeting (Monday = 0).
    digest_weekday: Mapped[int] = mapped_column(default=3)
    digest_time: Mapped[str] = mapped_column(String(5), default="08:00")
    created_at: Mapped[datetime] = mapped_column()

    organisations: Mapped[list[Organisation]] = relationship(
        back_populates="region", order_by="Organisation.name", foreign_keys="Organisation.region_id"
    )


class Organisation(db.Model):
    __tablename__ = "organisation"

    id: Mapped[int] = mapped_column(primary_key=True)
    slug: Mapped[str] = mapped_column(String(60), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    region_id: Mapped[int | None] = mapped_column(ForeignKey("region.id"), index=True)
    # Set on a region's own organisation (its staff, owner of the regional
    # plan): the region it serves. Such an organisation is in no region's list
    # of municipalities (``region_id`` stays None), so digests and dashboards
    # that list a region's municipalities never count it.
    staff_of_region_id: Mapped[int | None] = mapped_column(ForeignKey("region.id"), unique=True)
    timezone: Mapped[str] = mapped_column(String(60), default="America/Montreal")
    # Notification settings: reminder days before a due date, comma-separated.
    reminder_days: Mapped[str] = mapped_column(String(40), default="7,1")
    escalation_days: Mapped[int] = mapped_column(default=7)
    digest_weekday: Mapped[int] = mapped_column(default=0)
    digest_time: Mapped[str] = mapped_column(String(5), default="07:00")
    # The weekly check-in: opens this many working days before the region's
    # meeting slot, closes at ``checkin_close_time`` on the working day before
    # the meeting; the late reminder goes ``checkin_grace_hours`` after opening.
    checkin_enabled: Mapped[bool] = mapped_column(default=True)
    checkin_days_before: Mapped[int] = mapped_column(default=2)
    checkin_close_time: Mapped[str] = mapped_column(String(5), default="17:00")
    checkin_grace_hours: Mapped[int] = mapped_column(default=24)
    # Its administrators must sign in with a second factor (sent to set it up).
    admins_need_2fa: Mapped[bool] = mapped_column(default=False)
    created_at: Mapped[datetime] = mapped_column()

    region: Mapped[Region | None] = relationship(back_populates="organisations", foreign_keys=[region_id])
    staff_of_region: Mapped[Region | None] = relationship(foreign_keys=[staff_of_region_id])
    memberships: Mapped[list[Membership]] = relationship(back_populates="organisation")

    @property
    def kind(self) -> str:
        """ "region" for a region's own organisation, else "municipality"."""
        return "region" if self.staff_of_region_id is not None else "municipality"


class User(UserMixin, db.Model):
    __tablename__ = "user_account"

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(String(254), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    password_hash: Mapped[str | None] = mapped_column(String(255))
    active: Mapped[bool] = mapped_column(default=True)
    locale: Mapped[str] = mapped_column(String(10), default="fr_CA")
    regional_region_id: Mapped[int | None] = mapped_column(ForeignKey("region.id"), index=True)
    # Bumped on password change or deactivation: older sessions stop working.
    session_epoch: Mapped[int] = mapped_column(default=0)
    calendar_token: Mapped[str | None] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column()
    last_login_at: Mapped[datetime | None]
    # Two-factor sign-in (auth/two_factor.py): the authenticator app's shared
    # secret (base32), when it was turned on, and the last 30-second step a
    # code was accepted for (a code is good once).
    totp_secret: Mapped[str | None] = mapped_column(String(64))
    totp_enabled_at: Mapped[datetime | None]
    totp_last_step: Mapped[int | None]

    memberships: Mapped[list[Membership]] = relationship(back_populates="user", cascade="all, delete-orphan")
    regional_region: Mapped[Region | None] = relationship()

    def set_password(self, password: str) -> None:
        # Tests lower the work factor: scrypt's cost is the point in production only.
        method = current_app.config.get("PASSWORD_HASH_METHOD", "scrypt")
        self.password_hash = generate_password_hash(password, method=method)
        self.session_epoch += 1

    def check_password(self, password: str) -> bool:
        return bool(self.password_hash) and check_password_hash(self.password_hash, password)

    @property
    def is_active(self) -> bool:  # Flask-Login refuses inactive users
        return self.active

    def get_id(self) -> str:
        return f"{self.id}:{self.session_epoch}"

    @property
    def has_two_factor(self) -> bool:
        return self.totp_enabled_at is not None

    @property
    def initials(self) -> str:
        parts = [p for p in self.name.replace("-", " ").split() if p]
        return "".join(p[0] for p in parts[:2]).upper() or self.email[:2].upper()


class Membership(db.Model):
    """A user's role in one organisation."""

    __tablename__ = "membership"
    __table_args__ = (UniqueConstraint("user_id", "organisation_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user_account.id", ondelete="CASCADE"))
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisation.id"), index=True)
    role: Mapped[str] = mapped_column(String(20), default=Role.MEMBER.value)
    created_at: Mapped[datetime] = mapped_column()

    user: Mapped[User] = relationship(back_populates="memberships")
    organisation: Mapped[Organisation] = relationship(back_populates="memberships")


class SignInFailure(db.Model):
    """Wrong passwords in a row for one address, whether or not an account
    uses it: the answer must not tell which addresses have one."""

    __tablename__ = "sign_in_failure"

    email: Mapped[str] = mapped_column(String(254), primary_key=True)
    failures: Mapped[int] = mapped_column(default=0)
    locked_until: Mapped[datetime | None]
    last_failure_at: Mapped[datetime] = mapped_column(index=True)


class RecoveryCode(db.Model):
    """A single-use code that stands in for the authenticator app (a lost
    phone). Only its keyed hash is stored; ``used_at`` marks it spent."""

    __tablename__ = "recovery_code"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user_account.id", ondelete="CASCADE"), index=True)
    code_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column()
    used_at: Mapped[datetime | None]
