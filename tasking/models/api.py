"""Personal access tokens: how a report or a small tool reaches the JSON API."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING

from sqlalchemy import ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from tasking.extensions import db

if TYPE_CHECKING:
    from tasking.models.org import User

SCOPES = ("read", "write")


class ApiToken(db.Model):
    """A named token acting with its owner's permissions, never more. Only a
    hash of the secret is kept: the secret is shown once, at creation."""

    __tablename__ = "api_token"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user_account.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(String(100))
    # « read », or « write » (read and write).
    scope: Mapped[str] = mapped_column(String(10))
    secret_hash: Mapped[str] = mapped_column(String(64), unique=True)
    # The secret's first characters, so its owner can tell tokens apart.
    prefix: Mapped[str] = mapped_column(String(16))
    created_at: Mapped[datetime] = mapped_column()
    expires_at: Mapped[datetime] = mapped_column()
    last_used_at: Mapped[datetime | None]
    revoked_at: Mapped[datetime | None]

    user: Mapped[User] = relationship()

    def usable(self, now: datetime) -> bool:
        return self.revoked_at is None and now < self.expires_at and self.user.active

    @property
    def writes(self) -> bool:
        return self.scope == "write"
