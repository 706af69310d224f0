"""Reminders through the CLI at chosen instants, delivered to a real SMTP server."""

from __future__ import annotations

from datetime import date, datetime

from flask_babel import force_locale

from tasking.extensions import db
from tasking.models import Activity, ReminderLog, Task
from tasking.tasks.history import describe_reminder

from .conftest import outbox_rows

# 2026-11-23 is a Monday; Montréal is at UTC−5 in November.
MONDAY_9 = "2026-11-23T09:00:00-05:00"


def test_due_soon_reminder_reaches_owner_and_collaborator_once(world, cli, smtp_server):
    task = world.task(
        "Ouvrir le centre de services aux sinistrés", date(2026, 11, 30), collaborators=[world.helper]
    )

    result = cli("notify", "reminders", "--now", MONDAY_9)
    assert result.exit_code == 0, result.output
    assert result.output.strip() == "queued=2 emails=2"
    assert cli("outbox", "send").output.strip() == "sent=2 failed=0 waiting=0"

    [mail] = smtp_server.by_recipient("responsable@ville-a.ca")
    assert mail["Subject"] == "Échéance dans 7 jours : Ouvrir le centre de services aux sinistrés"
    assert mail["List-Unsubscribe"].startswith("<http://retablir.test/")
    assert mail["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    assert mail["Message-ID"]
    text = mail.get_body(("plain",)).get_content()
    assert "Bonjour Rémi Responsable," in text
    assert f"http://retablir.test/tasks/{task.id}" in text
    assert "Marquer comme terminée" in text
    html = mail.get_body(("html",)).get_content()
    assert "Reporter" in html
    assert len(smtp_server.by_recipient("aide@ville-a.ca")) == 1
    assert smtp_server.by_recipient("coordination@ville-a.ca") == []

    history = db.session.query(Activity).filter_by(task_id=task.id, kind="reminder").all()
    assert sorted((a.field, a.new_value) for a in history) == [
        ("due:7", "Alice Aide"),
        ("due:7", "Rémi Responsable"),
    ]
    with force_locale("fr_CA"):
        assert sorted(describe_reminder(a) for a in history) == [
            "a rappelé à Alice Aide\u00a0: échéance dans 7\u00a0jours",
            "a rappelé à Rémi Responsable\u00a0: échéance dans 7\u00a0jours",
        ]

    # Again, and again later that week: nothing new.
    assert cli("notify", "reminders", "--now", MONDAY_9).output.strip() == "queued=0 emails=0"
    assert (
        cli("notify", "reminders", "--now", "2026-11-25T10:00:00-05:00").output.strip() == "queued=0 emails=0"
    )
    assert cli("outbox", "send").output.strip() == "sent=0 failed=0 waiting=0"
    assert len(smtp_server.messages) == 2


def test_reminder_waits_for_the_next_working_morning(world, cli, smtp_server):
    # Due on Monday 30 November: the "1 day" reminder falls on Sunday.
    world.task("Bilan des besoins", date(2026, 11, 30))
    cli("notify", "reminders", "--now", MONDAY_9)
    before = len(outbox_rows())
    for instant in ("2026-11-28T10:00:00-05:00", "2026-11-29T10:00:00-05:00", "2026-11-30T07:45:00-05:00"):
        assert cli("notify", "reminders", "--now", instant).output.strip() == "queued=0 emails=0", instant
    assert (
        cli("notify", "reminders", "--now", "2026-11-30T08:00:00-05:00").output.strip() == "queued=1 emails=1"
    )
    rows = outbox_rows()[before:]
    assert [r.subject for r in rows] == ["Échéance aujourd’hui : Bilan des besoins"]


def test_nothing_on_quebec_holidays(world, cli):
    # Wednesday 24 June 2026 (Fête nationale) and Wednesday 1 July 2026 (Canada Day).
    world.task("Fête de quartier", date(2026, 6, 25))
    world.task("Camp de jour", date(2026, 7, 2))
    assert (
        cli("notify", "reminders", "--now", "2026-06-24T10:00:00-04:00").output.strip() == "queued=0 emails=0"
    )
    # Two reminders for the same person: one e-mail listing both.
    assert (
        cli("notify", "reminders", "--now", "2026-06-25T08:00:00-04:00").output.strip() == "queued=2 emails=1"
    )
    [row] = outbox_rows()
    assert row.subject == "Ville A\u00a0: 2 actions à échéance cette semaine"
    assert "Fête de quartier" in row.body_text and "Camp de jour" in row.body_text
    party = db.session.query(Task).filter_by(title="Fête de quartier").one()
    party.status = "done"
    assert (
        cli("notify", "reminders", "--now", "2026-07-01T10:00:00-04:00").output.strip() == "queued=0 emails=0"
    )
    assert (
        cli("notify", "reminders", "--now", "2026-07-02T08:00:00-04:00").output.strip() == "queued=1 emails=1"
    )
    assert outbox_rows()[-1].subject == "Échéance aujourd’hui\u00a0: Camp de jour"


def test_overdue_weekly_then_escalation_and_postponed_due_date(world, cli):
    task = world.task("Plan de communication", date(2026, 11, 20))  # a Friday
    # Monday 23: first overdue reminder (3 days late), to the owner only.
    assert cli("notify", "reminders", "--now", MONDAY_9).output.strip() == "queued=1 emails=1"
    assert outbox_rows()[-1].subject == "En retard de 3 jours : Plan de communication"
    # Friday 27 (7 days late): escalation to the coordinator.
    assert (
        cli("notify", "reminders", "--now", "2026-11-27T09:00:00-05:00").output.strip() == "queued=1 emails=1"
    )
    escalation = outbox_rows()[-1]
    assert escalation.recipient == "coordination@ville-a.ca"
    assert escalation.subject == (
        "Escalade\u00a0: action de Rémi Responsable en retard de 7 jours\u00a0: Plan de communication"
    )
    why = "L’action de Rémi Responsable devait être terminée le 20 nov. 2026, il y a 7 jours"
    assert why in escalation.body_text
    assert "Vous en êtes avisé·e comme coordonnateur·rice de la Ville A\u00a0:" in escalation.body_text
    # Monday 30 (10 days late): the second weekly overdue reminder.
    assert (
        cli("notify", "reminders", "--now", "2026-11-30T09:00:00-05:00").output.strip() == "queued=1 emails=1"
    )
    assert outbox_rows()[-1].subject == "En retard de 10 jours : Plan de communication"
    rules = sorted(r.rule for r in db.session.query(ReminderLog).filter_by(task_id=task.id))
    assert rules == ["escalation", "overdue:week0", "overdue:week1"]

    # Postponed to 1 December: a fresh "due in 1 day" reminder for the new date.
    task = db.session.get(type(task), task.id)
    task.due_date = date(2026, 12, 1)
    db.session.commit()
    assert (
        cli("notify", "reminders", "--now", "2026-11-30T10:00:00-05:00").output.strip() == "queued=1 emails=1"
    )
    assert outbox_rows()[-1].subject == "Échéance dans 1 jour : Plan de communication"


def test_collaborator_who_turned_reminders_off_gets_none(world, cli):
    from tasking.notifications.preferences import set_channel

    world.task("Inventaire", date(2026, 11, 30), collaborators=[world.helper])
    set_channel(
        db.session, user=world.helper, kind="collab_reminders", channel="never", now=world.org.created_at
    )
    db.session.commit()
    assert cli("notify", "reminders", "--now", MONDAY_9).output.strip() == "queued=1 emails=1"
    assert [r.recipient for r in outbox_rows()] == ["responsable@ville-a.ca"]


def test_bad_now_is_refused_with_one_line(world, cli):
    world.task("Inventaire", date(2026, 11, 30))
    for command in ("reminders", "digests", "regional-digest"):
        result = cli("notify", command, "--now", "lundi matin")
        assert result.exit_code == 1
        assert result.stderr.strip().count("\n") == 0
        assert "lundi matin" in result.stderr
    assert outbox_rows() == []


def test_nothing_at_night_nor_for_done_or_archived_tasks(world, cli):
    world.task("Terminée", date(2026, 11, 24), status="done")
    world.task("Archivée", date(2026, 11, 24), archived_at=datetime(2026, 11, 1))
    world.task("Ouverte", date(2026, 11, 24))
    for instant in ("2026-11-23T18:00:00-05:00", "2026-11-23T23:30:00-05:00", "2026-11-24T03:00:00-05:00"):
        assert cli("notify", "reminders", "--now", instant).output.strip() == "queued=0 emails=0", instant
    assert (
        cli("notify", "reminders", "--now", "2026-11-24T08:00:00-05:00").output.strip() == "queued=1 emails=1"
    )
    assert [r.subject for r in outbox_rows()] == ["Échéance aujourd’hui\u00a0: Ouverte"]


def test_reminder_in_english_for_an_english_reader(world, mk, cli):
    reader = mk.user(world.org, "member", email="reader@ville-a.ca", name="Rita Reader", locale="en_CA")
    world.task("Open the relief centre", date(2026, 11, 30), owner=reader)
    assert cli("notify", "reminders", "--now", MONDAY_9).output.strip() == "queued=1 emails=1"
    [row] = outbox_rows()
    assert row.subject == "Due in 7 days: Open the relief centre"
    assert "Mark as done" in row.body_text and "Hello Rita Reader," in row.body_text


def test_first_run_on_a_long_overdue_task_then_weekly(world, cli):
    """A task already 14 days overdue on the first run (a Thursday): one
    reminder that day, none the next days, the next one a week later."""
    task = world.task("Plan de communication", date(2026, 11, 12))  # Thursday 26 is 14 days later
    assert (
        cli("notify", "reminders", "--now", "2026-11-26T09:00:00-05:00").output.strip() == "queued=2 emails=2"
    )
    assert sorted(r.recipient for r in outbox_rows()) == ["coordination@ville-a.ca", "responsable@ville-a.ca"]
    for instant in ("2026-11-27T09:00:00-05:00", "2026-11-30T09:00:00-05:00", "2026-12-02T17:00:00-05:00"):
        assert cli("notify", "reminders", "--now", instant).output.strip() == "queued=0 emails=0", instant
    assert (
        cli("notify", "reminders", "--now", "2026-12-03T08:00:00-05:00").output.strip() == "queued=1 emails=1"
    )
    assert outbox_rows()[-1].subject == "En retard de 21 jours\u00a0: Plan de communication"
    sent = sorted(
        (r.rule, r.sent_at.date()) for r in db.session.query(ReminderLog).filter_by(task_id=task.id)
    )
    assert sent == [
        ("escalation", date(2026, 11, 26)),
        ("overdue:week1", date(2026, 11, 26)),
        ("overdue:week2", date(2026, 12, 3)),
    ]


def test_postponed_but_still_overdue_waits_a_week_for_the_next_reminders(world, cli):
    task = world.task("Plan de communication", date(2026, 11, 13))
    assert (
        cli("notify", "reminders", "--now", "2026-11-23T09:00:00-05:00").output.strip() == "queued=2 emails=2"
    )
    # Postponed to a date already past: a new due date, but the owner and the
    # coordinator were told about this task two days ago.
    task = db.session.get(Task, task.id)
    task.due_date = date(2026, 11, 16)
    db.session.commit()
    assert (
        cli("notify", "reminders", "--now", "2026-11-25T09:00:00-05:00").output.strip() == "queued=0 emails=0"
    )
    assert (
        cli("notify", "reminders", "--now", "2026-11-30T09:00:00-05:00").output.strip() == "queued=2 emails=2"
    )


def test_many_reminders_for_one_person_arrive_as_one_email(world, cli, smtp_server):
    soon = world.task("Ouvrir le centre de services", date(2026, 11, 30), collaborators=[world.helper])
    late = world.task("Bilan des dommages", date(2026, 11, 20))
    later = world.task("Plan de communication", date(2026, 11, 13))  # 10 days: escalated too
    assert cli("notify", "reminders", "--now", MONDAY_9).output.strip() == "queued=5 emails=3"
    assert cli("outbox", "send").output.strip() == "sent=3 failed=0 waiting=0"

    [mail] = smtp_server.by_recipient("responsable@ville-a.ca")
    assert mail["Subject"] == "Ville A\u00a0: 2 actions en retard, 1 à échéance cette semaine"
    assert mail["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    text = mail.get_body(("plain",)).get_content()
    assert "Voici 3 actions de la Ville A à regarder, les plus en retard d’abord." in text
    # The most late first, with how late, then what comes due.
    order = [text.index(t.title) for t in (later, late, soon)]
    assert order == sorted(order)
    assert "En retard de 10 jours (échéance le 13 nov. 2026)" in text
    assert "Échéance dans 7 jours (30 nov. 2026)" in text
    html = mail.get_body(("html",)).get_content()
    assert "Vos actions (3)" in html and "En retard de 3 jours (échéance le 20 nov. 2026)" in html
    # One link per action, to its page; no one-click buttons in a list.
    for task in (soon, late, later):
        assert text.count(f"http://retablir.test/tasks/{task.id}\n") == 1
        assert html.count(f'href="http://retablir.test/tasks/{task.id}"') == 1
    assert "/m/" not in text and "Marquer comme terminée" not in text

    # The helper's one reminder keeps its own message; the coordinator hears of the escalation.
    [mail] = smtp_server.by_recipient("aide@ville-a.ca")
    assert mail["Subject"] == "Échéance dans 7 jours\u00a0: Ouvrir le centre de services"
    [mail] = smtp_server.by_recipient("coordination@ville-a.ca")
    assert mail["Subject"].startswith("Escalade\u00a0: action de Rémi Responsable en retard de 10 jours")

    # Each reminder is still its own line of the task's history and its own row.
    history = db.session.query(Activity).filter_by(kind="reminder").all()
    assert sorted((a.task_id, a.field, a.new_value) for a in history) == sorted(
        [
            (soon.id, "due:7", "Rémi Responsable"),
            (soon.id, "due:7", "Alice Aide"),
            (late.id, "overdue:week0", "Rémi Responsable"),
            (later.id, "overdue:week1", "Rémi Responsable"),
            (later.id, "escalation", "Claire Coordination"),
        ]
    )
    [row] = [r for r in outbox_rows() if r.recipient == "responsable@ville-a.ca"]
    assert row.kind == "reminders"
    assert row.dedupe_key.startswith(f"reminders:user{world.owner.id}:org{world.org.id}:2026-11-23:")

    # Again: nothing new, no second e-mail.
    assert cli("notify", "reminders", "--now", MONDAY_9).output.strip() == "queued=0 emails=0"
    assert cli("outbox", "send").output.strip() == "sent=0 failed=0 waiting=0"
    assert len(smtp_server.messages) == 3


def test_grouped_reminders_dedupe_key_is_stable(world):
    from tasking.scheduling.reminder_mail import grouped_key
    from tasking.scheduling.reminders import Reminder

    def reminder(key):
        return Reminder(task=None, rule="due:7", kind="due_soon", template="reminder_due", key=key)

    day = date(2026, 11, 23)
    one = grouped_key(2, 1, day, [reminder("a"), reminder("b")])
    assert grouped_key(2, 1, day, [reminder("b"), reminder("a")]) == one
    assert grouped_key(2, 1, day, [reminder("a")]) != one
    assert grouped_key(3, 1, day, [reminder("a"), reminder("b")]) != one


def test_titles_read_as_written_in_the_text_part_and_escaped_in_the_html(world, cli):
    """The text part is not HTML: « d'été & BBQ » must not arrive as
    « d&#39;été &amp; BBQ », alone or in the grouped e-mail."""
    world.task("Fête d'été & BBQ <familles>", date(2026, 11, 30), owner=world.helper)
    world.task("Deuxième « tâche » d'automne", date(2026, 11, 30))
    world.task("Troisième & dernière", date(2026, 11, 30))
    cli("notify", "reminders", "--now", MONDAY_9)
    rows = {row.recipient: row for row in outbox_rows()}
    single, grouped = rows[world.helper.email], rows[world.owner.email]
    assert "Fête d'été & BBQ <familles>" in single.body_text
    assert "&#39;" not in single.body_text and "&amp;" not in single.body_text
    assert "Fête d&#39;été &amp; BBQ &lt;familles&gt;" in single.body_html

    assert grouped.kind == "reminders"
    assert "Deuxième « tâche » d'automne" in grouped.body_text and "Troisième & dernière" in grouped.body_text
    assert "&#39;" not in grouped.body_text and "&amp;" not in grouped.body_text
    assert "Troisième &amp; dernière" in grouped.body_html
    assert "\n-- \n" in grouped.body_text  # the signature separator keeps its space


def test_unsubscribing_from_the_grouped_reminders_stops_both_kinds(world, cli, mail_app):
    from tasking.notifications.preferences import email_channel

    world.task("Tâche bientôt due", date(2026, 11, 30))
    world.task("Tâche en retard", date(2026, 11, 16))
    cli("notify", "reminders", "--now", MONDAY_9)
    [grouped] = [row for row in outbox_rows() if row.recipient == world.owner.email]
    assert grouped.kind == "reminders"
    url = dict(grouped.header_pairs())["List-Unsubscribe"].strip("<>").replace("http://retablir.test", "")
    client = mail_app.test_client()
    assert "Rappels d’échéances à venir et passées" in client.get(url).get_data(as_text=True)
    assert client.post(url).status_code == 200  # one click, no sign-in
    db.session.expire_all()
    assert email_channel(db.session, world.owner, "due_soon") == "never"
    assert email_channel(db.session, world.owner, "overdue") == "never"


def test_a_long_grouped_list_is_cut_most_urgent_first_with_a_link_to_the_rest(world, cli):
    """A first run over a plan left alone: all twelve reminders are recorded,
    the e-mail lists the ten most urgent with their buttons and counts the rest."""
    for day in range(12):
        world.task(f"Action {day:02d}", date(2026, 11, 24 + day % 7))
    assert cli("notify", "reminders", "--now", MONDAY_9).output.strip() == "queued=12 emails=1"
    [row] = outbox_rows()
    text = row.body_text
    assert "== Vos actions (12) ==" in text and "Voici 12 actions" in text
    assert text.count("http://retablir.test/tasks/") == 10
    assert "… et 2 de plus" in text and "http://retablir.test/me/tasks" in text
    # The most urgent first: the two left out are the last due (29 and 30 November).
    left_out = [f"Action {day:02d}" for day in range(12) if f"Action {day:02d}\n" not in text]
    assert left_out == ["Action 05", "Action 06"]
    assert db.session.query(ReminderLog).count() == 12
