"""Each role starts where its work is: the demo's accounts sign in and land on
their page, and the menu offers « Tableau de bord » to whoever has one."""

from __future__ import annotations

import re

from sqlalchemy import select

from tasking.demo.services import DEMO_PASSWORD
from tasking.extensions import db
from tasking.models import Organisation, Plan
from tests.conftest import PASSWORD


def _plan_of(slug: str) -> int:
    return db.session.scalar(
        select(Plan.id)
        .join(Organisation, Organisation.id == Plan.organisation_id)
        .where(Organisation.slug == slug)
    )


def _nav(page: str) -> str:
    return re.search(r'<nav class="mainnav".*?</nav>', page, re.S).group(0)


def test_each_demo_role_lands_on_its_page_with_its_dashboard_in_the_menu(runner, make_client):
    assert runner.invoke(args=["demo"]).exit_code == 0
    ville, saint = (
        f"/plans/{_plan_of('ville-demo')}/dashboard",
        f"/plans/{_plan_of('saint-exemple')}/dashboard",
    )
    region = "/regions/mrc-demo/dashboard"
    # e-mail → (landing page, the menu's dashboard); the roles are the demo's (tasking/demo/services.py).
    expected = {
        "coordination@ville-demo.ca": (ville, ville),  # admin: the coordinator reports on the plan
        "responsable@ville-demo.ca": ("/me/tasks", ville),  # member: owns actions
        "collaboratrice@ville-demo.ca": ("/me/tasks", ville),  # member
        "observateur@ville-demo.ca": (ville, ville),  # viewer
        "coordination@mrc-demo.ca": (region, region),  # regional coordinator (viewer in Ville de Démo)
        "coordination@saint-exemple.ca": (saint, saint),  # admin of the other municipality
        "responsable@saint-exemple.ca": ("/me/tasks", saint),  # member there
    }
    for email, (landing, dashboard) in expected.items():
        client = make_client()
        assert client.login(email, DEMO_PASSWORD).headers["Location"] == landing, email
        # The home address leads to the same page.
        assert client.get("/").headers["Location"] == landing, email
        page = client.get(landing)
        assert page.status_code == 200, email
        nav = _nav(page.get_data(as_text=True))
        assert f'<a href="{dashboard}"' in nav and ">Tableau de bord</a>" in nav, email
        # The page one lands on is the one the menu marks.
        assert len(re.findall(r'aria-current="page"', nav)) == 1, email
        assert re.search(rf'href="{landing}" aria-current="page"', nav), email
    # The regional coordinator's menu keeps the meetings; its dashboard link replaces « Région ».
    coordinator = make_client()
    coordinator.login("coordination@mrc-demo.ca", DEMO_PASSWORD)
    nav = _nav(coordinator.get(region).get_data(as_text=True))
    assert ">Rencontres</a>" in nav and ">Région</a>" not in nav


def test_a_link_asked_for_before_sign_in_still_wins(client, make):
    org = make.org()
    viewer = make.user(org, "viewer", "lecteur@ville.qc.ca")
    make.plan(org)
    client.fetch_csrf()
    response = client.post(
        "/login?next=/plans", data={"email": viewer.email, "password": PASSWORD, "csrf_token": client.csrf}
    )
    assert response.headers["Location"] == "/plans"


def test_without_a_plan_the_plans_list_is_home_and_no_dashboard_is_offered(client, make):
    admin = make.user(make.org(), "admin", "admin@neuve.qc.ca")
    assert client.login(admin.email).headers["Location"] == "/plans"
    page = client.get("/plans").get_data(as_text=True)
    assert "à partir du modèle de l’ASCQ</button>" in page
    assert ">Tableau de bord</a>" not in _nav(page)


def test_the_newest_open_plan_of_the_persons_organisation_is_their_dashboard(client, make, clock):
    org = make.org()
    viewer = make.user(org, "viewer", "lecteur@ville.qc.ca")
    older = make.plan(org)
    clock.advance(days=1)
    newer = make.plan(org)
    assert client.login(viewer.email).headers["Location"] == f"/plans/{newer.id}/dashboard"
    newer.archived_at = clock()
    db.session.commit()
    assert client.get("/").headers["Location"] == f"/plans/{older.id}/dashboard"


def test_the_home_address_costs_the_same_for_one_plan_or_many(client, make, clock, count_queries):
    org = make.org()
    viewer = make.user(org, "viewer", "lecteur@ville.qc.ca")
    make.plan(org)
    client.login(viewer.email)

    def cost() -> int:
        with count_queries() as counter:
            assert client.get("/").status_code == 302
        return counter.count

    one = cost()
    for _ in range(3):
        clock.advance(minutes=10)  # within the idle timeout
        make.plan(org)
    assert cost() == one
