"""A new user signs in with a real browser and reads the plan in French."""

import pytest

from tests.conftest import browser_login

pytestmark = pytest.mark.browser


def test_created_user_signs_in_and_reads_the_plan_in_french(live_server, page, make):
    org = make.org("ville-a", "Ville A")
    user = make.user(org, role="viewer", email="lecteur@ville-a.qc.ca", name="Lucie Lecteur")
    plan = make.plan(org)

    browser_login(page, live_server, user.email)
    page.goto(f"{live_server}/plans/{plan.id}")

    assert page.locator("html").get_attribute("lang") == "fr-CA"
    assert page.get_by_role("heading", name="Objectifs généraux").is_visible()
    social = page.locator("section.theme").first
    assert "Enjeux sociaux" in social.locator("h2").inner_text()
    assert "Brève définition" in social.inner_text()
    assert social.get_by_text("Plan de continuité des organismes").is_visible()
    assert page.locator("section.theme").count() == 6
    assert page.locator("td.action").count() == 145


def test_wrong_password_shows_a_message_in_french(live_server, page, make):
    org = make.org("ville-b", "Ville B")
    user = make.user(org, email="quelquun@ville-b.qc.ca")
    page.goto(live_server + "/login")
    page.fill("input[name=email]", user.email)
    page.fill("input[name=password]", "pas-le-bon-mot")
    page.click("button.primary")
    assert page.get_by_text("Adresse courriel ou mot de passe erroné").is_visible()
    assert "/login" in page.url
