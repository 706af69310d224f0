"""The weekly personal digest through the CLI at chosen instants."""

from __future__ import annotations

from datetime import date, datetime

from tasking.extensions import db
from tasking.models import DigestLog, Organisation, Task
from tasking.tasks.comments import add_comment
from tests.conftest import app_now

from .conftest import outbox_rows

NBSP = "\u00a0"
# Monday 23 November 2026, 07:00 in Montréal (UTC−5).
MONDAY_7 = "2026-11-23T07:00:00-05:00"


def seed(world):
    world.task("Tâche en retard", date(2026, 11, 20))
    world.task("Tâche de la semaine", date(2026, 11, 26), collaborators=[world.helper])
    world.task("Tâche bloquée", None, status="blocked", blocked_reason="Attente du CIUSSS")
    world.task(
        "Tâche terminée", date(2026, 11, 19), status="done", completed_at=datetime(2026, 11, 19, 15, 0)
    )
    world.task("Tâche lointaine", date(2027, 3, 1))
    task = db.session.query(Task).filter_by(title="Tâche lointaine").one()
    add_comment(
        db.session,
        actor=world.owner,
        task=task,
        body="@coordination peux-tu valider ?",
        now=datetime(2026, 11, 20, 18),
    )
    db.session.commit()


def test_monday_digest_arrives_once_with_its_sections(world, cli, smtp_server):
    seed(world)
    assert cli("notify", "digests", "--now", "2026-11-22T22:00:00-05:00").output.strip() == "queued=0 empty=0"
    assert cli("notify", "digests", "--now", "2026-11-23T06:59:00-05:00").output.strip() == "queued=0 empty=0"
    # Owner (tasks), helper (a collaboration due this week), admin (a mention).
    assert cli("notify", "digests", "--now", MONDAY_7).output.strip() == "queued=3 empty=0"
    assert cli("notify", "digests", "--now", MONDAY_7).output.strip() == "queued=0 empty=0"
    assert cli("notify", "digests", "--now", "2026-11-25T12:00:00-05:00").output.strip() == "queued=0 empty=0"
    # The three digests, and the mention's own e-mail (sent at once by preference).
    assert cli("outbox", "send").output.strip() == "sent=4 failed=0 waiting=0"

    [mail] = smtp_server.by_recipient("responsable@ville-a.ca")
    assert mail["Subject"] == "Votre semaine dans Rétablir (semaine du 23 novembre)"
    assert mail["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    text = mail.get_body(("plain",)).get_content()
    sections = [
        "== En retard (1) ==",
        "== À échéance cette semaine (1) ==",
        "== Tâches bloquées (1) ==",
        "== Terminées depuis le dernier résumé (1) ==",
    ]
    positions = [text.index(s) for s in sections]
    assert positions == sorted(positions)
    assert "Tâche en retard" in text and "Attente du CIUSSS" in text and "Tâche terminée" in text
    assert "Tâche lointaine" not in text  # nothing to say about it this week
    assert "http://retablir.test/tasks/" in text and "Marquer comme terminée" in text

    [mail] = [
        m for m in smtp_server.by_recipient("coordination@ville-a.ca") if "Votre semaine" in m["Subject"]
    ]
    text = mail.get_body(("plain",)).get_content()
    assert f"Rémi Responsable vous a mentionné dans «{NBSP}Tâche lointaine{NBSP}»" in text
    assert "peux-tu valider" in text

    [mail] = smtp_server.by_recipient("aide@ville-a.ca")
    text = mail.get_body(("plain",)).get_content()
    assert "Tâche de la semaine" in text and "(collaborateur)" in text

    # Next Monday: only what happened since this digest (the mention is old news).
    assert cli("notify", "digests", "--now", "2026-11-30T07:00:00-05:00").output.strip() == "queued=2 empty=1"
    rows = [r for r in outbox_rows() if r.recipient == "responsable@ville-a.ca"]
    assert [r.dedupe_key for r in rows] == [
        f"digest:user{world.owner.id}:2026-W48",
        f"digest:user{world.owner.id}:2026-W49",
    ]
    assert "Tâche terminée" not in rows[-1].body_text


def test_a_person_in_two_organisations_gets_one_digest_covering_both(world, cli, mk):
    from tasking.models import Membership

    from .conftest import small_plan

    other = mk.org("ville-b", "Ville B", world.region)
    other.digest_weekday = 3  # Thursday
    db.session.add(
        Membership(created_at=app_now(), user_id=world.owner.id, organisation_id=other.id, role="member")
    )
    plan, _theme, objective = small_plan(other)
    db.session.add(
        Task(
            created_at=app_now(),
            updated_at=app_now(),
            plan_id=plan.id,
            objective_id=objective.id,
            title="Tâche de la Ville B",
            owner_id=world.owner.id,
            due_date=date(2026, 11, 20),
        )
    )
    db.session.commit()
    world.task("Tâche de la Ville A", date(2026, 11, 20))

    # Ville A's Monday slot: one digest with the tasks of both towns.
    assert cli("notify", "digests", "--now", MONDAY_7).output.strip() == "queued=1 empty=2"
    [row] = outbox_rows()
    assert "Tâche de la Ville A" in row.body_text and "Tâche de la Ville B" in row.body_text
    # Ville B's Thursday slot: the same week, already told.
    assert cli("notify", "digests", "--now", "2026-11-26T07:00:00-05:00").output.strip() == "queued=0 empty=0"
    assert len(outbox_rows()) == 1


def test_nobody_gets_an_empty_digest(world, cli):
    assert cli("notify", "digests", "--now", MONDAY_7).output.strip() == "queued=0 empty=3"
    assert outbox_rows() == []
    assert db.session.query(DigestLog).count() == 3


def test_missed_slot_is_caught_up_within_the_week_only(world, cli):
    seed(world)
    # The scheduler was down on Monday: Wednesday catches up.
    assert cli("notify", "digests", "--now", "2026-11-25T15:00:00-05:00").output.strip() == "queued=3 empty=0"
    # Down all the next week: not sent a week late, and next Monday before 07:00 nothing.
    assert cli("notify", "digests", "--now", "2026-12-07T06:00:00-05:00").output.strip() == "queued=0 empty=0"


def test_slot_before_the_organisation_existed_is_not_caught_up(world, cli):
    seed(world)
    # A fresh install on Thursday 26 November, 01:00 in Montréal: Monday's slot
    # was never missed, so nothing goes out that Thursday, nor on Friday.
    org = db.session.get(Organisation, world.org.id)
    org.created_at = datetime(2026, 11, 26, 6, 0)
    db.session.commit()
    for instant in ("2026-11-26T10:00:00-05:00", "2026-11-27T15:00:00-05:00"):
        assert cli("notify", "digests", "--now", instant).output.strip() == "queued=0 empty=0", instant
    assert [r for r in outbox_rows() if r.kind == "digest"] == []
    # The next Monday is the first slot: the digests go out then.
    assert cli("notify", "digests", "--now", "2026-11-30T07:00:00-05:00").output.strip() == "queued=2 empty=1"


def test_holiday_monday_digest_goes_out_tuesday_morning(world, cli):
    seed(world)
    # Monday 7 September 2026 is Labour Day (fête du Travail); Montréal is at UTC−4.
    for instant in ("2026-09-07T07:00:00-04:00", "2026-09-07T12:00:00-04:00", "2026-09-08T06:59:00-04:00"):
        assert cli("notify", "digests", "--now", instant).output.strip() == "queued=0 empty=0", instant
    assert cli("notify", "digests", "--now", "2026-09-08T07:00:00-04:00").output.strip().startswith("queued=")
    assert {r.dedupe_key.rsplit(":", 1)[1] for r in outbox_rows() if r.kind == "digest"} == {"2026-W37"}


def test_organisation_slot_and_time_zone_are_its_own(world, cli, mk):
    seed(world)
    org = db.session.get(Organisation, world.org.id)
    org.timezone = "America/Vancouver"
    org.digest_weekday = 4  # Friday
    org.digest_time = "16:30"
    db.session.commit()
    assert cli("notify", "digests", "--now", MONDAY_7).output.strip() == "queued=0 empty=0"
    assert cli("notify", "digests", "--now", "2026-11-27T16:29:00-08:00").output.strip() == "queued=0 empty=0"
    assert cli("notify", "digests", "--now", "2026-11-27T16:30:00-08:00").output.strip() == "queued=2 empty=1"


def test_digest_switched_off_is_not_sent(world, cli):
    from tasking.notifications.preferences import set_channel

    seed(world)
    set_channel(
        db.session, user=world.owner, kind="weekly_digest", channel="never", now=datetime(2026, 11, 1)
    )
    db.session.commit()
    assert cli("notify", "digests", "--now", MONDAY_7).output.strip() == "queued=2 empty=0"
    assert "responsable@ville-a.ca" not in {r.recipient for r in outbox_rows()}


def count_statements(func) -> int:
    from sqlalchemy import event

    statements = []

    def listener(conn, cursor, statement, *args):  # noqa: ANN001
        statements.append(statement)

    event.listen(db.engine, "before_cursor_execute", listener)
    try:
        func()
    finally:
        event.remove(db.engine, "before_cursor_execute", listener)
    return len(statements)


def test_building_digests_takes_the_same_queries_for_more_people(world, mk):
    from tasking.core.clock import parse_instant
    from tasking.regions.summary import region_summary
    from tasking.scheduling.digests import build_digests

    now = parse_instant(MONDAY_7)
    seed(world)
    db.session.expire_all()
    few = count_statements(lambda: build_digests(db.session, now=now))
    sections = count_statements(lambda: region_summary(db.session, world.region, now=now))
    for number in range(6):
        person = mk.user(world.org, "member")
        world.task(f"Encore {number}", date(2026, 11, 25), owner=person, collaborators=[world.helper])
        add_comment(
            db.session,
            actor=world.admin,
            task=db.session.query(Task).filter_by(title=f"Encore {number}").one(),
            body="Merci",
            now=datetime(2026, 11, 21),
        )
    db.session.commit()
    db.session.expire_all()
    assert count_statements(lambda: build_digests(db.session, now=now)) == few
    assert count_statements(lambda: region_summary(db.session, world.region, now=now)) == sections
    assert few <= 12


def test_long_sections_are_cut_with_a_link_to_my_tasks(world, cli):
    for number in range(17):
        world.task(f"Retard {number:02d}", date(2026, 11, 2))
    assert cli("notify", "digests", "--now", MONDAY_7).output.strip() == "queued=1 empty=2"
    [row] = outbox_rows()
    assert "== En retard (17) ==" in row.body_text
    assert row.body_text.count("* Retard ") == 15
    assert "… et 2 de plus\nhttp://retablir.test/me/tasks" in row.body_text
