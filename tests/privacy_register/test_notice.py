"""The privacy notice: shown at first sign-in and again when its text
changes, acknowledged before anything else, public, linked from every page."""

from __future__ import annotations

import re

from sqlalchemy import select

from tasking.extensions import db
from tasking.models import Membership, PrivacyAcknowledgement, PrivacyNotice, SecurityEvent
from tasking.privacy_register import notice
from tests.conftest import app_now

HTMX = {"HX-Request": "true"}


def _publish(client, org_id: int, body: str, **officer: str):
    data = {"body": body, "officer_name": "", "officer_title": "", "officer_contact": ""}
    data.update(officer)
    return client.post(f"/admin/orgs/{org_id}/privacy", data=data)


def _acknowledge(client, next_url: str = ""):
    page = client.get("/privacy" + (f"?next={next_url}" if next_url else "")).get_data(as_text=True)
    seen = re.findall(r'name="seen" value="([^"]+)"', page)
    assert seen, "no notice to acknowledge"
    return client.post("/privacy/acknowledge", data={"seen": seen, "next": next_url})


def test_first_sign_in_shows_the_default_notice_and_nothing_else(client, make):
    org = make.org("ville-a", "Ville A")
    newcomer = make.user(org, "member", "nouvelle@ville-a.qc.ca", "Nouvelle Venue", acknowledged=False)
    client.fetch_csrf()
    signed = client.post("/login", data={"email": newcomer.email, "password": "Correct-Horse-42"})
    assert signed.status_code == 303 and signed.headers["Location"] == "/me/tasks"
    # Every page leads to the notice first, and back there afterwards.
    for path in ("/me/tasks", "/plans", "/account", "/notifications"):
        gated = client.get(path)
        assert gated.status_code == 302, path
        assert gated.headers["Location"] == f"/privacy?next={path}", path
    page = client.get("/privacy?next=/me/tasks").get_data(as_text=True)
    assert "Ville A utilise Rétablir" in page
    assert "la personne ayant la plus haute autorité" in page
    assert "J’ai pris connaissance de cet avis" in page or "J'ai pris connaissance de cet avis" in page
    client.fetch_csrf("/privacy")
    done = client.post("/privacy/acknowledge", data={"seen": [f"{org.id}:0"], "next": "/me/tasks"})
    assert done.status_code == 303 and done.headers["Location"] == "/me/tasks"
    assert client.get("/me/tasks").status_code == 200
    row = db.session.scalar(
        select(PrivacyAcknowledgement).where(PrivacyAcknowledgement.user_id == newcomer.id)
    )
    assert (row.organisation_id, row.version, row.acknowledged_at) == (org.id, 0, app_now())


def test_an_htmx_request_is_sent_to_the_notice_whole(client, make):
    org = make.org()
    newcomer = make.user(org, "member", acknowledged=False)
    client.fetch_csrf()
    client.post("/login", data={"email": newcomer.email, "password": "Correct-Horse-42"})
    answer = client.get("/notifications", headers=HTMX)
    assert answer.status_code == 401
    assert answer.headers["HX-Redirect"] == "/privacy?next=/notifications"
    # Writes are refused too, and change nothing.
    posted = client.post("/notifications/read-all", headers=HTMX)
    assert posted.status_code == 401 and posted.headers["HX-Redirect"] == "/privacy"
    # What is not a page stays open: the bell's polling, health, the language, signing out.
    assert client.get("/notifications/bell", headers=HTMX).status_code == 200
    assert client.get("/readyz").status_code == 200
    assert client.post("/logout").status_code == 303


def test_a_new_version_is_shown_again_and_its_publisher_has_read_it(client, make_client, make, clock):
    org = make.org("ville-a", "Ville A")
    admin = make.user(org, "admin", "admin@ville-a.qc.ca")
    member = make.user(org, "member", "membre@ville-a.qc.ca")
    reader = make_client()
    reader.login(member.email)
    assert reader.get("/me/tasks").status_code == 200
    client.login(admin.email)
    saved = _publish(
        client,
        org.id,
        "La Ville A protège vos **renseignements**.",
        officer_name="Josée Lamarre",
        officer_title="Greffière",
        officer_contact="acces@ville-a.qc.ca",
    )
    assert saved.status_code == 303
    assert client.get("/me/tasks").status_code == 200  # the publisher is not stopped
    # The member's session trusts its last check for an hour, then shows version 1.
    assert reader.get("/me/tasks").status_code == 200
    clock.advance(minutes=61)
    gated = reader.get("/me/tasks")
    assert gated.status_code == 302 and gated.headers["Location"].startswith("/privacy")
    page = reader.get("/privacy").get_data(as_text=True)
    assert "protège vos <strong>renseignements</strong>" in page
    assert "Josée Lamarre" in page and "Greffière" in page and "acces@ville-a.qc.ca" in page
    assert "Version 1" in page
    assert _acknowledge(reader, "/me/tasks").headers["Location"] == "/me/tasks"
    assert reader.get("/me/tasks").status_code == 200
    versions = db.session.scalars(
        select(PrivacyAcknowledgement.version)
        .where(PrivacyAcknowledgement.user_id == member.id)
        .order_by(PrivacyAcknowledgement.version)
    ).all()
    assert versions == [0, 1]
    # The same text again is no new version; the officer alone asks nobody again.
    assert (
        _publish(
            client, org.id, "La Ville A protège vos **renseignements**.", officer_name="Autre"
        ).status_code
        == 303
    )
    assert db.session.scalar(select(PrivacyNotice.version).order_by(PrivacyNotice.version.desc())) == 1
    settings = client.get(f"/admin/orgs/{org.id}/privacy").get_data(as_text=True)
    assert "Autre" in settings and "Version 1" in settings
    published = db.session.scalars(
        select(SecurityEvent).where(SecurityEvent.kind == "privacy_notice_published")
    ).all()
    assert [(event.actor_user_id, event.detail) for event in published] == [(admin.id, {"version": 1})]


def test_a_version_published_while_reading_is_not_acknowledged_blindly(client, make_client, make):
    org = make.org()
    admin = make.user(org, "admin")
    newcomer = make.user(org, "member", acknowledged=False)
    client.login(admin.email)
    other = make_client()
    other.fetch_csrf()
    other.post("/login", data={"email": newcomer.email, "password": "Correct-Horse-42"})
    other.fetch_csrf("/privacy")
    _publish(client, org.id, "Nouveau texte.")
    answer = other.post("/privacy/acknowledge", data={"seen": [f"{org.id}:0"]})
    assert answer.status_code == 303 and answer.headers["Location"].startswith("/privacy")
    assert other.get("/privacy").get_data(as_text=True).count("Nouveau texte.") == 1
    assert notice.pending(db.session, newcomer) == {org.id: 1}


def test_a_person_in_two_organisations_reads_both_notices_once(client, make):
    first, second = make.org("ville-a", "Ville A"), make.org("ville-b", "Ville B")
    person = make.user(first, "member", acknowledged=False)
    db.session.add(
        Membership(user_id=person.id, organisation_id=second.id, role="viewer", created_at=app_now())
    )
    db.session.commit()
    client.fetch_csrf()
    client.post("/login", data={"email": person.email, "password": "Correct-Horse-42"})
    page = client.get("/privacy").get_data(as_text=True)
    assert "Ville A utilise" in page and "Ville B utilise" in page
    assert len(re.findall(r'name="seen"', page)) == 2
    _acknowledge(client)
    assert client.get("/me/tasks").status_code == 200
    assert notice.pending(db.session, person) == {}


def test_the_notice_is_public_and_linked_from_every_page(client, make):
    org = make.org("ville-a", "Ville A")
    admin = make.user(org, "admin")
    # Signed out: the login page links the general notice, each organisation's is public.
    login = client.get("/login").get_data(as_text=True)
    assert 'href="/privacy"' in login
    general = client.get("/privacy")
    assert general.status_code == 200 and "publie son propre avis" in general.get_data(as_text=True)
    public = client.get("/orgs/ville-a/privacy")
    assert public.status_code == 200 and "Ville A utilise Rétablir" in public.get_data(as_text=True)
    assert client.get("/orgs/nulle-part/privacy").status_code == 404
    client.login(admin.email)
    for path in ("/me/tasks", "/account", f"/admin/orgs/{org.id}/members", f"/admin/orgs/{org.id}/incidents"):
        html = client.get(path).get_data(as_text=True)
        assert '<footer class="site-footer">' in html and 'href="/privacy"' in html, path


def test_the_notice_text_is_sanitised_and_required(client, make):
    org = make.org("ville-a", "Ville A")
    admin = make.user(org, "admin")
    client.login(admin.email)
    refused = _publish(client, org.id, "   ")
    assert refused.status_code == 422 and "Rédigez le texte de l’avis" in refused.get_data(as_text=True)
    _publish(client, org.id, "<script>alert(1)</script> [lien](javascript:alert(1))", officer_name="<b>X</b>")
    html = client.get("/orgs/ville-a/privacy").get_data(as_text=True)
    assert "<script>alert(1)" not in html and 'href="javascript' not in html and "<b>X</b>" not in html
    assert "&lt;script&gt;alert(1)" in html and "&lt;b&gt;X&lt;/b&gt;" in html


def test_the_settings_list_who_has_read_the_current_version(client, make):
    org = make.org("ville-a", "Ville A")
    admin = make.user(org, "admin", name="Alice Admin")
    make.user(org, "member", name="Bruno Lecteur")
    make.user(org, "member", name="Chloé Nouvelle", acknowledged=False)
    client.login(admin.email)
    html = client.get(f"/admin/orgs/{org.id}/privacy").get_data(as_text=True)
    rows = re.findall(r"<tr><td>([^<]+)</td><td>(.*?)</td></tr>", html)
    assert [name for name, _when in rows] == ["Alice Admin", "Bruno Lecteur", "Chloé Nouvelle"]
    assert "Pas encore" in rows[2][1] and "Pas encore" not in rows[1][1]
