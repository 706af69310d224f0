"""The security log of an organisation, for its admins: a filtered,
paginated page and the same list as CSV."""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Mapping
from datetime import date

from flask import Blueprint, Response, abort
from flask import request as http_request
from flask_babel import gettext as _
from flask_login import current_user, login_required

from tasking.core import security_log, sessions
from tasking.core.clock import to_local
from tasking.core.htmx import render
from tasking.core.permissions import org_admin_or_404
from tasking.core.validation import parse_id
from tasking.exchange.tasksheet import neutralise
from tasking.extensions import db
from tasking.models import Organisation
from tasking.orgs.services import org_members
from tasking.securitylog import services, text
from tasking.securitylog.services import EventRow, Filters

bp = Blueprint("securitylog", __name__, url_prefix="/admin/orgs/<int:org_id>")

#: What an address filter may hold: the start of an IPv4 or IPv6 address.
ADDRESS_RE = re.compile(r"^[0-9A-Fa-f.:]{1,45}$")


def _date(value: str, problems: list[str]) -> date | None:
    if not value:
        return None
    try:
        return date.fromisoformat(value)
    except ValueError:
        problems.append(_("Write dates as YYYY-MM-DD (e.g. 2026-11-25)."))
        return None


def read_filters(args: Mapping[str, str], member_ids: set[int]) -> tuple[Filters, list[str]]:
    """The filters of the query string and what is wrong with them (the wrong ones are left out)."""
    problems: list[str] = []
    kind = (args.get("kind") or "").strip() or None
    if kind is not None and kind not in security_log.KINDS:
        problems.append(_("Choose a kind of event from the list."))
        kind = None
    person_id = parse_id(args.get("person")) if args.get("person") else None
    if args.get("person") and person_id not in member_ids:
        problems.append(_("Choose a person from the list."))
        person_id = None
    since = _date((args.get("since") or "").strip(), problems)
    until = _date((args.get("until") or "").strip(), problems)
    if since and until and since > until:
        problems.append(_("The start date comes after the end date."))
        since = until = None
    address = (args.get("address") or "").strip() or None
    if address is not None and not ADDRESS_RE.match(address):
        problems.append(_("An address is made of digits, letters a to f, dots and colons."))
        address = None
    return Filters(kind, person_id, since, until, address), problems


def _org_and_filters(org_id: int) -> tuple[Organisation, list, Filters, list[str]]:
    org_admin_or_404(db.session, current_user, org_id)
    org = db.get_or_404(Organisation, org_id)
    members = org_members(db.session, org.id)
    filters, problems = read_filters(http_request.args, {user.id for user, _role in members})
    return org, members, filters, problems


@bp.route("/security-log")
@login_required
def index(org_id: int):
    org, members, filters, problems = _org_and_filters(org_id)
    page = parse_id(http_request.args.get("page")) or 1
    rows, total = services.events_page(db.session, org.id, filters, page=page, timezone=org.timezone)
    return render(
        "securitylog/log.html",
        "securitylog/_log.html",
        status=422 if problems else 200,
        org=org,
        org_id=org.id,
        members=members,
        filters=filters,
        problems=problems,
        rows=rows,
        total=total,
        page_number=page,
        per_page=services.PER_PAGE,
        kinds=[(kind, text.kind_label(kind)) for kind in security_log.KINDS],
        kind_label=text.kind_label,
        describe=text.describe,
    )


@bp.route("/security-log.csv")
@login_required
def export(org_id: int):
    """The filtered list as CSV for Excel: UTF-8 with a byte-order mark, « ; » between fields."""
    org, _members, filters, problems = _org_and_filters(org_id)
    if problems:
        abort(400, " ".join(problems))
    # Addresses and e-mails of people: a personal-data export.
    if (asked := sessions.ask_password_again()) is not None:
        return asked
    rows = services.all_events(db.session, org.id, filters, timezone=org.timezone)
    security_log.note(
        security_log.EXPORT,
        organisation=org.id,
        detail={"what": "security_log", "format": "csv", "rows": len(rows), **filters.as_args()},
    )
    response = Response(build_csv(rows, org.timezone), mimetype="text/csv")
    response.headers["Content-Disposition"] = f'attachment; filename="journal-securite-{org.slug}.csv"'
    response.headers["Cache-Control"] = "private, no-store"
    return response


def build_csv(rows: list[EventRow], timezone: str | None) -> bytes:
    """The events as CSV, headers in the reader's language (French by default)."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=";", lineterminator="\r\n")
    writer.writerow(
        [
            _("Date and time"),
            _("Event"),
            _("By"),
            _("By (e-mail)"),
            _("Concerning"),
            _("Concerning (e-mail)"),
            _("Address"),
            _("Browser"),
            _("Detail"),
        ]
    )
    for row in rows:
        values = [
            to_local(row.at, timezone).strftime("%Y-%m-%d %H:%M:%S"),
            text.kind_label(row.kind),
            row.actor_name,
            row.actor_email,
            row.subject_name,
            row.subject_email,
            row.address,
            row.user_agent,
            text.describe(row.kind, row.detail),
        ]
        # Typed by anyone (an address at a failed sign-in, a browser's name): never a formula.
        writer.writerow([neutralise(str(value)) if value else "" for value in values])
    return ("\ufeff" + buffer.getvalue()).encode("utf-8")
