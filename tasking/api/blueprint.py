"""The API's blueprint: every request names a personal access token, acts
with its owner's permissions, and hears refusals as problem documents."""

from __future__ import annotations

import hashlib
import http

from flask import Response, abort, current_app, g, json, request
from flask_babel import gettext as _
from flask_smorest import Api, Blueprint
from flask_smorest.utils import prepare_response

from tasking.api import tokens
from tasking.api.problems import PROBLEM_TYPE, problem
from tasking.api.schemas import ProblemSchema
from tasking.core.clock import now
from tasking.core.i18n import normalise_locale
from tasking.extensions import csrf, db
from tasking.models import User

READ_METHODS = ("GET", "HEAD", "OPTIONS")

blp = Blueprint(
    "api",
    __name__,
    url_prefix="/api/v1",
    description="Plans, tasks, comments and measurements of the organisations the token's owner can see.",
)
# Tokens, not cookies: no browser can be tricked into sending one.
csrf.exempt(blp)


class OwnErrorsApi(Api):
    """The app answers errors itself, problem documents under /api/ and pages
    elsewhere: flask-smorest's app-wide JSON handler would replace the pages.
    The document describes those problem documents as its error responses."""

    def _register_error_handlers(self) -> None:
        pass

    def _register_responses(self) -> None:
        for status in http.HTTPStatus:
            response = {"description": status.phrase}
            if status >= 400:
                response["schema"] = ProblemSchema
            prepare_response(response, self.spec, PROBLEM_TYPE)
            self.spec.components.response(status.name, response, lazy=True)
        response = {"description": "A refusal", "schema": ProblemSchema}
        prepare_response(response, self.spec, PROBLEM_TYPE)
        self.spec.components.response(self.DEFAULT_ERROR_RESPONSE_NAME, response, lazy=True)


def json_answer(data: object, status: int = 200, headers: dict[str, str] | None = None) -> Response:
    """An answer already in its schema's shape (the task rows): sent as it is,
    without a second pass through marshmallow."""
    response = current_app.response_class(json.dumps(data), status=status, mimetype="application/json")
    response.headers.update(headers or {})
    return response


def api_user() -> User:
    return g.api_token.user


def rate_limit_key() -> str:
    """Rate limits count per token (per address for requests without one);
    read from the header because the limiter runs before the blueprint."""
    scheme, _sep, secret = request.headers.get("Authorization", "").partition(" ")
    if scheme.lower() == "bearer" and secret.strip():
        return "token:" + hashlib.sha256(secret.strip().encode()).hexdigest()[:32]
    return "address:" + (request.remote_addr or "")


def _unauthorised(detail: str) -> None:
    abort(problem(401, detail, headers={"WWW-Authenticate": 'Bearer realm="api"'}))


@blp.before_request
def authenticate() -> None:
    g.locale = normalise_locale(request.accept_languages.best_match(["fr", "en"]) or "fr")
    scheme, _sep, secret = request.headers.get("Authorization", "").partition(" ")
    if scheme.lower() != "bearer" or not secret.strip():
        _unauthorised(_("Send a personal access token: « Authorization: Bearer <token> »."))
    token = tokens.authenticate(db.session, secret.strip(), now())
    if token is None:
        _unauthorised(_("This token is unknown, expired or revoked."))
    g.api_token = token
    if request.method not in READ_METHODS and not token.writes:
        abort(problem(403, _("This token may only read.")))


@blp.after_request
def not_cached(response: Response) -> Response:
    # Answers hold what only the token's owner may see.
    response.headers["Cache-Control"] = "no-store"
    return response
