"""The client secret at rest: encrypted with Fernet (AES-128-CBC and
HMAC-SHA-256, from ``cryptography``) under a key derived from SECRET_KEY,
so a copy of the database alone does not give it away."""

from __future__ import annotations

import base64
import hashlib
import hmac

from cryptography.fernet import Fernet, InvalidToken
from flask import current_app

_PURPOSE = b"retablir-sso-client-secret"


def _fernet() -> Fernet:
    key = hmac.new(current_app.config["SECRET_KEY"].encode(), _PURPOSE, hashlib.sha256).digest()
    return Fernet(base64.urlsafe_b64encode(key))


def seal(secret: str) -> str:
    return _fernet().encrypt(secret.encode()).decode()


def unseal(sealed: str) -> str | None:
    """The secret, or None when SECRET_KEY has changed since it was stored."""
    try:
        return _fernet().decrypt(sealed.encode()).decode()
    except InvalidToken:
        return None
