"""Two-factor sign-in: a code from an authenticator app (TOTP, RFC 6238,
through pyotp), or one of ten single-use recovery codes.

The secret is chosen on the set-up page and kept in the person's session
until a first code proves the app has it; only then is it stored. A code is
accepted once (the last accepted 30-second step is kept), and wrong codes
count towards the same sign-in pause as wrong passwords. Recovery codes are
kept as keyed hashes (HMAC-SHA-256 with the app's secret key).

Functions flush but never commit: the caller commits once.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from datetime import UTC, datetime, timedelta

import pyotp
import segno
from flask import current_app
from flask_babel import gettext as _
from markupsafe import Markup
from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from tasking.auth import services as attempts
from tasking.core.errors import ServiceError
from tasking.models import Membership, Organisation, RecoveryCode, Role, SecurityKey, User

ISSUER = "Rétablir"
RECOVERY_CODES = 10
#: Codes of the step before and after are accepted too (clocks drift).
DRIFT_STEPS = 1
_ALPHABET = "abcdefghjkmnpqrstuvwxyz23456789"


def new_secret() -> str:
    return pyotp.random_base32()


def provisioning_uri(user: User, secret: str) -> str:
    """The otpauth:// address an authenticator app reads from the QR code."""
    return pyotp.TOTP(secret).provisioning_uri(name=user.email, issuer_name=ISSUER)


def qr_svg(uri: str) -> Markup:
    """The QR code as inline SVG: no image request, nothing for the CSP to allow."""
    svg = segno.make(uri, error="m").svg_inline(scale=5, border=2, dark="#111", light="#fff", omitsize=True)
    return Markup(svg)  # noqa: S704  (segno's own markup from an address we built)


def _timestamp(now: datetime) -> int:
    return int(now.replace(tzinfo=UTC).timestamp())


def _matching_step(secret: str, code: str, now: datetime) -> int | None:
    totp = pyotp.TOTP(secret)
    for offset in range(-DRIFT_STEPS, DRIFT_STEPS + 1):
        if hmac.compare_digest(totp.at(_timestamp(now), counter_offset=offset), code):
            return totp.timecode(now.replace(tzinfo=UTC)) + offset
    return None


def _digits(code: str) -> str:
    return "".join(ch for ch in (code or "") if not ch.isspace())


def enable(session: Session, *, user: User, secret: str, code: str, now: datetime) -> list[str]:
    """Turn two-factor sign-in on once ``code`` proves the app has ``secret``;
    returns the recovery codes, shown once."""
    step = _matching_step(secret, _digits(code), now)
    if step is None:
        raise ServiceError(
            _("This code is not the one your app shows. Check the clock of the phone."), "code"
        )
    user.totp_secret, user.totp_enabled_at, user.totp_last_step = secret, now, step
    return new_recovery_codes(session, user=user, now=now)


def disable(session: Session, *, user: User) -> None:
    if required_for(session, user):
        raise ServiceError(
            _("Your organisation requires two-factor sign-in for its administrators: it stays on.")
        )
    user.totp_secret = user.totp_enabled_at = user.totp_last_step = None
    # Security keys come beside the app: they go with it.
    for model in (RecoveryCode, SecurityKey):
        session.execute(delete(model).where(model.user_id == user.id))


def _hash(code: str) -> str:
    key = current_app.config["SECRET_KEY"].encode()
    return hmac.new(key, code.encode(), hashlib.sha256).hexdigest()


def new_recovery_codes(session: Session, *, user: User, now: datetime) -> list[str]:
    """Ten new codes (« abcde-fghjk »); the former ones stop working."""
    session.execute(delete(RecoveryCode).where(RecoveryCode.user_id == user.id))
    codes = []
    for _n in range(RECOVERY_CODES):
        raw = "".join(secrets.choice(_ALPHABET) for _c in range(10))
        codes.append(f"{raw[:5]}-{raw[5:]}")
    session.add_all(RecoveryCode(user_id=user.id, code_hash=_hash(c), created_at=now) for c in codes)
    session.flush()
    return codes


def recovery_codes_left(session: Session, user: User) -> int:
    return len(
        session.scalars(
            select(RecoveryCode.id).where(RecoveryCode.user_id == user.id, RecoveryCode.used_at.is_(None))
        ).all()
    )


def _use_recovery_code(session: Session, user: User, code: str, now: datetime) -> bool:
    normal = code.strip().lower().replace(" ", "")
    if len(normal) == 10:
        normal = f"{normal[:5]}-{normal[5:]}"
    row = session.scalar(
        select(RecoveryCode).where(
            RecoveryCode.user_id == user.id,
            RecoveryCode.code_hash == _hash(normal),
            RecoveryCode.used_at.is_(None),
        )
    )
    if row is None:
        return False
    row.used_at = now
    return True


def is_recovery_code(code: str) -> bool:
    """Whether ``code`` is taken as a recovery code rather than an app's six digits."""
    digits = _digits(code)
    return not (digits.isdigit() and len(digits) == 6)


def verify(session: Session, *, user: User, code: str, now: datetime) -> bool:
    """An app code not used before, or an unused recovery code (then spent)."""
    if not user.has_two_factor:
        return False
    digits = _digits(code)
    if not is_recovery_code(code):
        step = _matching_step(user.totp_secret, digits, now)
        if step is None or step <= (user.totp_last_step or 0):
            return False
        user.totp_last_step = step
        return True
    return _use_recovery_code(session, user, code, now)


def check_second_factor(
    session: Session, *, user: User, code: str, now: datetime, max_failures: int, lock: timedelta
) -> bool:
    """``verify`` at sign-in, counted like passwords: after ``max_failures``
    wrong codes in a row the address is paused (SignInPaused)."""
    address = user.email.lower()
    attempt = attempts.start_attempt(session, address, now, max_failures=max_failures, lock=lock)
    if verify(session, user=user, code=code, now=now):
        attempts.succeeded(session, address)
        return True
    attempts.after_failure(session, address, attempt, now, max_failures=max_failures, lock=lock)
    return False


def required_for(session: Session, user: User) -> bool:
    """Whether one of the person's organisations requires it of its administrators."""
    return (
        session.scalar(
            select(Membership.id)
            .join(Organisation, Organisation.id == Membership.organisation_id)
            .where(
                Membership.user_id == user.id,
                Membership.role == Role.ADMIN.value,
                Organisation.admins_need_2fa.is_(True),
            )
            .limit(1)
        )
        is not None
    )
