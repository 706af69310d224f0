"""Writing the security log (models/security.py), from any feature.

``record`` adds one event to the session it is given: it is written in the
same transaction as the change it records, so a refused change (rolled
back) leaves no event. A failed sign-in is the exception by design: its
route keeps the refusal (``transaction.keep_refusal``), and the event with it.
``note`` is the routes' shortcut: the request's address and browser, the
signed-in person as actor, the app's clock.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from flask import has_request_context, request
from flask_login import current_user
from sqlalchemy.orm import Session

from tasking.core import clock
from tasking.extensions import db
from tasking.models import SecurityEvent, User

SIGN_IN = "sign_in"
SIGN_IN_FAILED = "sign_in_failed"
SIGN_OUT = "sign_out"
SESSION_EXPIRED = "session_expired"
PASSWORD_CHANGED = "password_changed"
PASSWORD_RESET_REQUESTED = "password_reset_requested"
PASSWORD_RESET = "password_reset"
INVITATION_ACCEPTED = "invitation_accepted"
TWO_FACTOR_ENABLED = "two_factor_enabled"
TWO_FACTOR_DISABLED = "two_factor_disabled"
RECOVERY_CODE_USED = "recovery_code_used"
RECOVERY_CODES_REGENERATED = "recovery_codes_regenerated"
SECURITY_KEY_ADDED = "security_key_added"
SECURITY_KEY_REMOVED = "security_key_removed"
MEMBER_INVITED = "member_invited"
MEMBER_ADDED = "member_added"
ROLE_CHANGED = "role_changed"
ACCOUNT_DEACTIVATED = "account_deactivated"
ACCOUNT_REACTIVATED = "account_reactivated"
ORG_TWO_FACTOR_RULE = "org_two_factor_rule"
PRIVACY_NOTICE_PUBLISHED = "privacy_notice_published"
EXPORT = "export"
IMPORT = "import"
API_TOKEN_CREATED = "api_token_created"
API_TOKEN_REVOKED = "api_token_revoked"

KINDS = (
    SIGN_IN,
    SIGN_IN_FAILED,
    SIGN_OUT,
    SESSION_EXPIRED,
    PASSWORD_CHANGED,
    PASSWORD_RESET_REQUESTED,
    PASSWORD_RESET,
    INVITATION_ACCEPTED,
    TWO_FACTOR_ENABLED,
    TWO_FACTOR_DISABLED,
    RECOVERY_CODE_USED,
    RECOVERY_CODES_REGENERATED,
    SECURITY_KEY_ADDED,
    SECURITY_KEY_REMOVED,
    MEMBER_INVITED,
    MEMBER_ADDED,
    ROLE_CHANGED,
    ACCOUNT_DEACTIVATED,
    ACCOUNT_REACTIVATED,
    ORG_TWO_FACTOR_RULE,
    PRIVACY_NOTICE_PUBLISHED,
    EXPORT,
    IMPORT,
    API_TOKEN_CREATED,
    API_TOKEN_REVOKED,
)

USER_AGENT_LENGTH = 300
ADDRESS_LENGTH = 45
#: What a detail's text value may hold (an e-mail typed at sign-in, a file name).
DETAIL_TEXT_LENGTH = 254


def _id(value: User | int | None) -> int | None:
    return value if value is None or isinstance(value, int) else value.id


def _clean(detail: dict[str, Any] | None) -> dict[str, Any] | None:
    """Plain values only, long text cut: the log must not become a store of what people type."""
    if not detail:
        return None
    return {
        key: value[:DETAIL_TEXT_LENGTH] if isinstance(value, str) else value
        for key, value in detail.items()
        if value is None or isinstance(value, str | int | float | bool)
    }


def record(
    session: Session,
    kind: str,
    *,
    actor: User | int | None,
    subject: User | int | None = None,
    organisation: int | None = None,
    address: str | None = None,
    user_agent: str | None = None,
    detail: dict[str, Any] | None = None,
    now: datetime,
) -> SecurityEvent:
    """One event, added to ``session`` (written at its next flush, kept only
    if the transaction commits)."""
    if kind not in KINDS:
        raise ValueError(f"unknown security event kind {kind!r}")
    event = SecurityEvent(
        at=now,
        kind=kind,
        actor_user_id=_id(actor),
        subject_user_id=_id(subject),
        organisation_id=organisation,
        address=(address or None) and address[:ADDRESS_LENGTH],
        user_agent=(user_agent or None) and user_agent[:USER_AGENT_LENGTH],
        detail=_clean(detail),
    )
    session.add(event)
    return event


def request_origin() -> tuple[str | None, str | None]:
    """The client's address (as ProxyFix leaves it) and browser, outside a request (None, None)."""
    if not has_request_context():
        return None, None
    return request.remote_addr, request.headers.get("User-Agent")


_SIGNED_IN = object()


def note(
    kind: str,
    *,
    actor: User | int | None = _SIGNED_IN,  # type: ignore[assignment]
    subject: User | int | None = None,
    organisation: int | None = None,
    detail: dict[str, Any] | None = None,
) -> SecurityEvent:
    """``record`` from a route: this request's session, address, browser and
    clock; the actor is the signed-in person unless given."""
    if actor is _SIGNED_IN:
        actor = current_user.id if current_user.is_authenticated else None
    address, agent = request_origin()
    return record(
        db.session,
        kind,
        actor=actor,
        subject=subject,
        organisation=organisation,
        address=address,
        user_agent=agent,
        detail=detail,
        now=clock.now(),
    )
