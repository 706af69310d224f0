"""The task page in real Chromium at 1280 and 390 px: what matters comes
first (status, responsible, due date, latest comment), targets as a compact
list with one measurement form at a time, the history loaded when scrolled to."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from tasking.extensions import db
from tests.conftest import browser_login
from tests.tasks.busy_task import busy_task

pytestmark = pytest.mark.browser

WIDTHS = {"desktop": (1280, 800), "phone": (390, 844)}


def seen_in_order(page, task_id: int) -> list[str]:  # noqa: ANN001
    """The parts of the task as the eye meets them: top to bottom, then left to right."""
    parts = {
        "title": f"#task-{task_id}-heading",
        "status": f"#task-{task_id}-status",
        "responsible": f"#task-{task_id}-owner",
        "due date": f"#task-{task_id}-dates dd",
        "latest comment": f"#task-{task_id}-latest-comment",
        "description": f"#task-{task_id}-description",
        "targets": f"#task-targets-{task_id}",
        "comments": f"#task-comments-{task_id}",
    }
    boxes = {name: page.locator(selector).first.bounding_box() for name, selector in parts.items()}
    return sorted(boxes, key=lambda name: (round(boxes[name]["y"] / 10), boxes[name]["x"]))


@pytest.mark.parametrize("screen", WIDTHS)
def test_the_task_starts_with_what_matters(live_server, browser, screen):
    busy = busy_task(db.session)
    task_id = busy.task.id
    width, height = WIDTHS[screen]
    context = browser.new_context(
        locale="fr-CA", timezone_id="America/Montreal", viewport={"width": width, "height": height}
    )
    try:
        page = context.new_page()
        page.set_default_timeout(10_000)
        browser_login(page, live_server, busy.collaborator.email)
        page.goto(f"{live_server}/tasks/{task_id}")
        assert seen_in_order(page, task_id) == [
            "title",
            "status",
            "responsible",
            "due date",
            "latest comment",
            "description",
            "targets",
            "comments",
        ]
        # The due date is the first date read, and the latest comment says who wrote what.
        assert page.locator(f"#task-{task_id}-dates dt").first.inner_text() == "Échéance"
        latest = page.locator(f"#task-{task_id}-latest-comment")
        expect(latest).to_contain_text("Point 19")
        if screen == "desktop":
            # Status, responsible and due date side by side, on the first screen.
            tops = {
                round(page.locator(f"#task-{task_id}-{group}").bounding_box()["y"])
                for group in ("status", "owner", "dates")
            }
            assert len(tops) == 1
        # Nothing wider than the screen (no sideways scrolling on a phone).
        assert page.evaluate("document.documentElement.scrollWidth") <= width
        assert latest.bounding_box()["y"] < height  # on the first screen, the phone's too
        # The reason for a blockage is asked when « Bloqué » is chosen.
        reason = page.get_by_label("Raison du blocage")
        expect(reason).to_be_hidden()
        page.locator(f"#task-{task_id}-status select").select_option("blocked")
        expect(reason).to_be_visible()
    finally:
        context.close()


def test_one_measurement_form_at_a_time_and_the_history_when_scrolled_to(live_server, page):
    busy = busy_task(db.session)
    task_id = busy.task.id
    browser_login(page, live_server, busy.collaborator.email)
    page.goto(f"{live_server}/tasks/{task_id}")
    targets = page.locator(f"#task-targets-{task_id} .target")
    expect(targets).to_have_count(8)
    expect(page.locator(".measure-form")).to_have_count(0)
    assert (
        page.locator(f"#task-targets-{task_id}").get_by_role("link", name="Ajouter une mesure").count() == 8
    )

    second = targets.nth(1)
    second.get_by_role("link", name="Ajouter une mesure").click()
    form = page.locator(".measure-form")
    expect(form).to_have_count(1)
    value = form.get_by_label("Valeur")
    expect(value).to_be_focused()
    value.fill("64")
    form.get_by_role("button", name="Ajouter", exact=True).click()
    expect(targets.nth(1).locator(".progress small")).to_have_text("64 / 80 %")
    expect(targets.nth(1).locator(".measurements tbody tr")).to_have_count(4)
    targets.nth(1).get_by_role("link", name="Fermer").click()
    expect(page.locator(".measure-form")).to_have_count(0)
    expect(targets.nth(1).locator(".progress small")).to_have_text("64 / 80 %")

    history = page.locator(f"#task-history-{task_id} ol.history li")
    expect(history).to_have_count(0)  # not read until it is scrolled to
    page.locator(f"#task-history-{task_id}").scroll_into_view_if_needed()
    expect(history).to_have_count(50)
    older = page.locator(f"#task-comments-{task_id} .comment")
    expect(older).to_have_count(20)  # the older comments came when they were scrolled past
