"""The My tasks page."""

from __future__ import annotations

from flask import Blueprint, current_app, request
from flask_login import current_user, login_required
from sqlalchemy import select

from tasking.core.clock import local_today, utcnow
from tasking.core.htmx import render
from tasking.extensions import db
from tasking.me import services
from tasking.models import Membership, Organisation

bp = Blueprint("me", __name__)


def _timezone() -> str:
    """The time zone of the person's (first) organisation: "today" is theirs."""
    return (
        db.session.scalar(
            select(Organisation.timezone)
            .join(Membership, Membership.organisation_id == Organisation.id)
            .where(Membership.user_id == current_user.id)
            .order_by(Membership.id)
            .limit(1)
        )
        or current_app.config["APP_TIMEZONE"]
    )


@bp.route("/me/tasks")
@login_required
def tasks():
    now = utcnow()
    expand = request.args.get("all")
    mine = services.my_tasks(
        db.session,
        user=current_user,
        today=local_today(now, _timezone()),
        now=now,
        expand=expand if expand in services.GROUPS else None,
    )
    return render("me/tasks.html", "me/_tasks.html", mine=mine, expand=expand)
