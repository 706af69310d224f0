"""Single sign-on pages: the administrators' settings, the way out to the
provider, and the way back (the redirect URI registered with the provider:
APP_BASE_URL + /login/sso/callback)."""

from __future__ import annotations

import hmac
import secrets
from datetime import UTC, datetime, timedelta

from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, session, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required
from sqlalchemy import select

from tasking.auth import factor_routes
from tasking.auth import services as sign_in
from tasking.core import clock, security_log
from tasking.core.errors import ServiceError
from tasking.core.permissions import org_admin_or_404
from tasking.core.transaction import attempt, refused_redirect
from tasking.core.urls import external_url, safe_next
from tasking.extensions import db
from tasking.me.home import start_of
from tasking.models import Organisation, OrgSso, User
from tasking.orgs.services import user_by_email
from tasking.sso import provider, services
from tasking.sso.forms import RemoveSsoForm, SsoSettingsForm

bp = Blueprint("sso", __name__)

PENDING = "sso_pending"
#: Which provider opened this browser's session: {"o": org id, "u": user id}.
SIGNED_IN_WITH = "sso_signed_in"
#: The provider's answer must come back within this long.
PENDING_FOR = timedelta(minutes=10)


@bp.app_template_global()
def sso_sign_in_choices() -> list[services.Choice]:
    """The sign-in page's buttons."""
    return services.sign_in_choices(db.session)


def _stamp(instant: datetime) -> int:
    return int(instant.replace(tzinfo=UTC).timestamp())


def _redirect_uri() -> str:
    return external_url("sso.callback")


@bp.route("/login/with/<slug>")
def start(slug: str):
    """Off to the organisation's provider, with a fresh state, nonce and PKCE verifier."""
    org = db.session.scalar(select(Organisation).where(Organisation.slug == slug)) or abort(404)
    config = services.settings_of(db.session, org.id) or abort(404)
    try:
        metadata = provider.discover(config.issuer)
    except ServiceError as exc:
        return refused_redirect(url_for("auth.login"), exc.message)
    pending = {
        "o": org.id,
        "s": secrets.token_urlsafe(24),
        "n": secrets.token_urlsafe(24),
        "v": secrets.token_urlsafe(48),
        "at": _stamp(clock.now()),
        "next": safe_next(request.args.get("next"), ""),
    }
    session[PENDING] = pending
    url = provider.authorization_url(
        metadata,
        client_id=config.client_id,
        redirect_uri=_redirect_uri(),
        state=pending["s"],
        nonce=pending["n"],
        verifier=pending["v"],
    )
    return redirect(url, code=303)


def _pending() -> dict:
    """This browser's sign-in under way, used once; refused when absent,
    stale, or when the provider's answer carries another state."""
    pending = session.pop(PENDING, None)
    expired = _("This sign-in has expired or was not started in this browser. Start again.")
    if not isinstance(pending, dict) or not isinstance(pending.get("at"), int):
        raise ServiceError(expired)
    started = datetime.fromtimestamp(pending["at"], UTC).replace(tzinfo=None)
    if clock.now() - started > PENDING_FOR:
        raise ServiceError(expired)
    if not hmac.compare_digest(str(request.args.get("state", "")), str(pending.get("s", ""))):
        raise ServiceError(_("The provider's answer does not match this sign-in. Start again."))
    return pending


def _verified_claims(pending: dict) -> tuple[OrgSso, dict]:
    """The provider's configuration and the verified ID token of its answer."""
    if request.args.get("error"):
        description = str(request.args.get("error_description") or request.args["error"])[:300]
        raise ServiceError(_("The provider did not sign you in: %(reason)s", reason=description))
    code = request.args.get("code")
    config = services.settings_of(db.session, pending["o"])
    if not code or config is None:
        raise ServiceError(_("This sign-in has expired or was not started in this browser. Start again."))
    metadata = provider.discover(config.issuer)
    token = provider.exchange_code(
        metadata,
        client_id=config.client_id,
        client_secret=services.client_secret(config),
        redirect_uri=_redirect_uri(),
        code=code,
        verifier=pending["v"],
    )
    claims = provider.verify_id_token(
        token["id_token"],
        provider.key_set(metadata),
        issuer=config.issuer,
        client_id=config.client_id,
        nonce=pending["n"],
        access_token=token.get("access_token"),
        now=clock.now(),
    )
    return config, claims


@bp.route("/login/sso/callback")
def callback():
    """The provider's answer: every sign-in through a provider, signed in or
    refused, ends in ``signed_in_by_provider``."""
    organisation_id, claims = None, {}
    try:
        pending = _pending()
        organisation_id = pending["o"]
        config, claims = _verified_claims(pending)
        user = services.member_for_claims(
            db.session, organisation_id=config.organisation_id, claims=claims, now=clock.now()
        )
    except ServiceError as exc:
        return signed_in_by_provider(organisation_id, None, claims.get("email"), exc.message, "")
    return signed_in_by_provider(organisation_id, user, user.email, None, pending["next"])


def signed_in_by_provider(
    organisation_id: int | None, user: User | None, email: str | None, refusal: str | None, next_url: str
):
    """The one place a sign-in through a provider succeeds (``user``) or is
    refused (``refusal``, with the ``email`` the provider gave, if any): the
    security log records it here. A success goes on as after a right
    password: the second factor when the person has one, then the session
    (same rules and timeouts as a password sign-in, never « rester connecté »)."""
    if user is None:
        # Nothing else was written; not a rolled-back refusal, so that the
        # security log's record of the failure is kept, as for a wrong password.
        address = (email or "").strip().lower()
        security_log.note(
            security_log.SIGN_IN_FAILED,
            actor=None,
            subject=user_by_email(db.session, address) if address else None,
            organisation=organisation_id,
            detail={"email": address or None, "reason": "sso_refused", "step": "sso", "message": refusal},
        )
        flash(refusal or "", "error")
        return redirect(url_for("auth.login"), code=303)
    if not user.has_two_factor:
        # The provider vouched for the person: wrong passwords before no longer count.
        sign_in.succeeded(db.session, user.email.lower())
    session[SIGNED_IN_WITH] = {"o": organisation_id, "u": user.id}
    home = start_of(db.session, user).home
    target = safe_next(next_url, url_for(home.endpoint, **home.values))
    if user.has_two_factor:
        return factor_routes.ask_code(user, False, target, method="sso")
    return factor_routes.finish_sign_in(user, False, target, method="sso")


def _proven(org_id: int) -> bool:
    """Whether the signed-in admin came in through this organisation's provider."""
    marker = session.get(SIGNED_IN_WITH)
    return isinstance(marker, dict) and marker == {"o": org_id, "u": current_user.id}


@bp.route("/admin/orgs/<int:org_id>/sso", methods=["GET", "POST"])
@login_required
def settings(org_id: int):
    """The organisation's provider: issuer, client id and secret, and whether passwords still sign in."""
    org_admin_or_404(db.session, current_user, org_id)
    org = db.get_or_404(Organisation, org_id)
    config = services.settings_of(db.session, org.id)
    form = SsoSettingsForm(data=services.settings_values(config))
    if form.validate_on_submit():
        values = {name: value for name, value in form.data.items() if name != "csrf_token"}
        try:
            with attempt():
                services.save_settings(
                    db.session,
                    actor=current_user,
                    organisation=org,
                    values=values,
                    proven=_proven(org.id),
                    discover=provider.discover,
                    now=clock.now(),
                    http_loopback=current_app.config.get("SSO_HTTP_LOOPBACK", False),
                )
        except ServiceError as exc:
            field = form._fields.get(exc.field or "issuer")
            (field.errors if field else form.form_errors).append(exc.message)
        else:
            flash(_("The single sign-on settings are saved."), "success")
            return redirect(url_for("sso.settings", org_id=org.id), code=303)
    page = render_template(
        "sso/settings.html",
        org=org,
        config=services.settings_of(db.session, org.id),
        form=form,
        remove_form=RemoveSsoForm(),
        redirect_uri=_redirect_uri(),
    )
    return page, 422 if form.errors else 200


@bp.route("/admin/orgs/<int:org_id>/sso/remove", methods=["POST"])
@login_required
def remove(org_id: int):
    org_admin_or_404(db.session, current_user, org_id)
    org = db.get_or_404(Organisation, org_id)
    back = url_for("sso.settings", org_id=org.id)
    if not RemoveSsoForm().validate_on_submit():
        return refused_redirect(back, _("Your form has expired. Reload the page and try again."))
    services.remove_settings(db.session, actor=current_user, organisation=org)
    flash(_("Single sign-on is removed: the members sign in with their password again."), "success")
    return redirect(back, code=303)
