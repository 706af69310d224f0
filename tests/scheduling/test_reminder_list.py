"""The list of reminders a person can act on, read from the real SMTP server,
and the notifications of a run: one per action and person, an escalation
that says whose action it is and why the reader is told."""

from __future__ import annotations

from datetime import date

from tasking.extensions import db
from tasking.models import Notification, ReminderLog, Task
from tasking.scheduling import jobs
from tests.conftest import app_now

from .conftest import outbox_rows, small_plan
from .test_reminders import MONDAY_9

NBSP = "\u00a0"


def _plan(world):
    """Due on Monday 23 November: Plan 10 days late (the coordinator helps
    with it), Bilan 7 days late and blocked (escalated), Centre due Wednesday
    (the coordinator's own), Inventaire due next Monday (Alice's, Rémi helps)."""
    return {
        "plan": world.task("Plan de communication", date(2026, 11, 13), collaborators=[world.admin]),
        "bilan": world.task(
            "Bilan des dommages", date(2026, 11, 16), status="blocked", blocked_reason="Attente de l'assureur"
        ),
        "centre": world.task("Ouvrir le centre", date(2026, 11, 25), owner=world.admin),
        "inventaire": world.task(
            "Inventaire", date(2026, 11, 30), owner=world.helper, collaborators=[world.owner]
        ),
    }


def _sections(text: str) -> dict[str, str]:
    """Each « == title (n) == » of the text part → what follows it."""
    parts = text.split("\n== ")[1:]
    return {part.split(" ==\n", 1)[0]: part.split(" ==\n", 1)[1] for part in parts}


def test_the_list_says_what_is_late_and_whose_it_is_by_section(world, cli, smtp_server):
    tasks = _plan(world)
    assert cli("notify", "reminders", "--now", MONDAY_9).output.strip() == "queued=8 emails=3"
    cli("outbox", "send")

    [mail] = smtp_server.by_recipient("coordination@ville-a.ca")
    assert mail["Subject"] == f"Ville A{NBSP}: 2 actions en retard, 1 à échéance cette semaine"
    text = mail.get_body(("plain",)).get_content()
    sections = _sections(text)
    assert list(sections) == [
        "Vos actions (1)",
        "Actions où vous collaborez (1)",
        "Actions en retard dont vous êtes avisé·e comme coordonnateur·rice (1)",
    ]
    assert "Ouvrir le centre\nÉchéance dans 2 jours (25 nov. 2026) · À faire\n" in sections["Vos actions (1)"]
    # The action the coordinator helps with is told once, as hers to help with, not as an escalation.
    assert (
        "Plan de communication\nEn retard de 10 jours (échéance le 13 nov. 2026) · À faire"
        f" · Responsable{NBSP}: Rémi Responsable\nhttp://retablir.test/tasks/{tasks['plan'].id}"
    ) in sections["Actions où vous collaborez (1)"]
    escalated = sections["Actions en retard dont vous êtes avisé·e comme coordonnateur·rice (1)"]
    assert (
        f"Bilan des dommages\nEn retard de 7 jours (échéance le 16 nov. 2026) · Bloqué{NBSP}: Attente de"
        f" l'assureur · Responsable{NBSP}: Rémi Responsable\nhttp://retablir.test/tasks/{tasks['bilan'].id}"
    ) in escalated
    html = mail.get_body(("html",)).get_content()
    assert f"Bloqué{NBSP}: Attente de l&#39;assureur" in html
    assert html.count('href="http://retablir.test/tasks/') == 3

    [mail] = smtp_server.by_recipient("responsable@ville-a.ca")
    assert mail["Subject"] == f"Ville A{NBSP}: 2 actions en retard, 1 à échéance cette semaine"
    sections = _sections(mail.get_body(("plain",)).get_content())
    assert list(sections) == ["Vos actions (2)", "Actions où vous collaborez (1)"]
    mine = sections["Vos actions (2)"]
    assert mine.index("Plan de communication") < mine.index("Bilan des dommages")  # most late first
    assert (
        f"Inventaire\nÉchéance dans 7 jours (30 nov. 2026) · À faire · Responsable{NBSP}: Alice Aide"
        in (sections["Actions où vous collaborez (1)"])
    )


def test_one_notification_per_action_and_person_per_run(world, cli):
    tasks = _plan(world)
    cli("notify", "reminders", "--now", MONDAY_9)
    # Both reminders of the plan to the coordinator are recorded…
    logged = db.session.query(ReminderLog).filter_by(task_id=tasks["plan"].id, user_id=world.admin.id)
    rules = sorted(r.rule for r in logged)
    assert rules == ["escalation", "overdue:week1"]
    # …but she is notified once per action.
    told = db.session.query(Notification).filter_by(user_id=world.admin.id).all()
    assert sorted((n.task_id, n.kind, n.detail) for n in told) == sorted(
        [
            (tasks["plan"].id, "overdue", "2026-11-13"),
            (tasks["bilan"].id, "overdue", "2026-11-16;coordinator"),
            (tasks["centre"].id, "due_soon", "2026-11-25"),
        ]
    )


def test_the_escalation_notice_says_whose_action_and_why(world, cli, mail_app):
    _plan(world)
    cli("notify", "reminders", "--now", MONDAY_9)
    client = mail_app.test_client()
    client.login("coordination@ville-a.ca")
    page = client.get("/notifications").get_data(as_text=True)
    assert (
        f"L’action «{NBSP}Bilan des dommages{NBSP}» de Rémi Responsable est en retard de 7 jours{NBSP};"
        " vous êtes avisé·e comme coordonnateur·rice."
    ) in page
    # Her own part in the plan is an ordinary overdue notice.
    assert f"«{NBSP}Plan de communication{NBSP}» est en retard depuis le 13 nov. 2026." in page


def test_organisations_a_step_at_a_time_each_reminded_once(mk, cli, monkeypatch):
    """A step per organisation: on PostgreSQL two steps run side by side,
    each in its own session; every reminder is recorded and e-mailed once."""
    monkeypatch.setattr(jobs, "ORGANISATIONS_PER_STEP", 1)
    region = mk.region("mrc-des-pas", "MRC des Pas")
    for n in range(5):
        org = mk.org(f"ville-{n}", f"Ville {n}", region)
        owner = mk.user(org, "member", email=f"resp@ville-{n}.ca", name=f"Responsable {n}")
        plan, _theme, objective = small_plan(org)
        for due in (date(2026, 11, 20), date(2026, 11, 30)):
            db.session.add(
                Task(
                    created_at=app_now(),
                    updated_at=app_now(),
                    plan_id=plan.id,
                    objective_id=objective.id,
                    title=f"Action du {due.day}",
                    owner_id=owner.id,
                    due_date=due,
                )
            )
    db.session.commit()
    assert cli("notify", "reminders", "--now", MONDAY_9).output.strip() == "queued=10 emails=5"
    rows = outbox_rows()
    assert sorted(r.recipient for r in rows) == [f"resp@ville-{n}.ca" for n in range(5)]
    assert [r.subject for r in rows if r.recipient == "resp@ville-3.ca"] == [
        f"Ville 3{NBSP}: 1 action en retard, 1 à échéance cette semaine"
    ]
    assert db.session.query(ReminderLog).count() == 10
    assert cli("notify", "reminders", "--now", MONDAY_9).output.strip() == "queued=0 emails=0"
