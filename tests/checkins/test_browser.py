"""The update page in real Chromium on a phone-sized viewport (390 px)."""

from __future__ import annotations

from datetime import date

import pytest
from playwright.sync_api import expect

from tasking.checkins.links import update_url
from tasking.checkins.rounds import open_round
from tasking.extensions import db
from tasking.models import CheckinAnswer, CheckinRound, Task
from tests.scheduling.conftest import CREATED, build_world

pytestmark = pytest.mark.browser


def test_update_page_on_a_phone(live_server, page, make, app):
    world = build_world(make)
    world.org.created_at = CREATED
    db.session.commit()
    late = world.task(
        "Inventaire des besoins des organismes communautaires du territoire", date(2026, 11, 10)
    )
    world.task("Plan de communication", date(2026, 12, 15))
    # The app's clock reads Wednesday 25 November 2026, 10:00: the round of week 48 is open.
    open_round(db.session, world.org, app.config["CLOCK"]())
    db.session.commit()
    checkin = db.session.query(CheckinRound).one()
    link = update_url(checkin.id, world.owner.id).replace("http://retablir.test", live_server)

    page.set_viewport_size({"width": 390, "height": 844})
    page.goto(link)
    expect(page.get_by_role("heading", name="Mes mises à jour")).to_be_visible()
    # Nothing sticks out sideways on a phone.
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    item = page.locator(f"#checkin-{late.id}")
    item.get_by_text("Bloquée").click()
    page.get_by_role("button", name="Enregistrer ma mise à jour").click()
    expect(item.get_by_text("une note est requise")).to_be_visible()
    assert db.session.query(CheckinAnswer).count() == 0

    item.get_by_label("Où en est-on ?").fill("Attente de la réponse du CIUSSS")
    page.get_by_role("button", name="Enregistrer ma mise à jour").click()
    expect(page.get_by_text("Votre mise à jour est enregistrée (1 action).")).to_be_visible()
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    db.session.expire_all()
    task = db.session.get(Task, late.id)
    assert (task.status, task.blocked_reason) == ("blocked", "Attente de la réponse du CIUSSS")
