"""Notification e-mails through a real SMTP server (aiosmtpd on loopback):
recipients, subjects, multipart bodies in French and English, headers."""

from __future__ import annotations

from sqlalchemy import select

from tasking.extensions import db
from tasking.models import OutboxMessage
from tasking.notifications.services import notify
from tasking.outbox.sender import deliver
from tasking.tasks import comments, editing

from .conftest import NOW


def parts(message):
    text = message.get_body(preferencelist=("plain",)).get_content()
    html = message.get_body(preferencelist=("html",)).get_content()
    return text, html


def test_notification_mails_arrive_multipart_in_each_language(mail_world, smtp_server):
    world = mail_world
    # Rémi (French) becomes responsible, Alice (English) is mentioned.
    editing.update_task(
        db.session,
        actor=world.admin,
        task=world.third,
        changes={"owner_id": world.owner.id},
        version=None,
        now=NOW,
    )
    comments.add_comment(
        db.session, actor=world.admin, task=world.third, body="@aide peux-tu aider ?", now=NOW
    )
    db.session.commit()
    rows = {r.recipient: r for r in db.session.scalars(select(OutboxMessage))}
    assert set(rows) == {world.owner.email, world.helper.email}

    report = deliver(db.session, now=NOW, worker="test")
    assert (report.sent, report.failed, report.waiting) == (2, 0, 0)

    [fr] = smtp_server.by_recipient(world.owner.email)
    assert (
        fr["Subject"]
        == "Rétablir\u00a0: Céline Coordination vous a confié «\u00a0Informer la population\u00a0»"
    )
    assert fr["Message-ID"] == rows[world.owner.email].message_id
    assert fr["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    # A long header may be folded onto the next line: compare without the folding space.
    unsubscribe = dict(rows[world.owner.email].header_pairs())["List-Unsubscribe"]
    assert unsubscribe.startswith("<http://retablir.test/unsubscribe/")
    assert fr["List-Unsubscribe"].strip() == unsubscribe
    assert "no-reply@retablir.test" in fr["From"]
    text, html = parts(fr)
    assert "Bonjour Rémi Responsable," in text
    assert (
        f"http://retablir.test/tasks/{world.third.id}" in text
        and f"http://retablir.test/tasks/{world.third.id}" in html
    )
    assert "Marquer comme terminée" in text and "http://retablir.test/m/" in text
    assert "Reporter l’échéance" in html
    assert "http://retablir.test/me/notifications" in html

    [en] = smtp_server.by_recipient(world.helper.email)
    assert (
        en["Subject"]
        == "Rétablir: Céline Coordination mentioned you in a comment on “Informer la population”"
    )
    assert en["Message-ID"] == rows[world.helper.email].message_id
    assert en["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    text, html = parts(en)
    assert "Hello Alice Aide," in text and "> @aide peux-tu aider ?" in text
    assert "Stop this kind of e-mail" in html
    # Alice is not on that task: no action links for her.
    assert "/m/" not in text

    # Delivered once: a second run sends nothing.
    assert deliver(db.session, now=NOW, worker="test").sent == 0
    assert len(smtp_server.messages) == 2


def test_retry_from_the_outbox_page_sends_at_once(mail_app, mail_world, smtp_server):
    world = mail_world
    editing.update_task(
        db.session,
        actor=world.admin,
        task=world.third,
        changes={"owner_id": world.owner.id},
        version=None,
        now=NOW,
    )
    db.session.commit()
    row = db.session.scalars(select(OutboxMessage)).one()
    row.status, row.attempts, row.last_error = "failed", 6, "451 try later"
    db.session.commit()

    client = mail_app.test_client()
    client.login(world.admin.email)
    response = client.post(f"/admin/orgs/{world.org.id}/outbox/{row.id}/retry")
    assert response.status_code == 303
    assert "Le message a été envoyé." in client.get(response.headers["Location"]).get_data(as_text=True)
    db.session.expire_all()
    row = db.session.get(OutboxMessage, row.id)
    assert row.status == "sent" and row.attempts == 7
    [message] = smtp_server.by_recipient(world.owner.email)
    assert message["Message-ID"] == row.message_id


def test_a_refused_recipient_fails_alone_and_the_rest_go_out(mail_world, smtp_server):
    """A 5xx refusal is final at once, a 4xx waits and is tried again later;
    neither holds back the messages queued after it."""
    from datetime import timedelta

    world = mail_world
    smtp_server.refuse = {
        world.owner.email: "550 5.1.1 No such user",
        world.helper.email: "451 4.7.1 Try again later",
    }
    # Rémi, then Alice, then Céline get one message each, in that order.
    for person in (world.owner, world.helper, world.admin):
        notify(db.session, user=person, kind="mention", task=world.third, actor=world.viewer, now=NOW)
    db.session.commit()
    assert db.session.query(OutboxMessage).count() == 3
    report = deliver(db.session, now=NOW, worker="test")
    assert (report.sent, report.failed, report.waiting) == (1, 1, 1)
    rows = {r.recipient: r for r in db.session.scalars(select(OutboxMessage))}
    assert rows[world.admin.email].status == "sent"
    assert [m["To"] for m in smtp_server.messages] == [world.admin.email]
    refused = rows[world.owner.email]
    assert (refused.status, refused.attempts) == ("failed", 1)
    assert refused.last_error == "550 5.1.1 No such user"
    later = rows[world.helper.email]
    assert (later.status, later.attempts) == ("pending", 1) and "451" in later.last_error
    assert later.next_attempt_at > NOW

    # The mailbox is back: the waiting one goes at its next attempt.
    smtp_server.refuse = {}
    report = deliver(db.session, now=NOW + timedelta(hours=2), worker="test")
    assert (report.sent, report.failed, report.waiting) == (1, 0, 0)
    assert sorted(m["To"] for m in smtp_server.messages) == sorted([world.admin.email, world.helper.email])


def test_retrying_a_refused_message_says_it_was_refused_again(mail_app, mail_world, smtp_server):
    world = mail_world
    smtp_server.refuse = {world.owner.email: "550 5.1.1 No such user"}
    notify(db.session, user=world.owner, kind="mention", task=world.third, actor=world.viewer, now=NOW)
    db.session.commit()
    deliver(db.session, now=NOW, worker="test")
    row = db.session.scalars(select(OutboxMessage)).one()
    client = mail_app.test_client()
    client.login(world.admin.email)
    response = client.post(f"/admin/orgs/{world.org.id}/outbox/{row.id}/retry", follow_redirects=True)
    html = response.get_data(as_text=True)
    assert "Le serveur de courriel l’a refusé de nouveau\u00a0: 550 5.1.1 No such user" in html
    assert "remis dans la file" not in html
