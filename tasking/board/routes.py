"""The kanban board of a plan: the page, its columns page by page, moves."""

from __future__ import annotations

from collections.abc import Sequence

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required
from sqlalchemy import select
from sqlalchemy.orm.exc import StaleDataError

from tasking.board import services
from tasking.board.services import Filters, Scope
from tasking.board.text import CardText
from tasking.core import clock
from tasking.core.batches import reads_first
from tasking.core.clock import local_today
from tasking.core.errors import ConflictError, ServiceError
from tasking.core.htmx import fragment, is_htmx, render
from tasking.core.permissions import can_contribute, can_read_org, member_timezone, plan_or_404, task_or_404
from tasking.core.templating import STATUS_LABELS
from tasking.core.transaction import refused_redirect
from tasking.core.validation import parse_id
from tasking.extensions import db
from tasking.models import Plan, User
from tasking.notifications.preferences import followers_read, followers_with_channels
from tasking.tasks.editing import ReasonRequired, move_task
from tasking.tasks.forms import read_version
from tasking.tasks.history import describe, field_label, human_value
from tasking.tasks.queries import changes_since

bp = Blueprint("board", __name__)


def _scope(plan: Plan, named: bool = False) -> Scope:
    """Who reads which plan and which day it is there. ``named``: the page
    names the organisation, which is then read whole."""
    # The user itself, not the proxy: the board reads it for every card.
    viewer = current_user._get_current_object()
    # Read with the person's roles, when a member: one statement fewer.
    timezone = None if named else member_timezone(db.session, viewer, plan.organisation_id)
    if timezone is None:
        # The whole row, through the relationship, so that the plan holds it:
        # the session's identity map holds rows weakly, and a row only this
        # function referenced would be read again by the template.
        timezone = plan.organisation.timezone
    now = clock.now()
    return Scope(plan.id, plan.organisation_id, viewer, local_today(now, timezone), now)


@bp.route("/plans/<int:plan_id>/board")
@login_required
def show(plan_id: int):
    plan = plan_or_404(db.session, current_user, plan_id, with_organisation=True)
    scope = _scope(plan, named=True)
    filters = Filters.from_args(request.args)
    board = services.load_board(db.session, scope, filters)
    text = CardText(filters)
    text.dress(card for lane in board.lanes for column in lane.columns for card in column.cards)
    return render(
        "board/show.html",
        "board/_board.html",
        plan=plan,
        board=board,
        filters=filters,
        t=text,
        themes=board.themes,
        people=board.people,
    )


@bp.route("/plans/<int:plan_id>/board/column")
@login_required
def column(plan_id: int):
    """The next cards of one column: a fragment for htmx's progressive
    loading, a page of its own without JavaScript."""
    plan = plan_or_404(db.session, current_user, plan_id)
    scope = _scope(plan)
    filters = Filters.from_args(request.args)
    status = request.args.get("status")
    if status not in services.STATUSES:
        abort(404)
    lane = request.args.get("lane", "all")
    theme_id = parse_id(lane)
    page = services.load_column_page(
        db.session,
        scope,
        filters,
        status=status,
        theme_id=theme_id,
        after=services.parse_cursor(request.args.get("after")),
    )
    text = CardText(filters)
    text.dress(page.cards)
    return render("board/column.html", "board/_cards.html", plan=plan, column=page, filters=filters, t=text)


def _words(filters: Filters, card: services.Card | None) -> CardText:
    """The words of the board, and of the one card shown."""
    text = CardText(filters)
    text.dress([card] if card else [])
    return text


def _board_url(plan_id: int, filters: Filters, task_id: int | None = None) -> str:
    anchor = f"#task-{task_id}" if task_id else ""
    return url_for("board.show", plan_id=plan_id, **filters.query_args()) + anchor


def _form_int(name: str) -> int | None:
    return parse_id(request.form.get(name))


def _other_changes(task_id: int, version: int) -> list[dict]:
    """The changes made since the card's version, in words, to show beside a conflict."""
    changes = changes_since(db.session, task_id, version)
    owner_ids = {
        int(value)
        for change in changes
        if change.field == "owner_id"
        for value in (change.old_value, change.new_value)
        if value and value.isdigit()
    }
    names = {}
    if owner_ids:
        names = {
            row.id: row.name
            for row in db.session.execute(select(User.id, User.name).where(User.id.in_(owner_ids)))
        }
    return [
        {
            "at": change.created_at,
            "who": change.actor.name if change.actor else None,
            "field": field_label(change.field) if change.kind.startswith("field") else None,
            "what": describe(change),
            "old": human_value(change.field, change.old_value, names),
            "new": human_value(change.field, change.new_value, names),
        }
        for change in changes
    ]


def _wanted() -> dict:
    """Where the move puts the card."""
    return {
        "status": request.form.get("status", ""),
        "after_id": _form_int("after_id"),
        "before_id": _form_int("before_id"),
    }


def _move_reads(_reader_id: int, task_id: int) -> list:
    """A move's first reads: the task with its plan and new neighbours, and
    who is told of a new status."""
    return [services.move_read(task_id, **_wanted()), followers_read(task_id, "status")]


@bp.route("/tasks/<int:task_id>/move", methods=["POST"])
@login_required
@reads_first(_move_reads)
def move(task_id: int):
    """Move a card to a column and a place in it. htmx gets the card alone
    plus the column counts out of band; a plain form goes back to the board."""
    wanted = _wanted()
    # task_or_404's checks, on the plan read with the task (it would ask for
    # the plan's organisation again), the card's new neighbours and who is
    # told of a new status, all read with the mover: a move is one of the
    # busiest writes.
    found = services.task_and_plan(db.session, services.move_read(task_id, **wanted))
    if found is None:
        abort(404)
    task, plan, *place = found
    if task.archived_at is not None or not can_read_org(db.session, current_user, plan.organisation_id):
        abort(404)
    if not can_contribute(db.session, current_user, task, plan.organisation_id):
        abort(403, _("You may not change this task."))
    filters = Filters.from_args(request.args)
    reason = request.form.get("blocked_reason")
    left = task.status
    try:
        version = read_version(request.form)
    except ServiceError as exc:
        abort(400, exc.message)
    try:
        move_task(
            db.session,
            actor=current_user,
            task=task,
            organisation_id=plan.organisation_id,
            version=version,
            now=clock.now(),
            blocked_reason=reason,
            near=place,
            followers=followers_with_channels(db.session, task_id, "status"),
            **wanted,
        )
        # A stale version shows here, at the flush of the task's row.
        db.session.flush()
    except (ServiceError, StaleDataError) as exc:
        # A refused move writes nothing, and its answer shows what is stored:
        # the whole transaction goes back, rather than a savepoint kept for
        # every move (two round trips more for each on PostgreSQL).
        db.session.rollback()
        return _refused(exc, plan, filters, task_id, wanted, version, reason is not None)

    if not is_htmx():
        # Without JavaScript the page reloads: confirm what happened.
        column = STATUS_LABELS[task.status]
        flash(
            _("Task “%(title)s” moved to “%(column)s”.", title=_short(task.title), column=column), "success"
        )
        return redirect(_board_url(plan.id, filters, task_id), code=303)
    # Only the columns it left and entered have new counts.
    return _moved(plan, filters, task_id, counted=(left, task.status) if left != task.status else ())


def _refused(
    exc: ServiceError | StaleDataError,
    plan: Plan,
    filters: Filters,
    task_id: int,
    wanted: dict,
    version: int,
    tried: bool,
):
    """The answer to a refused move: ask why it is blocked, show the other
    person's change, or say why (the app's handler: the sentence, 422)."""
    if isinstance(exc, ReasonRequired):
        return _ask_reason(plan, filters, task_id, exc.message, wanted, tried)
    if isinstance(exc, (ConflictError, StaleDataError)):
        message = (
            exc.message
            if isinstance(exc, ConflictError)
            else _("Someone else changed this task meanwhile. Review their change, then apply yours again.")
        )
        return _conflict(plan, filters, task_id, message, wanted, version)
    if is_htmx():
        raise exc
    return refused_redirect(_board_url(plan.id, filters, task_id), exc.message)


def _ask_reason(plan: Plan, filters: Filters, task_id: int, message: str, wanted: dict, tried: bool):
    """422: the card stays where it was and asks why it is blocked (in the
    card with htmx, on a page of its own without JavaScript); its form posts
    the same move again with the reason."""
    ask = {"message": message, "wanted": wanted, "tried": tried}
    if is_htmx():
        # Nothing was written: no column's count changed.
        card, counts, totals = services.card_and_counts(db.session, _scope(plan), task_id, filters, ())
        body = render_template(
            "board/_moved.html",
            card=card,
            plan=plan,
            filters=filters,
            t=_words(filters, card),
            counts=counts,
            totals=totals,
            ask_reason=ask,
        )
        return fragment(body, 422)
    card = services.load_card(db.session, _scope(plan), task_id)
    page = render_template(
        "board/blocked_reason.html",
        card=card,
        plan=plan,
        t=_words(filters, card),
        ask_reason=ask,
        back=_board_url(plan.id, filters, task_id),
    )
    return page, 422


def _short(title: str) -> str:
    return title if len(title) <= 80 else title[:79] + "…"


def _moved(
    plan: Plan,
    filters: Filters,
    task_id: int,
    status: int = 200,
    conflict: dict | None = None,
    counted: Sequence[str] = services.STATUSES,
):
    """The moved card and the counts of the columns ``counted`` (out of
    band), not the whole board. A move's last statements: its transaction
    ends with them (a refused move's has nothing left to end)."""
    card, counts, totals = services.card_and_counts(
        db.session, _scope(plan), task_id, filters, counted, last=status < 400
    )
    return fragment(
        render_template(
            "board/_moved.html",
            card=card,
            plan=plan,
            filters=filters,
            t=_words(filters, card),
            counts=counts,
            totals=totals,
            conflict=conflict,
        ),
        status,
    )


def _conflict(plan: Plan, filters: Filters, task_id: int, message: str, wanted: dict, version: int):
    """409: the card as it is now, what the other person changed, and a
    button that applies this move again on top of their version."""
    if not is_htmx():
        return refused_redirect(_board_url(plan.id, filters, task_id), message)
    conflict = {"message": message, "changes": _other_changes(task_id, version), "wanted": wanted}
    return _moved(plan, filters, task_id, 409, conflict)


@bp.route("/tasks/<int:task_id>/card")
@login_required
def card(task_id: int):
    """One card as the board shows it, with the board's counts out of band
    (the board refreshes a card with it after the task was edited over the
    board: its status may have changed)."""
    task = task_or_404(db.session, current_user, task_id)
    plan = db.session.get(Plan, task.plan_id)
    filters = Filters.from_args(request.args)
    if not is_htmx():
        return redirect(_board_url(plan.id, filters, task_id))
    card, counts, totals = services.card_and_counts(db.session, _scope(plan), task_id, filters)
    return fragment(
        render_template(
            "board/_refreshed.html",
            card=card,
            plan=plan,
            filters=filters,
            t=_words(filters, card),
            counts=counts,
            totals=totals,
        )
    )
