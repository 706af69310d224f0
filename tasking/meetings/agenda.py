"""The agenda drafted from the region's summary.

The agenda reads the region from ``tasking.regions.summary.region_summary``,
the very summary the regional digest renders, so the digest people read
before the meeting and the agenda they meet on agree. The draft lists, in
order: the open follow-ups of past meetings with what was done on them since
the last meeting; what needs the region (each municipality's help requests,
then the blockers shared by several municipalities); then each
municipality's turn of the round table with its figures, their change since
last week and what is new since the last meeting.

An item's ``detail`` names actions of one municipality and is shown only to
those who may read it (``organisation_id``); items of no municipality (a
shared blocker) carry names and counts only, as the digest does.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime

from flask_babel import gettext as _
from flask_babel import ngettext
from sqlalchemy import select
from sqlalchemy.orm import Session

from tasking.models import Activity, Comment, MeetingItemKind, Region, User
from tasking.regions.summary import ActionRef, MunicipalityRow, RegionSummary, region_summary, signed
from tasking.tasks.history import describe, field_label

#: Longest list of action titles in an item's detail; the rest is counted.
DETAIL_LIMIT = 8
#: Lines of "what was done since" per follow-up.
DONE_SINCE_LIMIT = 4


@dataclass
class ItemDraft:
    kind: str
    title: str
    detail: str = ""
    organisation_id: int | None = None
    task_id: int | None = None


def _listing(lines: list[str]) -> list[str]:
    shown = [f"• {line}" for line in lines[:DETAIL_LIMIT]]
    if len(lines) > DETAIL_LIMIT:
        shown.append(_("… and %(count)d more", count=len(lines) - DETAIL_LIMIT))
    return shown


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


def follow_up_drafts(session: Session, summary: RegionSummary) -> list[ItemDraft]:
    """The summary's open follow-ups, each with what was done on it since the last meeting."""
    history = done_since(session, [f.task_id for f in summary.follow_ups], summary.since)
    drafts = []
    for follow_up in summary.follow_ups:
        title = _(
            "Follow-up: %(title)s (%(owner)s, due %(due)s)",
            title=follow_up.title,
            owner=follow_up.owner or "—",
            due=follow_up.due_date.isoformat() if follow_up.due_date else "—",
        )
        lines = history.get(follow_up.task_id) or [_("Nothing recorded since the last meeting.")]
        drafts.append(
            ItemDraft(MeetingItemKind.FOLLOW_UP.value, title, "\n".join(lines), task_id=follow_up.task_id)
        )
    return drafts


def _action_line(action: ActionRef, blocked: str, *, why_help: bool = False) -> str:
    """« title — why help is asked (Blocked: reason) », the parts it has."""
    line = f"{action.title} — {action.help_reason}" if why_help and action.help_reason else action.title
    return f"{line} ({blocked} {action.blocked_reason})" if action.blocked_reason else line


def help_drafts(summary: RegionSummary) -> list[ItemDraft]:
    """One item per municipality whose owners asked for the region's help,
    then one per blocker shared by several municipalities (as the digest's
    « Ce qui demande la région »)."""
    asked: dict[int, list[ActionRef]] = defaultdict(list)
    for action in summary.help:
        asked[action.organisation_id].append(action)
    blocked = _("Blocked:")
    drafts = []
    for row in summary.rows:
        actions = asked.get(row.organisation_id)
        if not actions:
            continue
        title = ngettext(
            "%(org)s: %(num)d action asks for the region’s help",
            "%(org)s: %(num)d actions ask for the region’s help",
            len(actions),
            org=row.name,
        )
        detail = "\n".join(_listing([_action_line(action, blocked, why_help=True) for action in actions]))
        drafts.append(
            ItemDraft(MeetingItemKind.HELP.value, title, detail, organisation_id=row.organisation_id)
        )
    for shared in summary.shared:
        title = _(
            "Shared blocker — %(label)s %(what)s — %(where)s",
            label=_("Partner:") if shared.kind == "partner" else _("Reason:"),
            what=shared.label,
            where=", ".join(f"{name} ({count})" for name, count in shared.municipalities),
        )
        drafts.append(ItemDraft(MeetingItemKind.HELP.value, title))
    return drafts


def _round_detail(row: MunicipalityRow, newly_blocked: list[ActionRef], blocked: str) -> str:
    """The municipality's change since last week, what is new since the last
    meeting, and its newly blocked actions by title."""
    lines = []
    if row.last_week is not None:
        lines.append(
            _(
                "Since last week: progress %(progress)s, overdue %(overdue)s, blocked %(blocked)s",
                progress=signed(row.progress_change, _(" pts")),
                overdue=signed(row.overdue_change),
                blocked=signed(row.blocked_change),
            )
        )
    if row.response_rate is not None:
        lines.append(_("Check-in answered by %(rate)d %% of the people asked", rate=row.response_rate))
    if row.changed_since:
        news = _(
            "done: %(done)d, newly blocked: %(blocked)d, due dates moved: %(moved)d, help requests: %(help)d",
            done=row.done_since,
            blocked=row.blocked_since,
            moved=row.moved_since,
            help=row.help_since,
        )
        lines.append(_("%(label)s: %(value)s", label=_("New since the last meeting"), value=news))
    if newly_blocked:
        lines.append(_("Newly blocked"))
        lines.extend(_listing([_action_line(action, blocked) for action in newly_blocked]))
    return "\n".join(lines)


def round_drafts(summary: RegionSummary) -> list[ItemDraft]:
    """Each municipality's turn of the round table, in the digest's order."""
    newly_blocked: dict[int, list[ActionRef]] = defaultdict(list)
    for action in summary.new_blockers:
        newly_blocked[action.organisation_id].append(action)
    blocked = _("Blocked:")
    drafts = []
    for row in summary.rows:
        title = _(
            "Round table — %(org)s: %(done)d/%(total)d done, %(overdue)d overdue, %(blocked)d blocked",
            org=row.name,
            done=row.now.done,
            total=row.now.total,
            overdue=row.now.overdue,
            blocked=row.now.blocked,
        )
        detail = _round_detail(row, newly_blocked[row.organisation_id], blocked)
        drafts.append(
            ItemDraft(MeetingItemKind.ROUND.value, title, detail, organisation_id=row.organisation_id)
        )
    return drafts


def draft_agenda(session: Session, region: Region, *, now: datetime, since: datetime) -> list[ItemDraft]:
    """The agenda the coordinator starts from (see the module's docstring);
    ``since`` (naive UTC) is the last meeting."""
    summary = region_summary(session, region, now=now, since=since)
    return [*follow_up_drafts(session, summary), *help_drafts(summary), *round_drafts(summary)]
