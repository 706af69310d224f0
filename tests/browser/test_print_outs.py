"""Print-outs and phones: the plan prints compactly with « État au » and page
numbers, the dashboard prints without a box left empty, and neither page
scrolls sideways on a 320 px phone (wide tables scroll inside their box)."""

from __future__ import annotations

import io
import unicodedata
from datetime import date

import pytest
from pypdf import PdfReader
from sqlalchemy import select

from tasking.extensions import db
from tasking.models import Task
from tests.conftest import browser_login

pytestmark = pytest.mark.browser

SIDEWAYS = "() => document.documentElement.scrollWidth - document.documentElement.clientWidth"


def pages_of(page) -> list[str]:
    """The page printed to PDF as Chromium prints it, one text per sheet of
    paper (ligatures such as « ﬀ » read as their letters)."""
    pdf = PdfReader(io.BytesIO(page.pdf(format="Letter", landscape=True, print_background=True)))
    return [" ".join(unicodedata.normalize("NFKC", sheet.extract_text()).split()) for sheet in pdf.pages]


@pytest.fixture
def plan_in_region(make):
    region = make.region("mrc-print", "MRC de l’Impression")
    org = make.org("ville-print", "Ville Imprimée", region)
    viewer = make.user(org, "viewer", "elu@ville-print.ca", "Élise Élue", regional=region)
    plan = make.plan(org)
    tasks = list(db.session.scalars(select(Task).where(Task.plan_id == plan.id).order_by(Task.id)))
    # Enough overdue actions that their list runs over a page.
    for number, task in enumerate(tasks[:40]):
        task.due_date = date(2026, 10, 1 + number % 28)
    for task in tasks[40:44]:
        task.status = "blocked"
        task.blocked_reason = "En attente du CIUSSS"
    db.session.commit()
    return viewer, plan, tasks


def test_the_plan_prints_compactly_with_its_date_and_page_numbers(live_server, page, plan_in_region):
    viewer, plan, _ = plan_in_region
    browser_login(page, live_server, viewer.email)
    page.goto(f"{live_server}/plans/{plan.id}")
    assert page.locator(".plan-asof").inner_text() == "État au 25 nov. 2026"
    sheets = pages_of(page)
    # 34 operational objectives in six themes: they share pages.
    assert len(sheets) <= 26
    assert "État au 25 nov. 2026" in sheets[0]
    for number, text in enumerate(sheets, start=1):
        assert f"{number} / {len(sheets)}" in text
    # Themes run on from page to page: a theme's heading shares its page with
    # the end of what comes before it (the general objectives, the previous theme).
    ends = [plan.general_objectives[-1].specific_objectives[-1].title] + [
        theme.objectives[-1].tasks[-1].title for theme in plan.themes[:-1]
    ]
    shared = [
        theme.title
        for theme, end in zip(plan.themes, ends, strict=True)
        if any(f"{theme.number}. {theme.title}" in text and end[:30] in text for text in sheets)
    ]
    assert len(shared) >= 2, shared


def test_the_dashboard_prints_every_box_with_its_content(live_server, page, plan_in_region):
    viewer, plan, tasks = plan_in_region
    browser_login(page, live_server, viewer.email)
    page.goto(f"{live_server}/plans/{plan.id}/dashboard")
    sheets = pages_of(page)
    first_overdue = page.locator("#overdue tbody tr").first.locator("a").inner_text()
    first_blocked = page.locator("#blocked tbody tr").first.locator("a").inner_text()
    # Each list's heading is printed on the page that holds its first line: no box left empty.
    for heading, first in (("En retard (40)", first_overdue), ("Bloqué (4)", first_blocked)):
        holding = [text for text in sheets if heading in text]
        assert len(holding) == 1, heading
        assert " ".join(first.split())[:40] in holding[0], heading
    for number, text in enumerate(sheets, start=1):
        assert f"{number} / {len(sheets)}" in text


@pytest.mark.parametrize("path", ["/plans/{plan}", "/plans/{plan}/dashboard", "/regions/mrc-print/dashboard"])
def test_no_sideways_scroll_on_a_320_px_phone(live_server, page, plan_in_region, path):
    viewer, plan, _ = plan_in_region
    browser_login(page, live_server, viewer.email)
    page.set_viewport_size({"width": 320, "height": 640})
    page.goto(live_server + path.format(plan=plan.id))
    assert page.evaluate(SIDEWAYS) <= 0
    # The wide tables are still whole: they scroll inside their own box.
    scrollers = page.locator(".table-scroll, .dash-card, .heatmap-wrap")
    widths = scrollers.evaluate_all("boxes => boxes.map(b => b.scrollWidth - b.clientWidth)")
    assert max(widths) > 0
