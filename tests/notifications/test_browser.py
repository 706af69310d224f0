"""The bell in a real browser: the count arrives by htmx, and marking a
notification read updates it without reloading the page."""

import pytest

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
    page.locator("#bell .bell-count", has_text="1").wait_for()
    assert page.locator(".notification.unread").count() == 1

    page.get_by_role("button", name="Tout marquer comme lu").click()
    page.locator("#bell .bell-count").wait_for(state="detached")
    assert page.locator(".notification.unread").count() == 0
    assert page.get_by_text("0 non lue").is_visible()
