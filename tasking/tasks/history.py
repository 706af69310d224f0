"""Showing task fields and history lines to people: field names and values
in words (status labels, « 25 nov. 2026 », names instead of ids)."""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from datetime import date
from typing import TYPE_CHECKING, Any

import nh3
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_babel import ngettext
from markupsafe import Markup, escape

from tasking.core.markdown import ALLOWED_ATTRIBUTES, ALLOWED_TAGS, render_markdown
from tasking.core.templating import HORIZON_LABELS, LEVEL_LABELS, STATUS_LABELS, health_label, qc_date
from tasking.models import Activity, User
from tasking.tasks.editing import DATE_FIELDS
from tasking.tasks.mentions import MENTION_RE

if TYPE_CHECKING:
    from tasking.tasks.queries import Read

FIELD_LABELS = {
    "title": _l("Title"),
    "description": _l("Description"),
    "status": _l("Status"),
    "blocked_reason": _l("Reason for the blockage"),
    "owner_id": _l("Responsible"),
    "collaborators": _l("Collaborators"),
    "partners": _l("External partners"),
    "horizon": _l("Horizon"),
    "level": _l("Level"),
    "short_start": _l("Short and medium term, from"),
    "short_end": _l("Short and medium term, to"),
    "long_start": _l("Long term, from"),
    "long_end": _l("Long term, to"),
    "due_date": _l("Due date"),
    "region_help": _l("Needs the region"),
    "region_help_reason": _l("What the region could help with"),
}
LONG_TEXT = 160


def field_label(field: str | None) -> str:
    """A task field's name as people read it."""
    return str(FIELD_LABELS.get(field or "", field or ""))


def human_value(field: str, value: Any, names: dict[int, str]) -> str:
    """One field value as a person reads it; « — » for nothing."""
    if value is None or value == "" or value == []:
        return "—"
    if field == "status":
        return str(STATUS_LABELS.get(value, value))
    if field == "horizon":
        return str(HORIZON_LABELS.get(value, value))
    if field == "level":
        return str(LEVEL_LABELS.get(value, value))
    if field == "region_help":
        return _("yes") if str(value) == "True" else _("no")
    if field == "owner_id":
        try:
            return names.get(int(value)) or _("a former member")
        except (TypeError, ValueError):
            return str(value)
    if field in DATE_FIELDS:
        if isinstance(value, date):
            return qc_date(value)
        try:
            return qc_date(date.fromisoformat(str(value)))
        except ValueError:
            return str(value)
    if field == "collaborators" and isinstance(value, list | tuple):
        return ", ".join(sorted(names.get(int(v), "?") for v in value)) or "—"
    if isinstance(value, list | tuple):
        return ", ".join(str(v) for v in value) or "—"
    text = str(value)
    return text if len(text) <= LONG_TEXT else text[: LONG_TEXT - 1] + "…"


#: What a non-field history line says, by kind: translated when shown, the
#: one needed only (a history page shows 50 lines).
DESCRIPTIONS = {
    "comment": _l("commented"),
    "created": _l("added the action to the plan"),
    "archived": _l("archived the action"),
    "restored": _l("restored the action"),
    "plan_moved": _l("moved the action in the plan"),
}
CHANGED = _l("changed the action")


def describe(activity: Activity | Read) -> str:
    """What a non-field history line says (comment, creation, archive…)."""
    if activity.kind == "checkin":
        return _("gave the weekly update: %(health)s", health=health_label(activity.new_value))
    if activity.kind == "reminder":
        return describe_reminder(activity)
    # "created:import", "field:email"…: the suffix says through which channel.
    return str(DESCRIPTIONS.get(activity.kind.split(":")[0], CHANGED))


def user_ids_in(activities: list[Activity] | list[Read]) -> set[int]:
    """Owner ids named by history lines (so one query can fetch their names)."""
    ids: set[int] = set()
    for activity in activities:
        if activity.field == "owner_id":
            for value in (activity.old_value, activity.new_value):
                if value and value.isdigit():
                    ids.add(int(value))
    return ids


_TAG = re.compile(r"(<[^>]*>)")
_LINK_OPEN = re.compile(r"<a[\s>]")


def render_comment(body: str, handles: Mapping[str, User], link: Callable[[User], str]) -> Markup:
    """A comment's Markdown, safe, each known @mention a link to the person
    (``link``) showing their name; an unknown one stays as it was written."""
    html = str(render_markdown(body))

    def mark(match: re.Match) -> str:
        person = handles.get(match.group(1).lower())
        if person is None:
            return match.group(0)
        return (
            f'<span class="mention"><a href="{escape(link(person))}" title="{escape(match.group(0))}">'
            f"@{escape(person.name)}</a></span>"
        )

    # Outside tags, and outside the links the author wrote (no link in a link).
    parts, in_link = [], False
    for part in _TAG.split(html):
        if part.startswith("<"):
            in_link = bool(_LINK_OPEN.match(part)) or (in_link and part != "</a>")
            parts.append(part)
        else:
            parts.append(part if in_link else MENTION_RE.sub(mark, part))
    # Sanitise again: the linking must never open a way for markup.
    return Markup(
        nh3.clean(
            "".join(parts),
            tags=ALLOWED_TAGS,
            attributes=ALLOWED_ATTRIBUTES,
            url_schemes={"http", "https", "mailto"},
            link_rel="noopener noreferrer nofollow",
        )
    )


def describe_reminder(activity: Activity) -> str:
    """A reminder's history line in words, after "Rétablir": who was told what
    (lines of kind "reminder", which the scheduler's reminders write)."""
    rule, name = activity.field or "", activity.new_value or ""
    if rule.startswith("due:") and rule[4:].isdigit():
        days = int(rule[4:])
        return ngettext(
            "reminded %(name)s: due in %(num)d day", "reminded %(name)s: due in %(num)d days", days, name=name
        )
    if rule == "escalation":
        return _("told %(name)s, as a coordinator, that the task is overdue", name=name)
    return _("reminded %(name)s: overdue", name=name)
