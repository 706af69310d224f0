"""The bell in a real browser: the count arrives by htmx, and marking a
notification read updates it without reloading the page."""

import pytest
from playwright.sync_api import expect

from tasking.extensions import db
from tasking.notifications import services
from tests.conftest import browser_login

from .conftest import NOW

pytestmark = pytest.mark.browser


def test_bell_count_follows_marking_read(live_server, page, world):
    for body in ("Premier", "Deuxième"):
        services.notify(
            db.session,
            user=world.owner,
            kind="mention",
            task=world.task,
            actor=world.helper,
            now=NOW,
            detail=body,
        )
    db.session.commit()

    browser_login(page, live_server, world.owner.email)
    page.goto(f"{live_server}/notifications")
    bell = page.locator("#bell .bell-count")
    assert bell.inner_text() == "2"

    page.locator(".notification.unread").first.get_by_role("button", name="Marquer comme lu").click()
    expect(page.locator("#bell .bell-count")).to_have_text("1")
    expect(page.locator(".notification.unread")).to_have_count(1)

    page.get_by_role("button", name="Tout marquer comme lu").click()
    # htmx swaps the out-of-band bell and the list one after the other: wait for both.
    expect(page.locator("#bell .bell-count")).to_have_count(0)
    expect(page.locator(".notification.unread")).to_have_count(0)
    expect(page.get_by_text("0 non lue")).to_be_visible()
