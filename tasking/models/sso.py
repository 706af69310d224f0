"""An organisation's single sign-on: its OpenID Connect provider."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from tasking.extensions import db
from tasking.models.org import Organisation


class OrgSso(db.Model):
    """The provider its members sign in with (Microsoft Entra ID or any
    OpenID Connect provider), and whether their password still signs them in.
    The client secret is kept encrypted (Fernet, keyed from SECRET_KEY)."""

    __tablename__ = "org_sso"

    organisation_id: Mapped[int] = mapped_column(
        ForeignKey("organisation.id", ondelete="CASCADE"), primary_key=True
    )
    # The issuer as the provider's discovery document states it.
    issuer: Mapped[str] = mapped_column(String(500))
    client_id: Mapped[str] = mapped_column(String(255))
    client_secret_encrypted: Mapped[str] = mapped_column(Text)
    # The end of the secret, to recognise it on the settings page.
    secret_hint: Mapped[str] = mapped_column(String(8))
    # Shown on the sign-in button: « Se connecter avec Microsoft 365 ».
    provider_name: Mapped[str] = mapped_column(String(80))
    password_allowed: Mapped[bool] = mapped_column(default=True)
    updated_at: Mapped[datetime] = mapped_column()
    updated_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id", ondelete="SET NULL"))

    organisation: Mapped[Organisation] = relationship()
