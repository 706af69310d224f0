"""The plans list and the plan page."""

from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from tasking.checkins.status import plan_checkin_status
from tasking.core import clock
from tasking.core.clock import local_today
from tasking.core.permissions import is_org_admin, org_admin_or_404, plan_or_404
from tasking.extensions import db
from tasking.me.home import start_of
from tasking.models import Organisation
from tasking.plans import services
from tasking.plans.template import import_template

bp = Blueprint("plans", __name__)


@bp.route("/")
@login_required
def home():
    home = start_of(db.session, current_user).home
    return redirect(url_for(home.endpoint, **home.values))


@bp.route("/plans")
@login_required
def index():
    plans = services.readable_plans(db.session, current_user)
    admin_orgs = [
        membership.organisation
        for membership in current_user.memberships
        if is_org_admin(db.session, current_user, membership.organisation_id)
    ]
    return render_template("plans/index.html", plans=plans, admin_orgs=admin_orgs)


@bp.route("/orgs/<int:org_id>/plans/from-template", methods=["POST"])
@login_required
def create_from_template(org_id: int):
    org_admin_or_404(db.session, current_user, org_id)
    org = db.get_or_404(Organisation, org_id)
    summary = import_template(db.session, org, clock.now())
    flash(
        _(
            "The plan was created from the template: %(themes)d themes, %(actions)d actions.",
            themes=summary.themes,
            actions=summary.actions,
        ),
        "success",
    )
    return redirect(url_for("plans.show", plan_id=summary.plan_id), code=303)


@bp.route("/plans/<int:plan_id>")
@login_required
def show(plan_id: int):
    plan_or_404(db.session, current_user, plan_id)
    plan = services.load_plan_layout(db.session, plan_id)
    now = clock.now()
    return render_template(
        "plans/show.html",
        plan=plan,
        latest_comments=services.latest_comments(db.session, plan_id),
        checkins=plan_checkin_status(db.session, plan_id, now),
        today=local_today(now, plan.organisation.timezone),
    )
