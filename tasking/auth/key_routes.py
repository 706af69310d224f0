"""Security keys (WebAuthn) on the two-factor blueprint: adding, removing,
and signing in with one after the password.

Each ceremony is two requests: the options (JSON, fetched by
static/js/webauthn.js) and the browser's answer, posted with the page's
form. The challenge waits in the person's session between the two, for
``security_keys.TIMEOUT``, and is taken out when the answer comes: it is
good once.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from flask import current_app, flash, jsonify, redirect, request, session, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required
from webauthn import base64url_to_bytes
from webauthn.helpers import bytes_to_base64url

from tasking.auth import factor_routes, security_keys, services
from tasking.auth.factor_routes import bp
from tasking.auth.forms import CodeForm, SecurityKeyForm
from tasking.core import clock, security_log
from tasking.core.errors import ServiceError
from tasking.core.sessions import recent_password_required
from tasking.core.transaction import attempt, keep_refusal
from tasking.core.urls import safe_next
from tasking.extensions import db
from tasking.models import User

CHALLENGE = "webauthn_challenge"
REGISTER, SIGN_IN = "register", "sign_in"


def _rp() -> security_keys.RelyingParty:
    return security_keys.relying_party(current_app.config["APP_BASE_URL"])


def _keep_challenge(purpose: str, user: User, challenge: bytes) -> None:
    stamp = int(clock.now().replace(tzinfo=UTC).timestamp())
    session[CHALLENGE] = {"p": purpose, "u": user.id, "c": bytes_to_base64url(challenge), "at": stamp}


def _take_challenge(purpose: str, user: User) -> bytes | None:
    """The challenge of this ceremony, once: None when there is none, it is
    another person's or ceremony's, or it is older than the options allowed."""
    kept = session.pop(CHALLENGE, None)
    if not isinstance(kept, dict) or kept.get("p") != purpose or kept.get("u") != user.id:
        return None
    made = datetime.fromtimestamp(int(kept.get("at", 0)), UTC).replace(tzinfo=None)
    if clock.now() - made > security_keys.TIMEOUT:
        return None
    return base64url_to_bytes(str(kept.get("c", "")))


def _options(options: str):  # noqa: ANN202
    response = current_app.response_class(options, mimetype="application/json")
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.route("/account/two-factor/keys/options", methods=["POST"])
@login_required
@recent_password_required
def key_options():
    """The options to create a key with (the browser asks before the ceremony)."""
    try:
        options, challenge = security_keys.registration_options(db.session, user=current_user, rp=_rp())
    except ServiceError as exc:
        return jsonify(error=exc.message), 409
    _keep_challenge(REGISTER, current_user, challenge)
    return _options(options)


@bp.route("/account/two-factor/keys", methods=["POST"])
@login_required
@recent_password_required
def add_key():
    """The browser's new credential, with the name the person gave the key."""
    form = SecurityKeyForm()
    challenge = _take_challenge(REGISTER, current_user)
    if form.validate_on_submit():
        try:
            with attempt():
                key = security_keys.add_key(
                    db.session,
                    user=current_user,
                    name=form.name.data,
                    credential=form.credential.data,
                    challenge=challenge,
                    rp=_rp(),
                    now=clock.now(),
                )
        except ServiceError as exc:
            (form.name if exc.field == "name" else form.credential).errors.append(exc.message)
        else:
            security_log.note(
                security_log.SECURITY_KEY_ADDED, subject=current_user.id, detail={"name": key.name}
            )
            flash(_("The security key « %(name)s » is added.", name=key.name), "success")
            return redirect(url_for("two_factor.manage"), code=303)
    status = 400 if form.credential.errors else 422
    # A new ceremony is needed anyway: the used answer is not sent back.
    form.credential.data = ""
    return factor_routes.manage_page(form), status


@bp.route("/account/two-factor/keys/<int:key_id>/remove", methods=["POST"])
@login_required
@recent_password_required
def remove_key(key_id: int):
    key = security_keys.remove_key(db.session, user=current_user, key_id=key_id)
    if key is None:
        return _("No such security key."), 404
    security_log.note(security_log.SECURITY_KEY_REMOVED, subject=current_user.id, detail={"name": key.name})
    flash(_("The security key « %(name)s » is removed.", name=key.name), "success")
    return redirect(url_for("two_factor.manage"), code=303)


def _pending_or_login():  # noqa: ANN202
    user, pending = factor_routes.pending_user()
    if user is None:
        session.pop(factor_routes.PENDING, None)
        flash(_("Sign in again: the code must follow the password within five minutes."), "info")
    return user, pending


@bp.route("/login/key/options", methods=["POST"])
def sign_in_options():
    """The options to sign in with one of the pending person's keys."""
    user, _pending = _pending_or_login()
    if user is None:
        return jsonify(error=_("Sign in again."), redirect=url_for("auth.login")), 401
    if not security_keys.has_keys(db.session, user):
        return jsonify(error=_("This account has no security key: type the code.")), 409
    options, challenge = security_keys.authentication_options(db.session, user=user, rp=_rp())
    _keep_challenge(SIGN_IN, user, challenge)
    return _options(options)


@bp.route("/login/key", methods=["POST"])
def sign_in_with_key():
    """The key's signature after the password: signed in, or the code page with the reason."""
    user, pending = _pending_or_login()
    if user is None:
        return redirect(url_for("auth.login"), code=303)
    form = CodeForm()
    challenge = _take_challenge(SIGN_IN, user)
    config = current_app.config
    paused = 0
    try:
        security_keys.check_key_sign_in(
            db.session,
            user=user,
            credential=request.form.get("credential"),
            challenge=challenge,
            rp=_rp(),
            now=clock.now(),
            max_failures=config["LOGIN_MAX_FAILURES"],
            lock=timedelta(minutes=config["LOGIN_LOCK_MINUTES"]),
        )
    except services.SignInPaused as exc:
        message, paused = exc.message, exc.seconds
    except ServiceError as exc:
        message = exc.message
    else:
        return _key_accepted(user, pending)
    keep_refusal()
    factor_routes.code_refused(user, "paused" if paused else "wrong_key")
    page = factor_routes.challenge_page(user, form, key_error=message)
    if paused:
        return page, 429, {"Retry-After": str(paused)}
    return page, 400


def _key_accepted(user: User, pending: dict):  # noqa: ANN202
    session.pop(factor_routes.PENDING, None)
    user.last_login_at = clock.now()
    next_url = safe_next(pending["n"], url_for("plans.home"))
    return factor_routes.finish_sign_in(
        user, pending["r"], next_url, method=pending.get("m", "password"), second_factor="security_key"
    )
