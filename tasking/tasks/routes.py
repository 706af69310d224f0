"""The task page: details edited in place with htmx, comments, history,
targets with their measurements. Every form also works as a plain post."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, abort, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required
from flask_wtf.csrf import generate_csrf
from sqlalchemy.orm.exc import StaleDataError
from werkzeug.datastructures import MultiDict

from tasking.core import clock, events
from tasking.core.batches import reads_first
from tasking.core.errors import ConflictError, ServiceError
from tasking.core.htmx import fragment, is_htmx, render, trigger
from tasking.core.permissions import (
    can_change_task_fields,
    can_measure,
    task_or_404,
    task_rights,
)
from tasking.core.transaction import attempt
from tasking.extensions import db
from tasking.models import Comment, Target, Task
from tasking.tasks import comments, editing, measurements, mentions, queries
from tasking.tasks.forms import GROUPS, read_group, read_version
from tasking.tasks.page import context_for, history_only, rendered, task_and_people
from tasking.tasks.text import PageText

bp = Blueprint("tasks", __name__, url_prefix="/tasks")


@bp.errorhandler(403)
def forbidden(error):  # noqa: ANN001
    """A reader asked for something their role does not allow: say so."""
    message = error.description or _("You may not do this.")
    template = "errors/_message.html" if is_htmx() else "errors/error.html"
    return render_template(template, status=403, message=message), 403


def page_context(task_id: int, **extra: Any) -> dict[str, Any]:
    """The page context for the signed-in reader, at the app's clock, with
    the token of its forms (read once: each ``csrf_token()`` asks the session)."""
    # The person, not the proxy: reading the page asks for some ten of their attributes.
    reader = current_user._get_current_object()
    return context_for(db.session, reader, task_id, clock.now(), csrf=generate_csrf(), **extra)


def _group_or_404(group: str) -> str:
    if group not in GROUPS:
        abort(404)
    return group


def _may_change(task: Task, group: str) -> bool:
    fields = set(GROUPS[group])
    return can_change_task_fields(
        db.session, current_user, task, editing.organisation_id_of(db.session, task), fields
    )


@bp.route("/<int:task_id>")
@login_required
@reads_first(queries.task_page_reads)
def show(task_id: int):
    """The page (or, for htmx, the panel the board opens in a dialog). A
    plain view writes nothing: only unread notifications are marked read."""
    page = page_context(task_id)
    response = render("tasks/show.html", "tasks/_task.html", **page)
    if not page["header"].unread:
        return response
    events.task_opened.send(
        None, session=db.session, actor=current_user, now=clock.now(), task_id=task_id, user=current_user
    )
    # Opened over the board, the page keeps its bell: tell it the count went down.
    return trigger(response, "notifications-changed")


@bp.route("/<int:task_id>/history")
@login_required
def history(task_id: int):
    """The history lines, newest first, in pages: the page loads the first
    when it is scrolled to, and each page the one before it (``before``: its
    oldest line) when its end is. Without JavaScript, the page with its whole history."""
    if not is_htmx():
        context = page_context(task_id, history=True, every_change=True)
        return fragment(render_template("tasks/show.html", **context))
    before = request.args.get("before", type=int)
    context = history_only(db.session, current_user, task_id, before)
    template = "tasks/_history.html" if before is None else "tasks/_history_items.html"
    return fragment(render_template(template, **context))


@bp.route("/<int:task_id>/comments")
@login_required
def older_comments(task_id: int):
    """Comments written before ``before`` (the oldest one shown, else the
    latest ones), loaded when scrolled to; without JavaScript, the page
    with every comment."""
    readers = task_and_people(db.session, current_user, task_id)
    before_id = request.args.get("before", type=int)
    before = db.session.get(Comment, before_id) if before_id is not None else None
    if before_id is not None and (before is None or before.task_id != task_id):
        abort(404)
    if not is_htmx():
        every = queries.latest_comments(db.session, task_id, limit=queries.MAX_COMMENTS)
        comments = rendered(every.comments, readers)
        return fragment(render_template("tasks/show.html", **page_context(task_id, comments=comments)))
    older = queries.latest_comments(db.session, task_id, before=before, limit=queries.OLDER_COMMENTS)
    return fragment(
        render_template(
            "tasks/_comment_items.html",
            task=readers.task,
            text=PageText(task_id),
            comments=rendered(older.comments, readers),
            older_comments=older.older,
        )
    )


@bp.route("/<int:task_id>/mentions")
@login_required
def mention_suggestions(task_id: int):
    """Under the comment box: the people the @mention being typed (``q``)
    may name, accents ignored, and the comment's mentions (``mentioned``)
    that name nobody."""
    readers = task_and_people(db.session, current_user, task_id)
    if not readers.rights["contribute"]:
        abort(403, _("You may read this task but not comment on it."))
    query = request.args.get("q")
    return fragment(
        render_template(
            "tasks/_mentions.html",
            task=readers.task,
            query=query[:100] if query is not None else None,
            suggestions=mentions.suggest(readers.handles, query[:100]) if query is not None else [],
            unresolved=mentions.unresolved(readers.handles, request.args.get("mentioned", "")[:4000]),
        )
    )


@bp.route("/<int:task_id>/show/<group>")
@login_required
def field(task_id: int, group: str):
    """One part of the task as displayed (after "cancel" or "keep theirs")."""
    task_or_404(db.session, current_user, task_id)
    _group_or_404(group)
    if not is_htmx():
        return redirect(url_for("tasks.show", task_id=task_id, _anchor=f"task-{task_id}-{group}"), code=303)
    return render_template("tasks/_field.html", group=group, **page_context(task_id))


@bp.route("/<int:task_id>/edit/<group>", methods=["GET", "POST"])
@login_required
def edit(task_id: int, group: str):
    """GET: the form of one part of the task; POST: save it with the version it was built on."""
    task = task_or_404(db.session, current_user, task_id)
    _group_or_404(group)
    if not _may_change(task, group):
        abort(403, _("You may not change this part of the task."))
    if request.method == "GET":
        return render(
            "tasks/show.html", "tasks/_field.html", group=group, **page_context(task_id, editing=group)
        )

    values: dict[str, Any] = {}
    version = 0
    try:
        values = read_group(group, request.form)
        version = read_version(request.form)
        with attempt():
            _save(task, group, values, version)
    except (ConflictError, StaleDataError):
        return _conflict(task_id, group, values, version)
    except ServiceError as exc:
        errors = {exc.field if exc.field in GROUPS[group] else None: exc.message}
        context = page_context(task_id, editing=group, errors=errors, values=MultiDict(request.form))
        return render("tasks/show.html", "tasks/_field.html", status=422, group=group, **context)

    if not is_htmx():
        return redirect(url_for("tasks.show", task_id=task_id, _anchor=f"task-{task_id}-{group}"), code=303)
    response = render_template("tasks/_saved.html", group=group, **page_context(task_id, history=True))
    return trigger(fragment(response), "task-changed", str(task_id))


def _save(task: Task, group: str, values: dict[str, Any], version: int) -> None:
    now = clock.now()
    if group == "collaborators":
        editing.set_collaborators(
            db.session,
            actor=current_user,
            task=task,
            user_ids=values["collaborators"],
            version=version,
            now=now,
        )
    elif group == "partners":
        editing.set_partners(
            db.session, actor=current_user, task=task, names=values["partners"], version=version, now=now
        )
    else:
        editing.update_task(
            db.session, actor=current_user, task=task, changes=values, version=version, now=now
        )


def _conflict(task_id: int, group: str, yours: dict[str, Any], version: int):
    """409: someone else saved first. Show every change made since the form's
    version, whatever part of the task it touched, next to ours; overwrite nothing."""
    changes = queries.changes_since(db.session, task_id, version)
    conflict = {"group": group, "yours": yours, "changes": changes}
    context = page_context(task_id, conflict=conflict, history=True)
    if not is_htmx():
        return render_template("tasks/show.html", group=group, **context), 409
    return fragment(render_template("tasks/_conflict_response.html", group=group, **context), 409)


@bp.route("/<int:task_id>/comments", methods=["POST"])
@login_required
def comment(task_id: int):
    """Post a comment (Markdown, @mentions)."""
    task = task_or_404(db.session, current_user, task_id)
    if not task_rights(db.session, current_user, task, editing.organisation_id_of(db.session, task))[
        "contribute"
    ]:
        abort(403, _("You may read this task but not comment on it."))
    body = request.form.get("body", "")
    try:
        with attempt():
            new = comments.add_comment(db.session, actor=current_user, task=task, body=body, now=clock.now())
    except ServiceError as exc:
        context = page_context(task_id, comment_error=exc.message, comment_body=body)
        return render("tasks/show.html", "tasks/_comments.html", status=422, **context)
    if not is_htmx():
        return redirect(url_for("tasks.show", task_id=task_id, _anchor=f"comment-{new.id}"), code=303)
    response = fragment(render_template("tasks/_comments_saved.html", **page_context(task_id, history=True)))
    return trigger(response, "task-changed", str(task_id))


def _target_of(task: Task, target_id: int) -> Target:
    """One of the objective's targets, with its measurements, else 404."""
    target = queries.target_with_measurements(db.session, target_id)
    if target is None or target.objective_id != task.objective_id:
        abort(404)
    return target


def _render_target(task_id: int, target: Target | None, target_id: int, status: int = 200, **extra: Any):
    """The page, or for htmx the one target's line (open when ``target`` is given)."""
    page = page_context(task_id, measuring=target, **extra)
    line = next((line for line in page["targets"] if line.target.id == target_id), None)
    return render("tasks/show.html", "tasks/_target.html", status=status, line=line, **page)


@bp.route("/<int:task_id>/targets/<int:target_id>")
@login_required
def target(task_id: int, target_id: int):
    """One target's line, closed (after « Close »)."""
    task = task_or_404(db.session, current_user, task_id)
    _target_of(task, target_id)
    return _render_target(task_id, None, target_id)


@bp.route("/<int:task_id>/targets/<int:target_id>/measurements")
@login_required
def measurement_form(task_id: int, target_id: int):
    """One target opened: its measurements and the form to add one."""
    task = task_or_404(db.session, current_user, task_id)
    target = _target_of(task, target_id)
    if not can_measure(db.session, current_user, target):
        abort(403, _("You may read this target but not add a measurement to it."))
    return _render_target(task_id, target, target_id)


@bp.route("/<int:task_id>/targets/<int:target_id>/measurements", methods=["POST"])
@login_required
def measure(task_id: int, target_id: int):
    """Add a measurement to one of the objective's targets; the target stays open."""
    task = task_or_404(db.session, current_user, task_id)
    target = _target_of(task, target_id)
    if not can_measure(db.session, current_user, target):
        abort(403, _("You may read this target but not add a measurement to it."))
    form = request.form
    try:
        with attempt():
            measurements.add_measurement(
                db.session,
                actor=current_user,
                target=target,
                value=form.get("value", "").strip(),
                measured_on=form.get("measured_on", "").strip(),
                note=form.get("note", ""),
                now=clock.now(),
            )
    except ServiceError as exc:
        context = page_context(task_id, measuring=target, measure_error=exc.message, measure_values=form)
        return render("tasks/show.html", "tasks/_targets.html", status=422, **context)
    if not is_htmx():
        return redirect(url_for("tasks.show", task_id=task_id, _anchor=f"target-{target_id}"), code=303)
    opened = queries.target_with_measurements(db.session, target_id)
    return fragment(render_template("tasks/_targets.html", **page_context(task_id, measuring=opened)))
