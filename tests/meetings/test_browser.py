"""The meeting page in real Chromium, as the regional coordinator: prepare
the agenda, reorder an item, strike one, record a decision and a follow-up."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from tasking.extensions import db
from tasking.models import MeetingFollowUp, MeetingItem, Task
from tests.conftest import browser_login
from tests.meetings.conftest import build_two

pytestmark = pytest.mark.browser

BASE = "/regions/mrc-test/meetings"


def titles(page) -> list[str]:
    return page.locator("li.meeting-item h3.item-title").all_inner_texts()


def test_run_the_meeting_page(live_server, page, make):
    two = build_two(make)
    browser_login(page, live_server, two.coordinator.email)
    page.goto(f"{live_server}{BASE}")
    page.get_by_role("button", name="Préparer l’ordre du jour").click()
    page.wait_for_url(re.compile(r"/meetings/\d+$"))
    # Drafted: what needs the region, then each municipality's round.
    expect(page.locator("li.meeting-item")).to_have_count(3)
    help_title, round_a, round_b = titles(page)
    assert help_title == "Ville A\u00a0: 1 action demande l’aide de la région"
    assert round_a.startswith("Tour de table — Ville A")
    assert round_b.startswith("Tour de table — Ville B")
    expect(page.get_by_text("Entente secrète avec le CISSS — La MRC peut relancer le CISSS")).to_be_visible()

    # Ville B's round goes up, before Ville A's.
    page.locator("li.meeting-item").nth(2).get_by_role("button", name="Monter").click()
    expect(page.locator("li.meeting-item h3.item-title").nth(1)).to_have_text(round_b)
    assert titles(page) == [help_title, round_b, round_a]

    # Ville A's round is struck: crossed out, with a way back, and no more forms.
    struck = page.locator("li.meeting-item").nth(2)
    struck.get_by_role("button", name="Rayer").click()
    struck = page.locator("li.meeting-item.struck")
    expect(struck.locator("h3 s")).to_have_text(round_a)
    expect(struck.get_by_role("button", name="Restaurer")).to_be_visible()
    expect(struck.get_by_role("button", name="Inscrire la décision")).to_have_count(0)

    # A decision and a follow-up on the item that needs the region.
    item = page.locator("li.meeting-item").first
    item.get_by_label("Décision").fill("La MRC appelle le CISSS.")
    item.get_by_role("button", name="Inscrire la décision").click()
    item = page.locator("li.meeting-item").first
    expect(item.locator("ul.decisions")).to_have_text("Décision : La MRC appelle le CISSS.")
    item.get_by_label("Action de suivi").fill("Appeler le CISSS")
    owner = item.get_by_label("Responsable")
    # The region's people are in the page once; the select takes them when first used.
    expect(owner.locator("option")).to_have_count(1)
    owner.focus()
    owner.select_option(label="Rémi Responsable (Ville B)")
    item.get_by_label("Échéance").fill("2026-12-03")
    item.get_by_role("button", name="Ajouter le suivi").click()
    item = page.locator("li.meeting-item").first
    follow_up = item.locator("ul.follow-ups li")
    expect(follow_up).to_have_text("Suivi : Appeler le CISSS — Rémi Responsable, échéance le 3 déc. 2026")
    expect(follow_up.get_by_role("link", name="Appeler le CISSS")).to_have_attribute(
        "href", re.compile(r"^/tasks/\d+$")
    )

    # Reloaded, the page shows the same; the data says the same.
    page.reload()
    assert titles(page) == [help_title, round_b, round_a]
    expect(page.locator("li.meeting-item.struck")).to_have_count(1)
    expect(page.locator("ul.decisions")).to_have_text("Décision : La MRC appelle le CISSS.")
    db.session.expire_all()
    items = db.session.query(MeetingItem).order_by(MeetingItem.position).all()
    assert [(i.title, i.struck) for i in items] == [(help_title, False), (round_b, False), (round_a, True)]
    [link] = db.session.query(MeetingFollowUp).all()
    task = db.session.get(Task, link.task_id)
    assert (task.title, task.owner_id) == ("Appeler le CISSS", two.member_b.id)
    assert str(task.due_date) == "2026-12-03"
    assert link.item_id == items[0].id
