"""Single sign-on in a real browser: the sign-in page's button leads to the
organisation's OpenID Connect provider (Authlib's server on loopback), which
sends the browser back signed in; a refused account comes back to the
sign-in page with the reason."""

import pytest

from tests.sso import conftest as sso
from tests.sso.provider import Account

pytestmark = pytest.mark.browser
# The loopback provider and the organisation signed in through it.
provider, town = sso.provider, sso.town


@pytest.fixture
def served(app, live_server, provider, town):
    """The app at the live server's address, registered so with the provider."""
    app.config["APP_BASE_URL"] = live_server
    provider.client.redirect_uri = live_server + "/login/sso/callback"
    return live_server


def test_sign_in_with_the_organisations_provider(served, page, town):
    page.goto(served + "/login")
    page.get_by_role("link", name="Se connecter avec Microsoft 365 — Ville A").click()
    page.wait_for_url(lambda url: "/login" not in url)
    page.goto(served + "/account")
    assert "membre@ville-a.qc.ca" in page.content()
    assert "/account" in page.url


def test_an_unknown_account_comes_back_with_the_reason(served, page, provider):
    provider.account = Account("sub-x", "inconnu@ville-a.qc.ca")
    page.goto(served + "/login")
    page.get_by_role("link", name="Se connecter avec Microsoft 365 — Ville A").click()
    page.wait_for_url("**/login")
    assert "Aucun membre de cette organisation n’utilise l’adresse inconnu@ville-a.qc.ca" in page.content()
    page.goto(served + "/account")
    assert "/login" in page.url
