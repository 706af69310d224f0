"""The plan page fits a laptop screen and a landscape Letter page: no sideways scrolling."""

from __future__ import annotations

import pytest

from tests.conftest import browser_login

pytestmark = pytest.mark.browser

OVERFLOW = """() => ({
    page: document.documentElement.scrollWidth - document.documentElement.clientWidth,
    tables: Math.max(...[...document.querySelectorAll('table.grid')].map(
        t => t.getBoundingClientRect().right - document.documentElement.clientWidth)),
})"""


@pytest.mark.parametrize("width", [1024, 1280])
def test_plan_page_has_no_horizontal_scroll_on_a_laptop(live_server, page, make, width):
    org = make.org()
    user = make.user(org, role="viewer")
    plan = make.plan(org)
    browser_login(page, live_server, user.email)
    page.set_viewport_size({"width": width, "height": 800})
    page.goto(f"{live_server}/plans/{plan.id}")

    overflow = page.evaluate(OVERFLOW)
    assert overflow["page"] <= 0
    assert overflow["tables"] <= 0
    # The Comments column, the last one, is on screen.
    last = page.locator("#main table.objectives thead th").last
    assert last.inner_text() == "Commentaires"
    assert last.bounding_box()["x"] + last.bounding_box()["width"] <= width


def test_printed_plan_fits_a_landscape_letter_page(live_server, page, make):
    org = make.org()
    user = make.user(org, role="viewer")
    plan = make.plan(org)
    browser_login(page, live_server, user.email)
    # Letter landscape (11 in) less two 12 mm margins, at 96 px per inch.
    printable = int((11 * 25.4 - 2 * 12) / 25.4 * 96)
    page.set_viewport_size({"width": printable, "height": 800})
    page.emulate_media(media="print")
    page.goto(f"{live_server}/plans/{plan.id}")

    overflow = page.evaluate(OVERFLOW)
    assert overflow["page"] <= 0
    assert overflow["tables"] <= 0
