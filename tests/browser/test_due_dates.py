"""In a real Chromium: a due date outside the action's period is saved and
the task page says so beside the dates, until the dates agree."""

from __future__ import annotations

import pytest

from tests.conftest import browser_login
from tests.tasks.world import build_world

pytestmark = pytest.mark.browser


def test_saving_a_due_date_outside_the_period_shows_a_warning(live_server, page, make):
    world = build_world(make)
    task_id = world.task.id
    browser_login(page, live_server, world.owner.email)
    page.goto(f"{live_server}/tasks/{task_id}")
    dates = page.locator(f"#task-{task_id}-dates")
    dates.get_by_role("link", name="Modifier").click()
    dates.locator("input[name=short_start]").fill("2026-11-01")
    dates.locator("input[name=short_end]").fill("2026-11-30")
    dates.locator("input[name=due_date]").fill("2026-12-15")
    dates.get_by_role("button", name="Enregistrer").click()
    warning = page.locator(f"#task-{task_id}-dates .date-warning")
    warning.wait_for()
    assert warning.inner_text() == (
        "L’échéance, le 15 déc. 2026, tombe hors de la période court et moyen terme de l’action "
        "(du 1 nov. 2026 au 30 nov. 2026)."
    )
    page.reload()
    assert page.locator(f"#task-{task_id}-dates .date-warning").is_visible()  # kept on the page

    dates.get_by_role("link", name="Modifier").click()
    dates.locator("input[name=due_date]").fill("2026-11-27")
    dates.get_by_role("button", name="Enregistrer").click()
    page.locator(f"#task-{task_id}-dates", has_text="27 nov. 2026").wait_for()
    assert page.locator(".date-warning").count() == 0
