"""The privacy notice: its public pages, its acknowledgement, the gate that
shows it before anything else, and its settings for the organisation's admins."""

from __future__ import annotations

from datetime import UTC, datetime

from flask import Blueprint, abort, flash, redirect, render_template, request, session, url_for
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_login import current_user, login_required
from sqlalchemy import select

from tasking.auth.factor_routes import OPEN_WHILE_ENROLLING
from tasking.core import clock, security_log, sessions
from tasking.core.errors import ServiceError
from tasking.core.htmx import sign_in_first
from tasking.core.markdown import render_markdown
from tasking.core.permissions import org_admin_or_404
from tasking.core.transaction import attempt
from tasking.core.urls import safe_next
from tasking.extensions import db
from tasking.models import Organisation
from tasking.privacy_register import notice
from tasking.privacy_register.forms import AcknowledgeForm, NoticeForm

bp = Blueprint("notice", __name__)

#: What a person who has not acknowledged the notice may still reach: the
#: notice itself, signing out, the language, files, the bell's polling, and
#: what is not a page for people (the API, health checks, metrics).
OPEN_BEFORE_NOTICE = {
    "notice.notice",
    "notice.acknowledge",
    "notice.org_notice",
    "auth.login",
    "health.healthz",
    "health.readyz",
    "ops.metrics",
    *OPEN_WHILE_ENROLLING,
}
#: Once all is acknowledged, the answer is kept in the session this long
#: (seconds) before it is asked again: a new version reaches a signed-in
#: person within the hour (at once at their next sign-in), and pages, htmx
#: fragments and moves cost no statement more meanwhile.
RECHECK_SECONDS = 3600
CHECKED = "privacy_checked"


def _stamp(instant: datetime) -> int:
    return int(instant.replace(tzinfo=UTC).timestamp())


def _recently_checked(now: datetime) -> bool:
    mark = session.get(CHECKED)
    return (
        isinstance(mark, list)
        and len(mark) == 2
        and mark[0] == session.get("_user_id")
        and 0 <= _stamp(now) - mark[1] < RECHECK_SECONDS
    )


def _mark_checked(now: datetime) -> None:
    session[CHECKED] = [session.get("_user_id"), _stamp(now)]


@bp.before_app_request
def notice_first():  # noqa: ANN201
    """A signed-in person sees their organisations' current notice before anything else."""
    if "_user_id" not in session or request.endpoint is None or request.endpoint in OPEN_BEFORE_NOTICE:
        return None
    if request.path.startswith("/api/"):
        return None
    now = clock.now()
    # An ended session is signed out by core/sessions.py; nothing to show it.
    if _recently_checked(now) or sessions.expired_reason(now) is not None:
        return None
    if not current_user.is_authenticated:
        return None
    if not notice.pending(db.session, current_user):
        _mark_checked(now)
        return None
    back = None
    if request.method == "GET":
        back = request.full_path if request.query_string else request.path
    return sign_in_first(url_for("notice.notice", next=back))


def _language() -> str:
    return str(get_locale() or "fr")


@bp.route("/privacy", endpoint="notice")
def notice_page():
    """The notices of the signed-in person's organisations, with the way to
    acknowledge those not yet read; the app's general notice otherwise."""
    notices, waiting = [], {}
    if current_user.is_authenticated:
        ids = notice.organisations_of(db.session, current_user)
        organisations = db.session.scalars(select(Organisation).where(Organisation.id.in_(ids))).all()
        notices = [notice.current_notice(db.session, org, _language()) for org in organisations]
        waiting = notice.pending(db.session, current_user)
    return render_template(
        "privacy_register/notice.html",
        notices=notices,
        waiting=waiting,
        general=render_markdown(notice.default_text(_("The organisation"), _language())),
        form=AcknowledgeForm(),
        next=safe_next(request.args.get("next"), ""),
    )


@bp.route("/privacy/acknowledge", methods=["POST"])
@login_required
def acknowledge():
    form = AcknowledgeForm()
    if not form.validate_on_submit():
        abort(400)
    seen = {}
    for value in request.form.getlist("seen"):
        org_id, _sep, version = value.partition(":")
        if org_id.isdigit() and version.isdigit():
            seen[int(org_id)] = int(version)
    now = clock.now()
    back = safe_next(request.form.get("next"), url_for("plans.home"))
    left = notice.acknowledge(db.session, user=current_user, seen=seen, now=now)
    if left:
        flash(_("A notice changed while you were reading it: read it again."), "info")
        return redirect(url_for("notice.notice", next=back), code=303)
    _mark_checked(now)
    return redirect(back, code=303)


@bp.route("/orgs/<slug>/privacy")
def org_notice(slug: str):
    """An organisation's notice, public as the law wants it published."""
    org = db.session.scalar(select(Organisation).where(Organisation.slug == slug))
    if org is None:
        abort(404)
    return render_template(
        "privacy_register/org_notice.html", notice=notice.current_notice(db.session, org, _language())
    )


@bp.route("/admin/orgs/<int:org_id>/privacy", methods=["GET", "POST"])
@login_required
def settings(org_id: int):
    """The notice's text and the person responsible, and who has read the current version."""
    org_admin_or_404(db.session, current_user, org_id)
    org = db.get_or_404(Organisation, org_id)
    current = notice.current_notice(db.session, org, "fr")
    officer = current.officer
    form = NoticeForm(
        data={
            "body": current.body,
            "officer_name": officer.name if officer else "",
            "officer_title": officer.title if officer else "",
            "officer_contact": officer.contact if officer else "",
        }
    )
    if form.validate_on_submit() and _save_notice(org, form):
        return redirect(url_for("notice.settings", org_id=org.id), code=303)
    page = render_template(
        "privacy_register/settings.html",
        org=org,
        form=form,
        notice=current,
        readers=notice.readers(db.session, org.id, current.version),
    )
    return page, 422 if form.errors else 200


def _save_notice(org: Organisation, form: NoticeForm) -> bool:
    now = clock.now()
    try:
        with attempt():
            notice.set_officer(
                db.session,
                organisation_id=org.id,
                actor=current_user,
                name=form.officer_name.data,
                title=form.officer_title.data,
                contact=form.officer_contact.data,
                now=now,
            )
            published = notice.publish(
                db.session, organisation_id=org.id, actor=current_user, body=form.body.data, now=now
            )
    except ServiceError as exc:
        getattr(form, exc.field or "body").errors.append(exc.message)
        return False
    if published is not None:
        security_log.note(
            security_log.PRIVACY_NOTICE_PUBLISHED, organisation=org.id, detail={"version": published.version}
        )
        flash(
            _(
                "Version %(version)d of the notice is published: each member will be shown it and asked "
                "to acknowledge it.",
                version=published.version,
            ),
            "success",
        )
    else:
        flash(_("The settings are saved."), "success")
    return True
