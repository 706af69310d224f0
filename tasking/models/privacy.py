"""Law 25 (Québec, A-2.1): how long an organisation keeps the personal data
of deactivated accounts, when each account was deactivated, and the record
of every account whose name and e-mail were replaced by a pseudonym."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column

from tasking.extensions import db

#: What replaces the name and the e-mail; N is the record's id. Stored data,
#: not interface text: the same words for every reader.
PSEUDONYM = "Personne retirée {number}"
PSEUDONYM_EMAIL = "retire-{number}@retablir.invalid"


class OrgRetention(db.Model):
    """An organisation's retention period for deactivated accounts, in days.
    No row means the organisation keeps the data."""

    __tablename__ = "org_retention"

    organisation_id: Mapped[int] = mapped_column(
        ForeignKey("organisation.id", ondelete="CASCADE"), primary_key=True
    )
    days: Mapped[int] = mapped_column()
    updated_at: Mapped[datetime] = mapped_column()
    updated_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id", ondelete="SET NULL"))


class AccountDeactivation(db.Model):
    """When an account was deactivated (the retention period runs from then);
    removed when the account is reactivated."""

    __tablename__ = "account_deactivation"

    user_id: Mapped[int] = mapped_column(ForeignKey("user_account.id", ondelete="CASCADE"), primary_key=True)
    deactivated_at: Mapped[datetime] = mapped_column()


class Pseudonymisation(db.Model):
    """An account whose personal data was replaced by « Personne retirée N »
    (N is this row's id): done once, the unique ``user_id`` is the claim."""

    __tablename__ = "pseudonymisation"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user_account.id", ondelete="CASCADE"), unique=True)
    done_at: Mapped[datetime] = mapped_column()
    # The organisation whose retention period (the longest that applied) ran out.
    organisation_id: Mapped[int | None] = mapped_column(ForeignKey("organisation.id", ondelete="SET NULL"))
    retention_days: Mapped[int | None] = mapped_column()
    deactivated_at: Mapped[datetime | None] = mapped_column()
    reason: Mapped[str] = mapped_column(String(40), default="retention")

    @property
    def pseudonym(self) -> str:
        return PSEUDONYM.format(number=self.id)

    @property
    def pseudonym_email(self) -> str:
        return PSEUDONYM_EMAIL.format(number=self.id)
