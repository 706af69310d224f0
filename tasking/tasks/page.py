"""What the task page and its fragments show, read for one reader in a
fixed number of statements (see ``queries``): the page context."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from functools import cached_property, lru_cache
from typing import Any

from flask import abort, url_for
from markupsafe import Markup
from sqlalchemy import Row, select
from sqlalchemy.orm import Session

from tasking.core.clock import local_today
from tasking.core.markdown import render_markdown
from tasking.core.permissions import can_read_org, may_be_assigned, task_rights
from tasking.models import Activity, User
from tasking.tasks import dates, mentions, queries
from tasking.tasks.forms import GROUPS
from tasking.tasks.history import describe, field_label, human_value, render_comment, user_ids_in
from tasking.tasks.mentions import MENTION_RE
from tasking.tasks.text import PageText


def current_value(task: queries.TaskRead, field: str) -> Any:
    """A field's stored value, in the shape the forms post it."""
    if field == "collaborators":
        return [user.id for user in task.collaborators]
    if field == "partners":
        return [partner.label for partner in task.partners]
    return getattr(task, field)


#: What every template of the page may read, whatever the request.
DEFAULTS: dict[str, Any] = {
    "groups": GROUPS,
    "human": human_value,
    "field_label": field_label,
    "describe": describe,
    "current_value": current_value,
    "markdown": lru_cache(maxsize=512)(render_markdown),
    "editing": None,
    "errors": {},
    "values": None,
    "conflict": None,
    "comment_error": None,
    "comment_body": "",
    "measuring": None,
    "measure_error": None,
    "measure_values": None,
    "history": None,
    "older_history": False,
    "oob": False,
}


def _readable(session: Session, reader: User, header: queries.TaskHeader | None) -> queries.TaskHeader:
    """The task's header for a reader who may read it, else 404."""
    if header is None or header.task.archived_at is not None:
        abort(404)
    organisation = header.task.plan.organisation
    if not can_read_org(session, reader, organisation.id, organisation):
        abort(404)
    return header


@dataclass
class Readers:
    """A readable task with its people, as every request about the page needs them."""

    header: queries.TaskHeader
    people: list[Row]
    rights: dict[str, bool]
    #: The organisation's active people (rows of ``people``).
    members: list[Row]
    #: Active people who may own or help with the task (rows of ``people``).
    assignable: list[Row]
    #: id → name, for everyone of ``people``.
    names: dict[int, str]

    @property
    def task(self) -> queries.TaskRead:
        return self.header.task

    @cached_property
    def handles(self) -> dict[str, Row]:
        """@handle → person (a row of ``members``): made when first asked, as
        most pages show no comment that names someone (it costs a pass over everyone)."""
        return mentions.mention_handles(self.members)


def task_and_people(session: Session, reader: User, task_id: int) -> Readers:
    """The task (404 for who may not read it), its people and the reader's
    rights: two statements, one round trip."""
    return _readers(session, reader, *queries.task_and_people(session, task_id, reader.id))


def _readers(session: Session, reader: User, header: queries.TaskHeader | None, people: list[Row]) -> Readers:
    header = _readable(session, reader, header)
    task = header.task
    organisation_id = task.plan.organisation_id
    # One pass over the people (a row's attributes cost more than its columns by position).
    collaborators, members, assignable, names = [], [], [], {}
    for person in people:
        person_id, name, _email, active, role, collaborating = person
        names[person_id] = name
        if collaborating:
            collaborators.append(person)
        if role and active:
            members.append(person)
            if may_be_assigned(role):
                assignable.append(person)
    task.collaborators = collaborators
    collaborating = any(p.id == reader.id for p in collaborators)
    return Readers(
        header,
        people,
        task_rights(session, reader, task, organisation_id, collaborating=collaborating),
        members,
        assignable,
        names,
    )


def context_for(
    session: Session,
    reader: User,
    task_id: int,
    now: datetime,
    *,
    history: bool = False,
    every_change: bool = False,
    **extra: Any,
) -> dict[str, Any]:
    """Everything the task page shows: the header, the people (with the
    collaborators), the latest comments and the targets; the history only
    when asked (it is a fragment loaded when scrolled to): its first page,
    or ``every_change`` (the page without JavaScript)."""
    header, people, page, targets = queries.task_page(session, task_id, reader.id)
    readers = _readers(session, reader, header, people)
    task, header = readers.task, readers.header
    context = {
        **DEFAULTS,
        "task": task,
        "header": header,
        "rights": readers.rights,
        "assignable": readers.assignable,
        "collaborators": task.collaborators,
        "names": readers.names,
        "comments": rendered(page.comments, readers),
        "older_comments": page.older,
        "targets": targets,
        "today": local_today(now, task.plan.organisation.timezone),
        "due_warning": dates.task_due_date_warning(task),
        "text": PageText(task.id),
    }
    if history:
        limit = queries.MAX_HISTORY if every_change else queries.HISTORY_PAGE
        context.update(history_context(session, task.id, context["names"], limit=limit))
    context.update(extra)
    return context


def history_only(session: Session, reader: User, task_id: int, before_id: int | None) -> dict[str, Any]:
    """What a page of the history alone needs (loaded when scrolled to): the
    lines before line ``before_id`` of this task (404 for another's), else the latest."""
    readers = task_and_people(session, reader, task_id)
    before = session.get(Activity, before_id) if before_id is not None else None
    if before_id is not None and (before is None or before.task_id != task_id):
        abort(404)
    return {
        **DEFAULTS,
        "task": readers.task,
        "text": PageText(task_id),
        **history_context(session, task_id, readers.names, before=before),
    }


def history_context(
    session: Session,
    task_id: int,
    names: dict[int, str],
    before: Activity | None = None,
    limit: int = queries.HISTORY_PAGE,
) -> dict[str, Any]:
    """A page of history lines, and the names of former owners they mention."""
    page = queries.history_page(session, task_id, before, limit)
    missing = user_ids_in(page.lines) - names.keys()
    if missing:
        names = {**names, **dict(session.execute(select(User.id, User.name).where(User.id.in_(missing))))}
    return {"history": page.lines, "older_history": page.older, "names": names}


def rendered(comments: list[Row], readers: Readers) -> list[tuple[Row, Markup]]:
    """Each comment with its safe HTML, @mentions linked to the person's
    actions on the plan's board (the readers' handles asked only for a comment that has one)."""
    board = url_for("board.show", plan_id=readers.task.plan_id)
    result = []
    for comment in comments:
        named = {handle.lower() for handle in MENTION_RE.findall(comment.body)}
        people: tuple[tuple[str, int, str], ...] = ()
        if named:
            handles = readers.handles
            people = tuple(sorted((h, handles[h].id, handles[h].name) for h in named if h in handles))
        result.append((comment, _comment_html(comment.body, people, board)))
    return result


@lru_cache(maxsize=2048)
def _comment_html(body: str, people: tuple[tuple[str, int, str], ...], board: str) -> Markup:
    """A comment's HTML depends only on its text, whom its handles name and
    the board: kept, as comments are never edited (Markdown and sanitising
    cost more than the rest of a comment's line)."""
    handles = {handle: _Named(user_id, name) for handle, user_id, name in people}
    return render_comment(body, handles, lambda person: f"{board}?owner={person.id}")


@dataclass(frozen=True)
class _Named:
    id: int
    name: str
