"""Two-factor enrolment and sign-in in a real browser: the QR code shows,
the key typed into an authenticator (pyotp here) gives the code, the
recovery codes are shown once, and the next sign-in asks for a code."""

from datetime import UTC

import pyotp
import pytest
from playwright.sync_api import expect

from tests.conftest import browser_login

pytestmark = pytest.mark.browser


def test_enrol_then_sign_in_with_a_code(live_server, page, make, app):
    org = make.org("ville-a", "Ville A")
    user = make.user(org, role="member", email="membre@ville-a.qc.ca", name="Marc Membre")
    clock = app.config["CLOCK"]

    def code(secret: str, offset: int = 0) -> str:
        return pyotp.TOTP(secret).at(int(clock().replace(tzinfo=UTC).timestamp()) + offset)

    browser_login(page, live_server, user.email)
    page.goto(live_server + "/account")
    page.get_by_role("link", name="Connexion à deux facteurs").click()
    page.get_by_role("link", name="Activer la connexion à deux facteurs").click()
    expect(page.locator(".qr-code svg")).to_be_visible()
    secret = page.locator("#totp-secret").inner_text()
    page.fill("input[name=code]", code(secret))
    page.get_by_role("button", name="Activer la connexion à deux facteurs").click()
    # The form posts and the page that answers shows the codes: waited for, not read at once.
    expect(page.get_by_role("heading", name="Vos codes de récupération")).to_be_visible()
    assert page.locator(".recovery-codes li").count() == 10

    page.locator("form[action='/logout'] button").click()
    page.wait_for_url("**/login")
    page.fill("input[name=email]", user.email)
    page.fill("input[name=password]", "Correct-Horse-42")
    page.click("button.primary")
    page.wait_for_url("**/login/code")
    clock.advance(seconds=30)
    page.fill("input[name=code]", code(secret))
    page.click("button.primary")
    page.wait_for_url(lambda url: "/login" not in url)
    page.goto(live_server + "/account/two-factor")
    assert "Activée depuis le" in page.locator(".two-factor-state").inner_text()
