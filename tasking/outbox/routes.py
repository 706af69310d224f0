"""The outbox's pages, for the organisation's admins: the messages, one
message as sent (personal links cut out), and retrying one."""

from __future__ import annotations

from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from tasking.core import clock, transaction
from tasking.core.htmx import render
from tasking.core.permissions import is_org_admin, org_admin_or_404
from tasking.core.urls import safe_next
from tasking.core.validation import parse_id
from tasking.extensions import db
from tasking.models import Organisation, OutboxMessage
from tasking.models.outbox import OutboxStatus
from tasking.outbox import admin
from tasking.outbox.sender import deliver_soon, retry

bp = Blueprint("outbox", __name__)


def _page_number() -> int:
    return parse_id(request.args.get("page")) or 1


@bp.route("/admin/outbox")
@login_required
def outbox_home():
    for membership in current_user.memberships:
        if is_org_admin(db.session, current_user, membership.organisation_id):
            return redirect(url_for("outbox.outbox", org_id=membership.organisation_id))
    abort(404)


@bp.route("/admin/orgs/<int:org_id>/outbox")
@login_required
def outbox(org_id: int):
    org_admin_or_404(db.session, current_user, org_id)
    status = request.args.get("status") or None
    if status not in (None, *(s.value for s in OutboxStatus)):
        status = None
    page = _page_number()
    rows, total = admin.outbox_rows(db.session, org_id, status, page)
    return render(
        "outbox/outbox.html",
        "outbox/_outbox_table.html",
        org_id=org_id,
        rows=rows,
        total=total,
        page_number=page,
        per_page=50,
        status_filter=status,
        timezone=db.session.get(Organisation, org_id).timezone,
        statuses=[s.value for s in OutboxStatus],
        mail_configured=bool(current_app.config.get("MAIL_SERVER")),
    )


def _outbox_row_or_404(org_id: int, message_id: int) -> OutboxMessage:
    org_admin_or_404(db.session, current_user, org_id)
    row = admin.outbox_row(db.session, org_id, message_id)
    if row is None:
        abort(404)
    return row


@bp.route("/admin/orgs/<int:org_id>/outbox/<int:message_id>")
@login_required
def outbox_message(org_id: int, message_id: int):
    row = _outbox_row_or_404(org_id, message_id)
    return render_template(
        "outbox/outbox_message.html",
        org_id=org_id,
        timezone=db.session.get(Organisation, org_id).timezone,
        row=row,
        body_text=admin.without_personal_links(row.body_text),
        headers=[(name, admin.without_personal_links(value)) for name, value in row.header_pairs()],
        mail_configured=bool(current_app.config.get("MAIL_SERVER")),
    )


# The message's HTML alone, for the preview frame: no script, no request out,
# a sandboxed opaque origin, framed only by our own page.
PREVIEW_CSP = "sandbox; default-src 'none'; style-src 'unsafe-inline'; img-src data:; frame-ancestors 'self'"


@bp.route("/admin/orgs/<int:org_id>/outbox/<int:message_id>/preview")
@login_required
def outbox_preview(org_id: int, message_id: int):
    row = _outbox_row_or_404(org_id, message_id)
    response = current_app.response_class(
        admin.without_personal_links(row.body_html or ""), mimetype="text/html"
    )
    response.headers["Content-Security-Policy"] = PREVIEW_CSP
    response.headers["X-Frame-Options"] = "SAMEORIGIN"
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.route("/admin/orgs/<int:org_id>/outbox/<int:message_id>/retry", methods=["POST"])
@login_required
def outbox_retry(org_id: int, message_id: int):
    row = _outbox_row_or_404(org_id, message_id)
    if row.status == OutboxStatus.SENT.value:
        abort(400, _("This message was already sent."))
    now = clock.now()
    retry(db.session, row, now)
    # With a mail server, try it at once (after the commit); whatever fails waits in the outbox.
    transaction.after_commit(lambda: _deliver_and_tell(row.id, now))
    return redirect(safe_next(request.form.get("next"), url_for("outbox.outbox", org_id=org_id)), code=303)


def _deliver_and_tell(message_id: int, now) -> None:  # noqa: ANN001
    """Try the message again now and say how it went."""
    row = db.session.get(OutboxMessage, message_id)
    deliver_soon(db.session, [row], now)
    db.session.refresh(row)
    if row.status == OutboxStatus.SENT.value:
        flash(_("The message was sent."), "success")
    elif row.last_error:
        # retry() cleared the error: this one is the server's answer just now.
        flash(_("The mail server refused it again: %(error)s", error=row.last_error), "error")
    else:
        flash(_("The message is back in line; it goes out with the next delivery."), "success")
