"""The region's meetings: the next one's agenda, past minutes, running a
meeting (htmx: each agenda action answers the agenda fragment) and its
minutes as a page, a print-friendly page and a Word file."""

from __future__ import annotations

from flask import Blueprint, Response, abort, redirect, render_template, request, url_for
from flask_login import current_user, login_required

from tasking.core import clock, security_log
from tasking.core.errors import ServiceError
from tasking.core.htmx import render
from tasking.core.permissions import (
    is_regional_coordinator,
    may_see_detail_of,
    meeting_runner_or_404,
    meetings_region_or_404,
    regional_org_id,
)
from tasking.core.transaction import attempt
from tasking.core.validation import parse_id
from tasking.extensions import db
from tasking.meetings import closing, invitation, services
from tasking.meetings.docx_minutes import build_minutes_docx
from tasking.meetings.minutes import meeting_record
from tasking.models import Meeting, Region
from tasking.outbox.sender import send_after_commit

bp = Blueprint("meetings", __name__)


def _meeting_or_404(region: Region, meeting_id: int) -> Meeting:
    meeting = db.session.get(Meeting, meeting_id)
    if meeting is None or meeting.region_id != region.id:
        abort(404)
    return meeting


def _record(meeting: Meeting):  # noqa: ANN202
    return meeting_record(
        db.session, meeting, may_see=lambda org_id: may_see_detail_of(db.session, current_user, org_id)
    )


def _context(region: Region, meeting: Meeting, **extra) -> dict:  # noqa: ANN003
    runner = is_regional_coordinator(current_user, region.id) and not meeting.is_closed
    return {
        "region": region,
        "meeting": meeting,
        "record": _record(meeting),
        "runner": runner,
        "owners": services.follow_up_owners(db.session, region) if runner else [],
        **extra,
    }


@bp.route("/regions/<slug>/meetings")
@login_required
def index(slug: str):
    region = meetings_region_or_404(db.session, current_user, slug)
    week, starts_at, upcoming = services.upcoming_meeting(db.session, region, clock.now())
    return render_template(
        "meetings/index.html",
        region=region,
        week=week,
        starts_at=starts_at,
        upcoming=upcoming,
        record=_record(upcoming) if upcoming else None,
        past=services.past_meetings(db.session, region.id),
        coordinator=is_regional_coordinator(current_user, region.id),
    )


@bp.route("/regions/<slug>/meetings", methods=["POST"])
@login_required
def prepare(slug: str):
    region = meetings_region_or_404(db.session, current_user, slug)
    meeting_runner_or_404(current_user, region)
    now = clock.now()
    meeting = services.prepare_meeting(db.session, region=region, actor=current_user, now=now)
    send_after_commit(invitation.invite(db.session, meeting=meeting, now=now), now)
    return redirect(url_for("meetings.show", slug=region.slug, meeting_id=meeting.id), code=303)


@bp.route("/regions/<slug>/meetings/<int:meeting_id>")
@login_required
def show(slug: str, meeting_id: int):
    region = meetings_region_or_404(db.session, current_user, slug)
    meeting = _meeting_or_404(region, meeting_id)
    return render_template("meetings/meeting.html", **_context(region, meeting))


def _running(slug: str, meeting_id: int) -> tuple[Region, Meeting]:
    region = meetings_region_or_404(db.session, current_user, slug)
    meeting_runner_or_404(current_user, region)
    return region, _meeting_or_404(region, meeting_id)


def _agenda_change(slug: str, meeting_id: int, change) -> Response:  # noqa: ANN001
    """Apply ``change(meeting, now)`` and answer the agenda (its fragment for
    htmx); a refused change answers the agenda with the sentence, unchanged."""
    region, meeting = _running(slug, meeting_id)
    try:
        with attempt():
            change(meeting, clock.now())
    except ServiceError as error:
        db.session.expire_all()
        return render(
            "meetings/meeting.html",
            "meetings/_agenda.html",
            422,
            **_context(region, meeting, error=error.message),
        )
    db.session.expire(meeting)
    return render("meetings/meeting.html", "meetings/_agenda.html", **_context(region, meeting))


@bp.route("/regions/<slug>/meetings/<int:meeting_id>/items", methods=["POST"])
@login_required
def add_item(slug: str, meeting_id: int):
    title = request.form.get("title", "")
    return _agenda_change(
        slug, meeting_id, lambda m, now: services.add_item(db.session, meeting=m, title=title, now=now)
    )


@bp.route("/regions/<slug>/meetings/<int:meeting_id>/items/<int:item_id>/move", methods=["POST"])
@login_required
def move_item(slug: str, meeting_id: int, item_id: int):
    direction = request.form.get("direction", "")
    return _agenda_change(
        slug,
        meeting_id,
        lambda m, _now: services.move_item(db.session, meeting=m, item_id=item_id, direction=direction),
    )


@bp.route("/regions/<slug>/meetings/<int:meeting_id>/items/<int:item_id>/strike", methods=["POST"])
@login_required
def strike_item(slug: str, meeting_id: int, item_id: int):
    struck = request.form.get("struck") == "1"
    return _agenda_change(
        slug,
        meeting_id,
        lambda m, _now: services.strike_item(db.session, meeting=m, item_id=item_id, struck=struck),
    )


@bp.route("/regions/<slug>/meetings/<int:meeting_id>/items/<int:item_id>/note", methods=["POST"])
@login_required
def note(slug: str, meeting_id: int, item_id: int):
    text = request.form.get("note", "")
    return _agenda_change(
        slug, meeting_id, lambda m, _now: services.set_note(db.session, meeting=m, item_id=item_id, note=text)
    )


@bp.route("/regions/<slug>/meetings/<int:meeting_id>/items/<int:item_id>/decisions", methods=["POST"])
@login_required
def decision(slug: str, meeting_id: int, item_id: int):
    text = request.form.get("decision", "")
    return _agenda_change(
        slug,
        meeting_id,
        lambda m, now: services.add_decision(
            db.session, meeting=m, item_id=item_id, text=text, actor=current_user, now=now
        ),
    )


@bp.route("/regions/<slug>/meetings/<int:meeting_id>/items/<int:item_id>/follow-ups", methods=["POST"])
@login_required
def follow_up(slug: str, meeting_id: int, item_id: int):
    form = request.form
    return _agenda_change(
        slug,
        meeting_id,
        lambda m, now: services.add_follow_up(
            db.session,
            meeting=m,
            item_id=item_id,
            title=form.get("title", ""),
            owner_id=form.get("owner_id"),
            due_date=form.get("due_date"),
            actor=current_user,
            now=now,
        ),
    )


@bp.route("/regions/<slug>/meetings/<int:meeting_id>/attendance", methods=["POST"])
@login_required
def attendance(slug: str, meeting_id: int):
    present = {org_id for org_id in map(parse_id, request.form.getlist("present")) if org_id}
    names = {
        org_id: value
        for key, value in request.form.items()
        if key.startswith("attendees-") and (org_id := parse_id(key.removeprefix("attendees-")))
    }
    return _agenda_change(
        slug,
        meeting_id,
        lambda m, _now: services.set_attendance(db.session, meeting=m, present=present, names=names),
    )


@bp.route("/regions/<slug>/meetings/<int:meeting_id>/close", methods=["POST"])
@login_required
def close(slug: str, meeting_id: int):
    region, meeting = _running(slug, meeting_id)
    now = clock.now()
    rows = closing.close_meeting(db.session, meeting=meeting, actor=current_user, now=now)
    send_after_commit(rows, now)
    return redirect(url_for("meetings.show", slug=region.slug, meeting_id=meeting.id), code=303)


@bp.route("/regions/<slug>/meetings/<int:meeting_id>/print")
@login_required
def print_minutes(slug: str, meeting_id: int):
    region = meetings_region_or_404(db.session, current_user, slug)
    meeting = _meeting_or_404(region, meeting_id)
    return render_template(
        "meetings/print.html", region=region, meeting=meeting, record=meeting_record(db.session, meeting)
    )


@bp.route("/regions/<slug>/meetings/<int:meeting_id>/minutes.docx")
@login_required
def minutes_docx(slug: str, meeting_id: int):
    region = meetings_region_or_404(db.session, current_user, slug)
    meeting = _meeting_or_404(region, meeting_id)
    body = build_minutes_docx(region, meeting_record(db.session, meeting))
    # The minutes name the people present and the owners of follow-ups.
    security_log.note(
        security_log.EXPORT,
        organisation=regional_org_id(db.session, region.id),
        detail={"what": "minutes", "format": "docx", "meeting_id": meeting.id},
    )
    response = Response(
        body, mimetype="application/vnd.openxmlformats-officedocument.wordprocessingml.document"
    )
    filename = f"compte-rendu-{region.slug}-{meeting.week}.docx"
    response.headers["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response
