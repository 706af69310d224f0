"""Dashboard pages: the plan's report for council, its indicators, the region
and its weeks (trend, meetings' follow-ups, attendance)."""

from __future__ import annotations

import functools
from types import SimpleNamespace

from babel.numbers import format_percent
from flask import Blueprint
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_login import current_user, login_required

from tasking.checkins import status as checkin_status
from tasking.core import clock
from tasking.core.clock import local_today
from tasking.core.htmx import render
from tasking.core.permissions import (
    can_plan,
    may_record_measurements,
    plan_or_404,
    regional_dashboard_of,
    regional_scope_or_404,
    roles_of,
)
from tasking.dashboards import region_weeks, services
from tasking.extensions import db
from tasking.models import Role
from tasking.regions.summary import signed

bp = Blueprint("dashboards", __name__)
bp.add_app_template_global(services.BAR_ORDER, "BAR_ORDER")
# The check-in response rate of the last rounds (about a quarter).
RATE_WEEKS = 12


@bp.app_template_filter("qc_percent")
def qc_percent(share: float | None) -> str:
    """0.456 → « 46 % » (non-breaking space in French); None → « — »."""
    if share is None:
        return "—"
    return _percent(share, str(get_locale()))


@functools.lru_cache(maxsize=4096)
def _percent(share: float, locale: str) -> str:
    # Babel's formatting costs more than the rest of a cell; a region's
    # table repeats the same few shares (done / total of small counts).
    return format_percent(share, locale=locale)


@bp.app_template_global("administers_an_organisation")
def _administers_an_organisation(user) -> bool:  # noqa: ANN001
    """For the navigation: whether to show the members and outbox pages. From
    the roles the permission checks already read (no query of its own then)."""
    return Role.ADMIN.value in roles_of(db.session, user).values()


class RegionText:
    """Words every cell and line of the regional table repeats, translated
    once per request (Flask-Babel's lookups cost more than the rest of a cell)."""

    def __init__(self):
        self._done_of = _("%(done)d of %(total)d actions done")
        self._dashboard_of = _("Dashboard of %(name)s: %(plan)s")
        self._board_of = _("Board of %(name)s: %(plan)s")
        self.dashboard = _("Dashboard")
        self.board = _("Board")

    def done_of(self, done: int, total: int) -> str:
        return self._done_of % {"done": done, "total": total}

    def dashboard_of(self, name: str, plan: str) -> str:
        return self._dashboard_of % {"name": name, "plan": plan}

    def board_of(self, name: str, plan: str) -> str:
        return self._board_of % {"name": name, "plan": plan}


@bp.route("/plans/<int:plan_id>/dashboard")
@login_required
def plan(plan_id: int):
    plan = plan_or_404(db.session, current_user, plan_id)
    now = clock.now()
    today = local_today(now, plan.organisation.timezone)
    board = services.plan_dashboard(db.session, plan=plan, today=today)
    return render(
        "dashboards/plan.html",
        "dashboards/_plan.html",
        board=board,
        checkins=SimpleNamespace(
            health=checkin_status.health_by_theme(db.session, plan.id, now),
            rates=checkin_status.response_rates(db.session, plan.organisation_id, now, weeks=RATE_WEEKS),
        ),
        region_slug=regional_dashboard_of(db.session, current_user, board.organisation),
    )


@bp.route("/plans/<int:plan_id>/indicators")
@login_required
def indicators(plan_id: int):
    plan = plan_or_404(db.session, current_user, plan_id)
    indicators = services.plan_indicators(db.session, plan=plan, width=560, height=180)
    measurable = [indicator for indicator in indicators if indicator.target.is_measurable]
    # Members record measurements on an action's page; admins also edit the targets.
    may_measure = may_record_measurements(db.session, current_user, plan.organisation_id)
    first_task = {}
    if may_measure:
        objective_ids = list({indicator.objective.id for indicator in measurable})
        first_task = services.first_task_of_objectives(db.session, objective_ids)
    return render(
        "dashboards/indicators.html",
        "dashboards/_indicators.html",
        plan=plan,
        groups=services.group_indicators(measurable),
        # Targets in words only: one line each after the charts, not a block each.
        text_targets=[indicator for indicator in indicators if not indicator.target.is_measurable],
        first_task=first_task,
        may_plan=can_plan(db.session, current_user, plan.organisation_id),
    )


@bp.route("/regions/<slug>/dashboard")
@login_required
def region(slug: str):
    region, organisation_ids = regional_scope_or_404(db.session, current_user, slug)
    now = clock.now()
    today = local_today(now, region.timezone)
    board = services.regional_dashboard(
        db.session, region=region, organisation_ids=organisation_ids, today=today
    )
    organisations = [organisation for organisation, _rows in board.municipalities]
    # The trend and the attendance are the lines the reader may see; the
    # meetings and their follow-ups are the region's, read in the minutes.
    return render(
        "dashboards/region.html",
        "dashboards/_region.html",
        board=board,
        trend=region_weeks.region_trend(db.session, board),
        follow_ups=region_weeks.follow_ups_by_owner(db.session, region, now=now, today=today),
        held=region_weeks.meetings_held(db.session, region, organisations=organisations, now=now),
        signed=signed,
        spark=SimpleNamespace(width=region_weeks.SPARK_WIDTH, height=region_weeks.SPARK_HEIGHT),
        whole_region=current_user.regional_region_id == region.id,
        w=RegionText(),
    )
