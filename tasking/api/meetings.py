"""The region's week and its weekly meetings, for its coordinators and its
municipalities' admins: the digest's figures, and what was said, decided
and followed up (the minutes' content)."""

from __future__ import annotations

from typing import Any

from flask import abort
from sqlalchemy import select

from tasking.api import schemas
from tasking.api.blueprint import api_user, blp
from tasking.core.clock import now
from tasking.core.permissions import may_see_detail_of, meetings_region_or_404
from tasking.core.urls import external_url
from tasking.extensions import db
from tasking.meetings.minutes import meeting_record
from tasking.models import Meeting, Region
from tasking.regions.summary import region_summary


def _meeting_view(region: Region, meeting: Meeting) -> dict[str, Any]:
    return {
        "id": meeting.id,
        "week": meeting.week,
        "starts_at": meeting.starts_at,
        "closed_at": meeting.closed_at,
        "url": external_url("meetings.show", slug=region.slug, meeting_id=meeting.id),
    }


@blp.route("/regions/<slug>/meetings")
@blp.response(200, schemas.MeetingSchema(many=True))
def meetings(slug: str):
    """The region's meetings, newest first."""
    region = meetings_region_or_404(db.session, api_user(), slug)
    rows = db.session.scalars(
        select(Meeting)
        .where(Meeting.region_id == region.id)
        .order_by(Meeting.starts_at.desc(), Meeting.id.desc())
    )
    return [_meeting_view(region, meeting) for meeting in rows]


@blp.route("/regions/<slug>/meetings/<int:meeting_id>")
@blp.response(200, schemas.MeetingDetailSchema)
def meeting(slug: str, meeting_id: int):
    """One meeting: its items with notes, decisions and follow-ups, and who attended."""
    user = api_user()
    region = meetings_region_or_404(db.session, user, slug)
    found = db.session.get(Meeting, meeting_id)
    if found is None or found.region_id != region.id:
        abort(404)
    record = meeting_record(
        db.session, found, may_see=lambda org_id: may_see_detail_of(db.session, user, org_id)
    )
    items = [
        {
            "id": line.item.id,
            "kind": line.item.kind,
            "title": line.item.title,
            "detail": line.item.detail if line.show_detail else "",
            "note": line.item.note,
            "struck": line.item.struck,
            "decisions": [decision.text for decision in line.decisions],
            "follow_ups": [vars(follow_up) for follow_up in line.follow_ups],
        }
        for line in record.items
    ]
    attendance = [
        {"organisation_id": a.organisation_id, "name": a.name, "present": a.present, "attendees": a.attendees}
        for a in record.attendance
    ]
    return {**_meeting_view(region, found), "items": items, "attendance": attendance}


@blp.route("/regions/<slug>/summary")
@blp.response(200, schemas.RegionWeekSchema)
def summary(slug: str):
    """The regional digest's top table for this week: each municipality's
    progress, change since last week, overdue, blocked and check-in response."""
    region = meetings_region_or_404(db.session, api_user(), slug)
    week = region_summary(db.session, region, now=now())
    rows = [
        {
            "organisation_id": row.organisation_id,
            "name": row.name,
            "actions": row.now.total,
            "progress": row.now.progress,
            "progress_change": row.progress_change,
            "overdue": row.now.overdue,
            "overdue_change": row.overdue_change,
            "blocked": row.now.blocked,
            "response_rate": row.response_rate,
        }
        for row in week.rows
    ]
    return {
        "region": week.region,
        "week": week.week,
        "municipalities": rows,
        "help_requests": len(week.help),
        "shared_blockers": len(week.shared),
        "open_follow_ups": len(week.follow_ups),
        "url": external_url("dashboards.region", slug=region.slug),
    }
