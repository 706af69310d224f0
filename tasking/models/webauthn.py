"""Security keys (WebAuthn) a person signs in with as a second factor,
beside the authenticator app (auth/security_keys.py)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, LargeBinary, String
from sqlalchemy.orm import Mapped, mapped_column

from tasking.extensions import db

#: A credential id is at most 1,023 bytes (WebAuthn level 3): 1,364 in base64url.
CREDENTIAL_ID_LENGTH = 1400


class SecurityKey(db.Model):
    """One registered credential: its id (base64url, unique across
    accounts), its COSE public key, the signature counter the authenticator
    last reported (a lower one means a cloned key), the name the person gave
    it and the transports the browser said it uses (comma-separated)."""

    __tablename__ = "security_key"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user_account.id", ondelete="CASCADE"), index=True)
    credential_id: Mapped[str] = mapped_column(String(CREDENTIAL_ID_LENGTH), unique=True)
    public_key: Mapped[bytes] = mapped_column(LargeBinary)
    sign_count: Mapped[int] = mapped_column(default=0)
    name: Mapped[str] = mapped_column(String(80))
    transports: Mapped[str | None] = mapped_column(String(200))
    created_at: Mapped[datetime] = mapped_column()
    last_used_at: Mapped[datetime | None]
