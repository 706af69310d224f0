"""The admin's outbox page: the organisation's messages, one message, retry."""

from __future__ import annotations

import re

from sqlalchemy import select

from tasking.extensions import db
from tasking.models import OutboxMessage
from tasking.models.outbox import OutboxStatus
from tasking.notifications import services
from tasking.outbox.admin import without_personal_links
from tests.conftest import app_now

from .conftest import NOW


def queued(world, user):
    services.notify(db.session, user=user, kind="assigned", task=world.task, actor=world.admin, now=NOW)
    db.session.commit()
    return db.session.scalars(select(OutboxMessage).where(OutboxMessage.recipient == user.email)).one()


def test_admin_sees_what_would_have_been_sent_without_a_mail_server(client, world):
    row = queued(world, world.owner)
    client.login(world.admin.email)
    response = client.get(f"/admin/orgs/{world.org.id}/outbox")
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "responsable@notif.qc.ca" in html
    assert "Céline Coordination vous a confié «\u00a0Ouvrir le centre d&#39;hébergement\u00a0»" in html
    assert row.subject.startswith("Rétablir")
    assert "Aucun serveur de courriel configuré\u00a0: ces messages auraient été envoyés." in html


def test_outbox_is_scoped_to_the_organisation(client, world, make):
    queued(world, world.owner)
    elsewhere = make.org("ailleurs", "Ailleurs")
    stranger = make.user(elsewhere, "admin", email="admin@ailleurs.qc.ca")
    from tasking.outbox.queue import queue

    queue(
        db.session,
        dedupe_key="x",
        kind="invitation",
        recipient="nouvelle@ailleurs.qc.ca",
        template="invitation",
        now=NOW,
        user=stranger,
        organisation_id=elsewhere.id,
        inviter=stranger,
        org_name="Ailleurs",
        link="http://retablir.test/x",
    )
    db.session.commit()
    client.login(world.admin.email)
    html = client.get(f"/admin/orgs/{world.org.id}/outbox").get_data(as_text=True)
    assert "responsable@notif.qc.ca" in html and "nouvelle@ailleurs.qc.ca" not in html
    other_row = db.session.scalar(select(OutboxMessage).where(OutboxMessage.dedupe_key == "x"))
    assert client.get(f"/admin/orgs/{world.org.id}/outbox/{other_row.id}").status_code == 404
    assert client.get(f"/admin/orgs/{elsewhere.id}/outbox").status_code == 404


def test_members_may_not_see_the_outbox(client, world):
    row = queued(world, world.helper)
    client.login(world.owner.email)
    assert client.get(f"/admin/orgs/{world.org.id}/outbox").status_code == 404
    assert client.get(f"/admin/orgs/{world.org.id}/outbox/{row.id}").status_code == 404
    assert client.post(f"/admin/orgs/{world.org.id}/outbox/{row.id}/retry").status_code == 404


def test_filter_by_status(client, world):
    sent = queued(world, world.owner)
    failed = queued(world, world.helper)
    sent.status, failed.status = OutboxStatus.SENT.value, OutboxStatus.FAILED.value
    db.session.commit()
    client.login(world.admin.email)
    response = client.get(f"/admin/orgs/{world.org.id}/outbox?status=failed")
    html = response.get_data(as_text=True)
    # A real HTTP status (gunicorn refused the filter's name given as one).
    assert response.status == "200 OK"
    assert '<option value="failed" selected>' in html
    assert f'id="outbox-{failed.id}"' in html and f'id="outbox-{sent.id}"' not in html
    fragment = client.get(
        f"/admin/orgs/{world.org.id}/outbox?status=sent", headers={"HX-Request": "true"}
    ).get_data(as_text=True)
    assert fragment.lstrip().startswith('<div id="outbox-table">')
    assert f'id="outbox-{sent.id}"' in fragment and f'id="outbox-{failed.id}"' not in fragment


def test_one_message_shows_text_and_sandboxed_html(client, world):
    row = queued(world, world.owner)
    client.login(world.admin.email)
    html = client.get(f"/admin/orgs/{world.org.id}/outbox/{row.id}").get_data(as_text=True)
    preview_url = f"/admin/orgs/{world.org.id}/outbox/{row.id}/preview"
    frame = re.search(r"<iframe [^>]*>", html).group(0)
    assert 'sandbox=""' in frame and f'src="{preview_url}"' in frame and 'title="Version HTML"' in frame
    assert '<pre class="outbox-text">' in html and "Bonjour Rémi Responsable," in html
    assert "List-Unsubscribe" in html and row.message_id.replace("<", "&lt;").replace(">", "&gt;") in html
    # The recipient's signed links (act on the task, unsubscribe) stay theirs.
    tokens = set(re.findall(r"/(?:m|unsubscribe)/([A-Za-z0-9._~-]{20,})", row.body_text + row.body_html))
    assert tokens and "/unsubscribe/" in row.body_text
    assert not any(token in html for token in tokens) and "/unsubscribe/…" in html

    preview = client.get(preview_url)
    assert preview.status_code == 200 and preview.mimetype == "text/html"
    assert not any(token in preview.get_data(as_text=True) for token in tokens)
    assert preview.get_data(as_text=True) == without_personal_links(row.body_html)
    csp = preview.headers["Content-Security-Policy"]
    assert csp.startswith("sandbox;") and "default-src 'none'" in csp and "frame-ancestors 'self'" in csp


def test_preview_is_for_the_organisations_admins_only(client, world):
    row = queued(world, world.owner)
    client.login(world.owner.email)
    assert client.get(f"/admin/orgs/{world.org.id}/outbox/{row.id}/preview").status_code == 404


def test_retry_puts_a_failed_message_back_in_line(client, world):
    row = queued(world, world.owner)
    row.status, row.attempts, row.last_error = OutboxStatus.FAILED.value, 6, "550 mailbox unavailable"
    db.session.commit()
    client.login(world.admin.email)
    page = client.get(f"/admin/orgs/{world.org.id}/outbox").get_data(as_text=True)
    assert "550 mailbox unavailable" in page
    response = client.post(f"/admin/orgs/{world.org.id}/outbox/{row.id}/retry")
    assert response.status_code == 303
    db.session.expire_all()
    row = db.session.get(OutboxMessage, row.id)
    assert row.status == "pending" and row.last_error == ""


def test_a_sent_message_is_not_retried(client, world):
    row = queued(world, world.owner)
    row.status = OutboxStatus.SENT.value
    db.session.commit()
    client.login(world.admin.email)
    assert client.post(f"/admin/orgs/{world.org.id}/outbox/{row.id}/retry").status_code == 400


def test_a_regional_digest_is_not_shown_to_one_municipalitys_admins(client, world):
    from tasking.outbox.queue import queue

    queue(
        db.session,
        dedupe_key="regional:x",
        kind="regional_digest",
        recipient=world.owner.email,
        template="invitation",  # any body will do: only the kind matters here
        now=NOW,
        user=world.owner,
        inviter=world.admin,
        org_name="MRC",
        link="http://retablir.test/x",
    )
    db.session.commit()
    row = db.session.scalar(select(OutboxMessage).where(OutboxMessage.dedupe_key == "regional:x"))
    client.login(world.admin.email)
    html = client.get(f"/admin/orgs/{world.org.id}/outbox").get_data(as_text=True)
    assert f'id="outbox-{row.id}"' not in html
    assert client.get(f"/admin/orgs/{world.org.id}/outbox/{row.id}").status_code == 404
    assert client.get(f"/admin/orgs/{world.org.id}/outbox/{row.id}/preview").status_code == 404


def test_kinds_are_shown_in_words(client, world):
    assigned = queued(world, world.owner)
    reset = queued(world, world.helper)
    reset.kind = "password_reset"
    db.session.commit()
    client.login(world.admin.email)
    html = client.get(f"/admin/orgs/{world.org.id}/outbox").get_data(as_text=True)
    assert "<td>Réinitialisation du mot de passe</td>" in html and "<td>Assignation</td>" in html
    assert "password_reset" not in html and "<td>assigned</td>" not in html
    one = client.get(f"/admin/orgs/{world.org.id}/outbox/{assigned.id}").get_data(as_text=True)
    assert "<dd>Assignation</dd>" in one


def test_every_kind_queued_has_a_label():
    from tasking.models.notify import KINDS
    from tasking.notifications.text import OUTBOX_KIND_LABELS

    others = {"reminders", "digest", "regional_digest", "password_reset", "invitation"}
    assert set(KINDS) | others == set(OUTBOX_KIND_LABELS)


def test_retry_is_offered_only_after_a_failed_attempt(client, world):
    fresh = queued(world, world.owner)
    tried = queued(world, world.helper)
    tried.attempts, tried.last_error = 1, "421 try again later"
    failed = queued(world, world.viewer)
    failed.status, failed.attempts = OutboxStatus.FAILED.value, 6
    db.session.commit()
    client.login(world.admin.email)
    html = client.get(f"/admin/orgs/{world.org.id}/outbox").get_data(as_text=True)

    def row_html(row):
        return html.split(f'id="outbox-{row.id}"')[1].split("</tr>")[0]

    assert "Réessayer" not in row_html(fresh)
    assert "Réessayer" in row_html(tried) and "Réessayer" in row_html(failed)
    one = f"/admin/orgs/{world.org.id}/outbox/"
    assert "Réessayer" not in client.get(f"{one}{fresh.id}").get_data(as_text=True)
    assert "Réessayer" in client.get(f"{one}{failed.id}").get_data(as_text=True)


def test_retry_goes_back_to_the_outbox_for_a_next_that_would_leave_the_site(client, world):
    row = queued(world, world.owner)
    row.status, row.attempts = OutboxStatus.FAILED.value, 6
    db.session.commit()
    client.login(world.admin.email)
    for target in ("/\t/evil.example", "/\\evil.example", "//evil.example", "https://evil.example/"):
        response = client.post(f"/admin/orgs/{world.org.id}/outbox/{row.id}/retry", data={"next": target})
        assert response.headers["Location"] == f"/admin/orgs/{world.org.id}/outbox", target


def test_a_message_of_someone_also_in_another_organisation_is_not_shown(client, world, make):
    from tasking.models import Membership

    row = queued(world, world.owner)
    row.organisation_id = None  # as a personal digest, which covers all their organisations
    elsewhere = make.org("ailleurs", "Ailleurs")
    db.session.add(
        Membership(created_at=app_now(), user_id=world.owner.id, organisation_id=elsewhere.id, role="member")
    )
    db.session.commit()
    client.login(world.admin.email)
    assert f'id="outbox-{row.id}"' not in client.get(f"/admin/orgs/{world.org.id}/outbox").get_data(
        as_text=True
    )
    assert client.get(f"/admin/orgs/{world.org.id}/outbox/{row.id}").status_code == 404


def test_outbox_times_are_in_the_organisations_time_zone(client, world):
    from tasking.models import Organisation

    row = queued(world, world.owner)  # created at NOW, 15:00 UTC
    db.session.get(Organisation, world.org.id).timezone = "America/Vancouver"
    db.session.commit()
    client.login(world.admin.email)
    listing = client.get(f"/admin/orgs/{world.org.id}/outbox").get_data(as_text=True)
    assert "25 nov. 2026, 07 h 00" in listing  # Vancouver, UTC−8
    one = client.get(f"/admin/orgs/{world.org.id}/outbox/{row.id}").get_data(as_text=True)
    assert "<dd>25 nov. 2026, 07 h 00</dd>" in one
