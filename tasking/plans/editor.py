"""The plan editor (admins): themes, operational objectives, actions and
targets added, edited, reordered, archived and restored. Plain forms that
answer 303 on success and 422 with the message on refused input."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required
from flask_wtf import FlaskForm

from tasking.core import clock
from tasking.core.errors import ServiceError
from tasking.core.htmx import is_htmx
from tasking.core.permissions import can_plan, may_be_assigned, plan_for_planning
from tasking.core.transaction import attempt
from tasking.extensions import db
from tasking.models import OperationalObjective, Plan, Target, Task, Theme
from tasking.plans import editing as services
from tasking.plans.forms import ActionForm, ObjectiveForm, TargetForm, ThemeForm
from tasking.plans.services import load_plan_layout
from tasking.tasks.queries import organisation_people

bp = Blueprint("planning", __name__, url_prefix="/plans/<int:plan_id>/edit")

KINDS = {"themes": Theme, "objectives": OperationalObjective, "actions": Task}


@bp.errorhandler(403)
def forbidden(error):  # noqa: ANN001
    """A reader who is not an admin: say why, without a stack of pages."""
    message = error.description or _("You may not do this.")
    template = "errors/_message.html" if is_htmx() else "errors/error.html"
    return render_template(template, status=403, message=message), 403


@bp.app_template_global("may_plan")
def may_plan(plan: Plan) -> bool:
    """For the plan page: show the way into the editor to admins only."""
    return current_user.is_authenticated and can_plan(db.session, current_user, plan.organisation_id)


def _plan_of(item: Any) -> int:
    if isinstance(item, Theme):
        return item.plan_id
    if isinstance(item, OperationalObjective):
        return item.theme.plan_id
    if isinstance(item, Target):
        return item.objective.theme.plan_id
    return item.plan_id


def _item_or_404(model: type, item_id: int, plan: Plan) -> Any:
    item = db.session.get(model, item_id)
    if item is None or _plan_of(item) != plan.id:
        abort(404)
    return item


def _editor(plan_id: int, anchor: str | None = None, focus: str | None = None):
    """Back to the editor, scrolled to the item; ``focus`` names the button to
    focus again. Browsers ignore autofocus on an address with a #fragment, and
    focusing scrolls to the button anyway: the anchor only goes without focus."""
    return redirect(
        url_for("planning.edit_plan", plan_id=plan_id, focus=focus, _anchor=None if focus else anchor),
        code=303,
    )


@bp.route("")
@login_required
def edit_plan(plan_id: int):
    plan_for_planning(db.session, current_user, plan_id)
    # After a move, the same button gets the keyboard focus again (no JavaScript needed).
    focus = request.args.get("focus", "")
    return render_template(
        "planning/edit.html", plan=load_plan_layout(db.session, plan_id), form=FlaskForm(), focus=focus
    )


def _form_page(plan: Plan, form: FlaskForm, heading: str, status: int = 200, **context: Any):
    return render_template("planning/form.html", plan=plan, form=form, heading=heading, **context), status


def _save_form(plan: Plan, form: FlaskForm, heading: str, save, done: str, anchor_of, **context: Any):
    """Shared POST handling: call ``save(values, now)``; 303 back to the editor or 422 with the message."""
    if not form.validate_on_submit():
        return _form_page(plan, form, heading, 422 if form.errors else 200, **context)
    values = {name: value for name, value in form.data.items() if name != "csrf_token"}
    try:
        with attempt():
            item = save(values, clock.now())
    except ServiceError as exc:
        target = getattr(form, exc.field or "", None)
        if target is not None and hasattr(target, "errors"):
            target.errors = [*target.errors, exc.message]
        else:
            context["error"] = exc.message
        return _form_page(plan, form, heading, 422, **context)
    flash(done, "success")
    return _editor(plan.id, anchor_of(item))


@bp.route("/themes/new", methods=["GET", "POST"])
@login_required
def new_theme(plan_id: int):
    plan = plan_for_planning(db.session, current_user, plan_id)
    form = ThemeForm()
    return _save_form(
        plan,
        form,
        _("New theme"),
        lambda values, now: services.add_theme(
            db.session, actor=current_user, plan=plan, values=values, now=now
        ),
        _("The theme is added."),
        lambda theme: f"edit-theme-{theme.id}",
    )


@bp.route("/themes/<int:theme_id>", methods=["GET", "POST"])
@login_required
def edit_theme(plan_id: int, theme_id: int):
    plan = plan_for_planning(db.session, current_user, plan_id)
    theme = _item_or_404(Theme, theme_id, plan)
    form = ThemeForm(obj=theme)

    def save(values: dict[str, Any], now: datetime) -> Theme:
        services.update_theme(db.session, actor=current_user, theme=theme, values=values, now=now)
        return theme

    return _save_form(
        plan,
        form,
        _("Edit the theme"),
        save,
        _("The theme is saved."),
        lambda theme: f"edit-theme-{theme.id}",
    )


@bp.route("/themes/<int:theme_id>/objectives/new", methods=["GET", "POST"])
@login_required
def new_objective(plan_id: int, theme_id: int):
    plan = plan_for_planning(db.session, current_user, plan_id)
    theme = _item_or_404(Theme, theme_id, plan)
    form = ObjectiveForm()
    return _save_form(
        plan,
        form,
        _("New operational objective in « %(theme)s »", theme=theme.title),
        lambda values, now: services.add_objective(
            db.session, actor=current_user, theme=theme, values=values, now=now
        ),
        _("The objective is added."),
        lambda objective: f"edit-objective-{objective.id}",
    )


@bp.route("/objectives/<int:objective_id>", methods=["GET", "POST"])
@login_required
def edit_objective(plan_id: int, objective_id: int):
    plan = plan_for_planning(db.session, current_user, plan_id)
    objective = _item_or_404(OperationalObjective, objective_id, plan)
    form = ObjectiveForm(obj=objective)

    def save(values: dict[str, Any], now: datetime) -> OperationalObjective:
        services.update_objective(db.session, actor=current_user, objective=objective, values=values, now=now)
        return objective

    return _save_form(
        plan,
        form,
        _("Edit the operational objective"),
        save,
        _("The objective is saved."),
        lambda objective: f"edit-objective-{objective.id}",
    )


@bp.route("/objectives/<int:objective_id>/actions/new", methods=["GET", "POST"])
@login_required
def new_action(plan_id: int, objective_id: int):
    plan = plan_for_planning(db.session, current_user, plan_id)
    objective = _item_or_404(OperationalObjective, objective_id, plan)
    form = ActionForm()
    people = organisation_people(db.session, plan.organisation_id)
    form.owner_id.choices = [("", _("Nobody yet"))] + [
        (str(user.id), user.name) for user, role in people if may_be_assigned(role)
    ]
    return _save_form(
        plan,
        form,
        _("New action for « %(objective)s »", objective=objective.title),
        lambda values, now: services.add_action(
            db.session,
            actor=current_user,
            objective=objective,
            title=values["title"],
            description=values["description"],
            owner_id=values["owner_id"],
            now=now,
        ),
        _("The action is added at the bottom of « To do »."),
        lambda task: f"edit-action-{task.id}",
    )


@bp.route("/objectives/<int:objective_id>/targets/new", methods=["GET", "POST"])
@login_required
def new_target(plan_id: int, objective_id: int):
    plan = plan_for_planning(db.session, current_user, plan_id)
    objective = _item_or_404(OperationalObjective, objective_id, plan)
    form = TargetForm()
    return _save_form(
        plan,
        form,
        _("New target for « %(objective)s »", objective=objective.title),
        lambda values, now: services.add_target(
            db.session, actor=current_user, objective=objective, values=values, now=now
        ),
        _("The target is added."),
        lambda target: f"edit-target-{target.id}",
    )


@bp.route("/targets/<int:target_id>", methods=["GET", "POST"])
@login_required
def edit_target(plan_id: int, target_id: int):
    plan = plan_for_planning(db.session, current_user, plan_id)
    target = _item_or_404(Target, target_id, plan)
    form = TargetForm(obj=target)

    def save(values: dict[str, Any], now: datetime) -> Target:
        services.update_target(db.session, actor=current_user, target=target, values=values, now=now)
        return target

    return _save_form(
        plan,
        form,
        _("Edit the target"),
        save,
        _("The target is saved."),
        lambda target: f"edit-target-{target.id}",
    )


def _change_structure(item: Any, operation: str, now: datetime) -> None:
    if operation in ("up", "down"):
        services.move(db.session, actor=current_user, item=item, direction=operation, now=now)
    elif operation == "archive":
        services.archive(db.session, actor=current_user, item=item, now=now)
    else:
        services.restore(db.session, actor=current_user, item=item, now=now)


@bp.route("/<kind>/<int:item_id>/<operation>", methods=["POST"])
@login_required
def structure(plan_id: int, kind: str, item_id: int, operation: str):
    """Move up/down, archive or restore a theme, an objective or an action."""
    plan = plan_for_planning(db.session, current_user, plan_id)
    if kind not in KINDS or operation not in ("up", "down", "archive", "restore"):
        abort(404)
    item = _item_or_404(KINDS[kind], item_id, plan)
    form = FlaskForm()
    if not form.validate_on_submit():
        abort(400)
    now = clock.now()
    try:
        with attempt():
            _change_structure(item, operation, now)
    except ServiceError as exc:
        page = render_template(
            "planning/edit.html", plan=load_plan_layout(db.session, plan_id), form=form, error=exc.message
        )
        return page, 422
    messages = {
        "archive": _("Archived. It no longer shows on the plan and the board."),
        "restore": _("Restored."),
    }
    if operation in messages:
        flash(messages[operation], "success")
    anchor = {"themes": "edit-theme", "objectives": "edit-objective", "actions": "edit-action"}[kind]
    then = {"archive": "restore", "restore": "archive"}.get(operation, operation)
    return _editor(plan.id, f"{anchor}-{item.id}", focus=f"{kind}-{item.id}-{then}")
