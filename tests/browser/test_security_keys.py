"""Security keys in a real browser: Chromium's virtual authenticator (CDP
WebAuthn domain) stands for a USB key. A person whose two-factor sign-in is
on adds a key from the account page, then signs in with it at the second
step; static/js/webauthn.js carries the ceremonies."""

from datetime import UTC

import pyotp
import pytest
from sqlalchemy import select

from tasking.extensions import db
from tasking.models import SecurityKey
from tests.conftest import PASSWORD

pytestmark = pytest.mark.browser


def _virtual_key(page) -> tuple[object, str]:
    cdp = page.context.new_cdp_session(page)
    cdp.send("WebAuthn.enable")
    added = cdp.send(
        "WebAuthn.addVirtualAuthenticator",
        {
            "options": {
                "protocol": "ctap2",
                "transport": "usb",
                "hasResidentKey": True,
                "hasUserVerification": True,
                "isUserVerified": True,
            }
        },
    )
    return cdp, added["authenticatorId"]


def _password(page, base: str, email: str) -> None:
    page.goto(base + "/login")
    page.fill("input[name=email]", email)
    page.fill("input[name=password]", PASSWORD)
    page.click("button.primary")
    page.wait_for_url("**/login/code")


def test_add_a_key_then_sign_in_with_it(localhost_server, page, make, app):
    base = localhost_server
    org = make.org("ville-a", "Ville A")
    user = make.user(org, role="member", email="membre@ville-a.qc.ca", name="Marc Membre")
    clock = app.config["CLOCK"]
    user.totp_secret, user.totp_enabled_at = pyotp.random_base32(), clock()
    db.session.commit()
    cdp, authenticator = _virtual_key(page)

    _password(page, base, user.email)
    # No key yet: the code page offers none.
    assert page.get_by_role("button", name="Utiliser ma clé de sécurité").count() == 0
    page.fill(
        "input[name=code]", pyotp.TOTP(user.totp_secret).at(int(clock().replace(tzinfo=UTC).timestamp()))
    )
    page.click("button.primary")
    page.wait_for_url(lambda url: "/login" not in url)

    page.goto(base + "/account/two-factor")
    page.fill("input[name=name]", "Clé USB bleue")
    page.get_by_role("button", name="Ajouter une clé de sécurité").click()
    page.wait_for_selector("text=La clé de sécurité «\u00a0Clé USB bleue\u00a0» est ajoutée.")
    assert "Clé USB bleue" in page.locator(".security-key-list").inner_text()
    stored = cdp.send("WebAuthn.getCredentials", {"authenticatorId": authenticator})["credentials"]
    assert len(stored) == 1

    page.locator("form[action='/logout'] button").click()
    page.wait_for_url("**/login")
    _password(page, base, user.email)
    page.get_by_role("button", name="Utiliser ma clé de sécurité").click()
    page.wait_for_url(lambda url: "/login" not in url)
    page.goto(base + "/account/two-factor")
    assert "jamais" not in page.locator(".security-key-list").inner_text()
    db.session.expire_all()
    [key] = db.session.scalars(select(SecurityKey).where(SecurityKey.user_id == user.id)).all()
    assert key.last_used_at == clock() and key.sign_count >= 1
    assert stored[0]["signCount"] < key.sign_count
