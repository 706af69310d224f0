"""`GET /healthz`."""

from flask import Blueprint, jsonify
from sqlalchemy import text
from sqlalchemy.exc import SQLAlchemyError

from tasking.extensions import db

bp = Blueprint("health", __name__)


@bp.route("/healthz")
def healthz():
    try:
        db.session.execute(text("SELECT 1"))
        revision = db.session.execute(text("SELECT version_num FROM alembic_version")).scalar()
    except SQLAlchemyError as exc:
        db.session.rollback()
        return jsonify({"status": "error", "database": "unavailable", "detail": type(exc).__name__}), 503
    return jsonify({"status": "ok", "database": db.engine.dialect.name, "schema": revision})
