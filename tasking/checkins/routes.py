"""The update page (signed in, or from the e-mailed link) and the
coordinator's page of the rounds. Thin: parse, call a service, render."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import ngettext
from flask_login import current_user, login_required
from sqlalchemy.orm.exc import StaleDataError
from werkzeug.datastructures import MultiDict

from tasking.checkins import answers, overview, partners, rounds
from tasking.checkins.forms import read_answers
from tasking.checkins.formtext import FormText
from tasking.core import clock
from tasking.core.errors import ServiceError
from tasking.core.htmx import is_htmx, render
from tasking.core.permissions import org_admin_or_404
from tasking.core.transaction import attempt, refused_redirect
from tasking.core.validation import parse_id
from tasking.extensions import db
from tasking.models import CheckinRound, Organisation
from tasking.outbox.notice import flash_mail_notice
from tasking.tasks.history import describe, field_label, human_value

bp = Blueprint("checkins", __name__)


def _render_form(page: answers.UpdatePage, action: str, status: int = 200, **extra):
    context = {
        "updates": page,
        "action": action,
        "values": None,
        "errors": {},
        "conflicts": {},
        "message": None,
        "saved": None,
        "by_link": False,
        "field_label": field_label,
        "human": human_value,
        "describe": describe,
        "t": FormText(),
        **extra,
    }
    return render("checkins/updates.html", "checkins/_form.html", status=status, **context)


def _submit(load: Callable[[], answers.UpdatePage], action: str, now: datetime, by_link: bool):
    """Save the whole form once, or show it again with what is refused."""
    page = load()
    try:
        with attempt():
            saved = answers.save_answers(
                db.session,
                person=page.person,
                page=page,
                rows=read_answers(request.form),
                now=now,
                everything=request.form.get("nothing_all") == "1",
            )
    except answers.NotYourAction as exc:
        abort(403, exc.message)
    except answers.AnswersRefused as exc:
        status = 409 if exc.conflicts else 422
        return _render_form(
            load(),
            action,
            status,
            values=MultiDict(request.form),
            errors=exc.errors,
            conflicts=exc.conflicts,
            message=exc.message,
            by_link=by_link,
        )
    except StaleDataError:
        message = _("Someone else changed one of these actions meanwhile. Review it, then submit again.")
        return _render_form(
            load(), action, 409, values=MultiDict(request.form), message=message, by_link=by_link
        )
    except ServiceError as exc:
        return _render_form(
            load(), action, 422, values=MultiDict(request.form), message=exc.message, by_link=by_link
        )
    notice = ngettext(
        "Your update is saved (%(num)d action).", "Your update is saved (%(num)d actions).", len(saved)
    )
    if is_htmx():
        return _render_form(load(), action, saved=notice, by_link=by_link)
    flash(notice, "success")
    return redirect(action, code=303)


@bp.route("/me/updates", methods=["GET", "POST"])
@login_required
def mine():
    """« Mes mises à jour »: every open action the signed-in person owns."""
    now = clock.now()
    action = url_for("checkins.mine")

    def load() -> answers.UpdatePage:
        return answers.update_page(db.session, person=current_user, now=now)

    if request.method == "POST":
        return _submit(load, action, now, by_link=False)
    return _render_form(load(), action)


@bp.route("/checkins/u/<token>", methods=["GET", "POST"])
def by_link(token: str):
    """The e-mailed link: the same form without signing in, for the link's
    person and the round's organisation only."""
    now = clock.now()
    try:
        person, checkin = answers.resolve_link(db.session, token, now)
    except ServiceError as exc:
        return render_template("checkins/link_invalid.html", message=exc.message), 400
    action = url_for("checkins.by_link", token=token)

    def load() -> answers.UpdatePage:
        return answers.update_page(
            db.session, person=person, now=now, organisation_id=checkin.organisation_id
        )

    if request.method == "POST":
        return _submit(load, action, now, by_link=True)
    return _render_form(load(), action, by_link=True)


# --- the coordinator's page ---------------------------------------------------


def _round_or_404(org_id: int, round_id: int) -> CheckinRound:
    org_admin_or_404(db.session, current_user, org_id)
    checkin = db.session.get(CheckinRound, round_id)
    if checkin is None or checkin.organisation_id != org_id:
        abort(404)
    return checkin


@bp.route("/admin/orgs/<int:org_id>/checkins")
@login_required
def coordinator(org_id: int):
    """The current round and the past ones; ``?round=<id>`` shows another."""
    org_admin_or_404(db.session, current_user, org_id)
    org = db.get_or_404(Organisation, org_id)
    now = clock.now()
    past = overview.rounds_of(db.session, org_id)
    chosen = parse_id(request.args.get("round"))
    checkin = next((r for r in past if r.id == chosen), past[0] if past else None)
    view = overview.round_overview(db.session, checkin, now) if checkin else None
    return render_template("checkins/coordinator.html", org=org, rounds=past, view=view, now=now)


@bp.route("/admin/orgs/<int:org_id>/checkins/<int:round_id>/nudge/<int:user_id>", methods=["POST"])
@login_required
def nudge(org_id: int, round_id: int, user_id: int):
    """« Relancer »: one follow-up e-mail per person and round."""
    checkin = _round_or_404(org_id, round_id)
    back = url_for("checkins.coordinator", org_id=org_id, round=round_id)
    try:
        person = rounds.nudge(
            db.session, actor=current_user, checkin=checkin, user_id=user_id, now=clock.now()
        )
    except ServiceError as exc:
        return refused_redirect(back, exc.message)
    flash_mail_notice(
        _("%(name)s was followed up by e-mail.", name=person.name),
        _("The follow-up to %(name)s waits in the outbox: no mail server is set.", name=person.name),
        outbox_of=org_id,
    )
    return redirect(back, code=303)


@bp.route("/admin/orgs/<int:org_id>/checkins/<int:round_id>/close", methods=["POST"])
@login_required
def close(org_id: int, round_id: int):
    """« Clore la tournée »."""
    checkin = _round_or_404(org_id, round_id)
    back = url_for("checkins.coordinator", org_id=org_id, round=round_id)
    try:
        rounds.close_round(db.session, actor=current_user, checkin=checkin, now=clock.now())
    except ServiceError as exc:
        return refused_redirect(back, exc.message)
    flash(_("The round is closed."), "success")
    return redirect(back, code=303)


# --- partners without accounts -------------------------------------------------


def _render_partner(page: partners.PartnerPage, token: str, status: int = 200, **extra):
    context = {"page": page, "token": token, "values": None, "errors": {}, "message": None, "saved": None}
    context.update(extra)
    return render_template("checkins/partner.html", **context), status


@bp.route("/checkins/p/<token>", methods=["GET", "POST"])
def partner_page(token: str):
    """A partner contact's page: a health opinion and a note on the actions it
    partners on, nothing else (no navigation, no owners' e-mails)."""
    now = clock.now()
    try:
        contact, checkin = partners.resolve_partner_link(db.session, token, now)
    except ServiceError as exc:
        return render_template("checkins/link_invalid.html", message=exc.message, partner=True), 400
    page = partners.partner_page(db.session, contact, checkin, now)
    if request.method == "GET":
        return _render_partner(page, token)
    try:
        with attempt():
            saved = partners.save_partner_answers(
                db.session, page=page, rows=read_answers(request.form), now=now
            )
    except answers.NotYourAction as exc:
        abort(403, exc.message)
    except answers.AnswersRefused as exc:
        return _render_partner(
            page, token, 422, values=MultiDict(request.form), errors=exc.errors, message=exc.message
        )
    except ServiceError as exc:
        return _render_partner(page, token, 422, values=MultiDict(request.form), message=exc.message)
    notice = ngettext(
        "Your opinion is saved (%(num)d action).", "Your opinion is saved (%(num)d actions).", len(saved)
    )
    return _render_partner(partners.partner_page(db.session, contact, checkin, now), token, saved=notice)


@bp.route("/admin/orgs/<int:org_id>/partners")
@login_required
def partner_contacts(org_id: int):
    """The organisation's partner contacts: their actions, last answer, revoking."""
    org_admin_or_404(db.session, current_user, org_id)
    org = db.get_or_404(Organisation, org_id)
    rows = partners.contacts_of(db.session, org_id)
    return render_template("checkins/partners.html", org=org, rows=rows)


@bp.route("/admin/orgs/<int:org_id>/partners/<int:contact_id>/revoke", methods=["POST"])
@login_required
def revoke_partner(org_id: int, contact_id: int):
    org_admin_or_404(db.session, current_user, org_id)
    back = url_for("checkins.partner_contacts", org_id=org_id)
    try:
        contact = partners.revoke_contact(
            db.session, actor=current_user, organisation_id=org_id, contact_id=contact_id, now=clock.now()
        )
    except ServiceError as exc:
        return refused_redirect(back, exc.message)
    flash(_("%(email)s is revoked: its links no longer work.", email=contact.email), "success")
    return redirect(back, code=303)


@bp.route("/admin/orgs/<int:org_id>/partners/<int:contact_id>/email", methods=["POST"])
@login_required
def partner_email(org_id: int, contact_id: int):
    org_admin_or_404(db.session, current_user, org_id)
    back = url_for("checkins.partner_contacts", org_id=org_id)
    try:
        contact = partners.change_email(
            db.session,
            actor=current_user,
            organisation_id=org_id,
            contact_id=contact_id,
            email=request.form.get("email", ""),
        )
    except ServiceError as exc:
        return refused_redirect(back, exc.message)
    flash(_("The contact's address is now %(email)s.", email=contact.email), "success")
    return redirect(back, code=303)
