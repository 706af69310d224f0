"""Personal access tokens: created, listed, revoked, and recognised."""

from __future__ import annotations

import hashlib
import secrets
from datetime import date, datetime, time, timedelta

from flask_babel import gettext as _
from sqlalchemy import select
from sqlalchemy.orm import Session

from tasking.core.errors import ServiceError
from tasking.models import ApiToken, User
from tasking.models.api import SCOPES

#: What every secret starts with, so a leaked one is easy to recognise (and scan for).
SECRET_PREFIX = "rtb_"
MAX_NAME = 100
#: A token lives at most a year: an old forgotten token is a door left open.
MAX_DAYS = 366
#: The last use is written at most this often: a burst of calls writes once.
LAST_USE_PRECISION = timedelta(minutes=1)


def secret_hash(secret: str) -> str:
    # The secret is 256 random bits: a plain hash cannot be brute-forced, and
    # it lets a request find its token with one indexed lookup.
    return hashlib.sha256(secret.encode()).hexdigest()


def create_token(
    session: Session, *, actor: User, name: str, scope: str, expires_on: date | None, now: datetime
) -> tuple[ApiToken, str]:
    """A new token and its secret, which is never stored and never shown again."""
    name = (name or "").strip()
    if not name:
        raise ServiceError(_("Give the token a name."), "name")
    if len(name) > MAX_NAME:
        raise ServiceError(_("The name is too long (100 characters at most)."), "name")
    if scope not in SCOPES:
        raise ServiceError(_("Choose what the token may do."), "scope")
    if expires_on is None:
        raise ServiceError(_("Choose when the token expires."), "expires_on")
    if expires_on <= now.date():
        raise ServiceError(_("The expiry date must be in the future."), "expires_on")
    if expires_on > now.date() + timedelta(days=MAX_DAYS):
        raise ServiceError(_("A token lives a year at most."), "expires_on")
    secret = SECRET_PREFIX + secrets.token_urlsafe(32)
    token = ApiToken(
        user_id=actor.id,
        name=name,
        scope=scope,
        secret_hash=secret_hash(secret),
        prefix=secret[:12],
        created_at=now,
        expires_at=datetime.combine(expires_on, time.min),
    )
    session.add(token)
    session.flush()
    return token, secret


def tokens_of(session: Session, user: User) -> list[ApiToken]:
    """The person's tokens, revoked ones last, newest first."""
    return list(
        session.scalars(
            select(ApiToken)
            .where(ApiToken.user_id == user.id)
            .order_by(ApiToken.revoked_at.is_not(None), ApiToken.created_at.desc(), ApiToken.id.desc())
        )
    )


def revoke_token(session: Session, *, actor: User, token_id: int, now: datetime) -> ApiToken:
    token = session.get(ApiToken, token_id)
    if token is None or token.user_id != actor.id:
        raise ServiceError(_("This token does not exist."))
    if token.revoked_at is None:
        token.revoked_at = now
    return token


def authenticate(session: Session, secret: str, now: datetime) -> ApiToken | None:
    """The usable token with this secret, its last use noted; None otherwise."""
    if not secret.startswith(SECRET_PREFIX):
        return None
    token = session.scalar(select(ApiToken).where(ApiToken.secret_hash == secret_hash(secret)))
    if token is None or not token.usable(now):
        return None
    if token.last_used_at is None or now - token.last_used_at >= LAST_USE_PRECISION:
        token.last_used_at = now
    return token
