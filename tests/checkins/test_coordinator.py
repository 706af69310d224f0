"""The coordinator's page: who answered, rates by theme, the round's
changes, « Relancer » once per person, « Clore la tournée »; the settings."""

from __future__ import annotations

import re

from tasking.extensions import db
from tasking.models import CheckinMessage, Organisation

from .conftest import at, link_of, open_round


def _csrf(response) -> str:
    return re.search(r'name="csrf_token" value="([^"]+)"', response.get_data(as_text=True)).group(1)


def test_coordinator_sees_counts_changes_nudges_and_closes(
    world, actions, cli, clock, smtp_server, web, mail_app
):
    open_round(cli, clock)
    cli("outbox", "send")
    clock.set(at("2026-11-24T10:00:00-05:00"))
    [mail] = smtp_server.by_recipient("responsable@ville-a.ca")
    link = link_of(mail)
    page = web.get(link)
    late, later = actions["late"], actions["later"]
    data = {
        "csrf_token": _csrf(page),
        "task": [late.id, later.id],
        f"version-{late.id}": late.version,
        f"version-{later.id}": later.version,
        f"health-{late.id}": "blocked",
        f"note-{late.id}": "Attente du CIUSSS",
        f"health-{later.id}": "at_risk",
        f"note-{later.id}": "Fournisseur lent",
        f"due-{later.id}": "2027-01-15",
        f"reason-{later.id}": "Budget reporté",
    }
    assert web.post(link, data=data).status_code == 303

    coordinator = mail_app.test_client()
    coordinator.login("coordination@ville-a.ca")
    url = f"/admin/orgs/{world.org.id}/checkins"
    html = coordinator.get(url).get_data(as_text=True)
    assert "1 personnes sur 2 ont répondu (50" in html
    waiting = html[html.index('id="checkin-waiting"') : html.index('id="checkin-answered"')]
    assert "Alice Aide" in waiting and "Rémi Responsable" not in waiting
    themes = html[html.index('id="checkin-themes"') :]
    assert "Enjeux sociaux" in themes and "2 / 3" in themes and "67" in themes
    changes = html[html.index('id="checkin-changes"') :]
    assert "Nouveaux blocages (1)" in changes and "Attente du CIUSSS" in changes
    assert "État aggravé (1)" in changes and "Fournisseur lent" in changes
    assert "Échéances déplacées (1)" in changes and "Budget reporté" in changes

    nudge = f"{url}/{_round_id()}/nudge/{world.helper.id}"
    assert coordinator.post(nudge).status_code == 303
    html = coordinator.get(url).get_data(as_text=True)
    assert "Une relance a été envoyée par courriel à Alice Aide." in html and "Relance faite" in html
    coordinator.post(nudge)
    assert "Alice Aide a déjà reçu une relance" in coordinator.get(url).get_data(as_text=True)
    refused = coordinator.post(f"{url}/{_round_id()}/nudge/{world.owner.id}")
    assert refused.status_code == 303
    assert "Cette personne a déjà répondu." in coordinator.get(url).get_data(as_text=True)
    cli("outbox", "send")
    nudges = [m for m in smtp_server.messages if m["Subject"].startswith("Relance")]
    assert [m["To"] for m in nudges] == ["aide@ville-a.ca"]
    assert db.session.query(CheckinMessage).filter_by(kind="nudge").count() == 1

    assert coordinator.post(f"{url}/{_round_id()}/close").status_code == 303
    assert "La tournée est close." in coordinator.get(url).get_data(as_text=True)
    assert web.get(link).status_code == 400  # the links stop with the round


def test_the_page_is_for_the_organisations_admins_only(world, actions, cli, clock, mail_app):
    open_round(cli, clock)
    member = mail_app.test_client()
    member.login("responsable@ville-a.ca")
    url = f"/admin/orgs/{world.org.id}/checkins"
    assert member.get(url).status_code == 404
    assert member.post(f"{url}/{_round_id()}/close").status_code == 404


def test_checkin_settings_are_saved_and_checked(world, mail_app):
    admin = mail_app.test_client()
    admin.login("coordination@ville-a.ca")
    url = f"/admin/orgs/{world.org.id}/settings"
    page = admin.get(url)
    assert "Mise à jour hebdomadaire" in page.get_data(as_text=True)
    form = {
        "csrf_token": _csrf(page),
        "timezone": "America/Montreal",
        "reminder_days": "7, 1",
        "escalation_days": "7",
        "digest_weekday": "0",
        "digest_time": "07:00",
        "checkin_enabled": "1",
        "checkin_days_before": "3",
        "checkin_close_time": "16:30",
        "checkin_grace_hours": "12",
    }
    assert admin.post(url, data=form).status_code == 303
    org = db.session.get(Organisation, world.org.id)
    db.session.refresh(org)
    assert (org.checkin_days_before, org.checkin_close_time, org.checkin_grace_hours) == (3, "16:30", 12)
    response = admin.post(url, data={**form, "checkin_days_before": "9", "checkin_close_time": "3h"})
    assert response.status_code == 422
    assert "de 1 à 5" in response.get_data(as_text=True)
    db.session.refresh(org)
    assert org.checkin_days_before == 3


def _round_id() -> int:
    from tasking.models import CheckinRound

    return db.session.query(CheckinRound.id).scalar()


def test_without_a_mail_server_the_follow_up_is_said_to_wait_in_the_outbox(
    world, actions, cli, clock, mail_app
):
    open_round(cli, clock)
    mail_app.config["MAIL_SERVER"] = None
    coordinator = mail_app.test_client()
    coordinator.login("coordination@ville-a.ca")
    url = f"/admin/orgs/{world.org.id}/checkins"
    coordinator.post(f"{url}/{_round_id()}/nudge/{world.helper.id}")
    flashes = coordinator.get(url).get_data(as_text=True)
    flashes = flashes[flashes.index('id="flashes"') : flashes.index("</div>", flashes.index('id="flashes"'))]
    assert "envoyée" not in flashes
    assert (
        "La relance à Alice Aide attend dans la file d’envoi\u00a0: "
        "aucun serveur de courriel n’est configuré." in flashes
    )
    assert f'<a href="/admin/orgs/{world.org.id}/outbox">Ouvrir la file d’envoi</a>' in flashes
