"""A regional coordinator reads the region's dashboard in a real browser and drills down."""

import re

import pytest
from sqlalchemy import select

from tasking.extensions import db
from tasking.models import Task
from tests.conftest import browser_login

pytestmark = pytest.mark.browser


def test_regional_coordinator_compares_municipalities_and_drills_down(live_server, page, make):
    region = make.region("mrc-nav", "MRC de la Navigation")
    ville_a = make.org("ville-a", "Ville A", region)
    ville_b = make.org("ville-b", "Ville B", region)
    coordinator = make.user(ville_a, "viewer", "coord@mrc-nav.qc.ca", "Nathalie Bouchard", regional=region)
    make.plan(ville_a)
    plan_b = make.plan(ville_b)
    tasks_b = list(db.session.scalars(select(Task).where(Task.plan_id == plan_b.id).order_by(Task.id)))
    for task in tasks_b[:12]:  # half of the social theme done in Ville B
        task.status = "done"
    tasks_b[12].status = "blocked"
    tasks_b[12].blocked_reason = "En attente du CIUSSS"
    db.session.commit()

    browser_login(page, live_server, coordinator.email)
    # A regional coordinator starts on the region's dashboard, the menu's « Tableau de bord ».
    page.wait_for_url(re.compile(r"/regions/mrc-nav/dashboard$"))
    assert (
        page.get_by_role("navigation", name="Menu principal")
        .get_by_role("link", name="Tableau de bord", exact=True)
        .get_attribute("aria-current")
        == "page"
    )

    assert page.get_by_role("heading", name="Tableau de bord régional").is_visible()
    rows = page.locator("table.heatmap tbody tr")
    assert rows.count() == 2
    assert rows.nth(0).locator("th").inner_text().startswith("Ville A")
    row_b = page.locator("#org-ville-b")
    assert row_b.is_visible()
    # Ville B: 12 of 24 social actions done; one blocked action.
    assert "50\u00a0%" in row_b.locator("td.heat").first.inner_text()
    assert row_b.locator("td.is-danger").inner_text() == "1"

    # The line names the plan it shows.
    assert "Plan de rétablissement" in row_b.locator("th").inner_text()
    row_b.get_by_role(
        "link", name="Tableau de bord de Ville B\u00a0: Plan de rétablissement", exact=True
    ).click()
    page.wait_for_url(re.compile(rf"/plans/{plan_b.id}/dashboard$"))
    assert page.get_by_role("heading", name=re.compile("Tableau de bord")).is_visible()
    blocked = page.locator("#blocked")
    assert "En attente du CIUSSS" in blocked.inner_text()
    # The stacked bar of the social theme is drawn.
    assert page.locator("#progress-by-theme .stacked").count() == 6

    page.go_back()
    page.locator("#org-ville-b").get_by_role(
        "link", name="Tableau de Ville B\u00a0: Plan de rétablissement", exact=True
    ).click()
    page.wait_for_url(re.compile(rf"/plans/{plan_b.id}/board$"))
    # The board of Ville B, read-only for the coordinator: the blocked card is there.
    assert page.get_by_role("heading", name="Tableau", exact=True).is_visible()
    assert "Ville B" in page.locator(".board-header").inner_text()
    assert page.locator("#board-keys").count() == 0  # nothing to move: no keyboard hint
    assert page.locator(f"#task-{tasks_b[12].id}").is_visible()
    assert page.locator("ol.cards[data-status=blocked]").first.locator(f"#task-{tasks_b[12].id}").count() == 1


def test_the_printed_report_lists_every_overdue_and_blocked_action(live_server, page, make):
    from datetime import date

    org = make.org("ville-conseil", "Ville Conseil")
    admin = make.user(org, "admin", "admin@ville-conseil.qc.ca")
    plan = make.plan(org)
    tasks = list(db.session.scalars(select(Task).where(Task.plan_id == plan.id).order_by(Task.id)))
    for task in tasks[:29]:
        task.status, task.due_date = "in_progress", date(2026, 1, 5)
    for task in tasks[29:44]:
        task.status, task.blocked_reason = "blocked", "En attente"
    db.session.commit()

    browser_login(page, live_server, admin.email)
    page.goto(f"{live_server}/plans/{plan.id}/dashboard")
    page.emulate_media(media="print")
    overdue_rows = page.locator("#overdue tbody tr")
    blocked_rows = page.locator("#blocked tbody tr")
    assert overdue_rows.count() == 29 and blocked_rows.count() == 15
    assert all(overdue_rows.nth(i).is_visible() for i in range(29))
    assert all(blocked_rows.nth(i).is_visible() for i in range(15))
    assert "autres dans l’application" not in page.locator("#plan-dashboard").inner_text()


@pytest.mark.parametrize("width", [1280, 390])
def test_each_segment_of_the_stacked_bars_writes_its_number(live_server, page, make, width):
    page.set_viewport_size({"width": width, "height": 900})
    org = make.org("ville-barres", "Ville Barres")
    viewer = make.user(org, "viewer", "elu@ville-barres.qc.ca")
    plan = make.plan(org)
    social = list(db.session.scalars(select(Task).where(Task.plan_id == plan.id).order_by(Task.id)))[:24]
    for task in social[:12]:
        task.status = "done"
    for task in social[12:17]:
        task.status = "in_progress"
    social[17].status, social[17].blocked_reason = "blocked", "En attente"
    db.session.commit()

    browser_login(page, live_server, viewer.email)
    row = page.locator("#progress-by-theme tbody tr").first
    assert "Enjeux sociaux" in row.locator("th").inner_text()
    # 12 done, 5 in progress, 6 to do: wide enough for their number, written inside and not cut.
    for status, number in (("done", "12"), ("in_progress", "5"), ("todo", "6")):
        segment = row.locator(f".stacked .seg-{status}")
        chip = segment.locator(".seg-n")
        assert chip.is_visible() and chip.inner_text() == number, status
        outer, inner = segment.bounding_box(), chip.bounding_box()
        assert outer["x"] <= inner["x"] and inner["x"] + inner["width"] <= outer["x"] + outer["width"], status
    # 1 blocked of 24 is too thin for its number: it is written beside the bar, with its status.
    assert row.locator(".stacked .seg-blocked .seg-n").count() == 0
    assert row.locator(".stacked-aside").inner_text() == "Bloqué\u00a0: 1"
    assert row.locator(".stacked-aside").is_visible()
    # The picture's name reads every count too.
    label = row.locator(".stacked").get_attribute("aria-label")
    assert "Terminé\u00a0: 12, En cours\u00a0: 5, Bloqué\u00a0: 1, À faire\u00a0: 6" in label
    # A theme with nothing done: one segment, its number inside.
    last = page.locator("#progress-by-theme tbody tr").last
    assert last.locator(".stacked .seg-n").all_inner_texts() == ["24"]
