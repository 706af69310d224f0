"""« Mes données » (a person downloads what the app holds about them), the
same export produced by an organisation's administrator for one of its
members on request, and the organisation's retention setting.

Downloads ask for the password again in a session kept with « rester
connecté » (``sessions.ask_password_again``), as every export of personal
data does."""

from __future__ import annotations

from flask import Blueprint, Response, abort, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user, login_required
from flask_wtf import FlaskForm
from wtforms import StringField

from tasking.core import clock, security_log, sessions
from tasking.core.errors import ServiceError
from tasking.core.permissions import org_admin_or_404
from tasking.core.transaction import attempt
from tasking.extensions import db
from tasking.models import Organisation, User
from tasking.privacy import retention
from tasking.privacy.export import NotAllowed, PersonalExport, export_zip

bp = Blueprint("privacy", __name__)


class RetentionForm(FlaskForm):
    days = StringField(_l("Keep the personal data of deactivated accounts for (days; empty: keep them)"))


def _zip_answer(export: PersonalExport) -> Response:
    response = Response(export.content, mimetype="application/zip")
    response.headers["Content-Disposition"] = f'attachment; filename="{export.filename}"'
    response.headers["Cache-Control"] = "private, no-store"
    return response


@bp.route("/account/data")
@login_required
def mine():
    return render_template("privacy/mine.html")


@bp.route("/account/data.zip")
@login_required
def download_mine():
    if (asked := sessions.ask_password_again()) is not None:
        return asked
    user = current_user._get_current_object()
    export = export_zip(db.session, user, user, clock.now())
    security_log.note(security_log.EXPORT, subject=user, detail={"what": "personal_data", "format": "zip"})
    return _zip_answer(export)


def _member_or_404(org_id: int, user_id: int) -> tuple[Organisation, User]:
    org_admin_or_404(db.session, current_user, org_id)
    org = db.get_or_404(Organisation, org_id)
    member = db.get_or_404(User, user_id)
    if not any(m.organisation_id == org_id for m in member.memberships):
        abort(404)
    return org, member


@bp.route("/admin/orgs/<int:org_id>/members/<int:user_id>/data")
@login_required
def member_data(org_id: int, user_id: int):
    org, member = _member_or_404(org_id, user_id)
    return render_template("privacy/member.html", org=org, member=member)


@bp.route("/admin/orgs/<int:org_id>/members/<int:user_id>/data.zip")
@login_required
def download_member(org_id: int, user_id: int):
    org, member = _member_or_404(org_id, user_id)
    if (asked := sessions.ask_password_again()) is not None:
        return asked
    try:
        export = export_zip(db.session, current_user, member, clock.now(), organisation_id=org.id)
    except NotAllowed:
        abort(404)
    security_log.note(
        security_log.EXPORT,
        subject=member,
        organisation=org.id,
        detail={"what": "personal_data", "format": "zip"},
    )
    return _zip_answer(export)


@bp.route("/admin/orgs/<int:org_id>/retention", methods=["GET", "POST"])
@login_required
def retention_settings(org_id: int):
    org_admin_or_404(db.session, current_user, org_id)
    org = db.get_or_404(Organisation, org_id)
    days = retention.retention_of(db.session, org.id)
    form = RetentionForm(data={"days": "" if days is None else str(days)})
    if form.validate_on_submit():
        try:
            with attempt():
                retention.set_retention(
                    db.session, actor=current_user, organisation=org, days=form.days.data, now=clock.now()
                )
        except ServiceError as exc:
            form.days.errors.append(exc.message)
        else:
            flash(_("The retention period is saved."), "success")
            return redirect(url_for("privacy.retention_settings", org_id=org.id), code=303)
    records = retention.pseudonymisations(db.session, org.id)
    status = 422 if form.errors else 200
    return render_template("privacy/retention.html", org=org, form=form, records=records), status
