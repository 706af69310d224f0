"""How long a signed-in session lasts, and when it must show the password again.

- Without « rester connecté » a session ends after ``SESSION_IDLE_MINUTES``
  without a request from the person (polling by an open tab does not count)
  and, in any case, ``SESSION_MAX_HOURS`` after the sign-in.
- With it, the session lasts ``SESSION_REMEMBER_DAYS``, but the password is
  asked again before a security-sensitive action once
  ``SESSION_REAUTH_MINUTES`` have passed since it was last typed.

The instants are kept in the signed session cookie and read the app clock
(``clock.now``), so tests and the CLI's ``--now`` agree with the server.
Every signed-in answer is ``Cache-Control: no-store``; HSTS goes with https.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from datetime import UTC, datetime, timedelta

from flask import Flask, Response, current_app, flash, request, session, url_for
from flask.sessions import SecureCookieSessionInterface
from flask_babel import gettext as _
from flask_login import logout_user
from itsdangerous import URLSafeTimedSerializer

from tasking.core import clock, security_log
from tasking.core.htmx import sign_in_first
from tasking.core.transaction import keep_row
from tasking.core.urls import safe_next
from tasking.core.validation import parse_id
from tasking.extensions import db
from tasking.models import User

SIGNED_IN_AT = "auth_at"
SEEN_AT = "seen_at"
PASSWORD_AT = "password_at"
REMEMBER = "remember"
#: Requests that are not the person's doing: an open tab polling its bell,
#: files, health checks. They neither prolong a session nor answer no-store.
PASSIVE_ENDPOINTS = {"static", "favicon", "notifications.bell", "health.healthz", "health.readyz"}
#: A session's "seen" instant is written at most this often (fewer new cookies).
SEEN_RESOLUTION = 60


def _stamp(instant: datetime) -> int:
    return int(instant.replace(tzinfo=UTC).timestamp())


def _instant(stamp: object) -> datetime | None:
    if not isinstance(stamp, int):
        return None
    return datetime.fromtimestamp(stamp, UTC).replace(tzinfo=None)


def start(remember: bool, now: datetime) -> None:
    """Called once the password (and second factor) are checked at sign-in."""
    session.permanent = remember
    session[REMEMBER] = bool(remember)
    session[SIGNED_IN_AT] = session[SEEN_AT] = session[PASSWORD_AT] = _stamp(now)


def password_confirmed(now: datetime) -> None:
    """The person has just typed their password again (re-authentication)."""
    session[PASSWORD_AT] = _stamp(now)


def expiry(now: datetime) -> str | None:
    """Whether the signed-in session of this request has ended: « idle »,
    « lifetime » (too long since sign-in), « unknown » (no instants), or None."""
    config = current_app.config
    signed_in, seen = _instant(session.get(SIGNED_IN_AT)), _instant(session.get(SEEN_AT))
    if signed_in is None or seen is None:
        # A session from before these rules, or tampered with: sign in again.
        return "unknown"
    if session.get(REMEMBER):
        if now - signed_in > timedelta(days=config["SESSION_REMEMBER_DAYS"]):
            return "lifetime"
        return None
    if now - seen > timedelta(minutes=config["SESSION_IDLE_MINUTES"]):
        return "idle"
    if now - signed_in > timedelta(hours=config["SESSION_MAX_HOURS"]):
        return "lifetime"
    return None


def expired_reason(now: datetime) -> str | None:
    """Why the signed-in session of this request has ended, or None."""
    ended = expiry(now)
    if ended is None:
        return None
    if ended == "idle":
        return _("Your session ended after a period of inactivity. Sign in again.")
    return _("Your session has ended. Sign in again.")


def _record_expiry(ended: str) -> None:
    """The security log's line for a session that ended by itself: only for
    a cookie still valid otherwise (not one already signed out elsewhere)."""
    user_id = parse_id(str(session.get("_user_id", "")).partition(":")[0])
    user = db.session.get(User, user_id) if user_id else None
    if user is not None and user.get_id() == session.get("_user_id"):
        keep_row(
            security_log.note(
                security_log.SESSION_EXPIRED, actor=None, subject=user, detail={"reason": ended}
            )
        )


def password_is_recent(now: datetime) -> bool:
    """Whether a security-sensitive action may go ahead without the password
    again: always in a session without « rester connecté » (it is short), and
    within ``SESSION_REAUTH_MINUTES`` of the last password otherwise."""
    if not session.get(REMEMBER):
        return True
    typed = _instant(session.get(PASSWORD_AT))
    window = timedelta(minutes=current_app.config["SESSION_REAUTH_MINUTES"])
    return typed is not None and now - typed <= window


def ask_password_again() -> Response | None:
    """Before a security-sensitive action (called once the person is known to
    have the right): the way to the password page when it is not recent,
    else None. A GET comes back to itself afterwards; a POST to the page it
    was sent from."""
    if password_is_recent(clock.now()):
        return None
    if request.method == "GET":
        back = request.full_path if request.query_string else request.path
    else:
        back = _same_site_referrer()
    return sign_in_first(url_for("auth.reauthenticate", next=back))


def recent_password_required(view: Callable) -> Callable:
    """``ask_password_again`` before a view on the person's own account."""

    @functools.wraps(view)
    def wrapped(*args, **kwargs):  # noqa: ANN202
        return ask_password_again() or view(*args, **kwargs)

    return wrapped


def _same_site_referrer() -> str:
    referrer = request.referrer or ""
    root = request.host_url
    path = "/" + referrer[len(root) :] if referrer.startswith(root) else ""
    return safe_next(path, url_for("auth.account"))


class SignedCookieSessions(SecureCookieSessionInterface):
    """Flask's signed cookie session, its serializer built once per set of
    keys: Flask builds one at every opening and every saving (25 µs each)."""

    def __init__(self) -> None:
        self._built: tuple[tuple, URLSafeTimedSerializer | None] | None = None

    def get_signing_serializer(self, app: Flask) -> URLSafeTimedSerializer | None:
        keys = (app.secret_key, tuple(app.config["SECRET_KEY_FALLBACKS"] or ()))
        built = self._built
        if built is None or built[0] != keys:
            built = self._built = (keys, super().get_signing_serializer(app))
        return built[1]


def register(app: Flask) -> None:
    """The session rules on every request, and the headers of signed-in answers."""
    app.session_interface = SignedCookieSessions()

    @app.before_request
    def enforce() -> None:
        if "_user_id" not in session or request.endpoint in PASSIVE_ENDPOINTS:
            return
        now = clock.now()
        ended = expiry(now)
        if ended is not None:
            reason = expired_reason(now)
            _record_expiry(ended)
            logout_user()
            session.clear()
            flash(reason, "info")
            return
        if _stamp(now) - session[SEEN_AT] >= SEEN_RESOLUTION:
            session[SEEN_AT] = _stamp(now)

    @app.after_request
    def headers(response):  # noqa: ANN001, ANN202
        asked = request._get_current_object()
        if "_user_id" in session and asked.endpoint not in PASSIVE_ENDPOINTS:
            response.headers["Cache-Control"] = "no-store"
        if asked.is_secure:
            response.headers.setdefault("Strict-Transport-Security", "max-age=31536000; includeSubDomains")
        return response
