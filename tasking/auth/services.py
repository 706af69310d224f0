"""Authentication and signed links for password reset and invitations."""

from __future__ import annotations

import math
from datetime import datetime, timedelta

from flask import current_app, url_for
from flask_babel import gettext as _
from flask_babel import ngettext
from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer
from sqlalchemy import update
from sqlalchemy.orm import Session

from tasking.core.errors import ServiceError
from tasking.core.validation import check_password_strength
from tasking.models import OutboxMessage, User
from tasking.orgs.services import user_by_email
from tasking.outbox import queue as outbox

RESET_SALT = "password-reset"
INVITE_SALT = "invitation"
INVITE_MAX_AGE = 60 * 60 * 24 * 7


def authenticate(
    session: Session, email: str, password: str, now: datetime, *, max_failures: int, lock: timedelta
) -> User | None:
    """The active user with this e-mail and password, or None.

    After `max_failures` wrong passwords in a row the account refuses every
    sign-in, the right password included, for `lock`: guessing a password
    then takes years. Raises ServiceError while the account is locked.
    """
    user = user_by_email(session, email)
    if user is None or not user.active:
        return None
    if user.locked_until is None or user.locked_until <= now:
        if user.check_password(password):
            user.failed_logins = 0
            user.locked_until = None
            user.last_login_at = now
            return user
        # Counted in SQL: parallel guesses must not overwrite each other's count.
        failures = session.execute(
            update(User)
            .where(User.id == user.id)
            .values(failed_logins=User.failed_logins + 1)
            .returning(User.failed_logins)
        ).scalar_one()
        if failures < max_failures:
            return None
        user.failed_logins = 0
        user.locked_until = now + lock
    minutes = max(1, math.ceil((user.locked_until - now).total_seconds() / 60))
    raise ServiceError(
        ngettext(
            "Too many failed attempts: signing in to this account is paused for %(num)d minute. "
            "Try again later, or choose a new password with “Forgot your password?”.",
            "Too many failed attempts: signing in to this account is paused for %(num)d minutes. "
            "Try again later, or choose a new password with “Forgot your password?”.",
            minutes,
        )
    )


def load_session_user(session: Session, session_id: str) -> User | None:
    """Flask-Login's loader: "<id>:<epoch>"; an old epoch means signed out."""
    user_id, _, epoch = (session_id or "").partition(":")
    if not user_id.isdigit() or not epoch.isdigit():
        return None
    user = session.get(User, int(user_id))
    if user is None or not user.active or user.session_epoch != int(epoch):
        return None
    return user


def _serializer(salt: str) -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.config["SECRET_KEY"], salt=salt)


def make_token(user: User, salt: str) -> str:
    # The epoch changes when the password is set: the link then stops working.
    return _serializer(salt).dumps({"u": user.id, "e": user.session_epoch})


def user_from_token(session: Session, token: str, salt: str, max_age: int) -> User:
    try:
        data = _serializer(salt).loads(token, max_age=max_age)
    except SignatureExpired as exc:
        raise ServiceError(_("This link has expired. Ask for a new one.")) from exc
    except BadSignature as exc:
        raise ServiceError(_("This link is not valid.")) from exc
    user = session.get(User, data.get("u"))
    if user is None or not user.active or user.session_epoch != data.get("e"):
        raise ServiceError(_("This link has already been used or is no longer valid."))
    return user


def request_password_reset(session: Session, email: str, now: datetime) -> OutboxMessage | None:
    """Queue a reset link for an active account; say nothing about others."""
    user = user_by_email(session, email)
    if user is None or not user.active:
        return None
    token = make_token(user, RESET_SALT)
    link = current_app.config["APP_BASE_URL"] + url_for("auth.reset_password", token=token)
    return outbox.queue(
        session,
        dedupe_key=f"reset:{user.id}:{token[-24:]}",
        kind="password_reset",
        recipient=user.email,
        template="password_reset",
        now=now,
        user=user,
        link=link,
        hours=current_app.config["PASSWORD_RESET_MAX_AGE"] // 3600,
    )


def queue_invitation(session: Session, user: User, inviter: User, org_name: str, now: datetime):
    token = make_token(user, INVITE_SALT)
    link = current_app.config["APP_BASE_URL"] + url_for("auth.accept_invitation", token=token)
    return outbox.queue(
        session,
        dedupe_key=f"invite:{user.id}:{token[-24:]}",
        kind="invitation",
        recipient=user.email,
        template="invitation",
        now=now,
        user=user,
        inviter=inviter,
        org_name=org_name,
        link=link,
    )


def set_password(user: User, password: str, now: datetime) -> None:
    """The password chosen from an invitation or reset link; the page then signs the user in."""
    check_password_strength(password, email=user.email, name=user.name)
    user.set_password(password)
    # Proving ownership of the mailbox lifts a sign-in lock.
    user.failed_logins = 0
    user.locked_until = None
    user.last_login_at = now
