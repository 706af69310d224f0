"""Authentication and signed links for password reset and invitations."""

from __future__ import annotations

import functools
import math
import secrets
from collections.abc import Callable, Sequence
from datetime import datetime, timedelta

from flask import current_app
from flask_babel import gettext as _
from flask_babel import ngettext
from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer
from sqlalchemy import case, delete, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session
from werkzeug.security import check_password_hash, generate_password_hash

from tasking.core.batches import Query, forget_ahead
from tasking.core.errors import ServiceError
from tasking.core.permissions import user_with_roles
from tasking.core.signing import timed_serializer
from tasking.core.urls import external_url
from tasking.core.validation import check_password_strength
from tasking.models import Membership, OrgSso, OutboxMessage, SignInFailure, User
from tasking.orgs.services import user_by_email
from tasking.outbox import queue as outbox

RESET_SALT = "password-reset"
INVITE_SALT = "invitation"
INVITE_MAX_AGE = 60 * 60 * 24 * 7
RESET_INTERVAL = timedelta(minutes=10)


class SignInPaused(ServiceError):
    """Too many wrong passwords for an address: sign-in waits ``seconds``."""

    def __init__(self, seconds: int):
        minutes = max(1, math.ceil(seconds / 60))
        super().__init__(
            ngettext(
                "Too many failed attempts: signing in with this address is paused for %(num)d minute. "
                "Try again later, or choose a new password with “Forgot your password?”.",
                "Too many failed attempts: signing in with this address is paused for %(num)d minutes. "
                "Try again later, or choose a new password with “Forgot your password?”.",
                minutes,
            )
        )
        self.seconds = seconds


class PasswordSignInOff(ServiceError):
    """The right password, but the person's organisation signs in with its provider only."""

    def __init__(self) -> None:
        super().__init__(
            _(
                "Your organisation signs in with its own account provider, not with a password here: "
                "use the « Sign in with … » button of your organisation below."
            )
        )


def password_sign_in_allowed(session: Session, user: User) -> bool:
    """False when one of the person's organisations has turned password
    sign-in off (single sign-on only: leaving the organisation's directory
    must end access here too)."""
    refusing = session.scalar(
        select(OrgSso.organisation_id)
        .join(Membership, Membership.organisation_id == OrgSso.organisation_id)
        .where(Membership.user_id == user.id, OrgSso.password_allowed.is_(False))
        .limit(1)
    )
    return refusing is None


def authenticate(
    session: Session, email: str, password: str, now: datetime, *, max_failures: int, lock: timedelta
) -> User | None:
    """The active user with this e-mail and password, or None.

    After ``max_failures`` wrong passwords in a row for an address, every
    sign-in with it (the right password included) waits ``lock``: guessing a
    password then takes years. Addresses without an account are counted and
    answered the same, and take as long to refuse, so that neither the answer
    nor its time tells which addresses have an account. Raises SignInPaused,
    or PasswordSignInOff for a right password its organisation no longer takes.
    """
    address = (email or "").strip().lower()[:254]
    attempt = start_attempt(session, address, now, max_failures=max_failures, lock=lock)
    user = user_by_email(session, address)
    if user is None:
        check_password_hash(_decoy_hash(current_app.config["PASSWORD_HASH_METHOD"]), password)
    elif user.active and user.check_password(password):
        if not password_sign_in_allowed(session, user):
            # Only someone who knows the password learns that: no guess is spent.
            _uncount(session, address)
            raise PasswordSignInOff()
        if user.has_two_factor:
            # Only the code ends the count: else each right password would
            # buy as many more guesses at the code.
            _uncount(session, address)
        else:
            succeeded(session, address)
        user.last_login_at = now
        return user
    after_failure(session, address, attempt, now, max_failures=max_failures, lock=lock)
    return None


def start_attempt(
    session: Session, address: str, now: datetime, *, max_failures: int, lock: timedelta
) -> int:
    """One more attempt (a password or a second-factor code) for the address;
    SignInPaused when it is paused or has used up its tries. Counted before
    the secret is checked: of many guesses sent at once, only the first
    ``max_failures`` are checked at all."""
    paused = session.get(SignInFailure, address)
    if paused is not None and paused.locked_until is not None and paused.locked_until > now:
        raise SignInPaused(int((paused.locked_until - now).total_seconds()))
    attempt = _count_attempt(session, address, now)
    if attempt > max_failures:
        _pause(session, address, now + lock)
        raise SignInPaused(int(lock.total_seconds()))
    return attempt


def after_failure(
    session: Session, address: str, attempt: int, now: datetime, *, max_failures: int, lock: timedelta
) -> None:
    """The last try wrong: the address pauses (SignInPaused)."""
    if attempt == max_failures:
        _pause(session, address, now + lock)
        raise SignInPaused(int(lock.total_seconds()))


def succeeded(session: Session, address: str) -> None:
    """A right answer ends the count of wrong ones."""
    session.execute(delete(SignInFailure).where(SignInFailure.email == address))


def _uncount(session: Session, address: str) -> None:
    """This attempt was right: it does not count as a failure."""
    session.execute(
        update(SignInFailure)
        .where(SignInFailure.email == address)
        .values(failures=SignInFailure.failures - 1)
    )


def _pause(session: Session, address: str, until: datetime) -> None:
    session.execute(update(SignInFailure).where(SignInFailure.email == address).values(locked_until=until))


@functools.cache
def _decoy_hash(method: str) -> str:
    return generate_password_hash(secrets.token_hex(16), method=method)


def _count_attempt(session: Session, address: str, now: datetime) -> int:
    """One more attempt for the address since its last success, counted in
    SQL (parallel guesses cannot lose one); rows left from days ago are
    dropped on the way."""
    insert = postgresql.insert if session.get_bind().dialect.name == "postgresql" else sqlite.insert
    statement = insert(SignInFailure).values(email=address, failures=1, last_failure_at=now)
    # A pause that has ended starts the count again.
    ended = SignInFailure.locked_until.is_not(None) & (SignInFailure.locked_until <= now)
    statement = statement.on_conflict_do_update(
        index_elements=[SignInFailure.email],
        set_={
            "failures": case((ended, 1), else_=SignInFailure.failures + 1),
            "locked_until": case((ended, None), else_=SignInFailure.locked_until),
            "last_failure_at": now,
        },
    ).returning(SignInFailure.failures)
    failures = session.execute(statement).scalar_one()
    session.execute(
        delete(SignInFailure).where(
            SignInFailure.last_failure_at < now - timedelta(days=1),
            (SignInFailure.locked_until.is_(None)) | (SignInFailure.locked_until < now),
        )
    )
    return failures


def load_session_user(
    session: Session, session_id: str, reads_first: Callable[[int], Sequence[Query]] | None = None
) -> User | None:
    """Flask-Login's loader: "<id>:<epoch>"; an old epoch means signed out.
    ``reads_first(user id)``: the page's first reads, sent with the person's
    statement and kept for the page only if the person is let in."""
    user_id, _, epoch = (session_id or "").partition(":")
    if not user_id.isdigit() or not epoch.isdigit():
        return None
    ahead = reads_first(int(user_id)) if reads_first is not None else ()
    user = user_with_roles(session, int(user_id), ahead=ahead)
    if user is None or not user.active or user.session_epoch != int(epoch):
        if ahead:
            forget_ahead(session)
        return None
    return user


def _serializer(salt: str) -> URLSafeTimedSerializer:
    return timed_serializer(salt)


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
    # One link per address every few minutes: the form must not become a way
    # to fill someone's mailbox. The page says the same either way.
    recent = session.scalar(
        select(OutboxMessage.id).where(
            OutboxMessage.kind == "password_reset",
            OutboxMessage.user_id == user.id,
            OutboxMessage.created_at > now - RESET_INTERVAL,
        )
    )
    if recent is not None:
        return None
    token = make_token(user, RESET_SALT)
    link = external_url("auth.reset_password", token=token)
    return outbox.queue(
        session,
        dedupe_key=f"reset:{user.id}:{now:%Y%m%dT%H%M%S}",
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
    link = external_url("auth.accept_invitation", token=token)
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


def end_sessions(user: User) -> None:
    """Every session and "keep me signed in" cookie of the user stops working."""
    user.session_epoch += 1


def set_password(session: Session, user: User, password: str, now: datetime) -> None:
    """The password chosen from an invitation or reset link; the page then signs the user in."""
    check_password_strength(password, email=user.email, name=user.name)
    user.set_password(password)
    # Proving ownership of the mailbox lifts a sign-in pause.
    session.execute(delete(SignInFailure).where(SignInFailure.email == user.email.lower()))
    user.last_login_at = now
