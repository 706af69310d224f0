"""Exports, imports and the calendar feed."""

from __future__ import annotations

import logging
import secrets
from collections.abc import Iterator
from datetime import datetime
from functools import partial

from flask import (
    Blueprint,
    Response,
    abort,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    stream_with_context,
    url_for,
)
from flask_babel import gettext as _
from flask_login import current_user, login_required
from markupsafe import Markup
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm.exc import StaleDataError

from tasking.checkins.status import plan_checkin_status
from tasking.core import clock, security_log, sessions
from tasking.core.clock import local_today
from tasking.core.errors import ServiceError
from tasking.core.htmx import go, is_htmx, render
from tasking.core.permissions import is_org_admin, org_admin_or_404, plan_or_404
from tasking.core.sessions import recent_password_required
from tasking.core.transaction import attempt, committed_stream
from tasking.core.urls import external_url
from tasking.exchange import calendar, docx_parse, docx_plan, files, import_plan, import_write, uploads
from tasking.exchange.docx_export import build_docx
from tasking.exchange.exports import build_csv, build_xlsx
from tasking.exchange.parse_sheet import ImportFailed
from tasking.exchange.tasksheet import PlanExport, export_filename
from tasking.extensions import db
from tasking.models import Organisation, PendingImport, Plan, User
from tasking.plans.services import latest_comments, load_plan_layout

bp = Blueprint("exchange", __name__)
log = logging.getLogger(__name__)

EXPORTS = {
    "xlsx": (build_xlsx, "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"),
    # Werkzeug adds "; charset=utf-8" to a text/* mimetype itself.
    "csv": (build_csv, "text/csv"),
    "docx": (build_docx, "application/vnd.openxmlformats-officedocument.wordprocessingml.document"),
}
# Shown in full up to this many rows; beyond, the preview says how many more.
PREVIEW_LIMIT = 200


@bp.app_template_global()
def can_import_into(plan) -> bool:  # noqa: ANN001
    """Whether the signed-in person may import into this plan (its admins)."""
    return is_org_admin(db.session, current_user, plan.organisation_id)


@bp.app_template_global()
def calendar_feed_url(token: str) -> str:
    """The absolute address calendar apps subscribe to."""
    return external_url("exchange.calendar_feed", token=token)


def _uploaded() -> tuple[bytes, str]:
    """The uploaded file's bytes (at most one past the limit) and its name."""
    # Werkzeug spools a large upload to a temporary file, not to memory;
    # reading one byte past the limit is enough to refuse it.
    upload = request.files.get("file")
    if upload is None or not upload.filename:
        raise ServiceError(_("Choose a file."), "file")
    return upload.read(files.MAX_UPLOAD_BYTES + 1), upload.filename


# Exports ------------------------------------------------------------------------


@bp.route("/plans/<int:plan_id>/export.<any(xlsx, csv, docx):extension>")
@login_required
def export(plan_id: int, extension: str):
    """The plan as a file; whoever may read the plan may export it."""
    plan_or_404(db.session, current_user, plan_id)
    # The files name the people responsible for the actions (personal data).
    if (asked := sessions.ask_password_again()) is not None:
        return asked
    plan = load_plan_layout(db.session, plan_id)
    build, mimetype = EXPORTS[extension]
    now = clock.now()
    today = local_today(now, plan.organisation.timezone)
    export = PlanExport(
        plan=plan,
        checkins=plan_checkin_status(db.session, plan_id, now),
        comments=latest_comments(db.session, plan_id),
        today=today,
    )
    response = Response(build(export), mimetype=mimetype)
    security_log.note(
        security_log.EXPORT,
        organisation=plan.organisation_id,
        detail={"what": "plan", "format": extension, "plan_id": plan.id},
    )
    response.headers["Content-Disposition"] = (
        f'attachment; filename="{export_filename(plan, today, extension)}"'
    )
    response.headers["Cache-Control"] = "private, no-store"
    return response


# Import of the task sheet -------------------------------------------------------


def _import_page(plan, status: int = 200, **context):  # noqa: ANN001
    return render(
        "exchange/import.html",
        "exchange/_import.html",
        status=status,
        plan=plan,
        limit=PREVIEW_LIMIT,
        **context,
    )


@bp.route("/plans/<int:plan_id>/import", methods=["GET", "POST"])
@login_required
def import_tasks(plan_id: int):
    """The import page; a posted file gets its preview (nothing is written)."""
    plan = plan_or_404(db.session, current_user, plan_id)
    org_admin_or_404(db.session, current_user, plan.organisation_id)
    if request.method == "GET":
        return _import_page(plan)
    now = clock.now()
    try:
        content, filename = _uploaded()
        kind = files.sniff(content)
        if kind not in (files.XLSX, files.CSV):
            raise ServiceError(_("Import an Excel (.xlsx) or CSV file exported from this plan."), "file")
        preview = import_plan.preview(db.session, plan_id=plan.id, content=content, kind=kind)
    except ImportFailed as failure:
        return _import_page(plan, 422, problems=failure.problems)
    except ServiceError as error:
        return _import_page(plan, 422, problems=[error.message])
    pending = None
    if preview.has_changes:
        pending = uploads.keep(
            db.session,
            user=current_user,
            organisation_id=plan.organisation_id,
            plan_id=plan.id,
            kind=kind,
            filename=filename,
            content=content,
            now=now,
        )
    return _import_page(plan, preview=preview, pending=pending, filename=filename)


@bp.route("/plans/<int:plan_id>/import/<token>/confirm", methods=["POST"])
@login_required
def confirm_tasks(plan_id: int, token: str):
    """Carry out a previewed import, all of it or nothing."""
    plan = plan_or_404(db.session, current_user, plan_id)
    org_admin_or_404(db.session, current_user, plan.organisation_id)
    now = clock.now()
    pending = uploads.find(
        db.session,
        token=token,
        user=current_user,
        organisation_id=plan.organisation_id,
        plan_id=plan.id,
        now=now,
    )
    if pending is None:
        return _import_page(plan, 409, problems=[_("This preview has expired: upload the file again.")])
    try:
        # Compared again with the plan as it is now: the commit does what the
        # data says at this instant.
        preview = import_plan.preview(db.session, plan_id=plan.id, content=pending.content, kind=pending.kind)
    except ImportFailed as failure:
        return _import_page(plan, 422, problems=failure.problems)
    except ServiceError as error:
        return _import_page(plan, 422, problems=[error.message])
    return _importing(plan, pending, preview, now)


def _importing(plan: Plan, pending: PendingImport, preview: import_plan.Preview, now: datetime) -> Response:
    """A page that streams the progress of the import while it is written,
    then its outcome; one transaction, committed after the last row."""
    marker = Markup(f"<!--steps-{secrets.token_hex(8)}-->")
    total = len(preview.updates) + len(preview.creations)
    page = render_template(
        "exchange/importing.html", plan=plan, filename=pending.filename, total=total, marker=marker
    )
    head, tail = page.split(marker)
    # The view's session is closed once it returns: the stream works on ids.
    actor_id, plan_id, pending_id = current_user.id, plan.id, pending.id
    organisation_id, filename = plan.organisation_id, pending.filename
    done = import_write.Applied()

    def steps() -> Iterator[str]:
        actor = db.session.get(User, actor_id)
        for rows in import_write.apply_in_steps(
            db.session, actor=actor, plan_id=plan_id, result=preview, now=now, done=done
        ):
            yield render_template("exchange/_import_step.html", rows=rows, total=total)
        db.session.delete(db.session.get(PendingImport, pending_id))
        security_log.note(
            security_log.IMPORT,
            actor=actor_id,
            organisation=organisation_id,
            detail={"what": "tasks", "plan_id": plan_id, "filename": filename, "rows": total},
        )

    def outcome(problem: str | None) -> str:
        return render_template(
            "exchange/_import_outcome.html",
            plan_id=plan_id,
            done=done,
            problem=problem,
            conflicts=preview.conflicts,
        )

    @stream_with_context
    def body() -> Iterator[str]:
        yield head
        yield from committed_stream(steps(), outcome, partial(_import_problem, plan_id))
        yield tail

    response = Response(body(), mimetype="text/html")
    # Proxies must pass each step on as it comes.
    response.headers["X-Accel-Buffering"] = "no"
    return response


def _import_problem(plan_id: int, error: Exception) -> str:
    """What the import page says when the import failed half-way (nothing was written)."""
    if isinstance(error, StaleDataError):
        # Someone saved one of these tasks during the import itself.
        return _("Someone changed the plan during the import. Upload the file again.")
    if isinstance(error, ServiceError):
        return error.message
    if isinstance(error, SQLAlchemyError):
        log.exception("Import into plan %s failed", plan_id)
        return _("The database refused the import; nothing was written. Try again in a moment.")
    raise error


# A Word document as a new plan --------------------------------------------------


def _docx_page(org: Organisation, status: int = 200, **context):
    return render(
        "exchange/import_docx.html", "exchange/_import_docx.html", status=status, org=org, **context
    )


@bp.route("/orgs/<int:org_id>/plans/import-docx", methods=["GET", "POST"])
@login_required
def import_docx(org_id: int):
    """The Word import page; a posted document gets its preview."""
    org_admin_or_404(db.session, current_user, org_id)
    org = db.get_or_404(Organisation, org_id)
    if request.method == "GET":
        return _docx_page(org)
    now = clock.now()
    try:
        content, filename = _uploaded()
        if files.sniff(content) != files.DOCX:
            raise ServiceError(_("Import a Word document (.docx) laid out as the ASCQ template."), "file")
        parsed = docx_parse.parse_docx(content)
    except ImportFailed as failure:
        return _docx_page(org, 422, problems=failure.problems)
    except ServiceError as error:
        return _docx_page(org, 422, problems=[error.message])
    pending = uploads.keep(
        db.session,
        user=current_user,
        organisation_id=org.id,
        plan_id=None,
        kind=files.DOCX,
        filename=filename,
        content=content,
        now=now,
    )
    people = docx_plan.People.of(db.session, org.id)
    return _docx_page(
        org,
        parsed=parsed,
        pending=pending,
        filename=filename,
        unmatched=docx_plan.unmatched_people(parsed, people),
    )


@bp.route("/orgs/<int:org_id>/plans/import-docx/<token>/confirm", methods=["POST"])
@login_required
def confirm_docx(org_id: int, token: str):
    """Create the plan from a previewed Word document."""
    org_admin_or_404(db.session, current_user, org_id)
    org = db.get_or_404(Organisation, org_id)
    now = clock.now()
    pending = uploads.find(
        db.session, token=token, user=current_user, organisation_id=org.id, plan_id=None, now=now
    )
    if pending is None:
        return _docx_page(org, 409, problems=[_("This preview has expired: upload the file again.")])
    try:
        with attempt():
            parsed = docx_parse.parse_docx(pending.content)
            plan = docx_plan.create_plan(
                db.session,
                actor=current_user,
                org=org,
                parsed=parsed,
                now=now,
                title=request.form.get("title", ""),
            )
            security_log.note(
                security_log.IMPORT,
                organisation=org.id,
                detail={"what": "plan", "plan_id": plan.id, "filename": pending.filename},
            )
            db.session.delete(pending)
    except ImportFailed as failure:
        return _docx_page(org, 422, problems=failure.problems)
    counts = parsed.counts
    flash(
        _(
            "The plan was created from the Word document: %(themes)d themes, "
            "%(objectives)d objectives, %(actions)d actions.",
            themes=counts["themes"],
            objectives=counts["objectives"],
            actions=counts["actions"],
        ),
        "success",
    )
    return go(url_for("plans.show", plan_id=plan.id))


# Calendar feed ------------------------------------------------------------------


@bp.route("/calendar/<token>.ics")
def calendar_feed(token: str):
    """No sign-in: calendar apps cannot sign in, the secret token is the key."""
    user = calendar.user_for_token(db.session, token)
    if user is None:
        abort(404)
    body = calendar.build_feed(
        db.session, user=user, base_url=current_app.config["APP_BASE_URL"], now=clock.now()
    )
    response = Response(body, mimetype="text/calendar")
    response.headers["Content-Disposition"] = 'inline; filename="retablir.ics"'
    response.headers["Cache-Control"] = "private, max-age=300"
    return response


@bp.route("/account/calendar", methods=["POST"])
@login_required
@recent_password_required
def calendar_token():
    """Create, regenerate or revoke the signed-in person's feed token."""
    action = request.form.get("action")
    if action == "create":
        calendar.create_token(db.session, user=current_user)
        message = _("Your calendar link is ready. Any older link no longer works.")
    elif action == "revoke":
        calendar.revoke_token(db.session, user=current_user)
        message = _("Your calendar link was revoked.")
    else:
        abort(400)
    if is_htmx():
        return render("auth/account.html", "exchange/_calendar.html", message=message)
    flash(message, "success")
    return redirect(url_for("auth.account"), code=303)
