"""Talking to an OpenID Connect provider, through Authlib: the discovery
document, the address the browser is sent to, the code exchanged for
tokens, and the ID token checked (signature against the provider's JWKS,
issuer, audience, nonce, expiry at the app's clock).

Every failure to reach or understand the provider is a ProviderError whose
message is a sentence for the person; nothing here reads the request.
"""

from __future__ import annotations

import logging
from datetime import UTC, datetime
from typing import Any

import requests
from authlib.integrations.base_client.errors import OAuthError
from authlib.integrations.requests_client import OAuth2Session
from authlib.oidc.core import CodeIDToken
from flask_babel import gettext as _
from joserfc import jwt
from joserfc.errors import JoseError
from joserfc.jwk import KeySet
from joserfc.jws import JWSRegistry

from tasking.core.errors import ServiceError

log = logging.getLogger(__name__)

#: Seconds to wait for the provider: a sign-in page must not hang.
TIMEOUT = 10
SCOPE = "openid email profile"
#: Asymmetric signatures only: "none" and shared-secret (HS*) ID tokens are refused.
ALGORITHMS = ["RS256", "RS384", "RS512", "PS256", "PS384", "PS512", "ES256", "ES384", "ES512"]
#: Clocks of the app and the provider may differ this much (seconds).
LEEWAY = 120
REQUIRED_METADATA = ("issuer", "authorization_endpoint", "token_endpoint", "jwks_uri")


class ProviderError(ServiceError):
    """The provider could not be reached, or answered something unusable."""


def _unreachable() -> ProviderError:
    return ProviderError(
        _(
            "Your organisation's sign-in provider does not answer. Try again in a moment; "
            "if it lasts, tell your organisation's administrator."
        )
    )


def _client(**kwargs: Any) -> OAuth2Session:
    return OAuth2Session(scope=SCOPE, code_challenge_method="S256", **kwargs)


def discovery_url(issuer: str) -> str:
    return issuer.rstrip("/") + "/.well-known/openid-configuration"


def discover(issuer: str) -> dict:
    """The provider's discovery document (OpenID Connect Discovery 1.0)."""
    try:
        with _client() as client:
            answer = client.get(
                discovery_url(issuer),
                timeout=TIMEOUT,
                headers={"Accept": "application/json"},
                withhold_token=True,
            )
        answer.raise_for_status()
        metadata = answer.json()
    except (requests.RequestException, ValueError) as exc:
        log.warning("OpenID discovery failed for %s: %s", issuer, exc)
        raise _unreachable() from exc
    if not isinstance(metadata, dict) or not all(
        isinstance(metadata.get(key), str) for key in REQUIRED_METADATA
    ):
        raise ProviderError(_("The provider's discovery document lacks the addresses sign-in needs."))
    return metadata


def authorization_url(
    metadata: dict, *, client_id: str, redirect_uri: str, state: str, nonce: str, verifier: str
) -> str:
    """Where the browser goes to sign in (code flow, with PKCE and a nonce)."""
    with _client(client_id=client_id, redirect_uri=redirect_uri) as client:
        url, _state = client.create_authorization_url(
            metadata["authorization_endpoint"], state=state, nonce=nonce, code_verifier=verifier
        )
    return url


def _auth_method(metadata: dict) -> str:
    supported = metadata.get("token_endpoint_auth_methods_supported") or ["client_secret_basic"]
    return "client_secret_basic" if "client_secret_basic" in supported else "client_secret_post"


def exchange_code(
    metadata: dict, *, client_id: str, client_secret: str, redirect_uri: str, code: str, verifier: str
) -> dict:
    """The tokens for the code the provider sent back (the code is good once)."""
    try:
        with _client(
            client_id=client_id,
            client_secret=client_secret,
            redirect_uri=redirect_uri,
            token_endpoint_auth_method=_auth_method(metadata),
        ) as client:
            token = client.fetch_token(
                metadata["token_endpoint"], code=code, code_verifier=verifier, timeout=TIMEOUT
            )
    except OAuthError as exc:
        log.warning("OpenID token request refused: %s", exc)
        raise ProviderError(
            _("The provider refused to complete the sign-in (%(error)s). Start again.", error=exc.error)
        ) from exc
    except (requests.RequestException, ValueError) as exc:
        log.warning("OpenID token request failed: %s", exc)
        raise _unreachable() from exc
    if not token.get("id_token"):
        raise ProviderError(_("The provider sent no ID token. Check that the « openid » scope is allowed."))
    return dict(token)


def key_set(metadata: dict) -> KeySet:
    """The provider's public signing keys."""
    try:
        with _client() as client:
            answer = client.get(metadata["jwks_uri"], timeout=TIMEOUT, withhold_token=True)
        answer.raise_for_status()
        return KeySet.import_key_set(answer.json())
    except (requests.RequestException, ValueError, JoseError) as exc:
        log.warning("OpenID JWKS unusable at %s: %s", metadata["jwks_uri"], exc)
        raise _unreachable() from exc


def verify_id_token(
    id_token: str,
    keys: KeySet,
    *,
    issuer: str,
    client_id: str,
    nonce: str,
    access_token: str | None,
    now: datetime,
) -> dict:
    """The ID token's claims once its signature, issuer, audience, nonce and
    times are checked; ProviderError otherwise."""
    try:
        decoded = jwt.decode(id_token, keys, registry=JWSRegistry(algorithms=ALGORITHMS))
        options = {
            "iss": {"essential": True, "value": issuer},
            "aud": {"essential": True, "value": client_id},
        }
        params = {"nonce": nonce, "client_id": client_id, "access_token": access_token}
        claims = CodeIDToken(decoded.claims, decoded.header, options, params)
        claims.validate(now=int(now.replace(tzinfo=UTC).timestamp()), leeway=LEEWAY)
    except (JoseError, ValueError) as exc:
        log.warning("OpenID ID token refused: %s", exc)
        raise ProviderError(
            _(
                "The sign-in could not be verified (the provider's answer is invalid or has expired). "
                "Start again."
            )
        ) from exc
    return dict(claims)
