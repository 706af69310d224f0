"""Rétablir: a municipal recovery plan as tasks, board, reminders and digests."""

from __future__ import annotations

import logging
from pathlib import Path

from flask import Flask, abort, jsonify, render_template, request
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from werkzeug.datastructures import MultiDict
from werkzeug.exceptions import HTTPException
from werkzeug.routing import IntegerConverter

from tasking import config
from tasking.api.problems import problem
from tasking.core import batches, catalogues, connections
from tasking.core.validation import MAX_ID
from tasking.extensions import babel, csrf, db, login_manager, mail, migrate

ROOT = Path(__file__).resolve().parent.parent


def create_app(test_config: dict | None = None) -> Flask:
    """Build the app; ``test_config`` overrides settings (tests use it)."""
    app = Flask(
        __name__,
        instance_path=str(ROOT / "instance"),
        template_folder=str(ROOT / "templates"),
        static_folder=str(ROOT / "static"),
    )
    # Every template stays compiled in a plain dict: Jinja's default LRU (400)
    # locks and scans its queue at each lookup, 2.5 µs against 0.3, and a task
    # page looks up 20 (includes, imports); the app has fewer than 200 templates.
    app.jinja_options = {**app.jinja_options, "cache_size": -1}
    Path(app.instance_path).mkdir(parents=True, exist_ok=True)
    app.config.from_mapping(config.DEFAULTS)
    app.config.from_mapping(config.from_environment(app.instance_path))
    if test_config:
        app.config.from_mapping(test_config)
    # French whatever starts the app: the .mo catalogues are built here when stale.
    app.config.setdefault("TRANSLATIONS_SOURCE", app.config["BABEL_TRANSLATION_DIRECTORIES"])
    app.config["BABEL_TRANSLATION_DIRECTORIES"] = str(
        catalogues.ensure_compiled(
            Path(app.config["TRANSLATIONS_SOURCE"]), Path(app.instance_path) / "translations"
        )
    )
    logging.basicConfig(level=logging.WARNING)
    logging.getLogger("tasking").setLevel(logging.INFO)

    register_extensions(app)
    register_blueprints(app)
    register_receivers(app)
    register_unit_of_work(app)
    register_errorhandlers(app)
    register_commands(app)
    register_template_helpers(app)
    register_security_headers(app)
    register_operations(app)
    return app


def register_extensions(app: Flask) -> None:
    from tasking import models  # noqa: F401  (registers every table)
    from tasking.core.i18n import install_template_gettext, select_locale, select_timezone

    app.config["SQLALCHEMY_ENGINE_OPTIONS"] = connections.engine_options(
        app.config["SQLALCHEMY_DATABASE_URI"], app.config["SQLALCHEMY_ENGINE_OPTIONS"]
    )
    db.init_app(app)
    migrate.init_app(app, db, directory=str(ROOT / "migrations"), render_as_batch=True)
    csrf.init_app(app)
    mail.init_app(app)
    babel.init_app(app, locale_selector=select_locale, timezone_selector=select_timezone)
    install_template_gettext(app)
    login_manager.init_app(app)
    login_manager.login_view = "auth.login"
    login_manager.login_message = None
    login_manager.session_protection = "basic"

    with app.app_context():
        # First: a COMMIT on its way is answered before the connections'
        # own listeners look at the transaction (core/batches.py).
        batches.set_up(db.engine)
        connections.set_up(db.engine)


class IdConverter(IntegerConverter):
    """`<int:…>` in every route: ids are 32-bit integers in the database, so a
    larger number is a page that does not exist (404), not a database error."""

    def __init__(self, url_map, *args, **kwargs) -> None:  # noqa: ANN001
        kwargs.setdefault("max", MAX_ID)
        super().__init__(url_map, *args, **kwargs)


def register_blueprints(app: Flask) -> None:
    app.url_map.converters["int"] = IdConverter
    from tasking.admin.routes import bp as admin_bp
    from tasking.auth.factor_routes import bp as two_factor_bp
    from tasking.auth.routes import bp as auth_bp
    from tasking.board.routes import bp as board_bp
    from tasking.checkins.routes import bp as checkins_bp
    from tasking.dashboards.routes import bp as dashboards_bp
    from tasking.exchange.routes import bp as exchange_bp
    from tasking.health.routes import bp as health_bp
    from tasking.me.routes import bp as me_bp
    from tasking.meetings.routes import bp as meetings_bp
    from tasking.notifications.routes import bp as notifications_bp
    from tasking.outbox.routes import bp as outbox_bp
    from tasking.plans.editor import bp as planning_bp
    from tasking.plans.routes import bp as plans_bp
    from tasking.privacy.routes import bp as privacy_bp
    from tasking.privacy_register.register_routes import bp as incidents_bp
    from tasking.privacy_register.routes import bp as notice_bp
    from tasking.securitylog.routes import bp as securitylog_bp
    from tasking.sso.routes import bp as sso_bp
    from tasking.tasks.routes import bp as tasks_bp

    for blueprint in (
        auth_bp,
        two_factor_bp,
        sso_bp,
        health_bp,
        plans_bp,
        admin_bp,
        board_bp,
        me_bp,
        tasks_bp,
        planning_bp,
        notifications_bp,
        outbox_bp,
        dashboards_bp,
        exchange_bp,
        checkins_bp,
        meetings_bp,
        securitylog_bp,
        privacy_bp,
        notice_bp,
        incidents_bp,
    ):
        app.register_blueprint(blueprint)
    register_api(app)
    # Browsers ask for /favicon.ico whatever the page links: give them the same icon.
    app.add_url_rule("/favicon.ico", "favicon", lambda: app.send_static_file("favicon.svg"))


def register_api(app: Flask) -> None:
    """The JSON API and its OpenAPI document (/api/v1/openapi.json)."""
    from flask_limiter import Limiter
    from limits.storage import MemoryStorage

    from tasking.api import meetings, reads, writes  # noqa: F401  (their routes join the blueprint)
    from tasking.api.blueprint import OwnErrorsApi, blp, rate_limit_key
    from tasking.api.docs import bp as docs_bp
    from tasking.api.token_pages import bp as tokens_bp
    from tasking.webhooks.routes import bp as webhooks_bp

    api = OwnErrorsApi(app)
    api.spec.components.security_scheme("token", {"type": "http", "scheme": "bearer"})
    limiter = Limiter(key_func=rate_limit_key, app=app)

    @limiter.request_filter
    def outside_the_api() -> bool:
        # Only the API's blueprint has a limit: every other request skips the
        # limiter's resolution of limits (about 50 µs a page).
        return request.blueprint != blp.name

    # The in-memory store starts an expiry timer at creation, a non-daemon
    # thread every process (CLI commands too) would wait for at exit; nothing
    # can expire yet, and the store starts it again at the first counted call.
    if isinstance(limiter.storage, MemoryStorage):
        limiter.storage.timer.cancel()
    limiter.limit(lambda: app.config["API_RATE_LIMIT"])(blp)
    api.register_blueprint(blp)
    app.register_blueprint(docs_bp)
    app.register_blueprint(tokens_bp)
    app.register_blueprint(webhooks_bp)


def register_receivers(app: Flask) -> None:
    """Notifications: template wording, and the receivers of the task events."""
    from tasking.notifications import receivers, text
    from tasking.webhooks import receivers as webhook_receivers

    text.register(app)
    receivers.connect()
    webhook_receivers.connect()


def render_error(status: int, message: str, **details):  # noqa: ANN003
    """An error as a problem document (the API), JSON, a fragment for htmx, or
    a page. ``details`` (the field, the invalid parts) go to the API's caller."""
    from tasking.core.htmx import is_htmx

    headers = details.pop("headers", None)
    if request.path.startswith("/api/"):
        return problem(status, message, headers=headers, **details)
    if request.path.startswith("/healthz") or request.accept_mimetypes.best == "application/json":
        return jsonify({"error": message}), status
    if is_htmx():
        return render_template("errors/_message.html", status=status, message=message), status
    return render_template("errors/error.html", status=status, message=message), status


def register_unit_of_work(app: Flask) -> None:
    """One commit per successful request; a refused one writes nothing and
    says why (422), or shows the conflict (409)."""
    from tasking.core import transaction
    from tasking.core.errors import ConflictError, ServiceError

    transaction.register(app)

    @app.errorhandler(ServiceError)
    def refused(error: ServiceError):
        # For views with nothing better to show than the sentence.
        return render_error(422, error.message, field=error.field)

    @app.errorhandler(ConflictError)
    def conflict(error: ConflictError):
        return render_error(409, error.message)


def _fields_hold_nul(fields: MultiDict) -> bool:
    """Whether any name or value of a query string or form holds a NUL."""
    return any("\x00" in key or any("\x00" in value for value in values) for key, values in fields.lists())


def _holds_nul(value: object) -> bool:
    """Whether a JSON document holds a NUL in any of its texts (the API's bodies)."""
    if isinstance(value, str):
        return "\x00" in value
    if isinstance(value, dict):
        return any(_holds_nul(key) or _holds_nul(item) for key, item in value.items())
    if isinstance(value, list):
        return any(_holds_nul(item) for item in value)
    return False


def register_errorhandlers(app: Flask) -> None:
    from flask_wtf.csrf import CSRFError

    from tasking.core import transaction

    @app.before_request
    def refuse_nul_characters():
        # No text a person types holds a NUL, and PostgreSQL refuses to store
        # one: said here once, instead of a server error deep in a query.
        # Each part is read only when the request has one (a plain GET: the path alone).
        asked = request._get_current_object()
        if (
            "\x00" in asked.path
            or (asked.query_string and _fields_hold_nul(asked.args))
            or (asked.content_type and _fields_hold_nul(asked.form))
            or (asked.is_json and _holds_nul(asked.get_json(silent=True)))
        ):
            abort(400, _("The request holds an invalid character."))

    generic = {
        400: _l("The request was not understood."),
        403: _l("You may not do this."),
        413: _l("This file is too large."),
        429: _l("Too many requests: wait a moment and try again."),
    }

    @app.errorhandler(HTTPException)
    def http_error(error: HTTPException):
        if error.code is None or error.code < 400 or error.code >= 500:
            return error
        # Werkzeug's own descriptions are English: a sentence given to abort() wins.
        own = error.description if error.description != type(error).description else None
        # The API's arguments refused by their schema, field by field.
        invalid = (getattr(error, "data", None) or {}).get("messages")
        if invalid:
            own = _("Some values are invalid: see « errors ».")
        sentence = own or generic.get(error.code) or _("This request cannot be served.")
        headers = {key: value for key, value in error.get_headers() if key.lower() != "content-type"}
        return render_error(error.code, sentence, errors=invalid, headers=headers)

    @app.errorhandler(CSRFError)
    def csrf_error(_error):  # noqa: ANN001
        return render_error(400, _("Your form has expired. Reload the page and try again."))

    @app.errorhandler(404)
    def not_found(_error):  # noqa: ANN001
        return render_error(404, _("This page does not exist, or you do not have access to it."))

    @app.errorhandler(405)
    def not_allowed(_error):  # noqa: ANN001
        return render_error(405, _("This action is not allowed here."))

    @app.errorhandler(500)
    def server_error(_error):  # noqa: ANN001
        db.session.rollback()
        if transaction.was_saved():
            # A move's COMMIT goes before its card is drawn (core/batches.py).
            return render_error(
                500, _("Your change was saved, but something went wrong on our side. Reload the page.")
            )
        return render_error(500, _("Something went wrong on our side. Nothing was saved."))


def register_commands(app: Flask) -> None:
    from tasking.checkins.cli import checkins_cli
    from tasking.demo.cli import demo_command
    from tasking.orgs.cli import orgs_cli, regions_cli, users_cli
    from tasking.outbox.cli import outbox_cli
    from tasking.plans.cli import plans_cli
    from tasking.privacy.cli import privacy_cli
    from tasking.scheduling.cli import notify_cli, scheduler_cli
    from tasking.sso.cli import sso_cli

    for command in (regions_cli, orgs_cli, users_cli, plans_cli, demo_command, outbox_cli):
        app.cli.add_command(command)
    app.cli.add_command(notify_cli)
    app.cli.add_command(scheduler_cli)
    app.cli.add_command(checkins_cli)
    app.cli.add_command(privacy_cli)
    app.cli.add_command(sso_cli)


def register_operations(app: Flask) -> None:
    """Request logs and ids, /metrics, and the `check` and `db backup` commands."""
    from tasking.ops import backup, logs, metrics, settings
    from tasking.ops.check import check_command

    for key, value in settings.from_environment().items():
        app.config.setdefault(key, value)
    logs.register(app)
    metrics.register(app)
    app.cli.add_command(check_command)
    backup.register(app)


def register_template_helpers(app: Flask) -> None:
    from tasking.core import templating

    templating.register(app)


def register_security_headers(app: Flask) -> None:
    # htmx 2 needs no inline script or eval; inline styles carry theme colours.
    csp = (
        "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; "
        "img-src 'self' data:; object-src 'none'; base-uri 'self'; frame-ancestors 'none'; "
        "form-action 'self'"
    )

    from tasking.core import sessions

    sessions.register(app)
    if app.config["TRUSTED_PROXIES"]:
        from werkzeug.middleware.proxy_fix import ProxyFix

        hops = app.config["TRUSTED_PROXIES"]
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=hops, x_proto=hops, x_host=hops)

    defaults = (
        ("Content-Security-Policy", csp),
        ("X-Content-Type-Options", "nosniff"),
        ("Referrer-Policy", "same-origin"),
        ("X-Frame-Options", "DENY"),
    )

    @app.after_request
    def headers(response):  # noqa: ANN001
        # A view's own header wins. Read in one pass: a header the response
        # lacks costs Werkzeug's setdefault an exception each.
        present = {name.lower() for name, _value in response.headers}
        for name, value in defaults:
            if name.lower() not in present:
                response.headers[name] = value
        return response
