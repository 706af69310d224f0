"""Signing in lands each role on its page, at a desk and on a phone, with
« Tableau de bord » in a menu that fits the screen."""

import re

import pytest

from tests.conftest import browser_login

pytestmark = pytest.mark.browser


@pytest.mark.parametrize("width", [1280, 390])
def test_each_role_signs_in_to_its_page_and_finds_its_dashboard(live_server, page, make, width):
    page.set_viewport_size({"width": width, "height": 800})
    region = make.region("mrc-accueil", "MRC de l’Accueil")
    org = make.org("ville-accueil", "Ville Accueil", region)
    plan = make.plan(org)
    people = {
        "viewer": make.user(org, "viewer", "elu@ville-accueil.qc.ca", "Élu Lecteur"),
        "member": make.user(org, "member", "responsable@ville-accueil.qc.ca", "Rita Responsable"),
        "admin": make.user(org, "admin", "coordination@ville-accueil.qc.ca", "Coralie Coordination"),
        "regional": make.user(org, "viewer", "mrc@accueil.qc.ca", "Régis Régional", regional=region),
    }
    dashboard = f"/plans/{plan.id}/dashboard"
    landing = {
        "viewer": (dashboard, "Tableau de bord\u00a0: Plan de rétablissement"),
        "member": ("/me/tasks", "Mes tâches"),
        "admin": (dashboard, "Tableau de bord\u00a0: Plan de rétablissement"),
        "regional": ("/regions/mrc-accueil/dashboard", "Tableau de bord régional"),
    }
    for role, person in people.items():
        path, heading = landing[role]
        browser_login(page, live_server, person.email)
        page.wait_for_url(re.compile(re.escape(path) + "$"))
        assert page.get_by_role("heading", name=heading, level=1).is_visible(), role
        menu = page.get_by_role("navigation", name="Menu principal")
        link = menu.get_by_role("link", name="Tableau de bord", exact=True)
        assert link.is_visible(), role
        # The menu fits the screen: it wraps rather than pushing the page sideways.
        rights = menu.get_by_role("link").evaluate_all(
            "links => links.map(a => a.getBoundingClientRect().right)"
        )
        assert max(rights) <= width, role
        link.click()
        page.wait_for_url(
            re.compile(re.escape(landing["regional" if role == "regional" else "admin"][0]) + "$")
        )
        assert menu.locator('[aria-current="page"]').inner_text() == "Tableau de bord", role
        page.get_by_role("button", name="Se déconnecter").click()
        page.wait_for_url(re.compile("/login"))
