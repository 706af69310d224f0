"""Preparing, running and closing a region's meeting.

The routes check who may act (core/permissions); these functions take the
acting person and ``now``, flush and never commit. A closed meeting is the
minutes: nothing of it changes any more.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import NamedTuple

from flask_babel import gettext as _
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from tasking.core.errors import ServiceError
from tasking.core.validation import clean_text, clean_title, parse_id
from tasking.meetings.agenda import draft_agenda
from tasking.meetings.regional_plan import ensure_member, follow_up_objective, regional_plan
from tasking.meetings.slots import next_slot
from tasking.models import (
    Meeting,
    MeetingAttendance,
    MeetingDecision,
    MeetingFollowUp,
    MeetingItem,
    MeetingItemKind,
    Membership,
    Organisation,
    Region,
    Role,
    Task,
    User,
)
from tasking.plans.builder import ActionSpec, History, PlanBuilder

#: Without an earlier meeting, "what was done since" looks back this far.
FIRST_LOOKBACK = timedelta(days=7)


def upcoming_meeting(session: Session, region: Region, now: datetime) -> tuple[str, datetime, Meeting | None]:
    """The next slot (week, start) and its meeting if it was prepared."""
    week, starts_at = next_slot(region, now)
    meeting = session.scalar(select(Meeting).where(Meeting.region_id == region.id, Meeting.week == week))
    return week, starts_at, meeting


def previous_meeting(session: Session, region_id: int, before: datetime) -> Meeting | None:
    return session.scalar(
        select(Meeting)
        .where(Meeting.region_id == region_id, Meeting.closed_at.is_not(None), Meeting.starts_at < before)
        .order_by(Meeting.starts_at.desc())
        .limit(1)
    )


def past_meetings(session: Session, region_id: int) -> list[Meeting]:
    return list(
        session.scalars(
            select(Meeting)
            .where(Meeting.region_id == region_id, Meeting.closed_at.is_not(None))
            .order_by(Meeting.starts_at.desc())
        )
    )


def prepare_meeting(session: Session, *, region: Region, actor: User, now: datetime) -> Meeting:
    """The next meeting with its drafted agenda and attendance sheet; the
    same meeting when it was prepared already."""
    week, starts_at, meeting = upcoming_meeting(session, region, now)
    if meeting is not None:
        return meeting
    staff = regional_plan(session, region, now=now).organisation
    previous = previous_meeting(session, region.id, starts_at)
    since = previous.closed_at if previous else now - FIRST_LOOKBACK
    meeting = Meeting(
        region_id=region.id, week=week, starts_at=starts_at, created_at=now, created_by_id=actor.id
    )
    session.add(meeting)
    drafts = draft_agenda(session, region, now=now, since=since)
    for position, draft in enumerate(drafts, start=1):
        meeting.items.append(
            MeetingItem(
                position=position,
                kind=draft.kind,
                title=draft.title,
                detail=draft.detail,
                organisation_id=draft.organisation_id,
                task_id=draft.task_id,
                created_at=now,
            )
        )
    org_ids = session.scalars(select(Organisation.id).where(Organisation.region_id == region.id))
    for org_id in [staff.id, *org_ids]:
        meeting.attendance.append(MeetingAttendance(organisation_id=org_id))
    session.flush()
    return meeting


def _open(meeting: Meeting) -> None:
    if meeting.is_closed:
        raise ServiceError(_("This meeting is closed: its minutes no longer change."))


def item_of(session: Session, meeting: Meeting, item_id: int) -> MeetingItem:
    item = session.get(MeetingItem, item_id)
    if item is None or item.meeting_id != meeting.id:
        raise ServiceError(_("This agenda item does not exist."))
    return item


def add_item(session: Session, *, meeting: Meeting, title: str, now: datetime) -> MeetingItem:
    _open(meeting)
    last = session.scalar(select(func.max(MeetingItem.position)).where(MeetingItem.meeting_id == meeting.id))
    item = MeetingItem(
        meeting_id=meeting.id,
        position=(last or 0) + 1,
        kind=MeetingItemKind.OTHER.value,
        title=clean_title(title),
        created_at=now,
    )
    session.add(item)
    session.flush()
    session.expire(meeting, ["items"])
    return item


def move_item(session: Session, *, meeting: Meeting, item_id: int, direction: str) -> None:
    """Swap the item with its neighbour above ("up") or below ("down")."""
    _open(meeting)
    items = list(meeting.items)
    item = item_of(session, meeting, item_id)
    index = items.index(item)
    other = index - 1 if direction == "up" else index + 1
    if direction not in ("up", "down") or not 0 <= other < len(items):
        return
    # Renumber first: added items may share a position with drafted ones.
    for position, each in enumerate(items, start=1):
        each.position = position
    item.position, items[other].position = items[other].position, item.position
    session.flush()
    session.expire(meeting, ["items"])


def strike_item(session: Session, *, meeting: Meeting, item_id: int, struck: bool) -> MeetingItem:
    _open(meeting)
    item = item_of(session, meeting, item_id)
    item.struck = struck
    session.flush()
    return item


def set_note(session: Session, *, meeting: Meeting, item_id: int, note: str) -> MeetingItem:
    _open(meeting)
    item = item_of(session, meeting, item_id)
    item.note = clean_text(note, "note")
    session.flush()
    return item


def add_decision(
    session: Session, *, meeting: Meeting, item_id: int, text: str, actor: User, now: datetime
) -> MeetingDecision:
    _open(meeting)
    item = item_of(session, meeting, item_id)
    text = clean_text(text, "decision")
    if not text:
        raise ServiceError(_("Write the decision first."), "decision")
    decision = MeetingDecision(item_id=item.id, text=text, author_id=actor.id, created_at=now)
    session.add(decision)
    session.flush()
    session.expire(item, ["decisions"])
    return decision


def set_attendance(session: Session, *, meeting: Meeting, present: set[int], names: dict[int, str]) -> None:
    """Who attended: the organisations present and, for each, who came."""
    _open(meeting)
    for row in meeting.attendance:
        row.present = row.organisation_id in present
        row.attendees = clean_text(names.get(row.organisation_id, ""), "attendees", limit=500)
    session.flush()


class Owner(NamedTuple):
    """Someone who may own a follow-up, as the form lists them."""

    id: int
    name: str
    organisation: str


def follow_up_owners(session: Session, region: Region) -> list[Owner]:
    """Who may own a follow-up: admins and members of the region's
    municipalities and the region's staff, with their organisation's name.
    Plain rows, not users: a large region lists a thousand people on each
    page of the meeting."""
    staff_of = Organisation.staff_of_region_id == region.id
    rows = session.execute(
        select(User.id, User.name, Organisation.name)
        .join(Membership, Membership.user_id == User.id)
        .join(Organisation, Organisation.id == Membership.organisation_id)
        .where(
            (Organisation.region_id == region.id) | staff_of,
            Membership.role.in_([Role.ADMIN.value, Role.MEMBER.value]),
            User.active.is_(True),
        )
        .order_by(Organisation.name, User.name)
    )
    seen: dict[int, Owner] = {}
    for user_id, name, org_name in rows:
        seen.setdefault(user_id, Owner(user_id, name, org_name))
    coordinators = session.execute(
        select(User.id, User.name)
        .where(User.regional_region_id == region.id, User.active.is_(True))
        .order_by(User.name)
    )
    for user_id, name in coordinators:
        seen.setdefault(user_id, Owner(user_id, name, region.name))
    return list(seen.values())


def _due(value: object) -> date:
    try:
        return date.fromisoformat(str(value or "").strip())
    except ValueError as exc:
        raise ServiceError(_("Give a due date (YYYY-MM-DD)."), "due_date") from exc


def add_follow_up(
    session: Session,
    *,
    meeting: Meeting,
    item_id: int,
    title: str,
    owner_id: object,
    due_date: object,
    actor: User,
    now: datetime,
) -> Task:
    """A follow-up: a task of the regional plan, owned by someone of the
    region, due on a date, linked to the meeting and its item. Its owner
    becomes a member of the region's organisation (so the task shows in
    their tasks, reminders, check-ins and calendar)."""
    _open(meeting)
    item = item_of(session, meeting, item_id)
    region = meeting.region
    chosen = parse_id(owner_id) or 0
    if chosen not in {owner.id for owner in follow_up_owners(session, region)}:
        raise ServiceError(_("Choose the person responsible from the region."), "owner_id")
    owner = session.get(User, chosen)
    spec = ActionSpec(title=clean_title(title), owner_id=owner.id, due_date=_due(due_date))
    plan = regional_plan(session, region, now=now)
    ensure_member(session, plan.organisation, owner, now=now)
    objective = follow_up_objective(session, plan, now=now)
    builder = PlanBuilder(
        session, plan=plan, actor=actor, now=now, history=History(actions="created:meeting")
    )
    [task] = builder.add_actions([(objective.id, spec)])
    session.add(MeetingFollowUp(task_id=task.id, meeting_id=meeting.id, item_id=item.id))
    session.flush()
    session.expire(item, ["follow_ups"])
    return task
