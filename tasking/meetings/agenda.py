"""The agenda drafted from the region's state.

:func:`region_state` is the one place the agenda reads the region from: per
municipality its progress, overdue and blocked actions. The regional digest
is being reworked to summarise a region (municipality table, « ce qui
demande la région », what is new); when that summary lands, this function is
the one to make call it. The draft lists, in order: the open follow-ups of
past meetings with what was done on them since the last meeting, the
municipalities whose blocked actions need the region, then each
municipality's turn of the round table.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime

from flask_babel import gettext as _
from flask_babel import ngettext
from sqlalchemy import case, func, select
from sqlalchemy.orm import Session

from tasking.models import (
    Activity,
    Comment,
    Meeting,
    MeetingFollowUp,
    MeetingItemKind,
    Organisation,
    Plan,
    Region,
    Task,
    TaskStatus,
    User,
)
from tasking.tasks.history import describe, field_label

#: Longest list of action titles in an item's detail; the rest is counted.
DETAIL_LIMIT = 8
#: Lines of "what was done since" per follow-up.
DONE_SINCE_LIMIT = 4


@dataclass
class MunicipalityState:
    organisation_id: int
    name: str
    total: int = 0
    done: int = 0
    overdue: int = 0
    blocked: int = 0
    blocked_lines: list[str] = field(default_factory=list)
    overdue_lines: list[str] = field(default_factory=list)

    @property
    def progress(self) -> float | None:
        return self.done / self.total if self.total else None


@dataclass
class ItemDraft:
    kind: str
    title: str
    detail: str = ""
    organisation_id: int | None = None
    task_id: int | None = None


def _live(query, region_id: int):  # noqa: ANN001, ANN202
    return (
        query.join(Plan, Plan.id == Task.plan_id)
        .join(Organisation, Organisation.id == Plan.organisation_id)
        .where(Organisation.region_id == region_id, Plan.archived_at.is_(None), Task.archived_at.is_(None))
    )


def region_state(session: Session, region: Region, today: date) -> list[MunicipalityState]:
    """Each municipality of the region with its counts and the titles of its
    blocked and overdue actions, in three queries whatever its size."""
    states = {
        org_id: MunicipalityState(org_id, name)
        for org_id, name in session.execute(
            select(Organisation.id, Organisation.name)
            .where(Organisation.region_id == region.id)
            .order_by(Organisation.name)
        )
    }
    open_ = Task.status != TaskStatus.DONE.value
    counts = _live(
        select(
            Plan.organisation_id,
            func.count(Task.id),
            func.sum(case((Task.status == TaskStatus.DONE.value, 1), else_=0)),
            func.sum(case((open_ & (Task.due_date < today), 1), else_=0)),
            func.sum(case((Task.status == TaskStatus.BLOCKED.value, 1), else_=0)),
        ),
        region.id,
    ).group_by(Plan.organisation_id)
    for org_id, total, done, overdue, blocked in session.execute(counts):
        state = states[org_id]
        state.total, state.done, state.overdue, state.blocked = total, done or 0, overdue or 0, blocked or 0
    lines = _live(
        select(Plan.organisation_id, Task.title, Task.blocked_reason, Task.status, Task.due_date),
        region.id,
    ).where(open_, (Task.status == TaskStatus.BLOCKED.value) | (Task.due_date < today))
    for org_id, title, reason, status, due in session.execute(lines.order_by(Task.due_date, Task.id)):
        state = states[org_id]
        if status == TaskStatus.BLOCKED.value:
            state.blocked_lines.append(f"{title} — {reason}" if reason else title)
        elif due is not None and due < today:
            state.overdue_lines.append(f"{title} ({due.isoformat()})")
    return list(states.values())


def _listing(lines: list[str]) -> str:
    shown = [f"• {line}" for line in lines[:DETAIL_LIMIT]]
    if len(lines) > DETAIL_LIMIT:
        shown.append(_("… and %(count)d more", count=len(lines) - DETAIL_LIMIT))
    return "\n".join(shown)


def open_follow_ups(session: Session, region_id: int) -> list[Task]:
    """The follow-ups of the region's meetings that are not done yet, oldest first."""
    return list(
        session.scalars(
            select(Task)
            .join(MeetingFollowUp, MeetingFollowUp.task_id == Task.id)
            .join(Meeting, Meeting.id == MeetingFollowUp.meeting_id)
            .where(
                Meeting.region_id == region_id,
                Task.archived_at.is_(None),
                Task.status != TaskStatus.DONE.value,
            )
            .order_by(Task.due_date, Task.id)
        )
    )


def done_since(session: Session, task_ids: list[int], since: datetime) -> dict[int, list[str]]:
    """task id → what happened on it since ``since`` (history and comments), latest first."""
    found: dict[int, list[str]] = defaultdict(list)
    if not task_ids:
        return found
    activities = session.execute(
        select(Activity, User.name)
        .outerjoin(User, User.id == Activity.actor_id)
        .where(Activity.task_id.in_(task_ids), Activity.created_at >= since, Activity.kind != "comment")
        .order_by(Activity.created_at.desc(), Activity.id.desc())
    )
    for activity, name in activities:
        if activity.field:
            text = f"{field_label(activity.field)} : {activity.new_value or '—'}"
        else:
            text = describe(activity)
        found[activity.task_id].append(f"{activity.created_at:%Y-%m-%d} {name or ''} — {text}".strip())
    comments = session.execute(
        select(Comment.task_id, Comment.body, Comment.created_at, User.name)
        .outerjoin(User, User.id == Comment.author_id)
        .where(Comment.task_id.in_(task_ids), Comment.created_at >= since)
        .order_by(Comment.created_at.desc())
    )
    for task_id, body, created_at, name in comments:
        found[task_id].insert(0, f"{created_at:%Y-%m-%d} {name or ''} — « {body[:200]} »")
    return {task_id: lines[:DONE_SINCE_LIMIT] for task_id, lines in found.items()}


def follow_up_drafts(session: Session, region: Region, since: datetime) -> list[ItemDraft]:
    tasks = open_follow_ups(session, region.id)
    owners = dict(
        session.execute(select(User.id, User.name).where(User.id.in_({t.owner_id for t in tasks}))).all()
    )
    history = done_since(session, [t.id for t in tasks], since)
    drafts = []
    for task in tasks:
        due = task.due_date.isoformat() if task.due_date else "—"
        title = _(
            "Follow-up: %(title)s (%(owner)s, due %(due)s)",
            title=task.title,
            owner=owners.get(task.owner_id, "—"),
            due=due,
        )
        lines = history.get(task.id) or [_("Nothing recorded since the last meeting.")]
        drafts.append(ItemDraft(MeetingItemKind.FOLLOW_UP.value, title, "\n".join(lines), task_id=task.id))
    return drafts


def draft_agenda(session: Session, region: Region, *, today: date, since: datetime) -> list[ItemDraft]:
    """The agenda the coordinator starts from (see the module's docstring)."""
    drafts = follow_up_drafts(session, region, since)
    states = region_state(session, region, today)
    for state in states:
        if state.blocked:
            title = ngettext(
                "%(org)s: %(num)d blocked action needs the region",
                "%(org)s: %(num)d blocked actions need the region",
                state.blocked,
                org=state.name,
            )
            drafts.append(
                ItemDraft(
                    MeetingItemKind.HELP.value,
                    title,
                    _listing(state.blocked_lines),
                    organisation_id=state.organisation_id,
                )
            )
    for state in states:
        title = _(
            "Round table — %(org)s: %(done)d/%(total)d done, %(overdue)d overdue, %(blocked)d blocked",
            org=state.name,
            done=state.done,
            total=state.total,
            overdue=state.overdue,
            blocked=state.blocked,
        )
        drafts.append(
            ItemDraft(
                MeetingItemKind.ROUND.value,
                title,
                _listing(state.overdue_lines),
                organisation_id=state.organisation_id,
            )
        )
    return drafts
