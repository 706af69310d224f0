"""The members and settings pages of an organisation (admins only), and the
settings page of a region (its coordinators only)."""

from __future__ import annotations

from collections.abc import Callable
from functools import partial

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required
from flask_wtf import FlaskForm

from tasking.admin.forms import DigestSlotForm, NewMemberForm, OrgSettingsForm, RoleForm
from tasking.auth.services import queue_invitation
from tasking.core import clock, security_log, sessions
from tasking.core.errors import ServiceError
from tasking.core.permissions import is_org_admin, org_admin_or_404, region_to_configure_or_404
from tasking.core.transaction import attempt, refused_redirect
from tasking.extensions import db
from tasking.meetings import invitation
from tasking.models import Organisation, OutboxMessage, User
from tasking.orgs import services, settings
from tasking.outbox.notice import flash_mail_notice
from tasking.outbox.sender import send_after_commit

bp = Blueprint("admin", __name__, url_prefix="/admin")


@bp.route("/")
@login_required
def index():
    for membership in current_user.memberships:
        if is_org_admin(db.session, current_user, membership.organisation_id):
            return redirect(url_for("admin.members", org_id=membership.organisation_id))
    abort(404)


def _render_members(org: Organisation, form: NewMemberForm, status: int = 200):
    members = services.org_members(db.session, org.id)
    return render_template(
        "admin/members.html", org=org, members=members, form=form, role_form=RoleForm()
    ), status


@bp.route("/orgs/<int:org_id>/members", methods=["GET", "POST"])
@login_required
def members(org_id: int):
    org_admin_or_404(db.session, current_user, org_id)
    org = db.get_or_404(Organisation, org_id)
    form = NewMemberForm()
    if form.validate_on_submit():
        try:
            with attempt():
                user, invitation = _add_member(org, form)
        except ServiceError as exc:
            getattr(form, exc.field or "email").errors.append(exc.message)
        else:
            if invitation is None:
                flash(_("%(name)s can now sign in.", name=user.name), "success")
            else:
                send_after_commit([invitation], clock.now())
                _tell_invited(user.email, org.id)
            return redirect(url_for("admin.members", org_id=org.id), code=303)
    return _render_members(org, form, 422 if form.errors else 200)


def _tell_invited(email: str, org_id: int) -> None:
    flash_mail_notice(
        _("An invitation was sent to %(email)s.", email=email),
        _("The invitation to %(email)s waits in the outbox: no mail server is set.", email=email),
        outbox_of=org_id,
    )


def _add_member(org: Organisation, form: NewMemberForm) -> tuple[User, OutboxMessage | None]:
    """The new member and, without a password, the invitation e-mail queued with it."""
    user = services.create_user(
        db.session,
        email=form.email.data,
        name=form.name.data,
        password=form.password.data or None,
        org=org,
        role=form.role.data,
        now=clock.now(),
    )
    invited = not form.password.data
    security_log.note(
        security_log.MEMBER_INVITED if invited else security_log.MEMBER_ADDED,
        subject=user,
        organisation=org.id,
        detail={"role": form.role.data, "email": user.email},
    )
    if not invited:
        return user, None
    return user, queue_invitation(db.session, user, current_user, org.name, clock.now())


def _member_or_404(org_id: int, user_id: int) -> tuple[Organisation, User]:
    org_admin_or_404(db.session, current_user, org_id)
    org = db.get_or_404(Organisation, org_id)
    user = db.get_or_404(User, user_id)
    if not any(m.organisation_id == org_id for m in user.memberships):
        abort(404)
    return org, user


@bp.route("/orgs/<int:org_id>/members/<int:user_id>/role", methods=["POST"])
@login_required
def change_role(org_id: int, user_id: int):
    org, user = _member_or_404(org_id, user_id)
    if (asked := sessions.ask_password_again()) is not None:
        return asked
    form = RoleForm()
    if not form.validate_on_submit():
        abort(400, _("Unknown role."))
    back = url_for("admin.members", org_id=org.id)
    try:
        before = services.set_role(db.session, actor=current_user, user=user, org=org, role=form.role.data)
    except ServiceError as exc:
        return refused_redirect(back, exc.message)
    if before != form.role.data:
        security_log.note(
            security_log.ROLE_CHANGED,
            subject=user,
            organisation=org.id,
            detail={"before": before, "after": form.role.data},
        )
    flash(_("The role of %(name)s is changed.", name=user.name), "success")
    return redirect(back, code=303)


@bp.route("/orgs/<int:org_id>/members/<int:user_id>/active", methods=["POST"])
@login_required
def change_active(org_id: int, user_id: int):
    org, user = _member_or_404(org_id, user_id)
    if (asked := sessions.ask_password_again()) is not None:
        return asked
    active = request.form.get("active") == "1"
    back = url_for("admin.members", org_id=org.id)
    was_active = user.active
    try:
        services.set_active(db.session, actor=current_user, user=user, active=active, now=clock.now())
    except ServiceError as exc:
        return refused_redirect(back, exc.message)
    if was_active != active:
        kind = security_log.ACCOUNT_REACTIVATED if active else security_log.ACCOUNT_DEACTIVATED
        security_log.note(kind, subject=user, organisation=org.id)
    message = _("%(name)s is reactivated.") if active else _("%(name)s is deactivated.")
    flash(message % {"name": user.name}, "success")
    return redirect(back, code=303)


def _save_settings(form: FlaskForm, save: Callable[..., None]) -> bool:
    """Run a settings service on the submitted form; its refusal goes on the field it names."""
    if not form.validate_on_submit():
        return False
    values = {name: value for name, value in form.data.items() if name != "csrf_token"}
    try:
        with attempt():
            save(values=values)
    except ServiceError as exc:
        field = form._fields.get(exc.field or "")
        (field.errors if field else form.form_errors).append(exc.message)
        return False
    flash(_("The settings are saved."), "success")
    return True


@bp.route("/orgs/<int:org_id>/settings", methods=["GET", "POST"])
@login_required
def org_settings(org_id: int):
    org_admin_or_404(db.session, current_user, org_id)
    org = db.get_or_404(Organisation, org_id)
    # Fields missing from a submission keep their stored value.
    form = OrgSettingsForm(data=settings.org_settings_values(org))
    save = partial(settings.update_org_settings, db.session, actor=current_user, organisation=org)
    required_before = org.admins_need_2fa
    if _save_settings(form, save):
        if org.admins_need_2fa != required_before:
            security_log.note(
                security_log.ORG_TWO_FACTOR_RULE,
                organisation=org.id,
                detail={"before": required_before, "after": org.admins_need_2fa},
            )
        return redirect(url_for("admin.org_settings", org_id=org.id), code=303)
    return render_template("admin/settings.html", org=org, form=form), 422 if form.errors else 200


@bp.route("/regions/<slug>/settings", methods=["GET", "POST"])
@login_required
def region_settings(slug: str):
    region = region_to_configure_or_404(db.session, current_user, slug)
    form = DigestSlotForm(data=settings.region_settings_values(region))
    now = clock.now()

    def save(values: dict) -> None:
        settings.update_region_settings(db.session, actor=current_user, region=region, values=values)
        # The prepared meeting follows the slot; its participants get the update.
        send_after_commit(invitation.follow_region_slot(db.session, region=region, now=now), now)

    if _save_settings(form, save):
        return redirect(url_for("admin.region_settings", slug=region.slug), code=303)
    status = 422 if form.errors else 200
    return render_template("admin/region_settings.html", region=region, form=form), status
