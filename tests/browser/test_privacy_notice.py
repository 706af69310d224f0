"""First sign-in in a real browser: the privacy notice comes first, and once
acknowledged the person lands where they were going."""

import pytest

from tests.conftest import browser_login

pytestmark = pytest.mark.browser


def test_first_sign_in_shows_the_notice_then_the_app(live_server, page, make):
    org = make.org("ville-a", "Ville A")
    person = make.user(org, "member", "nouvelle@ville-a.qc.ca", "Nouvelle Venue", acknowledged=False)

    browser_login(page, live_server, person.email)
    assert "/privacy" in page.url
    assert page.get_by_role("heading", name="Confidentialité et renseignements personnels").is_visible()
    assert page.get_by_text("Ville A utilise Rétablir").is_visible()
    assert page.get_by_role("heading", name="Personne responsable de la protection").is_visible()

    page.get_by_role("button", name="J’ai pris connaissance de cet avis").click()
    page.wait_for_url(f"{live_server}/me/tasks")
    assert page.get_by_role("heading", name="Mes tâches").is_visible()
    # The footer leads back to the notice, now without anything to acknowledge.
    page.get_by_role("link", name="Confidentialité et renseignements personnels").click()
    page.wait_for_url(f"{live_server}/privacy")
    assert page.get_by_text("Ville A utilise Rétablir").is_visible()
    assert page.get_by_role("button", name="J’ai pris connaissance de cet avis").count() == 0
