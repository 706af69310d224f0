"""The confidentiality incident register's pages, for the organisation's
admins: the list with its filters, recording and editing an incident (with
its history), and the exports."""

from __future__ import annotations

from flask import Blueprint, Response, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from tasking.core import clock, security_log, sessions
from tasking.core.clock import local_today
from tasking.core.errors import ServiceError
from tasking.core.htmx import render
from tasking.core.permissions import org_admin_or_404
from tasking.core.transaction import attempt
from tasking.extensions import db
from tasking.models import ConfidentialityIncident, Organisation
from tasking.privacy_register import exports, incidents
from tasking.privacy_register.forms import IncidentForm

bp = Blueprint("incidents", __name__, url_prefix="/admin/orgs/<int:org_id>")

EXPORTS = {
    "csv": (exports.register_csv, "text/csv; charset=utf-8"),
    "xlsx": (exports.register_xlsx, "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"),
}


def _organisation(org_id: int) -> Organisation:
    org_admin_or_404(db.session, current_user, org_id)
    return db.get_or_404(Organisation, org_id)


def _filters() -> incidents.IncidentFilters:
    try:
        return incidents.parse_filters(request.args)
    except ServiceError as exc:
        abort(400, exc.message)


@bp.route("/incidents")
@login_required
def index(org_id: int):
    org = _organisation(org_id)
    filters = _filters()
    rows = incidents.list_incidents(db.session, org.id, filters)
    return render(
        "privacy_register/incidents.html",
        "privacy_register/_incidents_table.html",
        org=org,
        incidents=rows,
        filters=filters,
        query=request.query_string.decode(),
        labels=_labels(),
    )


def _labels() -> dict:
    return {"natures": incidents.NATURES, "levels": incidents.LEVELS, "statuses": incidents.STATUSES}


def _save(org: Organisation, form: IncidentForm, incident: ConfidentialityIncident | None):
    """Record or edit from the form; the fields refused get their sentence."""
    values = {name: form[name].data for name in incidents.FIELDS}
    now = clock.now()
    today = local_today(now, org.timezone)
    try:
        with attempt():
            if incident is None:
                incident = incidents.record_incident(
                    db.session,
                    organisation_id=org.id,
                    actor=current_user,
                    values=values,
                    now=now,
                    today=today,
                )
            else:
                incidents.edit_incident(
                    db.session, incident=incident, actor=current_user, values=values, now=now, today=today
                )
    except incidents.IncidentRefused as refused:
        for name, message in refused.errors.items():
            form[name].errors = [*form[name].errors, message]
        return None
    return incident


@bp.route("/incidents/new", methods=["GET", "POST"])
@login_required
def new(org_id: int):
    org = _organisation(org_id)
    form = IncidentForm(data={"status": "open", "commission_notified": "no", "people_notified": "no"})
    if form.validate_on_submit() and (incident := _save(org, form, None)) is not None:
        flash(_("Incident no. %(number)d is recorded.", number=incident.number), "success")
        return redirect(url_for("incidents.edit", org_id=org.id, incident_id=incident.id), code=303)
    page = render_template("privacy_register/incident.html", org=org, form=form, incident=None)
    return page, 422 if form.errors else 200


@bp.route("/incidents/<int:incident_id>", methods=["GET", "POST"])
@login_required
def edit(org_id: int, incident_id: int):
    org = _organisation(org_id)
    incident = incidents.incident_of(db.session, org.id, incident_id)
    if incident is None:
        abort(404)
    form = IncidentForm(data=incidents.form_values(incident))
    if form.validate_on_submit() and _save(org, form, incident) is not None:
        flash(_("Incident no. %(number)d is saved.", number=incident.number), "success")
        return redirect(url_for("incidents.edit", org_id=org.id, incident_id=incident.id), code=303)
    page = render_template(
        "privacy_register/incident.html",
        org=org,
        form=form,
        incident=incident,
        history=[(change, incidents.change_lines(change)) for change in incident.changes],
        labels=_labels(),
    )
    return page, 422 if form.errors else 200


@bp.route("/incidents.<any(csv, xlsx):extension>")
@login_required
def export(org_id: int, extension: str):
    """The register, as filtered on its page, as a file."""
    org = _organisation(org_id)
    filters = _filters()
    # The register describes what happened to people's information.
    if (asked := sessions.ask_password_again()) is not None:
        return asked
    rows = incidents.list_incidents(db.session, org.id, filters)
    build, mimetype = EXPORTS[extension]
    if extension == "xlsx":
        body = build(rows, org.timezone, _("Confidentiality incident register — %(org)s", org=org.name))
    else:
        body = build(rows, org.timezone)
    today = local_today(clock.now(), org.timezone)
    response = Response(body, mimetype=mimetype)
    detail = {"what": "incidents", "format": extension, "rows": len(rows)}
    security_log.note(security_log.EXPORT, organisation=org.id, detail=detail)
    response.headers["Content-Disposition"] = (
        f'attachment; filename="registre-incidents-{org.slug}-{today.isoformat()}.{extension}"'
    )
    response.headers["Cache-Control"] = "private, no-store"
    return response
