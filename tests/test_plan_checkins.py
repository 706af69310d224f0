"""The plan page and its print-out show each action's latest check-in:
« Santé : » in words, the note, when and who, and « À mettre à jour » when
three rounds went by without update; in a fixed number of statements."""

from __future__ import annotations

import html
from datetime import datetime, timedelta

import pytest

from tasking.extensions import db
from tasking.models import Plan
from tests.checkins.seeding import a_round, an_answer
from tests.conftest import browser_login

NBSP = "\u00a0"
MONDAYS = [datetime(2026, 11, 3, 13), datetime(2026, 11, 10, 13), datetime(2026, 11, 17, 13)]


def _plan_with_checkins(make):
    """A template plan whose first action is blocked and second on track;
    every action dates from October, so those never updated are stale."""
    org = make.org()
    user = make.user(org, "admin", name="Rémi Responsable")
    plan = make.plan(org)
    tasks = [t for theme in db.session.get(Plan, plan.id).themes for o in theme.objectives for t in o.tasks]
    for task in tasks:
        task.created_at = datetime(2026, 10, 1)
    db.session.commit()
    for monday in MONDAYS:
        a_round(org, monday)
    an_answer(tasks[0], user, "blocked", MONDAYS[2] + timedelta(hours=2), "Pas de local disponible")
    an_answer(tasks[1], user, "on_track", MONDAYS[2] + timedelta(hours=3))
    return user, plan, tasks


def _action_cell(page: str, task_id: int) -> str:
    start = page.index(f'href="/tasks/{task_id}"')
    return page[start : page.index("</td>", start)]


def test_plan_page_shows_health_note_date_and_who(client, make):
    user, plan, tasks = _plan_with_checkins(make)
    client.login(user.email)
    page = html.unescape(client.get(f"/plans/{plan.id}").get_data(as_text=True))

    blocked = _action_cell(page, tasks[0].id)
    assert f'Santé{NBSP}:</span> <span class="health health-blocked">Bloquée</span>' in blocked
    assert '<q class="checkin-note">Pas de local disponible</q>' in blocked
    assert "17 nov. 2026, 10 h 00 · Rémi Responsable" in blocked
    assert "À mettre à jour" not in blocked
    assert ">Dans les temps</span>" in _action_cell(page, tasks[1].id)
    stale = _action_cell(page, tasks[2].id)
    assert (
        f'Santé{NBSP}:</span> aucune mise à jour encore <span class="stale">À mettre à jour</span>' in stale
    )


def test_plan_page_with_checkins_costs_a_fixed_number_of_statements(client, make, count_queries):
    user, plan, tasks = _plan_with_checkins(make)
    client.login(user.email)
    client.get(f"/plans/{plan.id}")
    with count_queries() as before:
        client.get(f"/plans/{plan.id}")
    for task in tasks[2:40]:
        an_answer(task, user, "at_risk", MONDAYS[2] + timedelta(hours=4), "À surveiller")
    client.get(f"/plans/{plan.id}")  # as before: the test's writes leave rows to reload
    with count_queries() as after:
        page = client.get(f"/plans/{plan.id}").get_data(as_text=True)
    assert page.count(">À risque</span>") == 38
    assert after.count == before.count


@pytest.mark.browser
def test_the_printed_plan_shows_the_health_of_each_action(live_server, page, make):
    user, plan, tasks = _plan_with_checkins(make)
    browser_login(page, live_server, user.email)
    page.emulate_media(media="print")
    page.goto(f"{live_server}/plans/{plan.id}")

    line = page.locator(f"td.action:has(a[href='/tasks/{tasks[0].id}']) .plan-checkin")
    assert line.is_visible()
    assert line.inner_text().startswith(f"Santé{NBSP}: Bloquée Pas de local disponible")
    assert page.locator(".plan-checkin .stale").first.is_visible()
