"""Single sign-on settings of an organisation, and who a provider's
account is in the app.

An organisation's administrators set its OpenID Connect provider (issuer,
client id and secret) and whether its members' passwords still sign them
in. A provider signs in only the active members of its own organisation,
found by the e-mail address of the ID token: nobody is created, and a
provider cannot vouch for a person of another organisation.

Functions flush but never commit: the caller commits once.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any, NamedTuple
from urllib.parse import urlsplit

from flask_babel import gettext as _
from sqlalchemy import select
from sqlalchemy.orm import Session

from tasking.core.errors import ServiceError
from tasking.core.permissions import is_org_admin, role_in
from tasking.models import Organisation, OrgSso, User
from tasking.orgs.services import user_by_email
from tasking.sso import sealing

LOOPBACK_HOSTS = {"127.0.0.1", "localhost", "::1"}
MAX_ISSUER = 500
MAX_CLIENT_ID = 255
MAX_SECRET = 1000
MAX_PROVIDER_NAME = 80


class Choice(NamedTuple):
    """A sign-in button: the organisation and its provider's name."""

    slug: str
    organisation: str
    provider_name: str


def settings_of(session: Session, organisation_id: int) -> OrgSso | None:
    return session.get(OrgSso, organisation_id)


def settings_values(config: OrgSso | None) -> dict[str, Any]:
    """The form's initial values: never the secret."""
    if config is None:
        return {"provider_name": "Microsoft 365", "password_allowed": "1"}
    return {
        "issuer": config.issuer,
        "client_id": config.client_id,
        "provider_name": config.provider_name,
        "password_allowed": "1" if config.password_allowed else "0",
    }


def sign_in_choices(session: Session) -> list[Choice]:
    """The organisations whose members may sign in with their provider."""
    rows = session.execute(
        select(Organisation.slug, Organisation.name, OrgSso.provider_name)
        .join(OrgSso, OrgSso.organisation_id == Organisation.id)
        .order_by(Organisation.name)
    ).all()
    return [Choice(*row) for row in rows]


def clean_issuer(value: Any, *, http_loopback: bool = False) -> str:
    """An https address without query or fragment, no trailing slash; with
    ``http_loopback`` (SSO_HTTP_LOOPBACK), http on loopback too, to try a
    provider on one's own machine."""
    issuer = str(value or "").strip().rstrip("/")
    if not issuer:
        raise ServiceError(_("Issuer: enter the address of the provider."), "issuer")
    if len(issuer) > MAX_ISSUER or any(ord(c) <= 32 for c in issuer):
        raise ServiceError(_("Issuer: this is not a valid address."), "issuer")
    try:
        parts = urlsplit(issuer)
        host = parts.hostname
    except ValueError:
        host = None
    if host is None or parts.query or parts.fragment or parts.username or parts.password:
        raise ServiceError(
            _("Issuer: this is not a valid address, e.g. https://login.microsoftonline.com/<tenant>/v2.0."),
            "issuer",
        )
    loopback = http_loopback and parts.scheme == "http" and host in LOOPBACK_HOSTS
    if parts.scheme != "https" and not loopback:
        raise ServiceError(_("Issuer: the address must start with https://."), "issuer")
    return issuer


def _stated_issuer(typed: str, metadata: dict) -> str:
    """The issuer the provider states: Microsoft Entra ID answers with its
    tenant's id when the address named the tenant by its domain."""
    stated = str(metadata.get("issuer") or "").rstrip("/")
    if "{" in stated:
        raise ServiceError(
            _(
                "Issuer: this address serves many tenants. Use your own tenant's address, "
                "e.g. https://login.microsoftonline.com/<tenant id>/v2.0."
            ),
            "issuer",
        )
    typed_parts, stated_parts = urlsplit(typed), urlsplit(stated)
    if (typed_parts.scheme, typed_parts.netloc) != (stated_parts.scheme, stated_parts.netloc):
        raise ServiceError(
            _("Issuer: the provider states another issuer (%(issuer)s).", issuer=stated[:200]), "issuer"
        )
    return stated


def _text(values: dict, name: str, maximum: int, message: str) -> str:
    value = str(values.get(name) or "").strip()
    if not value:
        raise ServiceError(message, name)
    if len(value) > maximum or any(ord(c) < 32 for c in value):
        raise ServiceError(_("This value is too long or holds invalid characters."), name)
    return value


def save_settings(
    session: Session,
    *,
    actor: User,
    organisation: Organisation,
    values: dict[str, Any],
    proven: bool,
    discover: Callable[[str], dict],
    now: datetime,
    http_loopback: bool = False,
) -> OrgSso:
    """Store the provider, once its discovery document answers. Passwords
    can be turned off only by an administrator who has signed in through this
    very provider (``proven``): the settings are then known to work."""
    if not is_org_admin(session, actor, organisation.id):
        raise ServiceError(_("Only the administrators of the organisation can change its settings."))
    config = settings_of(session, organisation.id)
    issuer = clean_issuer(values.get("issuer"), http_loopback=http_loopback)
    client_id = _text(values, "client_id", MAX_CLIENT_ID, _("Client id: enter the application's id."))
    provider_name = _text(
        values, "provider_name", MAX_PROVIDER_NAME, _("Provider's name: enter the name shown on the button.")
    )
    secret = str(values.get("client_secret") or "").strip()
    if not secret and config is None:
        raise ServiceError(_("Client secret: enter the secret the provider gave."), "client_secret")
    if len(secret) > MAX_SECRET:
        raise ServiceError(_("This value is too long or holds invalid characters."), "client_secret")
    password_allowed = str(values.get("password_allowed", "1")) != "0"
    issuer = _stated_issuer(issuer, discover(issuer))
    if not password_allowed:
        same = config is not None and (config.issuer, config.client_id) == (issuer, client_id)
        if not (proven and same):
            raise ServiceError(
                _(
                    "To turn password sign-in off, first sign in once with this provider: "
                    "that proves the settings work, and nobody is locked out."
                ),
                "password_allowed",
            )
    if config is None:
        config = OrgSso(organisation_id=organisation.id)
        session.add(config)
    config.issuer, config.client_id, config.provider_name = issuer, client_id, provider_name
    if secret:
        config.client_secret_encrypted, config.secret_hint = sealing.seal(secret), secret[-4:]
    config.password_allowed = password_allowed
    config.updated_at, config.updated_by_id = now, actor.id
    session.flush()
    return config


def remove_settings(session: Session, *, actor: User, organisation: Organisation) -> None:
    """No more single sign-on: passwords sign the members in again."""
    if not is_org_admin(session, actor, organisation.id):
        raise ServiceError(_("Only the administrators of the organisation can change its settings."))
    config = settings_of(session, organisation.id)
    if config is not None:
        session.delete(config)
        session.flush()


def allow_passwords(session: Session, *, organisation: Organisation) -> None:
    """Passwords sign the members in again (the operator's way back in when
    the provider fails); refused when the organisation has no single sign-on."""
    config = settings_of(session, organisation.id)
    if config is None:
        raise ServiceError(_("%(slug)s has no single sign-on.", slug=organisation.slug), "org")
    config.password_allowed = True
    session.flush()


def client_secret(config: OrgSso) -> str:
    secret = sealing.unseal(config.client_secret_encrypted)
    if secret is None:
        raise ServiceError(
            _(
                "Single sign-on is not usable: the server's secret key has changed since it was set. "
                "An administrator must enter the client secret again."
            )
        )
    return secret


def unreadable_secrets(session: Session) -> list[str]:
    """The organisations whose client secret this SECRET_KEY cannot decrypt."""
    rows = session.execute(
        select(Organisation.name, OrgSso.client_secret_encrypted)
        .join(OrgSso, OrgSso.organisation_id == Organisation.id)
        .order_by(Organisation.name)
    ).all()
    return [name for name, sealed in rows if sealing.unseal(sealed) is None]


def member_for_claims(session: Session, *, organisation_id: int, claims: dict, now: datetime) -> User:
    """The active member of the organisation the verified ID token names by
    e-mail (case does not matter); refused with a sentence otherwise."""
    email = claims.get("email")
    if not isinstance(email, str) or "@" not in email:
        raise ServiceError(
            _(
                "The provider did not give your e-mail address. Your organisation's administrator "
                "must allow the « email » claim for this application."
            )
        )
    if claims.get("email_verified") is False:
        raise ServiceError(_("The provider says your e-mail address %(email)s is not verified.", email=email))
    user = user_by_email(session, email)
    if user is None or role_in(session, user, organisation_id) is None:
        raise ServiceError(
            _(
                "No member of this organisation uses the address %(email)s in Rétablir. "
                "Ask an administrator of your organisation to add you.",
                email=email,
            )
        )
    if not user.active:
        raise ServiceError(
            _(
                "The account %(email)s is deactivated in Rétablir. "
                "Ask an administrator of your organisation to reactivate it.",
                email=user.email,
            )
        )
    user.last_login_at = now
    return user
