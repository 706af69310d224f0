"""The regional weekly digest, before the Thursday coordination meeting: one
table of the municipalities, what needs the region, what is new since the
last meeting, follow-ups; once a week in the region's time zone; what each
recipient may read. Through the real SMTP sink."""

from __future__ import annotations

import re
from datetime import date, datetime

from tasking.extensions import db
from tasking.models import (
    CheckinAnswer,
    CheckinMessage,
    CheckinRound,
    PlanWeek,
    Task,
    TaskPartner,
)
from tasking.tasks.editing import update_task
from tests.conftest import app_now

from .conftest import outbox_rows, small_plan

NBSP = "\u00a0"
# Thursday 26 November 2026, 08:00 in Montréal (UTC−5).
THURSDAY_8 = "2026-11-26T08:00:00-05:00"


def add_task(plan, objective, title, owner, **fields) -> Task:
    task = Task(
        created_at=app_now(),
        updated_at=app_now(),
        plan_id=plan.id,
        objective_id=objective.id,
        title=title,
        owner_id=owner.id if owner else None,
        **fields,
    )
    db.session.add(task)
    db.session.commit()
    return task


def checkin_round(org, invited, answered) -> None:
    """A round of the week for ``org``: ``invited`` asked, ``answered`` answered."""
    opened = datetime(2026, 11, 24, 13)
    checkin = CheckinRound(
        organisation_id=org.id,
        week="2026-W48",
        opens_at=opened,
        remind_at=opened,
        closes_at=datetime(2026, 11, 25, 22),
        created_at=opened,
    )
    db.session.add(checkin)
    db.session.flush()
    for user in invited:
        db.session.add(
            CheckinMessage(round_id=checkin.id, user_id=user.id, kind="invitation", sent_at=opened)
        )
    for user, task in answered:
        db.session.add(
            CheckinAnswer(
                round_id=checkin.id,
                task_id=task.id,
                user_id=user.id,
                health="on_track",
                task_version=1,
                created_at=opened,
            )
        )
    db.session.commit()


def region_of_two(world, mk):
    """Ville A (world) and Ville B in MRC de Test, with a coordinator, a
    municipality of another region, and a week of activity."""
    org_b = mk.org("ville-b", "Ville B", world.region)
    admin_b = mk.user(org_b, "admin", email="direction@ville-b.ca", name="Béatrice Direction")
    mk.user(
        world.org, "viewer", email="coordination@mrc-test.ca", name="Marc Régional", regional=world.region
    )
    outsider = mk.org("ville-c", "Ville C", mk.region("mrc-autre", "MRC Autre"))
    mk.user(outsider, "admin", email="direction@ville-c.ca")

    world.task("Action terminée", date(2026, 11, 20), status="done", completed_at=datetime(2026, 11, 24, 15))
    late = world.task("Action en retard secrète", date(2026, 11, 2))
    world.task(
        "Soutien aux aînés isolés",
        date(2026, 12, 3),
        status="blocked",
        blocked_reason="Budget non voté",
        region_help=True,
        region_help_reason="Une entente régionale de transport",
    )
    blocked_a = world.task(
        "Action bloquée de Ville A", date(2026, 12, 4), status="blocked", blocked_reason="x"
    )
    blocked_a.partners = [TaskPartner(name="CIUSSS de l'Estrie")]
    plan_b, _theme, objective_b = small_plan(org_b, "Sécurité urbaine")
    add_task(plan_b, objective_b, "Action de Ville B", admin_b)
    blocked_b = add_task(plan_b, objective_b, "Refuge de Ville B", admin_b, due_date=date(2026, 12, 10))
    blocked_b.partners = [TaskPartner(name="Ciusss de l’Estrie ")]
    db.session.commit()
    # Blocked on Tuesday: new since the last meeting.
    update_task(
        db.session,
        actor=admin_b,
        task=blocked_b,
        changes={"status": "blocked", "blocked_reason": "budget non-voté!"},
        version=blocked_b.version,
        now=datetime(2026, 11, 24, 15),
    )
    db.session.commit()
    # Last week Ville A had nothing done and nothing overdue.
    db.session.add(
        PlanWeek(
            plan_id=world.plan.id,
            organisation_id=world.org.id,
            week="2026-W47",
            total=5,
            done=0,
            overdue=0,
            blocked=1,
            recorded_at=datetime(2026, 11, 19, 13),
        )
    )
    db.session.commit()
    checkin_round(world.org, [world.owner, world.admin], [(world.owner, late)])
    return org_b


def test_the_coordinator_reads_the_table_what_needs_the_region_and_the_news(world, mk, cli, smtp_server):
    region_of_two(world, mk)
    for instant in ("2026-11-25T12:00:00-05:00", "2026-11-26T07:59:00-05:00"):
        assert cli("notify", "regional-digest", "--now", instant).output.strip() == "queued=0", instant
    assert cli("notify", "regional-digest", "--now", THURSDAY_8).output.strip() == "queued=3"
    assert cli("notify", "regional-digest", "--now", THURSDAY_8).output.strip() == "queued=0"
    assert cli("notify", "regional-digest", "--now", "2026-11-27T10:00:00-05:00").output.strip() == "queued=0"
    assert cli("outbox", "send").output.strip().startswith("sent=3 ")

    [mail] = smtp_server.by_recipient("coordination@mrc-test.ca")
    assert mail["Subject"] == "Résumé régional de la MRC de Test (semaine du 23 novembre)"
    assert mail["List-Unsubscribe"]
    text = mail.get_body(("plain",)).get_content()
    # The table: 1 of 4 done (25 %, +25 pts since last week's 0), 1 overdue
    # (+1), 2 blocked (+1); 1 of the 2 people asked answered the check-in.
    assert (
        f"* Ville A — 25{NBSP}% (+25{NBSP}pts) · en retard 1 (+1) · bloquées 2 (+1) · mise à jour 50{NBSP}%"
        in text
    )
    assert f"* Ville B — 0{NBSP}% (—) · en retard 0 (—) · bloquées 1 (—) · mise à jour —" in text
    assert f"http://retablir.test/plans/{world.plan.id}/dashboard" in text
    # What needs the region: the help request, and the blockers shared by both.
    assert "Ville A — Soutien aux aînés isolés" in text
    assert "Une entente régionale de transport" in text
    assert f"Raison{NBSP}: Budget non voté — Ville A (1), Ville B (1)" in text
    assert f"Partenaire{NBSP}: CIUSSS de l'Estrie — Ville A (1), Ville B (1)" in text
    # New since the last meeting (the previous Thursday's slot).
    news = f"Ville B — terminées{NBSP}: 0, nouvellement bloquées{NBSP}: 1, échéances reportées{NBSP}: 0"
    assert news in text
    assert "Ville B — Refuge de Ville B" in text
    assert "Aucun suivi ouvert." in text
    assert "http://retablir.test/regions/mrc-test/dashboard" in text
    # No task list is pasted: the overdue action is counted, not named.
    assert "Action en retard secrète" not in text
    html = mail.get_body(("html",)).get_content()
    assert "Ce qui demande la région" in html and "Nouveautés depuis la dernière rencontre" in html
    assert smtp_server.by_recipient("direction@ville-c.ca") == []


def test_a_municipal_admin_reads_other_municipalities_as_aggregates(world, mk, cli, smtp_server):
    region_of_two(world, mk)
    assert cli("notify", "regional-digest", "--now", THURSDAY_8).output.strip() == "queued=3"
    cli("outbox", "send")

    [mail] = smtp_server.by_recipient("direction@ville-b.ca")
    text = mail.get_body(("plain",)).get_content()
    html = mail.get_body(("html",)).get_content()
    # Ville A's row of the table, without the link to its pages.
    assert f"* Ville A — 25{NBSP}% (+25{NBSP}pts)" in text
    assert f"/plans/{world.plan.id}/" not in text + html
    # The help request is meant for the region: named, but not linked.
    assert "Soutien aux aînés isolés" in text
    ville_b = {t.id for t in db.session.query(Task).filter(Task.plan_id != world.plan.id)}
    linked = {int(n) for n in re.findall(r"/tasks/(\d+)", text + html)}
    assert linked and linked <= ville_b
    # Shared blockers: the municipalities and counts; only Ville B's own action by title.
    assert f"Partenaire{NBSP}: CIUSSS de l'Estrie — Ville A (1), Ville B (1)" in text
    assert "Refuge de Ville B" in text
    for hidden in ("Action bloquée de Ville A", "Action en retard secrète", "Action terminée"):
        assert hidden not in text and hidden not in html

    [mail] = smtp_server.by_recipient("coordination@ville-a.ca")
    text = mail.get_body(("plain",)).get_content()
    assert "Refuge de Ville B" not in text and "Action bloquée de Ville A" in text
    assert "/tasks/" in text


def test_once_a_week_in_the_region_time_zone_and_the_week_is_kept(world, mk, cli, smtp_server):
    mk.user(
        world.org, "viewer", email="coordination@mrc-test.ca", name="Marc Régional", regional=world.region
    )
    world.region.timezone = "America/Vancouver"
    db.session.commit()
    world.task("Action en cours", date(2026, 12, 20))
    # 08:00 in Montréal is 05:00 in Vancouver: not yet.
    assert cli("notify", "regional-digest", "--now", THURSDAY_8).output.strip() == "queued=0"
    assert cli("notify", "regional-digest", "--now", "2026-11-26T08:00:00-08:00").output.strip() == "queued=2"
    assert cli("notify", "regional-digest", "--now", "2026-11-26T10:00:00-08:00").output.strip() == "queued=0"
    [week] = db.session.query(PlanWeek).all()
    assert (week.week, week.total, week.done) == ("2026-W48", 1, 0)

    world.task("Action faite", date(2026, 12, 1), status="done", completed_at=datetime(2026, 12, 1))
    assert cli("notify", "regional-digest", "--now", "2026-12-03T08:00:00-08:00").output.strip() == "queued=2"
    assert sorted(w.week for w in db.session.query(PlanWeek)) == ["2026-W48", "2026-W49"]
    cli("outbox", "send")
    mails = smtp_server.by_recipient("coordination@mrc-test.ca")
    assert [m["Subject"] for m in mails] == [
        "Résumé régional de la MRC de Test (semaine du 23 novembre)",
        "Résumé régional de la MRC de Test (semaine du 30 novembre)",
    ]
    # Second week: 1 of 2 done, +50 points since the first week's snapshot.
    assert f"* Ville A — 50{NBSP}% (+50{NBSP}pts)" in mails[1].get_body(("plain",)).get_content()
    assert len(outbox_rows()) == 4


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
