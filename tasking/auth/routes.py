"""Sign-in pages."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import timedelta

from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, session, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required, login_user, logout_user

from tasking.auth import factor_routes, services
from tasking.auth.forms import (
    ChangePasswordForm,
    ConfirmPasswordForm,
    ForgotPasswordForm,
    LoginForm,
    SetPasswordForm,
)
from tasking.core import clock, security_log, sessions
from tasking.core.batches import Query
from tasking.core.errors import ServiceError
from tasking.core.htmx import sign_in_first
from tasking.core.i18n import normalise_locale
from tasking.core.transaction import attempt, keep_refusal
from tasking.core.urls import safe_next
from tasking.extensions import db, login_manager
from tasking.me.home import start_of
from tasking.orgs.services import user_by_email
from tasking.outbox.notice import flash_mail_notice
from tasking.outbox.sender import send_after_commit

bp = Blueprint("auth", __name__)


@login_manager.user_loader
def load_user(session_id: str):
    return services.load_session_user(db.session, session_id, _reads_first())


def _reads_first() -> Callable[[int], Sequence[Query]] | None:
    """The reads the view asked to send with its reader's (``batches.reads_first``)."""
    view = current_app.view_functions.get(request.endpoint)
    reads = getattr(view, "reads_first", None)
    if reads is None:
        return None
    return lambda reader_id: reads(reader_id, **request.view_args)


@login_manager.unauthorized_handler
def unauthorized():
    # full_path always ends in "?", even without a query string.
    back = request.full_path if request.query_string else request.path
    return sign_in_first(url_for("auth.login", next=back if request.method == "GET" else None))


def _safe_next(value: str | None) -> str:
    return safe_next(value, url_for("plans.home"))


@bp.route("/login", methods=["GET", "POST"])
def login():
    if current_user.is_authenticated:
        return redirect(_safe_next(request.args.get("next")))
    form = LoginForm()
    paused = 0
    if form.validate_on_submit():
        config = current_app.config
        try:
            user = services.authenticate(
                db.session,
                form.email.data,
                form.password.data,
                clock.now(),
                max_failures=config["LOGIN_MAX_FAILURES"],
                lock=timedelta(minutes=config["LOGIN_LOCK_MINUTES"]),
            )
        except services.SignInPaused as exc:
            user, paused = None, exc.seconds
            form.password.errors.append(exc.message)
            sign_in_failed(form.email.data, "paused")
        except services.PasswordSignInOff as exc:
            user = None
            form.password.errors.append(exc.message)
            sign_in_failed(form.email.data, "password_off")
        else:
            if user is None:
                form.password.errors.append(
                    _("Wrong e-mail address or password, or the account is deactivated.")
                )
                sign_in_failed(form.email.data)
        # Kept either way: a failure counts towards the lock.
        keep_refusal()
        if user is not None:
            # Straight to the page the person's role starts from, unless a link asked
            # for another; the session cookie itself carries « rester connecté » (core/sessions.py).
            home = start_of(db.session, user).home
            target = safe_next(request.args.get("next"), url_for(home.endpoint, **home.values))
            if user.has_two_factor:
                return factor_routes.ask_code(user, form.remember.data, target)
            return factor_routes.finish_sign_in(user, form.remember.data, target)
    page = render_template("auth/login.html", form=form)
    if paused:
        return page, 429, {"Retry-After": str(paused)}
    return page, 422 if form.errors else 200


def sign_in_failed(email: str, reason: str | None = None) -> None:
    """A refused sign-in in the security log (the route keeps the refusal).
    ``reason`` None: the account tells it (unknown address, deactivated, wrong password)."""
    address = (email or "").strip().lower()
    account = user_by_email(db.session, address)
    if reason is None:
        reason = "unknown_email" if account is None else "wrong_password" if account.active else "deactivated"
    # What is not an address may be a password typed in the wrong field: not kept.
    typed = address if "@" in address else None
    security_log.note(
        security_log.SIGN_IN_FAILED,
        actor=None,
        subject=account,
        detail={"email": typed, "reason": reason, "step": "password"},
    )


@bp.route("/logout", methods=["POST"])
def logout():
    if current_user.is_authenticated:
        security_log.note(security_log.SIGN_OUT, subject=current_user.id)
        # Cookies are signed, not stored: a new epoch is what ends them, on
        # every device (a copied cookie must not outlive "Sign out").
        services.end_sessions(current_user)
    logout_user()
    flash(_("You are signed out."), "info")
    return redirect(url_for("auth.login"), code=303)


@bp.route("/password/forgot", methods=["GET", "POST"])
def forgot_password():
    form = ForgotPasswordForm()
    if form.validate_on_submit():
        now = clock.now()
        row = services.request_password_reset(db.session, form.email.data, now)
        if row is not None:
            security_log.note(security_log.PASSWORD_RESET_REQUESTED, actor=None, subject=row.user_id)
        send_after_commit([row], now)
        # The same answer whether or not the address has an account.
        flash_mail_notice(
            _("If an account uses this address, a link to choose a new password has been sent."),
            _(
                "If an account uses this address, a link to choose a new password waits in the outbox: "
                "no mail server is set. An administrator of your organisation can give it to you."
            ),
        )
        return redirect(url_for("auth.login"), code=303)
    return render_template("auth/forgot.html", form=form), 422 if form.errors else 200


def _password_page(token: str, salt: str, max_age: int, heading: str, kind: str):
    try:
        user = services.user_from_token(db.session, token, salt, max_age)
    except ServiceError as exc:
        return render_template("auth/link_invalid.html", message=exc.message), 400
    if not services.password_sign_in_allowed(db.session, user):
        # Invitations and resets set a password its organisation no longer takes.
        message = services.PasswordSignInOff().message
        return render_template("auth/link_invalid.html", message=message, use_provider=True), 403
    form = SetPasswordForm()
    if form.validate_on_submit():
        try:
            with attempt():
                services.set_password(db.session, user, form.password.data, clock.now())
        except ServiceError as exc:
            form.password.errors.append(exc.message)
        else:
            logout_user()
            security_log.note(kind, actor=user, subject=user)
            flash(_("Your password is saved."), "success")
            # The mailbox is one factor: a second one is still asked for.
            if user.has_two_factor:
                return factor_routes.ask_code(user, False, url_for("plans.home"), method="link")
            return factor_routes.finish_sign_in(user, False, url_for("plans.home"), method="link")
    status = 422 if form.errors else 200
    return render_template("auth/set_password.html", form=form, heading=heading, user=user), status


@bp.route("/password/reset/<token>", methods=["GET", "POST"])
def reset_password(token: str):
    return _password_page(
        token,
        services.RESET_SALT,
        current_app.config["PASSWORD_RESET_MAX_AGE"],
        _("Choose a new password"),
        security_log.PASSWORD_RESET,
    )


@bp.route("/invitation/<token>", methods=["GET", "POST"])
def accept_invitation(token: str):
    return _password_page(
        token,
        services.INVITE_SALT,
        services.INVITE_MAX_AGE,
        _("Welcome! Choose your password"),
        security_log.INVITATION_ACCEPTED,
    )


@bp.route("/language", methods=["POST"])
def set_language():
    locale = normalise_locale(request.form.get("locale"))
    if request.form.get("locale") not in ("fr_CA", "en_CA"):
        abort(400, _("Unknown language."))
    if current_user.is_authenticated:
        current_user.locale = locale
    session["locale"] = locale
    return redirect(_safe_next(request.form.get("next")), code=303)


@bp.route("/account")
@login_required
def account():
    return render_template("auth/account.html")


def _check_own_password(password: str, field) -> bool:  # noqa: ANN001
    """The signed-in person's password, checked as at sign-in (the same pause
    after wrong guesses); the reason appended to ``field`` when it fails."""
    config = current_app.config
    try:
        user = services.authenticate(
            db.session,
            current_user.email,
            password,
            clock.now(),
            max_failures=config["LOGIN_MAX_FAILURES"],
            lock=timedelta(minutes=config["LOGIN_LOCK_MINUTES"]),
        )
    except (services.SignInPaused, services.PasswordSignInOff) as exc:
        user = None
        field.errors.append(exc.message)
        reason = "paused" if isinstance(exc, services.SignInPaused) else "password_off"
    else:
        reason = "wrong_password"
        if user is None:
            field.errors.append(_("This is not your password."))
    if user is None:
        security_log.note(
            security_log.SIGN_IN_FAILED,
            subject=current_user.id,
            detail={"email": current_user.email, "reason": reason, "step": "confirm"},
        )
    # Kept either way: a failure counts towards the pause.
    keep_refusal()
    return user is not None


@bp.route("/account/confirm", methods=["GET", "POST"])
@login_required
def reauthenticate():
    """The password again before a security-sensitive action, in a session
    kept with « rester connecté »; then back where the person was going."""
    form = ConfirmPasswordForm()
    if form.validate_on_submit() and _check_own_password(form.password.data, form.password):
        sessions.password_confirmed(clock.now())
        return redirect(_safe_next(request.args.get("next")), code=303)
    return render_template("auth/reauthenticate.html", form=form), 422 if form.errors else 200


@bp.route("/account/password", methods=["GET", "POST"])
@login_required
def change_password():
    """A new password, with the current one: every other session then ends."""
    form = ChangePasswordForm()
    if form.validate_on_submit() and _check_own_password(form.current.data, form.current):
        try:
            with attempt():
                services.set_password(db.session, current_user, form.password.data, clock.now())
        except ServiceError as exc:
            form.password.errors.append(exc.message)
        else:
            security_log.note(security_log.PASSWORD_CHANGED, subject=current_user.id)
            remember = bool(session.get(sessions.REMEMBER))
            login_user(current_user._get_current_object())
            sessions.start(remember, clock.now())
            flash(_("Your password is changed. Your other sessions are signed out."), "success")
            return redirect(url_for("auth.account"), code=303)
    return render_template("auth/change_password.html", form=form), 422 if form.errors else 200
