"""The task page: details edited in place with htmx, comments, history,
targets with their measurements. Every form also works as a plain post."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, abort, make_response, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required
from sqlalchemy import select
from sqlalchemy.orm.exc import StaleDataError
from werkzeug.datastructures import MultiDict

from tasking.core import clock, events
from tasking.core.clock import local_today
from tasking.core.errors import ConflictError, ServiceError
from tasking.core.htmx import fragment, is_htmx, render, trigger
from tasking.core.markdown import render_markdown
from tasking.core.permissions import (
    can_change_task_fields,
    can_measure,
    may_be_assigned,
    task_or_404,
    task_rights,
)
from tasking.core.transaction import attempt
from tasking.extensions import db
from tasking.models import Target, Task, User
from tasking.tasks import comments, dates, editing, measurements, mentions, queries
from tasking.tasks.forms import GROUPS, read_group, read_version
from tasking.tasks.history import describe, field_label, human_value, render_comment, user_ids_in

bp = Blueprint("tasks", __name__, url_prefix="/tasks")


@bp.errorhandler(403)
def forbidden(error):  # noqa: ANN001
    """A reader asked for something their role does not allow: say so."""
    message = error.description or _("You may not do this.")
    template = "errors/_message.html" if is_htmx() else "errors/error.html"
    return render_template(template, status=403, message=message), 403


def current_value(task: Task, field: str) -> Any:
    """A field's stored value, in the shape the forms post it."""
    if field == "collaborators":
        return [user.id for user in task.collaborators]
    if field == "partners":
        return [partner.label for partner in task.partners]
    return getattr(task, field)


def page_context(task_id: int, **extra: Any) -> dict[str, Any]:
    """Everything the task page and its fragments show, in a fixed number of queries."""
    task = queries.load_task_page(db.session, task_id)
    organisation_id = task.plan.organisation_id
    rights = task_rights(db.session, current_user, task, organisation_id)
    people = queries.organisation_people(db.session, organisation_id)
    history = queries.task_history(db.session, task.id)
    names = {user.id: user.name for user, _role in people}
    missing = user_ids_in(history) - names.keys()
    if missing:
        names.update(dict(db.session.execute(select(User.id, User.name).where(User.id.in_(missing)))))
    handles = sorted(mentions.mention_handles(user for user, _role in people))
    context = {
        "task": task,
        "rights": rights,
        "assignable": [user for user, role in people if may_be_assigned(role)],
        "history": history,
        "names": names,
        "handles": handles,
        "comments": [(comment, render_comment(comment.body, set(handles))) for comment in task.comments],
        "today": local_today(clock.now(), task.plan.organisation.timezone),
        "due_warning": dates.task_due_date_warning(task),
        "groups": GROUPS,
        "human": human_value,
        "field_label": field_label,
        "describe": describe,
        "current_value": current_value,
        "markdown": render_markdown,
        "editing": None,
        "errors": {},
        "values": None,
        "conflict": None,
        "comment_error": None,
        "comment_body": "",
        "measure_errors": {},
        "measure_values": None,
    }
    context.update(extra)
    return context


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
def show(task_id: int):
    task_or_404(db.session, current_user, task_id)
    opened = events.task_opened.send(
        None, session=db.session, actor=current_user, now=clock.now(), task_id=task_id, user=current_user
    )
    read = any(count for _receiver, count in opened)
    response = make_response(render("tasks/show.html", "tasks/_task.html", **page_context(task_id)))
    # Opened over the board, the page keeps its bell: tell it the count went down.
    return trigger(response, "notifications-changed") if read else response


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
    response = render_template("tasks/_saved.html", group=group, **page_context(task_id))
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
    context = page_context(task_id, conflict=conflict)
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
    response = fragment(render_template("tasks/_comments_saved.html", **page_context(task_id)))
    return trigger(response, "task-changed", str(task_id))


@bp.route("/<int:task_id>/targets/<int:target_id>/measurements", methods=["POST"])
@login_required
def measure(task_id: int, target_id: int):
    """Add a measurement to one of the objective's targets."""
    task = task_or_404(db.session, current_user, task_id)
    target = db.session.get(Target, target_id)
    if target is None or target.objective_id != task.objective_id:
        abort(404)
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
        context = page_context(
            task_id,
            measure_errors={target_id: (exc.field, exc.message)},
            measure_values={target_id: MultiDict(request.form)},
        )
        return render("tasks/show.html", "tasks/_targets.html", status=422, **context)
    if not is_htmx():
        return redirect(url_for("tasks.show", task_id=task_id, _anchor=f"target-{target_id}"), code=303)
    return fragment(render_template("tasks/_targets.html", **page_context(task_id)))
