"""Opening rounds, their e-mails through the real SMTP sink, the late
reminder, the coordinator's nudge, and the command line."""

from __future__ import annotations

from tasking.extensions import db
from tasking.models import CheckinMessage, CheckinRound

from .conftest import AFTER_CLOSE, OPENS, REMINDS, at, link_of, open_round, outbox_rows, text_of

NBSP = "\u00a0"
NOTHING = "opened=0 queued=0 reminded=0"


def test_round_opened_twice_sends_once(world, actions, cli, clock, smtp_server):
    assert open_round(cli, clock, "2026-11-24T07:59:00-05:00").output.strip() == NOTHING
    assert open_round(cli, clock).output.strip() == "opened=1 queued=2 reminded=0"
    assert open_round(cli, clock).output.strip() == NOTHING
    assert open_round(cli, clock, "2026-11-24T15:00:00-05:00").output.strip() == NOTHING
    assert cli("outbox", "send").output.strip() == "sent=2 failed=0 waiting=0"

    [mail] = smtp_server.by_recipient("responsable@ville-a.ca")
    assert mail["Subject"] == "Votre mise à jour de la semaine du 23 novembre — Ville A"
    text = text_of(mail)
    # Late first, then by due date; the helper's action and done ones are not listed.
    assert text.index("Inventaire des besoins") < text.index("Plan de communication")
    assert "[En retard] Inventaire des besoins" in text
    assert "Banque alimentaire" not in text and "Tâche terminée" not in text
    assert link_of(mail).startswith("/checkins/u/")
    [mail] = smtp_server.by_recipient("aide@ville-a.ca")
    assert "Banque alimentaire" in text_of(mail)
    assert smtp_server.by_recipient("coordination@ville-a.ca") == []  # owns no action

    [checkin] = db.session.query(CheckinRound).all()
    assert checkin.week == "2026-W48"
    assert checkin.opens_at == at(OPENS) and checkin.closes_at == at(AFTER_CLOSE)


def test_no_round_for_a_disabled_organisation_nor_after_closing(world, actions, cli, clock):
    assert open_round(cli, clock, AFTER_CLOSE).output.strip() == NOTHING
    world.org.checkin_enabled = False
    db.session.commit()
    assert open_round(cli, clock).output.strip() == NOTHING
    assert outbox_rows() == []


def test_opening_skips_a_holiday(world, actions, cli, clock):
    # The Fête nationale (Wednesday 24 June 2026) is no working day: two
    # working days before the meeting of Thursday 25 is Monday 22, 08:00.
    result = open_round(cli, clock, "2026-06-22T08:00:00-04:00")
    assert result.output.strip() == "opened=1 queued=2 reminded=0"
    checkin = db.session.query(CheckinRound).one()
    # It closes at 17:00 on the working day before the meeting: Tuesday 23.
    assert checkin.closes_at == at("2026-06-23T17:00:00-04:00")


def test_late_reminder_once_only_to_who_has_not_answered(world, actions, cli, clock, smtp_server, web):
    open_round(cli, clock)
    cli("outbox", "send")
    [mail] = smtp_server.by_recipient("responsable@ville-a.ca")
    clock.set(at("2026-11-24T10:00:00-05:00"))
    page = web.get(link_of(mail))
    assert page.status_code == 200
    response = web.post(
        link_of(mail),
        data={
            "csrf_token": _csrf(page),
            "task": [actions["late"].id, actions["later"].id],
            f"version-{actions['late'].id}": actions["late"].version,
            f"version-{actions['later'].id}": actions["later"].version,
            "nothing_all": "1",
        },
    )
    assert response.status_code == 303

    clock.set(at("2026-11-25T07:59:00-05:00"))
    assert cli("checkins", "remind", "--now", "2026-11-25T07:59:00-05:00").output.strip() == NOTHING
    clock.set(at(REMINDS))
    assert cli("checkins", "remind", "--now", REMINDS).output.strip() == "opened=0 queued=0 reminded=1"
    assert cli("checkins", "remind", "--now", "2026-11-25T09:00:00-05:00").output.strip() == NOTHING
    cli("outbox", "send")
    reminders = [m for m in smtp_server.messages if m["Subject"].startswith("Rappel")]
    assert [m["To"] for m in reminders] == ["aide@ville-a.ca"]
    subject = f"Rappel{NBSP}: votre mise à jour de la semaine du 23 novembre — Ville A"
    assert reminders[0]["Subject"] == subject
    kinds = sorted(k for (k,) in db.session.query(CheckinMessage.kind))
    assert kinds == ["invitation", "invitation", "late"]


def test_cli_refuses_a_bad_slug_or_date(world, cli, clock):
    result = cli("checkins", "open", "--org", "nulle-part")
    assert result.exit_code == 1
    assert result.stderr.strip().count("\n") == 0 and "nulle-part" in result.stderr
    result = cli("checkins", "open", "--now", "mardi")
    assert result.exit_code == 1 and "mardi" in result.stderr
    assert db.session.query(CheckinRound).count() == 0
    assert open_round(cli, clock).exit_code == 0
    assert cli("checkins", "open", "--org", "ville-a", "--now", OPENS).output.strip() == (
        "opened=0 queued=0 reminded=0"
    )


def _csrf(response) -> str:
    import re

    return re.search(r'name="csrf_token" value="([^"]+)"', response.get_data(as_text=True)).group(1)
