"""Security keys (WebAuthn, through Duo Labs' py_webauthn) as a second
factor beside the authenticator app.

Keys are added once the app's codes are on (a key alone does not turn
two-factor sign-in on: the recovery codes and the app stay the way back in
when a key is lost), and they go when two-factor sign-in is turned off.
The relying party is the host of ``APP_BASE_URL``; the browser's origin must
be that address. Each ceremony's challenge is made here and checked by the
caller's session (single use); the signature counter the key reports must
grow, and is stored.

Functions flush but never commit: the caller commits once.
"""

from __future__ import annotations

import hashlib
import hmac
import json
from dataclasses import dataclass
from datetime import datetime, timedelta
from urllib.parse import urlsplit

import webauthn
from flask import current_app
from flask_babel import gettext as _
from sqlalchemy import select
from sqlalchemy.orm import Session
from webauthn.helpers import bytes_to_base64url
from webauthn.helpers.exceptions import WebAuthnException
from webauthn.helpers.structs import (
    AuthenticatorSelectionCriteria,
    AuthenticatorTransport,
    PublicKeyCredentialDescriptor,
    ResidentKeyRequirement,
    UserVerificationRequirement,
)

from tasking.auth import services as attempts
from tasking.core.errors import ServiceError
from tasking.models import SecurityKey, User
from tasking.models.webauthn import CREDENTIAL_ID_LENGTH

RP_NAME = "Rétablir"
NAME_LENGTH = 80
#: What the browser is given to answer, and how long a challenge is good.
TIMEOUT = timedelta(minutes=5)
#: A key's answer is JSON of a few kilobytes; more is not one.
MAX_ANSWER = 64 * 1024
_TRANSPORTS = {transport.value for transport in AuthenticatorTransport}


@dataclass(frozen=True)
class RelyingParty:
    id: str
    origin: str


def relying_party(base_url: str) -> RelyingParty:
    """The RP ID (the host of ``APP_BASE_URL``) and the origin browsers report."""
    parts = urlsplit(base_url)
    host = (parts.hostname or "").lower()
    default = {"http": 80, "https": 443}.get(parts.scheme)
    port = f":{parts.port}" if parts.port and parts.port != default else ""
    return RelyingParty(id=host, origin=f"{parts.scheme}://{host}{port}")


def keys_of(session: Session, user: User) -> list[SecurityKey]:
    return list(
        session.scalars(select(SecurityKey).where(SecurityKey.user_id == user.id).order_by(SecurityKey.id))
    )


def has_keys(session: Session, user: User) -> bool:
    return session.scalar(select(SecurityKey.id).where(SecurityKey.user_id == user.id).limit(1)) is not None


def _user_handle(user: User) -> bytes:
    """A stable handle that is not the person's id or address (the key may show it)."""
    key = current_app.config["SECRET_KEY"].encode()
    return hmac.new(key, f"webauthn-user:{user.id}".encode(), hashlib.sha256).digest()


def _descriptors(keys: list[SecurityKey]) -> list[PublicKeyCredentialDescriptor]:
    return [
        PublicKeyCredentialDescriptor(
            id=webauthn.base64url_to_bytes(key.credential_id),
            transports=[AuthenticatorTransport(t) for t in (key.transports or "").split(",") if t],
        )
        for key in keys
    ]


def registration_options(session: Session, *, user: User, rp: RelyingParty) -> tuple[str, bytes]:
    """The options for ``navigator.credentials.create`` (JSON) and their challenge."""
    if not user.has_two_factor:
        raise ServiceError(_("Set up the authenticator app first: security keys come beside it."))
    options = webauthn.generate_registration_options(
        rp_id=rp.id,
        rp_name=RP_NAME,
        user_id=_user_handle(user),
        user_name=user.email,
        user_display_name=user.name,
        timeout=int(TIMEOUT.total_seconds() * 1000),
        # A second factor: the password came first, so no PIN and no slot taken on the key.
        authenticator_selection=AuthenticatorSelectionCriteria(
            resident_key=ResidentKeyRequirement.DISCOURAGED,
            user_verification=UserVerificationRequirement.DISCOURAGED,
        ),
        exclude_credentials=_descriptors(keys_of(session, user)),
    )
    return webauthn.options_to_json(options), options.challenge


def authentication_options(session: Session, *, user: User, rp: RelyingParty) -> tuple[str, bytes]:
    """The options for ``navigator.credentials.get``: the person's keys only."""
    options = webauthn.generate_authentication_options(
        rp_id=rp.id,
        timeout=int(TIMEOUT.total_seconds() * 1000),
        allow_credentials=_descriptors(keys_of(session, user)),
        user_verification=UserVerificationRequirement.DISCOURAGED,
    )
    return webauthn.options_to_json(options), options.challenge


def _answer(text: str | None) -> dict:
    """The browser's answer as a JSON object, or the refusal every bad answer gets."""
    try:
        answer = json.loads(text or "") if len(text or "") <= MAX_ANSWER else None
    except ValueError:
        answer = None
    if not isinstance(answer, dict) or not isinstance(answer.get("id"), str):
        raise ServiceError(_("The security key's answer could not be read. Try again."), "credential")
    return answer


def _refusal(exc: Exception, rp: RelyingParty) -> ServiceError:
    """The library's reason, in words a person can act on."""
    reason = str(exc)
    if "origin" in reason or "RP ID" in reason:
        return ServiceError(
            _("The security key answered for another site address: use %(url)s.", url=rp.origin), "credential"
        )
    if "challenge" in reason:
        return ServiceError(_("This answer from the security key has expired. Try again."), "credential")
    return ServiceError(
        _("The security key was refused: its signature or its counter is not right."), "credential"
    )


def _checked(verify, rp: RelyingParty, **kwargs):  # noqa: ANN001, ANN202
    try:
        return verify(expected_rp_id=rp.id, expected_origin=rp.origin, **kwargs)
    # The library's parsers raise several kinds on a hostile answer (base64, CBOR, keys): all refusals.
    except (WebAuthnException, ValueError, TypeError, KeyError, IndexError, AttributeError) as exc:
        raise _refusal(exc, rp) from exc


def _transports(answer: dict) -> str | None:
    response = answer.get("response")
    listed = response.get("transports") if isinstance(response, dict) else None
    if not isinstance(listed, list):
        return None
    return ",".join(t for t in listed if isinstance(t, str) and t in _TRANSPORTS)[:200] or None


def _challenge(challenge: bytes | None) -> bytes:
    """The ceremony's challenge; none (used, too old, another's) is an expired answer."""
    if challenge is None:
        raise ServiceError(_("This answer from the security key has expired. Try again."), "credential")
    return challenge


def add_key(
    session: Session,
    *,
    user: User,
    name: str,
    credential: str | None,
    challenge: bytes | None,
    rp: RelyingParty,
    now: datetime,
) -> SecurityKey:
    """Check the browser's answer to ``registration_options`` and keep the key."""
    if not user.has_two_factor:
        raise ServiceError(_("Set up the authenticator app first: security keys come beside it."))
    name = (name or "").strip()
    if not name or len(name) > NAME_LENGTH:
        raise ServiceError(_("Give the key a name of at most %(num)d characters.", num=NAME_LENGTH), "name")
    answer = _answer(credential)
    challenge = _challenge(challenge)
    verified = _checked(
        webauthn.verify_registration_response, rp, credential=answer, expected_challenge=challenge
    )
    credential_id = bytes_to_base64url(verified.credential_id)
    if len(credential_id) > CREDENTIAL_ID_LENGTH:
        raise _refusal(ValueError("credential id too long"), rp)
    if session.scalar(select(SecurityKey.id).where(SecurityKey.credential_id == credential_id)):
        raise ServiceError(_("This security key is already registered."), "credential")
    key = SecurityKey(
        user_id=user.id,
        credential_id=credential_id,
        public_key=verified.credential_public_key,
        sign_count=verified.sign_count,
        name=name,
        transports=_transports(answer),
        created_at=now,
    )
    session.add(key)
    session.flush()
    return key


def remove_key(session: Session, *, user: User, key_id: int) -> SecurityKey | None:
    """The person's key ``key_id``, removed; None when they have no such key."""
    key = session.get(SecurityKey, key_id)
    if key is None or key.user_id != user.id:
        return None
    session.delete(key)
    session.flush()
    return key


def verify_key(
    session: Session,
    *,
    user: User,
    credential: str | None,
    challenge: bytes | None,
    rp: RelyingParty,
    now: datetime,
) -> SecurityKey:
    """The key that answered ``authentication_options``, its counter and last use updated."""
    answer = _answer(credential)
    challenge = _challenge(challenge)
    key = session.scalar(
        select(SecurityKey).where(SecurityKey.credential_id == answer["id"], SecurityKey.user_id == user.id)
    )
    if key is None:
        raise ServiceError(_("This security key is not one of this account's keys."), "credential")
    verified = _checked(
        webauthn.verify_authentication_response,
        rp,
        credential=answer,
        expected_challenge=challenge,
        credential_public_key=key.public_key,
        credential_current_sign_count=key.sign_count,
    )
    key.sign_count, key.last_used_at = verified.new_sign_count, now
    return key


def check_key_sign_in(
    session: Session,
    *,
    user: User,
    credential: str | None,
    challenge: bytes | None,
    rp: RelyingParty,
    now: datetime,
    max_failures: int,
    lock: timedelta,
) -> SecurityKey:
    """``verify_key`` at sign-in, a refusal counted like a wrong code (the
    same pause: SignInPaused)."""
    address = user.email.lower()
    attempt = attempts.start_attempt(session, address, now, max_failures=max_failures, lock=lock)
    try:
        key = verify_key(session, user=user, credential=credential, challenge=challenge, rp=rp, now=now)
    except ServiceError:
        attempts.after_failure(session, address, attempt, now, max_failures=max_failures, lock=lock)
        raise
    attempts.succeeded(session, address)
    return key
