"""The regional weekly digest, before the Thursday coordination meeting."""

from __future__ import annotations

from datetime import date, datetime

from tasking.extensions import db
from tasking.models import Target
from tasking.tasks.measurements import add_measurement
from tests.conftest import app_now

from .conftest import small_plan

NBSP = "\u00a0"
# Thursday 26 November 2026, 08:00 in Montréal (UTC−5).
THURSDAY_8 = "2026-11-26T08:00:00-05:00"


def test_regional_digest_per_municipality_and_theme(world, mk, cli, smtp_server):
    org_b = mk.org("ville-b", "Ville B", world.region)
    admin_b = mk.user(org_b, "admin", email="direction@ville-b.ca", name="Béatrice Direction")
    mk.user(
        world.org, "viewer", email="coordination@mrc-test.ca", name="Marc Régional", regional=world.region
    )
    outsider_region = mk.region("mrc-autre", "MRC Autre")
    outsider = mk.org("ville-c", "Ville C", outsider_region)
    mk.user(outsider, "admin", email="direction@ville-c.ca")

    world.task("Action terminée", date(2026, 11, 20), status="done", completed_at=datetime(2026, 11, 24, 15))
    world.task("Action en retard", date(2026, 11, 2))
    world.task("Action bloquée", date(2026, 12, 3), status="blocked", blocked_reason="Budget non voté")
    world.task("Action à venir", date(2026, 12, 4))
    target = Target(objective_id=world.objective.id, text="Joindre 65 % des aînés", unit="%", target_value=65)
    db.session.add(target)
    db.session.commit()
    add_measurement(
        db.session,
        actor=world.admin,
        target=target,
        value=20,
        measured_on="2026-11-01",
        now=datetime(2026, 11, 2),
    )
    add_measurement(
        db.session,
        actor=world.admin,
        target=target,
        value=40,
        measured_on="2026-11-23",
        now=datetime(2026, 11, 24),
    )
    plan_b, _theme, objective_b = small_plan(org_b, "Sécurité urbaine")
    from tasking.models import Task

    db.session.add(
        Task(
            created_at=app_now(),
            updated_at=app_now(),
            plan_id=plan_b.id,
            objective_id=objective_b.id,
            title="Action de Ville B",
            owner_id=admin_b.id,
        )
    )
    db.session.commit()

    for instant in ("2026-11-25T12:00:00-05:00", "2026-11-26T07:59:00-05:00"):
        assert cli("notify", "regional-digest", "--now", instant).output.strip() == "queued=0", instant
    assert cli("notify", "regional-digest", "--now", THURSDAY_8).output.strip() == "queued=3"
    assert cli("notify", "regional-digest", "--now", THURSDAY_8).output.strip() == "queued=0"
    assert cli("notify", "regional-digest", "--now", "2026-11-27T10:00:00-05:00").output.strip() == "queued=0"
    assert cli("outbox", "send").output.strip().startswith("sent=3 ")

    [mail] = smtp_server.by_recipient("coordination@mrc-test.ca")
    assert mail["Subject"] == "Résumé régional MRC de Test (2026-W48)"
    assert mail["List-Unsubscribe"]
    text = mail.get_body(("plain",)).get_content()
    assert "==== Ville A — 25" + NBSP + "% terminé ====" in text
    assert "==== Ville B — 0" + NBSP + "% terminé ====" in text
    assert "Enjeux sociaux — 25" + NBSP + "% terminé (1/4)" in text
    assert "Action en retard" in text and "Budget non voté" in text and "Action à venir" in text
    assert "Joindre 65 % des aînés — 20 → 40 %" in text
    assert "http://retablir.test/regions/mrc-test/dashboard" in text
    html = mail.get_body(("html",)).get_content()
    assert "Cibles qui ont bougé cette semaine" in html

    # A municipality's admin sees their own municipality only.
    [mail] = smtp_server.by_recipient("direction@ville-b.ca")
    text = mail.get_body(("plain",)).get_content()
    assert "Ville B" in text and "Ville A" not in text
    [mail] = smtp_server.by_recipient("coordination@ville-a.ca")
    text = mail.get_body(("plain",)).get_content()
    assert "Ville A" in text and "Ville B" not in text
    assert smtp_server.by_recipient("direction@ville-c.ca") == []


def test_regional_slot_before_the_region_existed_is_not_caught_up(world, mk, cli):
    mk.user(
        world.org, "viewer", email="coordination@mrc-test.ca", name="Marc Régional", regional=world.region
    )
    world.task("Action en retard", date(2026, 11, 2))
    # The region was set up on Thursday at 09:00, after that day's 08:00 slot.
    world.region.created_at = datetime(2026, 11, 26, 14, 0)
    db.session.commit()
    assert cli("notify", "regional-digest", "--now", "2026-11-26T10:00:00-05:00").output.strip() == "queued=0"
    # A week later the slot is its first one: it goes out, and is caught up
    # later that day when the scheduler was down at 08:00.
    assert cli("notify", "regional-digest", "--now", "2026-12-03T11:00:00-05:00").output.strip() == "queued=2"
