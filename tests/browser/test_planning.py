"""The plan editor in real Chromium: a keyboard user keeps their place."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from tests.conftest import browser_login
from tests.tasks.world import build_world

pytestmark = pytest.mark.browser


@pytest.fixture
def world(make):
    return build_world(make)


def test_moving_an_action_keeps_the_keyboard_focus_on_it(live_server, page, world):
    browser_login(page, live_server, world.admin.email)
    page.goto(f"{live_server}/plans/{world.plan.id}/edit")
    down = page.get_by_role("button", name="Descendre : Appeler les aînés isolés")
    down.focus()
    page.keyboard.press("Enter")
    page.wait_for_url(f"**/plans/{world.plan.id}/edit?focus=*")
    # The action is now last: its "down" is disabled, so "up" has the focus.
    expect(page.get_by_role("button", name="Monter : Appeler les aînés isolés")).to_be_focused()
