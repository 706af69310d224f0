"""Law 25, retention: an organisation sets how long a deactivated account
keeps its personal data; past it the job replaces the person's name and
e-mail by a pseudonym everywhere, once, and records it."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import String, Text, select

from tasking.extensions import db
from tasking.models import (
    AccountDeactivation,
    ApiToken,
    Comment,
    JobRunStat,
    Membership,
    OrgRetention,
    OutboxMessage,
    Pseudonymisation,
    RecoveryCode,
    User,
)
from tasking.privacy.jobs import run_retention
from tasking.privacy.retention import set_retention
from tasking.scheduling.scheduler import Scheduler
from tests.conftest import app_now

OLD_TRACES = ("Alice Tremblay", "alice.tremblay")


def _set_retention(client, org, days: str):
    return client.post(f"/admin/orgs/{org.id}/retention", data={"days": days})


def _deactivate(client, org, user) -> None:
    response = client.post(f"/admin/orgs/{org.id}/members/{user.id}/active", data={"active": "0"})
    assert response.status_code == 303


def _traces_left() -> list[str]:
    """Every text cell of the database that still names Alice."""
    found = []
    with db.engine.connect() as conn:
        for table in db.metadata.sorted_tables:
            columns = [c for c in table.columns if isinstance(c.type, String | Text)]
            if not columns:
                continue
            for row in conn.execute(select(*columns)):
                for column, value in zip(columns, row, strict=True):
                    if value and any(trace.lower() in value.lower() for trace in OLD_TRACES):
                        found.append(f"{table.name}.{column.name}: {value[:80]}")
    return found


def _alice(world) -> User:
    db.session.expire_all()
    return db.session.get(User, world.alice.id)


def test_an_admin_sets_the_retention_period(client, world):
    client.login(world.admin_a.email)
    page = client.get(f"/admin/orgs/{world.org_a.id}/retention")
    assert page.status_code == 200 and "Conservation des renseignements personnels" in page.get_data(
        as_text=True
    )
    refused = _set_retention(client, world.org_a, "trois mois")
    assert refused.status_code == 422
    assert "un nombre entier de jours de 1 à 36500" in refused.get_data(as_text=True)
    assert db.session.get(OrgRetention, world.org_a.id) is None
    assert _set_retention(client, world.org_a, "30").status_code == 303
    db.session.expire_all()
    assert db.session.get(OrgRetention, world.org_a.id).days == 30
    assert _set_retention(client, world.org_a, "").status_code == 303
    db.session.expire_all()
    assert db.session.get(OrgRetention, world.org_a.id) is None


def test_another_organisations_admin_cannot_set_it(client, world):
    client.login(world.admin_b.email)
    assert _set_retention(client, world.org_a, "1").status_code == 404
    assert client.get(f"/admin/orgs/{world.org_a.id}/retention").status_code == 404
    assert db.session.get(OrgRetention, world.org_a.id) is None


def test_past_the_period_the_person_is_pseudonymised_everywhere_once(client, world, clock):
    client.login(world.admin_a.email)
    _set_retention(client, world.org_a, "30")
    deactivated_at = clock.instant
    _deactivate(client, world.org_a, world.alice)
    clock.advance(days=29, hours=23)
    assert run_retention(db.session, now=clock.instant).pseudonymised == 0
    assert _alice(world).name == "Alice Tremblay" and _alice(world).password_hash
    clock.advance(hours=1)
    assert run_retention(db.session, now=clock.instant).pseudonymised == 1
    record = db.session.scalars(select(Pseudonymisation)).one()
    pseudonym = f"Personne retirée {record.id}"
    assert (record.user_id, record.organisation_id, record.retention_days) == (
        world.alice.id,
        world.org_a.id,
        30,
    )
    assert record.deactivated_at == deactivated_at and record.done_at == clock.instant
    alice = _alice(world)
    assert alice.name == pseudonym and alice.email == f"retire-{record.id}@retablir.invalid"
    assert alice.password_hash is None and alice.totp_secret is None and alice.calendar_token is None
    assert db.session.scalars(select(ApiToken).where(ApiToken.user_id == alice.id)).all() == []
    assert db.session.scalars(select(RecoveryCode).where(RecoveryCode.user_id == alice.id)).all() == []
    assert _traces_left() == []
    # History stays readable, under the pseudonym.
    comments = db.session.scalars(select(Comment).where(Comment.task_id == world.alice_task.id)).all()
    assert comments[0].author_id == alice.id and comments[0].body == "Commentaire d'Alice sur les appels"
    assert comments[1].body == f"Merci @retire-{record.id}, voir avec {pseudonym} lundi"
    client.login(world.admin_a.email)  # a month later: a new session
    page = client.get(f"/tasks/{world.alice_task.id}").get_data(as_text=True)
    assert pseudonym in page and "Commentaire d'Alice sur les appels" in page
    mail = db.session.scalars(select(OutboxMessage).where(OutboxMessage.user_id == alice.id)).one()
    assert mail.recipient == alice.email and mail.status == "failed"
    assert mail.body_text.startswith(f"Bonjour {pseudonym},")
    bruno_mail = db.session.scalars(
        select(OutboxMessage).where(OutboxMessage.user_id == world.bruno.id)
    ).one()
    assert bruno_mail.status == "pending" and bruno_mail.recipient == "bruno@ville-a.qc.ca"
    # Once: a second run, later, changes nothing more and records nothing.
    clock.advance(days=5)
    assert run_retention(db.session, now=clock.instant).pseudonymised == 0
    assert db.session.scalars(select(Pseudonymisation)).all() == [record]
    assert _alice(world).name == pseudonym
    client.login(world.admin_a.email)
    listing = client.get(f"/admin/orgs/{world.org_a.id}/retention").get_data(as_text=True)
    assert pseudonym in listing


def test_an_organisation_that_keeps_the_data_keeps_them(client, world, clock):
    client.login(world.admin_a.email)
    _deactivate(client, world.org_a, world.alice)
    clock.advance(days=3650)
    assert run_retention(db.session, now=clock.instant).pseudonymised == 0
    assert _alice(world).name == "Alice Tremblay"


def test_the_longest_period_of_every_organisation_applies(world, clock):
    """Alice also belongs to Ville B (she was deactivated while in Ville A
    only): Ville B keeps the data until its own, longer, period has passed."""
    admin_a, admin_b = db.session.get(User, world.admin_a.id), db.session.get(User, world.admin_b.id)
    db.session.add(
        Membership(
            user_id=world.alice.id, organisation_id=world.org_b.id, role="viewer", created_at=app_now()
        )
    )
    db.session.add(AccountDeactivation(user_id=world.alice.id, deactivated_at=clock.instant))
    _alice(world).active = False
    set_retention(db.session, actor=admin_a, organisation=world.org_a, days="30", now=clock.instant)
    db.session.commit()
    clock.advance(days=31)
    assert run_retention(db.session, now=clock.instant).pseudonymised == 0  # Ville B keeps them
    set_retention(db.session, actor=admin_b, organisation=world.org_b, days="90", now=clock.instant)
    db.session.commit()
    assert run_retention(db.session, now=clock.instant).pseudonymised == 0
    clock.advance(days=60)
    assert run_retention(db.session, now=clock.instant).pseudonymised == 1
    record = db.session.scalars(select(Pseudonymisation)).one()
    assert (record.organisation_id, record.retention_days) == (world.org_b.id, 90)


def test_a_person_still_active_is_untouched(client, world, clock):
    """Bruno works on in Ville A and in Ville B: whatever the periods, nothing changes."""
    db.session.add(
        Membership(
            user_id=world.bruno.id, organisation_id=world.org_b.id, role="member", created_at=app_now()
        )
    )
    for org, admin in ((world.org_a, world.admin_a), (world.org_b, world.admin_b)):
        set_retention(
            db.session, actor=db.session.get(User, admin.id), organisation=org, days="1", now=clock.instant
        )
    db.session.commit()
    clock.advance(days=400)
    assert run_retention(db.session, now=clock.instant).pseudonymised == 0
    db.session.expire_all()
    assert db.session.get(User, world.bruno.id).name == "Bruno Gagnon"
    assert db.session.scalars(select(Pseudonymisation)).all() == []


def test_reactivating_stops_the_clock(client, world, clock):
    client.login(world.admin_a.email)
    _set_retention(client, world.org_a, "30")
    _deactivate(client, world.org_a, world.alice)
    assert db.session.get(AccountDeactivation, world.alice.id) is not None
    clock.advance(days=10)
    client.login(world.admin_a.email)
    client.post(f"/admin/orgs/{world.org_a.id}/members/{world.alice.id}/active", data={"active": "1"})
    db.session.expire_all()
    assert db.session.get(AccountDeactivation, world.alice.id) is None
    clock.advance(days=60)
    assert run_retention(db.session, now=clock.instant).pseudonymised == 0


def test_the_command_runs_it_on_demand_with_a_dry_run(client, world, clock, runner):
    client.login(world.admin_a.email)
    _set_retention(client, world.org_a, "30")
    _deactivate(client, world.org_a, world.alice)
    later = (clock.instant + timedelta(days=31)).isoformat()
    dry = runner.invoke(args=["privacy", "retention", "--now", later, "--dry-run"])
    assert dry.exit_code == 0, dry.output
    assert f"{world.alice.id}\talice.tremblay@ville-a.qc.ca" in dry.output
    assert "Essai à blanc : 1 personne serait pseudonymisée ; rien n’a été écrit." in dry.output.replace(
        "\xa0", " "
    )
    assert db.session.scalars(select(Pseudonymisation)).all() == []
    assert _alice(world).name == "Alice Tremblay"
    done = runner.invoke(args=["privacy", "retention", "--now", later])
    assert done.exit_code == 0 and "pseudonymised=1" in done.output
    again = runner.invoke(args=["privacy", "retention", "--now", later])
    assert "pseudonymised=0" in again.output
    bad = runner.invoke(args=["privacy", "retention", "--now", "demain"])
    assert bad.exit_code == 1


def test_the_scheduler_runs_the_retention_job(client, world, clock, app):
    client.login(world.admin_a.email)
    _set_retention(client, world.org_a, "30")
    _deactivate(client, world.org_a, world.alice)
    clock.advance(days=31)
    scheduler = Scheduler(app, holder="test")
    scheduler.holding = True
    scheduler.run_job("retention")
    assert _alice(world).name.startswith("Personne retirée ")
    runs = db.session.scalars(select(JobRunStat).where(JobRunStat.job == "retention")).all()
    assert [(run.outcome, run.runs) for run in runs] == [("ok", 1)]
