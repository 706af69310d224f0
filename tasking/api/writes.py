"""What a small tool changes, through the services the pages use: each change
carries the task's version and is refused (409, with the current state) when
someone changed the task since."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from flask import abort
from flask_babel import format_date
from flask_babel import gettext as _
from sqlalchemy.orm.exc import StaleDataError

from tasking.api import schemas, views
from tasking.api.blueprint import api_user, blp, json_answer
from tasking.api.problems import problem
from tasking.api.task_rows import task_row
from tasking.checkins.answers import AnswerInput, AnswersRefused, save_answers, update_page
from tasking.core.clock import now
from tasking.core.errors import ConflictError, ServiceError
from tasking.core.permissions import (
    can_contribute,
    can_measure,
    can_read_org,
    organisation_of_target,
    task_or_404,
)
from tasking.extensions import db
from tasking.models import Target, Task
from tasking.tasks import editing
from tasking.tasks.comments import add_comment
from tasking.tasks.measurements import add_measurement

TASK_FIELDS = ("status", "blocked_reason", "due_date", "owner_id")


def _stale(task_id: int) -> None:
    """409 with the task as it now is, for the caller to redo its change on."""
    db.session.rollback()
    current = db.session.get(Task, task_id)
    abort(
        problem(
            409,
            _("Someone changed this task since your version: here is the current one."),
            current=task_row(db.session, current.id),
        )
    )


def _contributor_or_403(task: Task) -> None:
    """A reader who may not change the task hears so (the pages answer 403 too)."""
    organisation_id = editing.organisation_id_of(db.session, task)
    if not can_contribute(db.session, api_user(), task, organisation_id):
        abort(problem(403, _("You may not change this task.")))


def _apply(task: Task, change: dict[str, Any], at: datetime) -> None:
    actor = api_user()
    editing.check_version(task, change["version"])
    fields = {name: change[name] for name in TASK_FIELDS if name in change}
    moved = "due_date" in fields and fields["due_date"] != task.due_date
    reason = (change.get("due_date_reason") or "").strip()
    if moved and not reason:
        raise ServiceError(_("Say why the due date moves."), "due_date_reason")
    if fields:
        editing.update_task(db.session, actor=actor, task=task, changes=fields, version=task.version, now=at)
    if "collaborator_ids" in change:
        editing.set_collaborators(
            db.session,
            actor=actor,
            task=task,
            user_ids=change["collaborator_ids"],
            version=task.version,
            now=at,
        )
    if moved:
        when = format_date(task.due_date, "long") if task.due_date else _("no due date")
        body = _("Due date moved to %(date)s: %(reason)s", date=when, reason=reason)
        add_comment(db.session, actor=actor, task=task, body=body, now=at)


@blp.route("/tasks/<int:task_id>", methods=["PATCH"])
@blp.arguments(schemas.TaskChangeSchema)
@blp.response(200, schemas.TaskSchema)
def change_task(change: dict[str, Any], task_id: int):
    """Change the status (with the blocked reason), the due date (with why it
    moves), the owner or the collaborators; fields left out stay as they are."""
    task = task_or_404(db.session, api_user(), task_id)
    _contributor_or_403(task)
    try:
        _apply(task, change, now())
    except (ConflictError, StaleDataError):
        _stale(task_id)
    db.session.flush()
    return json_answer(task_row(db.session, task.id))


@blp.route("/tasks/<int:task_id>/updates", methods=["POST"])
@blp.arguments(schemas.UpdateSchema)
@blp.response(201, schemas.UpdateOutSchema)
def post_update(update: dict[str, Any], task_id: int):
    """The owner's word on where the action stands, as in the weekly check-in:
    health, a note (required when at risk, late or blocked), a new due date with why."""
    task = task_or_404(db.session, api_user(), task_id)
    if task.owner_id != api_user().id:
        abort(problem(403, _("You may only update your own actions.")))
    page = update_page(db.session, person=api_user(), now=now())
    row = AnswerInput(
        task_id=task.id,
        version=update["version"],
        health=update["health"],
        note=update["note"],
        due_date=update["due_date"].isoformat() if update.get("due_date") else "",
        reason=update["reason"],
    )
    try:
        (answer,) = save_answers(db.session, person=api_user(), page=page, rows=[row], now=now())
    except AnswersRefused as refused:
        if refused.conflicts:
            _stale(task_id)
        errors = refused.errors.get(task.id, {})
        abort(problem(422, next(iter(errors.values()), refused.message), errors=errors))
    except StaleDataError:
        _stale(task_id)
    return views.update_view(answer)


@blp.route("/tasks/<int:task_id>/comments", methods=["POST"])
@blp.arguments(schemas.CommentInSchema)
@blp.response(201, schemas.CommentSchema)
def post_comment(comment: dict[str, Any], task_id: int):
    """A comment (Markdown; @mentions notify as on the page)."""
    task = task_or_404(db.session, api_user(), task_id)
    _contributor_or_403(task)
    posted = add_comment(db.session, actor=api_user(), task=task, body=comment["body"], now=now())
    return views.comment_view(posted)


@blp.route("/targets/<int:target_id>/measurements", methods=["POST"])
@blp.arguments(schemas.MeasurementInSchema)
@blp.response(201, schemas.MeasurementSchema)
def post_measurement(measurement: dict[str, Any], target_id: int):
    """A measurement of a target of an objective the token's owner contributes to."""
    target = db.session.get(Target, target_id)
    if target is None or not can_read_org(db.session, api_user(), organisation_of_target(db.session, target)):
        abort(404)
    if not can_measure(db.session, api_user(), target):
        abort(problem(403, _("You may not add a measurement to this target.")))
    added = add_measurement(
        db.session,
        actor=api_user(),
        target=target,
        value=measurement["value"],
        measured_on=measurement["measured_on"],
        note=measurement["note"],
        now=now(),
    )
    return views.measurement_view(added)
