"""An organisation whose members sign in through the loopback provider."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from urllib.parse import urlsplit

import pytest
import requests

from tasking.extensions import db
from tasking.models import Organisation, User
from tasking.sso import provider as oidc
from tasking.sso.services import save_settings
from tests.conftest import app_now
from tests.sso.provider import Account, Client, Provider

CLIENT_ID = "retablir-ville-a"
CLIENT_SECRET = "secret-client-de-la-ville-a-0123"


@pytest.fixture
def provider(app, clock) -> Iterator[Provider]:
    # The loopback provider speaks http, which the settings then accept.
    app.config["SSO_HTTP_LOOPBACK"] = True
    redirect_uri = app.config["APP_BASE_URL"] + "/login/sso/callback"
    running = Provider(clock=clock, client=Client(CLIENT_ID, CLIENT_SECRET, redirect_uri)).start()
    yield running
    running.stop()


@dataclass
class Town:
    org: Organisation
    admin: User
    member: User


@pytest.fixture
def town(make, provider) -> Town:
    org = make.org("ville-a", "Ville A")
    admin = make.user(org, role="admin", email="admin@ville-a.qc.ca", name="Alice Admin")
    member = make.user(org, role="member", email="membre@ville-a.qc.ca", name="Marc Membre")
    values = {
        "issuer": provider.issuer,
        "client_id": CLIENT_ID,
        "client_secret": CLIENT_SECRET,
        "provider_name": "Microsoft 365",
    }
    save_settings(
        db.session,
        actor=admin,
        organisation=org,
        values=values,
        proven=False,
        discover=oidc.discover,
        now=app_now(),
        http_loopback=True,
    )
    db.session.commit()
    provider.account = Account("sub-marc", "MEMBRE@Ville-A.qc.ca", name="Marc M.")
    return Town(org, admin, member)


def provider_answer(client, slug: str = "ville-a", query: str = "") -> str:
    """Start signing in with the organisation's provider, let the provider
    answer (it approves at once), and return the path back to the app."""
    start = client.get(f"/login/with/{slug}{query}")
    assert start.status_code == 303, start.get_data(as_text=True)[:300]
    answer = requests.get(start.headers["Location"], allow_redirects=False, timeout=10)
    assert answer.status_code == 302, answer.text[:300]
    back = urlsplit(answer.headers["Location"])
    return f"{back.path}?{back.query}"


def sso_sign_in(client, slug: str = "ville-a", query: str = ""):
    """The whole round trip; the app's answer to the provider's redirect."""
    return client.get(provider_answer(client, slug, query))
