"""Task events become notifications for the right people, never the actor,
and e-mails follow each person's preferences."""

from __future__ import annotations

from sqlalchemy import select

from tasking.extensions import db
from tasking.models import Notification, OutboxMessage
from tasking.notifications import preferences, services
from tasking.tasks import comments, editing

from .conftest import NOW


def notes(user=None, kind=None):
    query = select(Notification).order_by(Notification.id)
    if user is not None:
        query = query.where(Notification.user_id == user.id)
    if kind is not None:
        query = query.where(Notification.kind == kind)
    return db.session.scalars(query).all()


def outbox_to(user):
    return db.session.scalars(select(OutboxMessage).where(OutboxMessage.recipient == user.email)).all()


def test_new_owner_is_told_and_mailed_at_once(world):
    editing.update_task(
        db.session,
        actor=world.admin,
        task=world.third,
        changes={"owner_id": world.owner.id},
        version=None,
        now=NOW,
    )
    db.session.commit()
    [note] = notes(world.owner)
    assert (note.kind, note.detail, note.task_id, note.actor_id) == (
        "assigned",
        "owner",
        world.third.id,
        world.admin.id,
    )
    assert notes(world.admin) == []
    [mail] = outbox_to(world.owner)
    assert mail.kind == "assigned"
    assert (
        mail.subject
        == "Rétablir\u00a0: Céline Coordination vous a confié «\u00a0Informer la population\u00a0»"
    )
    assert f"http://retablir.test/tasks/{world.third.id}" in mail.body_text


def test_new_collaborators_are_told_not_the_old_ones(world, make):
    newcomer = make.user(world.org, "member", email="nouveau@notif.qc.ca", name="Nadia Nouvelle")
    editing.set_collaborators(
        db.session,
        actor=world.owner,
        task=world.task,
        user_ids=[world.helper.id, newcomer.id],
        version=None,
        now=NOW,
    )
    db.session.commit()
    [note] = notes(newcomer)
    assert (note.kind, note.detail) == ("assigned", "collaborator")
    assert notes(world.helper) == []
    assert notes(world.owner) == []  # the actor


def test_status_change_tells_owner_and_collaborators_but_not_the_actor(world):
    editing.update_task(
        db.session,
        actor=world.helper,
        task=world.task,
        changes={"status": "in_progress"},
        version=None,
        now=NOW,
    )
    db.session.commit()
    [note] = notes(world.owner)
    assert (note.kind, note.detail, note.actor_id) == ("status", "in_progress", world.helper.id)
    assert notes(world.helper) == []
    # Status changes go to the weekly digest by default: no e-mail now.
    assert outbox_to(world.owner) == []


def test_comment_and_mention(world, make):
    other = make.user(world.org, "member", email="mentionnee@notif.qc.ca", name="Manon Mentionnée")
    comments.add_comment(
        db.session,
        actor=world.owner,
        task=world.task,
        body="@aide et @mentionnee : pouvez-vous confirmer ?",
        now=NOW,
    )
    db.session.commit()
    assert [n.kind for n in notes(world.helper)] == ["mention"]  # mentioned: only the mention
    assert [n.kind for n in notes(other)] == ["mention"]
    assert notes(world.owner) == []
    assert "pouvez-vous confirmer" in notes(other)[0].detail
    # Mentions are e-mailed at once by default.
    assert len(outbox_to(other)) == 1 and len(outbox_to(world.helper)) == 1


def test_comment_without_mention_goes_to_followers(world):
    comments.add_comment(db.session, actor=world.helper, task=world.task, body="C'est en cours.", now=NOW)
    db.session.commit()
    assert [n.kind for n in notes(world.owner)] == ["comment"]
    assert notes(world.helper) == []


def test_preferences_decide_the_email(world):
    preferences.set_channel(db.session, user=world.owner, kind="assigned", channel="digest", now=NOW)
    preferences.set_channel(db.session, user=world.owner, kind="status", channel="immediate", now=NOW)
    db.session.commit()
    editing.update_task(
        db.session,
        actor=world.admin,
        task=world.third,
        changes={"owner_id": world.owner.id},
        version=None,
        now=NOW,
    )
    assert outbox_to(world.owner) == []  # digest: no mail now, but the bell has it
    assert len(notes(world.owner, "assigned")) == 1
    editing.update_task(
        db.session,
        actor=world.admin,
        task=world.third,
        changes={"status": "blocked", "blocked_reason": "Budget"},
        version=None,
        now=NOW,
    )
    db.session.commit()
    assert [m.kind for m in outbox_to(world.owner)] == ["status"]

    preferences.set_channel(db.session, user=world.owner, kind="status", channel="never", now=NOW)
    editing.update_task(
        db.session, actor=world.admin, task=world.third, changes={"status": "todo"}, version=None, now=NOW
    )
    db.session.commit()
    assert len(outbox_to(world.owner)) == 1
    assert len(notes(world.owner, "status")) == 2


def test_channels_for_reads_many_users_in_one_query(world, count_queries):
    preferences.set_channel(db.session, user=world.helper, kind="due_soon", channel="never", now=NOW)
    db.session.commit()
    ids = [world.owner.id, world.helper.id, world.admin.id]
    with count_queries() as counter:
        channels = preferences.channels_for(db.session, ids, "due_soon")
    assert counter.count == 1
    assert channels == {world.owner.id: "immediate", world.helper.id: "never", world.admin.id: "immediate"}
    assert preferences.email_channel(db.session, world.owner, "comment") == "digest"
    assert preferences.email_channel(db.session, world.owner, "collab_reminders") == "immediate"


def test_notify_with_a_dedupe_key_writes_once(world):
    first = services.notify(
        db.session,
        user=world.owner,
        kind="due_soon",
        task=world.task,
        actor=None,
        now=NOW,
        dedupe_key="reminder:1:due_soon:2026-12-03",
        detail="2026-12-10",
    )
    again = services.notify(
        db.session,
        user=world.owner,
        kind="due_soon",
        task=world.task,
        actor=None,
        now=NOW,
        dedupe_key="reminder:1:due_soon:2026-12-03",
        detail="2026-12-10",
    )
    db.session.commit()
    assert first is not None and again is None
    [mail] = outbox_to(world.owner)
    assert mail.dedupe_key == "notification:reminder:1:due_soon:2026-12-03"
    assert "10 déc. 2026" in mail.subject


def test_a_rolled_back_change_leaves_no_notification(world):
    editing.update_task(
        db.session,
        actor=world.admin,
        task=world.third,
        changes={"owner_id": world.owner.id},
        version=None,
        now=NOW,
    )
    db.session.rollback()
    assert notes() == [] and db.session.scalars(select(OutboxMessage)).all() == []


def test_inactive_users_and_actors_get_nothing(world):
    world.helper.active = False
    db.session.commit()
    assert (
        services.notify(db.session, user=world.helper, kind="status", task=world.task, actor=None, now=NOW)
        is None
    )
    assert (
        services.notify(
            db.session, user=world.owner, kind="status", task=world.task, actor=world.owner, now=NOW
        )
        is None
    )
    assert notes() == []


def test_followers_and_their_channels_are_read_in_one_statement_without_savepoints(world, count_queries):
    with count_queries() as counter:
        editing.update_task(
            db.session, actor=world.admin, task=world.task, changes={"status": "done"}, version=None, now=NOW
        )
        db.session.flush()
    assert [n.user_id for n in notes(kind="status")] == [world.owner.id, world.helper.id]
    # (The other reads refresh what the fixture's commit expired.)
    [people] = [s for s in counter.statements if "notification_preference" in s]
    assert "FROM user_account" in people and "task_collaborator" in people
    assert not any("SAVEPOINT" in s for s in counter.statements)
    # One INSERT for both where the database batches them (PostgreSQL), one each on SQLite.
    assert 1 <= sum(s.startswith("INSERT INTO notification") for s in counter.statements) <= 2


def test_a_dedupe_key_already_used_costs_one_statement(world, count_queries):
    kept = {"user": world.owner, "kind": "due_soon", "task": world.task, "actor": None, "now": NOW}
    assert services.notify(db.session, **kept, dedupe_key="reminder:2", detail="2026-12-10") is not None
    with count_queries() as counter:
        assert services.notify(db.session, **kept, dedupe_key="reminder:2", detail="2026-12-10") is None
    assert counter.count == 1
    db.session.commit()
    assert len(notes(world.owner)) == 1 and len(outbox_to(world.owner)) == 1


def test_followers_read_with_the_task_are_told_of_a_new_status(world, count_queries):
    """A move reads the owner and collaborators with the task, before it
    writes: the event tells them without asking again."""
    followers = preferences.followers_with_channels(db.session, world.task.id, "status")
    with count_queries() as counter:
        editing.update_task(
            db.session,
            actor=world.admin,
            task=world.task,
            changes={"status": "done"},
            version=None,
            now=NOW,
            followers=followers,
        )
        db.session.flush()
    assert [user.id for user, _channel in followers] == [world.owner.id, world.helper.id]
    assert [n.user_id for n in notes(kind="status")] == [world.owner.id, world.helper.id]
    assert not [s for s in counter.statements if "notification_preference" in s]


def test_followers_read_before_a_new_owner_are_read_again(world, make):
    """Read before the change, the followers still name the old owner: the
    new one is told they were assigned, and the old one nothing."""
    newcomer = make.user(world.org, "member", email="nouveau@notif.qc.ca", name="Nadia Nouvelle")
    followers = preferences.followers_with_channels(db.session, world.task.id, "status")
    editing.update_task(
        db.session,
        actor=world.admin,
        task=world.task,
        changes={"owner_id": newcomer.id, "status": "done"},
        version=None,
        now=NOW,
        followers=followers,
    )
    db.session.commit()
    assert [(n.user_id, n.kind) for n in notes()] == [
        (newcomer.id, "assigned"),
        (world.helper.id, "status"),
    ]
