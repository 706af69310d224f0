"""The account's personal access tokens: create (the secret is shown once),
list with their last use, revoke."""

from __future__ import annotations

from datetime import timedelta

from flask import Blueprint, redirect, render_template, url_for
from flask_login import current_user, login_required

from tasking.api import tokens
from tasking.api.forms import TokenForm
from tasking.core import clock, security_log
from tasking.core.errors import ServiceError
from tasking.core.sessions import recent_password_required
from tasking.core.transaction import attempt
from tasking.extensions import db
from tasking.models import ApiToken

bp = Blueprint("tokens", __name__, url_prefix="/account/tokens")

DEFAULT_DAYS = 90


def _page(form: TokenForm, status: int = 200, secret: str | None = None):
    return (
        render_template(
            "api/tokens.html",
            form=form,
            secret=secret,
            tokens=tokens.tokens_of(db.session, current_user),
            now=clock.now(),
        ),
        status,
    )


@bp.route("")
@login_required
@recent_password_required
def index():
    form = TokenForm(expires_on=(clock.now() + timedelta(days=DEFAULT_DAYS)).date())
    return _page(form)


@bp.route("", methods=["POST"])
@login_required
@recent_password_required
def create():
    form = TokenForm()
    if not form.validate():
        return _page(form, 422)
    try:
        with attempt():
            token, secret = tokens.create_token(
                db.session,
                actor=current_user,
                name=form.name.data,
                scope=form.scope.data,
                expires_on=form.expires_on.data,
                now=clock.now(),
            )
    except ServiceError as refused:
        getattr(form, refused.field or "name").errors = [refused.message]
        return _page(form, 422)
    security_log.note(
        security_log.API_TOKEN_CREATED,
        subject=current_user.id,
        detail={
            "token_id": token.id,
            "name": token.name,
            "scope": token.scope,
            "expires_on": form.expires_on.data.isoformat(),
        },
    )
    return _page(TokenForm(formdata=None, expires_on=form.expires_on.data), 201, secret=secret)


@bp.route("/<int:token_id>/revoke", methods=["POST"])
@login_required
def revoke(token_id: int):
    known = db.session.get(ApiToken, token_id)
    was_revoked = known is not None and known.revoked_at is not None
    token = tokens.revoke_token(db.session, actor=current_user, token_id=token_id, now=clock.now())
    if not was_revoked:
        security_log.note(
            security_log.API_TOKEN_REVOKED,
            subject=current_user.id,
            detail={"token_id": token.id, "name": token.name},
        )
    return redirect(url_for("tokens.index"), code=303)
