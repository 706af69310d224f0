"""The settings pages: an organisation's reminders and digest slot, a region's
digest slot; what they save is what the scheduler then follows."""

from __future__ import annotations

from datetime import date, datetime

import pytest
from sqlalchemy import select

from tasking.extensions import db
from tasking.models import Organisation, OutboxMessage, ReminderLog, Task, User
from tests.conftest import app_now
from tests.scheduling.conftest import small_plan

NBSP = "\u00a0"
DEFAULTS = {
    "timezone": "America/Montreal",
    "reminder_days": "7,1",
    "escalation_days": 7,
    "digest_weekday": 0,
    "digest_time": "07:00",
}
GOOD = {
    "timezone": "America/Montreal",
    "reminder_days": "3, 14",
    "escalation_days": "2",
    "digest_weekday": "2",
    "digest_time": "9:30",
}


@pytest.fixture
def ville(make):
    region = make.region("mrc-a", "MRC A")
    org = make.org("ville-a", "Ville A", region=region)
    people = {
        "admin": make.user(org, role="admin", email="admin@ville-a.qc.ca"),
        "member": make.user(org, role="member", email="membre@ville-a.qc.ca", name="Rémi Responsable"),
        "viewer": make.user(org, role="viewer", email="obs@ville-a.qc.ca"),
        "coordinator": make.user(org, role="viewer", email="mrc@mrc-a.qc.ca", regional=region),
    }
    other_region = make.region("mrc-b", "MRC B")
    other = make.org("ville-b", "Ville B", region=other_region)
    people["other_admin"] = make.user(other, role="admin", email="admin@ville-b.qc.ca")
    people["other_coordinator"] = make.user(
        other, role="viewer", email="mrc@mrc-b.qc.ca", regional=other_region
    )
    # In place since January: the scheduler does not catch up slots from
    # before an organisation existed, and the tests run at chosen instants.
    for item in (region, org, other_region, other):
        item.created_at = datetime(2026, 1, 1)
    db.session.commit()
    return region, org, people


def _stored(org_id: int) -> dict:
    db.session.expire_all()
    org = db.session.get(Organisation, org_id)
    return {field: getattr(org, field) for field in DEFAULTS}


def _run(runner, *args: str) -> str:
    db.session.commit()
    result = runner.invoke(args=list(args))
    assert result.exit_code == 0, result.output
    return result.output.strip()


def test_admin_reaches_the_settings_from_the_members_page(client, ville):
    _region, org, people = ville
    client.login(people["admin"].email)
    members = client.get(f"/admin/orgs/{org.id}/members").get_data(as_text=True)
    assert f'href="/admin/orgs/{org.id}/settings"' in members
    page = client.get(f"/admin/orgs/{org.id}/settings").get_data(as_text=True)
    assert "Paramètres de Ville A" in page
    assert '<option selected value="America/Montreal">Est (Montréal)</option>' in page
    assert 'value="7, 1"' in page
    assert '<option selected value="0">Lundi</option>' in page
    assert 'value="07:00"' in page


def test_saved_settings_are_stored_in_the_scheduler_format(client, ville):
    _region, org, people = ville
    client.login(people["admin"].email)
    response = client.post(f"/admin/orgs/{org.id}/settings", data={**GOOD, "timezone": "America/Halifax"})
    assert response.status_code == 303
    assert _stored(org.id) == {
        "timezone": "America/Halifax",
        "reminder_days": "14,3",
        "escalation_days": 2,
        "digest_weekday": 2,
        "digest_time": "09:30",
    }
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "Les paramètres sont enregistrés." in page
    assert 'value="14, 3"' in page


def _task(org, owner, title: str, due: date) -> Task:
    plan, _theme, objective = small_plan(org)
    task = Task(
        created_at=app_now(),
        updated_at=app_now(),
        plan_id=plan.id,
        objective_id=objective.id,
        title=title,
        owner=owner,
        due_date=due,
    )
    db.session.add(task)
    db.session.commit()
    return task


def test_the_scheduler_follows_the_new_digest_slot(client, runner, ville):
    _region, org, people = ville
    _task(org, people["member"], "Tâche en retard", date(2026, 11, 16))
    client.login(people["admin"].email)
    assert client.post(f"/admin/orgs/{org.id}/settings", data=GOOD).status_code == 303

    # The default Monday 07:00 slot no longer sends (Ville B keeps it, with
    # nothing to say); Wednesday 09:30 does.
    for instant in ("2026-11-23T07:00:00-05:00", "2026-11-25T09:29:00-05:00"):
        assert _run(runner, "notify", "digests", "--now", instant).startswith("queued=0 "), instant
    assert _run(runner, "notify", "digests", "--now", "2026-11-25T09:30:00-05:00").startswith("queued=1 ")
    [recipient] = db.session.scalars(select(OutboxMessage.recipient).where(OutboxMessage.kind == "digest"))
    assert recipient == "membre@ville-a.qc.ca"


def test_the_scheduler_follows_the_new_reminder_days_and_escalation(client, runner, ville):
    _region, org, people = ville
    soon = _task(org, people["member"], "Tâche du lundi", date(2026, 11, 30))
    late = _task(org, people["member"], "Tâche en retard", date(2026, 11, 20))
    client.login(people["admin"].email)
    data = {**GOOD, "reminder_days": "3"}
    assert client.post(f"/admin/orgs/{org.id}/settings", data=data).status_code == 303

    # Monday 23 November: 7 days before the due date is no longer a reminder;
    # 3 days overdue now tells the admin (after 2 days instead of 7).
    _run(runner, "notify", "reminders", "--now", "2026-11-23T09:00:00-05:00")
    assert _rules(soon) == []
    assert _rules(late) == [("admin@ville-a.qc.ca", "escalation"), ("membre@ville-a.qc.ca", "overdue:week0")]
    # Friday 27 November, 3 days before: the "3" reminder.
    _run(runner, "notify", "reminders", "--now", "2026-11-27T09:00:00-05:00")
    assert _rules(soon) == [("membre@ville-a.qc.ca", "due:3")]


def _rules(task: Task) -> list[tuple[str, str]]:
    rows = db.session.execute(
        select(User.email, ReminderLog.rule)
        .join(User, User.id == ReminderLog.user_id)
        .where(ReminderLog.task_id == task.id)
    )
    return sorted(tuple(row) for row in rows)


def test_bad_settings_are_refused_with_the_field_named_and_nothing_changes(client, ville):
    _region, org, people = ville
    client.login(people["admin"].email)
    cases = [
        ({"reminder_days": "7, 0"}, f"Rappels avant l’échéance{NBSP}: indiquez des nombres entiers"),
        ({"reminder_days": "sept"}, "de 1 à 60, séparés par des virgules"),
        ({"reminder_days": "61"}, "de 1 à 60"),
        ({"reminder_days": ""}, "de 1 à 60"),
        ({"reminder_days": "1, 2, 3, 4, 5, 6"}, f"Rappels avant l’échéance{NBSP}: 5 valeurs au plus."),
        ({"escalation_days": "91"}, f"Escalade{NBSP}: indiquez un nombre entier de jours de retard"),
        ({"escalation_days": "-1"}, "de 0 (jamais) à 90"),
        ({"digest_time": "25:00"}, f"Heure du résumé{NBSP}: indiquez une heure au format HH:MM"),
        ({"digest_time": "03:00"}, "entre 06:00 et 20:00"),
        ({"digest_time": "9h"}, "entre 06:00 et 20:00"),
        (
            {"digest_weekday": "7"},
            f"Jour du résumé{NBSP}: choisissez un jour ouvrable, du lundi au vendredi.",
        ),
        (
            {"digest_weekday": "5"},
            f"Jour du résumé{NBSP}: choisissez un jour ouvrable, du lundi au vendredi.",
        ),
        ({"timezone": "Europe/Paris"}, f"Fuseau horaire{NBSP}: choisissez un des fuseaux de la liste."),
    ]
    for bad, message in cases:
        # The other fields are good and changed: none of them is saved either.
        response = client.post(f"/admin/orgs/{org.id}/settings", data={**GOOD, **bad})
        assert response.status_code == 422, bad
        page = response.get_data(as_text=True)
        assert message in page, bad
        assert "has-error" in page
        assert _stored(org.id) == DEFAULTS, bad


@pytest.mark.parametrize("who", ["member", "viewer", "coordinator", "other_admin"])
def test_only_the_organisation_admins_reach_its_settings(make_client, ville, who):
    _region, org, people = ville
    client = make_client()
    client.login(people[who].email)
    assert client.get(f"/admin/orgs/{org.id}/settings").status_code == 404
    assert client.post(f"/admin/orgs/{org.id}/settings", data=GOOD).status_code == 404
    assert _stored(org.id) == DEFAULTS


def test_coordinator_moves_the_regional_digest(client, runner, ville):
    region, org, people = ville
    _task(org, people["member"], "Action en retard", date(2026, 11, 2))
    client.login(people["coordinator"].email)
    dashboard = client.get("/regions/mrc-a/dashboard").get_data(as_text=True)
    assert 'href="/admin/regions/mrc-a/settings"' in dashboard
    page = client.get("/admin/regions/mrc-a/settings").get_data(as_text=True)
    assert "Paramètres de MRC A" in page
    assert '<option selected value="3">Jeudi</option>' in page and 'value="08:00"' in page

    bad = client.post("/admin/regions/mrc-a/settings", data={"digest_weekday": "1", "digest_time": "21:00"})
    assert bad.status_code == 422
    assert "entre 06:00 et 20:00" in bad.get_data(as_text=True)
    db.session.expire_all()
    assert (region.digest_weekday, region.digest_time) == (3, "08:00")

    saved = client.post("/admin/regions/mrc-a/settings", data={"digest_weekday": "4", "digest_time": "10:00"})
    assert saved.status_code == 303
    db.session.expire_all()
    assert (region.digest_weekday, region.digest_time) == (4, "10:00")

    # No longer on Thursday 08:00: on Friday 10:00, to the coordinator and the admin of Ville A.
    for instant in ("2026-11-26T08:00:00-05:00", "2026-11-27T09:59:00-05:00"):
        assert _run(runner, "notify", "regional-digest", "--now", instant) == "queued=0", instant
    assert _run(runner, "notify", "regional-digest", "--now", "2026-11-27T10:00:00-05:00") == "queued=2"


@pytest.mark.parametrize("who", ["admin", "member", "other_admin", "other_coordinator"])
def test_only_the_region_coordinators_reach_its_settings(make_client, ville, who):
    region, _org, people = ville
    client = make_client()
    client.login(people[who].email)
    if who == "admin":
        # A municipality's admin sees its line of the region, not the settings link.
        dashboard = client.get("/regions/mrc-a/dashboard").get_data(as_text=True)
        assert "/admin/regions/mrc-a/settings" not in dashboard
    assert client.get("/admin/regions/mrc-a/settings").status_code == 404
    data = {"digest_weekday": "1", "digest_time": "10:00"}
    assert client.post("/admin/regions/mrc-a/settings", data=data).status_code == 404
    db.session.expire_all()
    assert (region.digest_weekday, region.digest_time) == (3, "08:00")
