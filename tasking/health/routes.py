"""`GET /healthz` (monitoring: database, scheduler, outbox) and `GET /readyz`
(load balancers: this worker reaches the database)."""

from flask import Blueprint, current_app, jsonify
from sqlalchemy import text
from sqlalchemy.exc import SQLAlchemyError

from tasking.core import clock
from tasking.extensions import db
from tasking.health.status import health

bp = Blueprint("health", __name__)


def _database_down(exc: SQLAlchemyError):
    db.session.rollback()
    return jsonify({"status": "error", "database": "unavailable", "detail": type(exc).__name__}), 503


@bp.route("/healthz")
def healthz():
    try:
        report = health(db.session, now=clock.now(), max_silence=current_app.config["SCHEDULER_MAX_SILENCE"])
    except SQLAlchemyError as exc:
        return _database_down(exc)
    return jsonify(report), 200 if report["status"] == "ok" else 503


@bp.route("/readyz")
def readyz():
    # Deliberately blind to the scheduler: a silent scheduler must not take
    # every web instance out of the load balancer.
    try:
        db.session.execute(text("SELECT 1"))
    except SQLAlchemyError as exc:
        return _database_down(exc)
    return jsonify({"status": "ok"})
