"""What a report or a small tool reads: organisations, plans, themes, tasks
and what hangs on a task, as the token's owner may see them."""

from __future__ import annotations

from urllib.parse import urlencode

from flask import abort, request
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from tasking.api import queries, schemas, views
from tasking.api.blueprint import api_user, blp, json_answer
from tasking.api.task_rows import task_row
from tasking.core.clock import now
from tasking.core.permissions import can_read_org, plan_or_404, task_or_404
from tasking.extensions import db
from tasking.models import CheckinAnswer, Comment, Measurement, Plan, Target, Theme
from tasking.tasks.queries import task_history


@blp.route("/organisations")
@blp.response(200, schemas.OrganisationSchema(many=True))
def organisations():
    """The organisations the token's owner reads, with their role in each."""
    return [
        {
            "id": org.id,
            "slug": org.slug,
            "name": org.name,
            "region": org.region.slug if org.region else None,
            "role": role,
        }
        for org, role in queries.visible_organisations(db.session, api_user())
    ]


@blp.route("/organisations/<int:organisation_id>/plans")
@blp.response(200, schemas.PlanSchema(many=True))
def plans(organisation_id: int):
    """The organisation's plans (archived ones are left out)."""
    if not can_read_org(db.session, api_user(), organisation_id):
        abort(404)
    return db.session.scalars(
        select(Plan)
        .where(Plan.organisation_id == organisation_id, Plan.archived_at.is_(None))
        .order_by(Plan.created_at, Plan.id)
    ).all()


@blp.route("/plans/<int:plan_id>")
@blp.response(200, schemas.PlanSchema)
def plan(plan_id: int):
    return plan_or_404(db.session, api_user(), plan_id)


@blp.route("/plans/<int:plan_id>/themes")
@blp.response(200, schemas.ThemeSchema(many=True))
def themes(plan_id: int):
    """The plan's themes in order, each with its operational objectives."""
    plan_or_404(db.session, api_user(), plan_id)
    rows = db.session.scalars(
        select(Theme)
        .where(Theme.plan_id == plan_id, Theme.archived_at.is_(None))
        .options(selectinload(Theme.objectives))
        .order_by(Theme.position, Theme.id)
    ).all()
    return [
        {
            **{
                name: getattr(theme, name)
                for name in ("id", "number", "title", "category", "colour", "position")
            },
            "objectives": [o for o in theme.objectives if o.archived_at is None],
        }
        for theme in rows
    ]


@blp.route("/plans/<int:plan_id>/tasks")
@blp.arguments(schemas.TaskQuerySchema, location="query", as_kwargs=True)
@blp.response(200, schemas.TaskListSchema)
def tasks(plan_id: int, **args):
    """The plan's tasks in id order, filtered like the board, a page at a time:
    pass the answer's `next_cursor` as `cursor` until it is null."""
    plan = plan_or_404(db.session, api_user(), plan_id)
    filters = queries.TaskFilters(
        statuses=args.get("status") or [],
        theme_id=args.get("theme"),
        owner=args.get("owner"),
        overdue=args.get("overdue"),
        updated_since=args.get("updated_since"),
        cursor=args.get("cursor"),
        limit=args["limit"],
    )
    rows, cursor = queries.plan_tasks(db.session, user=api_user(), plan=plan, filters=filters, now=now())
    headers = {}
    if cursor:
        headers["Link"] = f'<{request.base_url}?{_with_cursor(cursor)}>; rel="next"'
    return json_answer({"items": rows, "next_cursor": cursor}, headers=headers)


def _with_cursor(cursor: str) -> str:
    args = request.args.copy()
    args["cursor"] = cursor
    return urlencode(list(args.items(multi=True)))


@blp.route("/tasks/<int:task_id>")
@blp.response(200, schemas.TaskSchema)
def task(task_id: int):
    task_or_404(db.session, api_user(), task_id)
    return json_answer(task_row(db.session, task_id))


@blp.route("/tasks/<int:task_id>/history")
@blp.response(200, schemas.ActivitySchema(many=True))
def history(task_id: int):
    """The task's history, newest first (the 200 latest lines)."""
    task_or_404(db.session, api_user(), task_id)
    return [views.activity_view(line) for line in task_history(db.session, task_id)]


@blp.route("/tasks/<int:task_id>/comments")
@blp.response(200, schemas.CommentSchema(many=True))
def comments(task_id: int):
    """The task's comments, oldest first."""
    task_or_404(db.session, api_user(), task_id)
    rows = db.session.scalars(
        select(Comment)
        .where(Comment.task_id == task_id)
        .options(selectinload(Comment.author))
        .order_by(Comment.created_at, Comment.id)
    )
    return [views.comment_view(comment) for comment in rows]


@blp.route("/tasks/<int:task_id>/targets")
@blp.response(200, schemas.TargetSchema(many=True))
def targets(task_id: int):
    """The targets of the task's objective, each with its measurements."""
    task = task_or_404(db.session, api_user(), task_id)
    rows = db.session.scalars(
        select(Target)
        .where(Target.objective_id == task.objective_id)
        .options(selectinload(Target.measurements).selectinload(Measurement.author))
        .order_by(Target.position, Target.id)
    )
    return [views.target_view(target) for target in rows]


@blp.route("/tasks/<int:task_id>/updates")
@blp.response(200, schemas.UpdateOutSchema(many=True))
def updates(task_id: int):
    """What was said about the task in the weekly check-in, newest first."""
    task_or_404(db.session, api_user(), task_id)
    rows = db.session.scalars(
        select(CheckinAnswer)
        .where(CheckinAnswer.task_id == task_id)
        .options(selectinload(CheckinAnswer.user))
        .order_by(CheckinAnswer.created_at.desc(), CheckinAnswer.id.desc())
    )
    return [views.update_view(answer) for answer in rows]
