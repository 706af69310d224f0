"""Two-factor sign-in pages: the code asked after the password, and the
account's page to set it up, get new recovery codes or turn it off."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from flask import Blueprint, current_app, flash, redirect, render_template, request, session, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required, login_user

from tasking.auth import security_keys, services, two_factor
from tasking.auth.forms import CodeForm, SecurityKeyForm
from tasking.core import clock, security_log, sessions
from tasking.core.errors import ServiceError
from tasking.core.htmx import sign_in_first
from tasking.core.sessions import recent_password_required
from tasking.core.transaction import attempt, keep_refusal, refused_redirect
from tasking.core.urls import safe_next
from tasking.extensions import db
from tasking.models import User

bp = Blueprint("two_factor", __name__)

PENDING = "pending_2fa"
SETUP_SECRET = "totp_setup"
MUST_ENROL = "must_enrol_2fa"
#: The password is good this long for the code page.
PENDING_FOR = timedelta(minutes=5)
#: What an administrator who must set it up may still open meanwhile.
OPEN_WHILE_ENROLLING = {
    "two_factor.setup",
    "two_factor.manage",
    "auth.logout",
    "auth.set_language",
    "auth.reauthenticate",
    "static",
    "favicon",
    "notifications.bell",
}


def _stamp(instant: datetime) -> int:
    return int(instant.replace(tzinfo=UTC).timestamp())


def ask_code(user: User, remember: bool, next_url: str, *, method: str = "password"):  # noqa: ANN201
    """After a right password for an account with two factors: the code page.
    ``method`` is how the first factor was given, for the security log."""
    session[PENDING] = {
        "u": user.id,
        "e": user.session_epoch,
        "at": _stamp(clock.now()),
        "r": bool(remember),
        "n": next_url,
        "m": method,
    }
    return redirect(url_for("two_factor.challenge"), code=303)


def finish_sign_in(  # noqa: ANN201
    user: User, remember: bool, next_url: str, *, method: str = "password", second_factor: str | None = None
):
    """Sign the person in; an administrator whose organisation requires two
    factors and who has none is sent to set it up first. ``method`` (the
    first factor: « password », « link »…) and ``second_factor`` (« app »,
    « recovery_code ») go to the security log."""
    security_log.note(
        security_log.SIGN_IN,
        actor=user,
        subject=user,
        detail={"method": method, "second_factor": second_factor, "remember": bool(remember)},
    )
    login_user(user, remember=False)
    sessions.start(remember, clock.now())
    if not user.has_two_factor and two_factor.required_for(db.session, user):
        session[MUST_ENROL] = True
        flash(_("Your organisation requires two-factor sign-in for administrators: set it up now."), "info")
        return redirect(url_for("two_factor.setup"), code=303)
    return redirect(next_url, code=303)


def pending_user() -> tuple[User | None, dict]:
    pending = session.get(PENDING)
    if not isinstance(pending, dict):
        return None, {}
    started = datetime.fromtimestamp(int(pending.get("at", 0)), UTC).replace(tzinfo=None)
    user = db.session.get(User, pending.get("u"))
    if (
        clock.now() - started > PENDING_FOR
        or user is None
        or not user.active
        or user.session_epoch != pending.get("e")
        or not user.has_two_factor
    ):
        return None, {}
    return user, pending


@bp.route("/login/code", methods=["GET", "POST"])
def challenge():
    """The authenticator app's code (or a recovery code) after the password."""
    user, pending = pending_user()
    if user is None:
        session.pop(PENDING, None)
        flash(_("Sign in again: the code must follow the password within five minutes."), "info")
        return redirect(url_for("auth.login"), code=303)
    form = CodeForm()
    paused = 0
    if form.validate_on_submit():
        config = current_app.config
        try:
            right = two_factor.check_second_factor(
                db.session,
                user=user,
                code=form.code.data,
                now=clock.now(),
                max_failures=config["LOGIN_MAX_FAILURES"],
                lock=timedelta(minutes=config["LOGIN_LOCK_MINUTES"]),
            )
        except services.SignInPaused as exc:
            right, paused = False, exc.seconds
            form.code.errors.append(exc.message)
        else:
            if not right:
                form.code.errors.append(_("This code is not right, or it has already been used."))
        keep_refusal()
        if right:
            return _code_accepted(user, pending, form.code.data)
        code_refused(user, "paused" if paused else "wrong_code")
    page = challenge_page(user, form)
    if paused:
        return page, 429, {"Retry-After": str(paused)}
    return page, 422 if form.errors else 200


def challenge_page(user: User, form: CodeForm, key_error: str | None = None) -> str:
    """The code page; with the person's security keys, the button that uses one."""
    has_keys = security_keys.has_keys(db.session, user)
    return render_template(
        "auth/two_factor_challenge.html", form=form, has_keys=has_keys, key_error=key_error
    )


def _code_accepted(user: User, pending: dict, code: str):  # noqa: ANN202
    session.pop(PENDING, None)
    user.last_login_at = clock.now()
    factor = "recovery_code" if two_factor.is_recovery_code(code) else "app"
    if factor == "recovery_code":
        security_log.note(security_log.RECOVERY_CODE_USED, actor=user, subject=user)
    next_url = safe_next(pending["n"], url_for("plans.home"))
    return finish_sign_in(
        user, pending["r"], next_url, method=pending.get("m", "password"), second_factor=factor
    )


def code_refused(user: User, reason: str) -> None:
    """A wrong second-factor code: a failed sign-in (the route keeps the refusal)."""
    security_log.note(
        security_log.SIGN_IN_FAILED,
        actor=None,
        subject=user,
        detail={"email": user.email, "reason": reason, "step": "code"},
    )


@bp.route("/account/two-factor")
@login_required
def manage():
    return manage_page(SecurityKeyForm())


def manage_page(key_form: SecurityKeyForm) -> str:
    """The account's two-factor page: state, recovery codes, security keys."""
    left = two_factor.recovery_codes_left(db.session, current_user) if current_user.has_two_factor else 0
    return render_template(
        "auth/two_factor.html",
        codes_left=left,
        required=two_factor.required_for(db.session, current_user),
        keys=security_keys.keys_of(db.session, current_user),
        key_form=key_form,
    )


@bp.route("/account/two-factor/setup", methods=["GET", "POST"])
@login_required
@recent_password_required
def setup():
    """Scan the QR code, type the first code: two factors are on, and the
    recovery codes are shown, once."""
    if current_user.has_two_factor:
        return redirect(url_for("two_factor.manage"))
    secret = session.get(SETUP_SECRET) or two_factor.new_secret()
    session[SETUP_SECRET] = secret
    form = CodeForm()
    if form.validate_on_submit():
        try:
            with attempt():
                codes = two_factor.enable(
                    db.session, user=current_user, secret=secret, code=form.code.data, now=clock.now()
                )
        except ServiceError as exc:
            form.code.errors.append(exc.message)
        else:
            security_log.note(security_log.TWO_FACTOR_ENABLED, subject=current_user.id)
            session.pop(SETUP_SECRET, None)
            session.pop(MUST_ENROL, None)
            return render_template("auth/recovery_codes.html", codes=codes, first=True)
    uri = two_factor.provisioning_uri(current_user, secret)
    page = render_template(
        "auth/two_factor_setup.html", form=form, qr=two_factor.qr_svg(uri), secret=secret, uri=uri
    )
    return page, 422 if form.errors else 200


@bp.route("/account/two-factor/recovery-codes", methods=["POST"])
@login_required
@recent_password_required
def recovery_codes():
    """Ten new recovery codes; the former ones stop working."""
    if not current_user.has_two_factor:
        return refused_redirect(url_for("two_factor.manage"), _("Two-factor sign-in is not on."))
    codes = two_factor.new_recovery_codes(db.session, user=current_user, now=clock.now())
    security_log.note(security_log.RECOVERY_CODES_REGENERATED, subject=current_user.id)
    return render_template("auth/recovery_codes.html", codes=codes, first=False)


@bp.route("/account/two-factor/disable", methods=["POST"])
@login_required
@recent_password_required
def disable():
    back = url_for("two_factor.manage")
    if not current_user.has_two_factor:
        return redirect(back, code=303)
    try:
        two_factor.disable(db.session, user=current_user)
    except ServiceError as exc:
        return refused_redirect(back, exc.message)
    security_log.note(security_log.TWO_FACTOR_DISABLED, subject=current_user.id)
    flash(_("Two-factor sign-in is off: your password alone signs you in."), "success")
    return redirect(back, code=303)


@bp.before_app_request
def enrol_first():  # noqa: ANN201
    """An administrator who must set up two factors sees nothing else first."""
    if not session.get(MUST_ENROL) or "_user_id" not in session:
        return None
    if request.endpoint in OPEN_WHILE_ENROLLING:
        return None
    return sign_in_first(url_for("two_factor.setup"))


# Security keys' routes join this blueprint (they use the pending sign-in above).
from tasking.auth import key_routes  # noqa: E402, F401
