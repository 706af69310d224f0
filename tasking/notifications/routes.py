"""Notification pages: the bell and the list, the preferences page, the
signed-link pages reached from an e-mail (unsubscribe, act on a task).
Thin: parse, call a service, render."""

from __future__ import annotations

from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from tasking.core import clock
from tasking.core.errors import ServiceError
from tasking.core.htmx import is_htmx, render
from tasking.core.i18n import LOCALES
from tasking.core.transaction import attempt
from tasking.core.validation import parse_id
from tasking.extensions import csrf, db
from tasking.models import Role, User
from tasking.models.notify import CHANNELS, KINDS, SWITCHES
from tasking.notifications import links, services
from tasking.notifications import preferences as prefs

bp = Blueprint("notifications", __name__)


def _page_number() -> int:
    return parse_id(request.args.get("page")) or 1


# --- the bell and the list ----------------------------------------------------


@bp.route("/notifications/bell")
@login_required
def bell():
    """The bell's inside, polled by htmx and refreshed after each change."""
    response = current_app.make_response(
        render_template("notifications/_bell.html", unread=services.unread_count(db.session, current_user))
    )
    response.headers["Cache-Control"] = "no-store"
    return response


def _render_list(status: int = 200):
    listing = services.list_notifications(db.session, current_user, _page_number())
    unread = services.unread_count(db.session, current_user)
    return render(
        "notifications/index.html",
        "notifications/_list.html",
        status=status,
        listing=listing,
        unread=unread,
        oob_bell=is_htmx(),
    )


@bp.route("/notifications")
@login_required
def index():
    return _render_list()


@bp.route("/notifications/<int:notification_id>")
@login_required
def open_one(notification_id: int):
    """Opening a notification marks it read and goes to its task."""
    notification = services.notification_of(db.session, current_user, notification_id)
    if notification is None:
        abort(404)
    services.mark_read(db.session, user=current_user, notification=notification, now=clock.now())
    if notification.task_id:
        return redirect(f"/tasks/{notification.task_id}")
    return redirect(url_for("notifications.index"))


@bp.route("/notifications/<int:notification_id>/read", methods=["POST"])
@login_required
def mark_read(notification_id: int):
    notification = services.notification_of(db.session, current_user, notification_id)
    if notification is None:
        abort(404)
    services.mark_read(db.session, user=current_user, notification=notification, now=clock.now())
    if is_htmx():
        return render_template(
            "notifications/_item.html",
            notification=notification,
            oob_bell=True,
            unread=services.unread_count(db.session, current_user),
        )
    return redirect(url_for("notifications.index", page=request.args.get("page")), code=303)


@bp.route("/notifications/read-all", methods=["POST"])
@login_required
def mark_all_read():
    count = services.mark_all_read(db.session, user=current_user, now=clock.now())
    if is_htmx():
        return _render_list()
    if count:
        flash(_("All notifications are marked as read."), "success")
    return redirect(url_for("notifications.index"), code=303)


# --- preferences --------------------------------------------------------------


def _switches_for(user: User) -> list[str]:
    """The switches that concern the user: the regional digest goes only to
    regional coordinators and to admins of a municipality in a region."""
    regional = user.regional_region_id is not None or any(
        m.role == Role.ADMIN.value and m.organisation.region_id is not None for m in user.memberships
    )
    return [s for s in SWITCHES if s != "regional_digest" or regional]


def _render_preferences(choices: dict[str, str], locale: str, errors: dict[str, str], status: int = 200):
    return render(
        "notifications/preferences.html",
        "notifications/_preferences.html",
        status=status,
        choices=choices,
        locale=locale,
        errors=errors,
        kinds=KINDS,
        channels=CHANNELS,
        switches=_switches_for(current_user),
        locales=LOCALES,
    )


@bp.route("/me/notifications", methods=["GET", "POST"])
@login_required
def preferences():
    """Per kind: at once, in the weekly digest or never; the switches; the
    language of the interface and of the e-mails."""
    choices = prefs.preferences_of(db.session, current_user)
    locale = current_user.locale
    if request.method == "GET":
        return _render_preferences(choices, locale, {})
    wanted = {kind: request.form.get(kind, choices[kind]) for kind in KINDS}
    # A switch not offered keeps its value (an unticked box is not sent at all).
    wanted.update(
        {s: "immediate" if request.form.get(s) == "on" else "never" for s in _switches_for(current_user)}
    )
    locale = request.form.get("locale", current_user.locale)
    errors = {}
    if locale not in LOCALES:
        errors["locale"] = _("Unknown language.")
    if not errors:
        try:
            with attempt():
                prefs.set_channels(db.session, user=current_user, choices=wanted, now=clock.now())
        except ServiceError as exc:
            errors[exc.field or "form"] = exc.message
    if errors:
        return _render_preferences({**choices, **wanted}, locale, errors, status=422)
    current_user.locale = locale
    flash(_("Your notification preferences are saved."), "success")
    return redirect(url_for("notifications.preferences"), code=303)


# --- unsubscribe (no sign-in) -------------------------------------------------


@bp.route("/unsubscribe/<token>", methods=["GET", "POST"])
@csrf.exempt  # RFC 8058: mail clients post "List-Unsubscribe=One-Click" without a form
def unsubscribe(token: str):
    """GET: a page with a confirm button, nothing changes (link scanners).
    POST: that kind of e-mail is turned off for that person."""
    try:
        user_id, kind = links.read_unsubscribe_token(token)
    except ServiceError as exc:
        return render_template("notifications/link_invalid.html", message=exc.message), 400
    user = db.session.get(User, user_id)
    if user is None:
        return render_template("notifications/link_invalid.html", message=_("This link is not valid.")), 400
    done = False
    if request.method == "POST":
        for one in links.UNSUBSCRIBE_BUNDLES.get(kind, (kind,)):
            prefs.set_channel(db.session, user=user, kind=one, channel="never", now=clock.now())
        done = True
    return render_template("notifications/unsubscribe.html", token=token, user=user, kind=kind, done=done)


# --- acting on a task from the mailbox ---------------------------------------


def _used_page(action: services.MailboxAction, used, status: int):
    """A link that has acted: what it did, by whom and when; sign in to do more."""
    return render_template("notifications/task_action_used.html", action=action, used=used), status


@bp.route("/m/<token>", methods=["GET", "POST"])
def task_action(token: str):
    """A signed task link: GET shows what will happen and asks to confirm;
    POST does it as the link's person, for that one task, once. A used link
    shows what it did."""
    session = db.session
    try:
        action = services.resolve_task_link(session, token)
    except ServiceError as exc:
        return render_template("notifications/link_invalid.html", message=exc.message), 400
    if action.used is not None:
        return _used_page(action, action.used, 409 if request.method == "POST" else 200)
    now = clock.now()
    form = {"reason": "", "due_date": action.default_due_date(now).isoformat()}
    errors: dict[str, str] = {}
    status = 200
    if not action.allowed:
        status = 403
    elif request.method == "POST":
        form = {"reason": request.form.get("reason", ""), "due_date": request.form.get("due_date", "")}
        try:
            with attempt():
                applied = services.act_on_task(
                    session, action=action, now=now, reason=form["reason"], due_date=form["due_date"] or None
                )
        except services.LinkAlreadyUsed:
            return _used_page(action, services.used_link(session, action.token_hash), 409)
        except ServiceError as exc:
            errors[exc.field or "form"] = exc.message
            status = 422
        else:
            return render_template(
                "notifications/task_action_done.html", action=action, changed=bool(applied)
            )
    return render_template(
        "notifications/task_action.html", action=action, token=token, form=form, errors=errors
    ), status
