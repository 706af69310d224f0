"""A real OpenID Connect provider on loopback, built with Authlib's server
side (authorization code flow with PKCE, OpenID Connect's ID token signed
RS256, discovery and JWKS), served by werkzeug in a thread.

Its authorize endpoint signs in, without a page, the account the test sets
(``provider.account``). The test can also make it misbehave: another
audience, an expired token, a token signed by a stranger's key or altered
after signing. It reads the test app's clock for the token's times.
"""

from __future__ import annotations

import secrets
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

from authlib.integrations.flask_oauth2 import AuthorizationServer
from authlib.oauth2.rfc6749 import ClientMixin
from authlib.oauth2.rfc6749.grants import AuthorizationCodeGrant
from authlib.oauth2.rfc7636 import CodeChallenge
from authlib.oidc.core import UserInfo
from authlib.oidc.core.grants import OpenIDCode
from flask import Flask, jsonify
from joserfc.jwk import KeySet, RSAKey
from werkzeug.serving import make_server

from tests.conftest import free_port


@dataclass
class Account:
    """Who the provider signs in: ``email`` None leaves the claim out."""

    sub: str
    email: str | None
    name: str = "Personne SSO"
    email_verified: bool | None = True


@dataclass
class Client(ClientMixin):
    client_id: str
    client_secret: str
    redirect_uri: str

    def get_client_id(self):
        return self.client_id

    def get_default_redirect_uri(self):
        return self.redirect_uri

    def get_allowed_scope(self, scope):
        return " ".join(s for s in scope.split() if s in ("openid", "email", "profile"))

    def check_redirect_uri(self, redirect_uri):
        return redirect_uri == self.redirect_uri

    def check_client_secret(self, client_secret):
        return secrets.compare_digest(client_secret, self.client_secret)

    def check_endpoint_auth_method(self, method, endpoint):
        return method in ("client_secret_basic", "client_secret_post")

    def check_response_type(self, response_type):
        return response_type == "code"

    def check_grant_type(self, grant_type):
        return grant_type == "authorization_code"


@dataclass
class Code:
    code: str
    client_id: str
    redirect_uri: str
    scope: str
    nonce: str | None
    code_challenge: str | None
    code_challenge_method: str | None
    account: Account
    auth_time: int

    def get_redirect_uri(self):
        return self.redirect_uri

    def get_scope(self):
        return self.scope

    def get_nonce(self):
        return self.nonce

    def get_auth_time(self):
        return self.auth_time

    def get_acr(self):
        return None

    def get_amr(self):
        return None


@dataclass
class Misbehaviour:
    audience: str | None = None
    #: Added to the token's times (a negative hour: expired on arrival).
    shift: timedelta = timedelta(0)
    foreign_key: bool = False
    altered: bool = False


class IdToken(OpenIDCode):
    """The ID token: the test's account, at the test's clock, misbehaving on demand."""

    def __init__(self, provider: Provider):
        super().__init__(require_nonce=True)
        self.provider = provider

    def exists_nonce(self, nonce, request):
        return any(c.nonce == nonce for c in self.provider.codes.values())

    def resolve_client_private_key(self, client):
        return self.provider.stranger_key if self.provider.misbehave.foreign_key else self.provider.key

    def get_client_claims(self, client):
        now = self.provider.now()
        audience = self.provider.misbehave.audience or client.get_client_id()
        return {
            "iss": self.provider.issuer,
            "aud": [audience],
            "iat": now,
            "exp": now + 300,
            "auth_time": now,
        }

    def generate_user_info(self, user, scope):
        info = UserInfo(sub=user.sub, name=user.name)
        if user.email is not None:
            info["email"] = user.email
        if user.email_verified is not None:
            info["email_verified"] = user.email_verified
        return info

    def process_token(self, grant, response):
        token = super().process_token(grant, response)
        if self.provider.misbehave.altered:
            header, payload, signature = token["id_token"].split(".")
            token["id_token"] = f"{header}.{payload[:-4]}AAAA.{signature}"
        return token


class CodeGrant(AuthorizationCodeGrant):
    """Codes kept in the provider's memory, good once."""

    @property
    def provider(self) -> Provider:
        return self.server.provider

    def save_authorization_code(self, code, request):
        data = request.payload.data
        self.provider.codes[code] = Code(
            code=code,
            client_id=request.client.client_id,
            redirect_uri=request.payload.redirect_uri,
            scope=request.payload.scope,
            nonce=data.get("nonce"),
            code_challenge=data.get("code_challenge"),
            code_challenge_method=data.get("code_challenge_method"),
            account=request.user,
            auth_time=self.provider.now(),
        )

    def query_authorization_code(self, code, client):
        found = self.provider.codes.get(code)
        return found if found and found.client_id == client.client_id else None

    def delete_authorization_code(self, authorization_code):
        self.provider.codes.pop(authorization_code.code, None)

    def authenticate_user(self, authorization_code):
        return authorization_code.account


def _forget(token, request) -> None:  # noqa: ANN001
    """Access tokens are never used here: nothing to keep."""


def _routes(app: Flask, server: AuthorizationServer, provider: Provider) -> None:
    @app.get("/.well-known/openid-configuration")
    def discovery():
        return jsonify(
            issuer=provider.issuer,
            authorization_endpoint=provider.issuer + "/authorize",
            token_endpoint=provider.issuer + "/token",
            jwks_uri=provider.issuer + "/jwks",
            response_types_supported=["code"],
            subject_types_supported=["public"],
            id_token_signing_alg_values_supported=["RS256"],
            token_endpoint_auth_methods_supported=["client_secret_basic", "client_secret_post"],
            code_challenge_methods_supported=["S256"],
        )

    @app.get("/authorize")
    def authorize():
        # Signed in and consenting already: straight back with a code.
        grant = server.get_consent_grant(end_user=provider.account)
        return server.create_authorization_response(grant_user=provider.account, grant=grant)

    @app.post("/token")
    def token():
        return server.create_token_response()

    @app.get("/jwks")
    def jwks():
        return jsonify(KeySet([provider.key]).as_dict(private=False))


@dataclass
class Provider:
    clock: Callable[[], datetime]
    client: Client
    account: Account = field(default_factory=lambda: Account("u-1", "membre@ville-a.qc.ca"))
    misbehave: Misbehaviour = field(default_factory=Misbehaviour)
    codes: dict = field(default_factory=dict)
    port: int = field(default_factory=free_port)

    def __post_init__(self) -> None:
        self.key = RSAKey.generate_key(2048, parameters={"kid": "test-key", "use": "sig", "alg": "RS256"})
        self.stranger_key = RSAKey.generate_key(2048, parameters={"kid": "test-key", "alg": "RS256"})
        self.app = self._build()
        self._server = None

    @property
    def issuer(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def now(self) -> int:
        return int((self.clock() + self.misbehave.shift).replace(tzinfo=UTC).timestamp())

    def _build(self) -> Flask:
        app = Flask("loopback_oidc_provider")
        server = AuthorizationServer(
            app, query_client=self._query_client, save_token=lambda token, request: None
        )
        server.provider = self
        server.register_grant(CodeGrant, [IdToken(self), CodeChallenge(required=True)])
        _routes(app, server, self)
        return app

    def _query_client(self, client_id: str) -> Client | None:
        return self.client if client_id == self.client.client_id else None

    def start(self) -> Provider:
        self._server = make_server("127.0.0.1", self.port, self.app, threaded=True)
        threading.Thread(target=self._server.serve_forever, daemon=True).start()
        return self

    def stop(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server = None
